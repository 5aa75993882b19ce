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
import contextlib
import copy
import gc
import hashlib
import inspect
import io
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import perfxl
from common import code12, machine_lines
from perfxl.check import Checked, CheckRun, check_across, check_unit
from perfxl.findings import FileReport
from perfxl.layout import TEMPLATE_VERSION
from perfxl.reader import open_return, read_grid
from perfxl.rules import AcrossWork, copied_across
from perfxl.sandbox import default_jobs

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


GROUP = 4  # units sharing the wording of each project's first indicator in the "shared" round


def shared_wording_unit(i: int, n_projects: int) -> perfxl.UnitData:
    """Unit ``i`` of the round as real rounds word it: ``synthetic_unit(i)`` with its indicator
    descriptions as the samples write them, so every unit drawing the same project template shares
    them word for word (服务对象满意度…, hundreds of units each: common phrasing, which X02 across
    files passes over), and each project's first indicator worded like that of the units of its group
    of ``GROUP`` (i // GROUP): few enough units that X02 compares them with each other's projects."""
    unit = synthetic_unit(i, n_projects)
    suffix = f"（{unit.unit.name}）"
    for p in unit.projects:
        for k, ind in enumerate(p.indicators):
            if ind.description and ind.description.endswith(suffix):
                ind.description = ind.description[:-len(suffix)]
            if k == 0 and ind.description:
                ind.description = f"{ind.description}（第{i // GROUP + 1}组）"
    return unit


UNIT_MAKERS = {"unique": synthetic_unit, "shared": shared_wording_unit}


def _write_one(job: tuple) -> int:
    """Render unit i and write it into the folder; returns the file's size."""
    global _fw
    i, n_projects, folder, *wording = job
    if _fw is None:
        _fw = perfxl.load_framework(FRAMEWORK)
    unit = UNIT_MAKERS[wording[0] if wording else "unique"](i, n_projects)
    data = perfxl.render_workbook(unit, _fw)
    (Path(folder) / perfxl.workbook_filename(unit)).write_bytes(data)
    return len(data)


def build_round(n_units: int, n_projects: int, folder: Path, wording: str = "unique") -> tuple[int, float]:
    """Write the round's workbooks (untimed by the benchmark); returns (total bytes, seconds).
    ``wording``: "unique" (``synthetic_unit``: no description shared across units) or "shared"
    (``shared_wording_unit``: most wording shared, as in real rounds)."""
    t0 = time.perf_counter()
    jobs = [(i, n_projects, str(folder), wording) for i in range(n_units)]
    if WRITERS > 1 and n_units > 1:
        with multiprocessing.Pool(WRITERS) as pool:
            total = sum(pool.imap_unordered(_write_one, jobs, chunksize=8))
    else:
        total = sum(map(_write_one, jobs))
    return total, time.perf_counter() - t0


# ---------------------------------------------------------------- the methods

def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class Outcome:
    """What a check run found, kept once the run itself is dropped (it holds every unit read)."""

    findings: list[tuple[str, str, str, str | None, str | None]]   # (file, code, severity, sheet, cell)
    unread: int                                                     # files not read into a unit
    across_seconds: float = 0.0                                     # check_across alone, run again


def run_perfxl(folder: Path, jobs: int, keep: bool = False) -> tuple[int, float, float, Outcome | None]:
    c0, t0 = _cpu(), time.perf_counter()
    run = perfxl.check_paths([folder], jobs=jobs)   # the pool's processes have ended when it returns
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    outcome = None
    if keep:
        outcome = Outcome([(c.path, f.code, f.severity, f.sheet, f.cell) for c in run.report.files for f in c.findings],
                          sum(c.unit is None for c in run.files))
        t1 = time.perf_counter()
        check_across(run)   # again, on the same files: what the checks across files cost in this round
        outcome.across_seconds = time.perf_counter() - t1
    count = len(run.files)
    del run   # so the next method (and the pool it forks) does not carry this run's memory
    gc.collect()
    return count, seconds, cpu, outcome


