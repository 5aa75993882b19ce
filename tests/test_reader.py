"""Reading returned workbooks: round trips, what staff really type, and structural findings."""
from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import load_workbook

import perfxl
from perfxl.check import check_file
from perfxl.layout import DEPARTMENT_SHEET, ProjectLayout, Span
from perfxl.model import unit_from_dict, unit_to_dict
from perfxl.reader import read_workbook, split_goals

from conftest import SAMPLES, libreoffice_convert
from units import clean

HEBEI = perfxl.load_framework("hebei-2023")
P1 = "1.郭营子棚改本金利息"

# ---------------------------------------------------------------- round trip

_chars = st.sampled_from(list("预算绩效目标完成率资金项目单位人次万元年度支付审核指标满意度服务对象") +
                         list(string.ascii_letters + string.digits) + list("，。、（）()%-+.：；“”"))
_text = st.text(_chars, min_size=1, max_size=30).map(str.strip).filter(
    lambda s: s and not s[0].isdigit() and s not in ("-", "null") and not s.startswith(("=", "+", "-", "(", "（")))
_opt_text = st.none() | _text
_money = st.decimals(min_value=0, max_value=100000, places=2)


@st.composite
def _indicator(draw, fw=HEBEI):
    level1, level2s = draw(st.sampled_from(fw.levels))
    base = {"level1": level1, "level2": draw(st.sampled_from(level2s)), "name": draw(_text),
            "description": draw(_opt_text), "value_note": draw(_opt_text), "basis": draw(_opt_text)}
    if draw(st.booleans()):
        base.update(operator="定性", value=draw(_text), unit=None)
    else:
        base.update(operator=draw(st.sampled_from(["≥", "≤", "=", ">", "<"])),
                    value=float(draw(st.decimals(min_value=0, max_value=10000, places=2))),
                    unit=draw(st.sampled_from(fw.units)))
    return base


@st.composite
def _unit(draw, fw=HEBEI):
    n = draw(st.integers(1, 3))
    projects = []
    for k in range(n):
        fiscal = draw(_money)
        other = draw(st.none() | _money)
        projects.append({
            "code": f"13081123P{k:012d}", "name": draw(_text),
            "funds": {"total": float(fiscal + (other or 0)), "fiscal": float(fiscal),
                      "other": None if other is None else float(other)},
            "purpose": draw(_text),
            "spend_plan": {m: draw(st.none() | st.integers(0, 100).map(float)) for m in fw.milestones},
            "goals": draw(st.lists(_text, min_size=1, max_size=3)),
            "indicators": draw(st.lists(_indicator(fw), min_size=1, max_size=6)),
        })
    return {
        "budget_year": 2024, "framework": fw.id, "money_unit": "万元",
        "unit": {"code": "115001", "name": draw(_text), "department_code": "115", "department_name": draw(_text)},
        "department_goals": {
            "overall": draw(_text),
            "sections": draw(st.lists(st.fixed_dictionaries({"name": _text, "goal": _text}), max_size=3)),
            "measures": draw(st.lists(_text, max_size=3)),
        },
        "projects": projects,
    }


def _round_trip(data: dict, tmp_path) -> dict:
    path = perfxl.write_workbook(unit_from_dict(data), HEBEI, tmp_path)
    read = read_workbook(path)
    assert read.findings == [], [f.message for f in read.findings]
    return unit_to_dict(read.unit)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_unit())
def test_template_data_then_export_gives_the_same_data(tmp_path_factory, data):
    assert _round_trip(data, tmp_path_factory.mktemp("rt")) == data


def test_seed_round_trip_and_export_cli(tmp_path):
    data = unit_to_dict(perfxl.load_unit(SAMPLES / "units" / "115001.json"))
    assert _round_trip(data, tmp_path) == data


def test_round_trip_after_libreoffice(tmp_path, soffice):
    for i, data in enumerate([clean(), unit_to_dict(perfxl.load_unit(SAMPLES / "units" / "115001.json"))]):
        src = perfxl.write_workbook(unit_from_dict(data), HEBEI, tmp_path / f"src{i}")
        resaved = libreoffice_convert(soffice, src, tmp_path / f"lo{i}")
        read = read_workbook(resaved)
        assert read.findings == [], [f.message for f in read.findings]
        assert unit_to_dict(read.unit) == data


