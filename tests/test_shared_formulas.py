"""Runs of row-copied formulas are stored once (perfxl.shared_formulas, issue 12): what a cell
computes never changes, the file gets smaller, and every reader sees every cell's formula."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

import perfxl
from perfxl.layout import ProjectLayout, rowcol
from perfxl.shared_formulas import find_groups, shift_rows

from conftest import SAMPLES


@pytest.mark.parametrize("formula, rows, moved", [
    ("A1+B2", 3, "A4+B5"),
    ("$A1+A$1+$A$1", 2, "$A3+A$1+$A$1"),                  # only relative rows move
    ('IF(A1="B2",A1,"")', 1, 'IF(A2="B2",A2,"")'),        # text in quotes stays
    ('"say ""A1"""&A1', 1, '"say ""A1"""&A2'),            # doubled quotes inside text
    ("INDIRECT(\"pxl_L2_\"&MATCH(L10,pxl_L1,0))", 1, "INDIRECT(\"pxl_L2_\"&MATCH(L11,pxl_L1,0))"),  # names stay
    ("LOG10(A1)+1E5+A1:B3", 1, "LOG10(A2)+1E5+A2:B4"),    # functions and numbers stay, ranges move
    ("'_lists'!A1+_lists!$B$2", 1, "'_lists'!A2+_lists!$B$2"),
    ("'3.G20峰会''A1'!C5&'_calc3'!$L$5:L9", 2, "'3.G20峰会''A1'!C7&'_calc3'!$L$5:L11"),  # quoted sheet names stay
])
def test_shift_moves_relative_rows_as_excel_fills_down(formula, rows, moved):
    assert shift_rows(formula, rows) == moved


def test_only_exact_copies_in_consecutive_rows_are_grouped():
    formulas = {(9, 2): "A10*2", (10, 2): "A11*2", (11, 2): "A12*2",      # a run of three
                (12, 2): "A13*3",                                       # not a copy: alone
                (14, 2): "A15*3",                                       # a gap: alone
                (9, 3): "$B$1+D10", (10, 3): "$B$1+D11"}                # a second run
    groups = find_groups(formulas)
    assert groups[(9, 2)] == (0, "C10:C12") and groups[(10, 2)] == (0, None) and groups[(11, 2)] == (0, None)
    assert (12, 2) not in groups and (14, 2) not in groups
    assert groups[(9, 3)] == (1, "D10:D11") and groups[(10, 3)] == (1, None)


def test_a_literal_row_number_is_not_taken_for_a_reference():
    # the same text on each row (a literal 10 is not a reference), or a literal that changes with the row:
    # neither is what Excel would get by moving the first formula, so neither is shared
    assert not find_groups({(9, 0): 'B10&"第10行"', (10, 0): 'B11&"第11行"'})
    assert not find_groups({(9, 0): "INDEX(X:X,10)", (10, 0): "INDEX(X:X,11)"})


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    unit = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    return perfxl.write_workbook(unit, perfxl.load_framework("hebei-2023"), tmp_path_factory.mktemp("w"))


def _part(path, sheet: str) -> str:
    """The XML of ``sheet`` (XlsxWriter numbers the parts in the workbook's order)."""
    return f"xl/worksheets/sheet{load_workbook(path).sheetnames.index(sheet) + 1}.xml"


def test_the_indicator_rows_helpers_are_shared_and_the_sheet_shrinks(written):
    from perfxl.layout import calc_sheet_name

    xml = zipfile.ZipFile(written).read(_part(written, calc_sheet_name(1))).decode()
    anchors = re.findall(r'<f t="shared" ref="([A-Z]+)(\d+):([A-Z]+)(\d+)" si="\d+">', xml)
    L = ProjectLayout(perfxl.load_framework("hebei-2023"))
    assert len(anchors) > 20
    whole_table = f"{L.indicator_rows.start + 1}:{L.indicator_rows.stop}"
    assert sum(f"{r1}:{r2}" == whole_table for _, r1, _, r2 in anchors) > 20  # helpers down every indicator row
    # the marks' text of every row after the first (it refers to the budget cell, absolutely) is one run
    from perfxl.layout import HELPER_COL, a1 as cell

    marks = cell(0, HELPER_COL).rstrip("0123456789")
    assert (marks, str(L.indicator_rows.start + 2), marks, str(L.indicator_rows.stop)) in anchors
    stored = sum(len(f) for f in re.findall(r"<f[^>]*>(.*?)</f>", xml))
    ws = load_workbook(written)[calc_sheet_name(1)]
    every = sum(len(c.value) for row in ws.iter_rows() for c in row if c.data_type == "f")
    assert stored < every / 2, (stored, every)  # one copy of each run instead of one per row


