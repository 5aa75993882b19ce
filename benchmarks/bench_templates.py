"""Throughput of template generation: perfxl against copying a master workbook with openpyxl.

Why this exists: the finance office's alternative to perfxl is to keep one master workbook and,
for every budget unit, open a copy, type the register values into it and save it. This script
times both on the same synthetic register, so the claim "perfxl is fast enough for a whole
district's register" rests on a figure anyone can reproduce on their own machine.

What is timed
  perfxl    ``perfxl.write_templates`` of every unit into a temporary folder (render, sign, write).
  baseline  for every unit: ``openpyxl.load_workbook(master)``, set the register cells of every
            project sheet and rename the project sheets, ``save``. The master is written once,
            untimed, by ``perfxl.render_workbook`` for a unit with the same number of projects,
            so both methods produce the same layout. The baseline does strictly less work than
            perfxl (it does not re-sign the locked values nor update the identity sheet, and
            renaming sheets does not rewrite formulas that refer to them), so it is a lower bound
            on what the manual route costs.

Run from the repository root:
    python benchmarks/bench_templates.py --quick        # 20 units x 10 projects, a smoke run
    python benchmarks/bench_templates.py                # 200 units x 10 projects
    python benchmarks/bench_templates.py --units 500 --projects 15
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Iterator

import openpyxl

import perfxl
from common import code12, load_text, machine_lines as _machine_lines, min_median
from perfxl.layout import (DEPARTMENT_SHEET, INSTRUCTIONS_SHEET, DepartmentLayout, InstructionsLayout,
                           ProjectLayout, project_sheet_names)

FRAMEWORK = "hebei-2023"
BUDGET_YEAR = 2024
REGION = "130811"      # 6-digit 行政区划 prefix of every project code

# Name fragments combined by index: names vary in length (some exceed the 31-character sheet-name
# limit, so perfxl's truncation path is exercised) while staying deterministic run to run.
_PLACES = ("承德高新技术产业开发区", "双桥区", "双滦区", "鹰手营子矿区", "承德县", "兴隆县")
_TOPICS = ("重点项目前期工作经费", "科技型中小企业创新发展奖补资金", "农村人居环境整治专项经费",
           "义务教育薄弱环节改善与能力提升补助资金", "公共卫生服务补助", "河道治理及水生态修复工程")
_PHASES = ("", "（一期）", "（二期）", "2024年度")


def project_code(k: int) -> str:
    """Code of the register's k-th project, 21 characters matching the framework's pattern:
    130811 + 23 + P + 12 characters."""
    yy = f"{(BUDGET_YEAR - 1) % 100:02d}"
    # Multiplying by a number prime to 36 is a bijection modulo 36**12, so codes stay unique while
    # neighbouring projects do not share long prefixes (as real codes from different units do not).
    serial = k * 0x9E3779B97F4A7C15 % 36 ** 12
    return f"{REGION}{yy}P{code12(serial)}"


def synthetic_unit(i: int, n_projects: int) -> perfxl.UnitData:
    """Unit number ``i`` of the register: every value derives from (i, j), so runs are comparable."""
    dept = 100 + (i // 20) % 900
    projects = []
    for j in range(n_projects):
        k = i * n_projects + j
        name = _PLACES[k % len(_PLACES)] + _TOPICS[(k // 3) % len(_TOPICS)] + _PHASES[(k // 7) % len(_PHASES)]
        fiscal = round(50 + (k * 37) % 900 + (k % 100) / 100, 2)
        other = round((k * 13) % 200 + (k % 7) / 10, 2)
        projects.append(perfxl.Project(
            code=project_code(k), name=name,
            funds=perfxl.Funds(total=round(fiscal + other, 2), fiscal=fiscal, other=other),
            purpose=f"用于{_TOPICS[(k // 3) % len(_TOPICS)]}的组织实施及相关支出（第{j + 1}项）"))
    return perfxl.UnitData(
        budget_year=BUDGET_YEAR,
        unit=perfxl.Unit(code=f"{100 + (i // 1000) % 900:03d}{i % 1000:03d}", name=f"{_PLACES[i % len(_PLACES)]}第{i + 1}预算单位",
                         department_code=f"{dept:03d}", department_name=f"{_PLACES[i % len(_PLACES)]}第{dept}主管部门"),
        projects=projects)


def synthetic_register(n_units: int, n_projects: int) -> Iterator[perfxl.UnitData]:
    """Units produced one at a time so memory stays flat however large the register is."""
    for i in range(n_units):
        yield synthetic_unit(i, n_projects)


# ---------------------------------------------------------------- the two methods

def run_perfxl(n_units: int, n_projects: int, fw: perfxl.Framework, out_dir: Path,
               jobs: int = 1) -> tuple[int, float]:
    """``perfxl.write_templates`` in one process, or ``generate.write_all`` in ``jobs`` processes (what
    ``perfxl template --jobs N`` runs; starting its processes is timed)."""
    from perfxl.generate import write_all

    units = list(synthetic_register(n_units, n_projects)) if jobs > 1 else None
    t0 = time.perf_counter()
    if jobs > 1:
        paths = write_all(units, fw, out_dir, jobs=jobs)
    else:
        paths = perfxl.write_templates(synthetic_register(n_units, n_projects), fw, out_dir)
    return len(paths), time.perf_counter() - t0


def fill_from_master(master: bytes, unit: perfxl.UnitData, fw: perfxl.Framework, out_dir: Path) -> Path:
    """What an office does by hand or with a short script: open the master, overwrite the register
    values, rename the project sheets, save under the unit's name."""
    L = ProjectLayout(fw)
    wb = openpyxl.load_workbook(io.BytesIO(master))
    unit_line = f"{unit.unit.code}{unit.unit.name}"
    # Without these two the copy would still show the master's unit on its first two sheets.
    wb[INSTRUCTIONS_SHEET][InstructionsLayout.unit_line.a1] = f"填报单位：{unit_line}"
    wb[DEPARTMENT_SHEET][DepartmentLayout.unit_line.a1] = unit_line
    project_sheets = wb.worksheets[2:2 + len(unit.projects)]
    for number, (ws, new_name, p) in enumerate(
            zip(project_sheets, project_sheet_names([p.name for p in unit.projects]), unit.projects), start=1):
        ws.title = new_name
        ws[L.title.a1] = f"{number}.{p.name}绩效目标表"
        ws[L.unit_line.a1] = unit_line
        ws[L.code.a1] = p.code
        ws[L.name.a1] = p.name
        ws[L.total.a1] = p.funds.total
        ws[L.fiscal.a1] = p.funds.fiscal
        ws[L.other.a1] = p.funds.other
        ws[L.purpose.a1] = p.purpose
    path = out_dir / perfxl.workbook_filename(unit)
    wb.save(path)
    wb.close()
    return path


