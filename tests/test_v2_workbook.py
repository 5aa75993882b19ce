"""The schema-v2 fields in the workbook (issue 13): department indicators, 实施期 with its goals and
indicators, funds by source, 项目属性 — each with its place in the layout, written with its dropdown or
check, read back in the schema's spelling, reported at its cell, exported (JSON → workbook → JSON is
the identity), shown by render and printed with the table. A framework declares which of them its table
carries: mof-2013 all of them, hebei-2023 and mof-2021 none (the seed's layout, cell for cell)."""
from __future__ import annotations

import io
from importlib import resources
import json
import subprocess
from datetime import date
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook

import perfxl
from perfxl.catalogue import FIELD_RULES
from perfxl.check import check_file, check_unit
from perfxl.errors import PerfxlError
from perfxl.layout import (DEPARTMENT_SHEET, INSTRUCTIONS_SHEET, DepartmentLayout, ProjectLayout, Span, V2_LABELS,
                           a1)
from perfxl.frameworks import framework_from_dict
from perfxl.model import Period, unit_from_dict, unit_to_dict
from perfxl.reader import read_workbook
from perfxl.render import render_document
from perfxl.writer import render_workbook, write_workbook

from conftest import INSTALL_PDFTOTEXT, SAMPLES, require_tool
from test_printing import _form_pages

MOF13 = perfxl.load_framework("mof-2013")
HEBEI = perfxl.load_framework("hebei-2023")
L = ProjectLayout(MOF13)
D = DepartmentLayout(MOF13)
P1, P2 = "1.高标准农田建设项目", "2.农村人居环境整治提升项目"


def sample() -> dict:
    return json.loads((SAMPLES / "frameworks" / "mof-2013.json").read_text("utf-8"))


def edge() -> dict:
    """The sample with the v2 fields at their edges: a day in 实施期, a source of the county level, a
    text amount, a 实施期 indicator with a text value, the department's 定性 indicator."""
    d = sample()
    p0, p1 = d["projects"]
    p1["period"] = {"start": "2023-03-15", "end": "2024-06"}
    p1["period_goals"] = ["两年内完成全部村庄整治"]
    p1["period_indicators"] = [dict(p0["period_indicators"][0], name="整治村庄累计数量", value="≥240个", unit="个",
                                    weight=None, value_type=None, direction=None)]
    del p1["period_indicators"][0]["weight"], p1["period_indicators"][0]["value_type"]
    del p1["period_indicators"][0]["direction"]
    p1["funds"]["sources"] = [{"source": "上年结转", "level": "县", "amount": "三百"}, {"source": "其他", "amount": None}]
    d["department_goals"]["indicators"].append(
        {"level1": "效益指标", "level2": "可持续影响指标", "name": "管护机制", "description": None, "operator": "定性",
         "value": "建立长效管护机制", "unit": None, "value_note": None, "basis": "其他标准", "value_type": "定性"})
    return d


def test_json_to_workbook_to_json_is_the_identity_for_every_v2_field(tmp_path):
    for i, data in enumerate((sample(), edge())):
        u = unit_from_dict(data)
        read = read_workbook(write_workbook(u, MOF13, tmp_path / str(i)), framework=MOF13)
        assert [f.code for f in read.findings] == []
        # as loaded: a value typed "≥240个" is ≥ 240 个 on both paths (model.interpret_value)
        assert unit_to_dict(read.unit) == unit_to_dict(u)
    assert unit_to_dict(u) != data and unit_to_dict(unit_from_dict(sample())) == sample()


def test_export_of_the_workbook_is_the_json_it_was_made_from(tmp_path):
    from perfxl.export import export_unit

    data = sample()
    exported, findings = export_unit(write_workbook(unit_from_dict(data), MOF13, tmp_path))
    assert findings == [] and exported == data



@pytest.mark.parametrize("start, end", [("2023-07-15", "2024-06-30"), ("2023-07-01", "2024-12-31"),
                                        ("2023-07-15", "2024-06")], ids=["days", "first-and-last", "one-day"])
def test_a_period_with_a_day_round_trips_through_the_workbook(tmp_path, start, end):
    from perfxl.export import export_unit

    data = sample()
    data["projects"][1]["period"] = {"start": start, "end": end}
    path = write_workbook(unit_from_dict(data), MOF13, tmp_path)
    assert load_workbook(path)[P2][L.period_start.a1].value == start  # written as the JSON's text
    exported, findings = export_unit(path)
    assert findings == [] and exported == data
    assert [f.code for f in check_file(path).report.findings] == []


