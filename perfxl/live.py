"""The workbook's live self-check (自查): the catalogue's rules that can run inside the workbook.

One verdict
-----------
A rule that can be computed with Excel 2007 functions is declared here once, beside its Python check
in :mod:`perfxl.rules`: the same code (catalogue), the same framework settings (thresholds, word lists,
severity overrides, ``enabled: false``) and the same short message (``catalogue.LIVE_MESSAGES``). The
writer asks this module for the formulas of every 自查 cell and for their cached results, which are
the Python rules' findings on the state the workbook is written in (so Excel's Protected View, which
never computes, shows the right marks, and an untouched template needs no recalculation).

Live rules (``LIVE_ORDER``): F01 F02 P01 P02 P03 G01 G06 I01 I02 I03 I04 I05 I06 I08 I09 I10 I11 I12
I13 I14 I15. Not live, checked by the finance office on receipt (listed so in 填报说明): S01–S08 (the
file, its identity and signature), F03 (register), G02–G05 (free-text analysis of goals), I07 and
I16 (wording of descriptions and notes), I17 (byte length in the exchange encoding), C01–C03 (code
patterns are regular expressions), X01–X04 (across projects, files and units).

The mark
--------
Column K (自查) of each checked row holds one of:

* ``""`` – an empty indicator row (nothing to check);
* ``"✓"`` – no finding of a live rule on this row;
* one or more findings joined by ``"；"`` (U+FF1B), each ``MARK CODE message`` with MARK ``✗``
  (error) or ``△`` (warning; also ``info`` should a framework lower a rule that far), e.g.
  ``✗ P01 各期合计应为100（现为90）`` or ``✗ I02 二级指标不属于所填一级指标；△ I09 满意度目标低于80%``.
  Errors come first; within a severity, findings follow ``LIVE_ORDER``, then the column of their cell.
  Messages never contain ``✗``, ``△``, ``✓`` or ``；``, so splitting on ``；`` and reading the first
  two words of each piece gives (mark, code).

A finding of ``perfxl check`` belongs to the row of its cell (:func:`mark_row`), except I01, I12 and
I14, which ``check`` places on the indicator table's header cell: the live mark of I01 for a missing
一级指标 is on that level's count row (指标自查), and I01 "nothing filled", I12 and I14 are on the
指标总数 row. Each data sheet's count (K of its 本表自查 row) is the number of ``✗`` in its 自查
column, i.e. of live error findings on the sheet; 填报说明 lists every data sheet with its count and a
link, and the workbook's count is their sum (a SUM over that list, short for any number of projects).

What a cell means (the reader and the live formulas agree)
--------------------------------------------------------
* **Numbers are read as stored, whatever the cell's number format.** A formula cannot see a format
  (Excel's CELL("format") is volatile, so every file would ask to be saved, and its argument is
  language-dependent), so ``perfxl check`` ignores percent formats in spend-plan and 指标值 cells too.
  Typing "30%" into a General cell makes Excel (and WPS, LibreOffice) store 0.3 and apply a percent
  format (Microsoft: "Format numbers as percentages": a number typed with % in a General cell is
  formatted as a percentage; with 自动百分比输入/automatic percent entry, numbers typed into a
  percent-formatted cell are divided by 100). Both sides then read 0.3 and flag it: P01 (合计 not
  100) for the spend plan, I09/I06 where they apply for values. The 指标值 column is formatted as
  text (``@``), so typing "95%" there stores the text "95%", which both sides read as 95 with unit %.
* **Blank 一级/二级 mean "same as above"**: a hidden helper column carries the nearest non-blank
  value above (a chain of IFs, no array formula); the 二级 dropdown lists the children of that
  inherited 一级, and an empty list (never "#N/A") when there is none.
* **Text is read through the same folding as values.normalize_text**: full-width digits and
  ``％．＋－＜＞＝`` become ASCII, the ideographic space, tab, CR and LF count as spaces (SUBSTITUTE
  chains), then TRIM. Operators are looked up after that folding with spaces removed, in the list of
  ``values.OPERATOR_SPELLINGS`` written to the hidden _lists sheet, so "＞＝", ">=", "大于等于" are ≥.
* **Numbers stored as text** are numbers when, after folding, they are
  ``[op] [+-]digits[.digits] [unit] [以上|以下|以内…]`` – an optional operator spelling first
  (``≥80``, ``不低于 80``), thousands commas only in groups of three (``1,234``), a unit of
  values.KNOWN_UNITS (``80%``, ``28.8万元``) and a suffix operator last (``80%以上``); the spend
  plan takes a number and an optional %, amounts a number alone. VALUE() then gives the number.

* **Error values** (a typed "#N/A" is one) read as blank on both sides.

The live grammar is narrower than check's tolerant parser (values.parse_indicator_value). Known
differences, all outside what the validations let a person type into amount and spend-plan cells,
and outside the typing variants above: text with an exponent ("1e5"), a grouped number with leading
zeros ("01,234"); a 指标值 with a compound unit ("元/人"), a trailing dot or a note glued to its
number ("5.", "≥80财政拨入…"), and dates as text – check reads some of them as numbers
(or as 定性 text), the live check shows ✗ I05 (the unit is asked to type the number alone);
whitespace other than space, ideographic space, tab, CR, LF; a name made only of symbols outside
the common punctuation set (I03); a goal cell holding only a numbering like "1." (G01); a locked
register cell changed in an unprotected sheet (check keeps the issued value and reports S04, the
live check sees the new one).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from .catalogue import CATALOGUE, LIVE_MESSAGES
from .findings import SEVERITY_ORDER, Finding
from .frameworks import Framework
from .layout import (CHECK_COL, CHECK_ERROR, CHECK_OK, CHECK_WARNING, DEPARTMENT_SHEET, HELPER_COL, DepartmentLayout,
                     ProjectLayout, a1, rowcol)
from .values import EXCEL_ERRORS, KNOWN_UNITS, OPERATOR_SPELLINGS

__all__ = ["LIVE_ORDER", "LIVE_CODES", "SEP", "MARKS", "rules_catalogue", "mark_row", "short_message",
           "expected_marks", "mark_text", "ProjectLive", "DepartmentLive", "LIST_NAMES", "list_columns",
           "parse_mark"]

LIVE_ORDER = ("F01", "F02", "P01", "P02", "P03", "G01", "G06", "I01", "I02", "I03", "I04", "I05", "I06", "I08",
              "I09", "I10", "I11", "I12", "I13", "I14", "I15")
LIVE_CODES = frozenset(LIVE_ORDER)
SEP = "；"
MARKS = {"error": CHECK_ERROR, "warning": CHECK_WARNING, "info": CHECK_WARNING}
_BODY_MAX = 2000

# Framework data each live rule reads beyond the catalogue's ``settings`` (shown by ``perfxl rules``).
_EXTRA_SETTINGS: dict[str, tuple[str, ...]] = {
    "I01": ("required",), "I02": ("levels",), "I04": ("missing_unit_severity",),
    "I08": ("cost_level2",), "I09": ("satisfaction_level2",), "I11": ("basis_suggestions", "basis_requires_category"),
    "I13": ("levels",), "I14": ("qualitative_max_share",), "I15": ("satisfaction_level2",),
    "P01": ("spend_mode", "milestones"), "P03": ("spend_mode",),
}


# ------------------------------------------------------------------ the catalogue as `perfxl rules` shows it

def _setting(fw: Framework, key: str) -> Any:
    if key in fw.thresholds:
        return fw.thresholds[key]
    if key == "levels":
        return {l1: list(l2) for l1, l2 in fw.levels}
    if key == "required":
        return dict(fw.required)
    if key == "missing_unit_severity":
        return fw.thresholds.get(key, "error")
    if key == "spend_mode":
        return fw.spend_mode
    value = getattr(fw, key)
    return list(value) if isinstance(value, tuple) else value


def rules_catalogue(fw: Framework) -> list[dict]:
    """Every catalogue code with its severity under ``fw``, title, whether it runs live in the
    workbook, and the framework's setting: the thresholds and lists it reads, or "off" when the
    framework disables it. ``perfxl rules --format json`` prints exactly this."""
    out = []
    for code, info in CATALOGUE.items():
        override = fw.rules.get(code, {})
        keys = tuple(dict.fromkeys(info.settings + _EXTRA_SETTINGS.get(code, ())))
        enabled = override.get("enabled", True) is not False
        out.append({"code": code, "severity": override.get("severity", info.severity), "title": info.title_zh,
                    "title_en": info.title_en, "live": code in LIVE_CODES,
                    "setting": {k: _setting(fw, k) for k in keys} if enabled else "off"})
    return out


# ------------------------------------------------------------------ Excel expressions and their Python twins

def q(text: str) -> str:
    """An Excel string literal."""
    return '"' + text.replace('"', '""') + '"'


_WS_CHARS = (("　", None), ("\n", 10), ("\r", 13), ("\t", 9))
_FOLD = [(chr(0xFF10 + i), str(i)) for i in range(10)] + [("％", "%"), ("．", "."), ("＋", "+"), ("－", "-"),
                                                          ("＜", "<"), ("＞", ">"), ("＝", "=")]
_FOLD_TABLE = {ord(a): b for a, b in _FOLD}
_SYMBOL_STARTS = "<>=≥≧⩾≤≦⩽"
# Characters that are not word characters (Python's \w) and commonly make a "name" of symbols only.
_PUNCT = " -—–/\\.。…*·、,，?？!！~～()（）#+=:：;；'\"“”‘’[]【】<>《》|@$%^&{}"
_JUNK_NAMES = ("-", "_", "*", "null", "none", "无", "/", "—", "——", "…", "...", "0", "x", "xx")  # rules.JUNK_NAMES
_PCT_ALIASES = ("%", "﹪", "百分比", "百分之", "百分率", "百分数")  # values.UNIT_ALIASES that mean %


def x_ws(e: str) -> str:
    """Cell text with the ideographic space, LF, CR and TAB as spaces, trimmed (TRIM also folds runs).
    An error value (a typed "#N/A" is one) reads as blank, as the reader reads it."""
    e = f'IFERROR({e},"")'
    for ch, code in _WS_CHARS:
        e = f'SUBSTITUTE({e},{q(ch) if code is None else f"CHAR({code})"}," ")'
    return f"TRIM({e})"


def p_text(v: Any) -> str:
    """What Excel's text functions see of a cell value."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        x = float(v)
        return str(int(x)) if x.is_integer() and abs(x) < 1e15 else f"{x:.15g}".upper()
    return str(v)


