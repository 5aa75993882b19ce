"""Outputs never touch inputs (issue 11, attack 8).

Every output path is checked before any file is read: an input, a path inside an input folder, or a place
that cannot be written is exit status 2 with a message, and the inputs are byte-identical afterwards.
Annotated returns of two files of one name are two files, and the message counts what was written.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import importlib

import perfxl
from perfxl.cli import main
from perfxl.errors import PerfxlError
from perfxl.outputs import OutputError, check_outputs

from conftest import SAMPLES

REGISTER = SAMPLES / "register.xlsx"


@pytest.fixture
def returned(tmp_path) -> Path:
    d = tmp_path / "returned"
    d.mkdir()
    fw = perfxl.load_framework("hebei-2023")
    for code in ("108001", "112001"):
        perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / f"{code}.json"), fw, d)
    return d


@pytest.fixture
def no_run(monkeypatch):
    """Reading any return fails the test: the output must be refused before the run."""
    def refuse(*a, **k):
        raise AssertionError("the run started before the output was checked")

    check, consolidate = (importlib.import_module(f"perfxl.{m}") for m in ("check", "consolidate"))
    monkeypatch.setattr(check, "check_paths", refuse)
    monkeypatch.setattr(check, "check_inputs", refuse)
    monkeypatch.setattr(consolidate, "check_inputs", refuse)


def _digest(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def _refused(args: list[str], *words: str) -> str:
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and "内部错误" not in r.output
    for w in words:
        assert w in r.output, r.output
    return r.output


def _first(folder: Path) -> Path:
    return sorted(folder.glob("*.xlsx"))[0]


def test_consolidate_onto_an_input_workbook_is_refused_before_the_run(returned, no_run):
    before = _digest(returned)
    victim = _first(returned)
    _refused(["consolidate", str(victim), str(returned), "-r", str(REGISTER), "-o", str(victim)], "输入")
    assert _digest(returned) == before


def test_consolidate_into_the_returns_folder_is_refused(returned, no_run):
    before = _digest(returned)
    _refused(["consolidate", str(returned), "-r", str(REGISTER), "-o", str(returned / "汇总.xlsx")], "输入文件夹")
    _refused(["consolidate", str(returned), "-r", str(REGISTER), "-o", str(returned) + "/"], "输入文件夹")
    assert _digest(returned) == before


def test_consolidate_onto_the_register_is_refused(returned, tmp_path, no_run):
    reg = tmp_path / "register.xlsx"
    reg.write_bytes(REGISTER.read_bytes())
    _refused(["consolidate", str(returned), "-r", str(reg), "-o", str(reg)], "输入")
    assert reg.read_bytes() == REGISTER.read_bytes()


def test_csv_into_an_input_folder_or_over_an_input_csv_is_refused(returned, tmp_path, no_run):
    _refused(["consolidate", str(returned), "-r", str(REGISTER), "-o", str(tmp_path / "s.xlsx"),
              "--csv", str(returned / "csv")], "--csv", "输入文件夹")
    planted = tmp_path / "tables" / "项目.csv"
    planted.parent.mkdir()
    planted.write_text("a unit's csv return", "utf-8")
    _refused(["consolidate", str(returned), str(planted), "-r", str(REGISTER), "-o", str(tmp_path / "s.xlsx"),
              "--csv", str(planted.parent)], "--csv")
    assert planted.read_text("utf-8") == "a unit's csv return"


def test_check_report_onto_an_input_is_refused(returned, no_run):
    before = _digest(returned)
    victim = _first(returned)
    _refused(["check", str(victim), "--format", "xlsx", "-o", str(victim)], "输入")
    _refused(["check", str(returned), "--format", "json", "-o", str(returned) + "/"], "输入文件夹")
    assert _digest(returned) == before


def test_annotate_into_the_input_folder_is_refused(returned, no_run):
    before = _digest(returned)
    _refused(["check", str(returned), "--annotate", str(returned)], "--annotate", "输入文件夹")
    _refused(["check", str(returned), "--annotate", str(returned / "退回")], "--annotate", "输入文件夹")
    assert _digest(returned) == before


def test_an_output_whose_parent_is_a_file_is_refused_before_the_run(returned, tmp_path, no_run):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    _refused(["consolidate", str(returned), "-r", str(REGISTER), "-o", str(blocker / "汇总.xlsx")], "是文件")
    _refused(["check", str(returned), "--annotate", str(blocker / "out")], "是文件")


def test_an_unwritable_place_is_refused_before_the_run(returned, tmp_path, no_run, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if Path(p) == locked else real_access(p, mode, **k))
    _refused(["consolidate", str(returned), "-r", str(REGISTER), "-o", str(locked / "汇总.xlsx")], "权限")
    _refused(["check", str(returned), "--format", "json", "-o", str(locked / "r.json")], "权限")


def test_an_output_reached_through_a_link_to_an_input_is_refused(returned, tmp_path, no_run):
    link = tmp_path / "link"
    link.symlink_to(returned)
    _refused(["consolidate", str(returned), "-r", str(REGISTER), "-o", str(link / "汇总.xlsx")], "输入文件夹")


def test_check_outputs_accepts_a_sibling_folder(returned, tmp_path):
    check_outputs([returned, REGISTER], files=[("-o", tmp_path / "out" / "汇总.xlsx")],
                  folders=[("--csv", tmp_path / "csv", ["项目.csv"])])
    with pytest.raises(OutputError):
        check_outputs([returned], files=[("-o", returned / "sub" / "x.xlsx")])
    assert issubclass(OutputError, PerfxlError)


def test_annotated_returns_of_one_name_are_all_written_and_counted(tmp_path):
    fw = perfxl.load_framework("hebei-2023")
    for sub, code in (("a", "108001"), ("b", "112001")):
        (tmp_path / sub).mkdir()
        src = perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / f"{code}.json"), fw, tmp_path / sub)
        src.rename(tmp_path / sub / "r.xlsx")
    out = tmp_path / "ann"
    r = CliRunner().invoke(main, ["check", str(tmp_path / "a"), str(tmp_path / "b"), "--annotate", str(out)])
    assert r.exit_code in (0, 1), r.output
    written = sorted(p.name for p in out.iterdir())
    assert written == ["r_审核意见(2).xlsx", "r_审核意见.xlsx"]
    assert "已生成 2 个" in r.output


def test_annotating_beside_the_inputs_never_replaces_one(tmp_path):
    fw = perfxl.load_framework("hebei-2023")
    d = tmp_path / "d"
    d.mkdir()
    x = perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / "108001.json"), fw, d).rename(d / "x.xlsx")
    planted = perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / "112001.json"), fw, tmp_path)
    planted = planted.rename(d / "x_审核意见.xlsx")
    before = _digest(d)
    r = CliRunner().invoke(main, ["check", str(x), str(planted), "--annotate", str(d)])
    assert r.exit_code in (0, 1), r.output
    after = _digest(d)
    assert all(after[k] == v for k, v in before.items())  # inputs untouched
    assert sorted(Path(k).name for k in after if k not in before) == ["x_审核意见(2).xlsx", "x_审核意见_审核意见.xlsx"]
    assert "已生成 2 个" in r.output