def test_an_empty_period_round_trips_as_empty(tmp_path):
    """{"start": null, "end": null} is no 实施期: a workbook's two blank cells cannot tell it from none,
    so JSON → JSON and JSON → workbook → JSON give the same document (without the key)."""
    from perfxl.export import export_unit

    data = sample()
    data["projects"][1]["period"] = {"start": None, "end": None}
    u = unit_from_dict(data)
    assert u.projects[1].period is None and "period" not in unit_to_dict(u)["projects"][1]
    path = write_workbook(u, MOF13, tmp_path)
    ws = load_workbook(path)[P2]
    assert (ws[L.period_start.a1].value, ws[L.period_end.a1].value) == (None, None)
    exported, findings = export_unit(path)
    assert findings == [] and exported == unit_to_dict(u)
    assert unit_to_dict(unit_from_dict(exported)) == exported
    assert "G07" not in {f.code for f in check_file(path).report.findings}


def test_a_date_typed_with_a_day_is_read_with_it(tmp_path):
    path = _typed(tmp_path, {(P2, L.period_start.a1): date(2023, 7, 15), (P2, L.period_end.a1): "2024年6月30日"})
    p1 = read_workbook(path, framework=MOF13).unit.projects[1]
    assert (p1.period.start, p1.period.end) == ("2023-07-15", "2024-06-30")


def test_each_field_has_its_cell_label_and_validation(tmp_path):
    wb = load_workbook(write_workbook(unit_from_dict(sample()), MOF13, tmp_path))
    ws = wb[P1]
    at = lambda span: ws[span.a1].value  # noqa: E731
    assert (at(L.period_goals_label), at(L.attribute_label), at(L.period_label), at(L.period_to)) == (
        "实施期目标", "项目属性", "实施期", "至")
    assert (at(L.attribute), at(L.period_start), at(L.period_end)) == ("延续", "2022-01", "2024-12")
    assert at(L.goals_label) == "年度目标" and at(L.period_goals).startswith("1.三年累计建成")
    first = L.source_rows.start
    assert [ws.cell(first + 1, c + 1).value for c in L.SOURCE_COLUMNS.values()] == ["上级补助", "中央", 1800]
    assert ws[a1(L.period_header_row, 0)].value == "一级指标" and ws[L.period_title.a1].value == "实施期绩效指标"
    assert ws[a1(L.period_indicator_rows.start, 2)].value == "累计建成高标准农田面积"
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert rules[L.attribute.a1].formula1 == '"新增,延续"' and rules[L.attribute.a1].showErrorMessage
    start = rules[L.period_start.a1]
    # a date from 2000-01-01 to 2100-12-31 (Excel serials; "between" is the default, left out of the file)
    assert (start.type, start.operator, start.formula1, start.formula2) == ("date", None, "36526", "73415")
    col = lambda k: a1(first, L.SOURCE_COLUMNS[k]) + ":" + a1(L.source_rows.stop - 1, L.SOURCE_COLUMNS[k])  # noqa: E731
    assert rules[col("source")].formula1 == '"本级财政,上级补助,上年结转,其他"'
    assert rules[col("level")].formula1 == '"中央,省,市,县"'
    assert rules[col("amount")].type == "decimal" and rules[col("amount")].operator == "greaterThanOrEqual"
    assert rules[col("amount")].formula1 == "0"
    period_level2 = a1(L.period_indicator_rows.start, 1) + ":" + a1(L.period_indicator_rows.stop - 1, 1)
    assert "INDIRECT" in rules[period_level2].formula1  # the 二级 dropdown follows the row's (inherited) 一级
    dept = wb[DEPARTMENT_SHEET]
    assert dept[D.indicators_label.a1].value == "四、部门整体绩效指标"
    assert dept[a1(D.indicator_rows.start, 2)].value == "高标准农田建设面积"
    assert dept[a1(D.indicator_rows.start, dict(D.extra_columns)["weight"])].value == 30


