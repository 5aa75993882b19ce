"""Where each rule's edge lies, tested on both sides, with the numbers taken from the framework.

A threshold test that only looks far from the edge cannot tell "fewer than 3" from "at most 3".
Each test here reads its number from the framework's settings (the shipped frameworks and a
province's variant with other numbers), puts a unit exactly on the edge and one step past it, and
asserts which side fires. The input area of a sheet and the inclusive 以上/以下 suffixes of typed
values are edges of the same kind.
"""
from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
from openpyxl import load_workbook

import perfxl
from perfxl.check import check_file, check_unit
from perfxl.layout import DEPARTMENT_SHEET, LAST_COL, DepartmentLayout, ProjectLayout, a1
from perfxl.model import Indicator, unit_from_dict
from perfxl.values import parse_indicator_value

from units import clean

P1 = "1.郭营子棚改本金利息"


def _province(fid: str) -> perfxl.Framework:
    """A shipped framework with other numbers, as a province would set them in its JSON."""
    fw = perfxl.load_framework(fid)
    numbers = {"min_indicators": 5, "qualitative_max_share": 0.4, "satisfaction_min": 90, "value_max_bytes": 40}
    return dataclasses.replace(fw, id=fw.id, thresholds={**fw.thresholds, **numbers})


FRAMEWORKS = [perfxl.load_framework("hebei-2023"), perfxl.load_framework("mof-2021"), _province("hebei-2023")]
FW_IDS = ["hebei-2023", "mof-2021", "province-variant"]


def _quantitative(k: int) -> Indicator:
    return Indicator("产出指标", "数量指标", f"完成任务数{k}", None, "≥", 4, "项", None, "计划标准")


def _qualitative(k: int) -> Indicator:
    return Indicator("效益指标", "社会效益指标", f"服务保障情况{k}", None, "定性", "保障到位", None, None, "其他标准")


def _codes(unit, fw, code: str) -> list:
    return [f for f in check_unit(unit, fw) if f.code == code]


def _unit_with(indicators: list[Indicator]):
    """The clean unit with one project, which has exactly these indicators."""
    u = unit_from_dict(clean())
    u.projects = u.projects[:1]
    u.projects[0].indicators = indicators
    return u


# ---------------------------------------------------------------- I12: fewer indicators than the minimum

@pytest.mark.parametrize("fw", FRAMEWORKS, ids=FW_IDS)
def test_i12_exactly_the_minimum_number_of_indicators_is_enough(fw):
    minimum = fw.thresholds["min_indicators"]
    assert _codes(_unit_with([_quantitative(k) for k in range(minimum)]), fw, "I12") == []


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=FW_IDS)
def test_i12_one_indicator_below_the_minimum_is_too_few(fw):
    minimum = fw.thresholds["min_indicators"]
    (hit,) = _codes(_unit_with([_quantitative(k) for k in range(minimum - 1)]), fw, "I12")
    assert (hit.sheet, hit.value) == (P1, minimum - 1)


# ---------------------------------------------------------------- I14: more than the share of qualitative indicators

def _on_the_edge(limit: float) -> tuple[int, int]:
    """(qualitative count, total) whose share is exactly ``limit``, with at least 4 indicators."""
    share = Fraction(limit).limit_denominator(100)
    k = -(-4 // share.denominator)
    count, total = share.numerator * k, share.denominator * k
    assert count / total == limit
    return count, total


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=FW_IDS)
def test_i14_a_share_of_qualitative_indicators_exactly_at_the_limit_is_allowed(fw):
    count, total = _on_the_edge(fw.thresholds["qualitative_max_share"])
    indicators = [_qualitative(k) for k in range(count)] + [_quantitative(k) for k in range(total - count)]
    assert _codes(_unit_with(indicators), fw, "I14") == []


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=FW_IDS)
def test_i14_one_qualitative_indicator_past_the_limit_is_too_many(fw):
    count, total = _on_the_edge(fw.thresholds["qualitative_max_share"])
    indicators = [_qualitative(k) for k in range(count + 1)] + [_quantitative(k) for k in range(total - count - 1)]
    (hit,) = _codes(_unit_with(indicators), fw, "I14")
    assert (hit.sheet, hit.value) == (P1, count + 1)


# ---------------------------------------------------------------- I09: satisfaction target below the minimum or 100%

def _satisfaction(value) -> Indicator:
    return Indicator("满意度指标", "服务对象满意度指标", "服务对象满意度", None, "≥", value, "%", None, "计划标准")


