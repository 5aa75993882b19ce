"""Importing last year's documents and flat exports; carrying goals forward into this year's templates."""
import json

import pytest
from click.testing import CliRunner

import perfxl
from perfxl.check import check_file
from perfxl.cli import main
from perfxl.generate import carry_forward
from perfxl.importer import import_document_text, import_file
from perfxl.model import unit_to_dict

from conftest import SAMPLES, SHARED, require_shared, table_file

SEED_TEXT = SHARED / "seed" / "000_8edb4e5fb5a34cb8.txt"


@pytest.fixture
def seed_text():
    return require_shared("seed", SEED_TEXT.name)


def test_seed_text_imports_completely(seed_text):
    result = import_file(seed_text)
    assert result.problems == []
    (unit,) = result.units
    data = unit_to_dict(unit)
    expected = json.loads((SAMPLES / "units" / "115001.json").read_text("utf-8"))
    expected["unit"].pop("department_code")  # the document does not say it; nothing is invented
    assert data == expected
    # The same, spelled out where a regression would hurt most.
    assert (unit.budget_year, unit.unit.code, unit.unit.name) == (2023, "115001", "承德高新技术产业开发区土地收购储备中心本级")
    assert [s.name for s in unit.department_goals.sections] == ["综合科", "征收科", "收储科", "财务科"]
    assert unit.department_goals.sections[1].goal.startswith("征收科2022年完成京沈客专征地扫尾工作.依据")
    assert len(unit.department_goals.measures) == 5
    assert unit.department_goals.measures[0].startswith("成立组织、加强领导。为确保2022年单位各项重点工作如期完成")
    p1, p2 = unit.projects
    assert (p1.code, p1.name, p1.funds.total, p1.funds.fiscal, p1.funds.other, p1.purpose) == (
        "13081123P008047100028", "郭营子棚改本金利息", 5295, 5295, None, "用于归还棚改贷款")
    assert p1.spend_plan == {"3月底": 20, "6月底": 30, "10月底": 30, "12月底": 20}
    assert p2.spend_plan == {"3月底": 50, "6月底": 50, "10月底": None, "12月底": None}
    assert p2.goals == ["目标内容1按协议支付审计费"]
    assert [len(p.indicators) for p in unit.projects] == [9, 9]
    last = p1.indicators[-1]
    assert (last.level1, last.level2, last.name, last.operator, last.value, last.value_note, last.basis) == (
        "满意度指标", "服务对象满意度指标", "服务对象满意度", "≥", 80, "80%以上群众满意", "服务对象满意程度")
    assert p1.indicators[1].level1 == "产出指标"  # the merged 一级 cell filled down


def test_unparseable_parts_are_reported_with_their_place(seed_text):
    text = seed_text.read_text("utf-8").replace("\t≥80按季度支付资金80%以上", "\t80-90%按季度支付")
    text = text.replace("\t5295.00\n", "\t五千余\n", 1)
    result = import_document_text(text)
    lines = text.splitlines()
    range_line = next(i for i, l in enumerate(lines, start=1) if l == "\t80-90%按季度支付")
    assert any(p.startswith(f"第 {range_line} 行：指标值“80-90%按季度支付”无法拆分") for p in result.problems)
    assert any("预算数“五千余”不是数字" in p for p in result.problems)
    assert result.units[0].projects[0].funds.total == "五千余"  # kept as written, not guessed


FLAT_HEAD = ["单位名称", "项目名称", "预算数（元）", "年度目标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值",
             "度量单位", "权重", "指标方向性", "预算年度"]