def p_ws(v: Any) -> str:
    t = p_text(v)
    for ch, _ in _WS_CHARS:
        t = t.replace(ch, " ")
    return re.sub(" +", " ", t).strip(" ")


def x_fold(e: str) -> str:
    for a, b in _FOLD:
        e = f'SUBSTITUTE({e},"{a}","{b}")'
    return e


def p_fold(t: str) -> str:
    return t.translate(_FOLD_TABLE)


def x_nodigits(e: str) -> str:
    for d in "0123456789":
        e = f'SUBSTITUTE({e},"{d}","")'
    return e


def p_nodigits(t: str) -> str:
    return re.sub("[0-9]", "", t)


_SHAPES = ("", ".", "-", "+", "-.", "+.")


def x_valid(t: str, d: str) -> str:
    """Text ``t`` (folded, trimmed) is a plain number as values.parse_number reads one: a sign, digits
    (thousands commas only in correct groups of three), a decimal part; ``d`` is ``t`` without digits.
    The grouping is checked by TEXT(…,"#,##0"), whose format reads "," as the thousands separator in
    the Chinese (and English) locales Excel, WPS and LibreOffice run in here."""
    d0 = f'SUBSTITUTE({d},",","")'
    shapes = ",".join(f'{d0}="{s}"' for s in _SHAPES)
    ip = f'IF(ISNUMBER(FIND(".",{t})),LEFT({t},FIND(".",{t})-1),{t})'
    ipu = f'IF(OR(LEFT({ip},1)="-",LEFT({ip},1)="+"),MID({ip},2,99),{ip})'
    grouped = (f'IF(ISNUMBER(FIND(",",{t})),AND(LEN({t})-LEN(SUBSTITUTE({t},",",""))=LEN({ip})-LEN(SUBSTITUTE({ip},",","")),'
               f'{ipu}=TEXT(VALUE(SUBSTITUTE({ipu},",","")),"#,##0")),TRUE)')
    return (f'AND(LEN({t})>0,LEN({d})<LEN({t}),OR({shapes}),'
            f'IF(OR(LEFT({d0},1)="-",LEFT({d0},1)="+"),LEFT({t},1)=LEFT({d0},1),TRUE),RIGHT({t},1)<>".",'
            f'IF(OR({shapes}),{grouped},FALSE))')


