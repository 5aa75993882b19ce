"""The budget system's flat export, in its real layout (samples/make_flat_export.py builds it with merged
cells as the system writes them): title year, 金额单位, department subtotal rows, blank (merged) cells
filled down, 指标性质 operators, weights and directions; .xlsx and .xls (LibreOffice converts the .xlsx),
and the one-row-per-project variant. Every row is imported or named in the notes with its row number."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
from perfxl.cli import main
from perfxl.importer import import_file
from perfxl.model import unit_to_dict, validate_unit_dict
from perfxl.samples.make_flat_export import EXPECTED, rows_and_merges, write_flat_export

from conftest import libreoffice_convert, table_file


def _imported(result, money_unit="万元"):
    """The import as the fixture's EXPECTED spells it (amounts in 万元)."""
    scale = Decimal(10000) if money_unit == "元" else Decimal(1)
    out = []
    for u in result.units:
        out.append({"code": u.unit.code, "name": u.unit.name, "department_code": u.unit.department_code,
                    "department_name": u.unit.department_name,
                    "projects": [{"name": p.name, "total_wan": float(Decimal(repr(p.funds.total)) / scale),
                                  "goals": "\n".join(f"{i}.{g}" if len(p.goals) > 1 else g
                                                     for i, g in enumerate(p.goals, 1)),
                                  "indicators": [(i.level1, i.level2, i.name,
                                                  "定性" if i.operator == "定性" else {"=": "="}.get(i.operator, i.operator),
                                                  str(i.value), i.unit or "", i.weight, i.direction or "")
                                                 for i in p.indicators]} for p in u.projects]})
    return out


def _expected():
    return [{**u, "projects": [{**p, "total_wan": float(p["total_wan"])} for p in u["projects"]]} for u in EXPECTED]


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("flat")
    return {(layout, unit): write_flat_export(folder / f"{layout}-{unit}.xlsx", layout, unit)
            for layout in ("indicator", "project") for unit in ("元", "千元", "万元")}


@pytest.mark.parametrize("layout", ["indicator", "project"])
@pytest.mark.parametrize("stated", ["元", "千元", "万元"])
def test_flat_export_gives_every_unit_project_and_indicator(exports, layout, stated):
    result = import_file(exports[(layout, stated)], money_unit="万元")
    assert _imported(result) == _expected()
    assert {u.budget_year for u in result.units} == {2023}  # from the title "…(2023年度)"
    assert {u.money_unit for u in result.units} == {"万元"}
    for u in result.units:
        validate_unit_dict(unit_to_dict(u))


def test_amounts_stay_in_the_stated_unit_when_the_json_can_hold_it(exports):
    result = import_file(exports[("indicator", "元")])
    assert {u.money_unit for u in result.units} == {"元"}
    assert result.units[0].projects[0].funds.total == 360000
    assert not any("换算" in p for p in result.problems)
    result = import_file(exports[("indicator", "千元")])  # the JSON has no 千元: 万元
    assert {u.money_unit for u in result.units} == {"万元"} and result.units[0].projects[0].funds.total == 36
    assert any(p.startswith("第 2 行") and "千元" in p for p in result.problems)


def test_subtotal_rows_are_recognised_and_reported_never_units(exports):
    result = import_file(exports[("indicator", "元")])
    rows, _ = rows_and_merges("indicator", "元")
    subtotal_rows = [n for n, r in enumerate(rows, 1) if r[1] is None and r[2] is not None and n > 3]
    assert subtotal_rows == [4, 21]
    for n in subtotal_rows:
        assert any(p.startswith(f"第 {n} 行") and "小计" in p for p in result.problems)
    assert [u.unit.code for u in result.units] == ["101002", "101003", "108001"]
    assert all(u.unit.code and u.unit.name for u in result.units)  # never a nameless unit (".json")


def test_every_row_is_imported_or_reported_with_its_number(exports):
    result = import_file(exports[("indicator", "元")])
    rows, _ = rows_and_merges("indicator", "元")
    indicator_rows = len(rows) - 3 - 2  # title, unit line, header; two subtotal rows
    assert sum(len(p.indicators) for u in result.units for p in u.projects) == indicator_rows
    assert all(re.match(r"^(第 \d+ 行|项目“)", p) for p in result.problems)


