"""``template --jobs N``: workbooks written by several processes are the same bytes, in the same order,
as by one (issue 12); a unit the writer refuses still stops the run with its message."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

import perfxl
from perfxl.cli import main
from perfxl.errors import PerfxlError
from perfxl.generate import templates_from_data, templates_from_register, write_all
from perfxl.model import unit_from_dict

from conftest import SAMPLES
from units import clean

REGISTER = SAMPLES / "register.xlsx"


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_two_processes_write_the_same_bytes_as_one_in_register_order(tmp_path):
    ticks: list[str] = []
    one = templates_from_register(REGISTER, tmp_path / "one", budget_year=2025, jobs=1)
    two = templates_from_register(REGISTER, tmp_path / "two", budget_year=2025, jobs=2,
                                  progress=lambda u: ticks.append(u.unit.code))
    assert len(one.paths) == len(one.units) > 2
    assert [p.name for p in two.paths] == [p.name for p in one.paths]  # the register's order
    assert ticks == [u.unit.code for u in one.units]  # every unit told, once
    assert _files(tmp_path / "two") == _files(tmp_path / "one")


def test_prefilled_workbooks_from_data_in_two_processes_match_one(tmp_path):
    files = []
    for n, code in enumerate(("115001", "115002", "115003")):
        data = clean()
        data["unit"]["code"] = code
        data["projects"][0]["code"] = f"13081123P00804710002{n}"
        path = tmp_path / f"{code}.json"
        path.write_text(perfxl.dump_unit(unit_from_dict(data)), "utf-8")
        files.append(path)
    templates_from_data(files, tmp_path / "one", jobs=1)
    result = templates_from_data(files, tmp_path / "two", jobs=3)
    assert [p.name[:6] for p in result.paths] == ["115001", "115002", "115003"]
    assert _files(tmp_path / "two") == _files(tmp_path / "one")


def test_a_unit_the_writer_refuses_stops_the_parallel_run_with_its_message(tmp_path):
    fw = perfxl.load_framework()
    units = perfxl.read_register(REGISTER, 2025)[:3]
    too_many = units[1]
    too_many.projects[0].indicators = [perfxl.Indicator("产出指标", "数量指标", f"指标{i}") for i in
                                       range(fw.indicator_rows + 1)]
    with pytest.raises(PerfxlError, match=too_many.unit.code):
        write_all(units, fw, tmp_path, jobs=2)


def test_cli_template_takes_jobs(tmp_path):
    r = CliRunner().invoke(main, ["template", str(REGISTER), "-o", str(tmp_path / "out"), "--jobs", "2",
                                  "--year", "2025"])
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == len(perfxl.read_register(REGISTER, 2025))
    r = CliRunner().invoke(main, ["template", str(REGISTER), "-o", str(tmp_path / "x"), "--jobs", "0"])
    assert r.exit_code == 2
