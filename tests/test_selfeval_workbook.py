"""The self-evaluation (绩效自评) workbook: written from the approved goals by ``template --form selfeval``,
read back from its identity, checked by E01–E09 at real cells, exported as selfeval JSON, annotated;
its live 执行率, 得分, 总分 and 等级 equal Python's scoring after LibreOffice recalculates them.

Tests refer to rules by code, and to cells through the layout (perfxl.selfeval_layout), never by
copied addresses.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
from perfxl.check import check_file
from perfxl.cli import main
from perfxl.export import export_unit
from perfxl.layout import IDENTITY_SHEET, INSTRUCTIONS_SHEET, SELFEVAL_FORM, a1
from perfxl.model import unit_from_dict
from perfxl.selfeval_layout import SUMMARY_SHEET, SelfEvalProjectLayout
from perfxl.selfeval_model import (selfeval_from_dict, selfeval_from_goals, selfeval_to_dict,
                                   validate_selfeval_dict)
from perfxl.selfeval_rules import score_project
from perfxl.selfeval_scoring import scoring_of

from test_selfeval_rules import filled as filled_selfeval
from units import clean

HEBEI = perfxl.load_framework("hebei-2023")
L = SelfEvalProjectLayout(HEBEI)
SHEETS = ["1.郭营子棚改本金利息", "2.土地成本核算专项"]


def cli(*args, code: int = 0) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def goals_json(tmp_path: Path, data: dict | None = None) -> Path:
    path = tmp_path / "115001.json"
    path.write_text(json.dumps(data or clean(), ensure_ascii=False), "utf-8")
    return path


def blank_selfeval(tmp_path: Path) -> Path:
    """``perfxl template --form selfeval --data`` on the clean unit's approved goals."""
    cli("template", "--form", "selfeval", "--data", goals_json(tmp_path), "-o", tmp_path / "out")
    (path,) = (tmp_path / "out").glob("*.xlsx")
    return path


def filled_workbook(tmp_path: Path) -> Path:
    """The workbook of a careful unit's return (tests/test_selfeval_rules.filled), written by the writer."""
    path = tmp_path / "se.json"
    path.write_text(json.dumps(filled_selfeval(), ensure_ascii=False), "utf-8")
    cli("template", "--form", "selfeval", "--data", path, "-o", tmp_path / "filled")
    (out,) = (tmp_path / "filled").glob("*.xlsx")
    return out


def codes_at(findings) -> set[tuple[str, str | None, str | None]]:
    return {(f.code, f.sheet, f.cell) for f in findings}


# ------------------------------------------------------------------ template

def test_template_selfeval_writes_one_workbook_per_unit_with_a_sheet_per_project_and_a_summary(tmp_path):
    path = blank_selfeval(tmp_path)
    assert path.name == "115001_承德高新技术产业开发区土地收购储备中心本级_2024年绩效自评表.xlsx"
    wb = load_workbook(path)
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, SUMMARY_SHEET, *SHEETS, IDENTITY_SHEET]
    ident = {r[0].value: r[1].value for r in wb[IDENTITY_SHEET].iter_rows(max_col=2) if r[0].value}
    assert ident["template_id"] == SELFEVAL_FORM.template_id and ident["form"] == "selfeval"
    assert ident["approved_goals"].startswith("sha256:")


def test_approved_targets_are_locked_and_the_units_inputs_are_not(tmp_path):
    ws = load_workbook(blank_selfeval(tmp_path))[SHEETS[0]]
    first = L.indicator_rows.start
    locked = [L.indicator(first, f).a1 for f in ("level1", "level2", "name", "target", "score")]
    locked += [L.fund("total", "initial").a1, L.goals.a1, L.total_score.a1, L.grade.a1, L.fund("total", "rate").a1]
    inputs = [L.indicator(first, f).a1 for f in ("actual", "points", "reason")]
    inputs += [L.fund("total", "budget").a1, L.fund("total", "executed").a1, L.achievement.a1]
    assert all(ws[ref].protection.locked for ref in locked)
    assert not any(ws[ref].protection.locked for ref in inputs)
    assert ws.protection.sheet
    assert ws[L.indicator(first, "target").a1].value == "≥4次"


