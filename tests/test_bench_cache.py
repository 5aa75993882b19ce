"""The benchmarks' cached rounds are measured only while they are what the writer writes now.

A round cached under a key of the template version alone was reused after a change to the live
formulas that kept the version (the indicator rows' budget reference made absolute): the benchmark
then timed files 40 % larger than the ones perfxl writes. The key now includes a digest of the
first workbook written at run time."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_check  # noqa: E402


def test_the_round_key_is_the_same_while_the_writer_writes_the_same_bytes():
    assert bench_check.round_digest(2, "shared") == bench_check.round_digest(2, "shared")


def test_the_round_key_changes_when_the_writer_writes_other_bytes(monkeypatch):
    before = bench_check.round_digest(2, "shared")
    real = bench_check.perfxl.render_workbook
    monkeypatch.setattr(bench_check.perfxl, "render_workbook", lambda *a, **kw: real(*a, **kw) + b"\0")
    assert bench_check.round_digest(2, "shared") != before


@pytest.mark.parametrize("wording", ["unique", "shared"])
def test_the_round_key_differs_by_projects_and_wording(wording):
    other = "shared" if wording == "unique" else "unique"
    assert bench_check.round_digest(2, wording) != bench_check.round_digest(3, wording)
    assert bench_check.round_digest(2, wording) != bench_check.round_digest(2, other)