def run_pandas(paths: list[Path], engine: str) -> tuple[int, float, float, float]:
    """Every sheet of every file into a DataFrame, then one frame per sheet position (the analyst's
    loop: read, then concat); nothing checked. Returns (files, seconds, CPU seconds, of the seconds
    those of the concat)."""
    c0, t0 = _cpu(), time.perf_counter()
    by_position: dict[int, list] = {}
    for path in paths:
        for k, frame in enumerate(pd.read_excel(path, sheet_name=None, engine=engine).values()):
            by_position.setdefault(k, []).append(frame)
    t1 = time.perf_counter()
    tables = [pd.concat(frames, ignore_index=True) for frames in by_position.values()]
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    concat = time.perf_counter() - t1
    del tables, by_position
    gc.collect()
    return len(paths), seconds, cpu, concat


# ---------------------------------------------------------------- the checks across files, on compact data

def compact_round(n_units: int, n_projects: int, wording: str = "shared") -> CheckRun:
    """A round as ``check_paths`` hands it to ``check_across``, built in memory, without workbooks: one
    Checked per unit with the unit read (as the reader would) and no cells. 10,000 workbook files
    take most of an hour to write on 2 cores; the checks across files see only this."""
    make = UNIT_MAKERS[wording]
    files = []
    for i in range(n_units):
        unit = make(i, n_projects)
        path = f"{unit.unit.code}.xlsx"
        files.append(Checked(path, FileReport(path, unit.unit.code, []), unit=unit))
    return CheckRun(files=files)


def time_across(n_units: int, n_projects: int) -> tuple[float, AcrossWork, int]:
    """(seconds of ``check_across`` over a compact shared-wording round, the work ``copied_across``
    counts, findings it raised)."""
    run = compact_round(n_units, n_projects)
    units = [c.unit for c in run.files]
    gc.collect()
    t0 = time.perf_counter()
    check_across(run)
    seconds = time.perf_counter() - t0
    work = AcrossWork()
    for _ in copied_across(units, work):
        pass
    found = sum(len(c.report.findings) for c in run.files)
    del run, units
    gc.collect()
    return seconds, work, found


# ---------------------------------------------------------------- where one check's time goes

def profile_check(paths: list[Path], top: int = 25) -> None:
    """One worker's work (``check._check_job``: read, every rule, the compact result) over ``paths``,
    in this process: first each stage's CPU time per workbook, then cProfile's top functions."""
    import cProfile
    import pickle
    import pstats

    from perfxl import check as check_mod
    from perfxl import safe_open
    from perfxl.archives import InputFile

    items = [InputFile(str(p), p, size=p.stat().st_size) for p in paths]
    shared = check_mod._Shared(None, None, None, "submit")
    stages = Counter()
    clock = time.process_time
    real_calamine = safe_open._calamine_read

    def timed_calamine(*a, **kw):
        t = clock()
        try:
            return real_calamine(*a, **kw)
        finally:
            stages["  of which calamine (parse, to_python, blanks)"] += clock() - t

    check_mod._check_job(items[0], shared)   # warm-up
    try:
        for item in items:
            t0 = clock()
            safe_open._calamine_read = timed_calamine
            opened, result = open_return(item.path, sandboxed=True)
            safe_open._calamine_read = real_calamine
            t1 = clock()
            read = read_grid(opened.sheets, str(item.path), result=result) if opened is not None else result
            t2 = clock()
            if read.unit is not None:
                check_unit(read.unit, read.framework, locations=read.locations)
            t3 = clock()
            done = check_mod._check_job(item, shared)
            t4 = clock()
            blob = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.loads(blob)
            t5 = clock()
            stages["open (safe_open: zip checks, small parts, calamine)"] += t1 - t0
            stages["read (reader: model from the grid)"] += t2 - t1
            stages["rules (check_unit: every rule)"] += t3 - t2
            stages["whole worker task (_check_job)"] += t4 - t3
            stages["result pickled + unpickled (worker -> parent)"] += t5 - t4
            stages["result size (KB)"] += len(blob) / 1024 * 1  # not a time: summed, divided below
    finally:
        safe_open._calamine_read = real_calamine
    n = len(items)
    print(f"stages, CPU ms per workbook over {n} workbooks (process_time, this process):")
    for label in ("whole worker task (_check_job)", "open (safe_open: zip checks, small parts, calamine)",
                  "  of which calamine (parse, to_python, blanks)", "read (reader: model from the grid)",
                  "rules (check_unit: every rule)", "result pickled + unpickled (worker -> parent)"):
        print(f"  {label:<58}{stages[label] / n * 1000:8.2f}")
    print(f"  {'result size (KB)':<58}{stages['result size (KB)'] / n:8.1f}")
    prof = cProfile.Profile()
    prof.enable()
    for item in items:
        check_mod._check_job(item, shared)
    prof.disable()
    print()
    print(f"cProfile of the same {n} tasks, top {top} by cumulative time:")
    stats = pstats.Stats(prof, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)
    print(f"top {top} by own time:")
    stats.sort_stats("tottime").print_stats(top)