def test_the_level2_dropdown_helper_of_a_period_row_holds_the_inherited_level1(tmp_path):
    data = sample()
    data["projects"][0]["period_indicators"][1]["level1"] = ""  # blank: same as above
    ws = load_workbook(write_workbook(unit_from_dict(data), MOF13, tmp_path), data_only=True)[P1]
    helper = [ws.cell(r + 1, 12).value for r in L.period_indicator_rows][:5]
    assert helper == ["产出指标", "产出指标", "效益指标", "效益指标", "效益指标"]


def test_the_level2_dropdown_helper_takes_the_row_above_when_its_level1_is_blank_after_recalculation(tmp_path):
    """The cached values above hold only until Excel recalculates: below the first row, each helper's
    formula must fall back on the helper of the row above for a blank 一级, not on its own cell."""
    data = sample()
    ws = load_workbook(write_workbook(unit_from_dict(data), MOF13, tmp_path))[P1]
    rows = list(L.period_indicator_rows)
    first = ws.cell(rows[0] + 1, 12).value
    assert first == f"=TRIM({a1(rows[0], 0)})"
    for r in rows[1:]:
        formula = ws.cell(r + 1, 12).value
        assert formula.startswith("=IF(") and f",{a1(r - 1, 11)}," in formula, (r, formula)


def test_only_the_annual_table_has_a_self_check_heading(tmp_path):
    """自查 marks are computed for the 年度 table only; the 实施期 and department tables are checked on
    receipt, so a 自查 heading over them would promise marks that never come."""
    wb = load_workbook(write_workbook(unit_from_dict(sample()), MOF13, tmp_path))
    check = L.columns.check
    assert wb[P1].cell(L.header_row + 1, check + 1).value == "自查"
    assert wb[P1].cell(L.period_header_row + 1, check + 1).value is None
    D = DepartmentLayout(MOF13)
    assert wb[DEPARTMENT_SHEET].cell(D.indicator_header_row + 1, check + 1).value is None


def test_the_self_check_column_of_the_period_and_department_tables_is_no_input(tmp_path):
    """Those tables have no 自查 (above): a value found in that column (a tool that unprotected the
    sheet) does not make an empty row an indicator, and is not typing outside the table either."""
    u = unit_from_dict(sample())
    n_period, n_dept = len(u.projects[0].period_indicators), len(u.department_goals.indicators)
    period_row, dept_row = list(L.period_indicator_rows)[n_period + 1], list(D.indicator_rows)[n_dept + 1]
    check = L.columns.check
    path = _typed(tmp_path, {(P1, a1(period_row, check)): "✓", (DEPARTMENT_SHEET, a1(dept_row, check)): "✓"})
    read = read_workbook(path, framework=MOF13)
    assert [f.code for f in read.findings] == []
    assert len(read.unit.projects[0].period_indicators) == n_period
    assert len(read.unit.department_goals.indicators) == n_dept


def test_hebei_and_mof_2021_keep_the_seed_layout_cell_for_cell():
    for fw in (HEBEI, perfxl.load_framework("mof-2021")):
        P, Q = ProjectLayout(fw), DepartmentLayout(fw)
        assert (P.header_row, P.indicator_rows.start, P.summary_title_row, P.print_last_row) == (8, 9, 30, 28)
        assert P.period_goals is None and P.attribute is None and P.source_rows == range(0)
        assert P.period_title is None and P.period_indicator_rows == range(0) and P.goals_heading == "绩效目标"
        assert Q.indicators_label is None and Q.footer_row == Q.measure_rows.stop + 1 == 24


def test_hebei_workbook_shows_nothing_of_the_v2_fields(tmp_path):
    wb = load_workbook(write_workbook(perfxl.load_unit(SAMPLES / "units" / "115001.json"), HEBEI, tmp_path))
    texts = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert not texts & set(V2_LABELS.values()) - {"至", "来源", "金额"}
    codes = {ws.cell(r, 1).value for ws in [wb[INSTRUCTIONS_SHEET]] for r in range(1, ws.max_row + 1)}
    assert "F01" in codes and not codes & set(FIELD_RULES)  # rules on fields hebei has not: not listed
    name = wb.sheetnames[2]
    assert wb[name].print_area == f"'{name}'!$A$1:$I$29"


def test_mof_2013_instructions_explain_the_fields_and_list_their_rules(tmp_path):
    ws = load_workbook(write_workbook(unit_from_dict(sample()), MOF13, tmp_path))[INSTRUCTIONS_SHEET]
    first = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert {"项目属性", "实施期", "资金来源", "部门整体绩效指标", "F04", "G07"} <= set(first)


