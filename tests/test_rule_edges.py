"""Edges of the rules that mutation testing found unguarded (docs/mutation.md, rules.py).

Each test names a behaviour a one-token change of a rule would break without another test
noticing: blanks and text in F01's sum, the tolerance itself, the project every finding names,
the severity a framework gives I04's missing unit, and where X02 across units starts and stops.
"""
from __future__ import annotations

import dataclasses

import pytest

import perfxl
from perfxl.check import check_unit
from perfxl.layout import project_sheet_names
from perfxl.model import unit_from_dict
from perfxl.rules import COMMON_WORDING_UNITS, copied_across

from units import clean

HEBEI = perfxl.load_framework("hebei-2023")


def _findings(unit, fw=HEBEI, code: str | None = None) -> list:
    found = check_unit(unit, fw)
    return [f for f in found if code is None or f.code == code]


# ---------------------------------------------------------------- F01

def test_f01_a_blank_fiscal_amount_counts_as_zero():
    u = unit_from_dict(clean())
    u.projects[0].funds.fiscal, u.projects[0].funds.other, u.projects[0].funds.total = None, 20.0, 20.0
    assert _findings(u, code="F01") == []
    u.projects[0].funds.total = 21.0
    assert [f.project_code for f in _findings(u, code="F01")] == [u.projects[0].code]


def test_f01_leaves_a_text_amount_to_f02_and_still_checks_the_next_project():
    u = unit_from_dict(clean())
    u.projects[0].funds.fiscal = "八十"
    u.projects[1].funds.total = 31.0
    assert [f.project_code for f in _findings(u, code="F01")] == [u.projects[1].code]
    assert [f.project_code for f in _findings(u, code="F02")] == [u.projects[0].code]


@pytest.mark.parametrize("fid", ["hebei-2023", "mof-2021"])
def test_f01_a_difference_of_exactly_the_tolerance_is_rounding(fid):
    fw = perfxl.load_framework(fid)
    tol = fw.thresholds["funds_tolerance"]
    u = unit_from_dict(clean())
    u.projects = u.projects[:1]
    u.projects[0].funds.total, u.projects[0].funds.fiscal, u.projects[0].funds.other = tol, 0.0, None
    assert abs(u.projects[0].funds.total - 0.0) == tol  # exactly on the edge, in floating point too
    assert _findings(u, fw, "F01") == []
    u.projects[0].funds.total = tol * 3
    assert len(_findings(u, fw, "F01")) == 1


# ---------------------------------------------------------------- every finding names its project

def _broken() -> dict:
    """One unit on which most per-unit rules fire, on both projects and the department sheet."""
    d = clean()
    p0, p1 = d["projects"]
    p0["funds"]["total"] = 101.0
    p1["funds"]["fiscal"] = -1
    p0["spend_plan"]["3月底"] = 30
    p1["spend_plan"]["6月底"] = "三成"
    p0["goals"] = ["进一步提高还款效率，2023年完成"]
    p1["goals"] = ["目标内容1完成审计"]
    d["department_goals"]["overall"] = "2022年进一步提高工作水平"
    d["department_goals"]["measures"] = []
    p0["indicators"][0].update(name="-", basis=None)
    p0["indicators"][1].update(level2="社会效益指标")
    p0["indicators"][2].update(value="四次", unit=None)
    p0["indicators"][3].update(operator="≥", value=500)
    p0["indicators"][4].update(name="安置群众满意度情况")
    p0["indicators"][6].update(value=70)
    p1["indicators"][0].update(name="数量指标", description="还款笔数不超过4次", value_note="不超过")
    p1["indicators"][1].update(name="数量指标", value="保障到位" * 10, operator=None)
    p1["indicators"][3].update(value=120)
    p1["code"] = "13081125P0054FF10003"
    return d


def test_every_finding_on_a_project_sheet_names_that_project_and_none_elsewhere():
    u = unit_from_dict(_broken())
    by_sheet = dict(zip(project_sheet_names([p.name for p in u.projects]), (p.code for p in u.projects)))
    found = _findings(u)
    assert len({f.code for f in found}) >= 20
    for f in found:
        assert f.project_code == by_sheet.get(f.sheet), (f.code, f.sheet, f.cell, f.project_code)


# ---------------------------------------------------------------- I04 missing unit: the framework's severity

@pytest.mark.parametrize("severity", ["warning", "error"])
def test_i04_missing_unit_takes_the_frameworks_severity(severity):
    fw = dataclasses.replace(HEBEI, thresholds={**HEBEI.thresholds, "missing_unit_severity": severity})
    u = unit_from_dict(clean())
    u.projects[0].indicators[0].unit = None
    (hit,) = _findings(u, fw, "I04")
    assert hit.severity == severity and hit.value == u.projects[0].indicators[0].value