def _i09(fw, value) -> list:
    return _codes(_unit_with([_quantitative(1), _qualitative(2), _satisfaction(value)]), fw, "I09")


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=FW_IDS)
def test_i09_a_satisfaction_target_at_the_minimum_is_accepted(fw):
    minimum = fw.thresholds["satisfaction_min"]
    assert _i09(fw, minimum) == [] and _i09(fw, minimum + 0.01) == []


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=FW_IDS)
def test_i09_a_satisfaction_target_just_below_the_minimum_is_too_low(fw):
    minimum = fw.thresholds["satisfaction_min"]
    (hit,) = _i09(fw, minimum - 0.01)
    assert hit.value == minimum - 0.01 and hit.severity == "warning"


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=FW_IDS)
def test_i09_a_satisfaction_target_of_exactly_100_is_flagged_but_just_below_is_not(fw):
    assert _i09(fw, 99.99) == []
    (hit,) = _i09(fw, 100)
    assert hit.value == 100


def test_i09_counts_satisfaction_by_its_level2_or_its_name_and_only_in_percent():
    fw = FRAMEWORKS[0]
    low = fw.thresholds["satisfaction_min"] - 1
    by_name = Indicator("效益指标", "社会效益指标", "群众满意度", None, "≥", low, "%", None, "计划标准")
    no_unit = dataclasses.replace(_satisfaction(low), unit=None)
    other_unit = dataclasses.replace(_satisfaction(low), unit="人")
    assert len(_codes(_unit_with([_quantitative(1), by_name]), fw, "I09")) == 1
    assert len(_codes(_unit_with([_quantitative(1), no_unit]), fw, "I09")) == 1
    assert _codes(_unit_with([_quantitative(1), other_unit]), fw, "I09") == []


# ---------------------------------------------------------------- I06 and P02: 0–100 inclusive

@pytest.mark.parametrize("value, fires", [(0, False), (100, False), (-0.01, True), (100.01, True)])
def test_i06_a_rate_from_0_to_100_inclusive_is_a_percentage(value, fires):
    u = _unit_with([dataclasses.replace(_quantitative(1), name="资金支付率", unit="%", value=value)])
    assert bool(_codes(u, FRAMEWORKS[0], "I06")) is fires


@pytest.mark.parametrize("value, fires", [(0, False), (100, False), (-0.01, True), (100.01, True)])
def test_p02_a_spend_plan_share_from_0_to_100_inclusive_is_accepted(value, fires):
    u = unit_from_dict(clean())
    u.projects[0].spend_plan["3月底"] = value
    assert bool(_codes(u, FRAMEWORKS[0], "P02")) is fires


# ---------------------------------------------------------------- I17: value length in bytes of the exchange encoding