# ---------------------------------------------------------------- what staff type, read in the schema's spelling

def _typed(tmp_path: Path, edits: dict[tuple[str, str], object], data: dict | None = None) -> Path:
    src = write_workbook(unit_from_dict(data or sample()), MOF13, tmp_path / "src")
    wb = load_workbook(src)
    for (sheet, ref), value in edits.items():
        wb[sheet][ref] = value
    out = tmp_path / "typed.xlsx"
    wb.save(out)
    return out


def test_typed_spellings_are_read_in_the_schemas(tmp_path):
    src = L.source_rows.start
    path = _typed(tmp_path, {(P1, L.attribute.a1): "延续项目", (P1, L.period_start.a1): date(2022, 1, 1),
                             (P1, L.period_end.a1): "2024年12月", (P2, L.period_start.a1): "２０２３.１",
                             (P2, L.period_end.a1): date(2023, 12, 31),
                             (P2, a1(src + 1, 1)): " 其他资金", (P2, a1(src + 1, 2)): "省级"})
    read = read_workbook(path, framework=MOF13)
    p0, p1 = read.unit.projects
    assert p0.attribute == "延续" and (p0.period.start, p0.period.end) == ("2022-01", "2024-12")
    assert (p1.period.start, p1.period.end) == ("2023-01", "2023-12-31")
    assert (p1.funds.sources[1].source, p1.funds.sources[1].level) == ("其他", "省")
    assert check_file(path).report.findings == []


@pytest.mark.parametrize("edits, code, cell", [
    ({(P1, L.attribute.a1): "重点"}, "G07", L.attribute.a1),                      # not 新增/延续
    ({(P1, L.period_start.a1): "明年"}, "G07", L.period_start.a1),                # not a month
    ({(P1, L.period_end.a1): None}, "G07", L.period_end.a1),                      # half filled
    ({(P1, L.period_end.a1): "2021-12"}, "G07", L.period_end.a1),                 # ends before it starts
    ({(P2, L.period_start.a1): "2024-01", (P2, L.period_end.a1): "2024-12"}, "G07", L.period_start.a1),  # not 2023
    ({(P1, a1(L.source_rows.start, 3)): 1700}, "F04", a1(L.sources_header_row, 3)),   # 2900 ≠ 3000
    ({(P1, a1(L.source_rows.start, 1)): "专项债"}, "F04", a1(L.source_rows.start, 1)),  # not a source
    ({(P1, a1(L.source_rows.start, 2)): "乡"}, "F04", a1(L.source_rows.start, 2)),      # not a level
    ({(P1, a1(L.source_rows.start, 3)): "一千八"}, "F02", a1(L.source_rows.start, 3)),  # not a number
    ({(P1, a1(L.source_rows.start, 3)): -1800}, "F02", a1(L.source_rows.start, 3)),     # negative
])
def test_each_v2_fault_is_reported_at_its_cell(tmp_path, edits, code, cell):
    sheet = next(iter(edits))[0]
    found = [(f.code, f.sheet, f.cell) for f in check_file(_typed(tmp_path, edits)).report.findings]
    assert (code, sheet, cell) in found, found
    if code in ("F04", "G07"):  # one fault, one finding of these codes
        assert [f for f in found if f[0] in ("F04", "G07")] == [(code, sheet, cell)], found


def test_json_with_the_same_faults_gets_the_same_findings(tmp_path):
    """The JSON path reports them at the cells the workbook made from it would hold them."""
    data = sample()
    data["projects"][0]["funds"]["sources"][0]["amount"] = 1700
    data["projects"][1]["period"] = {"start": "2024-01", "end": "2023-12"}
    src = tmp_path / "unit.json"
    src.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    on_json = sorted((f.code, f.sheet, f.cell) for f in check_file(src).report.findings)
    assert on_json == sorted([("F04", P1, a1(L.sources_header_row, 3)), ("G07", P2, L.period_end.a1)])
    book = write_workbook(unit_from_dict(data), MOF13, tmp_path / "book")
    assert sorted((f.code, f.sheet, f.cell) for f in check_file(book).report.findings) == on_json


# ---------------------------------------------------------------- the other indicator tables