def p_valid(t: str, d: str) -> bool:
    d0 = d.replace(",", "")
    if not (len(t) > 0 and len(d) < len(t) and d0 in _SHAPES and t[-1:] != "."
            and (t[:1] == d0[:1] if d0[:1] in ("-", "+") else True)):
        return False
    if "," not in t:
        return True
    ip = t.split(".", 1)[0]
    ipu = ip[1:] if ip[:1] in ("-", "+") else ip
    if t.count(",") != ip.count(",") or not ipu.replace(",", "").isdigit():
        return False
    return ipu == f"{int(ipu.replace(',', '')):,}"


def x_number(t: str) -> str:
    return f'VALUE(SUBSTITUTE({t},",",""))'


def p_number(t: str) -> float:
    return float(t.replace(",", ""))


def x_esc(e: str) -> str:
    """MATCH(…,0) treats * ? ~ as wildcards: escape them so a typed "?" is not "any operator"."""
    return f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({e},"~","~~"),"*","~*"),"?","~?")'


def x_strip_pct(t: str) -> str:
    return f'IF(RIGHT({t},1)="%",TRIM(LEFT({t},LEN({t})-1)),{t})'


def p_strip_pct(t: str) -> tuple[str, bool]:
    return (t[:-1].strip(" "), True) if t.endswith("%") else (t, False)


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _shown(v: Any) -> str:
    """A number as ROUND(x,2)&"" shows it (rules._fmt: two decimals at most, no trailing zeros)."""
    if not _num(v):
        return "（空）"
    x = round(float(v) + 0.0, 2)
    return str(int(x)) if x.is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


def _lit(v: Any) -> str:
    """A threshold as written in a formula and in a message."""
    return repr(v) if isinstance(v, float) else str(v)


# ------------------------------------------------------------------ hidden lists the formulas read

LIST_NAMES = ("pxl_OPSPELL", "pxl_OPCANON", "pxl_OPPRE", "pxl_PAIRS", "pxl_CATS", "pxl_UNITSFX")


def list_columns(fw: Framework) -> list[tuple[str, list[str]]]:
    """Extra columns of the hidden _lists sheet: operator spellings (for the lookup, and without 定性
    as value prefixes), 一级|二级 pairs (I02), category names (I13) and the units a 指标值 may end with."""
    spell = sorted(OPERATOR_SPELLINGS)
    prefixes = [s for s in spell if s != "定性"]
    return [("pxl_OPSPELL", spell), ("pxl_OPCANON", [OPERATOR_SPELLINGS[s] for s in spell]),
            ("pxl_OPPRE", prefixes), ("pxl_PAIRS", [f"{l1}|{l2}" for l1, l2s in fw.levels for l2 in l2s]),
            ("pxl_CATS", list(dict.fromkeys([*fw.level1_names, *fw.all_level2]))),
            ("pxl_UNITSFX", sorted(KNOWN_UNITS))]


# ------------------------------------------------------------------ rows, marks and the Python side

def _enabled(fw: Framework, code: str) -> bool:
    return fw.rules.get(code, {}).get("enabled", True) is not False


def _severity(fw: Framework, code: str, default: str | None = None) -> str:
    return fw.rules.get(code, {}).get("severity", default or CATALOGUE[code].severity)


def mark_row(f: Finding, fw: Framework) -> int | None:
    """The 0-based row whose 自查 cell shows finding ``f`` (None for a finding without a cell)."""
    if not f.cell:
        return None
    if f.code in ("I01", "I12", "I14") and f.sheet != DEPARTMENT_SHEET:
        L = ProjectLayout(fw)
        if f.code == "I01" and f.params.get("variant") != "empty":
            return L.level_count_rows.get(f.params.get("level1"), L.total_count_row)
        return L.total_count_row
    return rowcol(f.cell)[0]


def _variant(f: Finding, fw: Framework) -> tuple[str, dict]:
    """The LIVE_MESSAGES case of a finding and its placeholders."""
    p, code = f.params, f.code
    col = rowcol(f.cell or "A1")[1]
    if code == "F02":
        v = p.get("value")
        kind = "missing" if v is None else "negative" if _num(v) else "not_number"
        return kind, {"field": p.get("field", "")}
    if code == "P01":
        if p.get("variant") == "empty":
            return "empty", {}
        return ("cumulative" if fw.spend_mode == "cumulative" else "per_period"), {"shown": _shown(p.get("value"))}
    if code == "P02":
        return ("not_number" if p.get("problem") == "不是数字" else "range"), {"milestone": p.get("milestone", "")}
    if code == "P03":
        return "", {"milestone": p.get("milestone", "")}
    if code == "G01":
        return ("dept" if f.sheet == DEPARTMENT_SHEET else "project"), {}
    if code == "G06":
        return ("sections" if p.get("what") == "分项绩效目标" else "measures"), {}
    if code == "I01":
        return ("empty", {}) if p.get("variant") == "empty" else ("level", {"level1": p.get("level1", "")})
    if code == "I02":
        return ("level1" if col == ProjectLayout(fw).columns.level1 else "level2"), {}
    if code in ("I03", "I11"):
        return ("missing" if p.get("what") == "未填" else "junk" if code == "I03" else "category"), {}
    if code == "I04":
        missing = str(p.get("missing", ""))
        if missing == "计量单位":
            return "unit", {}
        labels = ["可识别的符号" if missing.startswith("可识别的符号") else "符号"] if not missing.startswith("指标值") else []
        if missing.endswith("指标值"):
            labels.append("指标值")
        return "", {"missing": "、".join(labels)}
    if code == "I08":
        return ("operator" if col == ProjectLayout(fw).columns.operator else "value"), {}
    if code == "I09":
        minimum = fw.thresholds["satisfaction_min"]
        return ("low" if _num(p.get("value")) and p["value"] < minimum else "full"), {"minimum": _lit(minimum)}
    if code == "I12":
        return ("empty", {}) if p.get("variant") == "empty" else ("few", {"minimum": _lit(fw.thresholds["min_indicators"])})
    return "", {}


def short_message(f: Finding, fw: Framework) -> str:
    """The live mark's wording of finding ``f`` (catalogue.LIVE_MESSAGES)."""
    kind, values = _variant(f, fw)
    return LIVE_MESSAGES[f.code][kind].format(**values)


