"""Throughput of checking returned workbooks: perfxl against merely reading them with pandas.

Why this exists: at the close of a round the finance office checks every unit's returned workbook
at once, often a thousand or more. This script times ``perfxl.check_paths`` over a folder of filled
workbooks and sets it against the cheapest thing anyone could do with the same files: load every
sheet into pandas and check nothing. The ratio says what the reader and the rule catalogue cost on
top of reading the bytes, on the machine at hand.

The workbooks (untimed)
  N units x P projects written by ``perfxl.render_workbook`` into a temporary folder, as a unit
  returns them filled. Every unit is built from the projects and department goals of the two clean
  sample units (``samples/units/108001.json`` and ``112001.json``, on which no rule fires), varied
  per unit: 6-digit unit codes and 21-character project codes unique across the round, project
  names, funds, spend plans (always adding to 100) and 6-8 indicators per project. Indicator
  descriptions carry the unit's name, so no two units share one word for word (see README).
  Everything derives from (unit, project) numbers, so runs and machines can be compared.

What is timed, one after the other in this process
  perfxl jobs=1     ``perfxl.check_paths([folder], jobs=1)``: safe open, read, every rule, then
                    the checks across files (X01, X02, X04)
  perfxl jobs=2     the same with ``jobs=2`` (a pool of 2 processes, started inside the timing)
  pandas openpyxl   for every file ``pandas.read_excel(path, sheet_name=None, engine="openpyxl")``:
                    every sheet into a DataFrame, nothing checked (openpyxl is pandas' default for
                    .xlsx; it is named because pandas 3 warns that the default will change)
  pandas calamine   the same loop with ``engine="calamine"`` (the Rust reader perfxl uses too)
Each method gets an untimed warm-up on the first file first. Besides wall-clock seconds the table
shows CPU seconds (this process and the pool's processes), which a busy machine inflates less.

Run from the repository root:
    python benchmarks/bench_check.py --quick        # 100 units x 10 projects
    python benchmarks/bench_check.py                # 1000 units x 10 projects
    python benchmarks/bench_check.py --units 300 --projects 15
"""
from __future__ import annotations

import argparse
import copy
import gc
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import perfxl
from common import code12, machine_lines

FRAMEWORK = "hebei-2023"
REPO = Path(__file__).resolve().parent.parent
SAMPLES = ("108001", "112001")   # the clean sample units: no rule fires on them
BUDGET_YEAR = 2023               # the samples' year: their goal texts name 2023 (G03 checks that)
CODE_PREFIX = "130811" + f"{BUDGET_YEAR % 100:02d}" + "P"
WRITERS = 2                      # processes writing the workbooks (untimed)

_PLACES = ("承德高新技术产业开发区", "双桥区", "双滦区", "鹰手营子矿区", "承德县", "兴隆县")
_PHASES = ("", "（一期）", "（二期）", "（续建）", "2023年度")
# Percentages of the four milestones (3月底, 6月底, 10月底, 12月底); each row adds up to exactly 100.
_PLANS = ((20, 30, 20, 30), (25, 25, 25, 25), (10, 30, 40, 20), (30, 30, 20, 20), (15, 35, 30, 20),
          (12.5, 37.5, 30, 20), (0, 40, 30, 30))


# ---------------------------------------------------------------- the synthetic round

_templates: tuple[list[perfxl.UnitData], list[perfxl.Project]] | None = None


def templates() -> tuple[list[perfxl.UnitData], list[perfxl.Project]]:
    """The sample units and all their projects, loaded once per process."""
    global _templates
    if _templates is None:
        units = [perfxl.load_unit(REPO / "samples" / "units" / f"{code}.json") for code in SAMPLES]
        _templates = units, [p for u in units for p in u.projects]
    return _templates


def project_code(k: int) -> str:
    """The round's k-th project code: 130811 + 23 + P + 12 characters, unique for every k.
    Multiplying by a number prime to 36 is a bijection modulo 36**12."""
    return CODE_PREFIX + code12((k + 1) * 0x9E3779B97F4A7C15 % 36 ** 12)


