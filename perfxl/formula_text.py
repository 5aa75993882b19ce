"""Cell references in the text of a formula, found the way Excel reads them.

Why: two things rewrite formulas the writer has built. Shared formulas (perfxl.shared_formulas)
move a formula down by some rows; the live checks' helper cells live on a very hidden sheet of
their own (``layout.calc_sheet_name``), so a formula written on one sheet that reads a cell of the
other names that sheet (:func:`place`). Both must leave alone what is not a reference: text in
double quotes, a sheet name in single quotes (a project sheet may be called "3.G20峰会保障", and
"G20" is not a cell), defined names (pxl_L1), function names (LOG10) and numbers (1E5).

Each is one regular-expression pass over the formula whose first alternatives are the quoted parts
(kept as they are), so a reference's look-behind sees the character really before it. ``\\0`` and
``\\1`` count as digits: they stand for row numbers in :func:`row_placer`'s keys.
"""
from __future__ import annotations

import re
from typing import Callable

from .layout import rowcol

_TEXT = r'"(?:[^"]|"")*"'                 # text in double quotes ("" inside is one quote)
_SHEET = r"'(?:[^']|'')*'!"               # a quoted sheet name and its "!"
_CELL = r"\$?[A-Z]{1,3}\$?[\d\0\1]+"
# A cell reference: optional $ column, letters, optional $ row, digits; not part of a name (pxl_L1),
# a number (1E5), a function (LOG10() or a longer token.
REF = re.compile(rf"{_TEXT}|{_SHEET}|(?<![A-Za-z_\d\0\1.])(\$?)([A-Z]{{1,3}})(\$?)([\d\0\1]+)(?![\d\0\1(A-Za-z_.])")
# For place: a reference on a named sheet is one token (it stays); else a reference or a range of two.
_PLACE = re.compile(rf"{_TEXT}|{_SHEET}(?:{_CELL}(?::{_CELL})?)?|"
                    rf"(?<![A-Za-z_\d\0\1.!:$])({_CELL})(?::({_CELL}))?(?![\d\0\1(A-Za-z_.!])")


def map_refs(formula: str, pattern: re.Pattern, repl: Callable[[re.Match], str]) -> str:
    """``formula`` with every reference ``pattern`` finds replaced by ``repl``; the quoted parts the
    pattern also matches (it starts with them) are kept."""
    if "'" not in formula:  # the common case: only text in double quotes, split off at C speed
        parts = formula.split('"')  # even parts are outside quotes ("" inside a text splits in two)
        return '"'.join(pattern.sub(repl, p) if i % 2 == 0 else p for i, p in enumerate(parts))

    def one(m: re.Match) -> str:
        if m.group(0)[0] in "\"'":
            return m.group(0)
        return repl(m)

    return pattern.sub(one, formula)


def quote_sheet(name: str) -> str:
    """A sheet's name as a formula or a link writes it before "!": quoted, quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


_STAND_INS = str.maketrans("\0\1", "11")


def _col(ref: str) -> int:
    return rowcol(ref.translate(_STAND_INS))[1]


def place(formula: str, on_calc: bool, form_sheet: str, calc_sheet: str, in_calc: Callable[[int], bool]) -> str:
    """``formula``, built as if every cell were on one sheet, as written on the form sheet
    (``on_calc`` False) or on its calc sheet: a reference to a cell of the other sheet gets that
    sheet's name. ``in_calc(col)`` says which columns live on the calc sheet. A range must lie on
    one sheet (ValueError otherwise: the writer's bug, not the user's)."""
    def repl(m: re.Match) -> str:
        first, last = m.group(1), m.group(2)
        home = in_calc(_col(first))
        if last is not None and in_calc(_col(last)) != home:
            raise ValueError(f"range {m.group(0)} spans the form sheet and its calc sheet: {formula}")
        if home == on_calc:
            return m.group(0)
        return quote_sheet(calc_sheet if home else form_sheet) + "!" + m.group(0)

    return map_refs(formula, _PLACE, repl)


# Formula texts placed, with sheet names and row numbers standing as \2 \3 and \0 \1: the same texts
# come back for every project sheet of every unit of a run. Emptied when it grows past its bound.
_PLACED: dict[tuple[Callable[[int], bool], bool, str], str] = {}
_PLACED_MAX = 50_000


def row_placer(form_sheet: str, calc_sheet: str, in_calc: Callable[[int], bool]) -> Callable[[str, bool, int], str]:
    """:func:`place` for the formulas of one sheet, each with the row it is written on.

    Why: the live formulas are mostly copies of one another (the same formula down every indicator
    row, the same rows on every project sheet), and placing each took a fifth of the time to write
    a workbook. With its own row number and the row above taken out (as
    ``shared_formulas.find_groups`` keys them), a copy is the same text as its neighbour's; that
    text is placed once with stand-ins for the sheet names (the numbers' stand-ins counting as
    digits), and the numbers and names are put back for each cell. Placing only inserts sheet names
    before references, so it commutes with putting them back. (A sheet name has no control
    character: layout.project_sheet_names.)"""
    names = {"\2": form_sheet.replace("'", "''"), "\3": calc_sheet.replace("'", "''")}  # inside place()'s quotes

    def placed(formula: str, on_calc: bool, row: int) -> str:
        return with_names(stand_in(formula, on_calc, row))

    def stand_in(formula: str, on_calc: bool, row: int) -> str:
        own, above = str(row + 1), str(row)
        key = (in_calc, on_calc, formula.replace(own, "\0").replace(above, "\1"))
        done = _PLACED.get(key)
        if done is None:
            if len(_PLACED) >= _PLACED_MAX:
                _PLACED.clear()
            done = _PLACED[key] = place(key[2], on_calc, "\2", "\3", in_calc)
        return done.replace("\0", own).replace("\1", above)

    def with_names(text: str) -> str:
        return text.replace("\2", names["\2"]).replace("\3", names["\3"])

    # The placed text with the sheet names still standing as \2 \3 (always in quotes), and the
    # names put in: shared_formulas.find_groups runs on the first, which is the same for every
    # project sheet of every unit (a sheet name in quotes never moves, so the runs are the same).
    placed.stand_in = stand_in  # type: ignore[attr-defined]
    placed.with_names = with_names  # type: ignore[attr-defined]
    return placed