def _order(code: str, severity: str, col: int) -> tuple:
    return (SEVERITY_ORDER[severity], LIVE_ORDER.index(code), col)


def expected_marks(findings: Iterable[Finding], fw: Framework) -> dict[tuple[str, int], list[tuple[str, str, str]]]:
    """(sheet, row) -> [(severity, code, short message)] of the live findings among ``findings``,
    in the order the 自查 cell shows them. What the differential test compares a workbook's marks to."""
    rows: dict[tuple[str, int], list[tuple[tuple, str, str, str]]] = {}
    for i, f in enumerate(findings):
        if f.code not in LIVE_CODES or not f.sheet:
            continue
        row = mark_row(f, fw)
        if row is None:
            continue
        key = (*_order(f.code, f.severity, rowcol(f.cell)[1]), i)
        rows.setdefault((f.sheet, row), []).append((key, f.severity, f.code, short_message(f, fw)))
    return {k: [(s, c, m) for _, s, c, m in sorted(v)] for k, v in rows.items()}


def mark_text(items: list[tuple[str, str, str]]) -> str:
    """The 自查 text of a row's findings: ✓ for none."""
    return SEP.join(f"{MARKS[s]} {c} {m}" for s, c, m in items) or CHECK_OK


def parse_mark(text: Any) -> list[tuple[str, str]]:
    """(mark, code) of each finding a 自查 cell shows; [] for ✓ or an empty cell."""
    if not isinstance(text, str):
        return []
    out = []
    for piece in text.split(SEP):
        words = piece.split()
        if words and words[0] in (CHECK_ERROR, CHECK_WARNING):  # not ✓, a heading or a count
            out.append((words[0], words[1] if len(words) > 1 else ""))
    return out


# ------------------------------------------------------------------ formula parts

@dataclass
class Part:
    """One finding a row's formula can show: its code, severity, the column of the cell ``check``
    names (for the order), when it applies (an Excel condition) and its message (an Excel text)."""

    code: str
    severity: str
    col: int
    cond: str
    message: str  # an Excel string expression

    def excel(self) -> str:
        head = q(f"{SEP}{MARKS[self.severity]} {self.code} ")
        return f"IF({self.cond},{head}&{self.message},\"\")"


def _msg(code: str, kind: str = "", **exprs: str) -> str:
    """LIVE_MESSAGES[code][kind] as an Excel text, placeholders filled by Excel expressions."""
    template = LIVE_MESSAGES[code][kind]
    pieces = re.split(r"\{(\w+)\}", template)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append(exprs[piece])
        elif piece:
            out.append(q(piece))
    return "&".join(out) or '""'


def _body(parts: list[Part], gate: str | None = None) -> str:
    parts = sorted(parts, key=lambda p: _order(p.code, p.severity, p.col))
    body = "&".join(p.excel() for p in parts) if parts else '""'
    return f"=IF({gate},{body},\"\")" if gate else f"={body}"


@dataclass
class Formula:
    row: int
    col: int
    formula: str
    value: Any


class _Live:
    """Shared by the sheets: helper cells right of 自查, and the 自查 cell showing a row's body."""

    def __init__(self, fw: Framework):
        self.fw = fw
        self.cells: list[Formula] = []

    def h(self, row: int, k: int, absolute: bool = False) -> str:
        ref = a1(row, HELPER_COL + k)
        if absolute:
            letters = ref.rstrip("0123456789")
            return f"${letters}${ref[len(letters):]}"
        return ref

    def put(self, row: int, k: int, formula: str, value: Any) -> None:
        self.cells.append(Formula(row, HELPER_COL + k, "=" + formula.lstrip("="), value))

    def on(self, code: str) -> bool:
        return _enabled(self.fw, code)

    def sev(self, code: str, default: str | None = None) -> str:
        return _severity(self.fw, code, default)

    def mark(self, row: int, parts: list[Part], marks: dict, gate: tuple[str, bool] | None = None) -> None:
        """The row's body (hidden helper 0) and its 自查 cell; ``gate`` = (Excel condition, its value
        now) for rows that are checked only when filled (indicator rows)."""
        items = marks.get(row, [])
        filled = gate[1] if gate else True
        body_now = "".join(f"{SEP}{MARKS[s]} {c} {m}" for s, c, m in items) if filled else ""
        self.cells.append(Formula(row, HELPER_COL, _body(parts, gate[0] if gate else None), body_now))
        b = self.h(row, 0)
        if gate:
            shown = f'=IF({b}="",IF({gate[0]},"{CHECK_OK}",""),MID({b},2,{_BODY_MAX}))'
            now = (body_now[1:] if body_now else CHECK_OK) if filled else ""
        else:
            shown = f'=IF({b}="","{CHECK_OK}",MID({b},2,{_BODY_MAX}))'
            now = body_now[1:] if body_now else CHECK_OK
        self.cells.append(Formula(row, CHECK_COL, shown, now))


def _amount(live: _Live, row: int, k0: int, ref: str, raw: Any, *, percent: bool) -> tuple[str, Any]:
    """Helpers k0 (text), k0+1 (without digits), k0+2 (the number or ""): a number cell, or text that
    is a plain number after folding (with one trailing % for the spend plan)."""
    text = x_fold(x_ws(ref))
    r_x = x_strip_pct(text) if percent else text
    r_p = p_fold(p_ws(raw))
    if percent:
        r_p = p_strip_pct(r_p)[0]
    if _num(raw):
        r_p = ""
    live.put(row, k0, f'IF(ISNUMBER({ref}),"",{r_x})', r_p)
    d_p = p_nodigits(r_p)
    live.put(row, k0 + 1, x_nodigits(live.h(row, k0)), d_p)
    t, d = live.h(row, k0), live.h(row, k0 + 1)
    n_p = float(raw) if _num(raw) else p_number(r_p) if p_valid(r_p, d_p) else ""
    live.put(row, k0 + 2, f'IF(ISNUMBER({ref}),{ref},IF({x_valid(t, d)},{x_number(t)},""))', n_p)
    return live.h(row, k0 + 2), n_p