def test_every_input_cell_has_a_validation(tmp_path):
    ws = load_workbook(blank_selfeval(tmp_path))[SHEETS[0]]
    covered = {str(c) for dv in ws.data_validations.dataValidation for rng in dv.sqref.ranges for c in rng.cells}
    covered = {a1(r - 1, c - 1) for r, c in (tuple(map(int, x.strip("()").split(","))) for x in covered)}
    for row in L.indicator_rows[:7]:
        for f in ("actual", "points", "reason"):
            assert L.indicator(row, f).a1 in covered
    for ref in (L.fund("total", "budget"), L.fund("other", "executed"), L.fund("total", "points"), L.achievement):
        assert ref.a1 in covered


def test_qualitative_actual_offers_the_frameworks_grades_and_lets_a_comment_follow(tmp_path):
    ws = load_workbook(blank_selfeval(tmp_path))[SHEETS[0]]
    cell = L.indicator(L.indicator_rows.start + 4, "actual").a1  # 安置住房保障情况, 定性
    (dv,) = [dv for dv in ws.data_validations.dataValidation if cell in str(dv.sqref)]
    assert dv.type == "list" and dv.errorStyle == "warning"
    assert all(g in dv.formula1 for g in scoring_of(HEBEI).qualitative_grades)


def test_points_are_prefilled_from_the_frameworks_spread(tmp_path):
    ws = load_workbook(blank_selfeval(tmp_path))[SHEETS[0]]
    points = [ws[L.indicator(r, "points").a1].value for r in L.indicator_rows[:7]]
    assert points == [12.5, 12.5, 12.5, 12.5, 15, 15, 10]
    assert ws[L.fund("total", "points").a1].value == 10


def test_template_selfeval_from_returned_goal_workbooks_gives_the_same_targets(tmp_path):
    cli("template", "--data", goals_json(tmp_path), "-o", tmp_path / "goals")
    (goal_wb,) = (tmp_path / "goals").glob("*.xlsx")
    cli("template", "--form", "selfeval", "--data", goal_wb, "-o", tmp_path / "from-wb")
    (from_wb,) = (tmp_path / "from-wb").glob("*.xlsx")
    from_json = blank_selfeval(tmp_path)
    a, _ = export_unit(from_json)
    b, _ = export_unit(from_wb)
    assert [p["indicators"] for p in a["projects"]] == [p["indicators"] for p in b["projects"]]
    assert b["approved_goals"]["source"] == goal_wb.name


def test_template_selfeval_refuses_a_register_and_a_selfeval_workbook_as_goals(tmp_path):
    register = tmp_path / "r.xlsx"
    register.write_bytes(b"")
    out = cli("template", "--form", "selfeval", register, "-o", tmp_path / "x", code=2)
    assert "--data" in out
    made = blank_selfeval(tmp_path)
    out = cli("template", "--form", "selfeval", "--data", made, "-o", tmp_path / "y", code=2)
    assert made.name in out


def test_more_indicators_than_the_frameworks_rows_is_refused_naming_the_project(tmp_path):
    data = clean()
    rows = data["projects"][1]["indicators"]
    data["projects"][1]["indicators"] = (rows * 10)[:HEBEI.indicator_rows + 1]
    out = cli("template", "--form", "selfeval", "--data", goals_json(tmp_path, data), "-o", tmp_path / "o", code=2)
    assert data["projects"][1]["code"] in out


def test_goal_and_selfeval_instructions_list_only_their_forms_rules(tmp_path):
    cli("template", "--data", goals_json(tmp_path), "-o", tmp_path / "goals")
    (goal_wb,) = (tmp_path / "goals").glob("*.xlsx")

    def listed(path: Path) -> set[str]:
        ws = load_workbook(path)[INSTRUCTIONS_SHEET]
        return {c.value for c in ws["A"] if isinstance(c.value, str) and len(c.value) == 3 and c.value[1:].isdigit()}

    goal_codes, se_codes = listed(goal_wb), listed(blank_selfeval(tmp_path))
    assert se_codes == set(perfxl.catalogue.SELFEVAL_CODES)
    assert goal_codes and not goal_codes & se_codes