# ---------------------------------------------------------------- report


def _maxrss_mb(who: int) -> float:
    """Peak resident set size in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    rss = resource.getrusage(who).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def round_digest(n_projects: int, wording: str = "unique") -> str:
    """What a cached round's workbooks depend on, as 12 hex digits: the builder's code and the bytes
    of its first workbook written now. The writer is deterministic, so any change to what it writes
    (a live formula made absolute, a style) gives a new digest, where TEMPLATE_VERSION alone missed
    changes that keep the layout: a round cached before them was measured as if it were current."""
    source = inspect.getsource(synthetic_unit) + inspect.getsource(_trim) + inspect.getsource(shared_wording_unit)
    first = perfxl.render_workbook(UNIT_MAKERS[wording](0, n_projects), perfxl.load_framework(FRAMEWORK))
    text = (source + TEMPLATE_VERSION + perfxl.__version__).encode() + hashlib.sha256(first).digest()
    return hashlib.sha256(text).hexdigest()[:12]


def _cached_folder(cache: Path | None, n_units: int, n_projects: int, wording: str,
                   stack: contextlib.ExitStack) -> tuple[Path, bool]:
    """Where the round is written: a temporary folder removed at the end, or with ``--cache`` a folder
    kept for the next run, named by what makes the round (so a change of generator makes a new one)."""
    if cache is None:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="perfxl-bench-check-"))
        folder = Path(tmp) / "returned"
        folder.mkdir()
        return folder, False
    folder = cache / f"check-{n_units}x{n_projects}-{wording}-{round_digest(n_projects, wording)}" / "returned"
    done = folder.parent / "built"
    if done.exists() and len(list(folder.iterdir())) == n_units:
        return folder, True
    shutil.rmtree(folder.parent, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder, False


def _stats(values: list[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=1000, help="returned workbooks in the round (default 1000)")
    ap.add_argument("--projects", type=int, default=10, help="projects per unit (default 10)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs of every method (default 3)")
    ap.add_argument("--wording", choices=sorted(UNIT_MAKERS), default="shared",
                    help="indicator wording across units: shared (default, as real rounds) or unique")
    ap.add_argument("--openpyxl", action="store_true", help="also time pandas with openpyxl (about 3x calamine)")
    ap.add_argument("--across", type=int, nargs="*", default=[1000, 10000], metavar="N",
                    help="compact shared-wording rounds to time the checks across files on (default 1000 10000)")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="also profile one worker's task over N workbooks of the round (stages and cProfile)")
    ap.add_argument("--cache", type=Path, default=None, metavar="DIR",
                    help="keep the written round in DIR and reuse it next time (writing 1000 takes minutes)")
    ap.add_argument("--quick", action="store_true", help="100 units x 10 projects, 1 run, across 200 2000")
    args = ap.parse_args(argv)
    if args.quick:
        args.units, args.projects, args.runs, args.across = 100, 10, 1, [200, 2000]
    n_units, n_projects = args.units, args.projects
    if n_units < 1 or n_projects < 1 or args.runs < 1:
        ap.error("--units, --projects and --runs must be at least 1")

    print(f"perfxl check benchmark: {n_units} units x {n_projects} projects, {args.wording} wording, "
          f"framework {FRAMEWORK}, {args.runs} runs")
    for line in machine_lines():
        print(line)
    print(f"usable cores: {default_jobs()} (the default of `perfxl check --jobs`)")
    print(f"load avg:   {_load()} (1, 5, 15 min) before building")

    with contextlib.ExitStack() as stack:
        folder, reused = _cached_folder(args.cache, n_units, n_projects, args.wording, stack)
        if reused:
            size, build_seconds = sum(p.stat().st_size for p in folder.iterdir()), 0.0
        else:
            size, build_seconds = build_round(n_units, n_projects, folder, args.wording)
            if args.cache is not None:
                (folder.parent / "built").write_text(f"{build_seconds:.1f}\n")
        paths = sorted(folder.iterdir())
        if len(paths) != n_units:
            raise SystemExit(f"expected {n_units} workbooks, found {len(paths)} (unit codes not unique?)")
        how = f"reused from {folder.parent}" if reused else f"written in {build_seconds:.1f} s (untimed, {WRITERS} processes)"
        with zipfile.ZipFile(paths[0]) as z:  # the form sheets and the very hidden ones (_lists, _calcN, _perfxl)
            parts = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
            inflated = sum(z.getinfo(n).file_size for n in z.namelist()) / 1024
        opened, _ = open_return(paths[0], sandboxed=True)  # what check parses: the sheets it does not leave unread
        parsed = len(opened.sheets) - len(opened.unread_sheets) if opened is not None else 0
        print(f"workbooks:  {n_units} {how}, {size / n_units / 1024:.1f} KB on average ({inflated:.0f} KB inflated), "
              f"{len(parts)} sheets each ({n_projects + 2} forms; check parses {parsed})")
        print()

        # Warm-up, untimed: lazy imports and caches a long run amortises.
        perfxl.check_paths([paths[0]], jobs=1)
        pd.read_excel(paths[0], sheet_name=None, engine="calamine")
        if args.openpyxl:
            pd.read_excel(paths[0], sheet_name=None, engine="openpyxl")

        methods = ["perfxl check jobs=1", "perfxl check jobs=2", "pandas calamine read+concat"]
        if args.openpyxl:
            methods.append("pandas openpyxl read+concat")
        timings: dict[str, list[tuple[float, float]]] = {m: [] for m in methods}
        loads = []
        outcomes: dict[str, Outcome] = {}
        concats: dict[str, list[float]] = {}
        for r in range(args.runs):
            order = methods[r % len(methods):] + methods[:r % len(methods)]  # rotate: no method always first
            loads.append(_load())
            for m in order:
                if m.startswith("perfxl"):
                    jobs = int(m.rsplit("=", 1)[1])
                    count, seconds, cpu, outcome = run_perfxl(folder, jobs, keep=r == 0)
                    if outcome is not None:
                        outcomes[m] = outcome
                else:
                    count, seconds, cpu, concat = run_pandas(paths, m.split()[1])
                    concats.setdefault(m, []).append(concat)
                assert count == n_units
                timings[m].append((seconds, cpu))
            print(f"run {r + 1}: " + ", ".join(f"{m} {timings[m][-1][0]:.1f} s" for m in methods)
                  + f"  (load avg before: {loads[-1]})", flush=True)
        load_after = _load()
        profile = io.StringIO()
        if args.profile:
            with contextlib.redirect_stdout(profile):
                profile_check(paths[:args.profile])

    print()
    header = (f"{'method':<30}{'min s':>8}{'median s':>10}{'wb/s (best)':>13}{'wb/s (median)':>15}"
              f"{'CPU s (median)':>16}")
    print(header)
    print("-" * len(header))
    for m in methods:
        lo, mid = _stats([s for s, _ in timings[m]])
        cpu = statistics.median(c for _, c in timings[m])
        print(f"{m:<30}{lo:>8.2f}{mid:>10.2f}{n_units / lo:>13.1f}{n_units / mid:>15.1f}{cpu:>16.2f}")
    for m, values in concats.items():
        print(f"  {m}: of which concat {min(values):.2f} s best, {statistics.median(values):.2f} s median")
    print()
    print("ratios of throughput, paired within each run (min, median over runs):")

    def ratio(a: str, b: str) -> str:
        values = [tb[0] / ta[0] for ta, tb in zip(timings[a], timings[b])]
        lo, mid = _stats(values)
        return f"{lo:.2f}, {mid:.2f}   per run: " + " ".join(f"{v:.2f}" for v in values)

    print(f"  perfxl jobs=2 / jobs=1:               {ratio('perfxl check jobs=2', 'perfxl check jobs=1')}")
    print(f"  perfxl jobs=2 / pandas calamine:      {ratio('perfxl check jobs=2', 'pandas calamine read+concat')}")
    print(f"  perfxl jobs=1 / pandas calamine:      {ratio('perfxl check jobs=1', 'pandas calamine read+concat')}")
    if args.openpyxl:
        print(f"  perfxl jobs=2 / pandas openpyxl:      {ratio('perfxl check jobs=2', 'pandas openpyxl read+concat')}")
    # The concat grows faster than the round (the project sheets' frames differ in their columns), so
    # also against the reading alone: the least any loop over these files costs.
    timings["pandas calamine read only"] = [(s - c, 0.0) for (s, _), c in
                                            zip(timings["pandas calamine read+concat"],
                                                concats["pandas calamine read+concat"])]
    print(f"  perfxl jobs=2 / pandas calamine read only (concat left out): "
          f"{ratio('perfxl check jobs=2', 'pandas calamine read only')}")
    print(f"load avg:   before each run {'; '.join(loads)}; after the last {load_after}")

    run1, run2 = outcomes["perfxl check jobs=1"], outcomes["perfxl check jobs=2"]
    findings = run1.findings
    by_code = Counter(f[1] for f in findings)
    by_severity = Counter(f[2] for f in findings)
    same = sorted(run2.findings, key=repr) == sorted(findings, key=repr)
    print()
    print(f"findings (jobs=1, first run): {len(findings)} in {len({f[0] for f in findings})} of {n_units} workbooks "
          f"({', '.join(f'{k} {v}' for k, v in sorted(by_severity.items())) or 'none'}); "
          f"workbooks not read into a unit: {run1.unread}; jobs=2 found the same: {'yes' if same else 'NO'}")
    top = by_code.most_common(5)
    print("top finding codes: " + (", ".join(f"{code} {n}" for code, n in top) if top else "none"))
    print(f"checks across files (X04, X01, X02) alone on this round's {n_units} workbooks: "
          f"{run1.across_seconds * 1000:.0f} ms")
    print(f"peak memory (ru_maxrss): this process {_maxrss_mb(resource.RUSAGE_SELF):.0f} MB, "
          f"largest child process {_maxrss_mb(resource.RUSAGE_CHILDREN):.0f} MB")

    if args.across:
        print()
        print(f"checks across files on compact shared-wording rounds (units built in memory, {n_projects} projects "
              f"each, no workbooks; check_across = X04 + X01 + X02):")
        print(f"{'units':>8}{'seconds':>10}{'ms / 1000 units':>17}{'indicators':>12}{'compared':>10}"
              f"{'texts cut':>11}{'findings':>10}")
        base = None
        for n in args.across:
            seconds, work, found = time_across(n, n_projects)
            per = seconds / n * 1000 * 1000
            base = base or (n, seconds, work)
            print(f"{n:>8}{seconds:>10.3f}{per:>17.1f}{work.indicators:>12}{work.candidates:>10}"
                  f"{work.grams_made:>11}{found:>10}")
        if len(args.across) > 1:
            n0, s0, w0 = base
            print(f"time ratio {args.across[-1]}/{n0} units: {seconds / s0:.1f} for {args.across[-1] / n0:.0f}x the units "
                  f"(linear: {args.across[-1] / n0:.0f}); pairs compared per indicator: "
                  f"{w0.candidates / max(w0.indicators, 1):.3f} -> {work.candidates / max(work.indicators, 1):.3f}")

    if args.profile:
        print()
        print(profile.getvalue(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
