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
I13 I14 I15; in the self-evaluation (``SELFEVAL_LIVE_ORDER``, perfxl.selfeval_live) E01 E02 E04–E08. Not live, checked by the finance office on receipt (listed so in 填报说明): S01–S08 (the
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

Where the helpers are
---------------------
The formulas build each row's reading in hidden helper cells, columns L..AQ of its row
(``_Live.h``). On the goal table those cells are written to the form sheet's very hidden calc sheet
(``layout.calc_sheet_name``: ``_calc0`` for 部门整体绩效目标, ``_calcN`` for the N-th project), in the same
row and column, except the 一级 helper the 二级 dropdown reads (``layout.LEVEL1_HELPER_COL``: Excel
2007 refuses a validation list that refers to another sheet). The formulas here are built as if all
were on one sheet; the writer names the other sheet of each reference that crosses
(``formula_text.place``). ``perfxl check`` never parses a calc sheet (``safe_open``'s ``unread``): it
was three quarters of a return's XML, and check computes the rules from the inputs anyway. The
self-evaluation keeps its helpers on its sheet (its reader reads the approved targets there).

What a cell means (the reader and the live formulas agree)
--------------------------------------------------------
* **Numbers are read as stored, whatever the cell's number format.** A formula cannot see a format
  (Excel's CELL("format") is volatile, so every file would ask to be saved, and its argument is
  language-dependent), so ``perfxl check`` ignores percent formats in spend-plan and 指标值 cells too.
  A percent-formatted 0.3 is 0.3 to both, and both flag it: P01 (合计 not 100) for the spend plan,
  I09/I06 where they apply for values. So that typing never produces one, the spend-plan cells and
  the 指标值 column are formatted as text (``@``): "30%" typed stays the text "30%", 30 stays "30",
  and both sides read 30 (docs/percent-entry.md has what Calc, Excel and WPS do, and the GUI test).
* **Blank 一级/二级 mean "same as above"**: a hidden helper column carries the nearest non-blank
  value above (a chain of IFs, no array formula); the 二级 dropdown lists the children of that
  inherited 一级, and an empty list (never "#N/A") when there is none.
* **Text is read through the same folding as values.normalize_text**: full-width digits and
  ``％．＋－＜＞＝`` (in a 指标值 or an amount also Ｅｅｋｍｇ, the letters that can change a number)
  become ASCII, the ideographic space, tab, CR and LF count as spaces (SUBSTITUTE chains), then
  TRIM. Operators are looked up after that folding with spaces removed, in the list of
  ``values.OPERATOR_SPELLINGS`` written to the hidden _lists sheet, so "＞＝", ">=", "大于等于" are ≥.
* **Amounts and spend-plan shares stored as text** are numbers when they are one number as
  values.parse_number reads it: a sign, digits with thousands commas in groups of three (a leading
  zero allowed: "01,234"), a fraction, an exponent ("1e5", "1.5E+2"); the spend plan also takes a
  trailing %. Text beyond Excel's largest number ("1e400") is not a number.
* **A 指标值 stored as text is read from its start, step by step as values._parse_text reads it**
  (ProjectLive._value; one hidden helper per step, each with a Python twin that gives its cached
  value): an error literal or formula source text ("#N/A", "=SUM(A1)", "=1+2") is not a number; an
  operator spelling (a word one only when a number follows: "超过预期" is text); the number; a date
  ("2024-12-31"), a malformed number or a list ("1,23", "1.2.3", "80、90") make text; a unit of
  values.KNOWN_UNITS right after it (longest, case-sensitive, "元/人" taken whole, a word unit only at
  a boundary: "80年初预算" has none), then 以上/以下/以内; a range ("80-90%") is not a number; a
  number written twice before a note ("≥8080%以上群众满意") is the number once; whatever follows is
  the note ("≥80财政拨入资金支付80%以上" is ≥ 80). Text after the number with nothing that shows a
  quantity (no operator in the cell or the text, no unit, no 以上) stays text: "2024年12月底前完成",
  "3个月内完成". Text is 定性 when the operator cell is blank, ✗ I05 otherwise; a 定性 row keeps its
  text as text. The steps use FIND on a SUBSTITUTE chain for "the first character outside a set"
  (no array formula, no volatile function). Python's str.isalnum(), which check asks where a note
  may be glued on, is a list of non-alphanumeric characters here (``_NOT_ALNUM``).
* **Error values** (an error pasted into a cell) read as blank on both sides.

Known differences, each outside what a person plausibly types, none drawn by the differential test:
an Excel error literal typed with other full-width letters ("#Ｎ/Ａ"); a number beyond 15 digits
with thousands commas, or between Excel's largest literal and the largest double (1e308–1.8e308);
whitespace other than space, ideographic space, tab, CR, LF (a no-break space); a character
str.isalnum() calls non-alphanumeric that ``_NOT_ALNUM`` lacks, right after a number or unit; a name
made only of symbols outside the common punctuation set (I03); a goal cell holding only a numbering
like "1." (G01); a locked register cell changed in an unprotected sheet (check keeps the issued value
and reports S04, the live check sees the new one). tests/test_live.py holds the twins to check's
reader on a fuzzed corpus and to LibreOffice's recalculation.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any, Iterable

from .catalogue import CATALOGUE, LIVE_MESSAGES, SELFEVAL_LIVE_MESSAGES
from .findings import SEVERITY_ORDER, Finding
from .frameworks import Framework
from .layout import (CHECK_COL, CHECK_ERROR, CHECK_OK, CHECK_WARNING, DEPARTMENT_SHEET, HELPER_COL, LEVEL1_HELPER_COL, DepartmentLayout,
                     ProjectLayout, a1, rowcol)
from .values import EXCEL_ERRORS, KNOWN_UNITS, OPERATOR_SPELLINGS

__all__ = ["LIVE_ORDER", "LIVE_CODES", "SELFEVAL_LIVE_ORDER", "SELFEVAL_LIVE_CODES", "SEP", "MARKS", "rules_catalogue", "mark_row", "short_message",
           "expected_marks", "mark_text", "ProjectLive", "DepartmentLive", "LIST_NAMES", "list_columns",
           "parse_mark"]

LIVE_ORDER = ("F01", "F02", "P01", "P02", "P03", "G01", "G06", "I01", "I02", "I03", "I04", "I05", "I06", "I08",
              "I09", "I10", "I11", "I12", "I13", "I14", "I15")
LIVE_CODES = frozenset(LIVE_ORDER)
# The self-evaluation's live rules (perfxl.selfeval_live): row- and table-local, as docs/selfeval.md
# has them. E03 (得分/总分/等级 differ from the scoring) and E09 (the total, for the summary) are not:
# those cells are the scoring's own formulas, so E03 is checked on receipt.
SELFEVAL_LIVE_ORDER = ("E01", "E02", "E04", "E05", "E06", "E07", "E08")
SELFEVAL_LIVE_CODES = frozenset(SELFEVAL_LIVE_ORDER)
_EVERY_LIVE = LIVE_ORDER + SELFEVAL_LIVE_ORDER
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
        out.append({"code": code, "form": info.form, "severity": override.get("severity", info.severity),
                    "title": info.title_zh, "title_en": info.title_en,
                    "live": code in LIVE_CODES or code in SELFEVAL_LIVE_CODES,
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


# values._fold also folds full-width letters. The number readings need the few that can change what a
# number is: an exponent ("１Ｅ５") and the units km, kg, m2, m3 ("８０ｋｍ"); any other letter is a letter
# either way (five SUBSTITUTEs instead of 52 in every row's formula).
_FOLD_LETTERS = [("Ｅ", "E"), ("ｅ", "e"), ("ｋ", "k"), ("ｍ", "m"), ("ｇ", "g")]
_FOLD_LETTERS_TABLE = {ord(a): b for a, b in _FOLD_LETTERS}


def x_fold(e: str, letters: bool = False) -> str:
    for a, b in _FOLD + (_FOLD_LETTERS if letters else []):
        e = f'SUBSTITUTE({e},"{a}","{b}")'
    return e


def p_fold(t: str, letters: bool = False) -> str:
    t = t.translate(_FOLD_TABLE)
    return t.translate(_FOLD_LETTERS_TABLE) if letters else t


def x_nodigits(e: str) -> str:
    for d in "0123456789":
        e = f'SUBSTITUTE({e},"{d}","")'
    return e


def p_nodigits(t: str) -> str:
    return re.sub("[0-9]", "", t)


_SHAPES = tuple(s + e for s in ("", ".", "-", "+", "-.", "+.") for e in ("", "e", "e+", "e-"))
_DIGITS = "0123456789"


_NONE = "¤"  # appended to a maybe-empty character so FIND never looks for "" (which it finds at 1)


def x_isin(c: str, chars: str) -> str:
    """One character ``c`` (an Excel text, maybe "") is one of ``chars`` (which never hold ¤)."""
    return f'ISNUMBER(FIND(LEFT({c}&"{_NONE}",1),{q(chars)}))'


def p_isin(c: str, chars: str) -> bool:
    return c != "" and c in chars


def x_digit(c: str) -> str:
    return x_isin(c, _DIGITS)


def p_digit(c: str) -> bool:
    return p_isin(c, _DIGITS)


def _group_tail(ipu: str) -> str:
    return f'MID({ipu},FIND(",",{ipu})+1,99)'


def x_grouped(ipu: str) -> str:
    """Digits and commas ``ipu`` are grouped as values._NUMBER groups them: 1–3 digits, then groups
    of three (leading zeros allowed: "01,234"). "1," & the groups must equal TEXT(1&digits,"#,##0"),
    whose format reads "," as the thousands separator in the Chinese (and English) locales Excel,
    WPS and LibreOffice run in here; beyond 15 digits TEXT rounds and the test fails (check's
    parser would accept them: a known, harmless difference)."""
    tail = _group_tail(ipu)
    return (f'IFERROR(AND(FIND(",",{ipu})>1,FIND(",",{ipu})<5,'
            f'"1,"&{tail}=TEXT(VALUE("1"&SUBSTITUTE({tail},",","")),"#,##0")),FALSE)')


def p_grouped(ipu: str) -> bool:
    i = ipu.find(",")
    if not 0 < i < 4:
        return False
    tail = ipu[i + 1:]
    x = float("1" + tail.replace(",", ""))
    return "1," + tail == f"{x:,.0f}"


def x_valid(t: str, d: str) -> str:
    """Text ``t`` (folded, trimmed) is a plain number as values.parse_number reads one: a sign, digits
    (thousands commas only in correct groups of three, :func:`x_grouped`), a decimal part, an
    exponent; ``d`` is ``t`` without digits."""
    d0 = f'SUBSTITUTE({d},",","")'
    shapes = ",".join(f'{d0}="{s}"' for s in _SHAPES)  # "=" ignores case: "E" is "e"
    e = f'FIND("E",UPPER({t})&"E")'  # the exponent's position (LEN+1 when none)
    ip = f'LEFT({t},FIND("{_NONE}",SUBSTITUTE(SUBSTITUTE(UPPER({t}),".","{_NONE}"),"E","{_NONE}")&"{_NONE}")-1)'
    ipu = f'MID({ip},IF(OR(LEFT({t},1)="-",LEFT({t},1)="+"),2,1),99)'  # without its sign
    grouped = (f'IF(ISNUMBER(FIND(",",{t})),AND(LEN({t})-LEN(SUBSTITUTE({t},",",""))=LEN({ip})-LEN(SUBSTITUTE({ip},",","")),'
               f'{x_grouped(ipu)}),TRUE)')
    dot = f'IF(ISNUMBER(FIND(".",{t})),ISNUMBER(FIND(MID({t},FIND(".",{t})+1,1),"{_DIGITS}")),TRUE)'
    exp = (f'IF({e}<=LEN({t}),IF({e}>1,AND(ISNUMBER(FIND(MID({t},{e}-1,1),"{_DIGITS}")),'
           f'IF(OR(RIGHT({d0},1)="+",RIGHT({d0},1)="-"),MID({t},{e}+1,1)=RIGHT({d0},1),TRUE)),FALSE),TRUE)')
    # every part is free of error values (a guard IF or IFERROR), so one AND holds them all
    return (f'AND(LEN({t})>0,LEN({d})<LEN({t}),OR({shapes}),'
            f'IF(OR(LEFT({d0},1)="-",LEFT({d0},1)="+"),LEFT({t},1)=LEFT({d0},1),TRUE),'
            f'ISNUMBER(FIND(RIGHT({t},1),"{_DIGITS}")),{dot},{exp},{grouped})')


def p_valid(t: str, d: str) -> bool:
    d0 = d.replace(",", "")
    if not (len(t) > 0 and len(d) < len(t) and d0.lower() in _SHAPES and t[-1] in _DIGITS
            and (t[:1] == d0[:1] if d0[:1] in ("-", "+") else True)):
        return False
    if "." in t and t[t.index(".") + 1:t.index(".") + 2] not in tuple(_DIGITS):
        return False
    e = t.lower().find("e")
    if e >= 0:
        if e == 0 or t[e - 1] not in _DIGITS:
            return False
        if d0[-1:] in ("+", "-") and t[e + 1:e + 2] != d0[-1]:
            return False
    if "," not in t:
        return True
    cut = min(x for x in (t.find("."), e) if x >= 0) if ("." in t or e >= 0) else len(t)
    ip = t[:cut]
    ipu = ip[1:] if ip[:1] in ("-", "+") else ip
    return t.count(",") == ip.count(",") and p_grouped(ipu)


# Excel's largest number literal. Text beyond it overflows: check reads "1e400" as no number (inf),
# Excel's VALUE gives #VALUE!, LibreOffice's the largest double; both are "" here.
_BIG = "9.99999999999999E+307"


def x_overflow(t: str) -> str:
    """Text number ``t`` (commas allowed) is beyond what Excel holds."""
    return f'IFERROR(ABS(VALUE(SUBSTITUTE({t},",","")))>{_BIG},TRUE)'


def x_number(t: str) -> str:
    """The number of valid text ``t``; "" when it overflows (:func:`x_overflow`)."""
    return f'IF({x_overflow(t)},"",VALUE(SUBSTITUTE({t},",","")))'


def p_number(t: str) -> float | str:
    x = float(t.replace(",", ""))
    return x if math.isfinite(x) and abs(x) <= float(_BIG) else ""


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
    if code in SELFEVAL_LIVE_CODES:
        from .selfeval_live import live_variant

        return live_variant(f, fw)
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


def _messages(code: str) -> dict[str, str]:
    """A live rule's short wordings: the goal table's (LIVE_MESSAGES) or the self-evaluation's."""
    return LIVE_MESSAGES[code] if code in LIVE_MESSAGES else SELFEVAL_LIVE_MESSAGES[code]


def short_message(f: Finding, fw: Framework) -> str:
    """The live mark's wording of finding ``f`` (catalogue.LIVE_MESSAGES)."""
    kind, values = _variant(f, fw)
    return _messages(f.code)[kind].format(**values)


def _order(code: str, severity: str, col: int) -> tuple:
    return (SEVERITY_ORDER[severity], _EVERY_LIVE.index(code), col)


def expected_marks(findings: Iterable[Finding], fw: Framework) -> dict[tuple[str, int], list[tuple[str, str, str]]]:
    """(sheet, row) -> [(severity, code, short message)] of the live findings among ``findings``,
    in the order the 自查 cell shows them. What the differential test compares a workbook's marks to."""
    rows: dict[tuple[str, int], list[tuple[tuple, str, str, str]]] = {}
    for i, f in enumerate(findings):
        if (f.code not in LIVE_CODES and f.code not in SELFEVAL_LIVE_CODES) or not f.sheet:
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
    template = _messages(code)[kind]
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
    text = x_fold(x_ws(ref), letters=True)
    r_x = x_strip_pct(text) if percent else text
    r_p = p_fold(p_ws(raw), letters=True)
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


# Helper columns of an indicator row (0 is the body; see ProjectLive._reading and _value).
(_NE, _L1, _L2, _NAME, _OPC, _S, _L0, _PL, _P, _SG, _RUN, _Q, _FR, _EX, _TK, _RS, _UL, _ULC, _UU, _SB, _SFX,
 _FX, _ST, _NUM, _KIND, _U, _IOP, _OPE, _UCR, _UC, _JUNK) = range(1, 32)
assert HELPER_COL + _L1 == LEVEL1_HELPER_COL  # the 二级 dropdown reads it on the form sheet (layout)
_SUFFIXES = ("及以上", "或以上", "以上", "及以下", "或以下", "以下", "以内")  # values._SUFFIXES: after number and unit
_SUFFIX_ARRAY = "{" + ",".join(q(x) for x in _SUFFIXES) + "}"
_OP_CHARS = "<>=≥≧⩾≤≦⩽"          # the characters of the symbol spellings (a word spelling has none)
_SYMBOL_UNITS = ("%", "‰", "㎡")   # values._SYMBOL_UNITS: need no boundary after them
_RANGE_CHARS = "-~～〜—–至到"      # values._RANGE_RE
_MAL_CHARS = ",.，、"              # a number followed by one of these and a digit is malformed or a list
_ISDIGIT = _DIGITS + "".join(c for c in "⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉①②③④⑤⑥⑦⑧⑨" if c.isdigit())  # what that test asks
_NOTE_LEAD = " ,，;；:：、。.\u00a0"  # values._NOTE_LEAD (tab, CR, LF are spaces here already)
_FORMULA_FIRST = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$(@\\"  # values._FORMULA_START_RE
_ARITH_RUN, _ARITH_ALL, _ARITH_OPS = "0123456789., %", "0123456789., %+-*/^&()", "-+*/^&"  # _FORMULA_ARITH_RE
# Characters Python's str.isalnum() calls not alphanumeric, as far as they are typed in a 指标值: check's
# parser asks isalnum() where a note may be glued to a number or a unit must end; a formula has no
# isalnum(), so it looks a character up in this list (anything else counts as a letter).
_NOT_ALNUM = "".join(dict.fromkeys(c for c in (
    " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\u00a0"
    "，。、；：？！…—–～·•（）【】《》〈〉「」『』〔〕｛｝［］“”‘’＂＇＃＄＆＊＋－／＼＾＿｀｜￥￡"
    "≥≤≧≦⩾⩽±×÷°℃℉‰‱％㎡㎥→←↑↓√∶・〜﹪※§¶©®™") if not c.isalnum()))


def p_run(t: str, chars: str) -> int:
    """The length of ``t``'s leading run of ``chars``."""
    n = 0
    while n < len(t) and t[n] in chars:
        n += 1
    return n


def x_strip(e: str, chars: str) -> str:
    for ch in chars:
        e = f'SUBSTITUTE({e},{q(ch)},"")'
    return e


def x_run(e: str, chars: str) -> str:
    """:func:`p_run` in Excel 2007 functions: the first character left once ``chars`` are removed is
    the first character of ``e`` outside them (no array formula, no volatile function)."""
    rest = x_strip(e, chars)
    return f'FIND(LEFT({rest}&"{_NONE}",1),{e}&"{_NONE}")-1'


def x_skip1(e: str) -> str:
    """``e`` without one leading space (the text is trimmed, so spaces never come two in a row)."""
    return f'MID({e},IF(LEFT({e},1)=" ",2,1),999)'


def x_from(e: str, k: str) -> str:
    """``e`` from its ``k``-th character on, one space there skipped: x_skip1(MID(e,k,999)), shorter."""
    return f'MID({e},{k}+IF(MID({e},{k},1)=" ",1,0),999)'


def p_skip1(t: str) -> str:
    return t[1:] if t[:1] == " " else t


def x_numstart(e: str) -> str:
    """A number starts ``e`` as values._NUMBER reads one: [+-] then a digit or "." and a digit."""
    c1, c2, c3 = f"LEFT({e},1)", f"MID({e},2,1)", f"MID({e},3,1)"
    return (f'OR({x_digit(c1)},AND({c1}=".",{x_digit(c2)}),AND(OR({c1}="+",{c1}="-"),'
            f'OR({x_digit(c2)},AND({c2}=".",{x_digit(c3)}))))')


def p_numstart(t: str) -> bool:
    c1, c2, c3 = t[0:1], t[1:2], t[2:3]
    return (p_digit(c1) or (c1 == "." and p_digit(c2))
            or (c1 in ("+", "-") and c1 != "" and (p_digit(c2) or (c2 == "." and p_digit(c3)))))


def x_longest(e: str, items: str, exact: bool = False) -> str:
    """The length of the longest of ``items`` (a workbook name or an array constant) ``e`` starts with."""
    head = f"LEFT({e},LEN({items}))"
    hit = f"EXACT({head},{items})" if exact else f"({head}={items})"
    return f"SUMPRODUCT(MAX({hit}*LEN({items})))"


def p_longest(t: str, items: Iterable[str], exact: bool = False) -> int:
    if not t:
        return 0
    key = (lambda s: s) if exact else str.lower
    return max((len(x) for x in items if key(t).startswith(key(x))), default=0)


_PREFIXES = [k for k in OPERATOR_SPELLINGS if k != "定性"]  # pxl_OPPRE
_SENTINEL_ROW = 1048575  # Excel's last row (0-based): no literal in the 指标值 formulas contains 1048576
_VALUE_FORMULAS: dict[tuple, dict[int, str]] = {}  # ProjectLive._value_formulas
_ROW_PARTS: dict[tuple, tuple[Framework, list]] = {}  # ProjectLive._row_parts (the framework kept: ids stay unique)
_READINGS: dict[tuple, tuple[Framework, list, dict]] = {}  # ProjectLive._reading_once
_READINGS_MAX = 1024  # blank rows: the table's rows times the 一级/二级 they inherit


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
        ref, value = nums["total"]
        letters = ref.rstrip("0123456789")
        # absolute: every indicator row refers to this one cell, so its row formulas are copies of one
        # another and are stored once (perfxl.shared_formulas)
        return f"${letters}${ref[len(letters):]}", value

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
            now = self._reading_once(r, raw, out[-1] if out else None, self._p_declared(values, r))
            out.append(now)
            self.mark(r, self._row_parts(r, rows[0], total), marks, gate=(f"{self.h(r, _NE)}=1", now["NE"] == 1))
        return out

    def _row_parts(self, r: int, first_row: int, total: tuple[str, Any]) -> list[Part]:
        """:meth:`_indicator_parts` of row ``r``, copied from a sentinel row's (built once per framework,
        money unit and budget cell): all but I10 refer to their own row and fixed cells only."""
        key = (id(self.fw), self.money_unit, total[0])
        hit = _ROW_PARTS.get(key)
        if hit is None or hit[0] is not self.fw:
            template = self._indicator_parts(_SENTINEL_ROW, first_row, total, dup=False)
            probe = self._indicator_parts(first_row + 1, first_row, total, dup=False)
            assert [replace(x, cond=x.cond.replace(str(_SENTINEL_ROW + 1), str(first_row + 2)),
                            message=x.message.replace(str(_SENTINEL_ROW + 1), str(first_row + 2)))
                    for x in template] == probe
            hit = _ROW_PARTS[key] = (self.fw, template)
        row = str(r + 1)
        parts = [replace(x, cond=x.cond.replace(str(_SENTINEL_ROW + 1), row),
                         message=x.message.replace(str(_SENTINEL_ROW + 1), row)) for x in hit[1]]
        if r > first_row and self.on("I10"):
            NAME = self.h(r, _NAME)
            ne = f"{self.h(first_row, _NE, True)}:{self.h(r - 1, _NE)}"
            names = f"{self.h(first_row, _NAME, True)}:{self.h(r - 1, _NAME)}"
            parts.append(Part("I10", self.sev("I10"), self.L.columns.name,
                              f'AND({NAME}<>"",SUMPRODUCT(({ne}=1)*EXACT({names},{NAME}))>0)', _msg("I10")))
        return parts

    # 指标值类型 declared by the table (schema v2, where the framework has the column: mof-2013): a row
    # declared 定量 never reads its text as 定性, as model.interpret_value, so ✗ I05 shows where check has it.
    def _x_declared(self, r: int) -> str:
        col = dict(self.L.extra_columns).get("value_type")
        if col is None:
            return "FALSE"
        typed = f'SUBSTITUTE({x_ws(a1(r, col))}," ","")'
        return f'OR({typed}="定量",{typed}="定量指标")'

    def _x_not_declared(self, r: int) -> str:
        """``,NOT(<declared 定量>)`` to add to a condition, or nothing where the table has no 指标值类型."""
        declared = self._x_declared(r)
        return "" if declared == "FALSE" else f",NOT({declared})"

    def _p_declared(self, values: dict, r: int) -> bool:
        col = dict(self.L.extra_columns).get("value_type")
        return col is not None and p_ws(values.get((r, col))).replace(" ", "") in ("定量", "定量指标")

    def _reading_once(self, r: int, raw: dict, prev: dict | None, declared: bool) -> dict:
        """:meth:`_reading`, worked out once for each blank row and what it inherits: most rows of
        most sheets are blank, and every blank row r of every project sheet has the same helpers
        (a fifth of the time to write a template from the register went into building them again).
        A filled row is worked out each time: its values rarely repeat, and its 35 helpers (about
        15 KB) would fill the cache of a writer process with rows never asked for again.
        The key is all that _reading reads: the row, each cell's value and type, the 一级/二级 it
        inherits and whether it is declared 定量; the framework is kept, so ids stay unique."""
        if any(v is not None for v in raw.values()):
            return self._reading(r, raw, prev, declared)
        key = (id(self.fw), r, tuple((k, v.__class__, v) for k, v in raw.items()),
               None if prev is None else (prev["L1"], prev["L2"]), declared)
        hit = _READINGS.get(key)
        if hit is None or hit[0] is not self.fw:
            start = len(self.cells)
            now = self._reading(r, raw, prev, declared)
            if len(_READINGS) >= _READINGS_MAX:
                _READINGS.clear()
            hit = _READINGS[key] = (self.fw, self.cells[start:], dict(now))
        else:
            self.cells.extend(hit[1])  # Formula records are never changed once made
        return dict(hit[2])

    def _reading(self, r: int, raw: dict, prev: dict | None, declared: bool = False) -> dict:
        """The hidden helpers of one indicator row: what the reader makes of it (module docstring)."""
        c, h = self.L.columns, lambda k: self.h(r, k)
        ref = {name: a1(r, col) for name, col in c.items()}
        now: dict[str, Any] = {}
        rng = f"{ref['level1']}:{ref['explanation']}"
        now["NE"] = 1 if any(p_ws(v) for v in raw.values()) else 0
        now["DECL"] = declared
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
        self._value(r, ref["value"], raw["value"], now)
        now["UCR"] = p_fold(p_ws(raw["unit"])).replace(" ", "")
        self.put(r, _UCR, f'SUBSTITUTE({x_fold(x_ws(ref["unit"]))}," ","")', now["UCR"])
        ucr = h(_UCR)
        pct_alias = ",".join(f"{ucr}={q(a)}" for a in _PCT_ALIASES)
        u = now["UCR"]
        iu = now["IU"]
        now["UC"] = ("%" if u in _PCT_ALIASES else u) if u else (("%" if iu in _PCT_ALIASES else iu)
                                                                if now["KIND"] == "n" else "")
        iu_x = f'IF({h(_ST)}="n",LEFT({h(_RS)},{h(_UU)}),"")'  # the unit typed in the value (values.KNOWN_UNITS:
        # "%" is the only one of them that means %)
        self.put(r, _UC, f'IF({ucr}<>"",IF(OR({pct_alias}),"%",{ucr}),IF({h(_KIND)}="n",{iu_x},""))',
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

    def _value(self, r: int, F: str, v: Any, now: dict) -> None:
        """The 指标值 as values._parse_text reads it, from the start: [operator] number [unit]
        [以上/以下] [note] (module docstring), one hidden helper per step (:meth:`_value_formulas`).
        Each helper's Python twin, here, gives its cached value; tests/test_live.py holds the twins to
        check's reader and to LibreOffice's recalculation."""
        fx_ = self._value_formulas(r)
        put = lambda k, value: self.put(r, k, fx_[k], value)  # noqa: E731
        opc = now["OPC"]
        # U: the text as typed, trimmed (formula source is told by an ASCII "=" and ASCII digits);
        # S: folded ("" for a number); L0: the longest operator spelling S starts with
        u = "" if _num(v) else p_ws(v)
        put(_U, u)
        s = p_fold(u, letters=True)
        put(_S, s)
        l0 = p_longest(s, _PREFIXES)
        put(_L0, l0)
        # PL: that spelling is the operator when it is a symbol, or a word with a number after it
        # ("超过预期" is text); P: the rest, trimmed
        pl = l0 if l0 and (s[:1] in _OP_CHARS or p_numstart(p_skip1(s[l0:]))) else 0
        put(_PL, pl)
        p_ = re.sub(" +", " ", s[pl:]).strip(" ")
        put(_P, p_)
        # the number: a sign, a run of digits and commas (Q: up to a comma not followed by a digit),
        # a fraction, an exponent; TK its length (0: no number starts P)
        sg = 1 if p_[:1] in ("+", "-") else 0
        put(_SG, sg)
        rest = p_[sg:]
        run = p_run(rest, _DIGITS + ",") if p_digit(rest[:1]) else 0
        put(_RUN, run)
        rr = rest[:run]
        qq = rr[:(rr + ",,").find(",,")]  # up to the first ",," – a trailing comma makes one with the ",," added
        put(_Q, qq)
        a = sg + len(qq)  # 0-based position after the integer part
        fr = ""
        if p_[a:a + 1] == "." and p_digit(p_[a + 1:a + 2]):
            fr = "." + p_[a + 1:a + 1 + p_run(p_[a + 1:], _DIGITS)]
        put(_FR, fr)
        b = a + len(fr)
        o = 1 if p_[b + 1:b + 2] in ("+", "-") and p_[b + 1:b + 2] != "" else 0
        ex = ""
        if (qq or fr) and p_[b:b + 1] in ("e", "E") and p_[b:b + 1] != "" and p_digit(p_[b + 1 + o:b + 2 + o]):
            ex = p_[b:b + 1 + o + p_run(p_[b + 1 + o:], _DIGITS)]
        put(_EX, ex)
        tk = sg + len(qq) + len(fr) + len(ex) if qq or fr else 0
        put(_TK, tk)
        # after the number: one space, a unit of values.KNOWN_UNITS (longest, case-sensitive; "元/人"
        # taken whole; a word unit must end at a boundary), one space, 以上/以下/以内
        rs = p_skip1(p_[tk:])
        put(_RS, rs)
        ul = p_longest(rs, KNOWN_UNITS, exact=True)
        put(_UL, ul)
        ul2 = p_longest(rs[ul + 1:], KNOWN_UNITS, exact=True)
        ulc = 0 if not ul else ul + 1 + ul2 if rs[ul:ul + 1] == "/" and ul2 else ul
        put(_ULC, ulc)
        bc = rs[ulc:ulc + 1]
        ends = (rs[:ulc] in _SYMBOL_UNITS or bc == "" or p_isin(bc, _NOT_ALNUM)
                or p_longest(rs[ulc:], _SUFFIXES) > 0)
        uu = ulc if ulc and ends else 0
        put(_UU, uu)
        sb = p_skip1(rs[uu:])
        put(_SB, sb)
        sfx = p_longest(sb, _SUFFIXES)
        put(_SFX, sfx)
        # FX: an Excel error literal or formula source text (values: error_value, formula_text)
        fx = self._p_fx(s, u)
        put(_FX, fx)
        # ST: what the text is, in the order values._parse_text decides it: "x" not a number (I05),
        # "q" text (定性 when no operator), "n" a number, "d" a number written twice ("≥8080%以上…")
        st = self._p_state(s, fx, p_, pl, qq, fr, ex, tk, rs, ul, uu, sb, sfx, sg, opc)
        put(_ST, st)
        num: Any = (float(v) if _num(v) else p_number(p_[:tk]) if st == "n"
                    else float(qq[:len(qq) // 2]) if st == "d" else "")
        put(_NUM, num)
        # the reader keeps a 定性 row's text as text (only a stored number is a number there)
        kind = "n" if _num(v) else ("q" if st else "") if opc == "定性" else "n" if st == "d" else st
        put(_KIND, kind)
        prefix_op = OPERATOR_SPELLINGS.get(s[:pl], "") if pl else ""
        suffix_op = ("≥" if "上" in sb[:sfx] else "≤") if sfx else ""
        iop = (prefix_op or (suffix_op if st == "n" else "")) if st in ("n", "d") else ""
        put(_IOP, iop)
        if opc == "定性":
            ope = "定性"
        elif kind == "n":
            ope = iop if opc in ("", "?") else opc
        elif opc == "" and kind == "q" and not now.get("DECL"):
            ope = "定性"
        else:
            ope = "" if opc == "?" else opc
        put(_OPE, ope)
        now.update(S=s, NUM=num, KIND=kind, IU=rs[:uu] if st == "n" else "", OPE=ope)

    def _value_formulas(self, r: int) -> dict[int, str]:
        """The formulas of :meth:`_value` for row ``r``: built once for a sentinel row and copied,
        since every one of them refers to its own row only (a fifth of the time to write 150
        projects went into building the same texts row after row)."""
        key = (HELPER_COL, self.L.columns.value, self._x_declared(_SENTINEL_ROW))
        template = _VALUE_FORMULAS.get(key)
        if template is None:
            template = self._build_value_formulas(_SENTINEL_ROW)
            probe = self._build_value_formulas(7)
            assert {k: f.replace(str(_SENTINEL_ROW + 1), "8") for k, f in template.items()} == probe
            _VALUE_FORMULAS[key] = template
        row = str(r + 1)
        return {k: f.replace(str(_SENTINEL_ROW + 1), row) for k, f in template.items()}

    def _build_value_formulas(self, r: int) -> dict[int, str]:
        h = lambda k: self.h(r, k)  # noqa: E731
        F = a1(r, self.L.columns.value)
        U, S, L0, PL, P, SG, RUN, Q, FR, EX, TK, RS, UL, ULC, UU, SB, SFX, ST, KIND, OPC, IOP = (h(k) for k in (
            _U, _S, _L0, _PL, _P, _SG, _RUN, _Q, _FR, _EX, _TK, _RS, _UL, _ULC, _UU, _SB, _SFX, _ST, _KIND, _OPC, _IOP))
        out = {_U: f'IF(ISNUMBER({F}),"",{x_ws(F)})', _S: x_fold(U, letters=True), _L0: x_longest(S, "pxl_OPPRE")}
        out[_PL] = (f'IF({L0}=0,0,IF(OR({x_isin(f"LEFT({S},1)", _OP_CHARS)},{x_numstart(x_from(S, f"{L0}+1"))}),'
                    f'{L0},0))')
        out[_P] = f"TRIM(MID({S},{PL}+1,999))"
        out[_SG] = f'IF(OR(LEFT({P},1)="+",LEFT({P},1)="-"),1,0)'
        x_rest = f"MID({P},{SG}+1,999)"
        out[_RUN] = f'IF({x_digit(f"LEFT({x_rest},1)")},{x_run(x_rest, _DIGITS + ",")},0)'
        x_rr = f"MID({P},{SG}+1,{RUN})"
        out[_Q] = f'LEFT({x_rr},FIND(",,",{x_rr}&",,")-1)'
        xa = f"{SG}+LEN({Q})+1"
        x_tail = f"MID({P},{xa}+1,999)"
        out[_FR] = (f'IF(AND(MID({P},{xa},1)=".",{x_digit(f"MID({P},{xa}+1,1)")}),'
                    f'"."&LEFT({x_tail},{x_run(x_tail, _DIGITS)}),"")')
        xb = f"{SG}+LEN({Q})+LEN({FR})+1"
        xo = f'IF(OR(MID({P},{xb}+1,1)="+",MID({P},{xb}+1,1)="-"),1,0)'
        x_exp = f"MID({P},{xb}+1+{xo},999)"
        out[_EX] = (f'IF(AND(LEN({Q})+LEN({FR})>0,OR(EXACT(MID({P},{xb},1),"e"),EXACT(MID({P},{xb},1),"E")),'
                    f'{x_digit(f"LEFT({x_exp},1)")}),MID({P},{xb},1+{xo}+{x_run(x_exp, _DIGITS)}),"")')
        out[_TK] = f"IF(LEN({Q})+LEN({FR})>0,{SG}+LEN({Q})+LEN({FR})+LEN({EX}),0)"
        out[_RS] = x_from(P, f"{TK}+1")
        out[_UL] = x_longest(RS, "pxl_UNITSFX", exact=True)
        x_ul2 = x_longest(f"MID({RS},{UL}+2,99)", "pxl_UNITSFX", exact=True)
        out[_ULC] = f'IF({UL}=0,0,IF(AND(MID({RS},{UL}+1,1)="/",{x_ul2}>0),{UL}+1+{x_ul2},{UL}))'
        x_bc = f"MID({RS},{ULC}+1,1)"
        x_ends = (",".join(f"LEFT({RS},{ULC})={q(u)}" for u in _SYMBOL_UNITS) + f',{x_bc}="",{x_isin(x_bc, _NOT_ALNUM)},'
                  f'{x_longest(f"MID({RS},{ULC}+1,9)", _SUFFIX_ARRAY)}>0')
        out[_UU] = f"IF({ULC}=0,0,IF(OR({x_ends}),{ULC},0))"
        out[_SB] = x_from(RS, f"{UU}+1")
        out[_SFX] = x_longest(SB, _SUFFIX_ARRAY)
        out[_FX] = self._x_fx(S, U)
        out[_ST] = self._x_state(r)
        out[_NUM] = (f'IF(ISNUMBER({F}),{F},IF({ST}="n",VALUE(SUBSTITUTE(LEFT({P},{TK}),",","")),'
                     f'IF({ST}="d",VALUE(LEFT({Q},LEN({Q})/2)),"")))')
        out[_KIND] = f'IF(ISNUMBER({F}),"n",IF({OPC}="定性",IF({ST}="","","q"),IF({ST}="d","n",{ST})))'
        x_suffix_op = f'IF(AND({ST}="n",{SFX}>0),IF(ISNUMBER(FIND("上",LEFT({SB},{SFX}))),"≥","≤"),"")'
        out[_IOP] = (f'IF(OR({ST}="n",{ST}="d"),IF({PL}>0,IFERROR(INDEX(pxl_OPCANON,MATCH(LEFT({S},{PL}),'
                     f'pxl_OPSPELL,0)),""),{x_suffix_op}),"")')
        out[_OPE] = (f'IF({OPC}="定性","定性",IF({KIND}="n",IF(OR({OPC}="",{OPC}="?"),{IOP},{OPC}),'
                     f'IF(AND({OPC}="",{KIND}="q"{self._x_not_declared(r)}),"定性",IF({OPC}="?","",{OPC}))))')
        return out

    @staticmethod
    def _p_fx(s: str, u: str) -> int:
        """1 for an error literal (the folded text ``s``) or formula source text (``u``, not folded:
        only an ASCII "=" and ASCII digits make a formula for values._FORMULA_START_RE/ARITH_RE)."""
        if s.upper() in EXCEL_ERRORS:
            return 1
        if u[:1] != "=":
            return 0
        w1 = u[1:].strip(" ")
        w2 = w1[1:].strip(" ") if w1[:1] in ("+", "-") and w1[:1] else w1
        if p_isin(w2[:1], _FORMULA_FIRST):
            return 1
        # values._FORMULA_ARITH_RE: "=", spaces, a sign, a run of _ARITH_RUN, an operator, then only
        # _ARITH_ALL; the spaces may themselves start the run ("= -90"), so one test after one sign
        x = u[1:]
        x = x[1:] if x[:1] in ("+", "-") and x[:1] else x
        n = p_run(x, _ARITH_RUN)
        return 1 if n >= 1 and p_isin(x[n:n + 1], _ARITH_OPS) and all(c in _ARITH_ALL for c in x) else 0

    @staticmethod
    def _x_fx(S: str, U: str) -> str:
        errs = "{" + ",".join(q(e) for e in sorted(EXCEL_ERRORS)) + "}"
        w1 = f"TRIM(MID({U},2,999))"
        w2 = f'IF(OR(LEFT({w1},1)="+",LEFT({w1},1)="-"),TRIM(MID({w1},2,999)),{w1})'
        x = f'MID({U},IF(OR(MID({U},2,1)="+",MID({U},2,1)="-"),3,2),999)'
        arith = (f'AND({x_isin(f"LEFT({x},1)", _ARITH_RUN)},{x_isin(f"LEFT({x_strip(x, _ARITH_RUN)},1)", _ARITH_OPS)},'
                 f'{x_strip(x, _ARITH_ALL)}="")')
        return (f'IF(ISNUMBER(MATCH({x_esc(f"UPPER({S})")},{errs},0)),1,IF(LEFT({U},1)<>"=",0,'
                f'IF(OR({x_isin(f"LEFT({w2},1)", _FORMULA_FIRST)},{arith}),1,0)))')

    @staticmethod
    def _p_state(s: str, fx: int, p_: str, pl: int, qq: str, fr: str, ex: str, tk: int, rs: str, ul: int, uu: int,
                 sb: str, sfx: int, sg: int, opc: str) -> str:
        if s == "":
            return ""
        if fx:
            return "x"
        # values._DATE_TEXT_RE: four digits (so the number is exactly them), then - / or ., one or two
        # digits, - / or ., a digit, spaces allowed around the separators
        dz = rs[:12].replace(" ", "")
        date = (sg == 0 and len(qq) == 4 and "," not in qq and not fr and not ex and p_isin(dz[0:1], "-/.")
                and p_digit(dz[1:2]) and ((p_isin(dz[2:3], "-/.") and p_digit(dz[3:4]))
                                          or (p_digit(dz[2:3]) and p_isin(dz[3:4], "-/.") and p_digit(dz[4:5]))))
        mal = p_isin(p_[tk:tk + 1], _MAL_CHARS) and p_isin(p_[tk + 1:tk + 2], _ISDIGIT)
        badgroup = "," in qq and not p_grouped(qq)
        if tk == 0 or date or mal or badgroup:
            return "x" if pl else "q"
        a1, a2, a3 = (p_skip1(sb[1:])[i:i + 1] for i in range(3))  # values._RANGE_RE: \s*[+-]?\.?[0-9]
        if p_isin(sb[:1], _RANGE_CHARS) and (p_digit(a1) or (p_isin(a1, "+-.") and p_digit(a2))
                                             or (p_isin(a1, "+-") and a2 == "." and p_digit(a3))):
            return "x"
        if sg == 0 and not fr and not ex and "," not in qq and len(qq) >= 4 and len(qq) % 2 == 0 \
                and qq[:len(qq) // 2] == qq[len(qq) // 2:]:
            d1 = p_skip1(rs[ul:])
            tail = d1[p_longest(d1, _SUFFIXES):]
            if any(c not in _NOTE_LEAD for c in tail):
                return "d"
        if p_number(p_[:tk]) == "":
            return "x"
        gc = sb[sfx:sfx + 1] if sfx else rs[uu:uu + 1] if uu else rs[:1]
        glued = gc != "" and not p_isin(gc, _NOT_ALNUM)
        evidence = pl > 0 or uu > 0 or sfx > 0 or opc in ("≥", "≤", "=", ">", "<")
        return "q" if glued and not evidence else "n"

    def _x_state(self, r: int) -> str:
        h = lambda k: self.h(r, k)  # noqa: E731
        S, PL, P, SG, Q, FR, EX, TK, RS, UL, UU, SB, SFX, FX, OPC = (h(k) for k in (
            _S, _PL, _P, _SG, _Q, _FR, _EX, _TK, _RS, _UL, _UU, _SB, _SFX, _FX, _OPC))
        dz = f'SUBSTITUTE(LEFT({RS},12)," ","")'
        mid = lambda i: f"MID({dz},{i},1)"  # noqa: E731
        date = (f'AND({SG}=0,LEN({Q})=4,NOT(ISNUMBER(FIND(",",{Q}))),{FR}="",{EX}="",'
                f'{x_isin(mid(1), "-/.")},{x_digit(mid(2))},'
                f'OR(AND({x_isin(mid(3), "-/.")},{x_digit(mid(4))}),'
                f'AND({x_digit(mid(3))},{x_isin(mid(4), "-/.")},{x_digit(mid(5))})))')
        mal = f'AND({x_isin(f"MID({P},{TK}+1,1)", _MAL_CHARS)},{x_isin(f"MID({P},{TK}+2,1)", _ISDIGIT)})'
        badgroup = f'IF(ISNUMBER(FIND(",",{Q})),NOT({x_grouped(Q)}),FALSE)'
        a = lambda i: f"MID({x_from(SB, '2')},{i},1)"  # noqa: E731
        rng = (f'AND({x_isin(f"LEFT({SB},1)", _RANGE_CHARS)},'
               f'OR({x_digit(a(1))},AND({x_isin(a(1), "+-.")},{x_digit(a(2))}),'
               f'AND({x_isin(a(1), "+-")},{a(2)}=".",{x_digit(a(3))})))')
        d1 = x_from(RS, f"{UL}+1")
        tail = f"MID({d1},{x_longest(d1, _SUFFIX_ARRAY)}+1,999)"
        half = f"LEN({Q})/2"
        dbl = (f'AND({SG}=0,{FR}="",{EX}="",NOT(ISNUMBER(FIND(",",{Q}))),LEN({Q})>=4,{half}=ROUND({half},0),'
               f'LEFT({Q},{half})=RIGHT({Q},{half}),{x_strip(tail, _NOTE_LEAD)}<>"")')
        ovf = x_overflow(f"LEFT({P},{TK})")
        gc = f'IF({SFX}>0,MID({SB},{SFX}+1,1),IF({UU}>0,MID({RS},{UU}+1,1),LEFT({RS},1)))'
        glued = f'AND({gc}<>"",NOT({x_isin(gc, _NOT_ALNUM)}))'
        evidence = f'OR({PL}>0,{UU}>0,{SFX}>0,{",".join(f"{OPC}={q(o)}" for o in ("≥", "≤", "=", ">", "<"))})'
        return (f'IF({S}="","",IF({FX}=1,"x",IF(OR({TK}=0,{date},{mal},{badgroup}),IF({PL}>0,"x","q"),'
                f'IF({rng},"x",IF({dbl},"d",IF({ovf},"x",IF(AND({glued},NOT({evidence})),"q","n")))))))')

    def _indicator_parts(self, r: int, first_row: int, total: tuple[str, Any], dup: bool = True) -> list[Part]:
        """The parts of an indicator row's 自查 formula; I10 (a name used above) only with ``dup``."""
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
            declared = self._x_declared(r)
            applies = quant if declared == "FALSE" else f"OR({quant},{declared})"
            parts.append(Part("I05", sev("I05"), c.value, f'AND({applies},NOT({value_blank}),{KIND}<>"n")', _msg("I05")))
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
        if dup and on("I10") and r > first_row:
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
