"""Shared fixtures: the shipped frameworks and samples, inline tables made into files, LibreOffice.

Tools from outside Python (LibreOffice Calc and Writer, pdftotext) and the steering repo's
``../shared`` are asked for through :func:`require_tool`, :func:`require_writer` and
:func:`require_shared`: on a developer's machine a missing one skips the test with the command
that installs it; under ``CI=true`` it is a failure, because CI installs them (.ci/run) and a
broken CI machine must not pass green. As a net under that, any other skip under CI fails too,
unless the test is marked ``ci_may_skip`` (a skip that says something about the world, not about
the machine).

Tests that start LibreOffice are marked ``libreoffice`` automatically, so a fast run (the mutation
run, docs/mutation.md) can leave them out with ``-m "not libreoffice"``.
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest
from openpyxl import Workbook

import perfxl

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"  # the steering repo's shared/ sits beside the clone, in CI too

INSTALL_CALC = "apt-get install -y libreoffice-calc-nogui"
INSTALL_WRITER = "apt-get install -y libreoffice-writer-nogui"
INSTALL_PDFTOTEXT = "apt-get install -y poppler-utils"
INSTALL_SHARED = "put the steering repo's shared/ folder beside this checkout (../shared)"

# Fixtures whose tests start LibreOffice (directly or through another fixture).
_LIBREOFFICE_FIXTURES = {"soffice", "lo_files", "lo_percent_files"}


def in_ci() -> bool:
    """True under CI=true (what .ci/run's caller sets); "0", "false" and "" mean a local run."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(what: str, install: str) -> NoReturn:
    """Skip locally, fail under CI: the one place that decides what a missing tool means."""
    if in_ci():
        pytest.fail(f"{what} is missing or failing under CI=true; .ci/run must provide it: {install}",
                    pytrace=False)
    pytest.skip(f"{what} not available ({install})")


def require_tool(name: str, install: str, *alternatives: str) -> str:
    """The path of a command-line tool (``name`` or one of ``alternatives``), else skip/fail."""
    for candidate in (name, *alternatives):
        path = shutil.which(candidate)
        if path:
            return path
    unavailable(name, install)


def require_writer(soffice: str) -> None:
    """LibreOffice with Writer (the .docx to PDF conversion); Calc alone is not enough."""
    from perfxl.render import _writer_installed

    if not _writer_installed(soffice):
        unavailable("LibreOffice Writer", INSTALL_WRITER)


def require_shared(*parts: str) -> Path:
    """A file or folder of ../shared (the seed document, the spec), else skip/fail."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        unavailable(f"shared/{'/'.join(parts)}", INSTALL_SHARED)
    return path


def pytest_configure(config):
    config.addinivalue_line("markers", "libreoffice: starts LibreOffice (slow); deselect with -m 'not libreoffice'")
    config.addinivalue_line("markers", "ci_may_skip: this test's skip is about the world, not the machine, "
                                       "so it stays a skip under CI=true")


# Tests about the isolation itself (worker deaths, limits, watchdog, hostile files that would abort the
# process): left out when the sandbox runs tasks in-process for mutation testing (perfxl.sandbox).
_ISOLATION_FILES = {"test_sandbox.py", "test_hostile_check.py", "test_fuzz.py", "test_safe_open.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _LIBREOFFICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.libreoffice)
    if os.environ.get("PERFXL_SANDBOX_IN_PROCESS") == "1":
        kept = [i for i in items if i.path.name not in _ISOLATION_FILES]
        config.hook.pytest_deselected(items=[i for i in items if i.path.name in _ISOLATION_FILES])
        items[:] = kept
        if "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", ""):
            cheap_files_first(items, Path.cwd() / "mutmut-stats.json")


def cheap_files_first(items: list, stats: Path) -> None:
    """A mutant's tests, whole test files at a time, the files that cost least (by mutmut's own
    timings of the stats run) first. mutmut stops at the first failure, and hands the tests over in
    no particular order: a mutant the fast unit tests kill was often judged only after minutes of
    end-to-end tests. Files stay whole and in their own order, so no module fixture is built twice,
    and a survivor runs exactly the tests it ran before."""
    import json

    try:
        durations = json.loads(stats.read_text("utf-8"))["duration_by_test"]
    except (OSError, ValueError, KeyError, TypeError):
        return
    cost: dict = {}
    for item in items:
        cost[item.path] = cost.get(item.path, 0.0) + durations.get(item.nodeid, 0.0)
    items.sort(key=lambda item: cost[item.path])  # stable: within a file the order is kept


def _fail_skip_in_ci(report) -> None:
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped under CI=true, which must run every test: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI, a skip from anywhere (a skipif, a fixture, a helper) is a failure."""
    outcome = yield
    report = outcome.get_result()
    if (report.skipped and in_ci() and not hasattr(report, "wasxfail")
            and item.get_closest_marker("ci_may_skip") is None):
        _fail_skip_in_ci(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """The same for a whole module skipped at collection (``pytest.importorskip`` of a test extra)."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci():
        _fail_skip_in_ci(report)


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
    return require_tool("soffice", INSTALL_CALC, "libreoffice")


@pytest.fixture(scope="session")
def pdftotext():
    return require_tool("pdftotext", INSTALL_PDFTOTEXT)


def libreoffice_convert(soffice: str, src: Path, out_dir: Path, fmt: str = "xlsx") -> Path:
    """Re-save (or convert) a file the way another office suite would; returns the new file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                    "--outdir", str(out_dir), str(src)], check=True, capture_output=True, timeout=180)
    out = out_dir / (src.stem + "." + fmt.split(":")[0])
    assert out.is_file(), f"LibreOffice did not write {out}"
    return out
