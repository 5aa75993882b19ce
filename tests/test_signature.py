"""What the signature covers: every identity field and every locked cell, with and without the key.

The identity (who the workbook was issued to, what it was made from) and the register values are
what a unit must not change. Each is changed here on its own, in the grid the reader sees, and the
workbook must then fail to verify (S04). The set of locked cells is derived from the layout, so a
register value the writer forgets to sign is caught too.
"""
from __future__ import annotations

import copy
import json

import pytest
from openpyxl import load_workbook

import perfxl
from perfxl.integrity import sign
from perfxl.layout import (DEPARTMENT_SHEET, IDENTITY_SHEET, INSTRUCTIONS_SHEET, DepartmentLayout,
                           InstructionsLayout, ProjectLayout, project_sheet_names)
from perfxl.reader import identity_of, load_grid, read_grid, verify_grid

from conftest import SAMPLES

KEY = b"office-secret"
UNSIGNED = ("signature", "signature_method")
# What a workbook says about itself, as the reader relies on it; a writer that stops writing one fails here.
IDENTITY_FIELDS = {"template_id", "template_version", "perfxl_version", "framework", "framework_version",
                   "budget_year", "money_unit", "unit_code", "unit_name", "department_code", "department_name",
                   "project_codes", "project_sheets", "calc_sheets"}


@pytest.fixture(scope="module", params=[None, KEY], ids=["sha256", "hmac"])
def issued(request, tmp_path_factory):
    """The seed unit's workbook as issued (key or none), its grid, and the key to read it with."""
    seed = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    path = perfxl.write_workbook(seed, perfxl.load_framework("hebei-2023"), tmp_path_factory.mktemp("sig"),
                                 key=request.param)
    return seed, path, load_grid(path), request.param


def _set_field(grid: dict, key: str, value: str) -> dict:
    g = copy.deepcopy(grid)
    (row,) = [r for r in g[IDENTITY_SHEET] if r and r[0] == key]
    row[1] = value
    return g


def _changed(key: str, value: str) -> str:
    """Another plausible value for an identity field (the reader still recognises the workbook)."""
    if key == "framework":
        return "mof-2021" if value != "mof-2021" else "hebei-2023"
    if key in ("project_codes", "project_sheets"):
        items = json.loads(value)
        return json.dumps(list(reversed(items)) if len(items) > 1 else items + ["x"], ensure_ascii=False)
    if key == "budget_year":
        return str(int(value) + 1)
    return value + "1" if value else "1"


def test_the_identity_carries_every_field_the_reader_relies_on(issued):
    _, _, grid, key = issued
    fields = identity_of(grid).fields
    assert set(fields) - set(UNSIGNED) == IDENTITY_FIELDS
    assert fields["signature_method"] == ("hmac-sha256" if key else "sha256")
    assert verify_grid(grid, key).ok


@pytest.mark.parametrize("field", sorted(IDENTITY_FIELDS))
def test_changing_an_identity_field_breaks_the_signature(issued, field):
    _, _, grid, key = issued
    tampered = _set_field(grid, field, _changed(field, identity_of(grid).fields[field]))
    v = verify_grid(tampered, key) if field != "template_id" else None
    if field == "template_id":
        # No longer a perfxl workbook at all: refused as S03 before any signature is read.
        assert [f.code for f in read_grid(tampered, key=key).findings] == ["S03"]
        return
    assert not v.signature_ok and v.changed == []
    signature_findings = [f for f in read_grid(tampered, key=key).findings if f.code == "S04" and f.cell is None]
    assert len(signature_findings) == 1


def _expected_locked(seed, fw) -> set[tuple[str, str]]:
    """Every register value the layout shows: titles, unit lines, codes, names, amounts, purposes."""
    L, D, I = ProjectLayout(fw), DepartmentLayout(fw), InstructionsLayout()
    cells = {(INSTRUCTIONS_SHEET, I.title.a1), (INSTRUCTIONS_SHEET, I.unit_line.a1),
             (DEPARTMENT_SHEET, D.title.a1), (DEPARTMENT_SHEET, D.unit_line.a1)}
    for p, sheet in zip(seed.projects, project_sheet_names([p.name for p in seed.projects])):
        cells |= {(sheet, L.title.a1), (sheet, L.unit_line.a1), (sheet, L.code.a1), (sheet, L.name.a1)}
        for span, value in ((L.total, p.funds.total), (L.fiscal, p.funds.fiscal), (L.other, p.funds.other),
                            (L.purpose, p.purpose)):
            if value is not None:
                cells.add((sheet, span.a1))
    return cells


