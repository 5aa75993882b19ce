"""What `pip install .` puts on a machine: only perfxl, with its frameworks and samples as package data.

The wheel is built from a copy of the source (so a stale build/ in the work tree cannot leak into it)
without build isolation (no network), then installed into a fresh virtual environment, where
`perfxl demo` has to run from a folder that has nothing to do with the repository.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import perfxl

from conftest import ROOT, SAMPLES

_SOURCE = ("perfxl", "workbook_templates", "samples", "setup.cfg", "pyproject.toml", "README.md")


def _copy_source(dest: Path) -> Path:
    for name in _SOURCE:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """perfxl's wheel, built once for this module."""
    base = tmp_path_factory.mktemp("wheel")
    src = _copy_source(base / "src")
    dist = base / "dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(dist), str(src)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    (path,) = dist.glob("perfxl-*.whl")
    return path


def test_wheel_contains_only_perfxl(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    outside = [n for n in names if not n.startswith("perfxl/") and not n.split("/")[0].endswith(".dist-info")]
    assert outside == []
    assert {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")} == {
        wheel.name.split("-py3")[0] + ".dist-info"}
    top_level = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("top_level.txt")))
    assert top_level.decode().split() == ["perfxl"]


def test_wheel_ships_frameworks_and_samples(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    frameworks = {p.name for p in (ROOT / "workbook_templates" / "frameworks").glob("*.json")}
    assert frameworks and {f"perfxl/templates/frameworks/{f}" for f in frameworks} <= names
    assert "perfxl/templates/framework.schema.json" in names
    units = {p.name for p in (SAMPLES / "units").glob("*.json")}
    assert units and {f"perfxl/samples/units/{u}" for u in units} <= names
    assert {"perfxl/samples/register.xlsx", "perfxl/samples/register.csv", "perfxl/data/unit-goals.schema.json"} <= names


def test_wheel_data_files_match_the_repository(wheel):
    """Package data is the repository's files byte for byte (one copy in git, nothing regenerated)."""
    z = zipfile.ZipFile(wheel)
    assert z.read("perfxl/samples/register.xlsx") == (SAMPLES / "register.xlsx").read_bytes()
    assert z.read("perfxl/templates/frameworks/hebei-2023.json") == (
        ROOT / "workbook_templates" / "frameworks" / "hebei-2023.json").read_bytes()


def test_installed_wheel_runs_demo_from_any_folder(wheel, tmp_path):
    """pip install of the wheel into a fresh venv (dependencies from the system site-packages, so no
    download), then `perfxl demo` in an empty folder: it finds its samples and frameworks as package data."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    scripts = venv / ("Scripts" if os.name == "nt" else "bin")
    py = scripts / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    before = set(os.listdir(site))
    r = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--ignore-installed", "-q", str(wheel)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    added = set(os.listdir(site)) - before
    assert {n for n in added if not n.endswith(".dist-info")} == {"perfxl"}

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PERFXL_LANG")}
    where = subprocess.run([str(py), "-c", "import perfxl; print(perfxl.__file__)"], cwd=elsewhere, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(site)  # the installed copy, not the work tree's
    r = subprocess.run([str(scripts / "perfxl"), "demo", "out"], cwd=elsewhere, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    out = elsewhere / "out"
    register_units = {u.unit.code for u in perfxl.read_register(SAMPLES / "register.xlsx", 2023)}
    assert len(list((out / "1-templates").glob("*.xlsx"))) == len(register_units)
    assert (out / "5-汇总.xlsx").is_file()
