import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

import perfxl
from perfxl.integrity import load_key
from perfxl.layout import DEPARTMENT_SHEET, DepartmentLayout, ProjectLayout, project_sheet_names
from perfxl.reader import load_grid, verify_grid

from conftest import SAMPLES
from workbook_assertions import assert_unit_workbook

# Functions an Excel 2007 workbook may compute with (no dynamic arrays, nothing newer).
EXCEL_2007 = {"IF", "SUM", "COUNTIF", "COUNTA", "ABS", "N", "NOT", "ISNUMBER", "LEN", "TRIM", "OR", "AND",
              "LEFT", "INDIRECT", "MATCH",
              # the live checks (perfxl.live): text folding, number reading, lookups; IFERROR is new in 2007
              "SUBSTITUTE", "CHAR", "IFERROR", "INDEX", "SUMPRODUCT", "MAX", "MID", "RIGHT", "VALUE", "ISNA",
              "EXACT", "FIND", "UPPER", "LOWER", "ROUND", "TEXT",
              # the spend plan's validation (writer._percent_rule)
              "ISERROR",
              # the self-evaluation's scores (perfxl.selfeval_live)
              "COUNT", "MIN"}


@pytest.fixture(scope="module")
def register_units():
    return perfxl.read_register(SAMPLES / "register.xlsx", 2023, "hebei-2023")


@pytest.fixture(scope="module")
def templates(tmp_path_factory, register_units, hebei):
    out = tmp_path_factory.mktemp("templates")
    return perfxl.write_templates(register_units, hebei, out)


def test_one_workbook_per_unit_named_by_code(templates, register_units):
    assert len(templates) == len(register_units)
    for path, unit in zip(templates, register_units):
        assert path.name.startswith(unit.unit.code + "_") and path.suffix == ".xlsx"


def test_register_templates(templates, register_units, hebei):
    for path, unit in zip(templates, register_units):
        assert_unit_workbook(path, unit, hebei)


def test_blank_template_inputs_are_empty_and_funds_locked(templates, register_units, hebei):
    wb = load_workbook(templates[0])
    unit = register_units[0]
    L = ProjectLayout(hebei)
    ws = wb[project_sheet_names([p.name for p in unit.projects])[0]]
    assert all(ws[s.a1].value is None for s in L.milestones)
    assert ws[L.goals.a1].value is None
    assert ws[L.total.a1].protection.locked and ws[L.total.a1].value == unit.projects[0].funds.total


def test_prefilled_seed_workbook(tmp_path, seed_unit, hebei):
    path = perfxl.write_workbook(seed_unit, hebei, tmp_path)
    assert_unit_workbook(path, seed_unit, hebei)
    wb = load_workbook(path)
    L = ProjectLayout(hebei)
    names = project_sheet_names([p.name for p in seed_unit.projects])
    assert names == ["1.郭营子棚改本金利息", "2.土地成本核算专项"]
    ws = wb[names[0]]
    assert ws[L.title.a1].value == "1.郭营子棚改本金利息绩效目标表"
    assert ws[L.unit_line.a1].value == "115001承德高新技术产业开发区土地收购储备中心本级"
    assert [ws[s.a1].value for s in L.milestone_labels] == ["3月底", "6月底", "10月底", "12月底"]
    assert [ws[s.a1].value for s in L.milestones] == [20, 30, 30, 20]
    assert ws[L.goals.a1].value == "1.按协议完成还款"
    c = L.columns
    first = seed_unit.projects[0].indicators[0]
    r = L.first_indicator_row + 1
    row = {name: ws.cell(r, col + 1).value for name, col in c.items()}
    assert (row["level1"], row["level2"], row["name"], row["operator"], row["value"], row["value_note"]) == (
        first.level1, first.level2, first.name, "≥", 80, "财政拨入资金支付80%以上")
    qualitative = ws.cell(L.first_indicator_row + 5, c.value + 1)
    assert ws.cell(L.first_indicator_row + 5, c.operator + 1).value == "定性"
    assert qualitative.value == "资金使用与年初预算批复相符"
    wb2 = wb[names[1]]
    assert [wb2[s.a1].value for s in L.milestones] == [50, 50, None, None]
    D = DepartmentLayout(hebei)
    dept = wb[DEPARTMENT_SHEET]
    assert dept[D.overall.a1].value == seed_unit.department_goals.overall
    rows = list(D.section_rows)
    assert [dept[D.section_name(r).a1].value for r in rows[:5]] == ["综合科", "征收科", "收储科", "财务科", None]
    assert dept[D.measure(list(D.measure_rows)[0]).a1].value.startswith("成立组织、加强领导。")
    assert dept[D.measure_number(list(D.measure_rows)[1]).a1].value == "（二）"


