"""The 项目支出绩效自评表 rendered as .docx (and PDF): ``perfxl render`` on a self-evaluation workbook or
its JSON. What a table shows is read back with python-docx and compared with the model (what the unit
typed) and ``score_project`` (执行率, 得分, 总分 and 等级 as the scoring declarations compute them).
"""
from __future__ import annotations

import io
import json
import subprocess
from importlib import resources
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn

import perfxl
from perfxl.cli import main
from perfxl.errors import PerfxlError
from perfxl.frameworks import framework_from_dict
from perfxl.render import TEXT_WIDTH, document_filename, grid_widths, render_to_file
from perfxl.model import unit_from_dict
from perfxl.selfeval_model import FUND_LINES, selfeval_from_dict, selfeval_from_goals, selfeval_to_dict
from perfxl.selfeval_render import (FUND_HEADINGS, FUND_LABELS, SELFEVAL_TITLE, actual_text,
                                    render_selfeval_document)
from perfxl.selfeval_rules import score_project
from perfxl.selfeval_scoring import scoring_of
from perfxl.selfeval_writer import target_text

from conftest import require_writer
from test_selfeval_rules import filled
from units import clean

HEBEI = perfxl.load_framework("hebei-2023")
SCORING = scoring_of(HEBEI)


def evaluated():
    """The careful unit's self-evaluation with what real returns have: a missed target with its reason,
    a 定性 grade with a comment, a text actual, and the last project's money only partly spent."""
    se = selfeval_from_dict(filled())
    first, second = se.projects
    first.indicators[2].actual, first.indicators[2].reason = 90, "两笔还款因银行系统升级延后三天，已与银行约定提前划款。"
    first.indicators[4].actual = "部分达成，个别安置户尚未入住"
    second.funds.total.executed = 24.5
    second.indicators[1].actual = "约5个月"
    return se


def cells(row) -> list[str]:
    """The distinct cells of a row, left to right (a merged cell once; a cell merged down from above
    shows the text of the cell it continues, as Word shows it)."""
    out, seen = [], []
    for c in row.cells:
        if c._tc in seen:
            continue
        seen.append(c._tc)
        out.append(c.text)
    return out


def tables(data: bytes):
    return docx.Document(io.BytesIO(data)).tables


def _money(v) -> str:
    return "" if v is None else f"{v:.2f}"


def _n(v) -> str:
    """A number as the document writes it: no trailing zeros, no exponent."""
    if v is None:
        return ""
    text = f"{v:.6f}".rstrip("0").rstrip(".")
    return text


def expected_rows(unit, p) -> list[list[str]]:
    """The table of project ``p`` as the official form lays it out, from the model and score_project."""
    s = score_project(SCORING, p)
    rows = [["项目名称", p.name, "项目编码", p.code],
            ["主管部门", unit.unit.department_name, "实施单位", unit.unit.name],
            ["项目资金\n（万元）", "", *FUND_HEADINGS]]
    for line in FUND_LINES:
        fl = p.funds.line(line)
        tail = ([_n(p.funds.points), "" if s.rate is None else f"{_n(s.rate)}%", _n(s.funds_score)]
                if line == "total" else ["—"] * 3)
        rows.append(["项目资金\n（万元）", FUND_LABELS[line], _money(fl.initial), _money(fl.budget),
                     _money(fl.executed), *tail])
    rows += [["年度\n总体目标", "预期目标", "实际完成情况"],
             ["年度\n总体目标", "\n".join(f"{i}.{g}" for i, g in enumerate(p.goals, 1)), p.achievement or ""],
             ["绩效\n指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
              "偏差原因分析\n及改进措施"]]
    for row, score in zip(p.indicators, s.scores):
        t = row.target
        rows.append(["绩效\n指标", t.level1, t.level2, t.name, target_text(t), actual_text(row), _n(row.points),
                      _n(score), row.reason or ""])
    points = p.funds.points + sum(r.points for r in p.indicators)
    rows += [["总分", _n(points), _n(s.total), ""], ["自评等级", s.grade or ""]]
    return rows


# ------------------------------------------------------------------ content