def test_every_cell_still_reads_its_own_formula_and_cached_value(written, tmp_path):
    """openpyxl expands shared formulas: each cell's formula is the first one moved to its row,
    and the cached values (what check and Protected View see) are all still there."""
    from perfxl.layout import calc_sheet_name

    wb = load_workbook(written)
    values = load_workbook(written, data_only=True)
    for sheet in ("1.郭营子棚改本金利息", calc_sheet_name(1)):  # the 自查 column, the helpers
        ws, vs = wb[sheet], values[sheet]
        xml = zipfile.ZipFile(written).read(_part(written, sheet)).decode()
        followers = re.findall(r'<c r="([A-Z]+\d+)"[^>]*><f t="shared" si="\d+"/>(<v>[^<]*</v>)?', xml)
        assert followers, sheet
        for ref, v in followers:
            assert ws[ref].value.startswith("="), ref
            if v and v != "<v></v>":  # "" results are written as an empty <v>, read as None
                assert vs[ref].value is not None, ref
    assert perfxl.check_file(written).report.findings == perfxl.check_file(written).report.findings


def _row_by_row(formulas: dict) -> dict:
    """The plain rule, for comparison: a run is each next row equal to the first formula moved down."""
    out, si = {}, 0
    for c in sorted({c for _, c in formulas}):
        rows = sorted(r for r, cc in formulas if cc == c)
        i = 0
        while i < len(rows):
            j = i + 1
            while (j < len(rows) and rows[j] == rows[i] + (j - i)
                   and formulas[(rows[j], c)] == shift_rows(formulas[(rows[i], c)], j - i)):
                j += 1
            if j - i >= 2:
                out[(rows[i], c)] = (si, f"{rows[i]}:{rows[j - 1]}")
                out.update({(r, c): (si, None) for r in rows[i + 1:j]})
                si += 1
            i = j
    return out


@pytest.mark.parametrize("framework, sample", [("hebei-2023", "units/115001.json"),
                                               ("mof-2021", "frameworks/mof-2021.json"),
                                               ("mof-2013", "frameworks/mof-2013.json")])
def test_the_quick_grouping_finds_exactly_the_runs_of_the_plain_rule(framework, sample):
    """On every sheet of real workbooks (the live checks' formulas, with CHAR(10), CHAR(13) and
    other literals that look like row numbers), the candidates-then-proof grouping gives the same
    runs as moving the first formula row by row."""
    from perfxl.writer import render_workbook
    import perfxl.writer as w

    seen = []
    real = w.groups
    w.groups = lambda formulas: seen.append(dict(formulas)) or real(formulas)
    try:
        render_workbook(perfxl.load_unit(SAMPLES / sample), perfxl.load_framework(framework))
    finally:
        w.groups = real
    assert len(seen) >= 3
    for formulas in seen:
        quick = {k: (si, ref.replace("$", "") if ref else None) for k, (si, ref) in find_groups(formulas).items()}
        plain = _row_by_row(formulas)
        assert set(quick) == set(plain)
        assert {k for k, (_, ref) in quick.items() if ref} == {k for k, (_, ref) in plain.items() if ref}


@pytest.mark.parametrize("formula, on_calc, placed", [
    # on the form sheet: the helpers (L, M …) are on the calc sheet, the inputs and the 一级 helper (N) are not
    ('IF(L20="","✓",MID(L20,2,2000))', False, "IF('_calc1'!L20=\"\",\"✓\",MID('_calc1'!L20,2,2000))"),
    ("SUMPRODUCT(($M$20:$M$39=1)*($N$20:$N$39=\"产出指标\"))", False,
     "SUMPRODUCT(('_calc1'!$M$20:$M$39=1)*($N$20:$N$39=\"产出指标\"))"),
    # on the calc sheet: the form's cells get its (quoted) name; text, names and functions stay
    ('IF(TRIM(C20)="",N19,"C20 G01")&LOG10(P20)&pxl_L1', True,
     "IF(TRIM('3.G20''s'!C20)=\"\",'3.G20''s'!N19,\"C20 G01\")&LOG10(P20)&pxl_L1"),
    ("SUMPRODUCT(LEN(A20:J20))+$C$8", True, "SUMPRODUCT(LEN('3.G20''s'!A20:J20))+'3.G20''s'!$C$8"),
    ("'_lists'!A1+B2", True, "'_lists'!A1+'3.G20''s'!B2"),       # a reference on a named sheet stays
])
def test_a_formula_names_the_other_sheet_of_every_cell_it_reads_there(formula, on_calc, placed):
    from perfxl.formula_text import place
    from perfxl.layout import in_calc_sheet

    form = "3.G20's" if on_calc else "1.项目"
    assert place(formula, on_calc, form, "_calc1", in_calc_sheet) == placed


def test_a_range_across_the_form_and_its_calc_sheet_is_the_writers_bug():
    from perfxl.formula_text import place
    from perfxl.layout import in_calc_sheet

    with pytest.raises(ValueError, match="spans"):
        place("SUM(K5:M5)", False, "1.项目", "_calc1", in_calc_sheet)