class DepartmentLive(_Live):
    """The 部门整体绩效目标 sheet: G01 (总体绩效目标) and G06 (分项绩效目标, 工作保障措施)."""

    def build(self, values: dict[tuple[int, int], Any], findings: Iterable[Finding]) -> list[Formula]:
        L = DepartmentLayout(self.fw)
        marks = {row: items for (sheet, row), items in expected_marks(findings, self.fw).items()
                 if sheet == DEPARTMENT_SHEET}
        parts = []
        if self.on("G01"):
            parts.append(Part("G01", self.sev("G01"), L.overall.col, f'{x_ws(L.overall.a1)}=""', _msg("G01", "dept")))
        self.mark(L.overall_check.row, parts, marks)
        rows = L.section_rows
        names = f"{a1(rows.start, 0)}:{a1(rows.stop - 1, 0)}"
        goals = f"{a1(rows.start, 1)}:{a1(rows.stop - 1, 1)}"
        mrows = L.measure_rows
        measures = f"{a1(mrows.start, 1)}:{a1(mrows.stop - 1, 1)}"
        g06 = self.on("G06")
        self.mark(L.sections_check.row, [Part("G06", self.sev("G06"), 0,
                                              f"SUMPRODUCT(LEN({x_ws(names)})+LEN({x_ws(goals)}))=0",
                                              _msg("G06", "sections"))] if g06 else [], marks)
        self.mark(L.measures_check.row, [Part("G06", self.sev("G06"), 0, f"SUMPRODUCT(LEN({x_ws(measures)}))=0",
                                              _msg("G06", "measures"))] if g06 else [], marks)
        return self.cells


# Helper columns of an indicator row (0 is the body).
_NE, _L1, _L2, _NAME, _OPC, _S, _PL, _R0, _SFX, _R1, _UL, _R, _IU, _D, _NUM, _KIND, _OPE, _UCR, _UC, _JUNK = range(1, 21)
_SUFFIXES = ("及以上", "或以上", "以上", "及以下", "或以下", "以下", "以内")  # values._SUFFIXES: after number and unit