FLAT = [
    FLAT_HEAD,
    ["820001-井研县马踏镇人民政府", "农村公路养护", 500000, "1.完成农村公路养护30公里", "产出指标", "数量指标", "养护里程",
     "定量", "30", "公里", 20, "正向指标", 2024],
    ["820001-井研县马踏镇人民政府", "农村公路养护", 500000, "1.完成农村公路养护30公里", "满意度指标", "服务对象满意度指标",
     "群众满意度", "定量", "≥90", "%", 10, "正向指标", 2024],
    ["820001-井研县马踏镇人民政府", "农村公路养护", 500000, "1.完成农村公路养护30公里", "效益指标", "社会效益指标",
     "通行条件", "定性", "明显改善", "", 10, "", 2024],
    ["820002-井研县集益镇人民政府", "村级组织运转", 120000, "保障村级组织正常运转", "产出指标", "成本指标", "运转经费",
     "定量", "12", "万元", 30, "反向指标", 2024],
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_flat_export_of_several_units(tmp_path, suffix):
    path = table_file(tmp_path / f"flat{suffix}", FLAT)
    result = import_file(path)
    assert [(u.unit.code, u.unit.name, u.budget_year, u.money_unit) for u in result.units] == [
        ("820001", "井研县马踏镇人民政府", 2024, "元"), ("820002", "井研县集益镇人民政府", 2024, "元")]
    road = result.units[0].projects[0]
    assert (road.name, road.funds.total, road.goals) == ("农村公路养护", 500000, ["完成农村公路养护30公里"])
    assert [(i.name, i.operator, i.value, i.unit) for i in road.indicators] == [
        ("养护里程", "≥", 30, "公里"), ("群众满意度", "≥", 90, "%"), ("通行条件", "定性", "明显改善", None)]
    assert result.units[1].projects[0].indicators[0].operator == "≤"  # 反向指标
    assert any("没有项目编码" in p for p in result.problems)  # the export has none; said, not invented
    for u in result.units:
        perfxl.model.validate_unit_dict(unit_to_dict(u))


def test_import_cli(tmp_path, seed_text):
    r = CliRunner().invoke(main, ["import", str(table_file(tmp_path / "f.csv", FLAT)), "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "out").glob("*.json")) == ["820001.json", "820002.json"]
    r = CliRunner().invoke(main, ["import", str(seed_text), "-o", str(tmp_path / "seed.json")])
    assert r.exit_code == 0 and "已导入 1 个单位、2 个项目、18 个指标" in r.output
    assert perfxl.load_unit(tmp_path / "seed.json").unit.code == "115001"
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"not a word file")
    r = CliRunner().invoke(main, ["import", str(junk), "-o", str(tmp_path / "x.json")])
    assert r.exit_code == 2 and "junk.docx" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(main, ["import", str(tmp_path / "none.txt"), "-o", str(tmp_path / "x.json")])
    assert r.exit_code == 2 and "不存在" in r.output


def _codes(findings):
    return sorted((f.code, f.sheet, f.cell) for f in findings)


def test_carry_forward_flags_what_a_year_change_should_flag(tmp_path, seed_text, hebei):
    last_year = tmp_path / "last"
    last_year.mkdir()
    (unit,) = import_file(seed_text).units
    (last_year / "115001.json").write_text(perfxl.dump_unit(unit), "utf-8")
    before = _codes(check_file(perfxl.write_workbook(unit, hebei, tmp_path / "2023")).report.findings)

    def this_year(roll: bool):
        r = CliRunner().invoke(main, ["template", str(SAMPLES / "register.xlsx"), "-o", str(tmp_path / f"2024-{roll}"),
                                      "--year", "2024", "--prefill", str(last_year)] + (["--roll-year"] if roll else []))
        assert r.exit_code == 0, r.output
        assert "单位 115001：2/2 个项目沿用上年目标与指标" in r.output
        (path,) = (tmp_path / f"2024-{roll}").glob("115001_*.xlsx")
        return check_file(path)

    checked = this_year(roll=False)
    carried = checked.unit
    assert [p.indicators for p in carried.projects] == [p.indicators for p in unit.projects]
    assert carried.department_goals.overall == unit.department_goals.overall
    new = sorted(set(_codes(checked.report.findings)) - set(before))
    gone = sorted(set(before) - set(_codes(checked.report.findings)))
    # 2023 is now last year: the overall goal's "2023年" is flagged; the spend plans are this year's to fill.
    assert new == [("G03", "部门整体绩效目标", "A4"), ("P01", "1.郭营子棚改本金利息", "B7"),
                   ("P01", "2.土地成本核算专项", "B7")]
    assert gone == []
    rolled = this_year(roll=True)
    assert rolled.unit.department_goals.overall.startswith("2024年高新区")
    assert "2022年" in rolled.unit.department_goals.sections[1].goal  # only last year's year is moved
    assert sorted(set(_codes(rolled.report.findings)) - set(before)) == [
        ("P01", "1.郭营子棚改本金利息", "B7"), ("P01", "2.土地成本核算专项", "B7")]


def test_carry_forward_only_continuing_projects():
    units = perfxl.read_register(SAMPLES / "register.xlsx", 2024)
    old = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    old.projects = old.projects[:1]
    notes = carry_forward(units, [old])
    seed = next(u for u in units if u.unit.code == "115001")
    assert seed.projects[0].indicators and not seed.projects[1].indicators
    assert seed.projects[0].funds.total == 5295  # this year's register figure
    assert "单位 115001：1/2 个项目沿用上年目标与指标" in notes
    assert sum("没有上年数据" in n for n in notes) == len(units) - 1


def test_render_then_import_docx_gives_the_same_json(tmp_path, hebei):
    from perfxl.importer import import_docx
    from perfxl.render import render_document

    seed = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    result = import_docx(render_document(seed))
    assert result.problems == []
    expected = unit_to_dict(seed)
    expected["unit"].pop("department_code")
    assert unit_to_dict(result.units[0]) == expected
    # And through the CLI: render from the filled workbook, import the .docx back.
    workbook = perfxl.write_workbook(seed, hebei, tmp_path)
    r = CliRunner().invoke(main, ["render", str(workbook), "-o", str(tmp_path / "seed.docx")])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["import", str(tmp_path / "seed.docx"), "-o", str(tmp_path / "again.json")])
    assert r.exit_code == 0, r.output
    again = json.loads((tmp_path / "again.json").read_text("utf-8"))
    assert again == expected


def test_render_unreadable_workbook_is_a_clean_error(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"")
    r = CliRunner().invoke(main, ["render", str(bad), "-o", str(tmp_path / "x.docx")])
    assert r.exit_code == 2 and "bad.xlsx" in r.output and "Traceback" not in r.output


def test_import_cli_counts_the_indicators_of_every_table(tmp_path):
    """A mof-2013 document has 实施期 and 部门整体 indicator tables besides the 年度 ones: the summary
    line counts all of them, as the JSON written holds them."""
    from perfxl.model import indicator_tables
    from perfxl.render import render_to_file

    unit = perfxl.load_unit(SAMPLES / "frameworks" / "mof-2013.json")
    every = sum(len(rows) for _, _, rows in indicator_tables(unit))
    assert every > sum(len(p.indicators) for p in unit.projects)  # the sample has the other tables
    doc = tmp_path / "doc.docx"
    render_to_file(unit, doc)  # the unit names its framework
    r = CliRunner().invoke(main, ["import", str(doc), "--framework", "mof-2013", "-o", str(tmp_path / "u.json")])
    assert r.exit_code == 0, r.output
    back = perfxl.load_unit(tmp_path / "u.json")
    assert f"{sum(len(rows) for _, _, rows in indicator_tables(back))} 个指标" in r.output
    assert f"{every} 个指标" in r.output
