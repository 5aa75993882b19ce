"""The reader: a filled workbook back into the model.

This first part reads a workbook's identity and checks its signature over the locked values; it
works on a plain grid (sheet name -> rows of values) so the same code serves any office suite's
file once it has been opened safely.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

from .integrity import Identity, Verification, parse_identity_rows, verify
from .layout import IDENTITY_SHEET

__all__ = ["Grid", "load_grid", "cell_value", "identity_of", "verify_grid"]

Grid = dict[str, list[list[Any]]]


def load_grid(path: str | Path) -> Grid:
    """Every sheet's values (no formulas evaluated, none trusted: cached results are not read)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def cell_value(grid: Grid, sheet: str, ref: str) -> Any:
    """Value at an A1 reference, None where the sheet or the cell does not exist."""
    rows = grid.get(sheet)
    if rows is None:
        return None
    col_letters, row = coordinate_from_string(ref.replace("$", ""))
    r, c = row - 1, column_index_from_string(col_letters) - 1
    if r >= len(rows) or c >= len(rows[r]):
        return None
    return rows[r][c]


def identity_of(grid: Grid) -> Identity | None:
    """The identity a perfxl workbook carries, or None for a workbook from elsewhere."""
    rows = grid.get(IDENTITY_SHEET)
    if not rows:
        return None
    ident = parse_identity_rows(rows)
    return ident if ident.get("template_id") else None


def verify_grid(grid: Grid, key: bytes | None) -> Verification | None:
    """Signature and locked-value check; None when the workbook has no identity."""
    ident = identity_of(grid)
    if ident is None:
        return None
    return verify(ident, lambda sheet, ref: cell_value(grid, sheet, ref), key)
