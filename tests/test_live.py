"""The workbook's live 自查 and ``perfxl check``: one declaration per rule, one verdict (issue 10).

The LibreOffice tests recalculate on load (a profile with OOXMLRecalcMode=0, as practices.md says),
so the values read back are what a person sees after opening the file; the generated differential
test (tests/test_differential.py) does the same over hundreds of fills.
"""
from __future__ import annotations

import copy
import io
import json
import re
import subprocess
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st
from openpyxl import load_workbook

import perfxl
from perfxl.check import check_file
from perfxl.cli import main
from perfxl.frameworks import framework_from_dict
from perfxl.layout import (CHECK_COL, DEPARTMENT_SHEET, HELPER_COL, calc_sheet_name, in_calc_sheet, INSTRUCTIONS_SHEET, PRINT_LAST_COL,
                           DepartmentLayout, InstructionsLayout, ProjectLayout, Span, a1, project_sheet_names)
from perfxl.live import (LIVE_CODES, ProjectLive, expected_marks, mark_text, parse_mark, rules_catalogue)
from perfxl.model import unit_from_dict

from units import clean

HEBEI = perfxl.load_framework("hebei-2023")
P1, P2 = "1.郭营子棚改本金利息", "2.土地成本核算专项"
_RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def recalculated(soffice: str, src: Path, out_dir: Path) -> Path:
    """``src`` opened by LibreOffice with recalculation on load, saved as .xlsx: what a person sees."""
    profile = out_dir / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_RECALC, "utf-8")
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out_dir), str(src)], check=True, capture_output=True, timeout=300)
    out = out_dir / (src.stem + ".xlsx")
    assert out.is_file()
    return out


def filled(tmp_path: Path, edits: dict[tuple[str, str], object], data: dict | None = None,
           formats: dict | None = None, fw=HEBEI) -> Path:
    """A workbook from the writer, then cells typed in with openpyxl (no cached values left)."""
    src = perfxl.write_workbook(unit_from_dict(data or clean()), fw, tmp_path / "src")
    wb = load_workbook(src)
    for (sheet, ref), value in edits.items():
        wb[sheet][ref] = value
        if formats and (sheet, ref) in formats:
            wb[sheet][ref].number_format = formats[(sheet, ref)]
    out = tmp_path / "typed.xlsx"
    wb.save(out)
    return out


def cell(row_offset: int, column: str, fw=HEBEI) -> str:
    L = ProjectLayout(fw)
    return Span(L.first_indicator_row + row_offset, getattr(L.columns, column)).a1


def marks_of(path: Path, sheet: str) -> dict[int, str]:
    ws = load_workbook(path, data_only=True)[sheet]
    return {r: ws.cell(r + 1, CHECK_COL + 1).value for r in range(ws.max_row)}


def check_marks(path: Path, fw=HEBEI) -> dict[tuple[str, int], list]:
    return expected_marks(check_file(path).report.findings, fw)


def assert_live_equals_check(seen: Path, fw=HEBEI) -> None:
    """Every 自查 cell of every data sheet shows exactly what check reports for the live rules there,
    and every sheet's count and the workbook's status add up the same errors."""
    expected = check_marks(seen, fw)
    wb = load_workbook(seen, data_only=True)
    sheets = [DEPARTMENT_SHEET, *[n for n in wb.sheetnames if re.match(r"\d+\.", n)]]
    total = 0
    for sheet in sheets:
        L = DepartmentLayout(fw) if sheet == DEPARTMENT_SHEET else ProjectLayout(fw)
        ws = wb[sheet]
        errors = 0
        for r in range(L.status_row):
            shown = ws.cell(r + 1, CHECK_COL + 1).value
            items = expected.get((sheet, r))
            if items:
                assert shown == mark_text(items), (sheet, r + 1, shown, items)
                errors += sum(s == "error" for s, _, _ in items)
            else:
                assert not parse_mark(shown), (sheet, r + 1, shown)
        assert ws[L.error_count.a1].value == errors, sheet
        total += errors
    status = wb[INSTRUCTIONS_SHEET][InstructionsLayout().status.a1].value
    assert status == "自查通过" if total == 0 else status.startswith(f"有 {total} 处需修改")


