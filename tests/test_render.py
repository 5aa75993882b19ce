"""The official document (部门预算绩效文本) rendered from a unit, checked against the seed document."""
from __future__ import annotations

import copy
import io
import subprocess
import zipfile
from datetime import datetime, timezone

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm

import perfxl
from perfxl import render as R
from perfxl.errors import PerfxlError
from perfxl.model import Indicator
from perfxl.render import chinese_numeral, indicator_value_text, render_document, render_to_file

from conftest import SAMPLES, require_writer

SEED = SAMPLES / "units" / "115001.json"
REVIEWER = "承德市高新区"


@pytest.fixture(scope="module")
def seed():
    return perfxl.load_unit(SEED)


@pytest.fixture(scope="module")
def seed_bytes(seed):
    return render_document(seed, reviewer=REVIEWER)


@pytest.fixture(scope="module")
def seed_doc(seed_bytes):
    return docx.Document(io.BytesIO(seed_bytes))


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.text.strip()]


def v_merge(table, row: int, col: int) -> str | None:
    """The w:vMerge value of the cell at grid position (row, col): "restart", "continue" or None."""
    tr = table._tbl.tr_lst[row]
    grid = 0
    for tc in tr.tc_lst:
        if grid == col:
            return tc.vMerge
        grid += tc.grid_span
    raise AssertionError(f"no cell starts at grid column {col} in row {row}")


def row_texts(table, row: int) -> list[str]:
    """Texts of the row's distinct cells, left to right (merged cells once)."""
    return [tc_text(tc) for tc in table._tbl.tr_lst[row].tc_lst]


