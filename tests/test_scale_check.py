"""Checking a province round (issue 12): the checks across files stay linear in the round, and
``check`` uses the usable cores by default (how a worker keeps its next file in hand is in
test_sandbox.py, with the other tests that need real worker processes).

Speed is measured in ``benchmarks/bench_check.py``, never here: these tests assert the algorithmic
properties behind it, by counting the work ``copied_across`` and ``CopyIndex`` report
(``rules.AcrossWork``, ``CopyIndex.grams_made``), so they fail the day a change makes the work
grow faster than the round, whatever the machine.
"""
from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from perfxl import sandbox
from perfxl.check import CheckRun, Checked, check_across
from perfxl.cli import main
from perfxl.findings import FileReport
from perfxl.layout import a1, rowcol
from perfxl.model import unit_from_dict
from perfxl.rules import COMMON_WORDING_UNITS, AcrossWork, CopyIndex, copied_across
from perfxl.sandbox import MAX_DEFAULT_JOBS, default_jobs

from units import clean

COMMON = ("严格执行财务制度规范使用资金", "服务对象满意度达到预期目标", "资金使用率达到年度计划要求")


def _round(n_units: int, group: int | None = None) -> list:
    """``n_units`` copies of the clean unit, each with its own codes; every indicator worded as every
    other unit words it (common phrasing), except, with ``group``, the first indicator of each project,
    worded like that of the units of its group of ``group`` (i // group)."""
    units = []
    for i in range(n_units):
        u = unit_from_dict(clean())
        u.unit.code = f"{200000 + i}"
        for pi, p in enumerate(u.projects):
            p.code = f"13081123P{i:06d}{pi:06d}"
            for ii, ind in enumerate(p.indicators):
                ind.description = COMMON[(pi + ii) % len(COMMON)]
            if group:
                p.indicators[0].description = f"按合同归还棚改贷款本息第{i // group}组"
        units.append(u)
    return units


def _indicators(units: list) -> int:
    return sum(len(p.indicators) for u in units for p in u.projects)


def _work(units: list) -> tuple[AcrossWork, list]:
    work = AcrossWork()
    hits = list(copied_across(units, work))
    return work, hits


# ---------------------------------------------------------------- X02 across files


def test_wording_every_unit_shares_is_never_compared_however_large_the_round():
    for n in (COMMON_WORDING_UNITS + 1, 60, 240):
        units = _round(n)
        work, hits = _work(units)
        assert hits == []
        assert work.indicators == _indicators(units)  # each read once
        assert work.looked_up == work.candidates == work.grams_made == 0


def test_wording_few_units_share_is_compared_with_a_bounded_number_of_projects_per_indicator():
    per_indicator = set()
    for n in (40, 400):
        units = _round(n, group=4)
        work, hits = _work(units)
        assert hits == []
        shared = sum(len(u.projects) for u in units)  # one group-worded indicator per project
        assert work.indicators == _indicators(units) and work.looked_up == shared
        # each is compared with the projects holding it in the 3 other units of its group: no more, whatever n is
        assert work.candidates == shared * 3 * len(units[0].projects)
        # made bare or cut into runs once each, not per comparison: a project's own texts (name, purpose,
        # goals), its name (as another's), each group's wording
        own_texts = sum(2 + len(p.goals) for u in units for p in u.projects)
        assert work.grams_made == own_texts + shared + len(units) // 4
        per_indicator.add((work.candidates / _indicators(units), work.grams_made / _indicators(units)))
    assert len(per_indicator) == 1  # ten times the round, exactly ten times the work


def test_units_holding_a_wording_are_counted_once_each_however_often_they_repeat_it():
    copied = "按合同归还郭营子棚改贷款本息"  # names 郭营子棚, of the clean unit's first project

    def round_of(n: int) -> list:
        units = _round(n)
        for u in units:
            for p in u.projects:  # every project of every unit: twice per unit
                p.indicators[0].description = copied
        return units

    work, hits = _work(round_of(COMMON_WORDING_UNITS))  # 5 units, 10 indicators: still "few units"
    assert hits and work.candidates > 0
    work, hits = _work(round_of(COMMON_WORDING_UNITS + 1))
    assert hits == [] and work.candidates == 0


def test_check_across_on_a_round_sharing_its_wording_finds_nothing_and_keeps_every_file():
    units = _round(120, group=4)
    run = CheckRun(files=[Checked(f"{u.unit.code}.xlsx", FileReport(f"{u.unit.code}.xlsx", u.unit.code, []), unit=u)
                          for u in units])
    taken = check_across(run)
    assert len(taken) == 120
    assert [f.code for c in run.files for f in c.report.findings] == []


def test_copy_index_cuts_each_projects_own_texts_once_not_once_per_indicator():
    unit = unit_from_dict(clean())
    index = CopyIndex(unit.projects)
    lookups = 0
    for _ in range(3):  # looking every indicator up three times, each naming the other project
        for p in unit.projects:
            other = next(o for o in unit.projects if o is not p)
            for ind in p.indicators:
                assert index.hits(p, other.name + (ind.description or ind.name))
                lookups += 1
    own_texts = sum(2 + len(p.goals) for p in unit.projects)
    assert index.grams_made == own_texts + lookups
    # a text naming no other project's own runs is looked up without the project's texts at all
    fresh = CopyIndex(unit.projects)
    assert fresh.hits(unit.projects[0], "完成年度目标任务的情况") is None and fresh.grams_made == 1


# ---------------------------------------------------------------- default --jobs


@pytest.mark.parametrize("cores, expected", [(1, 1), (2, 2), (6, 6), (64, MAX_DEFAULT_JOBS)])
def test_default_jobs_is_the_usable_cores_at_most_the_cap(monkeypatch, cores, expected):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert default_jobs() == expected


def test_check_without_jobs_uses_the_default_and_jobs_overrides_it(monkeypatch, tmp_path):
    import perfxl.check

    seen = []

    def fake_check_paths(paths, **kw):
        seen.append(kw["jobs"])
        return CheckRun()

    monkeypatch.setattr(perfxl.check, "check_paths", fake_check_paths)
    monkeypatch.setattr(sandbox, "default_jobs", lambda: 5)
    (tmp_path / "r.xlsx").write_bytes(b"x")
    assert CliRunner().invoke(main, ["check", str(tmp_path)]).exit_code == 0
    assert CliRunner().invoke(main, ["check", str(tmp_path), "--jobs", "1"]).exit_code == 0
    assert seen == [5, 1]


# ---------------------------------------------------------------- addresses


def test_cell_addresses_are_the_same_inside_and_outside_the_cached_area():
    for row in (0, 6, 255, 256, 1_048_575):
        for col in (0, 1, 25, 26, 42, 63, 64, 701, 702, 16_383):
            assert rowcol(a1(row, col)) == (row, col)
    assert a1(6, 1) == "B7" and a1(36, 42) == "AQ37" and a1(0, 16_383) == "XFD1"
    assert a1(6, 1) is a1(6, 1)  # made once, then looked up


@pytest.mark.parametrize("row, col", [(-1, 0), (0, -1), (-3, -3)])
def test_an_address_left_of_column_a_or_above_row_1_is_refused_at_once(row, col):
    """A layout that works out a negative row or column is a bug: it fails where it happens (it made
    one mutation-test run loop for 27 minutes)."""
    with pytest.raises(ValueError, match="no cell"):
        a1(row, col)