def test_operator_comes_from_indicator_nature_not_direction(exports):
    result = import_file(exports[("indicator", "元")])
    first = result.units[0].projects[0].indicators[0]
    assert (first.name, first.operator, first.direction, first.weight) == ("执法车辆维护台数", "=", "正向", 20)
    cost = result.units[0].projects[0].indicators[4]
    assert (cost.operator, cost.direction) == ("≤", "反向")
    qualitative = result.units[0].projects[0].indicators[5]
    assert (qualitative.operator, qualitative.value_type, qualitative.value) == ("定性", "定性", "保障执法车辆随时出勤")


def test_merged_blank_cells_fill_down_within_their_block(exports):
    """The second project of 101002 starts with its unit cell merged (blank): it stays in 101002."""
    _, merges = rows_and_merges("indicator", "元")
    assert (4, 0, 15, 0) in merges  # the unit cell of 101002 spans both of its projects
    wb = load_workbook(exports[("indicator", "元")])
    assert wb.active.cell(13, 1).value is None and wb.active.cell(13, 2).value == "违法建设治理专项经费"
    result = import_file(exports[("indicator", "元")])
    assert [p.name for p in result.units[0].projects] == ["城市管理综合执法车辆运行维护经费", "违法建设治理专项经费"]
    assert len(result.units[0].projects[0].indicators) == 8


@pytest.mark.parametrize("layout", ["indicator", "project"])
def test_xls_export_reads_like_the_xlsx(exports, layout, soffice, tmp_path):
    xls = libreoffice_convert(soffice, exports[(layout, "元")], tmp_path, "xls")
    assert xls.suffix == ".xls" and xls.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # a real BIFF file
    assert _imported(import_file(xls), "元") == _imported(import_file(exports[(layout, "元")]), "元") \
        == _expected()


def test_title_year_and_given_year(exports):
    assert import_file(exports[("indicator", "元")], budget_year=2024).units[0].budget_year == 2024
    result = import_file(exports[("indicator", "元")], budget_year=2024)
    assert any("2023" in p and "2024" in p for p in result.problems)  # the disagreement is said


def test_rows_without_unit_or_project_are_reported(tmp_path):
    head = ["单位名称", "项目名称", "预算数", "年度目标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"]
    rows = [["部门预算项目绩效目标申报表(2023年度)"], ["金额单位:万元"], head,
            [None, None, None, None, "产出指标", "数量指标", "孤立指标", "≥", "3", "个"],
            ["101002-综合行政执法局", "车辆运行", 36, "保障车辆运行", "产出指标", "数量指标", "车辆数", "≥", "12", "台"],
            [None, None, None, None, None, "质量指标", "完好率", "≥", "95", "%"],
            ["合计", None, 36, None, None, None, None, None, None, None],
            ["说明：本表由系统导出"]]
    result = import_file(table_file(tmp_path / "odd.xlsx", rows))
    notes = "\n".join(result.problems)
    assert "第 4 行" in notes and "第 7 行" in notes and "第 8 行" in notes
    (unit,) = result.units
    assert [(i.level2, i.name) for i in unit.projects[0].indicators] == [("数量指标", "车辆数"), ("质量指标", "完好率")]
    assert unit.projects[0].indicators[1].level1 == "产出指标"  # filled down from the row above


def test_declared_quantitative_text_is_not_turned_qualitative(tmp_path):
    head = ["单位名称", "项目名称", "预算数", "年度目标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"]
    rows = [["(2023年度)"], ["金额单位:万元"], head,
            ["101002-综合行政执法局", "车辆运行", 36, "保障车辆运行", "产出指标", "数量指标", "车辆数", "定量", "稳步提高", "台"]]
    result = import_file(table_file(tmp_path / "q.xlsx", rows))
    ind = result.units[0].projects[0].indicators[0]
    assert (ind.value_type, ind.operator, ind.value) == ("定量", None, "稳步提高")
    codes = {f.code for f in perfxl.check_unit(result.units[0], perfxl.load_framework())}
    assert {"I05", "G04"} <= codes


def test_older_layout_is_filed_the_frameworks_way(tmp_path):
    head = ["单位名称", "项目名称", "预算数", "年度目标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"]
    rows = [["(2023年度)"], ["金额单位:万元"], head,
            ["101002-综合行政执法局", "车辆运行", 36, "保障车辆运行", "效益指标", "服务对象满意度指标", "满意度", "≥", "90", "%"]]
    result = import_file(table_file(tmp_path / "old.xlsx", rows))
    assert result.units[0].projects[0].indicators[0].level1 == "满意度指标"
    assert any("满意度指标" in p and "效益指标" in p for p in result.problems)


