import pytest

import perfxl
from perfxl.generate import templates_from_register
from perfxl.register import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, load_register

from conftest import SAMPLES, table_file

HEAD = ["单位编码", "单位名称", "主管部门编码", "主管部门名称", "项目编码", "项目名称", "预算数", "财政资金", "其他资金", "资金用途"]
P1 = "13081123P008047100028"
P2 = "13081123P0054FF100030"
P3 = "13081123P00AB0100101"


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_reads_units_and_projects(tmp_path, suffix):
    path = table_file(tmp_path / f"r{suffix}", [
        HEAD,
        ["115001", "土储中心本级", "115", "土储中心", P1, "郭营子棚改本金利息", 5295, 5295, None, "用于归还棚改贷款"],
        ["115001", "土储中心本级", "115", "土储中心", P2, "土地成本核算专项", "30.00", "20", "10", None],
        [108001, "教育局本级", "108", "教育局", P3 + "1", "学生资助", 12.5, 12.5, "", "资助"],
    ])
    units = perfxl.read_register(path, 2024)
    assert [u.unit.code for u in units] == ["115001", "108001"]  # a code typed as a number stays "108001"
    u = units[0]
    assert u.budget_year == 2024 and u.unit.department_code == "115"
    assert [(p.code, p.funds.total, p.funds.fiscal, p.funds.other) for p in u.projects] == [
        (P1, 5295, 5295, 0), (P2, 30, 20, 10)]  # a blank 其他资金 is 0
    assert units[1].projects[0].funds.other == 0
    assert u.projects[1].purpose is None and u.projects[0].purpose == "用于归还棚改贷款"


