"""A finding on unit JSON names the cell where ``template --data`` puts the value: the locations given
to JSON are those the reader records on the workbook written from the same JSON (issue 9)."""
from __future__ import annotations

import pytest

import perfxl
from perfxl.reader import json_locations, read_grid
from perfxl.safe_open import open_workbook

from conftest import SAMPLES

CASES = [("hebei-2023", SAMPLES / "units" / "108001.json"), ("mof-2013", SAMPLES / "frameworks" / "mof-2013.json"),
         ("mof-2021", SAMPLES / "frameworks" / "mof-2021.json")]


@pytest.mark.parametrize("fid, source", CASES, ids=[c[0] for c in CASES])
def test_json_findings_point_at_the_cells_the_reader_reads_them_from(fid, source, tmp_path):
    unit = perfxl.load_unit(source)
    fw = perfxl.load_framework(fid)
    path = perfxl.write_workbook(unit, fw, tmp_path)
    read = read_grid(open_workbook(path).sheets, str(path), framework=fw)
    assert read.unit is not None
    got = json_locations(unit, fw)
    shared = set(got) & set(read.locations)
    # every value the reader found a place for, JSON names the same place
    assert shared and {k: got[k] for k in shared} == {k: read.locations[k] for k in shared}
    missing = {k for k in read.locations if k not in got}
    assert not missing, sorted(missing, key=str)[:10]
    # and what JSON names covers every project, indicator row and milestone of the unit
    for pi, p in enumerate(unit.projects):
        assert got[("project", pi, "code")][0] == got[("project", pi)][0]
        for m in fw.milestones:
            assert ("project", pi, f"spend:{m}") in got
        for ii in range(len(p.indicators)):
            assert ("indicator", pi, ii, "name") in got