class ProjectLive(_Live):
    """A project sheet: funds, spend plan, goals, every indicator row, the counts."""

    def __init__(self, fw: Framework, money_unit: str):
        super().__init__(fw)
        self.L = ProjectLayout(fw)
        self.money_unit = money_unit
        self.now: dict[tuple[int, int], Any] = {}  # cached values of visible formula cells (sums, counts)

    def level1_ref(self, row: int) -> str:
        """The helper holding the 一级 a row has or inherits (the 二级 dropdown reads it)."""
        ref = self.h(row, _L1)
        letters = ref.rstrip("0123456789")
        return f"${letters}{ref[len(letters):]}"

    def build(self, sheet: str, values: dict[tuple[int, int], Any], findings: Iterable[Finding]) -> list[Formula]:
        marks = {row: items for (s, row), items in expected_marks(findings, self.fw).items() if s == sheet}
        total = self._funds(values, marks)
        self._plan(values, marks)
        L = self.L
        parts = [Part("G01", self.sev("G01"), L.goals.col, f'{x_ws(L.goals.a1)}=""', _msg("G01", "project"))] \
            if self.on("G01") else []
        self.mark(L.goals_check.row, parts, marks)
        rows = self._indicators(values, marks, total)
        self._counts(rows, marks)
        return self.cells

    # -------------------------------------------------------------- funds (F01, F02)

    def _funds(self, values: dict, marks: dict) -> tuple[str, Any]:
        L, row = self.L, self.L.funds_check.row
        fields = (("total", "预算数", L.total), ("fiscal", "财政资金", L.fiscal), ("other", "其他资金", L.other))
        nums = {}
        for k, (attr, _, span) in enumerate(fields):
            nums[attr] = _amount(self, row, 1 + 3 * k, span.a1, values.get((span.row, span.col)), percent=False)
        parts = []
        blank = {attr: f'{x_ws(span.a1)}=""' for attr, _, span in fields}
        isnum = {attr: f"ISNUMBER({nums[attr][0]})" for attr in nums}
        if self.on("F01"):
            t, f_, o = nums["total"][0], nums["fiscal"][0], nums["other"][0]
            tol = _lit(self.fw.thresholds["funds_tolerance"])
            cond = (f"AND({isnum['total']},OR({isnum['fiscal']},{blank['fiscal']}),OR({isnum['other']},{blank['other']}),"
                    f"ABS(N({t})-(N({f_})+N({o})))>{tol})")
            parts.append(Part("F01", self.sev("F01"), L.total.col, cond, _msg("F01")))
        if self.on("F02"):
            for attr, label, span in fields:
                n = nums[attr][0]
                if attr == "total":
                    parts.append(Part("F02", self.sev("F02"), span.col, blank[attr], _msg("F02", "missing", field=q(label))))
                parts.append(Part("F02", self.sev("F02"), span.col, f"AND(NOT({blank[attr]}),NOT({isnum[attr]}))",
                                  _msg("F02", "not_number", field=q(label))))
                parts.append(Part("F02", self.sev("F02"), span.col, f"AND({isnum[attr]},N({n})<0)",
                                  _msg("F02", "negative", field=q(label))))
        self.mark(row, parts, marks)
        return nums["total"]

    # -------------------------------------------------------------- spend plan (P01, P02, P03)

    def _plan(self, values: dict, marks: dict) -> None:
        L, fw = self.L, self.fw
        row = L.plan_check.row
        nums, blanks, bads = [], [], []
        prev_now: Any = ""
        for i, span in enumerate(L.milestones):
            raw = values.get((span.row, span.col))
            ref, n_p = _amount(self, row, 1 + 4 * i, span.a1, raw, percent=True)
            blanks.append(f'{x_ws(span.a1)}=""')
            bads.append(f"AND(NOT({blanks[-1]}),NOT(ISNUMBER({ref})))")
            # k+3: the last number before this milestone (P03 compares with it; blanks and text skipped)
            if i == 0:
                self.put(row, 4, '""', "")
            else:
                before, before_p = nums[i - 1]
                prev_now = before_p if _num(before_p) else prev_now
                self.put(row, 1 + 4 * i + 3, f"IF(ISNUMBER({before}),{before},{self.h(row, 1 + 4 * (i - 1) + 3)})",
                         prev_now)
            nums.append((ref, n_p))
        cumulative = fw.spend_mode == "cumulative"
        tol = _lit(fw.thresholds["spend_plan_tolerance"])
        refs = [r for r, _ in nums]
        first, last = L.milestones[0], L.milestones[-1]
        total_now = sum(v for _, v in nums if _num(v))
        if cumulative:
            self.now[(L.plan_sum.row, L.plan_sum.col)] = (f'=IF(ISNUMBER({refs[-1]}),{refs[-1]},"")',
                                                        nums[-1][1] if _num(nums[-1][1]) else "")
        else:
            self.now[(L.plan_sum.row, L.plan_sum.col)] = (f"=SUM({','.join(refs)})", total_now)
        parts = []
        if self.on("P01"):
            ok = f"NOT(OR({','.join(bads)}))"
            empty = f"AND({','.join(blanks)})"
            parts.append(Part("P01", self.sev("P01"), first.col, f"AND({ok},{empty})", _msg("P01", "empty")))
            if cumulative:
                cond = f"AND({ok},NOT({empty}),OR(NOT(ISNUMBER({refs[-1]})),ABS(N({refs[-1]})-100)>{tol}))"
                shown = f'IF(ISNUMBER({refs[-1]}),ROUND(N({refs[-1]}),2)&"","（空）")'
                parts.append(Part("P01", self.sev("P01"), last.col, cond, _msg("P01", "cumulative", shown=shown)))
            else:
                total = f"SUM({','.join(refs)})"
                parts.append(Part("P01", self.sev("P01"), first.col, f"AND({ok},NOT({empty}),ABS({total}-100)>{tol})",
                                  _msg("P01", "per_period", shown=f'ROUND({total},2)&""')))
        for i, (span, m) in enumerate(zip(L.milestones, fw.milestones)):
            ref = refs[i]
            if self.on("P02"):
                parts.append(Part("P02", self.sev("P02"), span.col, bads[i], _msg("P02", "not_number", milestone=q(m))))
                parts.append(Part("P02", self.sev("P02"), span.col, f"AND(ISNUMBER({ref}),OR(N({ref})<0,N({ref})>100))",
                                  _msg("P02", "range", milestone=q(m))))
            if self.on("P03") and cumulative and i > 0:
                prev = self.h(row, 1 + 4 * i + 3)
                parts.append(Part("P03", self.sev("P03"), span.col,
                                  f"AND(ISNUMBER({ref}),ISNUMBER({prev}),N({ref})<N({prev}))",
                                  _msg("P03", milestone=q(m))))
        self.mark(row, parts, marks)

    # -------------------------------------------------------------- indicator rows

    def _indicators(self, values: dict, marks: dict, total: tuple[str, Any]) -> list[dict]:
        L, c = self.L, self.L.columns
        rows = list(L.indicator_rows)
        out: list[dict] = []
        for i, r in enumerate(rows):
            raw = {name: values.get((r, col)) for name, col in c.items() if name != "check"}
            now = self._reading(r, raw, out[-1] if out else None)
            out.append(now)
            self.mark(r, self._indicator_parts(r, i, rows[0], total), marks, gate=(f"{self.h(r, _NE)}=1", now["NE"] == 1))
        return out

    def _reading(self, r: int, raw: dict, prev: dict | None) -> dict:
        """The hidden helpers of one indicator row: what the reader makes of it (module docstring)."""
        c, h = self.L.columns, lambda k: self.h(r, k)
        ref = {name: a1(r, col) for name, col in c.items()}
        now: dict[str, Any] = {}
        rng = f"{ref['level1']}:{ref['explanation']}"
        now["NE"] = 1 if any(p_ws(v) for v in raw.values()) else 0
        self.put(r, _NE, f"IF(SUMPRODUCT(LEN({x_ws(rng)}))>0,1,0)", now["NE"])
        for key, k, name in (("L1", _L1, "level1"), ("L2", _L2, "level2")):
            own = p_ws(raw[name])
            if prev is None:
                now[key] = own
                self.put(r, k, x_ws(ref[name]), own)
            else:
                now[key] = own or prev[key]
                self.put(r, k, f'IF({x_ws(ref[name])}="",{self.h(r - 1, k)},{x_ws(ref[name])})', now[key])
        now["NAME"] = p_ws(raw["name"])
        self.put(r, _NAME, x_ws(ref["name"]), now["NAME"])
        op = p_ws(raw["operator"])
        op_key = p_fold(op).replace(" ", "")
        now["OPC"] = "" if not op else OPERATOR_SPELLINGS.get(op_key, "?")
        E = ref["operator"]
        key_x = x_esc(f'SUBSTITUTE({x_fold(x_ws(E))}," ","")')
        self.put(r, _OPC, f'IF({x_ws(E)}="","",IFERROR(INDEX(pxl_OPCANON,MATCH({key_x},pxl_OPSPELL,0)),"?"))', now["OPC"])
        F = ref["value"]
        v = raw["value"]
        now["S"] = "" if _num(v) else p_fold(p_ws(v))
        self.put(r, _S, f'IF(ISNUMBER({F}),"",{x_fold(x_ws(F))})', now["S"])
        S = h(_S)
        pl = max((len(k) for k in OPERATOR_SPELLINGS if k != "定性" and now["S"].startswith(k)), default=0)
        now["PL"] = pl
        self.put(r, _PL, f"SUMPRODUCT(MAX((LEFT({S},LEN(pxl_OPPRE))=pxl_OPPRE)*LEN(pxl_OPPRE)))", pl)
        # after the operator: [number] [unit] [以上/以下/以内], read from the end as values._parse_text
        # reads it from the start (a unit of values.KNOWN_UNITS, "%" among them)
        trim = lambda t: re.sub(" +", " ", t).strip(" ")  # noqa: E731
        now["R0"] = trim(now["S"][pl:])
        self.put(r, _R0, f"TRIM(MID({S},{h(_PL)}+1,999))", now["R0"])
        sfx = max((len(x) for x in _SUFFIXES if now["R0"].endswith(x)), default=0)
        now["SFX"] = sfx
        suffixes = "{" + ",".join(q(x) for x in _SUFFIXES) + "}"
        r0 = h(_R0)
        self.put(r, _SFX, f"SUMPRODUCT(MAX((RIGHT({r0},LEN({suffixes}))={suffixes})*LEN({suffixes})))", sfx)
        now["R1"] = trim(now["R0"][:len(now["R0"]) - sfx])
        self.put(r, _R1, f"TRIM(LEFT({r0},LEN({r0})-{h(_SFX)}))", now["R1"])
        r1 = h(_R1)
        ul = max((len(u) for u in KNOWN_UNITS if now["R1"].lower().endswith(u.lower())), default=0)
        now["UL"] = ul
        self.put(r, _UL, f"SUMPRODUCT(MAX((RIGHT({r1},LEN(pxl_UNITSFX))=pxl_UNITSFX)*LEN(pxl_UNITSFX)))", ul)
        now["R"] = trim(now["R1"][:len(now["R1"]) - ul])
        self.put(r, _R, f"TRIM(LEFT({r1},LEN({r1})-{h(_UL)}))", now["R"])
        now["IU"] = now["R1"][len(now["R1"]) - ul:] if ul else ""
        self.put(r, _IU, f'IF({h(_UL)}>0,RIGHT({r1},{h(_UL)}),"")', now["IU"])
        now["D"] = p_nodigits(now["R"])
        self.put(r, _D, x_nodigits(h(_R)), now["D"])
        R, D = h(_R), h(_D)
        now["NUM"] = float(v) if _num(v) else p_number(now["R"]) if p_valid(now["R"], now["D"]) else ""
        self.put(r, _NUM, f'IF(ISNUMBER({F}),{F},IF({x_valid(R, D)},{x_number(R)},""))', now["NUM"])
        s_now = now["S"]
        symbol = bool(s_now) and s_now[0] in _SYMBOL_STARTS
        digit = bool(re.search("[0-9]", s_now))
        errlit = s_now.upper() in EXCEL_ERRORS
        now["KIND"] = ("" if not p_ws(v) else "n" if _num(now["NUM"]) else
                       "q" if not (symbol or digit or errlit) else "x")
        errs = ",".join(f"UPPER({S})={q(e)}" for e in sorted(EXCEL_ERRORS))
        digits = "{0,1,2,3,4,5,6,7,8,9}"
        self.put(r, _KIND, f'IF({x_ws(F)}="","",IF(ISNUMBER({h(_NUM)}),"n",IF(OR(AND(LEN({S})>0,'
                           f'ISNUMBER(FIND(LEFT({S},1),{q(_SYMBOL_STARTS)}))),SUMPRODUCT(--ISNUMBER(FIND({digits},{S})))>0,'
                           f'{errs}),"x","q")))', now["KIND"])
        opc, kind, plr = h(_OPC), h(_KIND), h(_PL)
        suffix_p = ("≥" if "上" in now["R0"][len(now["R0"]) - sfx:] else "≤") if sfx else ""
        inline_p = OPERATOR_SPELLINGS.get(s_now[:pl], "") if pl else suffix_p
        o = now["OPC"]
        if o == "定性":
            ope = "定性"
        elif now["KIND"] == "n":
            ope = inline_p if o in ("", "?") else o
        elif o == "" and now["KIND"] == "q":
            ope = "定性"
        else:
            ope = "" if o == "?" else o
        now["OPE"] = ope
        suffix_x = f'IF({h(_SFX)}>0,IF(ISNUMBER(FIND("上",RIGHT({r0},{h(_SFX)}))),"≥","≤"),"")'
        inline_x = f'IF({plr}>0,INDEX(pxl_OPCANON,MATCH(LEFT({S},{plr}),pxl_OPSPELL,0)),{suffix_x})'
        self.put(r, _OPE, f'IF({opc}="定性","定性",IF({kind}="n",IF(OR({opc}="",{opc}="?"),{inline_x},{opc}),'
                          f'IF(AND({opc}="",{kind}="q"),"定性",IF({opc}="?","",{opc}))))', ope)
        now["UCR"] = p_fold(p_ws(raw["unit"])).replace(" ", "")
        self.put(r, _UCR, f'SUBSTITUTE({x_fold(x_ws(ref["unit"]))}," ","")', now["UCR"])
        ucr = h(_UCR)
        pct_alias = ",".join(f"{ucr}={q(a)}" for a in _PCT_ALIASES)
        u = now["UCR"]
        iu = now["IU"]
        now["UC"] = ("%" if u in _PCT_ALIASES else u) if u else (("%" if iu in _PCT_ALIASES else iu)
                                                                if now["KIND"] == "n" else "")
        iu_x = h(_IU)
        iu_pct = ",".join(f"{iu_x}={q(a)}" for a in _PCT_ALIASES)
        self.put(r, _UC, f'IF({ucr}<>"",IF(OR({pct_alias}),"%",{ucr}),IF({kind}="n",IF(OR({iu_pct}),"%",{iu_x}),""))',
                 now["UC"])
        name = now["NAME"]
        stripped = name
        for ch in _PUNCT:
            stripped = stripped.replace(ch, "")
        now["JUNK"] = 1 if name and (name.lower() in _JUNK_NAMES or stripped == "") else 0
        strip_x = h(_NAME)
        for ch in _PUNCT:
            strip_x = f"SUBSTITUTE({strip_x},{q(ch)},\"\")"
        junk = ",".join(f"LOWER({h(_NAME)})={q(j)}" for j in _JUNK_NAMES)
        self.put(r, _JUNK, f'IF({h(_NAME)}="",0,IF(OR({junk},{strip_x}=""),1,0))', now["JUNK"])
        return now

    def _indicator_parts(self, r: int, i: int, first_row: int, total: tuple[str, Any]) -> list[Part]:
        fw, c, h = self.fw, self.L.columns, lambda k: self.h(r, k)
        F = a1(r, c.value)
        L1, L2, NAME, OPC, OPE, NUM, KIND, UC = (h(k) for k in (_L1, _L2, _NAME, _OPC, _OPE, _NUM, _KIND, _UC))
        value_blank = f'{x_ws(F)}=""'
        quant = f'{OPE}<>"定性"'
        parts: list[Part] = []
        sev, on = self.sev, self.on
        if on("I02"):
            bad1 = f"ISNA(MATCH({x_esc(L1)},pxl_L1,0))"
            parts.append(Part("I02", sev("I02"), c.level1, bad1, _msg("I02", "level1")))
            parts.append(Part("I02", sev("I02"), c.level2,
                              f'AND(NOT({bad1}),ISNA(MATCH({x_esc(f"{L1}&{q(chr(124))}&{L2}")},pxl_PAIRS,0)))',
                              _msg("I02", "level2")))
        if on("I03"):
            parts.append(Part("I03", sev("I03"), c.name, f'{NAME}=""', _msg("I03", "missing")))
            parts.append(Part("I03", sev("I03"), c.name, f"{h(_JUNK)}=1", _msg("I03", "junk")))
        if on("I04"):
            op_missing = f'{OPE}=""'
            label = f'IF({op_missing},IF({OPC}="?","可识别的符号","符号")&IF({value_blank},"、指标值",""),"指标值")'
            parts.append(Part("I04", sev("I04"), c.operator, f"AND({quant},OR({op_missing},{value_blank}))",
                              _msg("I04", missing=label)))
            unit_sev = sev("I04", fw.thresholds.get("missing_unit_severity", "error"))
            parts.append(Part("I04", unit_sev, c.unit, f'AND({quant},{UC}="",NOT({value_blank}))', _msg("I04", "unit")))
        if on("I05"):
            parts.append(Part("I05", sev("I05"), c.value, f'AND({quant},NOT({value_blank}),{KIND}<>"n")', _msg("I05")))
        rate = f'OR({UC}="%",RIGHT({NAME},1)="率")'
        if on("I06"):
            parts.append(Part("I06", sev("I06"), c.value, f'AND({KIND}="n",{rate},OR(N({NUM})<0,N({NUM})>100))',
                              _msg("I06")))
        if on("I08"):
            cost = ",".join([f'{L1}="成本指标"', *(f"{L2}={q(x)}" for x in fw.cost_level2)])
            parts.append(Part("I08", sev("I08"), c.operator, f'AND(OR({cost}),OR({OPE}="≥",{OPE}=">"))',
                              _msg("I08", "operator")))
            factors = {("元", "万元"): "/10000", ("万元", "元"): "*10000", ("万元", "万元"): "", ("元", "元"): ""}
            money = [(u, f) for (u, m), f in factors.items() if m == self.money_unit]
            if money:
                t = total[0]
                scaled = ",".join(f'AND({UC}={q(u)},N({NUM}){f}>N({t})+1E-09)' for u, f in money)
                parts.append(Part("I08", sev("I08"), c.value,
                                  f'AND(OR({cost}),{KIND}="n",ISNUMBER({t}),OR({scaled}))', _msg("I08", "value")))
        if on("I09"):
            sat = ",".join([f'ISNUMBER(FIND("满意",{NAME}))', *(f"{L2}={q(x)}" for x in fw.satisfaction_level2)])
            minimum = _lit(fw.thresholds["satisfaction_min"])
            base = f'AND(OR({sat}),{KIND}="n",OR({UC}="%",{UC}=""))'
            parts.append(Part("I09", sev("I09"), c.value, f"AND({base},N({NUM})<{minimum})",
                              _msg("I09", "low", minimum=q(minimum))))
            parts.append(Part("I09", sev("I09"), c.value, f"AND({base},N({NUM})>={minimum},N({NUM})=100)",
                              _msg("I09", "full")))
        if on("I10") and r > first_row:
            ne = f"{self.h(first_row, _NE, True)}:{self.h(r - 1, _NE)}"
            names = f"{self.h(first_row, _NAME, True)}:{self.h(r - 1, _NAME)}"
            parts.append(Part("I10", sev("I10"), c.name,
                              f'AND({NAME}<>"",SUMPRODUCT(({ne}=1)*EXACT({names},{NAME}))>0)', _msg("I10")))
        if on("I11"):
            basis = x_ws(a1(r, c.basis))
            parts.append(Part("I11", sev("I11"), c.basis, f'{basis}=""', _msg("I11", "missing")))
            if fw.basis_requires_category:
                parts.append(Part("I11", sev("I11"), c.basis,
                                  f'AND({basis}<>"",SUMPRODUCT(--EXACT(pxl_BASIS,{basis}))=0)', _msg("I11", "category")))
        if on("I13"):
            parts.append(Part("I13", sev("I13"), c.name, f"SUMPRODUCT(--EXACT(pxl_CATS,{NAME}))>0", _msg("I13")))
        if on("I15"):
            home = [l1 for l1, l2s in fw.levels if set(l2s) & set(fw.satisfaction_level2)]
            known = ",".join(f"EXACT({L1},{q(x)})" for x in fw.level1_names)
            not_home = ",".join(f"NOT(EXACT({L1},{q(x)}))" for x in home) or "TRUE"
            parts.append(Part("I15", sev("I15"), c.level1,
                              f'AND(ISNUMBER(FIND("满意",{NAME})),{not_home},OR({known}))', _msg("I15")))
        return parts

    # -------------------------------------------------------------- counts (I01, I12, I14)

    def _counts(self, rows: list[dict], marks: dict) -> None:
        L, fw = self.L, self.fw
        first, last = L.indicator_rows.start, L.indicator_rows.stop - 1
        rng = lambda k: f"{self.h(first, k, True)}:{self.h(last, k, True)}"  # noqa: E731
        filled = [x for x in rows if x["NE"] == 1]
        count_ref = a1(L.total_count_row, 2)
        self.now[(L.total_count_row, 2)] = (f"=SUM({rng(_NE)})", len(filled))
        required = {l1: fw.required.get(l1, "no") for l1 in fw.level1_names if fw.required.get(l1, "no") != "no"}
        for level1, row in L.level_count_rows.items():
            n = sum(1 for x in filled if x["L1"] == level1)
            self.now[(row, 2)] = (f"=SUMPRODUCT(({rng(_NE)}=1)*({rng(_L1)}={q(level1)}))", n)
            parts = []
            if level1 in required and self.on("I01"):
                parts.append(Part("I01", self.sev("I01", required[level1]), 0,
                                  f"AND({count_ref}>0,{a1(row, 2)}=0)", _msg("I01", "level", level1=q(level1))))
            self.mark(row, parts, marks)
        parts = []
        if required and self.on("I01"):
            worst = min(required.values(), key=lambda s: SEVERITY_ORDER[s])
            parts.append(Part("I01", self.sev("I01", worst), 0, f"{count_ref}=0", _msg("I01", "empty")))
        if self.on("I12"):
            minimum = _lit(fw.thresholds["min_indicators"])
            if not (required and self.on("I01")):
                parts.append(Part("I12", self.sev("I12"), 0, f"{count_ref}=0", _msg("I12", "empty")))
            parts.append(Part("I12", self.sev("I12"), 0, f"AND({count_ref}>0,{count_ref}<{minimum})",
                              _msg("I12", "few", minimum=q(minimum))))
        if self.on("I14"):
            limit = _lit(fw.thresholds["qualitative_max_share"])
            qual = f'SUMPRODUCT(({rng(_NE)}=1)*({rng(_OPE)}="定性"))'
            parts.append(Part("I14", self.sev("I14"), 0, f"IF({count_ref}>0,{qual}/{count_ref}>{limit},FALSE)",
                              _msg("I14")))
        self.mark(L.total_count_row, parts, marks)