def run_baseline(n_units: int, n_projects: int, fw: perfxl.Framework, master: bytes,
                 out_dir: Path) -> tuple[int, float]:
    count = 0
    t0 = time.perf_counter()
    for unit in synthetic_register(n_units, n_projects):
        fill_from_master(master, unit, fw, out_dir)
        count += 1
    return count, time.perf_counter() - t0


def make_master(n_projects: int, fw: perfxl.Framework) -> bytes:
    """The office's master: the same layout perfxl produces, for a placeholder unit with P projects."""
    placeholder = synthetic_unit(999_999, n_projects)
    placeholder.unit = perfxl.Unit(code="000000", name="（单位名称）")
    return perfxl.render_workbook(placeholder, fw)


def spot_check(path: Path, unit: perfxl.UnitData, fw: perfxl.Framework) -> None:
    """Guard against timing a method that silently writes the wrong thing: the last project's code
    must sit at the layout's code cell of the last project sheet."""
    L = ProjectLayout(fw)
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        sheet = project_sheet_names([p.name for p in unit.projects])[-1]
        got = wb[sheet][L.code.a1].value
    finally:
        wb.close()
    if got != unit.projects[-1].code:
        raise SystemExit(f"spot check failed for {path.name}: {sheet}!{L.code.a1} = {got!r}, "
                         f"expected {unit.projects[-1].code!r}")


# ---------------------------------------------------------------- report

