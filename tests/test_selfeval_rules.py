"""The self-evaluation's rules E01–E09 fire at their logical place and are silent on a clean return;
its scoring holds on both sides of every boundary, in Python and in the workbook's formulas.

Tests refer to rules by code; messages come from the catalogue and are not copied here. A finding's
place is the logical key the future self-evaluation layout maps to a cell: here ``where`` writes the
key as the finding's sheet ("indicator/0/2/actual") so the tests can see it.
"""
from __future__ import annotations

import json
from importlib import resources

import pytest

import perfxl
from perfxl.errors import FrameworkError
from perfxl.frameworks import framework_from_dict
from perfxl.model import Indicator, unit_from_dict
from perfxl.selfeval_model import selfeval_from_dict, selfeval_from_goals, selfeval_to_dict
from perfxl.selfeval_rules import CODES, SELFEVAL_CHECKS, run_selfeval_rules, with_scores
from perfxl.selfeval_scoring import (apportion, excel_round, expected_shares, kind_of, scoring_of, spread_points)

from units import clean

HEBEI = perfxl.load_framework("hebei-2023")


def _framework_dict(fid: str = "hebei-2023") -> dict:
    return json.loads(resources.files("perfxl.templates").joinpath("frameworks", f"{fid}.json").read_text("utf-8"))


def province(**selfeval) -> perfxl.Framework:
    """hebei-2023 with a province's own ``selfeval`` section (validated as a province's file is)."""
    d = _framework_dict()
    d["selfeval"] = selfeval
    return framework_from_dict(d, "province.json")


# ------------------------------------------------------------------ a filled, clean self-evaluation

# (actual, reason) per indicator of tests/units.py's clean() goals, every target met.
_ACTUALS = [[4, 100, 96, 98, "达成", 0, 92], [12, 5, 3.5, 90]]


def filled() -> dict:
    """The clean unit's self-evaluation as a careful unit returns it: every actual meets its target,
    the funds spent, 实际完成情况 written, and 得分/执行率/总分/等级 as the workbook computes them."""
    se = selfeval_from_goals(unit_from_dict(clean()), HEBEI)
    for p, actuals, (budget, executed) in zip(se.projects, _ACTUALS, [(100, 98), (30, 30)]):
        p.funds.total.budget, p.funds.total.executed = budget, executed
        p.achievement = f"全年完成{p.name}各项任务，资金支出{executed}万元。"
        for row, actual in zip(p.indicators, actuals):
            row.actual = actual
    return selfeval_to_dict(with_scores(se, scoring_of(HEBEI)))


def where(key: tuple) -> tuple[str, None]:
    return "/".join(map(str, key)), None


def run(data: dict, fw: perfxl.Framework = HEBEI, **kw):
    return run_selfeval_rules(selfeval_from_dict(data), fw, where=where, **kw)


def proj(d, pi=0):
    return d["projects"][pi]


def row(d, pi, ii):
    return d["projects"][pi]["indicators"][ii]


def funds(d, pi=0):
    return d["projects"][pi]["funds"]


def test_every_e_code_has_a_check_and_a_catalogue_entry():
    from perfxl.catalogue import CATALOGUE

    assert set(SELFEVAL_CHECKS) == set(CODES) == {c for c in CATALOGUE if c.startswith("E")}


def test_clean_return_reports_only_its_scores():
    found = run(filled())
    assert [(f.code, f.sheet) for f in found] == [("E09", "project/0/total_score"), ("E09", "project/1/total_score")]
    assert [f.value for f in found] == [99.8, 100]  # 90 + 98% of 10; 90 + 10
    assert [f.params["grade"] for f in found] == ["优", "优"]


