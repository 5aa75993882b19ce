"""The self-evaluation's live 自查 (issue 14): E01, E02, E04–E08 marked in the workbook as check reports
them, with cached results, counts and the workbook's status; an 实际完成值 typed "96%" means 96 to the
formulas and to check alike. The generated-fills comparison is tests/differential.py (``selfeval``),
run by tests/test_differential.py.

Tests refer to rules by code and to cells through the layout (perfxl.selfeval_layout).
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
from perfxl.check import check_file
from perfxl.cli import main
from perfxl.layout import CHECK_COL, INSTRUCTIONS_SHEET, InstructionsLayout, a1
from perfxl.live import SELFEVAL_LIVE_CODES, expected_marks, mark_text, parse_mark
from perfxl.model import unit_from_dict
from perfxl.selfeval_layout import SelfEvalProjectLayout
from perfxl.selfeval_live import p_numbering, plain_text
from perfxl.selfeval_model import selfeval_from_dict, selfeval_from_goals
from perfxl.selfeval_scoring import actual_reading, read_actual
from perfxl.selfeval_writer import render_selfeval_workbook

from test_selfeval_rules import filled, proj, row, funds
from units import clean

HEBEI = perfxl.load_framework("hebei-2023")
L = SelfEvalProjectLayout(HEBEI)
SHEETS = ["1.郭营子棚改本金利息", "2.土地成本核算专项"]


def workbook(tmp_path, data: dict, name: str = "se.xlsx"):
    path = tmp_path / name
    path.write_bytes(render_selfeval_workbook(selfeval_from_dict(data), HEBEI))
    return path


def marks(path, sheet: str) -> dict[int, str]:
    ws = load_workbook(path, data_only=True)[sheet]
    return {r: ws.cell(r + 1, CHECK_COL + 1).value for r in range(L.status_row)
            if ws.cell(r + 1, CHECK_COL + 1).value not in (None, "自查")}


def codes(text) -> set[str]:
    return {code for _, code in parse_mark(text)}


# ------------------------------------------------------------------ reading an 实际完成值

@pytest.mark.parametrize("raw, unit, number, problem", [
    ("96%", "%", 96, None),                 # typed with the percent sign into the text cell
    ("96", "%", 96, None),
    ("９６％", "%", 96, None),               # full-width
    ("96 百分比", "%", 96, None),            # a spelling of the target's unit
    (96, "%", 96, None),
    (0.96, "%", 0.96, None),                # a stored number is read as stored, whatever its format
    ("12万元", "万元", 12, None),
    ("1,234.5", "万元", 1234.5, None),
    ("98元", "万元", None, "unit"),
    ("96%", None, None, "unit"),
    ("约96", "%", None, "not_number"),
    ("≥96", "%", None, "not_number"),       # the actual is what was achieved: one number
    ("四次", "次", None, "not_number"),
    (" ", "%", None, "blank"),
])
def test_an_actual_is_a_number_with_or_without_the_targets_unit(raw, unit, number, problem):
    n, found_problem, _ = actual_reading(raw, unit)
    assert (n, found_problem) == (number, problem)


def test_a_wrong_unit_names_the_unit_found():
    assert actual_reading("98元", "万元")[2] == "元"


def test_read_actual_of_a_qualitative_target_is_its_grade():
    target = selfeval_from_dict(filled()).projects[0].indicators[4].target
    assert read_actual("部分达成，因工期顺延", target, ["达成", "部分达成", "未达成"]).grade == "部分达成"
    assert read_actual("基本达成", target, ["达成", "部分达成", "未达成"]).problem == "no_grade"


@pytest.mark.parametrize("text, length", [("1.完成", 2), ("12、完成", 3), ("1 . 完成", 4), ("（3）完成", 3),
                                          ("(4). 完成", 5), ("123.完成", 0), ("1.5万元", 2), ("完成1.", 0)])
def test_a_leading_numbering_is_measured_as_e08_ignores_it(text, length):
    assert p_numbering(text) == length


def test_e08_reads_a_copy_whatever_its_numbering_spaces_and_punctuation():
    assert plain_text("1. 按期偿还全部到期本息，全年不发生逾期。") == plain_text("按期偿还全部到期本息全年不发生逾期")
    assert plain_text("（1）按期偿还 全部到期本息, 全年不发生逾期") == plain_text("按期偿还全部到期本息，全年不发生逾期")


# ------------------------------------------------------------------ the template

def test_quantitative_actual_cells_are_text_so_a_typed_percent_keeps_its_sign(tmp_path):
    ws = load_workbook(workbook(tmp_path, filled()))[SHEETS[0]]
    first = L.indicator_rows.start
    formats = [ws[L.indicator(first + i, "actual").a1].number_format for i in range(7)]
    assert formats[4] != "@"                 # 定性: a grade, from the dropdown
    assert [f for i, f in enumerate(formats) if i != 4] == ["@"] * 6


def test_rules_json_says_which_e_rules_run_live(tmp_path):
    out = CliRunner().invoke(main, ["rules", "--format", "json"], catch_exceptions=False).output
    live = {r["code"]: r["live"] for r in json.loads(out) if r["code"].startswith("E")}
    assert {c for c, v in live.items() if v} == set(SELFEVAL_LIVE_CODES) == {"E01", "E02", "E04", "E05", "E06",
                                                                            "E07", "E08"}
    assert live["E03"] is False and live["E09"] is False


def test_instructions_say_e03_is_checked_on_receipt_and_e01_in_the_sheet(tmp_path):
    ws = load_workbook(workbook(tmp_path, filled()))[INSTRUCTIONS_SHEET]
    how = {r[0]: r[2] for r in ws.iter_rows(values_only=True) if r[0] in ("E01", "E03", "E08", "E09")}
    assert how == {"E01": "表内自查", "E08": "表内自查", "E03": "由财政部门收到后检查", "E09": "由财政部门收到后检查"}


def test_a_careful_return_shows_a_tick_on_every_checked_row_and_passes(tmp_path):
    path = workbook(tmp_path, filled())
    for sheet in SHEETS:
        shown = marks(path, sheet)
        assert set(shown.values()) == {"✓"} and len(shown) >= 3
    status = load_workbook(path, data_only=True)[INSTRUCTIONS_SHEET][InstructionsLayout().status.a1].value
    assert status == "自查通过"


def test_marks_are_cached_at_the_rows_check_reports_with_the_same_text(tmp_path):
    """What Protected View shows (the cached results) is check's verdict, row by row, in the mark format."""
    data = filled()
    row(data, 0, 0).update(actual="四次")                      # E02
    row(data, 0, 1).update(points=None)                       # E04 (and the group's sum cannot be checked)
    row(data, 0, 2).update(actual=960)                        # E07 rate
    row(data, 0, 4).update(actual="基本达成")                  # E01 grade
    row(data, 1, 0).update(actual=6)                          # E05: missed, no reason
    funds(data)["total"].update(executed=None)                # E06
    proj(data, 1).update(achievement="1.完成12宗地块成本审计，出具审计报告。")  # E08 copy
    path = workbook(tmp_path, data)
    findings = check_file(path).report.findings
    want = expected_marks(findings, HEBEI)
    live_found = {f.code for f in findings if f.code in SELFEVAL_LIVE_CODES}
    assert live_found == {"E01", "E02", "E04", "E05", "E06", "E07", "E08"}
    for sheet in SHEETS:
        shown = marks(path, sheet)
        for r, text in shown.items():
            assert text == mark_text(want.get((sheet, r), [])), (sheet, r)
        assert {r for (s, r) in want if s == sheet} <= set(shown)


