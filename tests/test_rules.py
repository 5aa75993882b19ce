"""Every rule fires on the data that breaks it, at the right cell, and is silent on clean data.

Tests refer to rules by code; messages come from the catalogue and are not copied here.
"""
import dataclasses

import pytest

import perfxl
from perfxl.catalogue import CATALOGUE
from perfxl.check import check_unit
from perfxl.frameworks import framework_from_dict
from perfxl.model import Funds, Project, UnitData, unit_from_dict
from perfxl.rules import CHECKS

from units import clean

P1, P2, DEPT = "1.郭营子棚改本金利息", "2.土地成本核算专项", "部门整体绩效目标"


def run(data, fw="hebei-2023", register=None, **kw):
    u = unit_from_dict(data) if isinstance(data, dict) else data
    return check_unit(u, perfxl.load_framework(fw) if isinstance(fw, str) else fw, register=register, **kw)


def register_of(data, mutate=None):
    u = unit_from_dict(data)
    reg = UnitData(u.budget_year, dataclasses.replace(u.unit),
                   [Project(p.code, p.name, Funds(p.funds.total, p.funds.fiscal, p.funds.other), p.purpose)
                    for p in u.projects])
    if mutate:
        mutate(reg)
    return {reg.unit.code: reg}


def test_every_catalogue_code_has_a_check_or_is_raised_by_reader_or_across():
    from perfxl.selfeval_rules import SELFEVAL_CHECKS  # E01–E09: the self-evaluation form's checks

    reader_or_across = {"S01", "S02", "S03", "S04", "S05", "S06", "S07", "X04"}
    assert set(CATALOGUE) == set(CHECKS) | reader_or_across | set(SELFEVAL_CHECKS)
    assert not set(CHECKS) & reader_or_across


def test_clean_unit_is_silent():
    assert run(clean()) == []
    assert run(clean(), register=register_of(clean())) == []


def p(d, i=0):
    return d["projects"][i]


def i_(d, pi, ii):
    return d["projects"][pi]["indicators"][ii]