# ---------------------------------------------------------------- the mark and the declarations

def test_mark_shows_worst_first_with_codes_and_parses_back():
    items = [("error", "I02", "二级指标不属于所填一级指标"), ("warning", "I09", "满意度目标低于80%")]
    text = mark_text(items)
    assert text == "✗ I02 二级指标不属于所填一级指标；△ I09 满意度目标低于80%"
    assert parse_mark(text) == [("✗", "I02"), ("△", "I09")]
    assert mark_text([]) == "✓" and parse_mark("✓") == [] and parse_mark(None) == []


def test_every_live_code_is_in_the_catalogue_and_has_a_python_check():
    from perfxl.catalogue import CATALOGUE, LIVE_MESSAGES
    from perfxl.rules import CHECKS
    assert LIVE_CODES <= set(CHECKS) and LIVE_CODES <= set(CATALOGUE) and LIVE_CODES == set(LIVE_MESSAGES)
    for messages in LIVE_MESSAGES.values():  # a mark splits on "；" and starts with its mark
        assert not any(ch in m for m in messages.values() for ch in "✗△✓；")


def test_rules_not_live_are_listed_as_checked_on_receipt():
    wb = load_workbook(io.BytesIO(perfxl.render_workbook(unit_from_dict(clean()), HEBEI)))
    rows = {r[0]: r[2] for r in wb[INSTRUCTIONS_SHEET].iter_rows(values_only=True) if r[0] and r[2]}
    from perfxl.catalogue import FIELD_RULES

    for entry in rules_catalogue(HEBEI):
        if entry["code"] in FIELD_RULES or entry["form"] != "goals":
            # rules on schema-v2 fields hebei-2023's table has not (issue 13), or on the self-evaluation form
            assert entry["code"] not in rows
            continue
        assert rows[entry["code"]] == ("表内自查" if entry["live"] else "由财政部门收到后检查"), entry["code"]
    assert rows["X01"] == rows["F03"] == rows["S04"] == "由财政部门收到后检查"


def test_a_rule_the_framework_disables_has_no_live_form(tmp_path):
    from importlib import resources
    data = json.loads(resources.files("perfxl.templates").joinpath("frameworks", "hebei-2023.json").read_text("utf-8"))
    data["rules"] = {"I06": {"enabled": False}, "I09": {"severity": "error"}}
    fw = framework_from_dict(data, "test.json")
    wb = load_workbook(io.BytesIO(perfxl.render_workbook(unit_from_dict(clean()), fw)))
    formulas = " ".join(c.value for ws in (wb[P1], wb[calc_sheet_name(1)]) for row in ws.iter_rows() for c in row
                        if c.data_type == "f")  # the 自查 cells and the helpers that build their text
    assert " I06 " not in formulas and "✗ I09 " in formulas and "△ I09 " not in formulas
    entry = {e["code"]: e for e in rules_catalogue(fw)}
    assert entry["I06"]["setting"] == "off" and entry["I09"]["severity"] == "error"