def test_equals_operator_and_formula_text_stay_text(tmp_path, seed_unit, hebei):
    ind = seed_unit.projects[0].indicators[0]
    ind.operator, ind.value = "=", "=HYPERLINK(\"http://example.com\",\"点我\")"
    seed_unit.projects[0].goals = ["=1+1"]
    path = perfxl.write_workbook(seed_unit, hebei, tmp_path)
    ws = load_workbook(path)["1.郭营子棚改本金利息"]
    L = ProjectLayout(hebei)
    assert ws.cell(L.first_indicator_row + 1, L.columns.operator + 1).value == "＝"
    cell = ws.cell(L.first_indicator_row + 1, L.columns.value + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert ws[L.goals.a1].data_type == "s"


def test_deterministic_bytes(seed_unit, hebei):
    a = perfxl.render_workbook(seed_unit, hebei)
    b = perfxl.render_workbook(seed_unit, hebei)
    assert a == b
    seed_unit.projects[0].funds.total = 5296
    assert perfxl.render_workbook(seed_unit, hebei) != a


@pytest.mark.parametrize("form", ["goals", "selfeval"])
def test_every_part_is_compressed_once_and_the_package_stays_small(seed_unit, hebei, form):
    """XlsxWriter stores the parts (writer._StoredBuffer) and the structure lock compresses each of
    them once: what a unit is sent is deflated, as Excel writes it, not a stored package twice the size."""
    from perfxl.selfeval_model import selfeval_from_goals
    from perfxl.selfeval_writer import render_selfeval_workbook

    data = (perfxl.render_workbook(seed_unit, hebei) if form == "goals"
            else render_selfeval_workbook(selfeval_from_goals(seed_unit, hebei), hebei))
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED}
    assert sum(i.compress_size for i in infos) * 3 < sum(i.file_size for i in infos)
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)  # XlsxWriter's fixed time, kept


def test_structure_lock_and_password(seed_unit, hebei):
    data = perfxl.render_workbook(seed_unit, hebei, password="s3cret")
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml").decode()
    assert re.search(r'<workbookProtection workbookPassword="[0-9A-F]{4}" lockStructure="1"/>', xml)
    wb = load_workbook(io.BytesIO(data))
    assert wb.security.lockStructure
    for ws in wb.worksheets:
        assert ws.protection.sheet and ws.protection.password, ws.title
    plain = load_workbook(io.BytesIO(perfxl.render_workbook(seed_unit, hebei)))
    assert plain.security.lockStructure and not plain.security.workbookPassword
    assert all(not ws.protection.password for ws in plain.worksheets)


def _tamper(path: Path, sheet: str, ref: str, value) -> Path:
    wb = load_workbook(path)
    wb[sheet][ref] = value
    out = path.with_name("tampered.xlsx")
    wb.save(out)
    return out


def test_signature_fails_after_locked_value_changed(tmp_path, seed_unit, hebei):
    path = perfxl.write_workbook(seed_unit, hebei, tmp_path)
    L = ProjectLayout(hebei)
    assert verify_grid(load_grid(path), None).ok
    tampered = _tamper(path, "1.郭营子棚改本金利息", L.total.a1, 9999)
    v = verify_grid(load_grid(tampered), None)
    assert not v.ok and v.signature_ok  # the signature itself is intact; the cell no longer matches it
    assert [(c.sheet, c.cell, c.value, now) for c, now in v.changed] == [
        ("1.郭营子棚改本金利息", L.total.a1, "5295", "9999")]
    # Editing the signed record in the hidden sheet to match breaks the signature instead.
    wb = load_workbook(tampered)
    ident = wb["_perfxl"]
    for row in ident.iter_rows():
        if row[0].value == "1.郭营子棚改本金利息" and row[1].value == L.total.a1:
            row[2].value = "9999"
    wb.save(tampered)
    v = verify_grid(load_grid(tampered), None)
    assert not v.changed and not v.signature_ok


