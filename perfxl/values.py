"""What people really type into value cells, parsed without losing what they typed.

Unit staff fill 指标值, 符号, 计量单位 and 资金支出计划 cells by hand in Excel, WPS or LibreOffice.
The seed document shows the real habits this module is built for:

* numbers stored as text, full-width digits from a Chinese IME (``８０``), stray spaces and newlines;
* the operator typed with the number, as a symbol (``≥80``, ``>=80``, ``＞＝80``, ``≧80``), a word
  (``不低于80%``, ``不超过20万元``) or a suffix (``80%以上``);
* the value glued to its explanation: ``≥80财政拨入资金支付80%以上``, and even ``≥8080%以上群众满意``
  where the number is written twice, once as the value and once as the start of the note;
* percent-formatted cells that store 0.2 for what the screen shows as 20%;
* Excel error literals and formula source text pasted into a value cell.

Every parse keeps the cell's raw content beside the result (:attr:`ParsedValue.raw`), never
evaluates anything, never raises on odd input, and reports what it could not make sense of as
problem codes (:data:`PROBLEM_CODES`) rather than guessing. Deciding whether a finding is an error
belongs to the rules, not here.

Heuristics and their limits (all deliberately conservative; the raw text is always kept):

* **Operators** are only recognised at the start of the value (prefix) or right after the number and
  its unit (suffix ``以上``/``以下``/``以内``). Text in the middle (``达标率≥95%``) is never mined for
  an operator or a number: such a cell is qualitative text.
* **Word operators** (``不低于`` …) only count when a number follows; ``超过预期`` stays text.
  ``以上``/``以下``/``以内`` include the number and ``超过``/``高于``/``低于`` exclude it, as in the
  Civil Code of the PRC, art. 1259.
* **Glued notes**: text that follows the number with no separator is split off as the note only
  when an operator is known (typed in the value or chosen in the operator cell) or a unit/suffix
  was recognised in between. Without that evidence ``2023年12月底前完成`` or ``3个月内完成`` would
  become a number plus a note, so such text stays qualitative.
* **Doubled numbers**: a whole-number digit run that is one number written twice (``8080``,
  ``100100``) is split into the value and the start of the note, but only when more text follows
  the second copy beyond a unit and ``以上``/``以下`` (``≥8080%以上群众满意`` → 80, note
  ``80%以上群众满意``). ``≥8080``, ``≥8080%`` and ``≥8080%以上`` keep 8080, because nothing shows that
  a note was glued on. Decimals (``95.595.5%…``), thousands separators and a note that starts with a
  *different* number (``≥8090%以上``) are not split.
* **Units** are taken from :data:`KNOWN_UNITS` (longest match, directly after the number). A word unit
  must end at a boundary (end, space, punctuation, or a suffix operator), so ``≥80年初预算`` is not
  read as unit ``年`` plus note ``初预算``; ``%`` and ``‰`` need no boundary. Units, from the value
  text or the 计量单位 cell, come out canonical (:func:`normalize_unit`: ``％``, ``百分比`` -> ``%``).
* **Percent cells**: a stored number in a percent-formatted cell is multiplied by 100 exactly
  (decimal shift, so 0.07 gives 7.0, not 7.000000000000001). A plain 0.8 in a cell without percent
  format is *not* rescaled: 0.8 may well mean 0.8%, and only the cell format can tell.
* **Ranges** (``80-90%``, ``80～90``, ``80至90``) are not a single number: the value stays text and
  the problem ``range`` is reported.
"""
from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "ParsedValue", "normalize_text", "parse_number", "parse_percent", "normalize_operator", "normalize_unit",
    "parse_indicator_value", "OPERATOR_SPELLINGS", "KNOWN_UNITS", "UNIT_ALIASES", "PROBLEM_CODES", "EXCEL_ERRORS",
]

# --- width folding ----------------------------------------------------------------------------

# Full-width forms a Chinese IME produces for characters that have an ASCII twin and matter for
# numbers and operators. Chinese punctuation with its own meaning (，。、；：（）) is kept: a
# "，" inside a value is a clause separator, not a thousands separator, and folding it would make
# "1，200" look like a number.
_FOLD_SOURCE = ("０１２３４５６７８９"
                "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
                "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ"
                "％．＋－＜＞＝")
_FOLD = {ord(c): ord(c) - 0xFEE0 for c in _FOLD_SOURCE}
_FOLD[0x3000] = ord(" ")  # ideographic (full-width) space
_SPACE_RUN = re.compile(r"\s+")