CASES = [
    ("E01", lambda d: row(d, 0, 0).update(actual=None), "indicator/0/0/actual"),
    ("E01", lambda d: row(d, 0, 4).update(actual=" "), "indicator/0/4/actual"),           # 定性, blank
    ("E01", lambda d: row(d, 0, 4).update(actual="基本达成"), "indicator/0/4/actual"),     # 定性, no grade
    ("E02", lambda d: row(d, 0, 0).update(actual="四次"), "indicator/0/0/actual"),
    ("E02", lambda d: row(d, 0, 3).update(actual="98元"), "indicator/0/3/actual"),         # target in 万元
    ("E03", lambda d: row(d, 0, 0).update(score=7), "indicator/0/0/score"),
    ("E03", lambda d: row(d, 0, 0).update(score=13), "indicator/0/0/score"),               # above its 分值 12.5
    ("E03", lambda d: row(d, 0, 0).update(score="满分"), "indicator/0/0/score"),
    ("E03", lambda d: funds(d).update(score=8.8), "funds/0/total/score"),                  # 98% of 10 is 9.8
    ("E03", lambda d: proj(d).update(total_score=95), "project/0/total_score"),
    ("E03", lambda d: proj(d).update(grade="良"), "project/0/grade"),
    ("E04", lambda d: row(d, 0, 1).update(points=20, score=20), "indicator/0/0/points"),   # 产出 no longer 50
    ("E04", lambda d: row(d, 0, 1).update(points=None), "indicator/0/1/points"),
    ("E04", lambda d: row(d, 1, 2).update(points="三十"), "indicator/1/2/points"),
    ("E04", lambda d: funds(d).update(points=5), "funds/0/total/points"),
    ("E04", lambda d: proj(d, 1).update(indicators=[]), "project/1/indicators"),
    ("E05", lambda d: row(d, 0, 0).update(actual=3, score=9.38), "indicator/0/0/reason"),
    ("E05", lambda d: row(d, 0, 4).update(actual="部分达成", score=9), "indicator/0/4/reason"),
    ("E06", lambda d: funds(d)["total"].update(executed=None), "funds/0/total/executed"),
    ("E06", lambda d: funds(d)["total"].update(executed=-1), "funds/0/total/executed"),
    ("E06", lambda d: funds(d)["total"].update(executed=120), "funds/0/total/executed"),
    ("E06", lambda d: funds(d)["total"].update(budget=None), "funds/0/total/budget"),
    ("E06", lambda d: funds(d)["total"].update(budget=0), "funds/0/total/budget"),
    ("E06", lambda d: funds(d).update(rate=90), "funds/0/total/rate"),
    ("E07", lambda d: row(d, 0, 0).update(actual=8), "indicator/0/0/actual"),              # 2 × the target 4
    ("E07", lambda d: row(d, 0, 2).update(actual=960), "indicator/0/2/actual"),            # a rate above 100
    ("E07", lambda d: row(d, 0, 3).update(actual=99.5), "indicator/0/3/actual"),           # cost above 执行数 98
    ("E08", lambda d: proj(d).update(achievement=None), "project/0/achievement"),
    ("E08", lambda d: proj(d).update(achievement="1. 按期偿还全部到期本息，全年不发生逾期。"), "project/0/achievement"),
    ("E09", lambda d: None, "project/0/total_score"),
]