@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_other_formats_where_the_layout_survived(tmp_path, soffice, fmt):
    data = unit_to_dict(perfxl.load_unit(SAMPLES / "units" / "115001.json"))
    src = perfxl.write_workbook(unit_from_dict(data), HEBEI, tmp_path / "src")
    converted = libreoffice_convert(soffice, src, tmp_path / fmt, fmt)
    read = read_workbook(converted)
    assert read.findings == [], [f.message for f in read.findings]
    assert unit_to_dict(read.unit) == data


def test_split_goals():
    assert split_goals("1.按期还款\n2、完成审计\r\n\n（3）建立台账") == ["按期还款", "完成审计", "建立台账"]
    assert split_goals("1.2023年完成") == ["2023年完成"]
    assert split_goals("2023年完成") == ["2023年完成"]
    assert split_goals(None) == []


# ---------------------------------------------------------------- what people type

def _typed(tmp_path, edits: dict[tuple[str, str], object], data: dict | None = None, formats: dict | None = None):
    """A workbook from the writer, then cells typed in with openpyxl as a person would in Excel."""
    src = perfxl.write_workbook(unit_from_dict(data or clean()), HEBEI, tmp_path)
    wb = load_workbook(src)
    for (sheet, ref), value in edits.items():
        wb[sheet][ref] = value
        if formats and (sheet, ref) in formats:
            wb[sheet][ref].number_format = formats[(sheet, ref)]
    out = tmp_path / "typed.xlsx"
    wb.save(out)
    return read_workbook(out)


def test_tolerant_values(tmp_path):
    L = ProjectLayout(HEBEI)
    row = L.first_indicator_row
    c = L.columns
    cell = lambda r, col: Span(row + r, col).a1
    edits = {
        (P1, cell(0, c.operator)): None, (P1, cell(0, c.value)): "≥８０％", (P1, cell(0, c.unit)): None,
        (P1, cell(1, c.operator)): None, (P1, cell(1, c.value)): "80%以上", (P1, cell(1, c.unit)): None,
        (P1, cell(2, c.operator)): "≥", (P1, cell(2, c.value)): "≥8080%以上群众满意", (P1, cell(2, c.unit)): "%",
        (P1, cell(3, c.value)): " 100 \n",
        (P1, cell(4, c.operator)): None, (P1, cell(4, c.value)): "资金使用与年初预算批复相符",
        (P1, cell(5, c.level1)): None, (P1, cell(5, c.level2)): None,  # blank: same as above
        (P1, L.milestones[0].a1): "２５", (P1, L.milestones[1].a1): " 25 ",
        (P1, L.goals.a1): "1.按期偿还本息\n2. 全年不逾期\n",
    }
    read = _typed(tmp_path, edits)
    assert read.findings == []
    inds = read.unit.projects[0].indicators
    assert (inds[0].operator, inds[0].value, inds[0].unit, inds[0].raw_value) == ("≥", 80, "%", "≥８０％")
    assert (inds[1].operator, inds[1].value, inds[1].unit) == ("≥", 80, "%")
    assert (inds[2].operator, inds[2].value, inds[2].value_note) == ("≥", 80, "80%以上群众满意")
    assert inds[3].value == 100
    assert (inds[4].operator, inds[4].value) == ("定性", "资金使用与年初预算批复相符")
    assert (inds[5].level1, inds[5].level2) == ("效益指标", "社会效益指标")  # filled down from the row above
    p = read.unit.projects[0]
    assert p.spend_plan["3月底"] == 25 and p.spend_plan["6月底"] == 25
    assert p.goals == ["按期偿还本息", "全年不逾期"]


def test_percent_formatted_number_reads_as_stored_like_the_live_check(tmp_path):
    """A percent-formatted 0.25 (what typing "25%" into a General cell stores) reads 0.25: the live
    formulas cannot see formats, and both must mean the same by a cell (perfxl.live). Both flag it:
    the spend plan then no longer adds up to 100 (P01)."""
    L = ProjectLayout(HEBEI)
    value = Span(L.first_indicator_row + 2, L.columns.value).a1
    read = _typed(tmp_path, {(P1, value): 0.95, (P1, L.milestones[0].a1): 0.25},
                  formats={(P1, value): "0%", (P1, L.milestones[0].a1): "0.00%"})
    assert read.unit.projects[0].indicators[2].value == 0.95
    assert read.unit.projects[0].spend_plan["3月底"] == 0.25
    found = {(f.code, f.cell) for f in check_file(tmp_path / "typed.xlsx").report.findings}
    assert ("P01", L.milestones[0].a1) in found