def test_i04_missing_unit_is_an_error_by_default():
    assert "missing_unit_severity" not in HEBEI.thresholds or HEBEI.thresholds["missing_unit_severity"] == "error"
    u = unit_from_dict(clean())
    u.projects[0].indicators[0].unit = None
    (hit,) = _findings(u, code="I04")
    assert hit.severity == "error"


# ---------------------------------------------------------------- X02 across units

OTHER_NAME = "郭营子棚改本金利息"  # project 0 of clean(); the copier below does not have it


def _pair(description: str):
    """Unit A has the project named OTHER_NAME; unit B only the second project, with ``description``."""
    a = unit_from_dict(clean())
    b = unit_from_dict(clean())
    b.unit.code = "108001"
    b.projects = b.projects[1:]
    a.projects[0].indicators[0].description = description
    b.projects[0].indicators[0].description = description
    return a, b


def _hits(units) -> list[tuple]:
    return [(u.unit.code, pi, ii, text, other.name) for u, pi, ii, text, other in copied_across(units)]


def test_x02_across_units_compares_descriptions_of_eight_characters_and_more():
    eight = "还郭营子棚改贷款"
    assert len(eight) == 8
    assert [h[0] for h in _hits(_pair(eight))] == ["108001"]
    seven = "郭营子棚改贷款"
    assert _hits(_pair(seven)) == []


def test_x02_across_units_ignores_white_space_when_comparing_descriptions():
    a, b = _pair("按合同归还郭营子棚改贷款本息")
    b.projects[0].indicators[0].description = "按合同 归还\n郭营子棚改贷款本息"
    assert [h[0] for h in _hits([a, b])] == ["108001"]


def test_x02_across_units_names_the_distinctive_run_it_found():
    hits = _hits(_pair("按时归还郭营子棚的贷款"))  # only 郭营子棚 of the other project's name
    assert [(h[0], h[3], h[4]) for h in hits] == [("108001", "郭营子棚", OTHER_NAME)]


def test_x02_across_units_does_not_depend_on_the_order_of_units():
    a, b = _pair("按合同归还郭营子棚改贷款本息")
    assert [h[0] for h in _hits([b, a])] == ["108001"]


def _crowd(n: int, description: str) -> list:
    out = []
    for k in range(n):
        c = unit_from_dict(clean())
        c.unit.code = f"20000{k}"
        c.projects[0].code = f"13081123P20000000000{k}"
        c.projects[0].indicators[0].description = description
        out.append(c)
    return out


def test_x02_across_units_still_reports_wording_shared_by_exactly_the_common_limit():
    copied = "按合同归还郭营子棚改贷款本息"
    a, b = _pair(copied)
    units = [a, b, *_crowd(COMMON_WORDING_UNITS - 2, copied)]
    assert [h[0] for h in _hits(units)] == ["108001"]
    assert _hits([a, b, *_crowd(COMMON_WORDING_UNITS - 1, copied)]) == []


def test_x02_across_units_goes_on_after_common_wording_and_reports_every_copier():
    common = "严格执行财务制度规范使用资金"
    copied = "按合同归还郭营子棚改贷款本息"
    a, b = _pair(copied)
    b.projects[0].indicators[0].description = common          # shared by many: common phrasing
    b.projects[0].indicators[1].description = copied          # the copy comes after it
    crowd = _crowd(COMMON_WORDING_UNITS + 1, common)
    c = unit_from_dict(clean())
    c.unit.code = "109001"
    c.projects = c.projects[1:]
    c.projects[0].code = "13081123P109001000001"
    c.projects[0].indicators[2].description = copied
    hits = _hits([a, b, c, *crowd])
    assert sorted((h[0], h[2]) for h in hits) == [("108001", 1), ("109001", 2)]


# ---------------------------------------------------------------- I07, I16

@pytest.mark.parametrize("operator, word, contradicts", [
    ("≥", "不超过", True), (">", "不超过", True), ("≤", "达到", True), ("<", "达到", True),
    ("=", "达到", False), ("=", "不超过", False), ("≥", "达到", False), ("≤", "不超过", False),
])
def test_i07_only_an_inequality_can_contradict_its_note(operator, word, contradicts):
    d = clean()
    ind = d["projects"][0]["indicators"][0]
    ind.update(operator=operator, value_note=f"{word}预期")
    found = _findings(unit_from_dict(d), code="I07")
    assert [(f.cell, f.value) for f in found] == ([("E10", operator)] if contradicts else [])
    if contradicts:  # the message shows the operator as the form's dropdown spells it
        shown = {">": "＞", "<": "＜"}.get(operator, operator)
        assert f"“{shown}”" in found[0].message and f"“{word}”" in found[0].message


