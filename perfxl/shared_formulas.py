"""Shared formulas (OOXML ``<f t="shared">``): a run of per-row formulas down a column stored once.

Why: the live 自查 puts the same helper formulas on every indicator row, and their text was about
85 % of a project sheet's XML (343 kB of 386 kB for one project). Every reader pays for that text:
calamine and the safety scan parse it on every ``check``, zlib inflates it, and the file a unit
emails is bigger. Excel itself stores a filled-down column as one shared formula (the first cell
carries the text and the range, the others only point at it), and Excel, LibreOffice, WPS, openpyxl
and calamine all read it; XlsxWriter cannot write it, so the writer's output is rewritten here.

A run is shared only when every formula in it is exactly the first one moved down by its distance,
as Excel would move it (relative row references shift; ``$``-rows, text in quotes and names do
not). So sharing never changes what a cell computes: a formula that is not such a copy keeps its
own text. Cached values (``<v>``) stay on every cell.
"""
from __future__ import annotations

import re

from .formula_text import REF, map_refs
from .layout import a1


def shift_rows(formula: str, rows: int) -> str:
    """``formula`` as Excel reads it ``rows`` further down: relative row numbers grow by ``rows``
    (not in quoted text or quoted sheet names: perfxl.formula_text)."""
    def move(m: re.Match) -> str:
        if m.group(3):
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}{int(m.group(4)) + rows}"

    return map_refs(formula, REF, move)


def find_groups(formulas: dict[tuple[int, int], str]) -> dict[tuple[int, int], tuple[int, str | None]]:
    """For each cell of a shared run: (group index, the run's range on its first cell, else None).

    ``formulas`` maps (row, col), 0-based, to a formula's text as written (no leading "=").

    Proving every row with Excel's rule (:func:`shift_rows`) took 40 % of the time to write a
    workbook, so candidates come cheaply first: with its own row number and the row above taken
    out, a row copy is the same text as its neighbour's (how the live checks build them). Each
    stretch of such rows is proved by moving its first formula down by 1 and by the stretch's
    length: every occurrence of the row number is then a relative reference to that row and
    nothing else in the formula moves, so every row between is the first formula moved too. A
    stretch joins the run above it when its first formula is the run's first moved down; a stretch
    that fails its proof is taken row by row the same way."""
    out: dict[tuple[int, int], tuple[int, str | None]] = {}
    by_col: dict[int, list[int]] = {}
    for (r, c) in formulas:
        by_col.setdefault(c, []).append(r)
    si = 0
    for c in sorted(by_col):
        f = lambda r: formulas[(r, c)]  # noqa: E731
        stretches: list[list[int]] = []
        key_before = None
        for r in sorted(by_col[c]):
            key = f(r).replace(str(r + 1), "\0").replace(str(r), "\1")  # own row, row above
            if stretches and r == stretches[-1][1] + 1 and key == key_before:
                stretches[-1][1] = r
            else:
                stretches.append([r, r])
            key_before = key
        proved: list[list[int]] = []
        for s, e in stretches:
            if e > s and not (shift_rows(f(s), 1) == f(s + 1) and shift_rows(f(s), e - s) == f(e)):
                proved.extend([r, r] for r in range(s, e + 1))
            else:
                proved.append([s, e])
        runs: list[list[int]] = []
        for s, e in proved:
            if runs and s == runs[-1][1] + 1 and f(s) == shift_rows(f(runs[-1][0]), s - runs[-1][0]):
                runs[-1][1] = e
            else:
                runs.append([s, e])
        for first, last in runs:
            if last > first:
                out[(first, c)] = (si, f"{a1(first, c)}:{a1(last, c)}")
                for r in range(first + 1, last + 1):
                    out[(r, c)] = (si, None)
                si += 1
    return out


_GROUPS: dict[tuple, dict[tuple[int, int], tuple[int, str | None]]] = {}
_GROUPS_MAX = 64


def groups(formulas: dict[tuple[int, int], str]) -> dict[tuple[int, int], tuple[int, str | None]]:
    """:func:`find_groups`, found once for each distinct sheet of formulas (the same cells, texts and
    order) and then looked up: the department and project sheets of a round's units carry the same
    formulas, and their calc sheets too once the sheet names stand as formula_text.row_placer's
    stand-ins. Finding the runs was about a quarter of the time to write a workbook. The key is the
    whole text, so two sheets share an answer only when they are the same sheet of formulas."""
    key = tuple(formulas.items())
    got = _GROUPS.get(key)
    if got is None:
        if len(_GROUPS) >= _GROUPS_MAX:
            _GROUPS.clear()
        got = _GROUPS[key] = find_groups(formulas)
    return got


# A formula's text is XML-escaped (no "<" in it): [^<]* finds its end without a lazy scan, 4x faster
_CELL_FORMULA = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*)><f>([^<]*)</f>')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def apply(sheet_xml: bytes, groups: dict[tuple[int, int], tuple[int, str | None]]) -> bytes:
    """``sheet_xml`` with the formulas of ``groups`` written as shared formulas."""
    if not groups:
        return sheet_xml

    def repl(m: re.Match) -> bytes:
        key = (int(m.group(2)) - 1, _col_index(m.group(1)))
        hit = groups.get(key)
        if hit is None:
            return m.group(0)
        si, ref = hit
        head = b'<c r="' + m.group(1) + m.group(2) + b'"' + m.group(3) + b">"
        if ref is None:
            return head + f'<f t="shared" si="{si}"/>'.encode()
        return head + f'<f t="shared" ref="{ref}" si="{si}">'.encode() + m.group(4) + b"</f>"

    return _CELL_FORMULA.sub(repl, sheet_xml)