def test_percent_text_in_spend_plan_and_value_reads_as_percent_points(tmp_path):
    L = ProjectLayout(HEBEI)
    value = Span(L.first_indicator_row + 2, L.columns.value).a1
    read = _typed(tmp_path, {(P1, value): "９５％", (P1, L.milestones[0].a1): "25%"})
    ind = read.unit.projects[0].indicators[2]
    assert (ind.value, ind.unit) == (95, "%") and read.unit.projects[0].spend_plan["3月底"] == 25


def test_blank_rows_skipped_and_nothing_dropped(tmp_path):
    L = ProjectLayout(HEBEI)
    far = L.indicator_rows[-1]
    c = L.columns
    edits = {(P1, Span(far, col).a1): v for col, v in ((c.level1, "产出指标"), (c.level2, "数量指标"),
                                                       (c.name, "新增指标"), (c.operator, "≥"), (c.value, 1),
                                                       (c.unit, "个"))}
    edits[(P1, Span(far - 1, c.explanation).a1)] = "只写了说明"
    read = _typed(tmp_path, edits)
    names = [i.name for i in read.unit.projects[0].indicators]
    assert names[-2:] == ["", "新增指标"] and len(names) == 9  # an explanation-only row is kept, not dropped
    assert "I03" in {f.code for f in check_file(tmp_path / "typed.xlsx").report.findings}


# ---------------------------------------------------------------- structure and identity

def _edit(tmp_path, fn, data=None):
    src = perfxl.write_workbook(unit_from_dict(data or clean()), HEBEI, tmp_path)
    wb = load_workbook(src)
    fn(wb)
    out = tmp_path / "edited.xlsx"
    wb.save(out)
    return check_file(out)


def codes(checked):
    return [(f.code, f.sheet, f.cell) for f in checked.report.findings if f.code.startswith("S")]


def test_sheet_deleted_or_renamed(tmp_path):
    from perfxl.check import annotate

    checked = _edit(tmp_path, lambda wb: wb.remove(wb["2.土地成本核算专项"]))
    assert codes(checked) == [("S07", "2.土地成本核算专项", None)]
    # The return gives the unit every issued project back, the deleted one empty, under its own name.
    assert [p.code for p in checked.unit.projects] == ["13081123P008047100028", "13081123P0054FF100030"]
    returned = load_workbook(annotate(checked, tmp_path / "r"))
    assert "2.土地成本核算专项" in returned.sheetnames and returned["2.土地成本核算专项"]["C4"].value == 30
    got = codes(_edit(tmp_path, lambda wb: setattr(wb["2.土地成本核算专项"], "title", "审计")))
    assert ("S07", "2.土地成本核算专项", None) in got and ("S07", "审计", None) in got


def test_rows_inserted(tmp_path):
    got = _edit(tmp_path, lambda wb: wb[P1].insert_rows(5))
    L = ProjectLayout(HEBEI)
    assert [(f.code, f.sheet, f.cell) for f in got.report.findings if f.code == "S07"] == [("S07", P1, L.goals_label.a1)]
    first, second = got.unit.projects
    # The shifted sheet is not misread: the project keeps its issued register values and nothing else.
    assert (first.code, first.name, first.funds.total, first.goals, first.indicators) == (
        "13081123P008047100028", "郭营子棚改本金利息", 100, [], [])
    assert len(second.indicators) == 4


def test_data_outside_input_area(tmp_path):
    got = codes(_edit(tmp_path, lambda wb: wb[P1].cell(60, 20, "多写的")))
    assert got == [("S07", P1, "T60")]


def test_locked_value_changed(tmp_path):
    L = ProjectLayout(HEBEI)
    got = _edit(tmp_path, lambda wb: wb[P1].__setitem__(L.total.a1, 500))
    assert codes(got) == [("S04", P1, L.total.a1)]
    s04 = got.report.findings[0]
    assert s04.value == "500" and "100" in s04.message
    assert got.unit.projects[0].funds.total == 100  # the model keeps the issued amount; the change is reported