@pytest.mark.parametrize("code, mutate, place", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_at_its_logical_place(code, mutate, place):
    data = filled()
    mutate(data)
    hits = [f for f in run(data) if f.code == code]
    assert hits, code
    assert hits[0].sheet == place
    assert hits[0].message.startswith(f"【{place}】")  # where first, then what and how
    assert "{" not in hits[0].message and "{" not in hits[0].message_en  # every placeholder filled
    assert hits[0].project_code == proj(data, int(place.split("/")[1]))["code"]


@pytest.mark.parametrize("code", [c for c in CODES if c != "E09"])
def test_rule_is_quiet_on_the_clean_return(code):
    assert not [f for f in run(filled()) if f.code == code]


def test_findings_name_the_cell_the_layout_maps_their_key_to():
    """The logical keys are what a reader's locations map, as for the goals form (reader.where)."""
    data = filled()
    row(data, 1, 2).update(actual=None)
    cells = {("indicator", 1, 2, "actual"): ("2.土地成本核算专项", "F14")}
    (hit,) = run_selfeval_rules(selfeval_from_dict(data), HEBEI, where=lambda k: cells.get(k, (None, None)),
                                select=["E01"])
    assert (hit.sheet, hit.cell) == ("2.土地成本核算专项", "F14")


def test_json_findings_have_no_place():
    data = filled()
    row(data, 0, 0).update(actual=None)
    (hit,) = run_selfeval_rules(selfeval_from_dict(data), HEBEI, select=["E01"])
    assert (hit.sheet, hit.cell) == (None, None) and not hit.message.startswith("【")


def test_qualitative_variants_name_the_grades():
    data = filled()
    row(data, 0, 4).update(actual="基本达成")
    (hit,) = [f for f in run(data) if f.code == "E01"]
    assert all(g in hit.message for g in ("达成", "部分达成", "未达成")) and "基本达成" in hit.message


def test_severities_follow_the_framework_rules_section():
    d = _framework_dict()
    d["rules"] = {"E05": {"enabled": False}, "E07": {"severity": "error"}}
    fw = framework_from_dict(d, "province.json")
    data = filled()
    row(data, 0, 0).update(actual=8)                    # E07
    row(data, 1, 0).update(actual=6)                    # E05, and E03: its 得分 25 no longer holds
    codes = {f.code: f.severity for f in run(data, fw)}
    assert "E05" not in codes and codes["E07"] == "error" and codes["E03"] == "error"


def test_a_reason_silences_e05():
    data = filled()
    row(data, 0, 0).update(actual=3, score=9.38, reason="一笔还款因银行系统升级顺延至次年1月")
    assert not [f for f in run(data) if f.code == "E05"]


def test_e03_allows_half_a_unit_of_the_scores_last_decimal():
    data = filled()
    row(data, 1, 0).update(actual=11)          # 11 ÷ 12 × 25 = 22.9166…
    row(data, 1, 0).update(score=22.92)
    assert not [f for f in run(data) if f.code == "E03" and f.sheet == "indicator/1/0/score"]
    row(data, 1, 0).update(score=22.9)          # one decimal: within 0.05 of 22.9166
    assert not [f for f in run(data) if f.code == "E03" and f.sheet == "indicator/1/0/score"]
    row(data, 1, 0).update(score=22.93)
    assert [f for f in run(data) if f.code == "E03" and f.sheet == "indicator/1/0/score"]


def test_e06_rate_on_both_sides_of_its_tolerance():
    data = filled()
    funds(data, 1)["total"].update(budget=30, executed=20)  # 66.666…%
    funds(data, 1).update(rate=66.67, score=None)
    assert not [f for f in run(data) if f.code == "E06"]
    funds(data, 1).update(rate=66.6)
    assert [f.sheet for f in run(data) if f.code == "E06"] == ["funds/1/total/rate"]


def test_e07_far_beyond_is_the_frameworks_factor():
    data = filled()
    row(data, 0, 0).update(actual=7)  # 1.75 × the target 4
    assert not [f for f in run(data) if f.code == "E07"]
    assert [f for f in run(data, province(far_beyond=1.5)) if f.code == "E07"]


# ------------------------------------------------------------------ scoring: both sides of every boundary

S = scoring_of(HEBEI)


def ind(operator, value, level1="产出指标", level2="数量指标", unit="个", weight=None, direction=None):
    return Indicator(level1, level2, "指标", operator=operator, value=value, unit=unit, weight=weight,
                     direction=direction)


GRADES = [(100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (79.99, "中"), (60, "中"), (59.99, "差"), (0, "差"),
          (None, None)]


@pytest.mark.parametrize("total, grade", GRADES)
def test_grade_bands(total, grade):
    assert S.grade()(total=total) == grade


def test_grade_bands_are_the_provinces():
    s = scoring_of(province(grades=[{"name": "好", "min": 85}, {"name": "一般", "min": 0}]))
    assert [s.grade()(total=x) for x in (85, 84.99)] == ["好", "一般"]


EXECUTION = [(100, 100, 100, 10), (101, 100, 101, 10), (99, 100, 99, 9.9), (0, 100, 0, 0), (98, 100, 98, 9.8),
             (20, 30, 66.67, 6.67), (10, 0, None, None), (None, 100, None, None), (10, None, None, None)]


@pytest.mark.parametrize("executed, budget, rate, score", EXECUTION)
def test_execution_rate_and_its_score_capped_at_100(executed, budget, rate, score):
    r = S.execution_rate()(executed=executed, budget=budget)
    assert r == rate
    assert S.execution_score()(rate=r, points=10) == score


QUANTITATIVE = [
    ("≥", 4, 4, 10), ("≥", 4, 5, 10), ("≥", 4, 3, 7.5), ("≥", 4, 0, 0), ("≥", 4, -1, 0), ("≥", 0, 0, 10),
    (">", 90, 89, 9.89),
    ("≤", 6, 6, 10), ("≤", 6, 5, 10), ("≤", 6, 12, 5), ("≤", 6, 7, 8.57),
    ("≤", 5, 0, 10), ("≤", 0, 0, 10), ("≤", 0, 1, 0), ("<", 100, 125, 8),
    ("=", 100, 100, 10), ("=", 100, 98, 9.8), ("=", 100, 102, 9.8), ("=", 100, 0, 0), ("=", 0, 0, 10), ("=", 0, 3, 0),
]


@pytest.mark.parametrize("operator, target, actual, score", QUANTITATIVE)
def test_quantitative_scoring(operator, target, actual, score):
    assert S.score(ind(operator, target), actual, 10) == score


QUALITATIVE = [("达成", 10), ("达成，全部完成", 10), ("部分达成", 6), ("\u3000部分达成：因疫情", 6), ("未达成", 0),
               ("基本达成", None), ("", None), (None, None)]


@pytest.mark.parametrize("actual, score", QUALITATIVE)
def test_qualitative_scoring(actual, score):
    assert S.score(ind("定性", "保障到位", unit=None), actual, 10) == score


def test_partial_grade_is_the_frameworks_fraction():
    s = scoring_of(province(qualitative={"达成": 1, "部分达成": 0.5, "未达成": 0}))
    assert s.score(ind("定性", "好", unit=None), "部分达成", 10) == 5


def test_equal_tolerance_is_the_frameworks():
    s = scoring_of(province(equal_tolerance=0.05))
    assert [s.score(ind("=", 100), a, 10) for a in (95, 105, 94)] == [10, 10, 9.4]


@pytest.mark.parametrize("operator, direction, value_type, kind", [
    ("≥", None, None, "positive"), (">", "反向", None, "positive"), ("≤", None, None, "negative"),
    ("<", None, None, "negative"), ("=", None, None, "equal"), ("定性", None, None, "qualitative"),
    (None, "正向", None, "positive"), (None, "反向", None, "negative"), (None, "区间", None, "equal"),
    (None, None, "定性", "qualitative"), (None, None, None, None)])
def test_the_operator_decides_the_kind_and_the_direction_only_without_one(operator, direction, value_type, kind):
    i = ind(operator, 1, direction=direction)
    i.value_type = value_type
    assert kind_of(i) == kind


def test_score_needs_actual_target_and_points():
    assert S.score(ind("≥", 4), 4, None) is None
    assert S.score(ind("≥", "四"), 4, 10) is None
    assert S.score(ind(None, 4), 4, 10) is None
    assert S.score(ind("≥", 90, unit="%"), "95%", 10) == 10  # an actual typed with its unit is read


def test_excel_rounding_is_half_away_from_zero():
    assert [excel_round(x, 2) for x in (2.675, 1.005, 8.333333333333334, -2.675)] == [2.68, 1.01, 8.33, -2.68]
    assert excel_round(0.1 + 0.2, 15) == 0.3


# ------------------------------------------------------------------ the spread of 分值

def test_points_spread_evenly_within_each_level1_and_add_up_to_100():
    u = unit_from_dict(clean())
    for fid in perfxl.list_frameworks():
        fw = perfxl.load_framework(fid)
        s = scoring_of(fw)
        for p in u.projects:
            pts = spread_points(s, fw, p.indicators)
            assert round(sum(pts) + s.budget_execution, 6) == 100, (fid, p.name)
    pts = spread_points(S, HEBEI, u.projects[0].indicators)
    assert pts == [12.5, 12.5, 12.5, 12.5, 15, 15, 10]  # 产出 50 / 4, 效益 30 / 2, 满意度 10


def test_even_spread_rounds_so_that_the_level_still_adds_up():
    three = [ind("≥", 1) for _ in range(3)]
    assert spread_points(S, HEBEI, three + [ind("≥", 1, "效益指标", "社会效益指标"), ind("≥", 1, "满意度指标", "服务对象满意度指标")]) \
        == [16.67, 16.67, 16.66, 30, 10]
    assert apportion(10, [1, 1, 1], 2) == [3.34, 3.33, 3.33] and apportion(5, [0, 0], 2) == [0, 0]


def test_weights_replace_the_even_spread_where_every_indicator_of_the_level_has_one():
    rows = [ind("≥", 1, weight=30), ind("≥", 1, weight=10), ind("≥", 1, weight=10),
            ind("≥", 1, "效益指标", "社会效益指标", weight=20), ind("≥", 1, "效益指标", "经济效益指标", weight=None),
            ind("≥", 1, "满意度指标", "服务对象满意度指标", weight="5")]
    assert spread_points(S, HEBEI, rows) == [30, 10, 10, 15, 15, 10]  # 效益: one weight missing → even


def test_a_level_with_no_indicator_hands_its_share_to_the_others():
    assert expected_shares(S, ["产出指标", "效益指标"]) == {"产出指标": 56.25, "效益指标": 33.75}
    rows = [ind("≥", 1), ind("≥", 1, "效益指标", "社会效益指标")]
    assert spread_points(S, HEBEI, rows) == [56.25, 33.75]


def test_satisfaction_filed_under_benefit_keeps_its_own_share():
    """mof-2013 files 满意度 under 效益指标 (a variant): it still takes 满意度指标's 10, as in the MoF table."""
    fw = perfxl.load_framework("mof-2013")
    rows = [ind("≥", 1), ind("≥", 1, "效益指标", "社会效益指标"),
            ind("≥", 1, "效益指标", "社会公众或服务对象满意度指标")]
    assert spread_points(scoring_of(fw), fw, rows) == [50, 30, 10]


def test_cost_as_its_own_level_has_its_share_in_mof_2021():
    fw = perfxl.load_framework("mof-2021")
    rows = [ind("≥", 1), ind("≥", 1, "效益指标", "社会效益指标"), ind("≤", 1, "成本指标", "经济成本指标"),
            ind("≥", 1, "满意度指标", "服务对象满意度指标")]
    assert spread_points(scoring_of(fw), fw, rows) == [40, 30, 10, 10]


# ------------------------------------------------------------------ the framework's scoring data

@pytest.mark.parametrize("section, expected", [
    ({"shares": {"产出指标": 60, "效益指标": 30, "满意度": 10}}, "/selfeval/shares"),         # unknown 一级
    ({"shares": {"产出指标": 60, "效益指标": 30}}, "满意度指标"),                            # 一级 without share
    ({"budget_execution": 20}, "100"),                                                     # adds up to 110
    ({"grades": [{"name": "优", "min": 90}, {"name": "差", "min": 10}]}, "/selfeval/grades"),
    ({"qualitative": {"达成": 2}}, "selfeval/qualitative"),                                 # schema: a share ≤ 1
    ({"tolerance": 1}, "selfeval"),                                                        # unknown key
])
def test_broken_selfeval_section_names_file_and_key(tmp_path, section, expected):
    d = _framework_dict()
    d["selfeval"] = section
    f = tmp_path / "province.json"
    f.write_text(json.dumps(d, ensure_ascii=False), "utf-8")
    with pytest.raises(FrameworkError) as e:
        perfxl.load_framework(f)
    assert str(f) in str(e.value) and expected in str(e.value)


def test_a_framework_without_a_section_whose_levels_differ_cannot_score_and_says_why():
    d = _framework_dict("mof-2021")
    del d["selfeval"]
    fw = framework_from_dict(d, "mof-no-selfeval.json")  # a goals-only framework still loads
    with pytest.raises(FrameworkError) as e:
        scoring_of(fw)
    assert "mof-no-selfeval.json" in str(e.value) and "成本指标" in str(e.value)


def test_shipped_frameworks_score():
    for fid in perfxl.list_frameworks():
        s = scoring_of(perfxl.load_framework(fid))
        assert s.total == 100 and s.grades[-1][1] == 0


# ------------------------------------------------------------------ the formulas, computed by LibreOffice

def _formula_cases():
    """(declaration, inputs) pairs over both sides of every boundary above."""
    cases = []
    for operator, target, actual, _ in QUANTITATIVE:
        cases.append((S.indicator_score(kind_of(ind(operator, 1))), {"actual": actual, "target": target, "points": 10}))
    for actual, _ in QUALITATIVE:
        cases.append((S.indicator_score("qualitative"), {"actual": actual, "points": 10}))
    cases.append((S.indicator_score("positive"), {"actual": 11, "target": 12, "points": 25}))
    cases.append((S.indicator_score("equal"), {"actual": 3, "target": 7, "points": 12.5}))
    for executed, budget, _, _ in EXECUTION:
        cases.append((S.execution_rate(), {"executed": executed, "budget": budget}))
    for rate in (100, 100.5, 99, 66.67, -3, None):
        cases.append((S.execution_score(), {"rate": rate, "points": 10}))
    for total, _ in GRADES:
        cases.append((S.grade(), {"total": total}))
    return cases


def test_scoring_formulas_compute_in_libreoffice_as_in_python(tmp_path, soffice):
    """Each declaration's formula, written into a workbook over its inputs and recalculated by
    LibreOffice, gives what the declaration gives in Python (blank as blank)."""
    import xlsxwriter
    from openpyxl import load_workbook

    from perfxl.layout import a1
    from test_live import recalculated  # LibreOffice with recalculation on load (practices.md)

    cases = _formula_cases()
    src = tmp_path / "formulas.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("t")
    expected = []
    for r, (decl, inputs) in enumerate(cases):
        refs = {}
        for c, name in enumerate(decl.params):
            v = inputs.get(name)
            refs[name] = a1(r, c)
            if isinstance(v, str):
                ws.write_string(r, c, v)
            elif v is not None:
                ws.write_number(r, c, v)
        ws.write_formula(r, 5, decl.formula(**refs))
        expected.append(decl(**inputs))
    parts = [r for r, (decl, _) in enumerate(cases) if decl.name.startswith("score_")]
    total = S.total_score()
    known = [r for r in parts if expected[r] is not None]
    blank = next(r for r in parts if expected[r] is None)
    for i, rows in enumerate((known, known[:3] + [blank])):  # all parts scored; one blank: 总分 blank
        ws.write_formula(len(cases) + i, 5, total.formula(parts=",".join(f"F{r + 1}" for r in rows),
                                                          count=str(len(rows))))
        expected.append(total(parts=[expected[r] for r in rows], count=len(rows)))
    assert expected[-2] is not None and expected[-1] is None
    wb.close()
    got = load_workbook(recalculated(soffice, src, tmp_path / "lo"), data_only=True)["t"]
    computed = [got.cell(r + 1, 6).value for r in range(len(expected))]
    computed = [None if v == "" else v for v in computed]
    assert {6, "优", "差", None} <= set(expected)  # numbers, grades and blanks are all compared
    assert computed == expected