def unit_code(i: int) -> tuple[str, str]:
    """(unit code, department code): 20 units per department, the unit code starting with the
    department's 3 digits (as 108001 belongs to 108); unique for i below 882 000."""
    dept = 100 + (i // 20) % 900
    serial = i % 20 + 1 + 20 * (i // 18_000)
    return f"{dept:03d}{serial:03d}", f"{dept:03d}"


def _trim(indicators: list[perfxl.Indicator], n: int) -> list[perfxl.Indicator]:
    """Keep n indicators: drop the last non-qualitative one of the largest level-1 group, so every
    level-1 group keeps at least one indicator (I01) and the qualitative share stays low (I14)."""
    out = list(indicators)
    while len(out) > n:
        groups = Counter(ind.level1 for ind in out)
        level1 = max(groups, key=lambda g: groups[g])
        drop = max(ii for ii, ind in enumerate(out) if ind.level1 == level1 and ind.operator != "定性")
        del out[drop]
    return out


def synthetic_unit(i: int, n_projects: int) -> perfxl.UnitData:
    """Unit number ``i`` of the round, filled as a careful unit would fill it."""
    units, pool = templates()
    code, dept = unit_code(i)
    place = _PLACES[i % len(_PLACES)]
    unit_name = f"{place}第{i + 1}预算单位"
    base = units[i % len(units)]
    projects = []
    for j in range(n_projects):
        k = i * n_projects + j
        t = pool[(i + j) % len(pool)]
        # A template comes back every len(pool) projects: the phase tells the two apart in a unit.
        phase = _PHASES[(i + j // len(pool)) % len(_PHASES)]
        scale = 1 + (k % 5) / 10     # funds only grow, so cost indicators stay within the budget (I08)
        fiscal = round(t.funds.fiscal * scale, 2)
        other = round(t.funds.other * scale, 2) if t.funds.other else None
        indicators = []
        for ind in _trim(t.indicators, 6 + k % 3):
            ind = copy.copy(ind)
            ind.description = f"{ind.description}（{unit_name}）"  # no verbatim copy across units
            indicators.append(ind)
        projects.append(perfxl.Project(
            code=project_code(k), name=t.name + phase,
            funds=perfxl.Funds(total=round(fiscal + (other or 0), 2), fiscal=fiscal, other=other),
            purpose=t.purpose, spend_plan=dict(zip(("3月底", "6月底", "10月底", "12月底"), _PLANS[k % len(_PLANS)])),
            goals=list(t.goals), indicators=indicators))
    return perfxl.UnitData(
        budget_year=BUDGET_YEAR, framework=FRAMEWORK, money_unit="万元",
        unit=perfxl.Unit(code=code, name=unit_name, department_code=dept,
                         department_name=f"{place}第{int(dept)}主管部门"),
        department_goals=copy.deepcopy(base.department_goals), projects=projects)


_fw: perfxl.Framework | None = None


def _write_one(job: tuple[int, int, str]) -> int:
    """Render unit i and write it into the folder; returns the file's size."""
    global _fw
    i, n_projects, folder = job
    if _fw is None:
        _fw = perfxl.load_framework(FRAMEWORK)
    unit = synthetic_unit(i, n_projects)
    data = perfxl.render_workbook(unit, _fw)
    (Path(folder) / perfxl.workbook_filename(unit)).write_bytes(data)
    return len(data)


def build_round(n_units: int, n_projects: int, folder: Path) -> tuple[int, float]:
    """Write the round's workbooks (untimed by the benchmark); returns (total bytes, seconds)."""
    t0 = time.perf_counter()
    jobs = [(i, n_projects, str(folder)) for i in range(n_units)]
    if WRITERS > 1 and n_units > 1:
        with multiprocessing.Pool(WRITERS) as pool:
            total = sum(pool.imap_unordered(_write_one, jobs, chunksize=8))
    else:
        total = sum(map(_write_one, jobs))
    return total, time.perf_counter() - t0


# ---------------------------------------------------------------- the four methods

def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class Outcome:
    """What a check run found, kept once the run itself is dropped (it holds every unit read)."""

    findings: list[tuple[str, str, str, str | None, str | None]]   # (file, code, severity, sheet, cell)
    unread: int                                                     # files not read into a unit


def run_perfxl(folder: Path, jobs: int) -> tuple[int, float, float, Outcome]:
    c0, t0 = _cpu(), time.perf_counter()
    run = perfxl.check_paths([folder], jobs=jobs)   # the pool's processes have ended when it returns
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    outcome = Outcome([(c.path, f.code, f.severity, f.sheet, f.cell) for c in run.report.files for f in c.findings],
                      sum(c.unit is None for c in run.files))
    count = len(run.files)
    del run   # so the next method (and the pool it forks) does not carry this run's memory
    gc.collect()
    return count, seconds, cpu, outcome


def run_pandas(paths: list[Path], engine: str) -> tuple[int, float, float, int]:
    sheets = 0
    c0, t0 = _cpu(), time.perf_counter()
    for path in paths:
        frames = pd.read_excel(path, sheet_name=None, engine=engine)
        sheets += len(frames)
    return len(paths), time.perf_counter() - t0, _cpu() - c0, sheets


# ---------------------------------------------------------------- report


def _maxrss_mb(who: int) -> float:
    """Peak resident set size in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    rss = resource.getrusage(who).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=1000, help="returned workbooks in the round (default 1000)")
    ap.add_argument("--projects", type=int, default=10, help="projects per unit (default 10)")
    ap.add_argument("--quick", action="store_true", help="100 units x 10 projects, for a smoke run")
    args = ap.parse_args(argv)
    n_units, n_projects = (100, 10) if args.quick else (args.units, args.projects)
    if n_units < 1 or n_projects < 1:
        ap.error("--units and --projects must be at least 1")

    print(f"perfxl check benchmark: {n_units} units x {n_projects} projects, framework {FRAMEWORK}")
    for line in machine_lines():
        print(line)
    print("load avg:   {:.2f} {:.2f} {:.2f} (1, 5, 15 min) before building".format(*os.getloadavg()))

    with tempfile.TemporaryDirectory(prefix="perfxl-bench-check-") as tmp:
        folder = Path(tmp) / "returned"
        folder.mkdir()
        size, build_seconds = build_round(n_units, n_projects, folder)
        paths = sorted(folder.iterdir())
        if len(paths) != n_units:
            raise SystemExit(f"expected {n_units} workbooks, found {len(paths)} (unit codes not unique?)")
        print(f"workbooks:  {n_units} written in {build_seconds:.1f} s (untimed, {WRITERS} processes), "
              f"{size / n_units / 1024:.1f} KB on average, {n_projects + 3} sheets each")
        print()

        # Warm-up, untimed: lazy imports and caches a long run amortises.
        perfxl.check_paths([paths[0]], jobs=1)
        pd.read_excel(paths[0], sheet_name=None, engine="openpyxl")
        pd.read_excel(paths[0], sheet_name=None, engine="calamine")

        results = []
        count, seconds, cpu, run1 = run_perfxl(folder, 1)
        results.append(("perfxl check_paths jobs=1", count, seconds, cpu))
        count, seconds, cpu, run2 = run_perfxl(folder, 2)
        results.append(("perfxl check_paths jobs=2", count, seconds, cpu))
        count, seconds, cpu, sheets_o = run_pandas(paths, "openpyxl")
        results.append(("pandas read_excel openpyxl", count, seconds, cpu))
        count, seconds, cpu, sheets_c = run_pandas(paths, "calamine")
        results.append(("pandas read_excel calamine", count, seconds, cpu))
        load_after = os.getloadavg()

    header = f"{'method':<28}{'workbooks':>10}{'seconds':>10}{'workbooks/s':>13}{'CPU s':>9}"
    print(header)
    print("-" * len(header))
    for label, count, seconds, cpu in results:
        print(f"{label:<28}{count:>10}{seconds:>10.2f}{count / seconds:>13.2f}{cpu:>9.2f}")
    rate = {label: count / seconds for label, count, seconds, _ in results}
    p1, p2 = rate["perfxl check_paths jobs=1"], rate["perfxl check_paths jobs=2"]
    print()
    print(f"ratio perfxl(jobs=1)/pandas-openpyxl (workbooks/s): {p1 / rate['pandas read_excel openpyxl']:.2f}")
    print(f"ratio perfxl(jobs=1)/pandas-calamine (workbooks/s): {p1 / rate['pandas read_excel calamine']:.2f}")
    print(f"ratio perfxl jobs=2/jobs=1 (workbooks/s):           {p2 / p1:.2f}")
    print("load avg:   {:.2f} {:.2f} {:.2f} (1, 5, 15 min) after the timed runs".format(*load_after))
    print(f"sheets read by pandas: {sheets_o} (openpyxl), {sheets_c} (calamine)")

    findings = run1.findings
    by_code = Counter(f[1] for f in findings)
    by_severity = Counter(f[2] for f in findings)
    same = sorted(run2.findings, key=repr) == sorted(findings, key=repr)
    print()
    print(f"findings (jobs=1): {len(findings)} in {len({f[0] for f in findings})} of {n_units} workbooks "
          f"({', '.join(f'{k} {v}' for k, v in sorted(by_severity.items())) or 'none'}); "
          f"workbooks not read into a unit: {run1.unread}; jobs=2 found the same: {'yes' if same else 'NO'}")
    top = by_code.most_common(5)
    print("top finding codes: " + (", ".join(f"{code} {n}" for code, n in top) if top else "none"))
    print()
    print(f"peak memory (ru_maxrss): this process {_maxrss_mb(resource.RUSAGE_SELF):.0f} MB, "
          f"largest child process {_maxrss_mb(resource.RUSAGE_CHILDREN):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