# ------------------------------------------------------------------ reader, check, export

def test_a_blank_selfeval_is_recognised_and_its_findings_name_real_cells(tmp_path):
    checked = check_file(blank_selfeval(tmp_path))
    found = codes_at(checked.report.findings)
    first = L.indicator_rows.start
    assert ("E01", SHEETS[0], L.indicator(first, "actual").a1) in found
    assert ("E06", SHEETS[1], L.fund("total", "executed").a1) in found
    assert ("E08", SHEETS[0], L.achievement.a1) in found
    assert not [f for f in checked.report.findings if f.code.startswith("S")]
    assert type(checked.unit).__name__ == "SelfEvalUnit"


def test_a_careful_return_checks_clean_but_for_its_scores(tmp_path):
    """Written from a filled self-evaluation, the workbook's cached 得分/执行率/总分/等级 are the
    scoring's: check finds nothing but E09 (no E03, which compares them)."""
    checked = check_file(filled_workbook(tmp_path))
    assert {f.code for f in checked.report.findings} == {"E09"}
    assert {(f.sheet, f.cell) for f in checked.report.findings} == {(s, L.total_score.a1) for s in SHEETS}


def test_export_gives_the_selfeval_json_it_was_made_from(tmp_path):
    data = filled_selfeval()
    path = tmp_path / "se.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    cli("template", "--form", "selfeval", "--data", path, "-o", tmp_path / "o")
    (wb,) = (tmp_path / "o").glob("*.xlsx")
    out = tmp_path / "back.json"
    cli("export", wb, "-o", out)
    back = json.loads(out.read_text("utf-8"))
    validate_selfeval_dict(back)
    assert back == selfeval_to_dict(selfeval_from_dict(data))


def test_a_selfeval_json_is_checked_by_its_form_at_the_cells_of_its_workbook(tmp_path):
    data = filled_selfeval()
    data["projects"][0]["indicators"][1]["actual"] = None
    path = tmp_path / "se.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    found = codes_at(check_file(path).report.findings)
    assert ("E01", SHEETS[0], L.indicator(L.indicator_rows.start + 1, "actual").a1) in found


def test_a_changed_target_is_s04_and_the_approved_target_is_kept(tmp_path):
    src = blank_selfeval(tmp_path)
    wb = load_workbook(src)
    cell = L.indicator(L.indicator_rows.start, "target").a1
    wb[SHEETS[0]][cell] = "≥1次"
    wb.save(tmp_path / "edited.xlsx")
    checked = check_file(tmp_path / "edited.xlsx")
    assert ("S04", SHEETS[0], cell) in codes_at(checked.report.findings)
    assert checked.unit.projects[0].indicators[0].target.value == 4


def test_a_moved_row_is_s07_and_the_sheet_is_not_misread(tmp_path):
    src = blank_selfeval(tmp_path)
    wb = load_workbook(src)
    wb[SHEETS[1]].insert_rows(L.header_row)
    wb.save(tmp_path / "moved.xlsx")
    checked = check_file(tmp_path / "moved.xlsx")
    assert "S07" in {f.code for f in checked.report.findings if f.sheet == SHEETS[1]}
    assert len(checked.unit.projects[1].indicators) == 4  # the approved targets, nothing misread


def test_annotate_marks_selfeval_findings_in_a_selfeval_workbook(tmp_path):
    src = blank_selfeval(tmp_path)
    cli("check", src, "--annotate", tmp_path / "ann", "-o", tmp_path / "r.txt", code=1)
    (ann,) = (tmp_path / "ann").glob("*.xlsx")
    wb = load_workbook(ann)
    assert wb.sheetnames[0] == "审核意见" and SUMMARY_SHEET in wb.sheetnames
    comment = wb[SHEETS[0]][L.indicator(L.indicator_rows.start, "actual").a1].comment
    assert comment is not None and "E01" in comment.text
    again = check_file(ann)
    assert {f.code for f in again.report.findings} >= {"E01", "E06"}
    assert not [f for f in again.report.findings if f.code.startswith("S")]


