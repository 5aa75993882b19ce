"""perfxl.values: what people type into value cells, parsed with the raw text kept."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import perfxl
from perfxl.values import (KNOWN_UNITS, OPERATOR_SPELLINGS, PROBLEM_CODES, UNIT_ALIASES, ParsedValue,
                           normalize_operator, normalize_text, normalize_unit, parse_indicator_value, parse_number,
                           parse_percent)

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_8edb4e5fb5a34cb8.txt"


def p(raw, **kw) -> ParsedValue:
    return parse_indicator_value(raw, **kw)


def summary(r: ParsedValue) -> tuple:
    return (r.operator, r.value, r.unit, r.note, r.problems)


# --- normalize_text ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("８０", "80"),
    ("９５％", "95%"),
    ("１２．５", "12.5"),
    ("＋５ －３", "+5 -3"),
    ("＜＞＝", "<>="),
    ("ＡＢｃ", "ABc"),
    ("\u3000 80 \n", "80"),
    ("资金\n\n 使用\t\u00a0相符", "资金 使用 相符"),
    ("资金，使用。、；：（相符）", "资金，使用。、；：（相符）"),  # Chinese punctuation kept
    ("≥≧～／", "≥≧～／"),  # no ASCII twin in the fold list: kept
    ("", ""),
])
def test_normalize_text(text, expected):
    assert normalize_text(text) == expected


@given(st.text())
def test_normalize_text_is_idempotent_and_tidy(s):
    t = normalize_text(s)
    assert normalize_text(t) == t
    assert t == t.strip() and "  " not in t and "\n" not in t


# --- parse_number -----------------------------------------------------------------------------

@pytest.mark.parametrize("v, expected", [
    (80, 80.0), (80.5, 80.5), ("80", 80.0), (" 80 ", 80.0), ("８０", 80.0), (" 80 \n", 80.0),
    ("1,234.5", 1234.5), ("1,200", 1200.0), ("-5", -5.0), ("0.25", 0.25), ("1e+06", 1e6),
    (None, None), ("", None), ("  ", None), ("abc", None), ("80%", None), ("≥80", None),
    ("20万元", None), ("1,20", None), ("1.2.3", None), (True, None), (False, None),
    (float("nan"), None), (float("inf"), None), ("1" * 400, None), ("٣", None),
])
def test_parse_number(v, expected):
    assert parse_number(v) == expected


# --- parse_percent ----------------------------------------------------------------------------

@pytest.mark.parametrize("v, fmt, expected", [
    (20, False, 20.0), ("20", False, 20.0), ("20%", False, 20.0), ("２０％", False, 20.0),
    (" 20 % ", False, 20.0), (0.2, True, 20.0), (0.07, True, 7.0), (0.29, True, 29.0), (1, True, 100.0),
    (0.2, False, 0.2),  # no percent format: 0.2 may mean 0.2%, not rescaled
    ("20%", True, 20.0),  # text is shown as typed whatever the format
    (None, False, None), ("", False, None), (" ", True, None), ("全年", False, None), ("≥20%", False, None),
    (True, True, None), (float("nan"), True, None), (1e308, True, None),
])
def test_parse_percent(v, fmt, expected):
    assert parse_percent(v, percent_formatted=fmt) == expected


@given(st.integers(min_value=0, max_value=1_000_000))
def test_percent_formatted_fraction_gives_displayed_points(n):
    # a cell showing n/100 % stores n/10000; the shift must be exact, not n/10000*100
    assert parse_percent(n / 10000, percent_formatted=True) == n / 100


# --- normalize_operator -----------------------------------------------------------------------

@pytest.mark.parametrize("spellings, expected", [
    (["≥", "≧", ">=", "＞＝", "＞=", "> =", "不低于", "不少于", "大于等于", " ≥ "], "≥"),
    (["≤", "≦", "<=", "＜＝", "不高于", "不超过", "不多于", "小于等于"], "≤"),
    (["=", "＝", "等于"], "="),
    ([">", "＞", "大于"], ">"),
    (["<", "＜", "小于"], "<"),
    (["定性"], "定性"),
    ([None, "", " ", "大约", "≥80", 5], None),
])
def test_normalize_operator(spellings, expected):
    for s in spellings:
        assert normalize_operator(s) == expected, s


def test_operator_spellings_map_to_schema_enum():
    assert set(OPERATOR_SPELLINGS.values()) == {"≥", "≤", "=", ">", "<", "定性"}
    for spelling in OPERATOR_SPELLINGS:
        assert normalize_operator(spelling) == OPERATOR_SPELLINGS[spelling]


def test_framework_dropdown_operators_are_understood(hebei, mof):
    for fw in (hebei, mof):
        for op in fw.operators:  # full-width "＝", "＞", "＜" as shown in the dropdown
            assert normalize_operator(op) is not None


def test_framework_units_are_known(hebei, mof):
    for fw in (hebei, mof):
        assert set(fw.units) <= set(KNOWN_UNITS)


# --- parse_indicator_value: numbers -----------------------------------------------------------

@pytest.mark.parametrize("raw", [80, 80.0, "80", "８０", " 80 \n", "\u300080\u3000"])
def test_plain_numbers(raw):
    r = p(raw)
    assert summary(r) == (None, 80.0, None, None, [])
    assert r.raw is raw and r.is_number


@pytest.mark.parametrize("raw, op, value, unit", [
    ("≥80%", "≥", 80.0, "%"),
    (">=80", "≥", 80.0, None),
    ("＞＝80", "≥", 80.0, None),
    ("≧80", "≥", 80.0, None),
    ("不低于80%", "≥", 80.0, "%"),
    ("80%以上", "≥", 80.0, "%"),
    ("80%及以上", "≥", 80.0, "%"),
    ("≥ 80 %", "≥", 80.0, "%"),
    ("≤20", "≤", 20.0, None),
    ("<=20", "≤", 20.0, None),
    ("不超过20万元", "≤", 20.0, "万元"),
    ("20万元以内", "≤", 20.0, "万元"),
    ("=100%", "=", 100.0, "%"),
    ("＝100", "=", 100.0, None),
    ("=-5", "=", -5.0, None),
    (">5", ">", 5.0, None),
    ("＞5", ">", 5.0, None),
    ("<3", "<", 3.0, None),
    ("超过3次", ">", 3.0, "次"),
    ("≥90分", "≥", 90.0, "分"),
    ("≤30个工作日", "≤", 30.0, "个工作日"),
])
def test_operators_typed_with_the_number(raw, op, value, unit):
    r = p(raw)
    assert summary(r) == (op, value, unit, None, [])
    assert (r.inline_operator, r.inline_unit) == (op, unit)


@pytest.mark.parametrize("raw, value, unit", [
    ("28.8万元", 28.8, "万元"),
    ("95％", 95.0, "%"),
    ("1,200", 1200.0, None),
    ("１，２００", None, None),  # full-width comma is not folded: not a thousands separator
    ("10元/人", 10.0, "元/人"),
    ("2023年", 2023.0, "年"),
])
def test_numbers_with_units(raw, value, unit):
    r = p(raw)
    if value is None:
        assert r.value == raw and not r.is_number
    else:
        assert summary(r) == (None, value, unit, None, [])


# --- the seed's glued values and notes --------------------------------------------------------

@pytest.mark.parametrize("raw, op, value, note", [
    ("≥80财政拨入资金支付80%以上", "≥", 80.0, "财政拨入资金支付80%以上"),
    ("≥80按季度支付资金80%以上", "≥", 80.0, "按季度支付资金80%以上"),
    ("≤20资金使用不超过年初预算的20%", "≤", 20.0, "资金使用不超过年初预算的20%"),
    ("≥30资金使用不超过年初预算的30%", "≥", 30.0, "资金使用不超过年初预算的30%"),
    ("≥80收到资金及时付款，不延误", "≥", 80.0, "收到资金及时付款，不延误"),
    ("≥80完成项目达80%以上", "≥", 80.0, "完成项目达80%以上"),
    ("≥80准确规划本年度审计所需费用", "≥", 80.0, "准确规划本年度审计所需费用"),
    ("≥8080%以上群众满意", "≥", 80.0, "80%以上群众满意"),
    ("≥100100%完成支付", "≥", 100.0, "100%完成支付"),
    ("8080%以上群众满意", None, 80.0, "80%以上群众满意"),
    ("≥80年初预算", "≥", 80.0, "年初预算"),  # "年" is not taken as a unit: no boundary after it
    ("≥80%，按季度", "≥", 80.0, "按季度"),
    ("≥80\n按季度", "≥", 80.0, "按季度"),
    ("80（按季度）", None, 80.0, "（按季度）"),
    ("80%群众满意", None, 80.0, "群众满意"),
])
def test_value_glued_to_note(raw, op, value, note):
    r = p(raw)
    assert (r.operator, r.value, r.note, r.problems) == (op, value, note, [])
    assert r.raw == raw


@pytest.mark.parametrize("raw, value, unit", [
    # the doubled-number split needs note text after the second copy; otherwise the number stands
    ("≥8080", 8080.0, None),
    ("≥8080%", 8080.0, "%"),
    ("≥8080%以上", 8080.0, "%"),
    ("≥1212个", 1212.0, "个"),
    ("≥8090%以上群众满意", 8090.0, "%"),  # a different number after: not split
])
def test_doubled_number_heuristic_limits(raw, value, unit):
    r = p(raw)
    assert (r.operator, r.value, r.unit) == ("≥", value, unit)


def test_note_comes_from_the_original_text():
    r = p("≥80　按季度支付８０％以上")  # full-width space and digits inside the note are kept
    assert (r.value, r.note) == (80.0, "按季度支付８０％以上")


def test_glued_note_needs_an_operator():
    # a leading number glued to text is not evidence of a quantity ...
    for raw in ("2023年12月底前完成", "3个月内完成", "80财政拨入资金"):
        assert summary(p(raw)) == (None, raw, None, None, [])
    # ... unless the operator cell says the indicator is a comparison
    r = p("80财政拨入资金", operator_cell="≥")
    assert summary(r) == ("≥", 80.0, None, "财政拨入资金", [])
    assert r.inline_operator is None


# --- percent-formatted cells ------------------------------------------------------------------

def test_percent_formatted_cell():
    assert summary(p(0.2, percent_formatted=True)) == (None, 20.0, "%", None, [])
    assert summary(p(0.07, percent_formatted=True)) == (None, 7.0, "%", None, [])
    assert summary(p("20%")) == (None, 20.0, "%", None, [])
    assert summary(p(20)) == (None, 20.0, None, None, [])
    assert summary(p(0.2)) == (None, 0.2, None, None, [])
    # the format only applies to stored numbers
    assert summary(p("0.2", percent_formatted=True)) == (None, 0.2, None, None, [])
    r = p(0.8, percent_formatted=True, unit_cell="%", operator_cell="≥")
    assert summary(r) == ("≥", 80.0, "%", None, [])


# --- qualitative text -------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "资金使用与年初预算批复相符", "好", "达标", "资金使用符合相关法律法规", "收到资金及时付款，不延误",
    "达标率≥95%",  # operator and number in the middle: not mined
    "超过预期",  # a word operator without a number is just a word
    "2023-12-31",  # a date typed as text
    "1,20",  # malformed number
    "-", "无", "%",
])
def test_qualitative_text(raw):
    r = p(raw)
    assert summary(r) == (None, raw, None, None, [])
    assert not r.is_number


def test_qualitative_text_is_trimmed_only():
    assert p("  资金使用与年初预算批复相符\n").value == "资金使用与年初预算批复相符"
    assert p("良　好").value == "良　好"


def test_qualitative_text_with_operator_cell():
    assert summary(p("好", operator_cell="定性")) == ("定性", "好", None, None, [])
    assert summary(p("好", operator_cell="≥")) == ("≥", "好", None, None, ["not_number"])


# --- operator and unit cells ------------------------------------------------------------------

def test_operator_cell_and_inline_operator():
    r = p("≥80", operator_cell="≥")
    assert summary(r) == ("≥", 80.0, None, None, []) and r.inline_operator == "≥"
    r = p("≥80", operator_cell="＞＝")
    assert r.problems == []
    r = p("≥80", operator_cell="≤")
    assert summary(r) == ("≤", 80.0, None, None, ["operator_conflict"]) and r.inline_operator == "≥"
    r = p("≥80", operator_cell="定性")
    assert r.problems == ["operator_conflict"]
    r = p("80", operator_cell="＞")
    assert summary(r) == (">", 80.0, None, None, []) and r.inline_operator is None
    r = p(80, operator_cell=" ")
    assert summary(r) == (None, 80.0, None, None, [])
    r = p("≥80", operator_cell="大约")
    assert summary(r) == ("≥", 80.0, None, None, ["operator_unknown"])


def test_prefix_and_suffix_operators_disagree():
    assert summary(p("≤80%以上")) == ("≤", 80.0, "%", None, ["operator_conflict"])
    assert p("≥80%以上").problems == []


def test_unit_cell():
    r = p("80%", unit_cell="%")
    assert summary(r) == (None, 80.0, "%", None, [])
    r = p("80％", unit_cell="％")
    assert r.problems == []
    r = p("80%", unit_cell="个")
    assert summary(r) == (None, 80.0, "个", None, ["unit_conflict"]) and r.inline_unit == "%"
    r = p("80", unit_cell="个")
    assert summary(r) == (None, 80.0, "个", None, []) and r.inline_unit is None


# --- errors, formulas, ranges, odd types ------------------------------------------------------

@pytest.mark.parametrize("raw, code", [
    ("#N/A", "error_value"), ("#VALUE!", "error_value"), ("#DIV/0!", "error_value"), (" #REF! ", "error_value"),
    ('=HYPERLINK("http://x","y")', "formula_text"), ("=SUM(A1:A3)", "formula_text"), ("=A1*2", "formula_text"),
    ("=1+2", "formula_text"), ("=(3)*4", "formula_text"), ("=-A1", "formula_text"),
])
def test_error_values_and_formula_text(raw, code):
    r = p(raw)
    assert (r.value, r.problems, r.operator) == (raw.strip(), [code], None)
    assert r.raw == raw


def test_formula_text_even_with_operator_cell():
    r = p("=A1", operator_cell="≥")
    assert r.problems == ["formula_text"] and r.value == "=A1" and r.operator == "≥"


@pytest.mark.parametrize("raw, op, value", [
    ("80-90%", None, "80-90%"), ("80～90", None, "80～90"), ("80%至90%", None, "80%至90%"),
    ("≥80-90%", "≥", "80-90%"),
])
def test_ranges(raw, op, value):
    assert summary(p(raw)) == (op, value, None, None, ["range"])


def test_operator_without_number():
    assert summary(p("≥良好")) == ("≥", "良好", None, None, ["not_number"])
    assert summary(p("≥")) == ("≥", None, None, None, ["not_number"])


@pytest.mark.parametrize("raw", [None, "", "  \n"])
def test_blank(raw):
    r = p(raw)
    assert summary(r) == (None, None, None, None, [])
    assert summary(p(raw, operator_cell="≥")) == ("≥", None, None, None, [])


def test_odd_types():
    assert summary(p(True)) == (None, "True", None, None, ["unsupported_type"])
    assert summary(p(dt.datetime(2023, 12, 31))) == (None, "2023-12-31", None, None, ["date_value"])
    assert summary(p(dt.date(2023, 12, 31))) == (None, "2023-12-31", None, None, ["date_value"])
    assert p(float("nan")).problems == ["not_number"]
    assert p("≥" + "9" * 400).problems == ["not_number"]


# --- the seed document ------------------------------------------------------------------------

@pytest.mark.skipif(not SEED.exists(), reason="seed document not beside the clone")
def test_every_seed_operator_value_parses_to_a_number():
    lines = [ln.strip() for ln in SEED.read_text("utf-8").splitlines()]
    typed = [ln for ln in lines if re.match(r"[≥≤]", ln)]
    assert len(typed) == 12  # the seed has 12 such 指标值 cells
    for ln in typed:
        r = p(ln)
        assert r.is_number and r.operator in ("≥", "≤") and r.note and r.problems == [], ln
        assert r.value in (20.0, 30.0, 80.0), ln


# --- properties -------------------------------------------------------------------------------

_SPELLINGS = sorted(k for k in OPERATOR_SPELLINGS if k != "定性") + ["＞＝", "＜＝", "＝", "＞", "＜"]
_FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
hundredths = st.integers(min_value=0, max_value=100_000_000).map(lambda n: n / 100)  # [0, 1e6], 2 decimals


@given(x=hundredths, op=st.sampled_from(_SPELLINGS))
def test_operator_and_number_round_trip_g(x, op):
    text = f"{op}{x:g}"
    r = p(text)
    assert r.operator == normalize_operator(op)
    assert r.value == float(f"{x:g}")  # :g keeps 6 significant digits; what the text says comes back
    assert r.raw == text and r.problems == []


@given(x=hundredths, op=st.sampled_from(_SPELLINGS), full_width=st.booleans(),
       unit=st.sampled_from(["", "%", "万元", "个", "天"]))
def test_operator_and_number_round_trip_exact(x, op, full_width, unit):
    number = f"{x:.2f}"
    text = f"{op}{number.translate(_FULL_WIDTH) if full_width else number}{unit}"
    r = p(text)
    assert (r.operator, r.value, r.unit or "", r.note, r.problems) == (normalize_operator(op), x, unit, None, [])


@given(n=st.integers(min_value=0, max_value=10**9), op=st.sampled_from(["≥", "≤", "＞", "<"]),
       note=st.text(alphabet="资金支付完成按季度群众满意财政拨入，", min_size=1, max_size=20))
def test_glued_note_round_trip(n, op, note):
    digits = str(n)
    half = len(digits) // 2
    assume(not (len(digits) % 2 == 0 and digits[:half] == digits[half:]))  # doubled numbers split differently
    assume(not note.startswith("，"))
    r = p(f"{op}{digits}{note}")
    assert (r.operator, r.value, r.note) == (normalize_operator(op), float(n), note)


cell_values = st.one_of(
    st.none(), st.text(), st.integers(), st.floats(), st.booleans(), st.dates(), st.datetimes(),
    st.decimals(allow_nan=False), st.from_regex(r"[≥≤<>=＝＞＜不低于超过]{0,2}[0-9０-９.,，%％]{0,8}[万元个天以上下]{0,3}.{0,5}"),
)


@settings(max_examples=500)
@given(raw=cell_values, operator_cell=st.one_of(st.none(), st.text(max_size=4), st.sampled_from(_SPELLINGS)),
       unit_cell=st.one_of(st.none(), st.text(max_size=4)), percent_formatted=st.booleans())
def test_never_raises_and_keeps_raw(raw, operator_cell, unit_cell, percent_formatted):
    r = parse_indicator_value(raw, operator_cell=operator_cell, unit_cell=unit_cell,
                              percent_formatted=percent_formatted)
    assert r.raw is raw
    assert r.operator in (None, "≥", "≤", "=", ">", "<", "定性")
    assert r.value is None or isinstance(r.value, (float, str))
    assert set(r.problems) <= set(PROBLEM_CODES) and len(set(r.problems)) == len(r.problems)
    if isinstance(r.value, str) and isinstance(raw, str):
        assert r.value in raw  # text values are cut from the input, never rewritten
    if r.note is not None:
        assert isinstance(raw, str) and r.note in raw


@given(st.text())
def test_parse_text_never_raises(s):
    r = parse_indicator_value(s)
    assert r.raw is s
    for x in (parse_number(s), parse_percent(s)):
        assert x is None or (isinstance(x, float) and -float("inf") < x < float("inf"))
    assert normalize_operator(s) in (None, *set(OPERATOR_SPELLINGS.values()))


def test_public_api_documented():
    import perfxl.values as values
    for name in values.__all__:
        obj = getattr(values, name)
        if callable(obj):
            assert obj.__doc__ and len(obj.__doc__) > 40, name
    assert perfxl.__version__


# --- normalize_unit ---------------------------------------------------------------------------

@pytest.mark.parametrize("typed, canonical", [
    ("%", "%"), ("％", "%"), ("﹪", "%"), (" % ", "%"), ("百分比", "%"), ("百分之", "%"), ("百分率", "%"),
    ("千分之", "‰"), ("㎡", "平方米"), ("Ｍ２", "平方米"), ("KM", "公里"), ("万 元", "万元"), ("个", "个"),
    ("百分点", "百分点"), ("人/次", "人/次"), (None, None), ("", None), ("\u3000", None),
])
def test_units_are_canonical_whatever_the_spelling(typed, canonical):
    assert normalize_unit(typed) == canonical


def test_unit_aliases_point_at_canonical_spellings():
    assert all(normalize_unit(target) == target for target in UNIT_ALIASES.values())


def test_value_and_unit_cell_in_different_spellings_do_not_conflict():
    r = p("80％", unit_cell="百分比")
    assert (r.value, r.unit, r.problems) == (80.0, "%", [])
    assert p("80万元", unit_cell="％").problems == ["unit_conflict"]
