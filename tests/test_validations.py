"""What each input cell lets a person type, and what the sheets and the workbook let them do.

A test that only sees "a validation exists" passes when the range 0–100 becomes 0–1000 or a strict
list turns into a warning. Here each validation is read back with openpyxl from a generated
workbook and judged the way Excel judges an entry (:func:`excel_verdict`): accepted, accepted after
a warning, accepted with a note, or refused. The expected limits come from the framework (text
limits, lists) so the tests follow a province's settings. Every prompt and error message must be
Chinese and fit Excel's caps (titles 32, messages 255 characters).
"""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.cell_range import CellRange

import perfxl
from perfxl.layout import (is_calc_sheet, DEPARTMENT_SHEET, IDENTITY_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET, REVIEW_SHEET,
                           DepartmentLayout, ProjectLayout, Span, project_sheet_names)
from perfxl.model import unit_from_dict

from units import clean

_CJK = re.compile(r"[\u4e00-\u9fff]")
TITLE_MAX, MESSAGE_MAX = 32, 255  # Excel's caps on data-validation titles and messages

ACCEPTED, WARNED, INFORMED, REFUSED = "accepted", "accepted after a warning", "accepted with a note", "refused"


def _unit(framework: str = "hebei-2023"):
    """The clean unit with a register that left 其他资金 and 资金用途 of its second project blank
    (so they are input cells), spend plans for the framework's milestones."""
    data = clean()
    data["framework"] = framework
    fw = perfxl.load_framework(framework)
    for p in data["projects"]:
        p["spend_plan"] = {m: None for m in fw.milestones}
    unit = unit_from_dict(data)
    unit.projects[1].purpose = None  # a register row without 资金用途
    return unit, fw


@pytest.fixture(scope="module", params=["hebei-2023", "mof-2021"])
def generated(request):
    unit, fw = _unit(request.param)
    wb = load_workbook(io.BytesIO(perfxl.render_workbook(unit, fw)))
    return wb, unit, fw


# ---------------------------------------------------------------- Excel's judgement of one entry

def validation_at(ws, ref: str):
    found = [dv for dv in ws.data_validations.dataValidation if any(ref in CellRange(str(r)) for r in dv.sqref.ranges)]
    assert len(found) == 1, f"{ws.title}!{ref}: {len(found)} validations"
    return found[0]


def _named_list(wb, name: str) -> list[str]:
    (sheet, ref), = list(wb.defined_names[name].destinations)
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    ws = wb[sheet]
    return [ws.cell(r, c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)
            if ws.cell(r, c).value is not None]


def _list_source(wb, ws, dv, ref: str) -> list[str]:
    """The items a list validation offers at ``ref``: a workbook name, or the 二级 cascade."""
    formula = dv.formula1.lstrip("=")
    # the 二级 list reads a hidden helper holding the 一级 the row has or inherits ("same as above")
    m = re.fullmatch(r'INDIRECT\("(\w+)"&IFERROR\(MATCH\(\$?([A-Z]+)\$?(\d+),(\w+),0\),0\)\)', formula)
    if not m:
        return _named_list(wb, formula)
    prefix, col, first_row, match_name = m.groups()
    row = int(re.sub(r"\D", "", ref))  # relative row: the formula is written for the range's first row
    chosen = None
    for r in range(row, int(first_row) - 1, -1):  # the nearest 一级 at or above the row
        chosen = ws[f"A{r}"].value
        if chosen not in (None, ""):
            break
    options = _named_list(wb, match_name)
    if chosen not in options:
        return _named_list(wb, f"{prefix}0")
    return _named_list(wb, f"{prefix}{options.index(chosen) + 1}")


_COMPARE = {
    None: lambda x, a, b: a <= x <= b, "between": lambda x, a, b: a <= x <= b,
    "notBetween": lambda x, a, b: not a <= x <= b, "equal": lambda x, a, b: x == a,
    "notEqual": lambda x, a, b: x != a, "greaterThan": lambda x, a, b: x > a, "lessThan": lambda x, a, b: x < a,
    "greaterThanOrEqual": lambda x, a, b: x >= a, "lessThanOrEqual": lambda x, a, b: x <= a,
}


# The spend plan's text cells (writer._percent_rule): a number from 0 to 100 once "%" and spaces are
# removed; tests/test_percent_entry.py has LibreOffice evaluate the formula itself.
_SHARE_RULE = (r'IF\(ISERROR\((VALUE\(TRIM\(SUBSTITUTE\([A-Z]+\d+,"%",""\)\)\))\),FALSE,'
               r'AND\(\1>=0,\1<=100\)\)')