def test_import_cli_writes_one_json_per_real_unit(exports, tmp_path):
    r = CliRunner().invoke(main, ["import", str(exports[("indicator", "元")]), "-o", str(tmp_path / "out"),
                                  "--money-unit", "万元"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["101002.json", "101003.json", "108001.json"]
    unit = perfxl.load_unit(tmp_path / "out" / "101002.json")
    assert unit.money_unit == "万元" and unit.projects[0].funds.total == 36 and unit.schema_version == 2
    assert "已导入 3 个单位、4 个项目、20 个指标" in r.output


@pytest.mark.parametrize("written, expected", [
    ("2023.07.15-2024.06.30", ("2023-07-15", "2024-06-30")),
    ("2023-07-15至2024-06-30", ("2023-07-15", "2024-06-30")),
    ("2023年7月15日至2024年6月30日", ("2023-07-15", "2024-06-30")),
    ("2023/07/01~2024/06", ("2023-07-01", "2024-06")),
    ("2023.07-2024.06", ("2023-07", "2024-06")),
    ("2023-2025", ("2023-01", "2025-12")),
])
def test_a_period_keeps_the_day_it_is_written_with(tmp_path, written, expected):
    head = ["单位名称", "项目名称", "预算数", "年度目标", "实施期", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"]
    rows = [["(2023年度)"], ["金额单位:万元"], head,
            ["101002-综合行政执法局", "车辆运行", 36, "保障车辆运行", written, "产出指标", "数量指标", "车辆数", "≥", "12", "台"]]
    result = import_file(table_file(tmp_path / "period.xlsx", rows))
    period = result.units[0].projects[0].period
    assert (period.start, period.end) == expected
    assert not [p for p in result.problems if "实施期" in p]
    validate_unit_dict(unit_to_dict(result.units[0]))  # the schema's 'YYYY-MM-DD'


@pytest.mark.parametrize("written", ["2023.02.30-2024.06.30", "2023.13-2024.01", "明年起"])
def test_a_period_that_is_no_date_is_reported_with_its_row(tmp_path, written):
    head = ["单位名称", "项目名称", "预算数", "年度目标", "实施期", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"]
    rows = [["(2023年度)"], ["金额单位:万元"], head,
            ["101002-综合行政执法局", "车辆运行", 36, "保障车辆运行", written, "产出指标", "数量指标", "车辆数", "≥", "12", "台"]]
    result = import_file(table_file(tmp_path / "bad.xlsx", rows))
    assert result.units[0].projects[0].period is None
    assert [p for p in result.problems if "实施期" in p and written in p and "第 4 行" in p]


def test_a_blank_period_is_no_period(tmp_path):
    head = ["单位名称", "项目名称", "预算数", "年度目标", "实施期", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"]
    rows = [["(2023年度)"], ["金额单位:万元"], head,
            ["101002-综合行政执法局", "车辆运行", 36, "保障车辆运行", None, "产出指标", "数量指标", "车辆数", "≥", "12", "台"]]
    result = import_file(table_file(tmp_path / "blank.xlsx", rows))
    assert result.units[0].projects[0].period is None and "period" not in unit_to_dict(result.units[0])["projects"][0]


def test_a_level1_a_variant_replaces_is_filed_as_the_variants_level2(tmp_path):
    """mof-2013 files 满意度 as the 二级 社会公众或服务对象满意度指标 under 效益指标: a table with 满意度指标 as
    a 一级 imported for it is filed so (no I02), and the move is noted."""
    head = ["单位名称", "项目名称", "预算数", "年度目标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"]
    rows = [["(2023年度)"], ["金额单位:万元"], head,
            ["101002-综合行政执法局", "车辆运行", 36, "保障车辆运行", "满意度指标", "服务对象满意度指标", "群众满意度", "≥", "90", "%"]]
    result = import_file(table_file(tmp_path / "new.xlsx", rows), framework="mof-2013")
    ind = result.units[0].projects[0].indicators[0]
    assert (ind.level1, ind.level2) == ("效益指标", "社会公众或服务对象满意度指标")
    assert any("满意度指标" in p and "社会公众或服务对象满意度指标" in p for p in result.problems)
    codes = {f.code for f in perfxl.check_unit(result.units[0], perfxl.load_framework("mof-2013"))}
    assert "I02" not in codes