def test_every_table_shows_the_models_values_and_the_computed_scores():
    se = evaluated()
    got = tables(render_selfeval_document(se))
    assert len(got) == len(se.projects)
    for table, p in zip(got, se.projects):
        assert [cells(r) for r in table.rows] == expected_rows(se, p)


def test_the_scores_shown_are_the_scoring_declarations_not_stale_entries():
    """A JSON whose 得分/总分/等级 were typed wrong (E03) is shown with the computed ones."""
    se = evaluated()
    p = se.projects[0]
    p.indicators[0].score, p.total_score, p.grade = 1, 5, "差"
    computed = score_project(SCORING, p)
    rows = [cells(r) for r in tables(render_selfeval_document(se))[0].rows]
    assert rows[-2][2] == _n(computed.total) != "5" and rows[-1][1] == computed.grade != "差"
    first = next(r for r in rows if len(r) > 3 and r[3] == p.indicators[0].target.name)
    assert first[7] == _n(computed.scores[0]) != "1"


def test_actuals_are_shown_with_the_targets_unit_and_text_as_typed():
    se = evaluated()
    first, second = se.projects
    assert actual_text(first.indicators[0]) == "4次" and actual_text(first.indicators[2]) == "90%"
    assert actual_text(first.indicators[4]) == "部分达成，个别安置户尚未入住"
    assert actual_text(second.indicators[1]) == "约5个月"


def test_a_blank_self_evaluation_shows_prefilled_points_and_no_scores():
    se = selfeval_from_goals(unit_from_dict(clean()), HEBEI)
    table = tables(render_selfeval_document(se))[0]
    rows = [cells(r) for r in table.rows]
    total = next(r for r in rows if r[0] == "总分")
    assert total == ["总分", "100", "", ""]
    assert next(r for r in rows if r[0] == "自评等级") == ["自评等级", ""]
    indicator_rows = [r for r in rows if r[0] == "绩效\n指标"][1:]
    assert all(r[5] == "" and r[7] == "" for r in indicator_rows)
    assert [r[6] for r in indicator_rows] == [_n(i.points) for i in se.projects[0].indicators]


def test_first_level_cells_are_merged_over_their_runs():
    se = evaluated()
    table = tables(render_selfeval_document(se))[0]
    first_indicator = 2 + 1 + len(FUND_LINES) + 2 + 1
    trs = table._tbl.tr_lst[first_indicator:first_indicator + len(se.projects[0].indicators)]
    # 产出指标 ×4, 效益指标 ×2, 满意度指标 ×1; the label column (绩效指标) is merged down over all
    assert [tr.tc_lst[1].vMerge for tr in trs] == ["restart", "continue", "continue", "continue", "restart",
                                                   "continue", None]
    assert [tr.tc_lst[0].vMerge for tr in trs] == ["continue"] * len(trs)
    assert [tr.tc_lst[2].vMerge for tr in trs] == [None] * len(trs)  # every 二级 differs from its neighbour


def test_the_table_fits_the_text_width():
    for table in tables(render_selfeval_document(evaluated())):
        assert sum(grid_widths(table)) == TEXT_WIDTH
        for tr in table._tbl.tr_lst:
            assert sum(int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in tr.tc_lst) == TEXT_WIDTH


def test_each_project_starts_a_page_under_the_forms_title():
    doc = docx.Document(io.BytesIO(render_selfeval_document(evaluated())))
    titles = [p for p in doc.paragraphs if p.text == SELFEVAL_TITLE]
    assert len(titles) == 2 and [p.text for p in doc.paragraphs].count("（2024年度）") == 2
    assert not titles[0].paragraph_format.page_break_before and titles[1].paragraph_format.page_break_before


def test_fonts_come_from_the_frameworks_document_section():
    d = json.loads(resources.files("perfxl.templates").joinpath("frameworks", "hebei-2023.json").read_text("utf-8"))
    d["document"] = {"body_font": "楷体", "heading_font": "方正小标宋简体"}
    doc = docx.Document(io.BytesIO(render_selfeval_document(evaluated(), framework=framework_from_dict(d))))
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "楷体"
    title = next(p for p in doc.paragraphs if p.text == SELFEVAL_TITLE)
    assert {r._r.rPr.rFonts.get(qn("w:eastAsia")) for r in title.runs} == {"方正小标宋简体"}