def machine_lines() -> list[str]:
    return _machine_lines(("xlsxwriter", "openpyxl", "lxml"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=200, help="units in the register (default 200)")
    ap.add_argument("--projects", type=int, default=10, help="projects per unit (default 10)")
    ap.add_argument("--quick", action="store_true", help="20 units x 10 projects, one run, for a smoke run")
    ap.add_argument("--jobs", default="1,2", help="perfxl's process counts to time, e.g. 1,2 (default 1,2)")
    ap.add_argument("--runs", type=int, default=3, help="runs of every method (default 3): min and median")
    ap.add_argument("--baseline-units", type=int, default=None,
                    help="units the openpyxl baseline copies (default all; it is the slowest, and its rate "
                         "does not depend on the count)")
    args = ap.parse_args(argv)
    n_units, n_projects = (20, 10) if args.quick else (args.units, args.projects)
    runs = 1 if args.quick else args.runs
    jobs_list = [int(j) for j in args.jobs.split(",")]
    n_base = min(args.baseline_units or n_units, n_units)
    if n_units < 1 or n_projects < 1 or runs < 1 or min(jobs_list) < 1:
        ap.error("--units, --projects, --runs and --jobs must be at least 1")

    fw = perfxl.load_framework(FRAMEWORK)
    master = make_master(n_projects, fw)
    last_unit = synthetic_unit(n_units - 1, n_projects)
    last_base = synthetic_unit(n_base - 1, n_projects)

    print(f"perfxl template benchmark: {n_units} units x {n_projects} projects, framework {FRAMEWORK}, "
          f"{runs} runs, perfxl with jobs {', '.join(map(str, jobs_list))}; baseline on {n_base} units")
    for line in machine_lines():
        print(line)
    with zipfile.ZipFile(io.BytesIO(master)) as z:  # the forms, _lists, the calc sheets, _perfxl
        sheets = sum(1 for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    print(f"master:     {len(master):,} bytes, {sheets} sheets ({2 + n_projects} forms)")
    print(f"load avg:   {load_text()} (1, 5, 15 min) before")
    print()

    methods = [f"perfxl jobs={j}" for j in jobs_list] + ["baseline (openpyxl copy)"]
    results: list[dict[str, tuple]] = []
    with tempfile.TemporaryDirectory(prefix="perfxl-bench-") as tmp:
        tmp_path = Path(tmp)
        # Warm-up, untimed: first calls pay for lazy imports and caches that a long run amortises.
        warm = tmp_path / "warm"
        warm.mkdir()
        perfxl.write_workbook(synthetic_unit(0, n_projects), fw, warm)
        fill_from_master(master, synthetic_unit(0, n_projects), fw, warm)
        for _ in range(runs):
            by: dict[str, tuple] = {}
            for label in methods:
                out = tmp_path / "out"
                out.mkdir()
                load0 = os.getloadavg()[0]
                if label.startswith("perfxl"):
                    count, seconds = run_perfxl(n_units, n_projects, fw, out, int(label.rsplit("=", 1)[1]))
                    spot_check(out / perfxl.workbook_filename(last_unit), last_unit, fw)
                else:
                    count, seconds = run_baseline(n_base, n_projects, fw, master, out)
                    spot_check(out / perfxl.workbook_filename(last_base), last_base, fw)
                size = sum(p.stat().st_size for p in out.iterdir()) / count
                by[label] = (count, seconds, size, load0, os.getloadavg()[0])
                for p in out.iterdir():  # free the disk space before the next method runs
                    p.unlink()
                out.rmdir()
            results.append(by)

    header = f"{'run':<5}{'method':<26}{'workbooks':>10}{'seconds':>10}{'workbooks/s':>13}{'avg KB':>9}{'load 1 min':>14}"
    print(header)
    print("-" * len(header))
    for k, by in enumerate(results, start=1):
        for label, (count, seconds, size, l0, l1) in by.items():
            print(f"{k:<5}{label:<26}{count:>10}{seconds:>10.2f}{count / seconds:>13.2f}{size / 1024:>9.1f}"
                  f"{l0:>8.2f}-{l1:.2f}")
    print()
    rate = lambda by, m: by[m][0] / by[m][1]  # noqa: E731
    for m in methods:
        lo, med = min_median([rate(by, m) for by in results])
        hi = max(rate(by, m) for by in results)
        print(f"{m:<26} workbooks/s: max {hi:.2f}, median {med:.2f}, min {lo:.2f}")
    for m in methods[:-1]:
        lo, med = min_median([rate(by, m) / rate(by, methods[-1]) for by in results])
        print(f"ratio {m}/baseline (workbooks/s, within each run): min {lo:.2f}, median {med:.2f}")
    if "perfxl jobs=1" in methods:
        for m in methods[:-1]:
            if m != "perfxl jobs=1":
                lo, med = min_median([rate(by, m) / rate(by, "perfxl jobs=1") for by in results])
                print(f"ratio {m}/jobs=1 (workbooks/s, within each run): min {lo:.2f}, median {med:.2f}")
    print(f"load avg:   {load_text()} (1, 5, 15 min) after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