def _fold(s: str) -> str:
    """Fold full-width forms one character for one character, so positions in the result are
    positions in the original (the parser cuts notes out of the original text, not the folded one)."""
    return s.translate(_FOLD)


def normalize_text(s: str) -> str:
    """Return ``s`` in the form used to compare and parse cell text.

    Exactly three changes, in this order:

    1. full-width digits ``０-９``, letters ``Ａ-Ｚ ａ-ｚ`` and the signs ``％ ． ＋ － ＜ ＞ ＝`` become
       their ASCII twins, and the ideographic space U+3000 becomes an ASCII space;
    2. leading and trailing whitespace is removed;
    3. every inner run of whitespace (Unicode whitespace as ``str.isspace`` sees it: spaces, tabs,
       CR/LF, no-break space, line separators) becomes one ASCII space.

    Nothing else changes: Chinese punctuation (，。、；：（）), other symbols (≥ ≧ ～ ／), letter
    case and zero-width characters are left alone. The result is for comparison and parsing only;
    callers keep the original text.
    """
    return _SPACE_RUN.sub(" ", _fold(s)).strip()


# --- numbers ----------------------------------------------------------------------------------

# A number as typed: optional sign, digits with optional correct thousands grouping, optional
# decimals and exponent. ASCII digits only ([0-9], not \d) so other scripts' digits stay text.
_NUMBER = r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3}(?![0-9]))+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER_RE = re.compile(_NUMBER)
_BARE_NUMBER_RE = re.compile(rf"({_NUMBER})")
_PERCENT_RE = re.compile(rf"({_NUMBER})\s*(%?)")