def test_rules_command_json_equals_library():
    for fw in ("hebei-2023", "mof-2021"):
        r = CliRunner().invoke(main, ["rules", "--format", "json", "--framework", fw], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        assert json.loads(r.output) == json.loads(json.dumps(rules_catalogue(perfxl.load_framework(fw)),
                                                             ensure_ascii=False))
    table = CliRunner().invoke(main, ["rules"], catch_exceptions=False).output
    assert re.search(r"^F01 .*表内自查.*funds_tolerance", table, re.M)
    assert re.search(r"^X01 .*收到后检查", table, re.M)


# ---------------------------------------------------------------- cached results

def _formula_cells(data: bytes):
    """(sheet, A1, formula, cached value) of every formula cell, the cached value read from the XML."""
    wb = load_workbook(io.BytesIO(data))
    cached = load_workbook(io.BytesIO(data), data_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    yield ws.title, c.coordinate, c.value, cached[ws.title][c.coordinate].value


def test_formulas_carry_cached_results_of_python_rules(seed_unit):
    data = perfxl.render_workbook(seed_unit, HEBEI)
    cells = list(_formula_cells(data))
    checks = {(s, ref): v for s, ref, f, v in cells if ref.startswith("K")}
    findings = perfxl.check_unit(seed_unit, HEBEI)  # the seed's JSON, as written
    expected = expected_marks(findings, HEBEI)
    L = ProjectLayout(HEBEI)
    for (sheet, r), items in expected.items():
        assert checks[(sheet, a1(r, CHECK_COL))] == mark_text(items), (sheet, r)
    assert checks[(P1, a1(L.first_indicator_row + 1, CHECK_COL))] == "✗ I04 缺计量单位"
    assert checks[(P1, L.funds_check.a1)] == "✓"
    # every sheet's count and the workbook's status are cached too: Protected View shows them
    errors = sum(s == "error" for items in expected.values() for s, _, _ in items)
    assert checks[(P1, L.error_count.a1)] + checks[(P2, L.error_count.a1)] + \
        checks[(DEPARTMENT_SHEET, DepartmentLayout(HEBEI).error_count.a1)] == errors == 12
    status = {(s, ref): v for s, ref, f, v in cells}[(INSTRUCTIONS_SHEET, InstructionsLayout().status.a1)]
    assert status.startswith("有 12 处需修改")


def test_untouched_template_needs_no_recalculation(seed_unit):
    xml = zipfile.ZipFile(io.BytesIO(perfxl.render_workbook(seed_unit, HEBEI))).read("xl/workbook.xml").decode()
    calc = re.search(r"<calcPr[^>]*/>", xml).group()
    assert "fullCalcOnLoad" not in calc and 'calcId="191029"' in calc
    wb = load_workbook(io.BytesIO(perfxl.render_workbook(seed_unit, HEBEI)))
    volatile = {"INDIRECT", "OFFSET", "NOW", "TODAY", "RAND", "CELL", "INFO"}
    used = {f for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"
            for f in re.findall(r"([A-Z][A-Z0-9.]*)\(", c.value)}
    assert not used & volatile  # INDIRECT only in the 二级 validation, which never makes a file dirty


@pytest.mark.parametrize("framework", ["hebei-2023", "mof-2021"])
def test_cached_results_equal_libreoffices_recalculation(tmp_path, soffice, framework):
    fw = perfxl.load_framework(framework)
    data = clean()
    data["framework"] = framework
    for p in data["projects"]:
        p["spend_plan"] = dict(zip(fw.milestones, [10, 40, 30, 20] if fw.spend_mode != "cumulative" else [10, 40, 30, 90]))
    data["projects"][0]["indicators"][2]["value"] = "８５"
    data["projects"][1]["goals"] = []
    src = perfxl.write_workbook(unit_from_dict(data), fw, tmp_path / "src")
    seen = recalculated(soffice, src, tmp_path / "lo")
    mine = {(s, ref): v for s, ref, _, v in _formula_cells(src.read_bytes())}
    theirs = load_workbook(seen, data_only=True)
    norm = lambda v: None if v in ("", None) else float(v) if isinstance(v, (int, float)) else v  # noqa: E731
    diffs = [(s, ref, v, theirs[s][ref].value) for (s, ref), v in mine.items() if norm(v) != norm(theirs[s][ref].value)]
    assert not diffs, diffs[:10]
    assert len(mine) > 500


def test_status_formula_under_8192_with_150_projects():
    data = clean()
    template = data["projects"][0]
    data["projects"] = []
    for i in range(150):
        p = copy.deepcopy(template)
        p["code"], p["name"] = f"13081124P{i:012d}", f"项目{i:03d}"
        data["projects"].append(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the project-code list is longer than a document property
        raw = perfxl.render_workbook(unit_from_dict(data), HEBEI)
    cells = list(_formula_cells(raw))
    longest = max(len(f) for _, _, f, _ in cells)
    assert longest < 8192
    L = InstructionsLayout(151)
    by_ref = {(s, ref): (f, v) for s, ref, f, v in cells}
    status, cached = by_ref[(INSTRUCTIONS_SHEET, L.status.a1)]
    assert len(status) < 200 and f"B{L.sheet_rows.start + 1}:B{L.sheet_rows.stop}" in status
    assert cached == "自查通过"
    last = by_ref[(INSTRUCTIONS_SHEET, a1(L.sheet_rows.stop - 1, 1))][0]
    assert last == f"='150.项目149'!{ProjectLayout(HEBEI).error_count.a1}"


def test_instructions_list_every_sheet_with_a_link_and_its_count(seed_unit):
    wb = load_workbook(io.BytesIO(perfxl.render_workbook(seed_unit, HEBEI)))
    ws = wb[INSTRUCTIONS_SHEET]
    L = InstructionsLayout(3)
    names = [DEPARTMENT_SHEET, *project_sheet_names([p.name for p in seed_unit.projects])]
    for r, name in zip(L.sheet_rows, names):
        link = ws.cell(r + 1, 1)
        assert link.value == name and link.hyperlink.location == f"'{name}'!A1"
        layout = DepartmentLayout(HEBEI) if name == DEPARTMENT_SHEET else ProjectLayout(HEBEI)
        assert ws.cell(r + 1, 2).value == f"='{name}'!{layout.error_count.a1}"


# ---------------------------------------------------------------- what a cell means, both sides

def test_level2_dropdown_never_offers_na(seed_unit):
    wb = load_workbook(io.BytesIO(perfxl.render_workbook(seed_unit, HEBEI)))
    ws = wb[P1]
    L = ProjectLayout(HEBEI)
    top = Span(L.first_indicator_row, L.columns.level2).a1
    dv = next(dv for dv in ws.data_validations.dataValidation if top in dv.sqref)
    helper = ProjectLive(HEBEI, "万元").level1_ref(L.first_indicator_row)
    assert dv.formula1 == f'INDIRECT("pxl_L2_"&IFERROR(MATCH({helper},pxl_L1,0),0))'
    (sheet, ref), = list(wb.defined_names["pxl_L2_0"].destinations)
    first, last = ref.replace("$", "").split(":")
    assert first == last and wb[sheet][first].value is None  # no 一级 at all: an empty list, never "#N/A"
    # the helper is the 一级 the row has or inherits, cached: a blank 一级 below 产出指标 reads 产出指标
    cached = load_workbook(io.BytesIO(perfxl.render_workbook(seed_unit, HEBEI)), data_only=True)[P1]
    assert cached[helper.replace("$", "")].value == seed_unit.projects[0].indicators[0].level1


@pytest.fixture(scope="module")
def typed_by_hand(tmp_path_factory, soffice):
    """The issue's cases typed into one workbook, recalculated by LibreOffice."""
    tmp = tmp_path_factory.mktemp("typed")
    L = ProjectLayout(HEBEI)
    m = [s.a1 for s in L.milestones]
    edits = {
        (P1, cell(3, "level1")): "效益指标",             # 二级 stays 成本指标 (under 产出指标): I02
        (P1, cell(1, "level1")): None,                     # blank: same as above (产出指标), no I02
        (P1, cell(2, "level1")): None, (P1, cell(2, "level2")): None,
        (P1, cell(6, "value")): 150,                       # 满意度 150 %: I06
        (P1, cell(0, "operator")): "＞＝",                 # full-width operator: ≥
        (P1, cell(0, "value")): "４",                      # full-width digit as text: 4
        (P1, cell(5, "value")): "０",
        (P1, m[0]): 0.3, (P1, m[1]): "30%",                # "30%" typed: 0.3 under a percent format; text 30
        (P2, cell(0, "name")): None,                       # I03
        (P2, cell(1, "value")): "八十",                    # I05
        (P2, cell(2, "value")): "95%",                     # text with %: 95
        (P2, cell(2, "unit")): None,
        (P2, cell(3, "level1")): None, (P2, cell(3, "level2")): "服务对象满意度指标",  # I02 under inherited 一级
        (DEPARTMENT_SHEET, DepartmentLayout(HEBEI).overall.a1): "  ",  # G01
    }
    src = filled(tmp, edits, formats={(P1, m[0]): "0%"})
    return recalculated(soffice, src, tmp / "lo")


def test_live_marks_equal_check_after_libreoffice_recalculates(typed_by_hand):
    assert_live_equals_check(typed_by_hand)


def test_level2_not_under_level1_is_live_I02(typed_by_hand):
    marks = marks_of(typed_by_hand, P1)
    L = ProjectLayout(HEBEI)
    assert parse_mark(marks[L.first_indicator_row + 3])[0] == ("✗", "I02")
    assert marks[L.first_indicator_row + 1] == marks[L.first_indicator_row + 2] == "✓"  # inherited, no I02
    found = {(f.code, f.cell) for f in check_file(typed_by_hand).report.findings}
    assert ("I02", cell(3, "level2")) in found and ("I02", cell(1, "level2")) not in found


def test_percent_typed_in_spend_plan_reads_same_live_and_in_check(typed_by_hand):
    L = ProjectLayout(HEBEI)
    marks = marks_of(typed_by_hand, P1)
    # 0.3 (percent-formatted) + 30 ("30%" as text) + 25 + 25 = 80.3 on both sides
    assert marks[L.plan_check.row] == "✗ P01 各期合计应为100（现为80.3）"
    p01 = [f for f in check_file(typed_by_hand).report.findings if f.code == "P01"]
    assert [f.value for f in p01] == [80.3]
    assert load_workbook(typed_by_hand, data_only=True)[P1][L.plan_sum.a1].value == pytest.approx(80.3)


def test_fullwidth_and_text_numbers_read_same_live_and_in_check(typed_by_hand):
    L = ProjectLayout(HEBEI)
    p1, p2 = marks_of(typed_by_hand, P1), marks_of(typed_by_hand, P2)
    assert p1[L.first_indicator_row] == "✓"           # ＞＝ and "４"
    assert p1[L.first_indicator_row + 6] == "△ I06 百分比应在0到100之间"
    assert p2[L.first_indicator_row + 2] == "✓"       # "95%" with no unit: 95, unit %
    assert parse_mark(p2[L.first_indicator_row + 1]) == [("✗", "I05")]
    assert parse_mark(p2[L.first_indicator_row]) == [("✗", "I03")]
    assert parse_mark(p2[L.first_indicator_row + 3])[0] == ("✗", "I02")


def test_sheet_and_workbook_counts_follow_an_edit(typed_by_hand):
    wb = load_workbook(typed_by_hand, data_only=True)
    errors = [f for f in check_file(typed_by_hand).report.findings if f.severity == "error" and f.code in LIVE_CODES]
    status = wb[INSTRUCTIONS_SHEET][InstructionsLayout().status.a1].value
    assert status.startswith(f"有 {len(errors)} 处需修改")
    assert wb[DEPARTMENT_SHEET][DepartmentLayout(HEBEI).status.a1].value == "有 1 处需修改"


# ---------------------------------------------------------------- one reading of a 指标值 (the twins)

_FIELDS = ("level1", "level2", "name", "description", "operator", "value", "unit", "value_note", "basis",
           "explanation")


def _row(value, operator=None, unit=None) -> dict:
    return {**dict.fromkeys(_FIELDS), "level1": "产出指标", "level2": "数量指标", "name": "培训人次",
            "basis": "计划标准", "operator": operator, "value": value, "unit": unit}


def _money_unit(u) -> str:
    """What the rules ask of a unit: % (I06, I09), 元/万元 (I08), blank (I04), or anything else."""
    return "" if not u else u if u in ("%", "元", "万元") else "other"


def live_reading(value, operator=None, unit=None) -> tuple:
    """What the live helpers make of a row: (operator, is a number, the number, unit) – the Python
    twins, whose values are the formulas' cached results."""
    live = ProjectLive(HEBEI, "万元")
    now = live._reading(live.L.first_indicator_row, _row(value, operator, unit), None)
    number = now["KIND"] == "n"
    return now["OPE"], number, float(now["NUM"]) if number else None, _money_unit(now["UC"])


def check_reading(value, operator=None, unit=None) -> tuple:
    """The same of check's reader (perfxl.reader._indicator, values.parse_indicator_value)."""
    from perfxl.reader import _indicator

    ind = _indicator(_row(value, operator, unit), "产出指标", "数量指标", False)
    number = isinstance(ind.value, (int, float)) and not isinstance(ind.value, bool)
    return ind.operator or "", number, float(ind.value) if number else None, _money_unit(ind.unit)


# What people type into a 指标值 that check's parser reads (values.py), each kind of it at least once.
TYPED_VALUES = (
    "80", "≥80", "＞＝９０", "不低于 80 %", "大于等于90", "> =90", "８０％", "80%以上", "28.8 万元", "≥-5", ".5", "-.5",
    "≥80财政拨入资金支付80%以上", "80，完成年度任务", "80 群众", "80% 群众", "80%群众", "80年初预算",   # notes glued on
    "≥8080%以上群众满意", "≥8080", "100100", "95.595.5%以上", "≥8090%以上",                           # number twice
    "50元/人", "50 元/人", "500元/人次", "3人次/年",                                                  # compound units
    "1e5", "1E+06", "2.5e-3", "１Ｅ５", "1e400", "1e", "5.e3",                                         # exponents
    "80.", "80.%", "5.x", "80。",                                                                      # trailing dot
    "2023-12-31", "2023/1/5", "2023.12.31", "2023 - 12 - 31", "20 23-12-31", "2023-123-4",             # dates
    "2024年12月底前完成", "3个月内完成", "年底前完成第2期", "达标率≥95%", "超过预期", "超过预期80",       # text
    "1,234", "01,234", "1,234,", "12,,5", "1,2345", "1,23", "1.2.3", "80、90", "12345678901234567890",  # commas
    "80-90", "80～90%", "80至90", "=SUM(A1)", "=1+2", "= -90", "=-90", "=80", "＝1+2", "=１+２", "#N/A",  # not one number
    "较好", "八十", "80km", "８０ｋｍ", "80m2", "80kg以上", "80㎡", "80个工作日内", "80元以内", "≥80人次以上",
)


@pytest.mark.parametrize("value", TYPED_VALUES)
def test_live_reading_of_a_typed_value_is_checks(value):
    for operator in (None, "≥", "定性", "约", "等于"):
        for unit in (None, "%", "元"):
            assert live_reading(value, operator, unit) == check_reading(value, operator, unit), (value, operator, unit)


_PIECES = (["", "", "≥", "不低于", "＞＝", ">", "超过", "="], ["", "", "+", "-"],
           ["0", "80", "８０", "1,234", "01,234", "1,23", "12,,5", "80.", ".5", "1e5", "1Ｅ5", "8080", "2024-12-31",
            "2024/6/30", "1.2.3", "八十", ""],
           ["", "", " ", "%", "元", "万元", "元/人", "年", "人次", "km", "个月", "㎡"],
           ["", "", " ", "以上", "以内", "及以下", "内"],
           ["", "", "财政资金支付80%以上", "，说明", "、90", "-90", "~90%", "至90", "群众", "年初", "℃", "²", "e5", "/人"])


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.tuples(*(st.sampled_from(p) for p in _PIECES)), st.sampled_from([None, "≥", "定性", "约"]),
       st.sampled_from([None, "%", "元"]))
def test_live_reading_of_assembled_values_is_checks(pieces, operator, unit):
    value = "".join(pieces)
    if value.strip():
        assert live_reading(value, operator, unit) == check_reading(value, operator, unit)


@pytest.mark.parametrize("text", ["80", " 80 ", "８０", "1,234.5", "01,234", "1,23", "1e5", "1E+06", "１Ｅ５", "2.5e-3",
                                  "1e400", "1e", "5.e3", "-5", "+.5", "80.", "1,234e5", "e5", "30%", "30 %", "３０％",
                                  "1e5%", "一百", "100万元"])
def test_live_reading_of_an_amount_or_share_is_checks(text):
    from perfxl.live import p_fold, p_nodigits, p_number, p_strip_pct, p_valid, p_ws
    from perfxl.values import parse_number, parse_percent

    for percent, parse in ((False, parse_number), (True, parse_percent)):
        t = p_fold(p_ws(text), letters=True)
        t = p_strip_pct(t)[0] if percent else t
        live = p_number(t) if p_valid(t, p_nodigits(t)) else ""
        assert live == ("" if parse(text) is None else parse(text)), (text, percent)


def test_live_helpers_equal_libreoffices_recalculation_for_typed_values(tmp_path, soffice):
    """Every typing variant, with a blank, an unknown and a comparison operator, typed into the
    template and recalculated by LibreOffice: every hidden helper of those rows equals its Python twin
    (so the formulas compute what the twins say, and the twins read what check reads)."""
    L = ProjectLayout(HEBEI)
    cases = [(v, op) for v in TYPED_VALUES for op in (None, "≥", "约", "定性")]
    rows = list(L.indicator_rows)
    data = clean()
    template = data["projects"][0]
    data["projects"] = []
    for i in range((len(cases) + len(rows) - 1) // len(rows)):
        project = copy.deepcopy(template)
        project["code"], project["name"] = f"13081124P{i:012d}", f"项目{i:03d}"
        data["projects"].append(project)
    src = perfxl.write_workbook(unit_from_dict(data), HEBEI, tmp_path / "src")
    wb = load_workbook(src)
    sheets = [n for n in wb.sheetnames if re.match(r"\d+\.", n)]
    placed = []
    for k, (value, operator) in enumerate(cases):
        ws, r = wb[sheets[k // len(rows)]], rows[k % len(rows)]
        for name, col in L.columns.items():
            if name != "check":
                ws.cell(r + 1, col + 1).value = _row(value, operator)[name]
        typed = ws.cell(r + 1, L.columns.value + 1)
        typed.data_type = "s"  # as typed into the text-formatted cell: "=1+2" and "#N/A" stay text
        placed.append((ws.title, r))
    wb.save(tmp_path / "typed.xlsx")
    seen = load_workbook(recalculated(soffice, tmp_path / "typed.xlsx", tmp_path / "lo"), data_only=True)
    same = lambda a, b: a == b or (isinstance(a, float) and isinstance(b, float)  # noqa: E731
                                   and abs(a - b) <= 1e-13 * abs(b))  # LibreOffice saves 15 digits
    norm = lambda v: None if v in ("", None) else float(v) if isinstance(v, (int, float)) else v  # noqa: E731
    diffs = []
    for (sheet, r), (value, operator) in zip(placed, cases):
        live = ProjectLive(HEBEI, "万元")
        live._reading(r, _row(value, operator), {"L1": "产出指标", "L2": "数量指标"} if r > rows[0] else None)
        for c in live.cells:
            on = calc_sheet_name(sheets.index(sheet) + 1) if in_calc_sheet(c.col) else sheet
            got = seen[on].cell(c.row + 1, c.col + 1).value
            if not same(norm(got), norm(c.value)):
                diffs.append((value, operator, a1(c.row, c.col), got, c.value))
    assert not diffs, diffs[:10]


# ---------------------------------------------------------------- printing

def test_printed_form_leaves_out_the_check_column_and_fits_the_department_on_one_page(seed_unit):
    wb = load_workbook(io.BytesIO(perfxl.render_workbook(seed_unit, HEBEI)))
    last = a1(0, PRINT_LAST_COL).rstrip("1")
    for name in (DEPARTMENT_SHEET, P1):
        ws = wb[name]
        assert re.fullmatch(rf"'?{re.escape(name)}'?!\$A\$1:\${last}\$\d+", ws.print_area), ws.print_area
        assert ws.page_setup.blackAndWhite  # no input fill or 自查 colours on paper (Excel, WPS)
        helper = a1(0, HELPER_COL).rstrip("1")
        assert ws.column_dimensions[helper].hidden
    dept = wb[DEPARTMENT_SHEET]
    assert dept.page_setup.fitToHeight in (None, 1) and dept.sheet_properties.pageSetUpPr.fitToPage
    L = ProjectLayout(HEBEI)
    assert wb[P1].print_area.endswith(f"${L.indicator_rows.stop}")


def test_department_sheet_prints_on_one_page(tmp_path, soffice, seed_unit):
    src = perfxl.write_workbook(seed_unit, HEBEI, tmp_path / "src")
    pdf_dir = tmp_path / "pdf"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'p'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(pdf_dir), str(src)], check=True, capture_output=True, timeout=300)
    text = subprocess.run(["pdftotext", "-layout", str(pdf_dir / (src.stem + ".pdf")), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = text.split("\f")
    dept = [i for i, page in enumerate(pages) if "部门整体绩效目标" in page.replace(" ", "") and "三、工作保障措施" in page]
    assert len(dept) == 1 and "一、总体绩效目标" in pages[dept[0]]
    assert "自查" not in "".join(pages[dept[0]:]).replace(" ", "")  # the 自查 column and status are not printed


def test_a_row_worked_out_once_is_what_working_it_out_again_gives(monkeypatch):
    """A blank row's helpers are reused for the same row inheriting the same 一级/二级
    (live._READINGS; a filled row is worked out each time): on sheets that hold the same number as
    int, float and text, blank rows under different levels and rows moved up or down, every cell is
    what _reading makes afresh."""
    L = ProjectLayout(HEBEI)
    col = L.columns
    rows = list(L.indicator_rows)
    level = {"level1": "产出指标", "level2": "数量指标"}
    fills = [
        [{**level, "name": "完成率", "operator": "≥", "value": 1, "unit": "%"}, {}, {"name": "时效", "value": "≥80%"}],
        [{**level, "name": "完成率", "operator": "≥", "value": 1.0, "unit": "%"}, {}, {"name": "时效", "value": "≥80%"}],
        [{**level, "name": "完成率", "operator": "≥", "value": "1", "unit": "%"}, {}, {"name": "时效", "value": "≥80%"}],
        [{"level1": "效益指标", "level2": "社会效益指标", "name": "完成率", "value": 1}, {}, {"name": "时效", "value": "≥80%"}],
        [{}, {**level, "name": "完成率", "operator": "≥", "value": 1, "unit": "%"}, {}, {"name": "时效", "value": "≥80%"}],
        [],
    ]

    def sheet(fill: list[dict]) -> dict:
        return {(r, getattr(col, name)): v for r, typed in zip(rows, fill) for name, v in typed.items()}

    def cells(fill: list[dict]) -> list[tuple]:
        return [(c.row, c.col, c.formula, c.value) for c in ProjectLive(HEBEI, "万元").build("1.项目", sheet(fill), [])]

    reused = [cells(f) for f in fills + fills[::-1]]
    monkeypatch.setattr(ProjectLive, "_reading_once", lambda self, r, raw, prev, declared: self._reading(r, raw, prev, declared))
    afresh = [cells(f) for f in fills + fills[::-1]]
    assert reused == afresh
    assert len({tuple(x) for x in afresh}) == len(fills) - 1  # all differ but 1 and 1.0: the same number