@pytest.mark.parametrize("fw", FRAMEWORKS, ids=FW_IDS)
def test_i17_a_value_of_exactly_the_byte_limit_fits_and_one_byte_more_does_not(fw):
    limit = fw.thresholds["value_max_bytes"]
    fits = _unit_with([dataclasses.replace(_qualitative(1), value="好" * (limit // 2) + "a" * (limit % 2))])
    assert _codes(fits, fw, "I17") == []
    over = _unit_with([dataclasses.replace(_qualitative(1), value="好" * (limit // 2) + "a" * (limit % 2 + 1))])
    (hit,) = _codes(over, fw, "I17")
    assert hit.value.encode("gb18030").__len__() == limit + 1


# ---------------------------------------------------------------- tolerances of F01 and P01

@pytest.mark.parametrize("fw", FRAMEWORKS[:2], ids=FW_IDS[:2])
def test_f01_a_difference_within_the_funds_tolerance_is_rounding_and_twice_it_is_not(fw):
    tol = fw.thresholds["funds_tolerance"]
    u = unit_from_dict(clean())
    u.projects[0].funds.total = 100 + tol / 2
    assert _codes(u, fw, "F01") == []
    u.projects[0].funds.total = 100 + tol * 2
    assert len(_codes(u, fw, "F01")) == 1


def test_p01_per_period_shares_within_the_tolerance_of_100_add_up():
    fw = FRAMEWORKS[0]
    tol = fw.thresholds["spend_plan_tolerance"]
    u = unit_from_dict(clean())
    u.projects[0].spend_plan = {"3月底": 25, "6月底": 25, "10月底": 25, "12月底": 25 + tol / 2}
    assert _codes(u, fw, "P01") == []
    u.projects[0].spend_plan["12月底"] = 25 + tol * 2
    assert len(_codes(u, fw, "P01")) == 1


# ---------------------------------------------------------------- G06: sections and measures, each on its own

def _g06(sections: bool, measures: bool) -> list[tuple[str, str]]:
    data = clean()
    if not sections:
        data["department_goals"]["sections"] = []
    if not measures:
        data["department_goals"]["measures"] = []
    return [(f.sheet, f.cell) for f in run_json(data) if f.code == "G06"]


def run_json(data) -> list:
    return check_unit(unit_from_dict(data), FRAMEWORKS[0])


def test_g06_department_goals_with_sections_and_measures_are_complete():
    assert _g06(True, True) == []


def test_g06_missing_measures_are_reported_at_the_measures_heading():
    D = DepartmentLayout(FRAMEWORKS[0])
    assert _g06(True, False) == [(DEPARTMENT_SHEET, D.measures_label.a1)]


def test_g06_missing_sections_are_reported_at_the_sections_heading():
    D = DepartmentLayout(FRAMEWORKS[0])
    assert _g06(False, True) == [(DEPARTMENT_SHEET, D.sections_label.a1)]


def test_g06_missing_both_gives_two_findings():
    D = DepartmentLayout(FRAMEWORKS[0])
    assert sorted(_g06(False, False)) == sorted([(DEPARTMENT_SHEET, D.sections_label.a1),
                                                 (DEPARTMENT_SHEET, D.measures_label.a1)])


# ---------------------------------------------------------------- the input area of a sheet (S07)

def _typed_at(tmp_path, sheet: str, row0: int, col0: int):
    src = perfxl.write_workbook(unit_from_dict(clean()), FRAMEWORKS[0], tmp_path)
    wb = load_workbook(src)
    wb[sheet].cell(row0 + 1, col0 + 1, "多写的")
    out = tmp_path / "edited.xlsx"
    wb.save(out)
    return [(f.code, f.sheet, f.cell) for f in check_file(out).report.findings if f.code.startswith("S")]


def _last_row(sheet: str) -> int:
    return (DepartmentLayout if sheet == DEPARTMENT_SHEET else ProjectLayout)(FRAMEWORKS[0]).last_row


@pytest.mark.parametrize("sheet", [P1, DEPARTMENT_SHEET])
def test_text_one_row_below_the_area_within_its_columns_is_outside(tmp_path, sheet):
    row0 = _last_row(sheet) + 1
    assert _typed_at(tmp_path, sheet, row0, 0) == [("S07", sheet, a1(row0, 0))]


def _first_column_outside() -> int:
    """Right of 自查, and of the hidden helper columns of the live checks where the layout has them."""
    from perfxl import layout

    return getattr(layout, "HELPER_COL", LAST_COL + 1) + getattr(layout, "HELPER_COLS", 0)


@pytest.mark.parametrize("sheet", [P1, DEPARTMENT_SHEET])
def test_text_one_column_right_of_the_area_within_its_rows_is_outside(tmp_path, sheet):
    col0 = _first_column_outside()
    assert _typed_at(tmp_path, sheet, 3, col0) == [("S07", sheet, a1(3, col0))]


@pytest.mark.parametrize("sheet", [P1, DEPARTMENT_SHEET])
def test_the_last_row_and_the_last_column_are_inside_the_area(tmp_path, sheet):
    """The issued sheet itself has text on its last row (本表自查) and in its last column (自查)."""
    src = perfxl.write_workbook(unit_from_dict(clean()), FRAMEWORKS[0], tmp_path)
    ws = load_workbook(src)[sheet]
    last = _last_row(sheet)
    assert any(ws.cell(last + 1, c + 1).value for c in range(LAST_COL + 1))
    assert any(ws.cell(r + 1, LAST_COL + 1).value for r in range(last + 1))
    assert check_file(src).report.findings == []


# ---------------------------------------------------------------- 以上 and 以下 include the number (Civil Code art. 1259)

@pytest.mark.parametrize("suffix, operator", [
    ("以上", "≥"), ("及以上", "≥"), ("或以上", "≥"),
    ("以下", "≤"), ("及以下", "≤"), ("或以下", "≤"), ("以内", "≤"),
])
@pytest.mark.parametrize("number, unit", [("80", "%"), ("20", "万元"), ("3", "个")])
def test_suffix_after_the_number_is_an_inclusive_operator(suffix, operator, number, unit):
    r = parse_indicator_value(f"{number}{unit}{suffix}")
    assert (r.operator, r.value, r.unit, r.problems) == (operator, float(number), unit, [])


@pytest.mark.parametrize("typed", ["≤80%或以上", "≥80%或以下", "≥20万元以内"])
def test_suffix_that_contradicts_the_typed_operator_is_a_conflict(typed):
    assert "operator_conflict" in parse_indicator_value(typed).problems