def _is_real(v: Any) -> bool:
    """A stored number; bool is excluded because a TRUE/FALSE cell is not a quantity."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _to_float(token: str) -> float | None:
    x = float(token.replace(",", ""))
    return x if math.isfinite(x) else None  # a 400-digit run overflows to inf: not a usable number


def _percent_shift(x: float) -> float | None:
    """x * 100 as a decimal shift, so the result is the number the cell displays (0.07 -> 7.0);
    None when the result overflows."""
    try:
        y = float(Decimal(repr(float(x))).scaleb(2))
    except (InvalidOperation, ValueError, OverflowError):  # pragma: no cover - repr of a finite float is decimal
        y = float(x) * 100
    return y if math.isfinite(y) else None


def parse_number(v: Any) -> float | None:
    """A cell that holds one bare number -> that number as float; anything else -> None.

    Accepts stored numbers (int, float, Decimal, numpy scalars; not bool, not NaN/inf) and text
    that is only a number after :func:`normalize_text`: ``"80"``, ``" 80 "``, ``"８０"``,
    ``"1,234.5"`` (thousands commas only in correct groups of three), ``"-5"``, ``"1e+06"``.
    ``"80%"`` returns None: a percent sign changes the meaning, use :func:`parse_percent`.
    Text with an operator or unit (``"≥80"``, ``"20万元"``) is also None here; use
    :func:`parse_indicator_value` for those. Never raises.
    """
    if _is_real(v):
        x = float(v)
        return x if math.isfinite(x) else None
    if not isinstance(v, str):
        return None
    m = _BARE_NUMBER_RE.fullmatch(normalize_text(v))
    return _to_float(m.group(1)) if m else None


def parse_percent(v: Any, *, percent_formatted: bool = False) -> float | None:
    """A 资金支出计划(%) cell -> percent points (20.0 for 20%), or None when blank or not a number.

    ``20``, ``"20"``, ``"20%"``, ``"２０％"`` all give 20.0. A stored number in a percent-formatted
    cell (``percent_formatted=True``) holds the fraction, so 0.2 gives 20.0. The flag is ignored for
    text: a text cell shows what was typed, whatever its number format. A plain 0.2 without the
    flag stays 0.2 (it may mean 0.2%); the caller can flag suspicious fractions. Never raises.
    """
    if _is_real(v):
        x = float(v)
        if not math.isfinite(x):
            return None
        return _percent_shift(x) if percent_formatted else x
    if not isinstance(v, str):
        return None
    m = _PERCENT_RE.fullmatch(normalize_text(v))
    return _to_float(m.group(1)) if m else None


# --- operators --------------------------------------------------------------------------------

#: Every accepted spelling (after :func:`normalize_text`, spaces removed) -> the schema's operator.
OPERATOR_SPELLINGS: dict[str, str] = {
    "≥": "≥", "≧": "≥", "⩾": "≥", ">=": "≥", "=>": "≥",
    "不低于": "≥", "不少于": "≥", "不小于": "≥", "大于等于": "≥", "大于或等于": "≥",
    "≤": "≤", "≦": "≤", "⩽": "≤", "<=": "≤", "=<": "≤",
    "不高于": "≤", "不超过": "≤", "不多于": "≤", "不大于": "≤", "小于等于": "≤", "小于或等于": "≤",
    "=": "=", "等于": "=",
    ">": ">", "大于": ">", "高于": ">", "超过": ">", "多于": ">",
    "<": "<", "小于": "<", "低于": "<", "少于": "<",
    "定性": "定性",
}
_COMPARISONS = frozenset({"≥", "≤", "=", ">", "<"})
_WORD_OPERATORS = frozenset(k for k in OPERATOR_SPELLINGS if not re.fullmatch(r"[<>=≥≧⩾≤≦⩽]+", k))
# Longest first, so ">=" wins over ">" and "大于等于" over "大于". 定性 is an operator-cell value,
# never a prefix of a value.
_PREFIX_RE = re.compile("|".join(re.escape(k) for k in sorted(
    (k for k in OPERATOR_SPELLINGS if k != "定性"), key=len, reverse=True)))
# Suffixes after the number and unit; inclusive as in Civil Code art. 1259.
_SUFFIXES = {"及以上": "≥", "或以上": "≥", "以上": "≥", "及以下": "≤", "或以下": "≤", "以下": "≤", "以内": "≤"}
_SUFFIX_RE = re.compile("|".join(sorted(_SUFFIXES, key=len, reverse=True)))


_MEMO_MAX = 4096  # distinct spellings kept per function: a round's operators and units are a few dozen


def _memo_text(fn):
    """``fn`` (a pure function of one cell) with its results for text kept: every indicator row of a
    round spells its operator and unit from the same few dozen words. Other values are not kept."""
    cache: dict[str, Any] = {}

    def memo(s: Any) -> Any:
        if s.__class__ is not str:
            return fn(s)
        try:
            return cache[s]
        except KeyError:
            got = fn(s)
            if len(cache) < _MEMO_MAX:
                cache[s] = got
            return got

    memo.__doc__, memo.__name__, memo.__wrapped__ = fn.__doc__, fn.__name__, fn  # type: ignore[attr-defined]
    return memo


@_memo_text
def normalize_operator(s: Any) -> str | None:
    """An operator as spelled by a person -> the schema's spelling (≥ ≤ = > < 定性), else None.

    Symbols in half or full width (``>=``, ``＞＝``, ``≧``, ``＝``) and the usual words (``不低于``,
    ``不超过``, ``大于等于`` …) are accepted; see :data:`OPERATOR_SPELLINGS`. Spaces inside are
    ignored (``"> ="``). Blank, non-text and unknown spellings give None; the caller decides whether
    an unknown non-blank operator is a finding. Never raises.
    """
    if not isinstance(s, str):
        return None
    return OPERATOR_SPELLINGS.get(normalize_text(s).replace(" ", ""))


# --- units ------------------------------------------------------------------------------------

#: Units recognised right after a number (folded spelling). Covers every 计量单位 of the shipped
#: frameworks plus common extras; "%" and "‰" need no word boundary after them.
KNOWN_UNITS: tuple[str, ...] = (
    "%", "‰", "㎡",
    "万元", "亿元", "千元", "元", "万", "亿", "倍",
    "万人次", "人次", "万人", "人", "名", "次", "户", "家", "所", "项", "件", "份", "套", "台", "辆",
    "座", "处", "个工作日", "工作日", "个月", "个", "篇", "期", "场", "批", "本", "册", "张", "条",
    "株", "棵", "头", "只", "间", "栋", "块",
    "天", "日", "周", "月", "年", "小时", "分钟", "秒",
    "平方米", "平方公里", "立方米", "公里", "千米", "米", "公顷", "亩", "吨", "千克", "公斤", "克",
    "分", "等级", "级", "km", "kg", "m2", "m²", "m3", "m³",
)
_SYMBOL_UNITS = frozenset({"%", "‰", "㎡"})

#: Other spellings of a 计量单位 (after width folding, spaces removed) -> the spelling the shipped
#: frameworks list, so a rule that asks "is this a percentage?" sees one answer for "%", "％", "﹪"
#: and "百分比". Only true synonyms: 百分点 (a difference of percentages) and 百分制 (a score out of
#: 100) are not %.
UNIT_ALIASES: dict[str, str] = {
    "﹪": "%", "百分比": "%", "百分之": "%", "百分率": "%", "百分数": "%",
    "千分比": "‰", "千分之": "‰", "千分率": "‰",
    "㎡": "平方米", "m2": "平方米", "m²": "平方米", "平米": "平方米",
    "km": "公里", "千米": "公里",
}


@_memo_text
def normalize_unit(s: Any) -> str | None:
    """A 计量单位 as typed -> its canonical spelling, or None when blank.

    Width folding and whitespace as in :func:`normalize_text` (``％`` -> ``%``, ``ｋｍ`` -> ``km``),
    inner spaces removed, then :data:`UNIT_ALIASES` (letters compared case-insensitively). Any other
    unit comes back folded but otherwise as typed: an unknown unit is the rules' business, not
    this function's. Callers keep the original text beside the result. Never raises.
    """
    if s is None:
        return None
    text = normalize_text(s if isinstance(s, str) else str(s)).replace(" ", "")
    if not text:
        return None
    return UNIT_ALIASES.get(text) or UNIT_ALIASES.get(text.lower()) or text
_UNIT_RE = re.compile("|".join(re.escape(u) for u in sorted(KNOWN_UNITS, key=len, reverse=True)))

# --- problems ---------------------------------------------------------------------------------

#: Problem codes :func:`parse_indicator_value` may report, with what each means.
PROBLEM_CODES: dict[str, str] = {
    "error_value": "the cell holds an Excel error value (#N/A, #VALUE! …); kept as text",
    "formula_text": "the cell holds formula source text (=SUM(…), =HYPERLINK(…)); kept as text, never evaluated",
    "not_number": "a comparison operator applies but no usable number was found",
    "range": "the value is a range (80-90%), not one number; kept as text",
    "operator_conflict": "two operators disagree (operator cell vs value text, or ≥…以下 inside the value)",
    "operator_unknown": "the operator cell is filled but not a recognised operator",
    "unit_conflict": "the unit typed in the value differs from the unit cell",
    "date_value": "the cell holds a date/time (Excel converted what was typed); kept as ISO text",
    "unsupported_type": "the cell holds a value of an unexpected type; kept as str()",
}

#: Excel's error literals (upper case), as openpyxl/calamine hand them over.
EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#EXTERNAL!",
})

# Formula source: "=" then a name, cell reference, parenthesis or @ (optionally signed) ...
_FORMULA_START_RE = re.compile(r"=\s*[+-]?\s*[A-Za-z_$(@\\]")
# ... or pure arithmetic with an operator after the first number ("=1+2", "=(3)*4"), which Excel
# would evaluate; "=100%" and "=-5" are an "=" operator and a value.
_FORMULA_ARITH_RE = re.compile(r"=\s*[+-]?[0-9.,\s%]+[-+*/^&][0-9.,\s%+\-*/^&()]*")

_RANGE_RE = re.compile(r"\s*(?:[-~～〜—–]|至|到)\s*[+-]?\.?[0-9]")
# A date typed as text ("2023-12-31", "2023/12/31") starts with digits but is neither a number nor
# a range.
_DATE_TEXT_RE = re.compile(r"[0-9]{4}\s*[-/.]\s*[0-9]{1,2}\s*[-/.]\s*[0-9]{1,2}")
_NOTE_LEAD = " \t\r\n\u00a0,，;；:：、。."


@dataclass
class ParsedValue:
    """The parse of one 指标值 cell (with its operator and unit cells).

    ``raw`` is exactly what the cell held (str, number, None …), untouched. ``operator`` and
    ``unit`` are the effective ones: the operator/unit cell when it holds something recognisable,
    otherwise what was typed inside the value; ``inline_operator`` and ``inline_unit`` are what the
    value cell itself said, so a disagreement can be shown to the person who typed it. ``value`` is
    a float for a number, otherwise the text (outer whitespace trimmed, nothing else changed), or
    None when blank. ``note`` is the explanation glued after the number, from the original text.
    ``problems`` holds codes from :data:`PROBLEM_CODES`, in the order found; an empty list means
    the cell parsed cleanly (a blank cell parses cleanly to value None).
    """

    raw: Any
    operator: str | None = None
    value: float | str | None = None
    unit: str | None = None
    note: str | None = None
    problems: list[str] = field(default_factory=list)
    inline_operator: str | None = None
    inline_unit: str | None = None

    @property
    def is_number(self) -> bool:
        """True when ``value`` is a number (the indicator is quantitative as typed)."""
        return isinstance(self.value, float)

    def _add(self, code: str) -> None:
        if code not in self.problems:
            self.problems.append(code)


@dataclass
class _Inline:
    """What the text of a value cell says on its own."""

    value: float | str | None = None
    operator: str | None = None
    unit: str | None = None
    note: str | None = None
    problems: list[str] = field(default_factory=list)


def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _note(original: str, start: int) -> str | None:
    """The rest of the original text from ``start``, without leading separators; None if empty."""
    note = original[start:].strip().lstrip(_NOTE_LEAD).strip()
    return note or None


def _unit_at(f: str, i: int) -> tuple[str | None, int]:
    """The unit starting at ``f[i]`` and the position after it, or (None, i).

    A word unit must end at a boundary (end, non-alphanumeric character, or a suffix operator) so
    the first character of a glued note is not taken for a unit ("≥80年初预算"). "元/人" and other
    unit-per-unit compounds are taken whole.
    """
    m = _UNIT_RE.match(f, i)
    if not m:
        return None, i
    unit, j = m.group(), m.end()
    if j < len(f) and f[j] == "/":
        m2 = _UNIT_RE.match(f, j + 1)
        if m2:
            unit, j = f[i:m2.end()], m2.end()
    if unit in _SYMBOL_UNITS or j == len(f) or not f[j].isalnum() or _SUFFIX_RE.match(f, j):
        return unit, j
    return None, i


def _skip_space(f: str, i: int) -> int:
    while i < len(f) and f[i].isspace():
        i += 1
    return i


def _doubled(token: str, f: str, end: int) -> int | None:
    """Length of the first copy when ``token`` is a whole number written twice and real note text
    follows the second copy (beyond a unit and 以上/以下); else None. See the module docstring."""
    if not token.isdigit() or len(token) < 4 or len(token) % 2:  # each copy two digits or more: '99%…' is 99
        return None
    half = len(token) // 2
    if token[:half] != token[half:]:
        return None
    j = _skip_space(f, end)
    m = _UNIT_RE.match(f, j)
    if m:
        j = _skip_space(f, m.end())
    m = _SUFFIX_RE.match(f, j)
    if m:
        j = m.end()
    rest = f[j:].strip().lstrip(_NOTE_LEAD)
    return half if rest else None


def _parse_text(s: str, *, operator_known: bool) -> _Inline:
    """Parse the text of a value cell: [operator] number [unit] [以上/以下] [note], or plain text."""
    out = _Inline()
    text = s.strip()
    f = _fold(s)
    i = _skip_space(f, 0)

    if f.strip().upper() in EXCEL_ERRORS:
        out.value = text
        out.problems.append("error_value")
        return out
    # Only the ASCII "=" starts a formula: Excel never treats a full-width "＝" as one.
    if s[i:i + 1] == "=" and (_FORMULA_START_RE.match(s, i) or _FORMULA_ARITH_RE.fullmatch(s.rstrip(), i)):
        out.value = text
        out.problems.append("formula_text")
        return out

    prefix = None
    m = _PREFIX_RE.match(f, i)
    if m:
        j = _skip_space(f, m.end())
        # a word only counts as an operator when a number follows ("超过预期" stays text)
        if m.group() not in _WORD_OPERATORS or _NUMBER_RE.match(f, j):
            prefix = OPERATOR_SPELLINGS[m.group()]
            i = j
    out.operator = prefix

    n = _NUMBER_RE.match(f, i)
    if (n is None or _DATE_TEXT_RE.match(f, i)
            or (n.end() < len(f) and f[n.end()] in ",.，、" and f[n.end() + 1:n.end() + 2].isdigit())):
        # no number, a date, a malformed number ("1,20", "1.2.3", "1，200") or a list ("80、90"): text
        if prefix is None:
            out.value = text
        else:
            out.value = s[i:].strip() or None
            out.problems.append("not_number")
        return out

    after_unit = _unit_at(f, _skip_space(f, n.end()))[1]
    if _RANGE_RE.match(f, after_unit):
        out.value = s[i:].strip() if prefix else text
        out.problems.append("range")
        return out

    token = n.group()
    half = _doubled(token, f, n.end())
    if half is not None:
        out.value = _to_float(token[:half])
        out.note = _note(s, n.start() + half)
        return out

    number = _to_float(token)
    if number is None:  # overflow: keep the text
        out.value = s[i:].strip() if prefix else text
        out.problems.append("not_number")
        return out

    j = _skip_space(f, n.end())
    unit, j = _unit_at(f, j)
    k = _skip_space(f, j)
    suffix = _SUFFIX_RE.match(f, k)
    if suffix:
        suffix_op = _SUFFIXES[suffix.group()]
        if prefix is not None and prefix != suffix_op:
            out.problems.append("operator_conflict")
        out.operator = prefix or suffix_op
        j = suffix.end()
    glued = j < len(f) and f[j].isalnum()
    if glued and unit is None and suffix is None and not (prefix or operator_known):
        # "2023年12月底前完成", "3个月内完成": a leading number is no evidence of a quantity
        out.operator = None
        out.value = text
        return out
    out.value = number
    out.unit = unit
    out.note = _note(s, j)
    return out


def parse_indicator_value(raw: Any, *, operator_cell: Any = None, unit_cell: Any = None,
                          percent_formatted: bool = False) -> ParsedValue:
    """Parse one 指标值 cell as a person filled it, together with its 符号 and 计量单位 cells.

    ``raw`` is the cell's content as the reader got it (number, text, None, date …).
    ``operator_cell``/``unit_cell`` are the separate operator and unit cells where the template has
    them (None otherwise). ``percent_formatted`` says the value cell has a percent number format,
    so a stored 0.2 is shown, and meant, as 20%.

    The operator cell, when it holds a recognised operator, is the effective operator; the value
    text's own operator is still parsed into ``inline_operator``, and a disagreement adds
    ``operator_conflict``. Likewise for units (``unit_conflict``). A non-blank operator cell that is
    not an operator adds ``operator_unknown`` and the value's own operator is used. Qualitative text
    gives operator None (unless the operator cell says otherwise) and the text as value: the caller
    decides it is 定性. Nothing is evaluated; never raises. See the module docstring for the
    heuristics and their limits.
    """
    result = ParsedValue(raw=raw)
    cell_op = normalize_operator(operator_cell)
    if cell_op is None and not _is_blank(operator_cell):
        result._add("operator_unknown")
    cell_unit = None if _is_blank(unit_cell) else normalize_unit(unit_cell)

    inline = _Inline()
    if _is_blank(raw):
        pass
    elif _is_real(raw):
        x = float(raw)
        if not math.isfinite(x):
            inline.value = str(raw)
            inline.problems.append("not_number")
        elif percent_formatted:
            inline.value, inline.unit = _percent_shift(x), "%"
            if inline.value is None:
                inline.value = str(raw)
                inline.problems.append("not_number")
        else:
            inline.value = x
    elif isinstance(raw, str):
        try:
            inline = _parse_text(raw, operator_known=cell_op in _COMPARISONS)
        except Exception:  # pragma: no cover - a parser bug must not stop reading a workbook
            inline = _Inline(value=raw.strip(), problems=["unsupported_type"])
    elif isinstance(raw, (_dt.datetime, _dt.date, _dt.time)):
        # Excel turned what was typed ("2023-12-31", "12月31日") into a date serial.
        if isinstance(raw, _dt.datetime) and raw.time() == _dt.time(0):
            inline.value = raw.date().isoformat()
        else:
            inline.value = raw.isoformat()
        inline.problems.append("date_value")
    else:
        inline.value = str(raw)
        inline.problems.append("unsupported_type")

    result.value, result.note = inline.value, inline.note
    result.inline_operator, result.inline_unit = inline.operator, normalize_unit(inline.unit)
    for code in inline.problems:
        result._add(code)

    result.operator = cell_op or inline.operator
    if cell_op and inline.operator and cell_op != inline.operator:
        result._add("operator_conflict")
    result.unit = cell_unit or result.inline_unit
    if cell_unit and result.inline_unit and cell_unit != result.inline_unit:
        result._add("unit_conflict")

    explained = {"error_value", "formula_text", "range", "date_value", "unsupported_type", "not_number"}
    if (result.operator in _COMPARISONS and not result.is_number and result.value is not None
            and not explained.intersection(result.problems)):
        result._add("not_number")
    return result
