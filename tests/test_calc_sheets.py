"""The live checks' helpers live on very hidden calc sheets, which check never parses (issue 12):
the verdict is the same, a workbook issued before them still reads, and a calc sheet deleted or
shown is handled by name."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

import perfxl
from perfxl.layout import CHECK_COL, LEVEL1_HELPER_COL, LISTS_SHEET, ProjectLayout, calc_sheet_names, is_calc_sheet, project_sheet_names
from perfxl.reader import open_return
from perfxl.safe_open import open_workbook

from conftest import SAMPLES

OLD = Path(__file__).parent / "data" / "issued-0.1.0-helpers-on-sheet.xlsx"  # perfxl 466b780: helpers on the form sheets


@pytest.fixture(scope="module")
def seed():
    return perfxl.load_unit(SAMPLES / "units" / "115001.json")


@pytest.fixture(scope="module")
def issued(tmp_path_factory, seed):
    return perfxl.write_workbook(seed, perfxl.load_framework("hebei-2023"), tmp_path_factory.mktemp("issued"))


def _seen(findings) -> list[tuple]:
    return sorted((f.code, f.severity, f.sheet or "", f.cell or "", f.message) for f in findings)


def test_check_reads_no_calc_sheet_and_only_the_form_columns(issued, seed):
    opened, _ = open_return(issued)
    calcs = calc_sheet_names(len(seed.projects))
    assert opened.unread_sheets == [LISTS_SHEET, *calcs]  # the dropdown lists are not read either
    assert all(opened.sheets[c] == [] for c in [LISTS_SHEET, *calcs])
    for name in project_sheet_names([p.name for p in seed.projects]):  # nothing right of the 一级 helper
        assert max(len(row) for row in opened.sheets[name]) <= LEVEL1_HELPER_COL + 1
    everything = open_workbook(issued)  # a caller that asks for every sheet still gets them
    assert everything.unread_sheets == [] and all(everything.sheets[c] for c in [LISTS_SHEET, *calcs[1:]])  # _calc0's are all "" now


def test_a_workbook_issued_before_the_calc_sheets_checks_as_one_issued_now(issued):
    old, new = perfxl.check_file(OLD).report.findings, perfxl.check_file(issued).report.findings
    assert "S07" not in {f.code for f in old} and old  # the seed's defects, found the same way
    assert _seen(old) == _seen(new)


def test_a_deleted_calc_sheet_is_named_by_s07(issued, tmp_path):
    wb = load_workbook(issued)
    del wb["_calc2"]
    wb.save(tmp_path / "deleted.xlsx")
    s07 = [f for f in perfxl.check_file(tmp_path / "deleted.xlsx").report.findings if f.code == "S07"]
    assert [f.sheet for f in s07] == ["_calc2"] and "_calc2" in s07[0].message


def test_a_visible_sheet_is_read_whatever_its_name(tmp_path):
    """Only a sheet the file hides is left unread: a unit that shows a calc sheet, or a workbook from
    elsewhere with a sheet so named, is read in full."""
    wb = Workbook()
    wb.active.title = "数据"
    for name, state in (("_calc1", "visible"), ("_calc2", "hidden"), ("_calcX", "hidden")):
        ws = wb.create_sheet(name)
        ws["A1"] = name
        ws.sheet_state = state
    wb.save(tmp_path / "x.xlsx")
    opened = open_workbook(tmp_path / "x.xlsx", unread=is_calc_sheet)
    assert opened.unread_sheets == ["_calc2"] and opened.sheets["_calc2"] == []
    assert opened.sheets["_calc1"] == [["_calc1"]] and opened.sheets["_calcX"] == [["_calcX"]]


def test_the_form_sheet_reads_its_helpers_across_sheets(issued, seed):
    """The 自查 cells name the calc sheet; the helpers name the form sheet: one workbook, no links out."""
    wb = load_workbook(issued)
    sheet = project_sheet_names([p.name for p in seed.projects])[0]
    L = ProjectLayout(perfxl.load_framework("hebei-2023"))
    mark = wb[sheet].cell(L.first_indicator_row + 1, CHECK_COL + 1).value
    assert mark.startswith("=") and "'_calc1'!" in mark
    helpers = " ".join(c.value for row in wb["_calc1"].iter_rows() for c in row if c.data_type == "f")
    assert f"'{sheet}'!" in helpers
    assert not [n for n in zipfile.ZipFile(issued).namelist() if "externalLink" in n]  # no link to another file
