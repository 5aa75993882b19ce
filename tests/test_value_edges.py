"""Edges of value parsing that mutation testing found unguarded (docs/mutation.md, values.py).

Each test names a behaviour of perfxl.values that a one-token change of the code would break
without any other test noticing: leading spaces before a formula, an operator or a date; a comma
between digits; numbers too large for a float; a parser bug; problems that already explain why an
operator has no number.
"""
from __future__ import annotations

import datetime as dt

import pytest

from perfxl import values
from perfxl.values import normalize_unit, parse_indicator_value as p, parse_percent


def test_a_plain_fraction_is_only_rescaled_when_the_cell_is_percent_formatted():
    assert parse_percent(0.2) == 0.2
    assert parse_percent(0.2, percent_formatted=True) == 20.0


@pytest.mark.parametrize("stored, text", [(100, "100"), (2.5, "2.5")])
def test_a_unit_cell_holding_a_number_is_read_as_its_text(stored, text):
    assert normalize_unit(stored) == text


@pytest.mark.parametrize("typed, problem", [(" =SUM(A1:A3)", "formula_text"), (" =1+2", "formula_text"),
                                            ("\u3000=A1", "formula_text")])
def test_a_formula_after_leading_spaces_is_still_formula_text(typed, problem):
    r = p(typed)
    assert (r.value, r.problems) == (typed.strip(), [problem])


def test_an_operator_after_leading_spaces_is_still_an_operator():
    r = p("  ≥ 80")
    assert (r.operator, r.value, r.problems) == ("≥", 80.0, [])


def test_a_date_after_leading_spaces_stays_text():
    r = p(" 2023-12-31")
    assert (r.operator, r.value, r.problems) == (None, "2023-12-31", [])


@pytest.mark.parametrize("typed, operator, problems", [
    ("1，200", None, []),                    # a Chinese comma is not a thousands separator
    ("≥1，2万元", "≥", ["not_number"]),
    ("≥1，23", "≥", ["not_number"]),
    ("≥1、2", "≥", ["not_number"]),         # a list of numbers
])
def test_a_comma_between_digits_makes_the_value_text(typed, operator, problems):
    r = p(typed)
    assert (r.operator, r.value, r.problems) == (operator, typed.lstrip("≥"), problems)


def test_a_doubled_number_followed_only_by_punctuation_is_not_split():
    r = p("≥8080%以上，")
    assert (r.value, r.unit, r.note) == (8080.0, "%", None)


@pytest.mark.parametrize("typed, value", [("≥99%群众满意", 99.0), ("≥88%以上群众满意", 88.0),
                                          ("≥11个以上完成验收", 11.0)])
def test_a_two_digit_number_with_repeated_digits_is_one_number(typed, value):
    assert p(typed).value == value


def test_a_number_too_large_for_a_float_keeps_its_text():
    digits = "9" * 400
    r = p("≥" + digits)
    assert (r.operator, r.value, r.problems) == ("≥", digits, ["not_number"])
    r = p(digits)
    assert (r.operator, r.value, r.problems) == (None, digits, ["not_number"])


def test_a_stored_infinite_number_is_kept_as_its_text():
    r = p(float("inf"))
    assert (r.value, r.problems) == ("inf", ["not_number"])


def test_a_percent_cell_too_large_to_shift_is_kept_as_its_text():
    r = p(1e308, percent_formatted=True)
    assert (r.value, r.problems) == ("1e+308", ["not_number"])
    assert p(0.07, percent_formatted=True).value == 7.0


def test_a_parser_bug_never_stops_reading_a_workbook(monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("a bug")

    monkeypatch.setattr(values, "_parse_text", broken)
    r = p("  ≥80  ")
    assert (r.value, r.problems) == ("≥80", ["unsupported_type"])


@pytest.mark.parametrize("raw, problem", [
    ("#N/A", "error_value"), ("=A1*2", "formula_text"), ("80-90", "range"),
    (dt.date(2023, 12, 31), "date_value"), (True, "unsupported_type"),
])
def test_an_operator_cell_on_a_value_with_a_known_problem_adds_no_not_number(raw, problem):
    r = p(raw, operator_cell="≥")
    assert r.operator == "≥" and r.problems == [problem]
