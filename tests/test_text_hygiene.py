"""Text hygiene at every entry point (issue 11, attack 12).

Control characters from a register, a unit's JSON, an import or a returned workbook never reach the
XML of a workbook or a document; sheet and file names are what Excel and Windows accept (31 UTF-16
units, none of []:*?/\\ or control characters); no custom document property passes Office's 255
characters. Each entry point says what it removed, naming the row or the cell.
"""
from __future__ import annotations

import copy
import io
import re
import warnings
import zipfile
import xml.etree.ElementTree as ET

import pytest

import perfxl
from perfxl.importer import import_file
from perfxl.layout import IDENTITY_SHEET, ProjectLayout, project_sheet_names
from perfxl.model import Funds, Project, Unit, UnitData, unit_to_dict
from perfxl.reader import identity_of, load_grid, read_grid
from perfxl.register import load_register
from perfxl.render import document_filename, render_document
from perfxl.text import clean_text, needs_cleaning, truncate_utf16, utf16_len
from perfxl.writer import workbook_filename

from conftest import table_file

HEADER = ["单位编码", "单位名称", "主管部门编码", "主管部门名称", "项目编码", "项目名称", "预算数", "财政资金", "其他资金", "资金用途"]
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
NON_BMP = "\U00020000"  # 𠀀: one character, two UTF-16 units


def _unit(names: list[str], unit_name: str = "测试单位") -> UnitData:
    return UnitData(budget_year=2024, unit=Unit(code="101001", name=unit_name, department_name="主管\x07部门"),
                    projects=[Project(code=f"13081124P{i:012d}", name=n, funds=Funds(10, 10, 0), purpose="用途\x01说明")
                              for i, n in enumerate(names, start=1)])


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _assert_wellformed(data: bytes) -> dict[str, ET.Element]:
    """Every XML part parses, and none holds a raw control character."""
    roots = {}
    for name, body in _parts(data).items():
        if name.endswith((".xml", ".rels", ".vml")):
            roots[name] = ET.fromstring(body)  # raises ParseError on a raw \x07
            assert not CONTROL.search(body.decode("utf-8")), name
    return roots


def test_control_character_in_project_name_gives_a_wellformed_workbook(tmp_path, hebei):
    reg = table_file(tmp_path / "r.csv", [HEADER, ["101001", "单位\x07甲", "101", "部门", "13081124P000000000001",
                                                    "项目\x07名称", "10", "10", "0", "用\x1b途"]])
    units = load_register(reg, 2024).units
    assert units[0].projects[0].name == "项目名称"
    data = perfxl.render_workbook(units[0], hebei)
    _assert_wellformed(data)
    # and straight from a model that bypassed every entry point: the writer cleans what it writes
    _assert_wellformed(perfxl.render_workbook(_unit(["甲\x07乙", "丙\x00丁"], "单位\x07"), hebei))