@pytest.mark.parametrize("fw_id", ["hebei-2023", "mof-2013"])
def test_placing_by_row_copies_gives_what_placing_each_formula_gives(fw_id):
    """row_placer places a row copy once, its row numbers and the sheet names standing in (a cache
    kept across sheets and workbooks): every live formula of a workbook, on sheets named with digits
    and quotes, comes out as place() makes it."""
    import json

    from perfxl.formula_text import place, row_placer
    from perfxl.layout import in_calc_sheet
    from perfxl.live import ProjectLive
    from perfxl.model import unit_from_dict

    data = json.loads((SAMPLES / ("frameworks/mof-2013.json" if fw_id == "mof-2013" else "units/115001.json"))
                      .read_text("utf-8"))
    unit = unit_from_dict(data)
    fw = perfxl.load_framework(fw_id)
    live = ProjectLive(fw, unit.money_unit)
    cells = live.build("x", {}, [])
    assert len(cells) > 500
    for form, calc in (("12.G20峰会'A1'保障", "_calc12"), ("1.项目", "_calc1"), ("12.G20峰会'A1'保障", "_calc12")):
        placer = row_placer(form, calc, in_calc_sheet)
        for c in cells:
            for on_calc in (True, False):
                assert placer(c.formula, on_calc, c.row) == place(c.formula, on_calc, form, calc, in_calc_sheet), c


def _sheet_parts(data: bytes) -> dict[str, str]:
    """Every worksheet part's XML, by part name."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")}


def _stored_formulas(parts: dict[str, str]) -> dict[tuple[str, str], str]:
    """Every formula cell of a workbook as Excel reads it: a shared formula's followers get the
    first cell's formula moved down to their row (shift_rows), keyed by (part, cell)."""
    from html import unescape

    cell = re.compile(r'<c r="([A-Z]+)(\d+)"[^>]*>(?:<f>(.*?)</f>|<f t="shared" ref="[^"]+" si="(\d+)">(.*?)</f>'
                      r'|<f t="shared" si="(\d+)"/>)', re.S)
    out = {}
    for part, xml in sorted(parts.items()):
        anchors: dict[str, tuple[int, str]] = {}
        for col, row, plain, si, text, follower in cell.findall(xml):
            if plain:
                out[(part, col + row)] = unescape(plain)
            elif si:
                anchors[si] = (int(row), unescape(text))
                out[(part, col + row)] = anchors[si][1]
            else:
                first_row, first = anchors[follower]
                out[(part, col + row)] = shift_rows(first, int(row) - first_row)
    return out


def test_the_runs_found_once_give_every_unit_its_own_formulas(monkeypatch):
    """The runs are found once per sheet of formulas, with the sheet names standing in
    (shared_formulas.groups): units whose project sheets are named with digits, quotes and row-like
    text ("3.G20峰会'A1'") still read, in every cell, exactly the formula the writer wrote for it."""
    import copy

    import perfxl.writer as w

    written: dict[str, str] = {}
    real = w._write_formula

    def record(ws, row, col, formula, f, value):
        written[f"{ws.name}!{w.a1(row, col)}"] = formula[1:] if formula.startswith("=") else formula
        real(ws, row, col, formula, f, value)

    monkeypatch.setattr(w, "_write_formula", record)
    fw = perfxl.load_framework("hebei-2023")
    base = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    for names in (("郭营子棚改本金利息", "G20峰会'A1'保障"), ("第10行项目", "A1B2''C3")):
        unit = copy.deepcopy(base)
        for p, name in zip(unit.projects, names):
            p.name = name
        written.clear()
        data = w.render_workbook(unit, fw)
        parts = _sheet_parts(data)
        sheets = load_workbook(io.BytesIO(data)).sheetnames
        sheet_of = {f"xl/worksheets/sheet{i}.xml": name for i, name in enumerate(sheets, start=1)}
        stored = _stored_formulas(parts)
        assert any("'" in k.split("!")[0] for k in written) and len(written) > 500
        for (part, ref), formula in stored.items():
            assert written[f"{sheet_of[part]}!{ref}"] == formula, (sheet_of[part], ref)
        assert len(stored) == len(written)
        followers = sum(xml.count('<f t="shared" si=') for xml in parts.values())
        assert followers > len(written) / 2  # most cells are stored as moved copies of a run's first
        # and the runs are those found on the formulas as written, names and all
        for part, xml in parts.items():
            sheet = sheet_of[part]
            as_written = {rowcol(k.split("!")[1]): f for k, f in written.items() if k.split("!")[0] == sheet}
            expected = {w.a1(*rc): ref for rc, (_, ref) in find_groups(as_written).items()}
            got = dict(re.findall(r'<c r="([A-Z]+\d+)"[^>]*><f t="shared" (?:ref="([^"]+)" )?si=', xml))
            assert got == {k: v or "" for k, v in expected.items()}, sheet