def test_every_register_value_shown_is_a_signed_locked_cell(issued):
    seed, _, grid, _ = issued
    locked = identity_of(grid).locked
    assert {(c.sheet, c.cell) for c in locked} == _expected_locked(seed, perfxl.load_framework("hebei-2023"))
    assert len(locked) == len({(c.sheet, c.cell) for c in locked})


def _cell(grid: dict, sheet: str, ref: str) -> tuple[int, int]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
    letters, row = coordinate_from_string(ref)
    return row - 1, column_index_from_string(letters) - 1


def _put(grid: dict, sheet: str, ref: str, value) -> dict:
    g = copy.deepcopy(grid)
    r, c = _cell(g, sheet, ref)
    rows = g[sheet]
    while len(rows) <= r:
        rows.append([])
    while len(rows[r]) <= c:
        rows[r].append(None)
    rows[r][c] = value
    return g


def test_changing_any_locked_cell_is_an_s04_at_that_cell(issued):
    _, _, grid, key = issued
    for locked in identity_of(grid).locked:
        tampered = _put(grid, locked.sheet, locked.cell, locked.value + "改")
        v = verify_grid(tampered, key)
        assert v.signature_ok and [c for c, _ in v.changed] == [locked], locked
        s04 = [(f.sheet, f.cell) for f in read_grid(tampered, key=key).findings if f.code == "S04"]
        assert s04 == [(locked.sheet, locked.cell)], locked


def test_changing_a_locked_cell_and_its_signed_record_together_breaks_the_signature(issued):
    _, _, grid, key = issued
    for i, locked in enumerate(identity_of(grid).locked):
        tampered = _put(grid, locked.sheet, locked.cell, locked.value + "改")
        rows = tampered[IDENTITY_SHEET]
        (record,) = [r for r in rows if r[:2] == [locked.sheet, locked.cell]]
        record[2] = locked.value + "改"
        v = verify_grid(tampered, key)
        assert v.changed == [] and not v.signature_ok, locked


@pytest.fixture(scope="module")
def hmac_grid(tmp_path_factory):
    seed = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    path = perfxl.write_workbook(seed, perfxl.load_framework("hebei-2023"), tmp_path_factory.mktemp("hmac"), key=KEY)
    return load_grid(path)


def test_an_hmac_workbook_does_not_verify_without_the_key_or_with_another(hmac_grid):
    assert verify_grid(hmac_grid, KEY).ok
    assert not verify_grid(hmac_grid, None).ok
    assert not verify_grid(hmac_grid, b"another office").ok


def test_a_unit_cannot_re_sign_an_edited_identity_without_the_key(hmac_grid):
    """A forger who guesses at the key still produces a signature the office's key refuses."""
    grid, key = hmac_grid, KEY
    ident = identity_of(grid)
    fields = {k: v for k, v in ident.fields.items() if k not in UNSIGNED}
    fields["unit_name"] = "别的单位"
    _, forged = sign(fields, ident.locked, b"guessed key")
    tampered = _set_field(_set_field(grid, "unit_name", "别的单位"), "signature", forged)
    assert not verify_grid(tampered, key).signature_ok


def test_with_the_office_key_a_downgraded_plain_sha256_signature_is_refused(hmac_grid):
    grid, key = hmac_grid, KEY
    ident = identity_of(grid)
    fields = {k: v for k, v in ident.fields.items() if k not in UNSIGNED}
    fields["unit_name"] = "别的单位"
    method, digest = sign(fields, ident.locked, None)
    tampered = _set_field(_set_field(_set_field(grid, "unit_name", "别的单位"), "signature_method", method),
                          "signature", digest)
    assert not verify_grid(tampered, key).ok


def test_identity_field_changed_in_the_saved_file_is_s04(tmp_path):
    """The same through a real file edit, as a unit would do it in the unhidden sheet."""
    seed = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    path = perfxl.write_workbook(seed, perfxl.load_framework("hebei-2023"), tmp_path, key=KEY)
    wb = load_workbook(path)
    for row in wb[IDENTITY_SHEET].iter_rows():
        if row[0].value == "unit_code":
            row[1].value = "108001"
    wb.save(tmp_path / "edited.xlsx")
    from perfxl.check import check_file

    checked = check_file(tmp_path / "edited.xlsx", key=KEY)
    assert [(f.code, f.cell) for f in checked.report.findings if f.code.startswith("S")] == [("S04", None)]