def _findings(data: dict) -> list[tuple]:
    return [(f.code, f.sheet, f.cell, f.project_code) for f in check_unit(unit_from_dict(data), MOF13)]


def test_row_rules_hold_in_the_period_and_department_tables():
    data = sample()
    period = data["projects"][0]["period_indicators"]
    period[0].update(level2="社会效益指标")                       # I02
    period[1].update(name=period[0]["name"])                      # I10 within the table
    dept = data["department_goals"]["indicators"]
    dept[0].update(operator=None, value="逐步提高")                 # declared 定量: I04 and I05 (and G04)
    first, row = L.period_indicator_rows.start, D.indicator_rows.start
    found = _findings(data)
    code = data["projects"][0]["code"]
    assert ("I02", P1, a1(first, 1), code) in found and ("I10", P1, a1(first + 1, 2), code) in found
    assert {("I04", a1(row, 4)), ("I05", a1(row, 5)), ("G04", a1(row, 5))} <= {(c, cell) for c, s, cell, pc in found
                                                                               if s == DEPARTMENT_SHEET and pc is None}


def test_a_name_used_in_the_annual_and_the_period_table_is_no_duplicate():
    data = sample()
    assert data["projects"][0]["period_indicators"][1]["name"] == data["projects"][0]["indicators"][2]["name"]
    assert _findings(data) == []


def test_other_years_belong_in_the_period_but_not_in_the_annual_tables():
    data = sample()
    data["projects"][0]["period_goals"] = ["到2024年累计建成6万亩"]
    data["projects"][0]["period_indicators"][0]["value_note"] = "2022-2024年累计"
    data["department_goals"]["indicators"][0]["value_note"] = "2024年6月前完成"
    assert [(c, s, cell) for c, s, cell, _ in _findings(data)] == [("G03", DEPARTMENT_SHEET, a1(D.indicator_rows.start, 7))]


def test_period_weights_add_up_per_table():
    data = sample()
    data["projects"][0]["period_indicators"][0]["weight"] = 30
    found = _findings(data)
    assert found == [("I19", P1, a1(L.period_indicator_rows.start, dict(L.extra_columns)["weight"]),
                      data["projects"][0]["code"])]


def test_a_warning_explained_on_a_period_row_is_explained(tmp_path):
    first = L.period_indicator_rows.start
    path = _typed(tmp_path, {(P1, a1(first, 5)): 101, (P1, a1(first, 6)): "%",
                             (P1, a1(first, 9)): "含跨年度续建面积"})
    (f,) = [f for f in check_file(path).report.findings if f.code == "I06"]
    assert f.cell == a1(first, 5) and f.explained and f.explanation == "含跨年度续建面积"


def test_a_moved_block_is_s07_not_misread(tmp_path):
    path = _typed(tmp_path, {(P1, L.sources_label.a1): "资金"})
    found = [(f.code, f.sheet, f.cell) for f in read_workbook(path, framework=MOF13).findings]
    assert ("S07", P1, L.sources_label.a1) in found


def test_more_rows_than_the_template_has_are_refused_by_name():
    data = sample()
    data["projects"][0]["funds"]["sources"] *= 2  # 6 sources, 5 rows
    data["department_goals"]["indicators"] *= 3   # 12, 10 rows
    with pytest.raises(PerfxlError) as e:
        render_workbook(unit_from_dict(data), MOF13)
    assert "资金来源有 6 项，模板只有 5 行" in str(e.value) and "部门整体绩效指标有 12 个，模板只有 10 行" in str(e.value)


def test_a_framework_declaring_one_field_gets_only_its_block(tmp_path):
    d = json.loads(resources.files("perfxl.templates").joinpath("frameworks", "hebei-2023.json").read_text("utf-8"))
    d["fields"] = ["attribute"]
    fw = framework_from_dict(d)
    P = ProjectLayout(fw)
    assert P.facts_row == 8 and P.attribute == Span(8, 1) and P.period_start is None and P.header_row == 9
    u = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    u.projects[0].attribute = "新增"
    read = read_workbook(write_workbook(u, fw, tmp_path), framework=fw)
    assert read.unit.projects[0].attribute == "新增" and read.findings == []
    with pytest.raises(PerfxlError, match="实施期"):  # a field it does not declare is still refused by name
        u.projects[0].period = Period("2023-01", "2023-12")
        render_workbook(u, fw)