def test_not_a_perfxl_workbook(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    wb.active["A1"] = "项目编码"
    wb.save(tmp_path / "own.xlsx")
    assert codes(check_file(tmp_path / "own.xlsx")) == [("S03", None, None)]


def test_hmac_workbook_needs_the_key(tmp_path):
    path = perfxl.write_workbook(unit_from_dict(clean()), HEBEI, tmp_path, key=b"k")
    assert codes(check_file(path, key=b"k")) == []
    (f,) = check_file(path).report.findings
    assert f.code == "S04" and "--key-file" in f.message


def test_other_framework_is_s05(tmp_path):
    path = perfxl.write_workbook(unit_from_dict(clean()), HEBEI, tmp_path)
    got = check_file(path, framework=perfxl.load_framework("mof-2021"))
    assert [f.code for f in got.report.findings if f.code.startswith("S")] == ["S05"]


# ---------------------------------------------------------------- the seed, as a reviewer reads it

SEED_EXPECTED = sorted([
    # 2022 written in 2023's goals: 征收科, 财务科 and the first two measures copied from last year.
    ("G03", DEPARTMENT_SHEET, "B8"), ("G03", DEPARTMENT_SHEET, "B10"),
    ("G03", DEPARTMENT_SHEET, "B16"), ("G03", DEPARTMENT_SHEET, "B17"),
    # Six quantitative indicators in each table give no 计量单位 (the seed writes it into the text).
    *[("I04", P1, f"G{r}") for r in (10, 11, 12, 13, 17, 18)],
    *[("I04", "2.土地成本核算专项", f"G{r}") for r in (10, 11, 12, 15, 17, 18)],
    # Project 2: placeholder left in the goal, the goal repeats 资金用途, the cost indicator says ≥30
    # while its note says 不超过, and its first indicator still describes project 1's loan.
    ("G02", "2.土地成本核算专项", "B8"), ("G05", "2.土地成本核算专项", "B8"),
    ("I07", "2.土地成本核算专项", "E12"), ("I08", "2.土地成本核算专项", "E12"),
    ("X02", "2.土地成本核算专项", "D10"),
    # Under 效益指标 both tables file process measures: 支出的合规性 and 项目完成情况 (issue 13).
    ("I18", P1, "C16"), ("I18", P1, "C17"), ("I18", "2.土地成本核算专项", "C14"), ("I18", "2.土地成本核算专项", "C15"),
])


def test_seed_gets_a_reviewers_findings(tmp_path):
    seed = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    path = perfxl.write_workbook(seed, HEBEI, tmp_path)
    checked = check_file(path)
    got = sorted((f.code, f.sheet, f.cell) for f in checked.report.findings)
    assert got == SEED_EXPECTED
    # Nothing that is right in the seed is flagged: funds, spend plans, codes, levels, satisfaction.
    assert not {f.code for f in checked.report.findings} & {"F01", "F02", "P01", "P02", "C01", "C02", "C03",
                                                             "I02", "I03", "I09", "I12", "S04", "S07"}
    # The same data checked as JSON names the same cells.
    json_checked = check_file(SAMPLES / "units" / "115001.json")
    assert sorted((f.code, f.sheet, f.cell) for f in json_checked.report.findings) == SEED_EXPECTED


def test_unknown_operator_is_reported_not_dropped(tmp_path):
    L = ProjectLayout(HEBEI)
    op = Span(L.first_indicator_row, L.columns.operator).a1
    read = _typed(tmp_path, {(P1, op): "约"})
    ind = read.unit.projects[0].indicators[0]
    assert ind.operator is None and ind.raw_operator == "约" and ind.value == 4
    (i04,) = [f for f in check_file(tmp_path / "typed.xlsx").report.findings if f.code == "I04"]
    assert i04.cell == op and "“约”无法识别" in i04.message


@pytest.mark.parametrize("typed, read", [
    ("2023.7", "2023-07"), ("2023年7月", "2023-07"), ("2023/07", "2023-07"),
    ("2023.7.1", "2023-07-01"), ("2023年7月31日", "2023-07-31"),      # the first and last day kept
    ("2023.7.0", "2023.7.0"), ("2023.7.32", "2023.7.32"),             # no such day: as typed, for G07
    ("2023.0", "2023.0"), ("2023.12", "2023-12"), ("2023.13", "2023.13"),
])
def test_a_month_of_the_period_is_read_in_the_schemas_spelling_only_when_it_is_one(typed, read):
    from perfxl.reader import _month

    assert _month(typed) == read