CASES = [
    ("F01", lambda d: p(d)["funds"].update(total=101.0), P1, "C4"),
    ("F02", lambda d: p(d)["funds"].update(total="一百"), P1, "C4"),
    ("F02", lambda d: p(d)["funds"].update(other=-20.0, fiscal=120.0), P1, "G4"),
    ("F02", lambda d: p(d)["funds"].update(total=None), P1, "C4"),
    ("P01", lambda d: p(d)["spend_plan"].update({"3月底": 30}), P1, "B7"),
    ("P01", lambda d: p(d).update(spend_plan={}), P1, "B7"),
    ("P02", lambda d: p(d)["spend_plan"].update({"6月底": "三成"}), P1, "C7"),
    ("P02", lambda d: p(d)["spend_plan"].update({"3月底": 150, "6月底": -100}), P1, "B7"),
    ("G01", lambda d: p(d).update(goals=[]), P1, "B8"),
    ("G01", lambda d: d["department_goals"].update(overall=" "), DEPT, "A4"),
    ("G02", lambda d: p(d, 1).update(goals=["目标内容1完成审计"]), P2, "B8"),
    ("G02", lambda d: i_(d, 0, 0).update(name="请输入指标名称"), P1, "C10"),
    ("G03", lambda d: d["department_goals"].update(overall="2023年完成土地收储500亩。"), DEPT, "A4"),
    ("G03", lambda d: d["department_goals"]["measures"].append("2022年已建立制度。"), DEPT, "B18"),
    ("G04", lambda d: p(d).update(goals=["进一步提高还款效率"]), P1, "B8"),
    ("G05", lambda d: p(d, 1).update(goals=["按协议支付审计费。"]), P2, "B8"),
    ("G05", lambda d: p(d, 1).update(goals=["1.土地成本核算专项"]), P2, "B8"),
    ("G06", lambda d: d["department_goals"].update(sections=[]), DEPT, "A5"),
    ("I01", lambda d: p(d, 1)["indicators"].pop(2), P2, "A9"),
    ("I02", lambda d: i_(d, 0, 0).update(level2="社会效益指标"), P1, "B10"),
    ("I02", lambda d: i_(d, 0, 0).update(level1="产出"), P1, "A10"),
    ("I03", lambda d: i_(d, 0, 0).update(name="-"), P1, "C10"),
    ("I03", lambda d: i_(d, 0, 0).update(name=""), P1, "C10"),
    ("I04", lambda d: i_(d, 0, 0).update(unit=None), P1, "G10"),
    ("I04", lambda d: i_(d, 0, 0).update(operator=None), P1, "E10"),
    ("I04", lambda d: i_(d, 0, 0).update(value=None), P1, "F10"),
    ("I05", lambda d: i_(d, 0, 0).update(value="四次"), P1, "F10"),
    ("I06", lambda d: i_(d, 0, 2).update(value=120), P1, "F12"),
    ("I07", lambda d: i_(d, 0, 3).update(value_note="达到预算数"), P1, "E13"),
    ("I07", lambda d: i_(d, 0, 0).update(description="还款笔数不超过4次"), P1, "E10"),
    ("I08", lambda d: i_(d, 0, 3).update(operator="≥"), P1, "E13"),
    ("I08", lambda d: i_(d, 0, 3).update(value=150), P1, "F13"),
    ("I09", lambda d: i_(d, 0, 6).update(value=70), P1, "F16"),
    ("I09", lambda d: i_(d, 0, 6).update(value=100), P1, "F16"),
    ("I10", lambda d: i_(d, 0, 1).update(name="按期还款笔数"), P1, "C11"),
    ("I11", lambda d: i_(d, 0, 0).update(basis=None), P1, "I10"),
    ("I12", lambda d: p(d, 1)["indicators"].__delitem__(slice(1, 3)), P2, "A9"),
    ("I13", lambda d: i_(d, 0, 0).update(name="数量指标"), P1, "C10"),
    ("I14", lambda d: [i_(d, 1, k).update(operator="定性", value="好", unit=None) for k in range(3)], P2, "A9"),
    ("I15", lambda d: i_(d, 0, 4).update(name="安置群众满意度情况"), P1, "A14"),
    ("I17", lambda d: i_(d, 0, 4).update(value="保障到位" * 10), P1, "F14"),
    ("C01", lambda d: p(d).update(code="P0001"), P1, "B3"),
    ("C02", lambda d: p(d).update(code="13081125P008047100028"), P1, "B3"),
    ("C03", lambda d: d["unit"].update(code="11500A"), DEPT, "A2"),
    ("C03", lambda d: d["unit"].update(code=""), DEPT, "A2"),
    ("X01", lambda d: p(d, 1).update(code=p(d, 0)["code"]), P2, "B3"),
    ("X02", lambda d: i_(d, 1, 0).update(description="按合同归还棚改贷款"), P2, "D10"),
]