def test_gbk_csv(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(("\n".join(",".join(map(str, r)) for r in [
        HEAD, ["115001", "土储中心本级", "115", "土储中心", P1, "棚改", 1, 1, "", "还款"]]) + "\n").encode("gbk"))
    assert perfxl.read_register(path, 2024)[0].unit.name == "土储中心本级"


def test_bad_rows_all_reported_with_row_numbers(tmp_path):
    path = table_file(tmp_path / "bad.xlsx", [
        ["2024年项目清单"],  # a title row above the header is normal in office files
        HEAD,
        ["115001", "土储中心本级", "115", "土储中心", P1, "棚改", "五千", None, None, None],
        ["115001", "土储中心", "115", "土储中心", P2, "审计", 30, 30, None, None],
        ["115002", "", "115", "土储中心", P3 + "1", "x", -1, None, None, None],
        ["115003", "单位三", "115", "土储中心", P1, "重复项目", 1, 1, None, None],
        ["115004", "单位四", "115", "土储中心", P3 + "2", "合计不符", 10, 6, 3, None],
    ])
    with pytest.raises(perfxl.RegisterError) as e:
        perfxl.read_register(path, 2024)
    problems = e.value.problems
    text = "\n".join(problems)
    assert "第 3 行：预算数 '五千' 不是数字" in text
    assert "第 4 行：单位编码 115001 的单位名称" in text
    assert "第 5 行：单位名称 为空" in text and "第 5 行：预算数 为负数" in text
    assert f"第 6 行：项目编码 {P1} 与第 3 行重复" in text
    assert "第 7 行：预算数 10.00 ≠ 财政资金 + 其他资金 9.00" in text
    assert str(path) in str(e.value)


def test_missing_columns_and_files(tmp_path):
    with pytest.raises(perfxl.RegisterError, match="缺少列：项目名称、预算数"):
        perfxl.read_register(table_file(tmp_path / "a.csv", [["单位编码", "单位名称", "项目编码"], ["1", "2", "3"]]), 2024)
    with pytest.raises(perfxl.RegisterError, match="找不到表头"):
        perfxl.read_register(table_file(tmp_path / "b.csv", [["x", "y"], ["1", "2"]]), 2024)
    with pytest.raises(perfxl.RegisterError, match="文件不存在"):
        perfxl.read_register(tmp_path / "none.xlsx", 2024)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a spreadsheet at all")
    with pytest.raises(perfxl.RegisterError, match="无法作为表格读取"):
        perfxl.read_register(junk, 2024)
    with pytest.raises(perfxl.RegisterError, match="没有任何项目行"):
        perfxl.read_register(table_file(tmp_path / "c.csv", [HEAD]), 2024)


def test_sample_register():
    units = perfxl.read_register(SAMPLES / "register.xlsx", 2023)
    csv_units = perfxl.read_register(SAMPLES / "register.csv", 2023)
    assert units == csv_units
    assert len(units) >= 6 and sum(len(u.projects) for u in units) >= 25
    assert len({u.unit.department_code for u in units}) >= 2
    seed = next(u for u in units if u.unit.code == "115001")
    assert [(p.code, p.name, p.funds.total, p.funds.fiscal, p.funds.other, p.purpose) for p in seed.projects] == [
        (P1, "郭营子棚改本金利息", 5295, 5295, 0, "用于归还棚改贷款"),
        (P2, "土地成本核算专项", 30, 30, 0, "按协议支付审计费")]
    assert load_register(SAMPLES / "register.xlsx", 2023).notes == []  # the full format


def test_register_missing_required_columns_lists_them(tmp_path):
    """A missing required column refuses the file, naming what is missing and the whole format."""
    rows = [[h for h in HEAD if h not in ("预算数", "项目名称")],
            ["115001", "土储中心本级", "115", "土储中心", P1, 5295, None, "还款"]]
    with pytest.raises(perfxl.RegisterError) as e:
        perfxl.read_register(table_file(tmp_path / "r.xlsx", rows), 2024)
    (problem,) = e.value.problems
    assert "项目名称、预算数" in problem.split("（")[0]
    assert all(c in problem for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    assert str(tmp_path / "r.xlsx") in str(e.value)


def test_register_header_lists_required_and_optional_when_no_header(tmp_path):
    with pytest.raises(perfxl.RegisterError) as e:
        perfxl.read_register(table_file(tmp_path / "b.csv", [["x", "y"], ["1", "2"]]), 2024)
    assert "必需列" in str(e.value) and "可选列" in str(e.value) and "资金用途" in str(e.value)


@pytest.mark.parametrize("left_out", ["资金用途", "其他资金", "财政资金", "主管部门编码", "主管部门名称"])
def test_register_missing_optional_column_is_accepted_with_a_note(tmp_path, left_out):
    keep = [i for i, h in enumerate(HEAD) if h != left_out]
    row = ["115001", "土储中心本级", "115", "土储中心", P1, "棚改", 100, 100, None, "还款"]
    path = table_file(tmp_path / "r.xlsx", [[HEAD[i] for i in keep], [row[i] for i in keep]])
    read = load_register(path, 2024)
    (note,) = read.notes
    assert f"“{left_out}”" in note
    project = read.units[0].projects[0]
    assert (project.funds.total, project.funds.fiscal, project.funds.other) == (100, 100, 0)


def test_register_without_fiscal_column_takes_total_less_other(tmp_path):
    head = [h for h in HEAD if h != "财政资金"]
    path = table_file(tmp_path / "r.csv", [head, ["115001", "单位", "115", "部门", P1, "棚改", 100, 30, "还款"]])
    funds = load_register(path, 2024).units[0].projects[0].funds
    assert (funds.total, funds.fiscal, funds.other) == (100, 70, 30)


def test_register_unknown_column_is_noted_and_other_spelling_accepted(tmp_path):
    head = [h.replace("其他资金", "其它资金").replace("预算数", "预算数（万元）") for h in HEAD] + ["备注"]
    path = table_file(tmp_path / "r.csv", [head, ["115001", "单位", "115", "部门", P1, "棚改", 100, 80, 20, "还款", "x"]])
    read = load_register(path, 2024)
    assert read.units[0].projects[0].funds.other == 20
    assert len(read.notes) == 1 and "备注" in read.notes[0]


def test_register_blank_fiscal_is_refused(tmp_path):
    path = table_file(tmp_path / "r.xlsx", [HEAD, ["115001", "单位", "115", "部门", P1, "棚改", 100, None, 100, "还款"]])
    with pytest.raises(perfxl.RegisterError) as e:
        perfxl.read_register(path, 2024)
    assert any(p.startswith("第 2 行：财政资金 为空") for p in e.value.problems)


def test_register_blank_other_funds_is_locked_zero(tmp_path, hebei):
    """A blank 其他资金 reaches the template as a locked 0, not as a cell the unit could fill, and a
    returned template with that 0 passes F01/F03 against the register."""
    from openpyxl import load_workbook
    from perfxl.check import check_file
    from perfxl.layout import ProjectLayout

    path = table_file(tmp_path / "r.xlsx", [HEAD, ["115001", "单位", "115", "部门", P1, "棚改", 100, 100, None, "还款"]])
    result = templates_from_register(path, tmp_path / "out", budget_year=2024)
    (book,) = result.paths
    ws = load_workbook(book).worksheets[2]  # 填报说明, 部门整体绩效目标, then the project
    other = ws[ProjectLayout(hebei).other.a1.replace("$", "")]
    assert other.value == 0 and other.protection.locked
    register = {u.unit.code: u for u in perfxl.read_register(path, 2024)}
    assert not [f for f in check_file(book, register=register).report.findings if f.code in ("F01", "F02", "F03")]


def test_missing_optional_column_note_reaches_generate_result(tmp_path):
    head = [h for h in HEAD if h != "资金用途"]
    path = table_file(tmp_path / "r.xlsx", [head, ["115001", "单位", "115", "部门", P1, "棚改", 100, 100, None]])
    result = templates_from_register(path, tmp_path / "out", budget_year=2024)
    assert any("资金用途" in n for n in result.notes)