def test_the_same_self_evaluation_gives_the_same_bytes():
    assert render_selfeval_document(evaluated()) == render_selfeval_document(evaluated())


def test_an_unknown_framework_is_a_clear_error():
    se = evaluated()
    se.framework = "henan-2031"
    with pytest.raises(PerfxlError, match="henan-2031"):
        render_selfeval_document(se)


def test_default_file_name_names_the_form_and_starts_with_the_unit_code(tmp_path):
    se = evaluated()
    assert document_filename(se) == "115001_承德高新技术产业开发区土地收购储备中心本级_2024年度项目支出绩效自评表.docx"
    path, pdf = render_to_file(se, tmp_path)
    assert path == tmp_path / document_filename(se) and pdf is None


# ------------------------------------------------------------------ the command

def cli(*args) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert "Traceback" not in result.output and "内部错误" not in result.output, result.output
    return result.exit_code, result.output


def selfeval_workbook(tmp_path: Path) -> Path:
    data = tmp_path / "se.json"
    data.write_text(json.dumps(selfeval_to_dict(evaluated()), ensure_ascii=False), "utf-8")
    code, out = cli("template", "--form", "selfeval", "--data", data, "-o", tmp_path / "book")
    assert code == 0, out
    (path,) = (tmp_path / "book").glob("*.xlsx")
    return path


def test_render_of_a_self_evaluation_workbook_writes_the_form(tmp_path):
    book = selfeval_workbook(tmp_path)
    code, out = cli("render", book, "-o", f"{tmp_path / 'doc'}/")
    assert code == 0, out
    (path,) = (tmp_path / "doc").glob("*.docx")
    assert path.name.endswith("年度项目支出绩效自评表.docx")
    se = evaluated()
    for table, p in zip(tables(path.read_bytes()), se.projects):
        assert [cells(r) for r in table.rows] == expected_rows(se, p)


def test_render_of_a_self_evaluation_json_writes_the_form(tmp_path):
    data = tmp_path / "se.json"
    data.write_text(json.dumps(selfeval_to_dict(evaluated()), ensure_ascii=False), "utf-8")
    code, out = cli("render", data, "-o", tmp_path / "自评表.docx")
    assert code == 0, out
    assert len(tables((tmp_path / "自评表.docx").read_bytes())) == 2


def test_an_output_without_suffix_is_refused_naming_both_documents_a_folder_would_get(tmp_path):
    data = tmp_path / "se.json"
    data.write_text(json.dumps(selfeval_to_dict(evaluated()), ensure_ascii=False), "utf-8")
    code, out = cli("render", data, "-o", tmp_path / "out")
    assert code != 0 and "out.docx" in out
    assert "部门预算绩效文本.docx" in out and SELFEVAL_TITLE + ".docx" in out
    assert not (tmp_path / "out").exists()


def test_reviewer_is_said_to_be_unused_on_a_self_evaluation(tmp_path):
    book = selfeval_workbook(tmp_path)
    code, out = cli("render", book, "-o", tmp_path / "a.docx", "--reviewer", "承德市高新区")
    assert code == 0 and "--reviewer" in out and "承德市高新区" not in "".join(
        p.text for p in docx.Document(tmp_path / "a.docx").paragraphs)
    code, out = cli("render", book, "-o", tmp_path / "b.docx", "--reviewer", "x", "--lang", "en")
    assert code == 0 and "--reviewer is not used" in out


def test_pdf_has_one_page_per_project_with_the_forms_content(tmp_path, soffice, pdftotext):
    require_writer(soffice)
    se = evaluated()
    docx_path, pdf = render_to_file(se, tmp_path / "自评表.docx", pdf=True)
    assert pdf == tmp_path / "自评表.pdf" and pdf.stat().st_size > 0
    pages = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, check=True,
                           text=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == len(se.projects)
    flat = ["".join(page.split()) for page in pages]
    for page, p in zip(flat, se.projects):
        assert SELFEVAL_TITLE in page and p.name in page and p.code in page
    s = score_project(SCORING, se.projects[0])
    assert f"总分100{_n(s.total)}自评等级{s.grade}" in flat[0]
    assert "总分100自评等级" in flat[1]  # "约5个月" cannot be scored: no total, no grade (E02 says why)
