"""What staff see after another office suite saved the workbook, and what the printed page shows."""
import subprocess

import pytest
from openpyxl import load_workbook

import perfxl
from perfxl.layout import DEPARTMENT_SHEET, INSTRUCTIONS_SHEET, DepartmentLayout, InstructionsLayout, ProjectLayout

from conftest import SAMPLES, libreoffice_convert
from workbook_assertions import assert_unit_workbook


@pytest.fixture(scope="module")
def seed_saved_by_lo(tmp_path_factory, soffice, hebei):
    seed = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    src = perfxl.write_workbook(seed, hebei, tmp_path_factory.mktemp("src"))
    return seed, src, libreoffice_convert(soffice, src, tmp_path_factory.mktemp("lo"))


def test_resaved_prefilled_workbook_keeps_everything(seed_saved_by_lo, hebei):
    seed, _, resaved = seed_saved_by_lo
    # LibreOffice drops the structure lock and turns very hidden into hidden (measured); the rest holds.
    assert_unit_workbook(resaved, seed, hebei, structure_locked=False)


def test_resaved_register_template(tmp_path, soffice, mof):
    unit = perfxl.read_register(SAMPLES / "register.xlsx", 2024, mof.id)[0]  # 8 projects, long names
    src = perfxl.write_workbook(unit, mof, tmp_path / "src")
    assert_unit_workbook(libreoffice_convert(soffice, src, tmp_path / "lo"), unit, mof, structure_locked=False)


def test_self_checks_compute(seed_saved_by_lo, hebei):
    """LibreOffice recalculates on load; its saved results show what staff see in the check cells."""
    seed, _, resaved = seed_saved_by_lo
    wb = load_workbook(resaved, data_only=True)
    L = ProjectLayout(hebei)
    p1 = wb["1.郭营子棚改本金利息"]
    assert p1[L.funds_check.a1].value.startswith("✓")
    assert p1[L.plan_sum.a1].value == 100 and p1[L.plan_check.a1].value.startswith("✓")
    # Six quantitative rows of the seed have no 计量单位; the three 定性 rows pass.
    units_missing = [ind for ind in seed.projects[0].indicators if ind.operator != "定性" and not ind.unit]
    checks = [p1.cell(r + 1, L.columns.check + 1).value for r in L.indicator_rows]
    assert checks.count("✗ I04 缺计量单位") == len(units_missing) == 6
    assert checks.count("✓") == 3 and checks.count("") + checks.count(None) == len(L.indicator_rows) - 9
    assert p1[L.status.a1].value == "有 6 处需修改"
    p2 = wb["2.土地成本核算专项"]
    assert p2[L.plan_check.a1].value.startswith("✓")  # 50 + 50 + blank + blank = 100
    dept = wb[DEPARTMENT_SHEET]
    assert dept[DepartmentLayout(hebei).status.a1].value == "自查通过"
    # 6 + 6 (project 2 also has six rows without 计量单位) + 0
    assert wb[INSTRUCTIONS_SHEET][InstructionsLayout().status.a1].value.startswith("有 12 处需修改")


def test_blank_template_self_checks(tmp_path, soffice, hebei):
    unit = perfxl.read_register(SAMPLES / "register.xlsx", 2023)[0]
    src = perfxl.write_workbook(unit, hebei, tmp_path / "src")
    wb = load_workbook(libreoffice_convert(soffice, src, tmp_path / "lo"), data_only=True)
    L = ProjectLayout(hebei)
    ws = wb.worksheets[2]
    marks = [ws.cell(r + 1, L.columns.check + 1).value for r in range(L.last_row)]
    # Empty spend plan, empty goals, no indicator at all → three ✗, as check reports them (P01, G01, I01).
    assert sorted(m for m in marks if m and m.startswith("✗")) == sorted(
        ["✗ P01 资金支出计划未填", "✗ G01 绩效目标未填", "✗ I01 未填写绩效指标"])
    assert ws[L.status.a1].value == "有 3 处需修改"
    n = len(unit.projects)
    assert wb[INSTRUCTIONS_SHEET][InstructionsLayout().status.a1].value.startswith(f"有 {3 * n + 1} 处需修改")


def test_pdf_of_prefilled_seed_shows_seed_tables(seed_saved_by_lo, soffice, pdftotext, tmp_path):
    seed, src, _ = seed_saved_by_lo
    pdf = libreoffice_convert(soffice, src, tmp_path, "pdf")
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    for heading in ("1.郭营子棚改本金利息绩效目标表", "2.土地成本核算专项绩效目标表", "项目编码", "项目名称",
                    "预算规模及资金用途", "资金支出计划（%）", "绩效目标", "一级指标", "二级指标", "三级指标",
                    "绩效指标描述", "指标值确定依据", "部门整体绩效目标", "一、总体绩效目标", "二、分项绩效目标",
                    "三、工作保障措施"):
        assert heading in flat, heading
    for value in ("115001承德高新技术产业开发区土地收购储备中心本级", "13081123P008047100028",
                  "13081123P0054FF100030", "5,295.00", "30.00", "用于归还棚改贷款", "1.按协议完成还款",
                  "财政拨入资金使用率", "服务对象满意度", "80%以上群众满意", "综合科", "财务科"):
        assert value in flat, value


def test_check_leaves_the_calc_sheets_unread_after_a_resave(seed_saved_by_lo):
    """LibreOffice keeps the calc sheets hidden (as "hidden"), so check still skips them and finds
    what it finds in the file as issued."""
    from perfxl.layout import LISTS_SHEET, calc_sheet_names
    from perfxl.reader import open_return

    seed, src, resaved = seed_saved_by_lo
    opened, _ = open_return(resaved)
    assert opened.unread_sheets == [LISTS_SHEET, *calc_sheet_names(len(seed.projects))]
    seen = lambda path: sorted((f.code, f.sheet or "", f.cell or "") for f in perfxl.check_file(path).report.findings)  # noqa: E731
    assert seen(resaved) == seen(src)