# ---------------------------------------------------------------- render

def test_render_shows_the_v2_fields():
    u = unit_from_dict(edge())
    doc = docx.Document(io.BytesIO(render_document(u)))
    texts = [p.text for p in doc.paragraphs]
    assert "四、部门整体绩效指标" in texts and "实施期绩效指标" in texts and "年度绩效指标" in texts
    dept_table, goal_table = doc.tables[0], doc.tables[1]
    assert [c.text for c in dept_table.rows[1].cells][2] == "高标准农田建设面积"
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in goal_table.rows}
    assert rows["年度目标"][1].startswith("1.完成高标准农田建设") and rows["实施期目标"][1].startswith("1.三年累计")
    assert "延续" in rows["项目属性"] and "2022年1月至2024年12月" in rows["项目属性"]
    assert rows["资金来源"][1].split("\n") == ["上级补助（中央）：1800.00", "上级补助（省）：600.00", "本级财政：600.00"]
    second = [t for t in doc.tables if len(t.rows) > 1 and t.rows[1].cells[0].text == "项目编码"][1]
    facts = {r.cells[0].text: [c.text for c in r.cells] for r in second.rows}
    assert "2023年3月15日至2024年6月" in facts["项目属性"]
    assert facts["资金来源"][1].split("\n") == ["上年结转（县）：三百", "其他："]


def test_render_contents_lists_the_department_indicators():
    xml = docx.Document(io.BytesIO(render_document(unit_from_dict(sample())))).element.xml
    targets = [p.text for p in docx.Document(io.BytesIO(render_document(unit_from_dict(sample())))).paragraphs
               if p._p.xpath("./w:bookmarkStart")]
    assert targets[:6] == ["第一部分\n部门整体绩效目标", "一、总体绩效目标", "二、分项绩效目标", "三、工作保障措施",
                           "四、部门整体绩效指标", "第二部分\n预算项目绩效目标"]
    assert xml.count("PAGEREF") == len(targets) == 8


# ---------------------------------------------------------------- print and the live check

def test_the_extra_columns_print_beside_the_table_and_the_helpers_do_not(tmp_path):
    wb = load_workbook(write_workbook(unit_from_dict(sample()), MOF13, tmp_path))
    for name, last in ((P1, L.print_last_row), (DEPARTMENT_SHEET, D.print_last_row)):
        ws = wb[name]
        cols = [c for _, c in L.extra_columns]
        assert ws.print_area == f"'{name}'!${a1(0, cols[0])[:2]}$1:${a1(0, cols[-1])[:2]}${last + 1}"
        assert ws.print_title_cols.replace("$", "") == "A:I"
        hidden = [(d.min, d.max) for d in ws.column_dimensions.values() if d.hidden]
        assert any(lo <= 12 and hi >= 43 for lo, hi in hidden)  # the helpers L..AQ (1-based 12..43)


def test_printed_pages_show_the_extra_columns_with_the_table(tmp_path, soffice):
    pdftotext = require_tool("pdftotext", INSTALL_PDFTOTEXT)
    src = write_workbook(unit_from_dict(sample()), MOF13, tmp_path)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'p'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=300)
    text = subprocess.run([pdftotext, "-layout", str(src.with_suffix(".pdf")), "-"], capture_output=True, text=True,
                          check=True).stdout
    heads = [line.split() for line in text.splitlines() if "一级指标" in line and "指标值确定依据" in line]
    assert len(heads) >= 5 and all(h[-3:] == ["指标值类型", "权重", "指标方向"] for h in heads)
    pages = text.split("\f")
    forms = [pages[i].replace(" ", "") for i in _form_pages(pages)]
    assert any("实施期绩效指标" in p for p in forms) and any("四、部门整体绩效指标" in p for p in forms)
    assert not [p for p in forms if "自查" in p or "出错说明" in p]