def _share(value) -> bool:
    try:
        x = float(str(value).replace("%", "").strip())
    except ValueError:
        return False
    return 0 <= x <= 100


def excel_verdict(wb, ws, ref: str, value) -> str:
    """What Excel does when ``value`` is typed into ``ref`` (its data validation, its alert style)."""
    dv = validation_at(ws, ref)
    if value is None or value == "":
        ok = bool(dv.allow_blank)
    elif dv.type == "decimal":
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        low, high = float(dv.formula1), float(dv.formula2) if dv.formula2 is not None else None
        ok = number and _COMPARE[dv.operator](float(value), low, high)
    elif dv.type == "textLength":
        low, high = int(dv.formula1), int(dv.formula2) if dv.formula2 is not None else None
        ok = _COMPARE[dv.operator](len(str(value)), low, high)
    elif dv.type == "list":
        ok = value in _list_source(wb, ws, dv, ref)
    elif dv.type == "custom" and re.fullmatch(_SHARE_RULE, dv.formula1 or ""):
        ok = _share(value)
    else:
        raise AssertionError(f"{ws.title}!{ref}: validation type {dv.type} not modelled here")
    if ok or not dv.showErrorMessage:
        return ACCEPTED
    return {None: REFUSED, "stop": REFUSED, "warning": WARNED, "information": INFORMED}[dv.errorStyle]


def _cell(span_or_row, col: int | None = None) -> str:
    return (span_or_row if col is None else Span(span_or_row, col)).a1


# ---------------------------------------------------------------- project sheets

def test_spend_plan_shares_from_0_to_100_are_accepted_and_anything_else_refused(generated):
    wb, unit, fw = generated
    ws = wb[project_sheet_names([p.name for p in unit.projects])[0]]
    for span in ProjectLayout(fw).milestones:
        for ok in (0, 100, 55.5, None, "30", "30%", " 30 % "):
            assert excel_verdict(wb, ws, span.a1, ok) == ACCEPTED, (span.a1, ok)
        for bad in (-0.01, 100.01, 1000, "三成", "101%", "30%以上"):
            assert excel_verdict(wb, ws, span.a1, bad) == REFUSED, (span.a1, bad)


def test_an_amount_the_register_left_blank_takes_any_number_from_0_and_nothing_else(generated):
    wb, unit, fw = generated
    ws = wb[project_sheet_names([p.name for p in unit.projects])[1]]
    other = ProjectLayout(fw).other.a1
    assert unit.projects[1].funds.other is None
    for ok in (0, 0.01, 12.5, 1e9):
        assert excel_verdict(wb, ws, other, ok) == ACCEPTED
    for bad in (-0.01, "一百", "20万元"):
        assert excel_verdict(wb, ws, other, bad) == REFUSED


def test_level1_accepts_only_the_frameworks_level1_names(generated):
    wb, unit, fw = generated
    ws = wb[project_sheet_names([p.name for p in unit.projects])[0]]
    ref = _cell(ProjectLayout(fw).first_indicator_row, ProjectLayout(fw).columns.level1)
    for name in fw.level1_names:
        assert excel_verdict(wb, ws, ref, name) == ACCEPTED
    for bad in ("产出", "社会效益指标", "其他"):
        assert excel_verdict(wb, ws, ref, bad) == REFUSED


def test_level2_accepts_only_the_level2_names_under_the_chosen_level1(generated):
    wb, unit, fw = generated
    L = ProjectLayout(fw)
    ws = wb[project_sheet_names([p.name for p in unit.projects])[0]]
    for offset, level1 in enumerate(fw.level1_names):
        row = L.first_indicator_row + offset
        ws[_cell(row, L.columns.level1)] = level1
        ref = _cell(row, L.columns.level2)
        for level2 in fw.level2_of(level1):
            assert excel_verdict(wb, ws, ref, level2) == ACCEPTED, (level1, level2)
        for level2 in set(fw.all_level2) - set(fw.level2_of(level1)):
            assert excel_verdict(wb, ws, ref, level2) == REFUSED, (level1, level2)