def _sheet_refs(text: str) -> set[str]:
    return {m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')+)'!", text)}


@pytest.mark.parametrize("name", ["项目\t名称", "项目\r名称", "项目\r\n名称", "项目\n名称"])
def test_tab_or_cr_in_name_keeps_formulas_pointing_at_real_sheets(hebei, name):
    roots = _assert_wellformed(perfxl.render_workbook(_unit([name, "另一个"]), hebei))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    wb = roots["xl/workbook.xml"]
    sheets = {s.get("name") for s in wb.iterfind("m:sheets/m:sheet", ns)}
    assert "1.项目 名称" in sheets
    refs = set()
    for dn in wb.iterfind("m:definedNames/m:definedName", ns):
        refs |= _sheet_refs(dn.text or "")
    for part, root in roots.items():
        if part.startswith("xl/worksheets/sheet"):
            for f in root.iter(f"{{{ns['m']}}}f"):
                refs |= _sheet_refs(f.text or "")
    assert refs and refs <= sheets, refs - sheets


def test_sheet_name_counts_utf16_units(hebei):
    names = project_sheet_names([NON_BMP * 40, "甲" * 29 + NON_BMP * 3, NON_BMP * 40])
    for n in names:
        assert utf16_len(n) <= 31, n
        n.encode("utf-8")  # no half of a surrogate pair
    assert len({n.lower() for n in names}) == 3
    data = perfxl.render_workbook(_unit([NON_BMP * 40, NON_BMP * 40]), hebei)  # crashed the writer before
    _assert_wellformed(data)


def test_sheet_name_refuses_excel_characters_and_quotes():
    for n in project_sheet_names(["a[b]c:d*e?f/g\\h", "'x'", "名\x07称", "  "]):
        assert not re.search(r"[\[\]:*?/\\\x00-\x1f]", n) and not n.endswith("'"), n


def test_truncate_utf16_never_splits_a_pair():
    assert truncate_utf16("a" + NON_BMP, 2) == "a"
    assert truncate_utf16("a" + NON_BMP, 3) == "a" + NON_BMP


def test_clean_text_keeps_line_breaks_and_removes_control_characters():
    assert clean_text("一\r\n二\r三\x07\t四") == "一\n二\n三 四"
    assert clean_text("名\n称", name=True) == "名 称"
    assert not needs_cleaning("一\r\n二") and needs_cleaning("a\x07") and needs_cleaning("a\nb", name=True)


def test_render_with_control_characters_does_not_raise(seed_unit):
    unit = copy.deepcopy(seed_unit)
    unit.unit.name += "\x07"
    unit.projects[0].name += "\x0b"
    unit.projects[0].purpose = "用途\x1f"
    unit.projects[0].goals = ["目标\x00一"]
    unit.department_goals.overall = "总体\x08目标"
    data = render_document(unit, reviewer="审核\x07人")
    for name, body in _parts(data).items():
        if name.endswith(".xml"):
            ET.fromstring(body)
    assert "目标一" in _parts(data)["word/document.xml"].decode("utf-8")


def test_no_custom_property_over_255_with_150_projects(hebei):
    unit = _unit([f"项目{i}" for i in range(150)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # XlsxWriter warns for a property over Office's 255 characters
        data = perfxl.render_workbook(unit, hebei)
    root = ET.fromstring(_parts(data)["docProps/custom.xml"])
    props = {p.get("name"): "".join(p.itertext()) for p in root}
    assert all(utf16_len(v) <= 255 for v in props.values()), max(props.values(), key=len)
    assert props["perfxl.project_count"] == "150"
    import json
    parts = sorted((k for k in props if k.startswith("perfxl.project_codes.")), key=lambda k: int(k.rsplit(".", 1)[1]))
    assert [c for k in parts for c in json.loads(props[k])] == [p.code for p in unit.projects]
    # the identity sheet still holds the whole list, which is what the reader uses
    grid_ident = identity_of({IDENTITY_SHEET: _identity_rows(data)})
    assert grid_ident.project_codes == [p.code for p in unit.projects]


def _identity_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook
    ws = load_workbook(io.BytesIO(data), read_only=True)[IDENTITY_SHEET]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_few_projects_keep_the_old_project_codes_property(hebei):
    unit = _unit(["甲", "乙"])
    props = {p.get("name"): "".join(p.itertext())
             for p in ET.fromstring(_parts(perfxl.render_workbook(unit, hebei))["docProps/custom.xml"])}
    import json
    assert json.loads(props["perfxl.project_codes"]) == [p.code for p in unit.projects]


def test_register_control_character_is_reported_with_its_row(tmp_path):
    reg = table_file(tmp_path / "r.csv", [
        HEADER,
        ["101001", "单位甲", "101", "部门", "13081124P000000000001", "正常项目", "10", "10", "0", "用途"],
        ["101001", "单位甲", "101", "部门", "13081124P000000000002", "项目\x07二\t期", "10", "10", "0", "用\x1b途"],
    ])
    read = load_register(reg, 2024)
    assert [p.name for p in read.units[0].projects] == ["正常项目", "项目二 期"]
    assert read.units[0].projects[1].purpose == "用途"
    rows = [n for n in read.notes if "第 3 行" in n]
    assert rows and "项目名称" in rows[0] and "资金用途" in rows[0]
    assert not any("第 2 行" in n for n in read.notes)


def test_unit_json_with_control_character_is_refused_naming_the_path(seed_unit, tmp_path):
    data = unit_to_dict(seed_unit)
    data["projects"][1]["name"] += "\x07"
    data["projects"][0]["goals"][0] += "\x1b"
    with pytest.raises(perfxl.errors.UnitDataError) as e:
        perfxl.unit_from_dict(data, "u.json")
    assert "/projects/1/name" in str(e.value) and "/projects/0/goals/0" in str(e.value)
    data = unit_to_dict(seed_unit)
    data["projects"][0]["purpose"] = "第一行\r\n第二行"  # line breaks are text, not control characters
    assert perfxl.unit_from_dict(data).projects[0].purpose == "第一行\r\n第二行"


def test_check_of_unit_json_with_control_character_is_s01(seed_unit, tmp_path):
    import json
    data = unit_to_dict(seed_unit)
    data["unit"]["name"] += "\x07"
    path = tmp_path / "u.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    checked = perfxl.check_file(path)
    s01 = [f for f in checked.report.findings if f.code == "S01"]
    assert s01 and "/unit/name" in s01[0].message


def test_import_control_character_is_reported_with_its_row(tmp_path):
    path = table_file(tmp_path / "flat.csv", [
        ["单位名称", "项目名称", "一级指标", "二级指标", "三级指标", "指标值"],
        ["101001-单位", "项目\x07甲", "产出指标", "数量指标", "培训人次", "≥100人次"],
    ])
    result = import_file(path, budget_year=2024)
    assert result.units[0].projects[0].name == "项目甲"
    assert any("第 2 行" in p and ("控制字符" in p or "control" in p) for p in result.problems), result.problems


def test_reader_removes_control_characters_typed_into_input_cells_and_names_the_cell(tmp_path, seed_unit, hebei,
                                                                                    monkeypatch):
    path = tmp_path / "u.xlsx"
    path.write_bytes(perfxl.render_workbook(seed_unit, hebei))
    grid = load_grid(path)
    sheet = project_sheet_names([p.name for p in seed_unit.projects])[0]
    L = ProjectLayout(hebei)
    grid[sheet][L.goals.row][L.goals.col] = "1.完成\x07培训"
    read = read_grid(grid, str(path), framework=hebei)
    assert read.unit.projects[0].goals == ["完成培训"]
    assert (sheet, L.goals.a1) in read.control_cells
    assert read.notes() == [n for n in read.notes() if n.startswith(f"【{sheet} {L.goals.a1}】")] != []
    assert "控制字符" in read.notes()[0]
    monkeypatch.setenv("PERFXL_LANG", "en")
    assert read.notes()[0].startswith(f"[{sheet}!{L.goals.a1}]") and "control characters" in read.notes()[0]


def test_file_names_are_safe_for_windows(seed_unit):
    unit = copy.deepcopy(seed_unit)
    unit.unit.name = "单位\x07/名:称*" + "长" * 200
    unit.unit.code = "1/2\x07"
    for name in (workbook_filename(unit), document_filename(unit)):
        assert not re.search(r'[\\/:*?"<>|\x00-\x1f]', name), name
        assert len(name.encode("utf-8")) <= 255, name


def test_check_reports_control_characters_removed_from_a_return(tmp_path, seed_unit, hebei):
    """A control character typed into a return (stored as the OOXML escape _x0007_) is removed on reading,
    and the check report names the cell, in the table and in the JSON, so nothing changes silently."""
    import openpyxl
    from perfxl.report_out import report_table

    path = tmp_path / "u.xlsx"
    path.write_bytes(perfxl.render_workbook(seed_unit, hebei))
    wb = openpyxl.load_workbook(path)
    sheet = project_sheet_names([p.name for p in seed_unit.projects])[0]
    L = ProjectLayout(hebei)
    wb[sheet][L.goals.a1] = "1.完成_x0007_培训"
    wb.save(path)
    run = perfxl.check_paths([path])
    fr = run.report.files[0]
    assert fr.cleaned_cells == [(sheet, L.goals.a1)]
    assert fr.to_dict()["cleaned_cells"] == [{"sheet": sheet, "cell": L.goals.a1}]
    assert f"【{sheet} {L.goals.a1}】" in report_table(run.report, "zh")