def test_filled_inputs_do_not_break_signature(tmp_path, register_units, hebei):
    path = perfxl.write_workbook(register_units[0], hebei, tmp_path)
    L = ProjectLayout(hebei)
    sheet = project_sheet_names([p.name for p in register_units[0].projects])[0]
    filled = _tamper(path, sheet, L.goals.a1, "1.完成还款")
    assert verify_grid(load_grid(filled), None).ok


def test_hmac_key(tmp_path, seed_unit, hebei, monkeypatch):
    key_file = tmp_path / "office.key"
    key_file.write_bytes(b"office-secret\n")
    key = load_key(key_file)
    path = perfxl.write_workbook(seed_unit, hebei, tmp_path, key=key)
    grid = load_grid(path)
    assert verify_grid(grid, key).ok and verify_grid(grid, key).method == "hmac-sha256"
    assert not verify_grid(grid, None).ok
    assert not verify_grid(grid, b"another office").ok
    monkeypatch.setenv("PERFXL_KEY", "office-secret")
    assert load_key() == b"office-secret"
    empty = tmp_path / "empty.key"
    empty.write_bytes(b"")
    with pytest.raises(perfxl.PerfxlError, match="密钥文件为空"):
        load_key(empty)


def test_only_excel_2007_functions(seed_unit, hebei, mof):
    for fw in (hebei, mof):
        seed_unit.framework = fw.id
        seed_unit.projects[0].spend_plan = {m: None for m in fw.milestones}
        seed_unit.projects[1].spend_plan = {}
        wb = load_workbook(io.BytesIO(perfxl.render_workbook(seed_unit, fw)))
        used = set()
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.data_type == "f":
                        used |= set(re.findall(r"([A-Z][A-Z0-9.]*)\(", c.value))
        used |= {f for ws in wb.worksheets for dv in ws.data_validations.dataValidation
                 for f in re.findall(r"([A-Z][A-Z0-9.]*)\(", dv.formula1 or "")}
        assert used and used <= EXCEL_2007, used - EXCEL_2007


def test_mof_framework_template(tmp_path, seed_unit, mof):
    seed_unit.framework = "mof-2021"
    for p in seed_unit.projects:
        p.spend_plan = dict(zip(mof.milestones, [10, 40, 70, 100]))
        for ind in p.indicators:
            if ind.level2 == "成本指标":
                ind.level1, ind.level2 = "成本指标", "经济成本指标"
    path = perfxl.write_workbook(seed_unit, mof, tmp_path)
    assert_unit_workbook(path, seed_unit, mof)
    ws = load_workbook(path)["1.郭营子棚改本金利息"]
    L = ProjectLayout(mof)
    assert [ws[s.a1].value for s in L.milestone_labels] == list(mof.milestones)
    assert "最后一期" == ws[L.plan_sum_label.a1].value


def test_data_that_does_not_fit_is_refused(seed_unit, hebei):
    seed_unit.projects[0].indicators *= 3  # 27 indicators, 20 rows
    with pytest.raises(perfxl.PerfxlError, match="13081123P008047100028：有 27 个指标，模板只有 20 行"):
        perfxl.render_workbook(seed_unit, hebei)


def test_unknown_milestone_message_names_it(seed_unit, hebei):
    """A spend-plan milestone the framework does not have is not a row-count problem: the message names
    the milestone and the framework's own milestones, and says nothing about rows."""
    seed_unit.projects[1].spend_plan = {"3月底": 50, "9月底": 50}
    with pytest.raises(perfxl.PerfxlError) as e:
        perfxl.render_workbook(seed_unit, hebei)
    message = str(e.value)
    assert "9月底" in message and seed_unit.projects[1].code in message
    assert all(m in message for m in hebei.milestones)
    assert "行数" not in message and "rows" not in message


def test_sheet_names_valid_and_unique():
    long = "承德高新技术产业开发区智慧园区综合管理平台建设及运行维护项目（一期）"
    names = project_sheet_names([long, long, "a/b:c*d?[e]\\f", "填报说明", "'quoted'"])
    assert len(set(n.lower() for n in names)) == len(names)
    for n in names:
        assert len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) and not n.startswith("'")
    assert names[2] == "3.a_b_c_d__e__f"