# ------------------------------------------------------------------ the live formulas in LibreOffice

def test_live_scores_equal_pythons_scoring_after_libreoffice_recalculates(tmp_path, soffice):
    """Actuals, amounts and a changed 分值 typed with openpyxl (no cached results left), recalculated by
    LibreOffice: 执行率, every 得分, 总分 and 等级 the workbook shows equal score_project's, on
    targets met, missed (正向, 反向, 等于), qualitative grades with a comment, and a total below 60."""
    from test_live import recalculated

    src = blank_selfeval(tmp_path)
    wb = load_workbook(src)
    first = L.indicator_rows.start
    typed = {SHEETS[0]: ([3, 98, 96, 120, "部分达成，安置房交付延后", 0.5, 80], (100, 93.5)),
             SHEETS[1]: ([2, 9, 0, 70], (30, 0))}
    for sheet, (actuals, (budget, executed)) in typed.items():
        ws = wb[sheet]
        for i, v in enumerate(actuals):
            ws[L.indicator(first + i, "actual").a1] = v
        ws[L.fund("total", "budget").a1] = budget
        ws[L.fund("total", "executed").a1] = executed
    wb[SHEETS[1]][L.indicator(first, "points").a1] = 30  # 分值 moved within 产出 (E04, but still scored)
    typed_path = tmp_path / "typed.xlsx"
    wb.save(typed_path)
    seen = recalculated(soffice, typed_path, tmp_path / "lo")
    checked = check_file(seen)
    unit = checked.unit
    s = scoring_of(HEBEI)
    for p in unit.projects:
        computed = score_project(s, p)
        assert p.funds.rate == pytest.approx(computed.rate)
        assert p.funds.score == pytest.approx(computed.funds_score)
        assert [row.score for row in p.indicators] == pytest.approx(computed.scores)
        assert p.total_score == pytest.approx(computed.total)
        assert p.grade == computed.grade
    totals = [p.total_score for p in unit.projects]
    assert totals[1] < 60 and unit.projects[1].grade == "差" and totals[0] > totals[1]
    assert "E03" not in {f.code for f in checked.report.findings}
    summary = load_workbook(seen, data_only=True)[SUMMARY_SHEET]
    assert [summary.cell(4 + i, 7).value for i in range(2)] == pytest.approx(totals)


def test_every_logical_key_the_rules_use_has_a_cell_of_its_own():
    from perfxl.selfeval_layout import FUND_COLUMNS

    loc = L.locations(SHEETS[0], 0, L.indicator_rows[:2])
    keys = [("indicator", 0, i, f) for i in range(2) for f in ("actual", "points", "score", "reason")]
    keys += [("funds", 0, "total", c) for c in FUND_COLUMNS]
    keys += [("funds", 0, line, c) for line in ("fiscal", "carryover", "other") for c in ("initial", "budget", "executed")]
    keys += [("project", 0, f) for f in ("achievement", "total_score", "grade", "indicators")]
    cells = [loc[k] for k in keys]
    assert len(set(cells)) == len(cells)


def test_a_deleted_summary_sheet_is_s07_naming_it(tmp_path):
    wb = load_workbook(blank_selfeval(tmp_path))
    del wb[SUMMARY_SHEET]
    wb.save(tmp_path / "cut.xlsx")
    found = codes_at(check_file(tmp_path / "cut.xlsx").report.findings)
    assert ("S07", SUMMARY_SHEET, None) in found


# ------------------------------------------------------------------ template from a round's folder

