"""Shared fixtures: the shipped frameworks and samples, inline tables made into files, LibreOffice."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook

import perfxl

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"  # the steering repo's shared/ sits beside the clone, in CI too


@pytest.fixture(scope="session")
def hebei():
    return perfxl.load_framework("hebei-2023")


@pytest.fixture(scope="session")
def mof():
    return perfxl.load_framework("mof-2021")


@pytest.fixture
def seed_unit():
    """The seed document's unit (115001), transcribed with its defects."""
    return perfxl.load_unit(SAMPLES / "units" / "115001.json")


def table_file(path: Path, rows: list[list], sheet: str = "项目清单") -> Path:
    """Write an inline table (first row = headers) as .xlsx or .csv, by the path's suffix."""
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(rows)
    else:
        wb = Workbook()
        ws = wb.active
        ws.title = sheet
        for r in rows:
            ws.append(r)
        wb.save(path)
    return path


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def soffice():
    """LibreOffice for round trips; CI installs it (.ci/run), so there a missing one is a failure."""
    path = soffice_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is not installed; .ci/run should install libreoffice-calc-nogui")
        pytest.skip("LibreOffice not installed (apt-get install -y libreoffice-calc-nogui)")
    return path


def libreoffice_convert(soffice: str, src: Path, out_dir: Path, fmt: str = "xlsx") -> Path:
    """Re-save (or convert) a file the way another office suite would; returns the new file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                    "--outdir", str(out_dir), str(src)], check=True, capture_output=True, timeout=180)
    out = out_dir / (src.stem + "." + fmt.split(":")[0])
    assert out.is_file(), f"LibreOffice did not write {out}"
    return out
