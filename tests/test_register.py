import pytest

import perfxl

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
        (P1, 5295, 5295, None), (P2, 30, 20, 10)]
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
        (P1, "郭营子棚改本金利息", 5295, 5295, None, "用于归还棚改贷款"),
        (P2, "土地成本核算专项", 30, 30, None, "按协议支付审计费")]