def test_print_setup(seed_unit, hebei):
    wb = load_workbook(io.BytesIO(perfxl.render_workbook(seed_unit, hebei)))
    L = ProjectLayout(hebei)
    for ws in wb.worksheets[:4]:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9, ws.title
        # fit to one page wide (1 is the XML default, so it may be omitted), any number of pages tall;
        # 部门整体绩效目标 on exactly one page
        tall = (None, 1) if ws.title == DEPARTMENT_SHEET else (0,)
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight in tall, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    ws = wb["1.郭营子棚改本金利息"]
    assert ws.print_title_rows == f"${L.header_row + 1}:${L.header_row + 1}"
    assert ws.column_dimensions["D"].width >= 20


def test_value_column_is_text_so_a_typed_percent_stays_text(seed_unit, hebei):
    """"95%" typed into a General cell becomes a percent-formatted 0.95 (Excel, WPS, LibreOffice); the
    指标值 column is text (@), so it stays "95%", which check and the live 自查 both read as 95 %."""
    wb = load_workbook(io.BytesIO(perfxl.render_workbook(seed_unit, hebei)))
    L = ProjectLayout(hebei)
    ws = wb["1.郭营子棚改本金利息"]
    for r in (L.indicator_rows.start, L.indicator_rows.stop - 1):
        assert ws.cell(r + 1, L.columns.value + 1).number_format == "@"
    for span in L.milestones:  # spend-plan shares: never a percent format, a 0–100 number
        assert "%" not in ws[span.a1].number_format


def test_helper_columns_are_hidden_locked_and_not_read_as_typed_outside(tmp_path, seed_unit, hebei):
    """The 一级 helper the 二级 dropdown reads stays on the form sheet, hidden and locked; the other
    helpers of the row are on the project's very hidden calc sheet, same row and column."""
    from perfxl.check import check_file
    from perfxl.layout import HELPER_COL, HELPER_COLS, LEVEL1_HELPER_COL, a1, calc_sheet_name
    path = perfxl.write_workbook(seed_unit, hebei, tmp_path)
    wb = load_workbook(path)
    ws, calc = wb["1.郭营子棚改本金利息"], wb[calc_sheet_name(1)]
    first = a1(0, HELPER_COL).rstrip("1")
    assert ws.column_dimensions[first].hidden
    row = ProjectLayout(hebei).first_indicator_row + 1
    level1 = ws.cell(row, LEVEL1_HELPER_COL + 1)
    assert level1.data_type == "f" and level1.protection.locked and calc.cell(row, LEVEL1_HELPER_COL + 1).value is None
    assert ws.cell(row, HELPER_COL + 2).value is None and calc.cell(row, HELPER_COL + 2).data_type == "f"
    assert not [f for f in check_file(path).report.findings if f.code == "S07"]
    assert HELPER_COLS >= 1 + 4 * 6  # six milestones (the schema's maximum), four helpers each


def test_a_validation_xlsxwriter_refuses_stops_the_writer_naming_its_cell(tmp_path):
    """XlsxWriter only warns and returns -2 on a validation it cannot write (a list over 255
    characters): the writer turns that into an error naming sheet and cell, never a silent template
    without its dropdown."""
    import xlsxwriter

    from perfxl.writer import _Formats, _Sheet

    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    ws = wb.add_worksheet("项目")
    sheet = _Sheet(ws, _Formats(wb), [])
    with pytest.warns(UserWarning), pytest.raises(AssertionError, match="data_validation rejected on 项目!C5"):
        sheet.validate(4, 2, 4, 2, {"validate": "list", "source": ["甲" * 200, "乙" * 200]})
    wb.close()


def _status_rules(ws, ref: str) -> list:
    return [r for cf in ws.conditional_formatting if ref in str(cf.sqref) for r in cf.rules if r.type == "containsText"]