def test_template_selfeval_from_a_rounds_folder_takes_each_units_newest_goal_table(tmp_path):
    """``--data FOLDER``: the goal tables a round received (a resend, a zip, a broken file among them),
    each unit's newest taken as consolidation adopts it; every file not used is named with why."""
    import os
    import zipfile

    round_dir = tmp_path / "returned"
    first = clean()
    resent = clean()
    resent["projects"][0]["indicators"][0]["value"] = 123      # the resend's target differs
    older = perfxl.write_workbook(unit_from_dict(first), HEBEI, tmp_path / "old")
    newer = perfxl.write_workbook(unit_from_dict(resent), HEBEI, tmp_path / "new")
    round_dir.mkdir()
    (round_dir / ("第一次_" + older.name)).write_bytes(older.read_bytes())
    (round_dir / newer.name).write_bytes(newer.read_bytes())
    os.utime(round_dir / ("第一次_" + older.name), (1_600_000_000, 1_600_000_000))
    other = clean()
    other["unit"]["code"], other["unit"]["name"] = "115009", "另一单位"
    for i, p in enumerate(other["projects"]):
        p["code"] = p["code"][:-3] + f"9{i}9"
    inside = perfxl.write_workbook(unit_from_dict(other), HEBEI, tmp_path / "zip")
    with zipfile.ZipFile(round_dir / "邮件附件.zip", "w") as z:
        z.write(inside, inside.name)
    (round_dir / "损坏.xlsx").write_bytes(b"not a workbook")

    out = cli("template", "--form", "selfeval", "--data", round_dir, "-o", tmp_path / "se")
    made = sorted((tmp_path / "se").glob("*.xlsx"))
    assert [p.name[:6] for p in made] == ["115001", "115009"]
    assert "第一次_" in out and "损坏.xlsx" in out  # the resend's predecessor and the broken file are named
    expected = selfeval_to_dict(selfeval_from_goals(unit_from_dict(resent), HEBEI))
    exported, _ = export_unit(made[0])
    approved = exported["projects"][0]["indicators"][0]["indicator"]
    assert approved == expected["projects"][0]["indicators"][0]["indicator"]
    assert approved["value"] == 123  # the resend's target, not the first return's


def test_template_goals_refuses_a_folder_for_data(tmp_path):
    (tmp_path / "d").mkdir()
    out = cli("template", "--data", tmp_path / "d", "-o", tmp_path / "o", code=2)
    assert "--form selfeval" in out


def test_check_with_a_register_names_a_selfeval_unit_or_project_the_register_lacks(tmp_path):
    """``check --register`` on a self-evaluation: S08 for a unit the register does not have (at the
    first sheet's 实施单位), X03 for a project not in the unit's register; none for a unit it has."""
    from perfxl.check import check_file, load_register_index

    path = blank_selfeval(tmp_path)
    data = clean()
    register_rows = [["单位编码", "单位名称", "项目编码", "项目名称", "预算数"]]
    for p in data["projects"]:
        register_rows.append([data["unit"]["code"], data["unit"]["name"], p["code"], p["name"], p["funds"]["total"]])
    from conftest import table_file

    full = load_register_index(table_file(tmp_path / "reg.xlsx", register_rows))
    assert not {f.code for f in check_file(path, register=full).report.findings} & {"S08", "X03"}
    short = load_register_index(table_file(tmp_path / "short.xlsx", register_rows[:2]))  # its first project only
    x03 = [f for f in check_file(path, register=short).report.findings if f.code == "X03"]
    assert [f.value for f in x03] == [data["projects"][1]["code"]] and x03[0].cell
    other = [["单位编码", "单位名称", "项目编码", "项目名称", "预算数"], ["999999", "别的单位", "X1", "某项目", 1]]
    s08 = [f for f in check_file(path, register=load_register_index(table_file(tmp_path / "o.xlsx", other))).report.findings
           if f.code == "S08"]
    assert len(s08) == 1 and s08[0].sheet and s08[0].cell


def test_the_selfeval_workbook_uses_excel_2007_functions_only(tmp_path):
    """As the goal table (tests/test_writer.py): staff open it in Excel 2007 and later, and the writer
    stores its formulas without XlsxWriter's rewriting of newer functions (writer._write_formula)."""
    import re

    from openpyxl import load_workbook
    from test_writer import EXCEL_2007

    wb = load_workbook(filled_workbook(tmp_path))
    used = {name for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"
            for name in re.findall(r"([A-Z][A-Z0-9.]*)\(", c.value)}
    assert used and used <= EXCEL_2007, used - EXCEL_2007