def test_operator_accepts_only_the_dropdown_spellings(generated):
    wb, unit, fw = generated
    L = ProjectLayout(fw)
    ws = wb[project_sheet_names([p.name for p in unit.projects])[0]]
    ref = _cell(L.first_indicator_row, L.columns.operator)
    for op in fw.operators:
        assert excel_verdict(wb, ws, ref, op) == ACCEPTED
    for bad in ("约", ">=", "大于"):
        assert excel_verdict(wb, ws, ref, bad) == REFUSED


def test_unit_outside_the_list_is_kept_after_a_warning(generated):
    wb, unit, fw = generated
    L = ProjectLayout(fw)
    ws = wb[project_sheet_names([p.name for p in unit.projects])[0]]
    ref = _cell(L.first_indicator_row, L.columns.unit)
    for u in fw.units:
        assert excel_verdict(wb, ws, ref, u) == ACCEPTED
    assert excel_verdict(wb, ws, ref, "公斤/亩") == WARNED


def test_basis_outside_the_categories_is_kept_with_a_note(generated):
    wb, unit, fw = generated
    L = ProjectLayout(fw)
    ws = wb[project_sheet_names([p.name for p in unit.projects])[0]]
    ref = _cell(L.first_indicator_row, L.columns.basis)
    for b in fw.basis_suggestions:
        assert excel_verdict(wb, ws, ref, b) == ACCEPTED
    assert excel_verdict(wb, ws, ref, "按合同约定") == INFORMED


def _text_limits(fw) -> dict[str, int]:
    lim = fw.text_limits
    return {"name": lim["short"], "description": lim["short"], "value": lim["value"], "value_note": lim["short"],
            "explanation": lim["explanation"]}


def test_indicator_text_columns_accept_up_to_their_limit_and_refuse_one_more(generated):
    wb, unit, fw = generated
    L = ProjectLayout(fw)
    ws = wb[project_sheet_names([p.name for p in unit.projects])[0]]
    for column, limit in _text_limits(fw).items():
        for row in (L.indicator_rows.start, L.indicator_rows.stop - 1):
            ref = _cell(row, getattr(L.columns, column))
            assert excel_verdict(wb, ws, ref, "字" * limit) == ACCEPTED, (column, ref)
            assert excel_verdict(wb, ws, ref, "字" * (limit + 1)) == REFUSED, (column, ref)


def test_goal_purpose_and_sheet_explanation_accept_up_to_their_limit(generated):
    wb, unit, fw = generated
    L = ProjectLayout(fw)
    ws = wb[project_sheet_names([p.name for p in unit.projects])[1]]
    lim = fw.text_limits
    for span, limit in ((L.goals, lim["goal"]), (L.purpose, lim["short"]), (L.sheet_explanation, lim["explanation"])):
        assert excel_verdict(wb, ws, span.a1, "字" * limit) == ACCEPTED, span
        assert excel_verdict(wb, ws, span.a1, "字" * (limit + 1)) == REFUSED, span


# ---------------------------------------------------------------- the department sheet

def test_department_texts_accept_up_to_their_limit_and_refuse_one_more(generated):
    wb, _, fw = generated
    D = DepartmentLayout(fw)
    ws = wb[DEPARTMENT_SHEET]
    lim = fw.text_limits
    cells = [(D.overall, lim["overall"]), (D.sheet_explanation, lim["explanation"])]
    for row in (D.section_rows.start, D.section_rows.stop - 1):
        cells += [(D.section_name(row), 50), (D.section_goal(row), lim["goal"])]
    for row in (D.measure_rows.start, D.measure_rows.stop - 1):
        cells.append((D.measure(row), lim["goal"]))
    for span, limit in cells:
        assert excel_verdict(wb, ws, span.a1, "字" * limit) == ACCEPTED, span
        assert excel_verdict(wb, ws, span.a1, "字" * (limit + 1)) == REFUSED, span
        assert excel_verdict(wb, ws, span.a1, None) == ACCEPTED, span


# ---------------------------------------------------------------- messages

def _unlocked_cells(ws) -> list[str]:
    tails = {c for rng in ws.merged_cells.ranges for c in _range_cells(rng)} - {
        rng.start_cell.coordinate for rng in ws.merged_cells.ranges}
    return [c.coordinate for row in ws.iter_rows() for c in row
            if c.coordinate not in tails and not c.protection.locked]


def _range_cells(rng) -> set[str]:
    from openpyxl.utils import get_column_letter
    return {f"{get_column_letter(c)}{r}" for r in range(rng.min_row, rng.max_row + 1)
            for c in range(rng.min_col, rng.max_col + 1)}