@pytest.mark.parametrize("code, mutate, sheet, cell", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_at_its_cell(code, mutate, sheet, cell):
    data = clean()
    mutate(data)
    findings = run(data)
    hits = [f for f in findings if f.code == code]
    assert hits, [f.code for f in findings]
    assert (hits[0].sheet, hits[0].cell) == (sheet, cell)
    assert hits[0].message.startswith(f"【{sheet} {cell}】")  # where first, then what and how
    assert "{" not in hits[0].message and "{" not in hits[0].message_en  # every placeholder filled


def test_i01_severity_follows_framework():
    data = clean()
    p(data, 1)["indicators"].pop(3)  # no 满意度指标: advice only
    (hit,) = [f for f in run(data) if f.code == "I01"]
    assert hit.severity == "warning"
    p(data, 1)["indicators"].pop(2)  # no 效益指标 either: an error
    assert {f.severity for f in run(data) if f.code == "I01"} == {"error", "warning"}


def test_i16_unit_in_value_conflicts():
    u = unit_from_dict(clean())
    target = u.projects[0].indicators[2]
    target.raw_value, target.value, target.unit = "28.8万元", 28.8, "%"
    hits = [f for f in run(u) if f.code == "I16"]
    assert [(f.sheet, f.cell) for f in hits] == [(P1, "F12")]
    target.raw_value = "28.8%"
    assert not [f for f in run(u) if f.code == "I16"]


def test_register_rules():
    data = clean()
    reg = register_of(data, lambda r: setattr(r.projects[0].funds, "fiscal", 70.0))
    assert [(f.code, f.cell) for f in run(data, register=reg)] == [("F03", "E4")]
    reg = register_of(data, lambda r: r.projects.pop(1))
    assert [(f.code, f.sheet, f.cell) for f in run(data, register=reg)] == [("X03", P2, "B3")]
    reg = register_of(data, lambda r: r.projects.append(Project("13081123P000000000001", "新项目", Funds(1, 1))))
    assert [(f.code, f.sheet) for f in run(data, register=reg)] == [("X03", DEPT)]
    reg = register_of(data, lambda r: setattr(r.unit, "name", "别的单位"))
    assert [f.code for f in run(data, register=reg)] == ["S08"]
    assert [f.code for f in run(data, register={})] == ["S08"]


def test_cumulative_plan_rules():
    data = clean()
    data["framework"] = "mof-2021"
    plan = dict(zip(["3月底", "6月底", "9月底", "12月底"], [30, 20, 70, 100]))
    for proj in data["projects"]:
        proj["spend_plan"] = dict(plan)
    codes = [f.code for f in run(data, "mof-2021") if f.code.startswith("P")]
    assert codes == ["P03", "P03"]
    for proj in data["projects"]:
        proj["spend_plan"] = {"3月底": 30, "6月底": 50, "9月底": 70, "12月底": 90}
    assert [f.code for f in run(data, "mof-2021") if f.code.startswith("P")] == ["P01", "P01"]


def test_basis_category_required_by_mof():
    data = clean()
    i_(data, 0, 0)["basis"] = "按合同"
    assert not [f for f in run(data) if f.code == "I11"]
    assert [f.cell for f in run(data, "mof-2021") if f.code == "I11"] == ["I10"]


def test_framework_rule_settings_disable_and_reseverity():
    from importlib import resources
    import json
    d = json.loads(resources.files("perfxl.templates").joinpath("frameworks", "hebei-2023.json").read_text("utf-8"))
    d["rules"] = {"I04": {"enabled": False}, "F01": {"severity": "warning"}}
    d["thresholds"]["satisfaction_min"] = 95
    fw = framework_from_dict(d)
    data = clean()
    i_(data, 0, 0)["unit"] = None
    p(data)["funds"]["total"] = 101.0
    found = {f.code: f.severity for f in run(data, fw)}
    assert "I04" not in found and found["F01"] == "warning"
    assert found["I09"] == "warning"  # 90 is now below the province's 95


@pytest.mark.parametrize("patterns, goal, hit", [
    (["XXX", "(待)(定)\\2?"], "目标待定", "待定"),        # a back-reference: the patterns are tried one by one
    (["(?i)tbd", "请填写"], "Goal TBD", "TBD"),         # inline flags: cannot be joined either
    (["请填写", "目标内容\\d*"], "目标内容3，请填写", "请填写"),  # the first pattern in the framework's order wins
    (["请填写", "XXX"], "完成改造", None),
])
def test_g02_finds_the_first_placeholder_pattern_in_the_frameworks_order(patterns, goal, hit):
    """G02 screens a text with all of the framework's patterns joined (one search for the common
    clean text), then names the first that matches: the same as trying each, whatever they hold."""
    from importlib import resources
    import json
    d = json.loads(resources.files("perfxl.templates").joinpath("frameworks", "hebei-2023.json").read_text("utf-8"))
    d["thresholds"]["placeholder_patterns"] = patterns
    data = clean()
    p(data)["goals"] = [goal]
    found = [f for f in run(data, framework_from_dict(d)) if f.code == "G02"]
    assert [f.params.get("text") for f in found] == ([hit] if hit else [])


def test_draft_mode_runs_structure_rules_only():
    data = clean()
    p(data)["funds"]["total"] = 101.0
    assert run(data, mode="draft") == []


def test_explained_warning_is_reported_as_explained():
    u = unit_from_dict(clean())
    u.projects[0].indicators[0].basis = None
    u.projects[0].indicators[0].explanation = "依据为还款合同，无对应类别"
    u.projects[0].indicators[1].unit = None  # an error stays unexplained even with a note on its sheet
    u.projects[0].explanation = "本表提示已核实"
    u.projects[1].goals = ["按协议支付审计费"]  # G05 warning on sheet 2, which has no explanation
    by_code = {f.code: f for f in run(u)}
    assert by_code["I11"].explained and by_code["I11"].explanation == "依据为还款合同，无对应类别"
    assert not by_code["I04"].explained
    assert not by_code["G05"].explained
    u.projects[0].indicators[0].explanation = None
    assert {f.code: f for f in run(u)}["I11"].explanation == "本表提示已核实"


def test_a_warning_alone_is_explained_too():
    """A return whose only findings are warnings (no error to fix) still has them explained: the
    shortcut for returns with nothing to explain must not take them."""
    u = unit_from_dict(clean())
    u.projects[0].indicators[0].basis = None
    u.projects[0].indicators[0].explanation = "依据为还款合同，无对应类别"
    found = run(u)
    assert {f.severity for f in found} == {"warning"}
    assert [f.explained for f in found if f.code == "I11"] == [True]


def test_x02_across_units_verbatim_copy_but_not_common_wording():
    from perfxl.rules import COMMON_WORDING_UNITS, copied_across

    a = unit_from_dict(clean())
    b = unit_from_dict(clean())
    b.unit.code = "108001"
    b.projects = b.projects[1:]
    copied = "按合同归还郭营子棚改贷款本息"
    a.projects[0].indicators[0].description = copied
    b.projects[0].indicators[0].description = copied
    hits = list(copied_across([a, b]))
    assert [(u.unit.code, pi, ii, other.name) for u, pi, ii, _, other in hits] == [("108001", 0, 0, "郭营子棚改本金利息")]
    crowd = []
    for k in range(COMMON_WORDING_UNITS + 1):
        c = unit_from_dict(clean())
        c.unit.code = f"20000{k}"
        c.projects[0].code = f"13081123P20000000000{k}"
        c.projects[0].indicators[0].description = copied
        crowd.append(c)
    assert list(copied_across([a, b, *crowd])) == []


@pytest.mark.parametrize("spelling", ["％", "﹪", "百分比", " % "])
def test_fullwidth_percent_unit_keeps_percentage_rules(spelling):
    """A 计量单位 spelled another way is read as "%": I09 on a low satisfaction, I06 on a share above
    100 whose name does not end in 率 (only the unit says it is a percentage)."""
    data = clean()
    i_(data, 0, 6).update(value=70, unit=spelling)
    i_(data, 1, 2).update(value=120, unit=spelling)
    found = {(f.code, f.sheet) for f in run(data)}
    assert {("I09", P1), ("I06", P2)} <= found
    u = unit_from_dict(data)
    assert u.projects[0].indicators[6].unit == "%"
    assert u.projects[0].indicators[6].raw_unit == spelling  # as typed, kept beside


def test_fullwidth_percent_unit_in_workbook_keeps_percentage_rules(tmp_path, hebei):
    from perfxl.check import check_file

    u = unit_from_dict(clean())
    u.projects[0].indicators[6].value, u.projects[0].indicators[6].unit = 70, "％"
    u.projects[1].indicators[2].value, u.projects[1].indicators[2].unit = 120, "百分比"
    checked = check_file(perfxl.write_workbook(u, hebei, tmp_path))
    assert ("I09", P1, "F16") in {(f.code, f.sheet, f.cell) for f in checked.report.findings}
    assert ("I06", P2) in {(f.code, f.sheet) for f in checked.report.findings}
    read = checked.unit.projects[0].indicators[6]
    assert (read.unit, read.raw_unit) == ("%", "％")
    assert not [f for f in checked.report.findings if f.code == "I16"]


def test_operator_spelled_another_way_in_json_is_canonical():
    data = clean()
    i_(data, 0, 3).update(operator="＞＝")  # a cost indicator with "at least": I08 must see ≥
    i_(data, 0, 0).update(operator="不低于")
    u = unit_from_dict(data)
    assert [u.projects[0].indicators[k].operator for k in (0, 3)] == ["≥", "≥"]
    assert ("I08", P1, "E13") in {(f.code, f.sheet, f.cell) for f in run(data)}
    assert i_(data, 0, 3)["operator"] == "＞＝"  # the caller's dict is not modified


@pytest.mark.parametrize("fw", ["hebei-2023", "mof-2021"])
def test_empty_spend_plan_asks_to_fill(fw):
    """P01 on a plan with nothing in it says 未填 and how to fill it; a wrong sum still says 调整."""
    data = clean()
    data["framework"] = fw
    milestones = perfxl.load_framework(fw).milestones
    p(data)["spend_plan"] = {m: None for m in milestones}
    p(data, 1)["spend_plan"] = dict(zip(milestones, [10, 20, 30, 30]))  # 90, or a cumulative plan ending at 30
    empty, wrong = [f for f in run(data, fw) if f.code == "P01"]
    assert empty.project_code == p(data)["code"] and "未填" in empty.message and "调整" not in empty.message
    assert all(m in empty.message for m in milestones) and "100" in empty.message
    assert "empty" in empty.message_en
    assert wrong.project_code == p(data, 1)["code"] and "调整" in wrong.message and "未填" not in wrong.message


def test_blank_template_says_unfilled_not_zero_count():
    """A project with no indicator gets one finding that says 未填写, with the error severity of the
    required levels, not one per missing level next to "只有 0 个"."""
    data = clean()
    p(data)["indicators"] = []
    hits = [f for f in run(data) if f.code in ("I01", "I12", "I14") and f.project_code == p(data)["code"]]
    assert [(f.code, f.severity, f.cell) for f in hits] == [("I01", "error", "A9")]
    assert "未填写" in hits[0].message and "0 个" not in hits[0].message
    assert "产出指标" in hits[0].message and "效益指标" in hits[0].message
    assert "3" in hits[0].message  # the minimum, as a target rather than a count


def test_blank_indicators_still_reported_when_i01_is_off():
    data = clean()
    p(data)["indicators"] = []
    hits = [f for f in run(data, skip={"I01"}) if f.code == "I12"]
    assert len(hits) == 1 and "未填写" in hits[0].message and "0 个" not in hits[0].message
    p(data)["indicators"] = p(clean())["indicators"][:2]
    (few,) = [f for f in run(data) if f.code == "I12"]
    assert "2" in few.message  # a real shortfall still gives the count


def test_blank_other_funds_matches_a_register_zero():
    """The register reads a blank 其他资金 as 0; a return (or JSON) that leaves it blank agrees with it."""
    data = clean()
    reg = register_of(data, lambda r: setattr(r.projects[1].funds, "other", 0.0))
    assert p(data, 1)["funds"]["other"] is None
    assert [f.code for f in run(data, register=reg)] == []
    reg = register_of(data, lambda r: setattr(r.projects[1].funds, "other", 5.0))
    assert [(f.code, f.cell) for f in run(data, register=reg)] == [("F03", "G4")]


def test_unknown_milestone_in_json_is_reported_not_dropped():
    data = clean()
    p(data)["spend_plan"] = {"3月底": 25, "6月底": 25, "10月底": 25, "9月底": 25}
    hits = [f for f in run(data) if f.code == "P02"]
    assert len(hits) == 1 and "9月底" in hits[0].message and "12月底" in hits[0].message
    assert "行数" not in hits[0].message
    assert not [f for f in run(data) if f.code == "P01"]  # the sum waits until the share is moved


def test_live_findings_word_their_mark_from_the_catalogue_and_name_their_row(seed_unit):
    """The workbook's 自查 shows each live finding briefly (catalogue.LIVE_MESSAGES) on one row: the
    finding keeps the placeholders its message was made from, so the mark can be worded from them."""
    from perfxl.layout import ProjectLayout
    from perfxl.live import LIVE_CODES, mark_row, short_message
    fw = perfxl.load_framework("hebei-2023")
    data = clean()
    data["projects"][0]["spend_plan"]["3月底"] = 15  # P01, total 90
    data["projects"][1]["indicators"] = data["projects"][1]["indicators"][:1]  # I01 (效益), I12
    findings = [f for f in run(data) + check_unit(seed_unit, fw) if f.code in LIVE_CODES]
    assert {"P01", "I01", "I12", "I04"} <= {f.code for f in findings}
    L = ProjectLayout(fw)
    for f in findings:
        assert short_message(f, fw) and mark_row(f, fw) is not None, f
    p01 = next(f for f in findings if f.code == "P01")
    assert short_message(p01, fw) == "各期合计应为100（现为90）" and mark_row(p01, fw) == L.plan_check.row
    i01 = next(f for f in findings if f.code == "I01" and f.sheet == P2)
    assert mark_row(i01, fw) == L.level_count_rows[i01.params["level1"]]
    assert mark_row(next(f for f in findings if f.code == "I12"), fw) == L.total_count_row
