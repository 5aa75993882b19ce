"""The spend-plan cells take a share as text (issue 10, docs/percent-entry.md): what their data
validation lets through is what ``perfxl check`` reads as a share from 0 to 100, with the same value.

The validation is a custom formula (a decimal rule would refuse the text a text cell stores);
LibreOffice evaluates it here as a cell formula over typed entries, as it would on entry.
"""
from __future__ import annotations

import re

import pytest
from openpyxl import Workbook, load_workbook

import perfxl
from perfxl.layout import ProjectLayout
from perfxl.values import parse_percent

from test_live import recalculated

HEBEI = perfxl.load_framework("hebei-2023")
P1 = "1.郭营子棚改本金利息"

# (entry as the text cell stores it, accepted?)
ENTRIES = [("30", True), ("30%", True), (" 30 ", True), ("30 %", True), ("0", True), ("100", True),
           ("100%", True), ("12.5", True), ("0.3", True), ("1e1", True), (30, True), (0.5, True),
           ("100.5", False), ("-1", False), ("-1%", False), ("abc", False), ("30%以上", False), ("三十", False),
           ("101%", False), (150, False), ("", False)]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    unit = perfxl.load_unit(__import__("conftest").SAMPLES / "units" / "115001.json")
    return perfxl.write_workbook(unit, HEBEI, tmp_path_factory.mktemp("t"))


def _validation(ws, ref: str):
    return next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == ref)


def test_spend_plan_cells_are_text_with_a_formula_validation(template):
    ws = load_workbook(template)[P1]
    for span in ProjectLayout(HEBEI).milestones:
        ref = span.a1.replace("$", "")
        assert ws[ref].number_format == "@"
        dv = _validation(ws, ref)
        assert dv.type == "custom" and ref in dv.formula1 and dv.showErrorMessage
        assert "30%" in dv.error


def test_validation_accepts_exactly_the_shares_check_reads_in_range(template, soffice, tmp_path):
    ws = load_workbook(template)[P1]
    ref = ProjectLayout(HEBEI).milestones[0].a1.replace("$", "")
    formula = _validation(ws, ref).formula1
    probe = Workbook()
    sheet = probe.active
    for r, (entry, _) in enumerate(ENTRIES, start=1):
        cell = sheet.cell(r, 1, entry)
        cell.number_format = "@" if isinstance(entry, str) else "General"
        sheet.cell(r, 2, "=" + re.sub(rf"\b{ref}\b", f"A{r}", formula))
        sheet.cell(r, 3, f'=IF(B{r},VALUE(TRIM(SUBSTITUTE(A{r},"%",""))),"")')  # the number it let through
    probe.save(tmp_path / "probe.xlsx")
    seen = load_workbook(recalculated(soffice, tmp_path / "probe.xlsx", tmp_path / "out"), data_only=True).active
    for r, (entry, accepted) in enumerate(ENTRIES, start=1):
        shown = seen.cell(r, 2).value
        assert (shown is True) == accepted, (entry, shown)
        read = parse_percent(entry) if entry != "" else None
        if accepted:  # what the validation lets through is a share check reads, with the same value
            assert read is not None and 0 <= read <= 100 and seen.cell(r, 3).value == pytest.approx(read), (entry, read)
        else:
            assert read is None or not 0 <= read <= 100, (entry, read)