def test_sheet_counts_and_the_workbook_status_count_the_errors(tmp_path):
    data = filled()
    row(data, 0, 0).update(actual=None)                       # E01 error
    row(data, 0, 2).update(actual=960)                        # E07 warning: not counted
    funds(data, 1)["total"].update(budget=0)                  # E06 error
    path = workbook(tmp_path, data)
    wb = load_workbook(path, data_only=True)
    for sheet, n in zip(SHEETS, (1, 1)):
        ws = wb[sheet]
        assert ws[L.error_count.a1].value == n
        assert ws[L.status.a1].value == f"有 {n} 处需修改"
    ins = InstructionsLayout(len(SHEETS))
    ws = wb[INSTRUCTIONS_SHEET]
    assert ws[ins.status.a1].value.startswith("有 2 处需修改")
    rows = [ws.cell(r + 1, 1) for r in ins.sheet_rows]
    assert [c.value for c in rows] == SHEETS and all(c.hyperlink is not None for c in rows)


def test_a_blank_template_asks_for_every_actual_in_its_cached_marks(tmp_path):
    path = tmp_path / "blank.xlsx"
    path.write_bytes(render_selfeval_workbook(selfeval_from_goals(unit_from_dict(clean()), HEBEI), HEBEI))
    shown = marks(path, SHEETS[0])
    first = L.indicator_rows.start
    assert all("E01" in codes(shown[first + i]) for i in range(7))
    assert codes(shown[L.achievement.row]) == {"E08"}
    assert codes(shown[L.fund_row("total")]) == {"E06"}


