"""Assertions on a generated unit workbook, reopened with openpyxl.

Shared by the tests of fresh workbooks and of workbooks re-saved by LibreOffice, so both are held
to the same checks.
"""
from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.cell_range import CellRange

from perfxl.frameworks import Framework
from perfxl.integrity import canonical
from perfxl.layout import (DEPARTMENT_SHEET, IDENTITY_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET, REVIEW_SHEET,
                           DepartmentLayout,
                           ProjectLayout, Span, calc_sheet_names, project_sheet_names)
from perfxl.model import UnitData
from perfxl.reader import load_grid, verify_grid


def covered(ws, ref: str) -> bool:
    return any(ref in CellRange(str(r)) for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges)


def input_spans_project(fw: Framework, project) -> list[Span]:
    L = ProjectLayout(fw)
    spans = [*L.milestones, L.goals, L.sheet_explanation]
    spans += [Span(r, c) for r in L.indicator_rows for name, c in L.columns.items() if name != "check"]
    for span, value in ((L.total, project.funds.total), (L.fiscal, project.funds.fiscal),
                        (L.other, project.funds.other), (L.purpose, project.purpose)):
        if value is None:
            spans.append(span)
    return spans


def input_spans_department(fw: Framework) -> list[Span]:
    L = DepartmentLayout(fw)
    spans = [L.overall, L.sheet_explanation]
    spans += [s for r in L.section_rows for s in (L.section_name(r), L.section_goal(r))]
    spans += [L.measure(r) for r in L.measure_rows]
    return spans


def assert_unit_workbook(path: Path, unit: UnitData, fw: Framework, *, key: bytes | None = None,
                         structure_locked: bool = True) -> None:
    wb = load_workbook(path)
    names = project_sheet_names([p.name for p in unit.projects])
    review = [REVIEW_SHEET] if REVIEW_SHEET in wb.sheetnames else []  # annotated returns lead with it
    assert wb.sheetnames[:2 + len(names) + len(review)] == [*review, INSTRUCTIONS_SHEET, DEPARTMENT_SHEET, *names]
    calcs = calc_sheet_names(len(names))
    assert set(wb.sheetnames) == {*review, INSTRUCTIONS_SHEET, DEPARTMENT_SHEET, LISTS_SHEET, IDENTITY_SHEET, *names, *calcs}
    assert wb.sheetnames[-1] == IDENTITY_SHEET and wb.sheetnames[-2 - len(calcs):-1] == [LISTS_SHEET, *calcs]
    assert wb[INSTRUCTIONS_SHEET].sheet_state == "visible"
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    for calc in calcs:  # the live checks' helpers: never shown, so never typed into (LibreOffice keeps "hidden")
        assert wb[calc].sheet_state in ("veryHidden", "hidden") and wb[calc].protection.sheet
    assert wb[IDENTITY_SHEET].sheet_state in ("veryHidden", "hidden")  # LibreOffice keeps only "hidden"
    if structure_locked:
        assert wb.security is not None and wb.security.lockStructure

    # Register values in place, locked.
    for p, name in zip(unit.projects, names):
        ws = wb[name]
        L = ProjectLayout(fw)
        for span, value in ((L.code, p.code), (L.name, p.name), (L.total, p.funds.total),
                            (L.fiscal, p.funds.fiscal), (L.other, p.funds.other), (L.purpose, p.purpose)):
            cell = ws[span.a1]
            if value is not None:
                assert canonical(cell.value) == canonical(value), (name, span.a1)
                assert cell.protection.locked, (name, span.a1)
        assert unit.unit.code in ws[L.unit_line.a1].value

    # Every sheet protected; every input cell unlocked; every unlocked cell validated.
    expected_inputs = {DEPARTMENT_SHEET: input_spans_department(fw)}
    expected_inputs.update({n: input_spans_project(fw, p) for p, n in zip(unit.projects, names)})
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        for span in expected_inputs.get(ws.title, []):
            assert not ws[span.a1].protection.locked, (ws.title, span.a1)
        merged_tails = {c for rng in ws.merged_cells.ranges for c in _cells(rng)} - \
                       {f"{rng.start_cell.coordinate}" for rng in ws.merged_cells.ranges}
        unlocked = [c.coordinate for row in ws.iter_rows() for c in row
                    if c.coordinate not in merged_tails and not c.protection.locked]
        if ws.title in expected_inputs:
            assert unlocked, ws.title
        for ref in unlocked:
            assert covered(ws, ref), f"{ws.title}!{ref} unlocked without data validation"
        if ws.title not in expected_inputs:
            assert not unlocked, (ws.title, unlocked[:5])

    # Cascading 二级 lists resolve to the framework's lists.
    for name in names:
        assert_cascade(wb, wb[name], fw)

    # Identity and signature.
    v = verify_grid(load_grid(path), key)
    assert v is not None and v.ok, v
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["perfxl.unit_code"] == unit.unit.code
    assert props["perfxl.framework"] == fw.id
    assert props["perfxl.budget_year"] == str(unit.budget_year)


def _cells(rng) -> set[str]:
    from openpyxl.utils import get_column_letter
    return {f"{get_column_letter(c)}{r}" for r in range(rng.min_row, rng.max_row + 1)
            for c in range(rng.min_col, rng.max_col + 1)}


def defined_name_values(wb, name: str) -> list[str]:
    dn = wb.defined_names[name]
    (sheet, ref), = list(dn.destinations)
    ws = wb[sheet]
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    return [ws.cell(r, c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)
            if ws.cell(r, c).value is not None]


def assert_cascade(wb, ws, fw: Framework) -> None:
    """Evaluate the 二级 column's list formula the way Excel would, for every 一级 choice."""
    L = ProjectLayout(fw)
    level1_ref = Span(L.first_indicator_row, L.columns.level1).a1
    level2_ref = Span(L.first_indicator_row, L.columns.level2).a1
    dv1 = next(dv for dv in ws.data_validations.dataValidation if level1_ref in dv.sqref)
    dv2 = next(dv for dv in ws.data_validations.dataValidation if level2_ref in dv.sqref)
    assert dv1.type == "list" and dv2.type == "list"
    level1_list = defined_name_values(wb, dv1.formula1.lstrip("="))
    assert level1_list == fw.level1_names
    # The 二级 list follows the 一级 the row has or inherits (a hidden helper cell, perfxl.live); a row
    # with none gets pxl_L2_0, an empty list, never "#N/A".
    m = re.fullmatch(r'INDIRECT\("(\w+)"&IFERROR\(MATCH\(\$?([A-Z]+)\$?(\d+),(\w+),0\),0\)\)', dv2.formula1.lstrip("="))
    assert m, dv2.formula1
    prefix, col, row, match_name = m.groups()
    from perfxl.live import ProjectLive
    assert f"${col}{row}" == ProjectLive(fw, "万元").level1_ref(L.first_indicator_row)
    assert match_name == dv1.formula1.lstrip("=") and defined_name_values(wb, f"{prefix}0") == []
    for level1 in fw.level1_names:
        position = level1_list.index(level1) + 1  # MATCH(...,0) is 1-based
        assert defined_name_values(wb, f"{prefix}{position}") == list(fw.level2_of(level1)), level1