def tc_text(tc) -> str:
    return "\n".join("".join(t.text for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p")))


# --- the pieces of the cell texts ---------------------------------------------------------------

@pytest.mark.parametrize("n, text", [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"),
                                     (100, "一百"), (105, "一百零五"), (110, "一百一十"), (999, "九百九十九")])
def test_chinese_numeral(n, text):
    assert chinese_numeral(n) == text


@pytest.mark.parametrize("kw, text", [
    ({"operator": "≥", "value": 80, "value_note": "财政拨入资金支付80%以上"}, "≥80 财政拨入资金支付80%以上"),
    ({"operator": "≥", "value": 80.0, "unit": "%", "value_note": "财政拨入资金支付80%以上"}, "≥80% 财政拨入资金支付80%以上"),
    ({"operator": "≤", "value": 20, "unit": "%"}, "≤20%"),
    ({"operator": "=", "value": 95.5, "unit": "%"}, "＝95.5%"),
    ({"operator": ">", "value": 0.05, "unit": "万元"}, "＞0.05万元"),
    ({"operator": "<", "value": 1234567.0, "unit": "元"}, "＜1234567元"),
    ({"operator": "定性", "value": "资金使用符合相关法律法规"}, "资金使用符合相关法律法规"),
    ({"operator": "定性", "value": None}, ""),
    ({"operator": None, "value": None, "value_note": "只有说明"}, "只有说明"),
    ({"operator": "≥", "value": "八十"}, "≥八十"),
])
def test_indicator_value_text(kw, text):
    assert indicator_value_text(Indicator(level1="产出指标", level2="数量指标", name="x", **kw)) == text


# --- the document's text ------------------------------------------------------------------------

def test_cover_contents_and_part_one(seed_doc, seed):
    t = texts(seed_doc)
    assert t[:4] == ["承德高新技术产业开发区土地收购储备中心", "2023年部门预算绩效文本",
                     "承德高新技术产业开发区土地收购储备中心编制", "承德市高新区审核"]
    toc = [e.split("\t")[0] for e in t[t.index("目    录") + 1:t.index("第一部分\n部门整体绩效目标")]]
    assert toc == ["第一部分 部门整体绩效目标", "一、总体绩效目标", "二、分项绩效目标", "三、工作保障措施",
                   "第二部分 预算项目绩效目标", "1.郭营子棚改本金利息绩效目标表", "2.土地成本核算专项绩效目标表"]
    headings = [(p.style.name, p.text) for p in seed_doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        ("Heading 1", "第一部分\n部门整体绩效目标"), ("Heading 2", "一、总体绩效目标"), ("Heading 2", "二、分项绩效目标"),
        ("Heading 3", "一、综合科"), ("Heading 3", "二、征收科"), ("Heading 3", "三、收储科"), ("Heading 3", "四、财务科"),
        ("Heading 2", "三、工作保障措施"), ("Heading 1", "第二部分\n预算项目绩效目标"),
        ("Heading 2", "1.郭营子棚改本金利息绩效目标表"), ("Heading 2", "2.土地成本核算专项绩效目标表")]
    dg = seed.department_goals
    t = t[t.index("第一部分\n部门整体绩效目标"):]  # the body, past the 目录's entries
    assert t[t.index("一、总体绩效目标") + 1] == dg.overall
    assert t[t.index("一、综合科") + 1] == "绩效目标：" + dg.sections[0].goal
    assert t[t.index("四、财务科") + 1] == "绩效目标：" + dg.sections[3].goal
    measures = t[t.index("三、工作保障措施") + 1:t.index("三、工作保障措施") + 6]
    assert measures[0] == "（一）" + dg.measures[0]
    assert [m[:3] for m in measures] == ["（一）", "（二）", "（三）", "（四）", "（五）"]


def test_cover_without_reviewer_or_department(seed):
    unit = copy.deepcopy(seed)
    unit.unit.department_name = None
    t = texts(docx.Document(io.BytesIO(render_document(unit))))
    assert t[:3] == ["承德高新技术产业开发区土地收购储备中心本级", "2023年部门预算绩效文本",
                     "承德高新技术产业开发区土地收购储备中心本级编制"]
    assert not any(x.endswith("审核") for x in t)


def test_page_setup_fonts_and_footer(seed_doc, seed_bytes):
    for s in seed_doc.sections:
        pg = s._sectPr.find(qn("w:pgSz"))
        assert (pg.get(qn("w:w")), pg.get(qn("w:h"))) == ("11906", "16838")  # A4 in twips
        assert s.left_margin + s.right_margin <= Cm(5.5)
    cover, body = seed_doc.sections
    # Page numbers start at 第一部分 (as the seed's 目录 counts) and are centred in the footer.
    assert body._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    assert cover.footer.is_linked_to_previous and not body.footer.is_linked_to_previous
    fld = body.footer._element.find(".//" + qn("w:fldSimple"))
    assert fld.get(qn("w:instr")).strip() == "PAGE"
    assert body.footer.paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    # 仿宋 for body and tables, 黑体 for headings (GB/T 9704; the framework's default), on every script slot
    # (w:eastAsia included) and without theme fonts.
    for name, font in (("Normal", "仿宋"), ("Heading 1", "黑体"), ("Heading 2", "黑体"), ("Heading 3", "黑体")):
        rfonts = seed_doc.styles[name].element.rPr.rFonts
        assert {rfonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia")} == {font}, name
        assert rfonts.get(qn("w:eastAsiaTheme")) is None and rfonts.get(qn("w:asciiTheme")) is None
    # New pages: 目录, 第二部分, and each project table.
    breaks = [p.text for p in seed_doc.paragraphs if p.paragraph_format.page_break_before]
    assert breaks == ["目    录", "第二部分\n预算项目绩效目标", "1.郭营子棚改本金利息绩效目标表",
                      "2.土地成本核算专项绩效目标表"]


# --- the tables ---------------------------------------------------------------------------------

def test_two_tables_per_project_fitting_the_page(seed_doc):
    assert len(seed_doc.tables) == 4
    text_width = 21 - 2.5 - 2.5  # cm
    for table in seed_doc.tables:
        assert table.style.name == "Table Grid"
        grid = [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.iter(qn("w:gridCol"))]
        assert abs(sum(grid) / 1440 * 2.54 - text_width) < 0.01
        for tr in table._tbl.tr_lst:  # every row spans the whole grid, every cell as wide as its columns
            assert sum(tc.grid_span for tc in tr.tc_lst) == len(grid)
            assert sum(tc.width for tc in tr.tc_lst) == sum(g * 635 for g in grid)  # twips → EMU


def test_goal_table_like_the_seed(seed_doc):
    t1 = seed_doc.tables[0]
    assert row_texts(t1, 0) == ["115001承德高新技术产业开发区土地收购储备中心本级", "单位：万元"]
    assert row_texts(t1, 1) == ["项目编码", "13081123P008047100028", "项目名称", "郭营子棚改本金利息"]
    assert row_texts(t1, 2) == ["预算规模及资金用途", "预算数", "5295.00", "其中：财政资金", "5295.00", "其他资金", ""]
    assert row_texts(t1, 3) == ["", "用于归还棚改贷款"]
    assert row_texts(t1, 4) == ["资金支出计划（%）", "3月底", "6月底", "10月底", "12月底"]
    assert row_texts(t1, 5) == ["", "20%", "30%", "30%", "20%"]
    assert row_texts(t1, 6) == ["绩效目标", "1.按协议完成还款"]
    # 预算规模及资金用途 and 资金支出计划（%） span two rows; the value cells span the value columns.
    assert (v_merge(t1, 2, 0), v_merge(t1, 3, 0)) == ("restart", "continue")
    assert (v_merge(t1, 4, 0), v_merge(t1, 5, 0)) == ("restart", "continue")
    assert v_merge(t1, 6, 0) is None
    assert t1.cell(3, 0).text == "预算规模及资金用途"  # python-docx sees the merged cell
    assert t1._tbl.tr_lst[3].tc_lst[1].grid_span == len(t1.columns) - 1
    t3 = seed_doc.tables[2]
    assert row_texts(t3, 2)[1:3] == ["预算数", "30.00"]
    assert row_texts(t3, 5) == ["", "50%", "50%", "", ""]
    assert row_texts(t3, 6) == ["绩效目标", "1.目标内容1按协议支付审计费"]


def test_goals_one_paragraph_each(seed):
    unit = copy.deepcopy(seed)
    unit.projects[0].goals = ["按协议完成还款", "按季度付息"]
    cell = docx.Document(io.BytesIO(render_document(unit))).tables[0].cell(6, 1)
    assert [p.text for p in cell.paragraphs] == ["1.按协议完成还款", "2.按季度付息"]


def test_indicator_table_like_the_seed(seed_doc, seed):
    t2 = seed_doc.tables[1]
    assert row_texts(t2, 0) == ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"]
    assert t2._tbl.tr_lst[0].trPr.find(qn("w:tblHeader")) is not None  # repeats on the next page
    assert len(t2.rows) == 1 + len(seed.projects[0].indicators)
    assert [t2.cell(r, 4).text for r in range(1, 10)] == [
        "≥80 财政拨入资金支付80%以上", "≥80 按季度支付资金80%以上", "≤20 资金使用不超过年初预算的20%",
        "≥80 收到资金及时付款，不延误", "资金使用与年初预算批复相符", "准确规划本年度棚改本金利息所需费用",
        "资金使用符合相关法律法规", "≥80 完成项目达80%以上", "≥80 80%以上群众满意"]
    assert [t2.cell(r, 2).text for r in (1, 9)] == ["财政拨入资金使用率", "服务对象满意度"]
    assert t2.cell(5, 3).text == "项目的实际支出是否与预算批复（和合同规定）的用途相符"
    assert t2.cell(9, 5).text == "服务对象满意程度"
    # 一级指标: 产出 rows 1-4, 效益 rows 5-8, 满意度 row 9, each one merged cell.
    assert [v_merge(t2, r, 0) for r in range(1, 10)] == [
        "restart", "continue", "continue", "continue", "restart", "continue", "continue", "continue", None]
    assert [t2.cell(r, 0).text for r in (1, 4, 5, 8, 9)] == ["产出指标", "产出指标", "效益指标", "效益指标", "满意度指标"]
    assert [v_merge(t2, r, 1) for r in range(1, 10)] == [None] * 9  # every 二级 differs in the seed


def test_second_level_merged_within_first_level(seed):
    unit = copy.deepcopy(seed)
    inds = unit.projects[0].indicators
    inds[1].level2 = inds[0].level2 = "数量指标"   # rows 1-2 share 二级 in 产出
    inds[4].level2 = "数量指标"                    # …but row 5 is 效益: not merged across 一级
    inds[5].level2 = "数量指标"
    t2 = docx.Document(io.BytesIO(render_document(unit))).tables[1]
    assert [v_merge(t2, r, 1) for r in range(1, 7)] == ["restart", "continue", None, None, "restart", "continue"]
    assert [v_merge(t2, r, 0) for r in range(1, 7)] == ["restart", "continue", "continue", "continue",
                                                        "restart", "continue"]


def test_odd_projects(seed):
    unit = copy.deepcopy(seed)
    p = unit.projects[1]
    p.spend_plan = {f"{m}月": (8.5 if m < 12 else 6.5) for m in range(1, 13)}
    p.funds.total, p.funds.fiscal = "约30万", None
    p.indicators, p.goals, p.purpose = [], [], None
    unit.projects.append(copy.deepcopy(p))
    unit.projects[-1].spend_plan = {}
    doc = docx.Document(io.BytesIO(render_document(unit)))
    assert len(doc.tables) == 6
    t = doc.tables[2]
    assert row_texts(t, 4)[1:] == [f"{m}月" for m in range(1, 13)]
    assert row_texts(t, 5)[1:] == ["8.5%"] * 11 + ["6.5%"]
    assert row_texts(t, 2)[1:] == ["预算数", "约30万", "其中：财政资金", "", "其他资金", ""]
    assert row_texts(t, 6) == ["绩效目标", ""] and row_texts(t, 3) == ["", ""]
    assert len(doc.tables[3].rows) == 1  # header only
    assert row_texts(doc.tables[4], 4)[1:] == list(R.DEFAULT_MILESTONES)
    assert row_texts(doc.tables[4], 5)[1:] == [""] * 4


# --- bytes and files ----------------------------------------------------------------------------

def test_deterministic(seed, seed_bytes):
    assert render_document(seed, reviewer=REVIEWER) == seed_bytes
    assert render_document(seed) != seed_bytes
    z = zipfile.ZipFile(io.BytesIO(seed_bytes))
    assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert "docProps/thumbnail.jpeg" not in z.namelist()
    cp = docx.Document(io.BytesIO(seed_bytes)).core_properties
    assert cp.author == "perfxl" and cp.created == cp.modified == datetime(2000, 1, 1, tzinfo=timezone.utc)


def test_render_to_file(seed, tmp_path, seed_bytes):
    path, pdf = render_to_file(seed, tmp_path / "文本.docx", reviewer=REVIEWER)
    assert pdf is None and path == tmp_path / "文本.docx" and path.read_bytes() == seed_bytes
    path, _ = render_to_file(seed, tmp_path)  # a folder: the default name, 单位编码 first
    assert path.parent == tmp_path and path.name.startswith("115001_") and path.suffix == ".docx"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, "文本.docx"])  # no temp files left


def test_no_libreoffice_is_not_an_error(seed, tmp_path, monkeypatch):
    monkeypatch.setattr(R.shutil, "which", lambda name: None)
    path, pdf = render_to_file(seed, tmp_path / "a.docx", pdf=True)
    assert path.is_file() and pdf is None


def test_libreoffice_without_writer_is_not_installed(seed, tmp_path, monkeypatch):
    program = tmp_path / "program"
    program.mkdir()
    for name in ("soffice", "libsclo.so", "libmergedlo.so"):
        (program / name).write_text("")
    monkeypatch.setattr(R.shutil, "which", lambda name: str(program / "soffice"))
    assert render_to_file(seed, tmp_path / "a.docx", pdf=True)[1] is None
    (program / "libswlo.so").write_text("")
    assert R._writer_installed(str(program / "soffice"))


def test_unwritable_target_raises_perfxl_error(seed, tmp_path):
    with pytest.raises(PerfxlError, match="无法写入"):
        render_to_file(seed, tmp_path / "missing-folder" / "a.docx")


def test_pdf(seed, tmp_path, soffice, pdftotext):
    require_writer(soffice)
    docx_path, pdf = render_to_file(seed, tmp_path / "115001.docx", pdf=True, reviewer=REVIEWER)
    assert pdf == tmp_path / "115001.pdf" and pdf.read_bytes().startswith(b"%PDF")
    # -raw: the order LibreOffice drew the text in, so a cell's wrapped lines stay together.
    text = subprocess.run([pdftotext, "-raw", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = "".join(text.split())
    for s in ("承德高新技术产业开发区土地收购储备中心", "2023年部门预算绩效文本", "承德市高新区审核", "目录",
              "第一部分", "部门整体绩效目标", "一、总体绩效目标", "二、分项绩效目标", "一、综合科", "三、工作保障措施",
              "（五）加强人员培训", "第二部分", "预算项目绩效目标", "1.郭营子棚改本金利息绩效目标表",
              "2.土地成本核算专项绩效目标表", "13081123P008047100028", "13081123P0054FF100030",
              "预算规模及资金用途", "资金支出计划（%）", "5295.00", "30.00", "20%", "50%",
              "用于归还棚改贷款", "1.按协议完成还款", "一级指标", "指标值", "财政拨入资金使用率",
              "≥80财政拨入资金支付80%以上", "≤20资金使用不超过年初预算的20%", "服务对象满意程度"):
        assert s in flat, s
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 6
    # Page 1 of the numbering is 第一部分; the cover and the 目录 carry no number; as in the seed's
    # 目录, the project tables land on pages 5 and 6.
    assert "—" not in pages[0] + pages[1]
    assert "第一部分" in pages[2] and "— 1 —" in pages[2]
    assert "1.郭营子棚改本金利息绩效目标表" in pages[6] and "— 5 —" in pages[6]
    assert "2.土地成本核算专项绩效目标表" in pages[7] and "— 6 —" in pages[7]