def test_live_check_knows_a_declared_quantitative_value(tmp_path, soffice):
    """A value declared 定量 that is text: ✗ I05 in the workbook as in check, after LibreOffice recalculates
    (without the declared type, text with no operator is a 定性 value: no mark)."""
    from test_live import assert_live_equals_check, marks_of, recalculated

    r = L.first_indicator_row
    kind = dict(L.extra_columns)["value_type"]
    edits = {(P1, a1(r, 4)): None, (P1, a1(r, 5)): "稳步提高",              # declared 定量: I04, I05
             (P1, a1(r + 1, 4)): "定性", (P1, a1(r + 1, 5)): "良好",        # declared 定量, 符号 定性: I05
             (P1, a1(r + 2, 4)): None, (P1, a1(r + 2, 5)): "按期", (P1, a1(r + 2, kind)): None}  # not declared
    seen = recalculated(soffice, _typed(tmp_path, edits), tmp_path / "lo")
    marks = marks_of(seen, P1)
    assert "I05" in marks[r] and "I05" in marks[r + 1] and marks[r + 2] == "✓"
    assert_live_equals_check(seen, MOF13)


def test_a_rendered_document_imports_back_with_its_v2_fields():
    """render writes the v2 fields; import of that document (last year's, next year) reads them back."""
    from perfxl.importer import import_docx

    u = unit_from_dict(sample())
    result = import_docx(render_document(u), framework="mof-2013")
    assert result.problems == []
    back = result.units[0]
    assert unit_to_dict(back)["projects"][0]["funds"] == unit_to_dict(u)["projects"][0]["funds"]
    for got, want in zip(back.projects, u.projects):
        assert (got.attribute, got.period, got.period_goals, got.goals) == (want.attribute, want.period,
                                                                          want.period_goals, want.goals)
        assert [(i.name, i.value, i.weight) for i in got.period_indicators] == [
            (i.name, i.value, i.weight) for i in want.period_indicators]
        assert len(got.indicators) == len(want.indicators)  # the 实施期 table is not added to the 年度 one
    assert [(i.name, i.weight) for i in back.department_goals.indicators] == [
        (i.name, i.weight) for i in u.department_goals.indicators]


def test_summary_cells_of_the_v2_fields():
    from perfxl.model import indicator_tables, v2_indicator_cells, v2_project_cells

    u = unit_from_dict(edge())
    assert v2_project_cells(u.projects[0]) == ("延续", "2022-01至2024-12",
                                               "上级补助（中央）1800；上级补助（省）600；本级财政600",
                                               "1.三年累计建成高标准农田6万亩\n2.项目区粮食综合生产能力提高10%以上")
    assert v2_project_cells(u.projects[1])[1:3] == ("2023-03-15至2024-06", "上年结转（县）三百；其他")
    tables = [(name, p.code if p else None, len(inds)) for name, p, inds in indicator_tables(u)]
    assert tables == [("年度", u.projects[0].code, 8), ("实施期", u.projects[0].code, 4), ("年度", u.projects[1].code, 6),
                      ("实施期", u.projects[1].code, 1), ("部门整体", None, 5)]
    assert v2_indicator_cells("部门整体", u.department_goals.indicators[0]) == ("部门整体", "定量", 30, "正向")


def test_typing_in_the_extra_columns_outside_the_tables_is_s07(tmp_path):
    weight = dict(L.extra_columns)["weight"]
    path = _typed(tmp_path, {(P1, a1(L.facts_row, weight)): 50, (DEPARTMENT_SHEET, a1(3, weight)): "x"})
    found = [(f.code, f.sheet, f.cell) for f in read_workbook(path, framework=MOF13).findings]
    assert ("S07", P1, a1(L.facts_row, weight)) in found and ("S07", DEPARTMENT_SHEET, a1(3, weight)) in found


def test_the_v2_workbook_its_annotated_return_and_document_are_valid_ooxml(tmp_path):
    from perfxl.check import annotate

    from test_ooxml_valid import assert_valid

    data = sample()
    data["projects"][0]["funds"]["sources"][0]["amount"] = 1700           # F04 on the 资金来源 block
    data["department_goals"]["indicators"][0]["value"] = "逐步提高"          # I05, G04 in the department table
    book = write_workbook(unit_from_dict(data), MOF13, tmp_path / "book")
    marked = annotate(check_file(book), tmp_path / "out")
    wb = load_workbook(marked)
    assert wb[P1][a1(L.sources_header_row, 3)].comment is not None  # the finding lands on its cell
    assert wb[DEPARTMENT_SHEET][a1(D.indicator_rows.start, 5)].comment is not None
    doc = tmp_path / "doc.docx"
    doc.write_bytes(render_document(unit_from_dict(data)))
    assert_valid([book, marked, doc])