def test_i07_a_contradiction_in_the_description_next_to_a_number_counts_and_elsewhere_not():
    d = clean()
    ind = d["projects"][0]["indicators"][0]
    ind.update(operator="≥", description="不超过4次")
    assert [f.cell for f in _findings(unit_from_dict(d), code="I07")] == ["E10"]
    ind.update(description="不超过规定的县级媒体")
    assert _findings(unit_from_dict(d), code="I07") == []


@pytest.mark.parametrize("operator, unit, raw, expected", [
    ("≥", "%", "28.8万元", ["F10"]),      # a unit in the value that is not the unit column's
    ("≥", "万元", "28.8万元", []),        # the same unit twice is no conflict
    ("≥", None, "28.8万元", []),          # no unit column: I04 asks for it, not I16
    ("定性", "%", "28.8万元", []),        # a qualitative value is text anyway
])
def test_i16_a_unit_inside_the_value_conflicts_only_with_another_stated_unit(operator, unit, raw, expected):
    u = unit_from_dict(clean())
    ind = u.projects[0].indicators[0]
    ind.operator, ind.unit, ind.raw_value, ind.value = operator, unit, raw, 28.8
    assert [f.cell for f in _findings(u, code="I16")] == expected


def test_i16_a_number_stored_as_a_number_has_no_unit_to_conflict():
    u = unit_from_dict(clean())
    ind = u.projects[0].indicators[0]
    ind.unit, ind.raw_value, ind.value = "%", 28.8, 28.8
    assert _findings(u, code="I16") == []


# ---------------------------------------------------------------- G05, C02

def _g05(mutate) -> list:
    d = clean()
    mutate(d)
    return [(f.sheet, f.params.get("what")) for f in _findings(unit_from_dict(d), code="G05")]


def test_g05_goals_split_over_several_lines_still_restate_the_purpose():
    assert len(_g05(lambda d: d["projects"][1].update(goals=["按协议支付", "审计费"]))) == 1


def test_g05_placeholder_words_around_a_restated_purpose_are_ignored():
    assert len(_g05(lambda d: d["projects"][1].update(goals=["目标内容1：按协议支付审计费。"]))) == 1


def test_g05_a_goal_of_placeholders_only_is_left_to_g02_and_later_projects_are_still_checked():
    def both(d):
        d["projects"][0].update(goals=["目标内容1"])
        d["projects"][1].update(goals=["按协议支付审计费"])
    found = _g05(both)
    assert len(found) == 1 and found[0][0].startswith("2.")


def test_g05_every_project_that_restates_is_reported_once():
    def both(d):
        d["projects"][0].update(goals=["用于归还棚改贷款本息"])
        d["projects"][1].update(goals=["土地成本核算专项"])
    found = _g05(both)
    assert [w for _, w in found] == ["资金用途", "项目名称"]
    assert found[0][0].startswith("1.") and found[1][0].startswith("2.")


@pytest.mark.parametrize("year_in_code, fires", [("23", False), ("24", False), ("25", True)])
def test_c02_a_code_of_the_budget_year_or_earlier_is_fine_and_a_later_one_is_not(year_in_code, fires):
    d = clean()  # budget year 2024
    d["projects"][0]["code"] = f"130811{year_in_code}P008047100028"
    found = _findings(unit_from_dict(d), code="C02")
    assert [f.cell for f in found] == (["B3"] if fires else [])
    if fires:
        assert found[0].params["year"] == 2025 and found[0].params["budget_year"] == 2024


def test_i17_the_value_as_typed_is_measured_not_the_number_read_from_it():
    u = unit_from_dict(clean())
    ind = u.projects[0].indicators[0]
    ind.raw_value, ind.value = "4" + "次" * 40, 4
    assert [f.cell for f in _findings(u, code="I17")] == ["F10"]


# ---------------------------------------------------------------- I06: what counts as a rate

@pytest.mark.parametrize("name, unit, fires", [
    ("还款及时率", "%", True),          # a percentage by its unit
    ("还款及时率", None, True),         # a rate by its name, whatever the unit column says
    ("还款笔数", "%", True),
    ("还款笔数", "笔", False),          # neither: 150 笔 is a count
    (None, "笔", False),                # no name (I03's finding): not a rate, and no crash
])
def test_i06_a_rate_is_known_by_its_percent_unit_or_a_name_ending_in_rate(name, unit, fires):
    u = unit_from_dict(clean())
    ind = u.projects[0].indicators[0]
    ind.name, ind.unit, ind.value, ind.operator = name, unit, 150, "≥"
    assert [f.cell for f in _findings(u, code="I06")] == (["F10"] if fires else [])