def test_status_row_is_not_printed(tmp_path):
    ws = load_workbook(workbook(tmp_path, filled()))[SHEETS[0]]
    assert ws.print_area.endswith(f"!$A$1:$I${L.print_last_row + 1}")


# ------------------------------------------------------------------ LibreOffice computes what was cached

def test_libreoffice_recalculates_the_cached_marks_and_scores_unchanged(tmp_path, soffice):
    """Typed values of every habit written by perfxl with cached results; LibreOffice recalculating on
    load must arrive at the same marks, counts and scores (Protected View shows the truth)."""
    from test_live import recalculated

    data = filled()
    row(data, 0, 0).update(actual="4次")                      # the target's unit after the number
    row(data, 0, 1).update(actual="１００")                    # full-width
    row(data, 0, 2).update(actual="96%")                       # percent sign: 96 against 95
    row(data, 0, 3).update(actual="98元")                      # another unit: E02
    row(data, 0, 6).update(actual="88", points="10")           # text numbers; 88 < 90: E05
    row(data, 1, 0).update(actual=30)                          # E07 far beyond
    funds(data, 1)["total"].update(executed="３０", budget="30")
    path = workbook(tmp_path, data)
    seen = recalculated(soffice, path, tmp_path / "lo")
    cached, recalc = load_workbook(path, data_only=True), load_workbook(seen, data_only=True)
    for sheet in SHEETS:
        for r in range(L.status_row + 1):
            for c in (CHECK_COL, L.columns.score, L.fund("total", "rate").col, L.fund("total", "score").col):
                a, b = cached[sheet].cell(r + 1, c + 1).value, recalc[sheet].cell(r + 1, c + 1).value
                if isinstance(a, float) or isinstance(b, float):
                    assert a == pytest.approx(b), (sheet, a1(r, c))
                else:
                    assert (a or None) == (b or None), (sheet, a1(r, c))
    assert cached[SHEETS[0]][L.indicator(L.indicator_rows.start + 2, "score").a1].value == 12.5  # 96 ≥ 95: full


def test_every_formula_fits_excels_length_and_nesting_limits(tmp_path):
    """Excel 2007 refuses a formula over 8,192 characters or with more than 64 nested functions."""
    import re

    data = filled()
    for r in data["projects"][0]["indicators"]:
        r.update(actual="96 百分比")
    wb = load_workbook(workbook(tmp_path, data))
    formulas = [c.value for ws in wb.worksheets for line in ws.iter_rows() for c in line
                if isinstance(c.value, str) and c.value.startswith("=")]

    def depth(f: str) -> int:
        d = m = 0
        for ch in re.sub(r'"[^"]*"', '""', f):
            d += (ch == "(") - (ch == ")")
            m = max(m, d)
        return m

    assert formulas and max(map(len, formulas)) < 8192 and max(map(depth, formulas)) < 64