@pytest.mark.parametrize("total, red", [(101.0, True), (None, False)])
def test_the_workbooks_status_is_red_exactly_when_it_says_something_needs_changing(tmp_path, total, red):
    """填报说明's 本工作簿自查 cell: its colour rules look for words its own formula writes, so "有 N 处需修改"
    shows red and "自查通过" green, in every application that evaluates the rules."""
    from perfxl.layout import INSTRUCTIONS_SHEET, InstructionsLayout
    from perfxl.model import unit_from_dict
    from units import clean

    data = clean()
    if total is not None:
        data["projects"][0]["funds"]["total"] = total  # F01, a live error
    path = perfxl.write_workbook(unit_from_dict(data), perfxl.load_framework("hebei-2023"), tmp_path)
    ws = load_workbook(path, data_only=True)[INSTRUCTIONS_SHEET]
    status = InstructionsLayout(len(data["projects"])).status.a1
    text = ws[status].value
    matching = [r for r in _status_rules(ws, status) if r.text in text]
    assert len(matching) == 1, (text, [r.text for r in _status_rules(ws, status)])
    fill = matching[0].dxf.fill.bgColor.rgb[-6:].upper()
    assert (fill == "FFC7CE") is red and (fill == "C6EFCE") is not red


def test_every_printed_sheet_numbers_its_pages(tmp_path):
    path = perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / "108001.json"),
                                 perfxl.load_framework("hebei-2023"), tmp_path)
    for ws in load_workbook(path).worksheets:
        if ws.sheet_state == "visible":
            centre = ws.oddFooter.center.text or ""
            assert "&P" in centre and "&N" in centre and centre.startswith("第"), (ws.title, centre)


def test_the_rule_list_of_the_instructions_centres_code_severity_and_how_checked(templates):
    """填报说明's rule list reads as a table: 代码, 类别 and 检查方式 centred in their narrow columns,
    the rule's text from the left."""
    from perfxl.catalogue import SEVERITY_ZH
    from perfxl.layout import INSTRUCTIONS_SHEET

    ws = load_workbook(templates[0])[INSTRUCTIONS_SHEET]
    rows = [r for r in ws.iter_rows() if isinstance(r[0].value, str) and re.fullmatch(r"[A-Z]\d\d", r[0].value)]
    assert len(rows) > 20
    for r in rows:
        assert [c.alignment.horizontal for c in r[:4]] == ["center", "center", "center", "left"], r[0].value
        assert r[1].value in SEVERITY_ZH.values() and r[2].value in ("表内自查", "由财政部门收到后检查")


@pytest.mark.parametrize("fw_id", ["hebei-2023", "mof-2013"])  # mof-2013: 实施期 and department tables too
def test_the_hidden_helper_cells_all_have_the_helpers_plain_style(tmp_path, fw_id):
    """Every formula of the live 自查 outside the 自查 column, and the 二级 dropdowns' inherited-一级
    helpers of the other tables, sit in the hidden helper columns in one plain style (9 pt, no border,
    no wrap): nothing in them can make a row taller than its inputs."""
    import json

    from perfxl.layout import CHECK_COL, HELPER_COL, HELPER_COLS, a1, calc_sheet_name
    from perfxl.model import unit_from_dict

    fw = perfxl.load_framework(fw_id)
    data = json.loads((SAMPLES / ("frameworks/mof-2013.json" if fw_id == "mof-2013" else "units/115001.json"))
                      .read_text("utf-8"))
    unit = unit_from_dict(data)
    wb = load_workbook(perfxl.write_workbook(unit, fw, tmp_path))
    ws = wb[project_sheet_names([p.name for p in unit.projects])[0]]
    L = ProjectLayout(fw)
    helpers = {f"{sheet.title}!{c.coordinate}": c for sheet in (ws, wb[calc_sheet_name(1)])
               for row in sheet.iter_rows(min_col=HELPER_COL + 1, max_col=HELPER_COL + HELPER_COLS)
               for c in row if c.data_type == "f"}
    assert len(helpers) > 100
    if fw_id == "mof-2013":  # the inherited 一级 of every 实施期 row is among them
        assert {f"{ws.title}!{a1(r, HELPER_COL)}" for r in L.period_indicator_rows} <= set(helpers)
    for c in helpers.values():
        assert c.font.sz == 9 and not c.alignment.wrap_text, c.coordinate
        assert all(getattr(c.border, side).style is None for side in ("left", "right", "top", "bottom")), c.coordinate
    marks = [row[0] for row in ws.iter_rows(min_col=CHECK_COL + 1, max_col=CHECK_COL + 1) if row[0].data_type == "f"]
    assert marks and all(c.font.sz != 9 or c.alignment.wrap_text for c in marks)