def test_every_input_cell_shows_a_chinese_prompt_and_a_chinese_error_within_excels_caps(generated):
    wb, _, _ = generated
    seen = 0
    for ws in wb.worksheets:
        for ref in _unlocked_cells(ws):
            dv = validation_at(ws, ref)
            where = f"{ws.title}!{ref}"
            assert dv.showInputMessage and dv.showErrorMessage, where
            for text, cap in ((dv.promptTitle, TITLE_MAX), (dv.prompt, MESSAGE_MAX),
                              (dv.errorTitle, TITLE_MAX), (dv.error, MESSAGE_MAX)):
                assert text and _CJK.search(text) and len(text) <= cap, (where, text)
            seen += 1
    assert seen > 100  # every sheet's inputs, not a handful


def test_error_messages_state_the_limit_the_validation_enforces(generated):
    """The message a refused person reads names the same number the rule checks."""
    wb, _, _ = generated
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            numbers = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", dv.error or "")}
            if dv.type == "textLength":
                assert float(dv.formula1) in numbers, (ws.title, dv.sqref, dv.error)
            elif dv.type == "decimal":
                bounds = {float(dv.formula1)} | ({float(dv.formula2)} if dv.formula2 is not None else set())
                assert bounds <= numbers, (ws.title, dv.sqref, dv.error)


# ---------------------------------------------------------------- protection

# What staff may do on a protected data sheet: widen columns, heighten rows, select cells. Nothing else:
# no inserting or deleting rows or columns (the reader's addresses would move), no sorting, no formatting.
ALLOWED_ON_DATA_SHEETS = {"formatColumns", "formatRows", "selectLockedCells", "selectUnlockedCells"}
ALLOWED_ON_HIDDEN_SHEETS = {"selectLockedCells", "selectUnlockedCells"}
_OPTIONS = ("objects", "scenarios", "formatCells", "formatColumns", "formatRows", "insertColumns", "insertRows",
            "insertHyperlinks", "deleteColumns", "deleteRows", "selectLockedCells", "selectUnlockedCells", "sort",
            "autoFilter", "pivotTables")


def allowed(ws) -> set[str]:
    """The protection options left open (openpyxl's flag True means the action is locked)."""
    assert ws.protection.sheet, ws.title
    return {name for name in _OPTIONS if not getattr(ws.protection, name)}


def test_data_sheets_allow_resizing_and_selecting_only(generated):
    wb, unit, _ = generated
    for name in [INSTRUCTIONS_SHEET, DEPARTMENT_SHEET, *project_sheet_names([p.name for p in unit.projects])]:
        assert allowed(wb[name]) == ALLOWED_ON_DATA_SHEETS, name


def test_hidden_sheets_allow_nothing_but_selecting(generated):
    wb, _, _ = generated
    for name in (LISTS_SHEET, IDENTITY_SHEET):
        assert allowed(wb[name]) == ALLOWED_ON_HIDDEN_SHEETS, name
    assert wb[LISTS_SHEET].sheet_state == "hidden" and wb[IDENTITY_SHEET].sheet_state == "veryHidden"


def test_workbook_structure_is_locked_but_windows_are_not(generated):
    wb, _, _ = generated
    assert wb.security.lockStructure and not wb.security.lockWindows and not wb.security.lockRevision


def test_annotated_return_is_protected_the_same_way(generated):
    _, unit, fw = generated
    wb = load_workbook(io.BytesIO(perfxl.render_workbook(unit, fw, findings=[])))
    assert wb.sheetnames[0] == REVIEW_SHEET
    for ws in wb.worksheets:
        hidden = ws.title in (LISTS_SHEET, IDENTITY_SHEET) or is_calc_sheet(ws.title)
        expected = ALLOWED_ON_HIDDEN_SHEETS if hidden else ALLOWED_ON_DATA_SHEETS
        assert allowed(ws) == expected, ws.title
    assert wb.security.lockStructure


def test_the_password_guards_every_sheet_and_the_structure(generated):
    _, unit, fw = generated
    wb = load_workbook(io.BytesIO(perfxl.render_workbook(unit, fw, password="s3cret")))
    for ws in wb.worksheets:
        assert ws.protection.password and allowed(ws) <= ALLOWED_ON_DATA_SHEETS, ws.title
    assert wb.security.lockStructure and wb.security.workbookPassword
