"""Throughput of consolidating a round: perfxl against a naive pandas concat of the same files.

Why this exists: at the close of a round the finance office turns every unit's returned workbook
into one summary. Without perfxl an analyst would load every sheet of every file with pandas and
concatenate them. This script times ``perfxl.consolidate`` + ``perfxl.write_summary`` over a folder
of filled workbooks and sets it against that concat, so the claim "perfxl consolidates a district's
round in minutes" rests on a figure anyone can reproduce on their own machine.

The round (untimed)
  The same synthetic round as ``bench_check.py`` (its ``build_round`` and ``synthetic_unit`` are
  imported): N filled unit workbooks of P projects written by ``perfxl.render_workbook`` into a
  temporary folder by 2 processes, plus the matching register (项目清单) written with pandas
  (openpyxl) as ``register.xlsx`` with the columns 单位编码, 单位名称, 主管部门编码, 主管部门名称,
  项目编码, 项目名称, 预算数, 财政资金, 其他资金, 资金用途. Every workbook matches the register, so
  the round should be clean: a finding means the data or a rule changed, not a slower perfxl.

What is timed (each method in its own fresh process, one after the other)
  perfxl jobs=2     ``perfxl.consolidate([folder], "register.xlsx", jobs=2)`` (reading the register,
                    a pool of 2 processes started inside the timing, every rule, the decisions
                    across the round, the tables) then ``perfxl.write_summary`` to an .xlsx
  perfxl jobs=1     the same with ``jobs=1`` (only with ``--both``)
  pandas openpyxl   for every file ``pandas.read_excel(path, sheet_name=None, engine="openpyxl")``
                    (openpyxl is pandas' default for .xlsx; it is named because pandas 3 warns that
                    the default will change), then ``pandas.concat`` of the frames of each sheet
                    position into one frame: nothing checked, nothing written
  pandas calamine   the same with ``engine="calamine"`` (the Rust reader perfxl uses too)
Each method gets an untimed warm-up on the first file. Running each in its own process keeps the
peak memory figures (``ru_maxrss``) apart: the method's process, and separately the largest of its
pool's worker processes. The CPU column adds the method's process and its workers. The round is
built in a process of its own too: on Linux a process started from another begins with the other's
peak as its ``ru_maxrss``, so this launching process stays small (its peak is printed: no figure
can be below it).

Large rounds (issue 12): ``--sizes 1000,10000`` runs each size, ``--runs 3`` repeats every method
(each run's figures, then min and median, and the ratios taken within each run), and the perfxl
method reports its process's peak RSS after each stage: checking (``consolidate``), summary
(``write_summary``, while a forked process writes the CSV tables, as ``perfxl consolidate --csv``
does: ``perfxl.table_files``), tables (what is left of the CSV once the summary is written; the forked
writer's own peak beside it), Parquet (``write_parquet``). ``--cache DIR`` keeps the
generated rounds between runs (a smaller round hard-links the first units of a larger one);
``--compact`` also times the tables and summary of a round built as compact data (no workbook read).

Run from the repository root:
    python benchmarks/bench_consolidate.py --quick       # 100 units x 10 projects
    python benchmarks/bench_consolidate.py               # 1000 units x 10 projects
    python benchmarks/bench_consolidate.py --units 300 --projects 15 --both
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pandas as pd

import perfxl
from perfxl.table_files import TableFiles
from common import load_text, machine_lines, maxrss_mb, min_median, rss_mb

REGISTER_COLUMNS = ("单位编码", "单位名称", "主管部门编码", "主管部门名称", "项目编码", "项目名称", "预算数", "财政资金",
                    "其他资金", "资金用途")
METHODS = {  # --method value -> label in the table
    "perfxl-jobs2": "perfxl consolidate jobs=2",
    "perfxl-jobs1": "perfxl consolidate jobs=1",
    "compact": "perfxl tables+summary, compact",
    "pandas-openpyxl": "pandas openpyxl (default)",
    "pandas-calamine": "pandas calamine",
}


# ---------------------------------------------------------------- the synthetic round (untimed)

# ---------------------------------------------------------------- one method, in its own process

def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _maxrss_mb(who: int) -> float:
    """Peak resident set size in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    rss = resource.getrusage(who).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _stage(stages: dict, name: str, t0: float) -> float:
    """Record a stage's end: seconds since t0, this process's peak and current RSS, the load average."""
    now = time.perf_counter()
    stages[name] = {"seconds": now - t0, "peak_mb": maxrss_mb(), "rss_mb": rss_mb(), "load": os.getloadavg()[0]}
    return now


def _perfxl(folder: Path, register: Path, out: Path, jobs: int, projects: int = 10) -> dict:
    """consolidate, then the tables as CSV, then the summary workbook (what ``perfxl consolidate --csv``
    does), then Parquet; this process's peak RSS after each stage."""
    import bench_check
    from perfxl.consolidate import read_register_compact

    # The warm-up (untimed: imports, first uses) consolidates the round's first workbook against its
    # own unit, not the round's register: the same work at every size, leaving no garbage that grows
    # with the round in this process before the run whose peak is measured. Not a list of every path
    # either. (Warmed up against the whole register, the 10,000 round started 20 MB higher.)
    first = min(folder.iterdir())
    unit = bench_check.synthetic_unit(0, projects)
    warm_register = {unit.unit.code: unit} if perfxl.workbook_filename(unit) == first.name else register
    with perfxl.consolidate([first], warm_register, jobs=1) as warm:
        perfxl.summary_workbook(warm)
    target = out / f"summary-jobs{jobs}.xlsx"
    stages: dict = {"start": {"seconds": 0.0, "peak_mb": maxrss_mb(), "rss_mb": rss_mb(), "load": os.getloadavg()[0]}}
    c0, t0 = _cpu(), time.perf_counter()
    result = perfxl.consolidate([folder], register, jobs=jobs)   # the pool has ended when it returns
    t1 = _stage(stages, "checking", t0)
    # as `perfxl consolidate --csv` does: the CSV tables written by a forked process meanwhile
    with TableFiles(result, out / f"csv-jobs{jobs}", None) as tables:
        perfxl.write_summary(result, target)
        t2 = _stage(stages, "summary", t1)
        tables.place()
    t3 = _stage(stages, "tables", t2)    # what the summary's end still waited for the CSV
    stages["tables"]["child_peak_mb"] = (tables.child_peak_kb or 0) / 1024
    cpu = _cpu() - c0
    from perfxl.summary import write_parquet
    write_parquet(result, out / f"parquet-jobs{jobs}")
    _stage(stages, "parquet", t3)
    r0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:     # what reading the register costs (in a child), its
        read_register_compact(register, scratch)       # units on disk as consolidate keeps them: after the
    register_seconds = time.perf_counter() - r0        # stages, so that its peak is not taken for theirs
    overview = dict(zip(result.overview["项目"], result.overview["数值"]))
    codes = Counter(f.code for r in result.run.files for f in r.report.findings)
    res = {"count": len(result.run.files), "seconds": t3 - t0, "cpu": cpu,
           "consolidate_seconds": t1 - t0, "tables_seconds": t3 - t2, "summary_seconds": t2 - t1,
           "summary_bytes": target.stat().st_size, "register_seconds": register_seconds, "stages": stages,
           "expected": int(overview["应报单位"]), "submitted": int(overview["已报送单位"]),
           "passed": int(overview["通过（无错误）"]), "taken_files": int(overview["文件：采用"]),
           "findings": sum(codes.values()), "top_codes": codes.most_common(5),
           "projects": result.length("projects"), "indicators": result.length("indicators")}
    result.close()
    return res


def _compact(units: int, projects: int, out: Path) -> dict:
    """The tables and the summary of a round built as compact data (what the workers hand back), no
    workbook read: this engineer's half of consolidate (memory flat in the round, writing time), apart
    from the checking's speed."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from test_scale_consolidate import compact_round

    stages: dict = {"start": {"seconds": 0.0, "peak_mb": maxrss_mb(), "rss_mb": rss_mb(), "load": os.getloadavg()[0]}}
    c0, t0 = _cpu(), time.perf_counter()
    result = compact_round(units, projects, 10)
    t1 = _stage(stages, "checking", t0)   # here: building the compact round (no check)
    perfxl.write_csv(result, out / "csv-compact")
    t2 = _stage(stages, "tables", t1)
    perfxl.write_summary(result, out / "summary-compact.xlsx")
    t3 = _stage(stages, "summary", t2)
    cpu = _cpu() - c0
    res = {"count": len(result.run.files), "seconds": t3 - t0, "cpu": cpu, "consolidate_seconds": t1 - t0,
           "tables_seconds": t2 - t1, "summary_seconds": t3 - t2, "stages": stages,
           "projects": result.length("projects"), "indicators": result.length("indicators")}
    result.close()
    return res


def _pandas(folder: Path, engine: str) -> dict:
    paths = sorted(folder.iterdir())
    pd.read_excel(paths[0], sheet_name=None, engine=engine)   # warm-up, untimed
    c0, t0 = _cpu(), time.perf_counter()
    by_position: list[list[pd.DataFrame]] = []
    for path in paths:
        for pos, frame in enumerate(pd.read_excel(path, sheet_name=None, engine=engine).values()):
            if pos == len(by_position):
                by_position.append([])
            by_position[pos].append(frame)
    combined = [pd.concat(frames, ignore_index=True) for frames in by_position]
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    return {"count": len(paths), "seconds": seconds, "cpu": cpu,
            "sheets": sum(len(f) for f in by_position), "frames": len(combined),
            "rows": sum(len(f) for f in combined)}


def run_method(method: str, folder: Path | None, register: Path | None, out: Path, units: int = 0,
               projects: int = 10) -> dict:
    start_mb = _maxrss_mb(resource.RUSAGE_SELF)   # python, pandas and perfxl imported
    load_start = os.getloadavg()[0]
    if method.startswith("perfxl-jobs"):
        res = _perfxl(folder, register, out, int(method.removeprefix("perfxl-jobs")), projects)
    elif method == "compact":
        res = _compact(units, projects, out)
    else:
        res = _pandas(folder, method.removeprefix("pandas-"))
    res.update(method=method, start_mb=start_mb, peak_mb=_maxrss_mb(resource.RUSAGE_SELF),
               workers_mb=_maxrss_mb(resource.RUSAGE_CHILDREN), load=(load_start, os.getloadavg()[0]))
    return res


def run_in_child(method: str, out: Path, *args: str) -> dict:
    """Run this script with --method in a fresh Python process and read the result it leaves."""
    result_file = out / f"{method}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--method", method, "--out", str(out),
           "--result", str(result_file), *args]
    done = subprocess.run(cmd)
    if done.returncode != 0:
        raise SystemExit(f"{method} failed (exit status {done.returncode})")
    return json.loads(result_file.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the round, cached (issue 12)

def _digest(n_projects: int) -> str:
    """What the cached workbooks depend on (bench_check.round_digest: the builder's code and the
    bytes of a workbook written now)."""
    import bench_check

    return bench_check.round_digest(n_projects)


def cached_round(cache: Path, n_units: int, n_projects: int) -> dict:
    """The round of n_units in ``cache`` (built once, reused by every later run): returned/ and
    register.xlsx. A smaller round is hard links to the first units of a bigger cached one (unit i is
    the same workbook in every round), so 1,000 and 10,000 share their files."""
    import bench_check

    digest = _digest(n_projects)
    root = cache / f"consolidate-{n_units}x{n_projects}-{digest}"
    folder, register, facts_file = root / "returned", root / "register.xlsx", root / "facts.json"
    if facts_file.is_file():
        return json.loads(facts_file.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    names = [perfxl.workbook_filename(bench_check.synthetic_unit(i, n_projects)) for i in range(n_units)]
    for bigger in sorted(cache.glob(f"consolidate-*x{n_projects}-{digest}")):
        if bigger == root:
            continue
        for name in names:
            src, dst = bigger / "returned" / name, folder / name
            if src.is_file() and not dst.exists():
                os.link(src, dst)
    t0 = time.perf_counter()
    missing = [i for i, name in enumerate(names) if not (folder / name).is_file()]
    if missing:
        import multiprocessing

        with multiprocessing.Pool(bench_check.WRITERS) as pool:
            list(pool.imap_unordered(bench_check._write_one, [(i, n_projects, str(folder)) for i in missing],
                                     chunksize=8))
    seconds = time.perf_counter() - t0
    rows = []
    for i in range(n_units):
        u = bench_check.synthetic_unit(i, n_projects)
        for p in u.projects:
            rows.append((u.unit.code, u.unit.name, u.unit.department_code, u.unit.department_name, p.code, p.name,
                         p.funds.total, p.funds.fiscal, p.funds.other, p.purpose))
    pd.DataFrame(rows, columns=list(REGISTER_COLUMNS)).to_excel(register, index=False, engine="openpyxl")
    from python_calamine import CalamineWorkbook
    facts = {"folder": str(folder), "register": str(register), "units": n_units,
             "bytes": sum(f.stat().st_size for f in folder.iterdir()), "seconds": seconds, "built": len(missing),
             "writers": bench_check.WRITERS, "register_rows": len(rows), "framework": bench_check.FRAMEWORK,
             "sheets": len(CalamineWorkbook.from_path(str(folder / names[0])).sheet_names)}
    facts_file.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    return facts


# ---------------------------------------------------------------- report

def _load() -> str:
    return load_text()


def _mm(values: list[float], fmt: str = ".2f") -> str:
    lo, med = min_median(values)
    return f"min {lo:{fmt}}, median {med:{fmt}}"


def report(size: int, runs: list[dict[str, dict]]) -> None:
    """One round size: every run's methods, then min and median, ratios within each run, memory by stage."""
    print(f"== {size} workbooks: {len(runs)} runs ==")
    header = (f"{'run':<5}{'method':<30}{'workbooks':>10}{'seconds':>10}{'workbooks/s':>13}{'CPU s':>9}"
              f"{'peak RSS MB':>13}{'workers MB':>12}{'load 1 min':>12}")
    print(header)
    print("-" * len(header))
    for k, by in enumerate(runs, start=1):
        for r in by.values():
            workers = f"{r['workers_mb']:.0f}" if r["workers_mb"] else "-"
            print(f"{k:<5}{METHODS[r['method']]:<30}{r['count']:>10}{r['seconds']:>10.2f}"
                  f"{r['count'] / r['seconds']:>13.2f}{r['cpu']:>9.2f}{r['peak_mb']:>13.0f}{workers:>12}"
                  f"{r['load'][0]:>7.2f}-{r['load'][1]:.2f}")
    print()
    methods = list(dict.fromkeys(m for by in runs for m in by))
    for m in methods:
        secs = [by[m]["seconds"] for by in runs if m in by]
        rates = [by[m]["count"] / by[m]["seconds"] for by in runs if m in by]
        print(f"{METHODS[m]:<30} seconds {_mm(secs)}; workbooks/s {_mm(rates)}")
    for p in ("perfxl-jobs2", "perfxl-jobs1"):
        for b in ("pandas-openpyxl", "pandas-calamine"):
            if p in methods and b in methods:
                ratios = [(by[p]["count"] / by[p]["seconds"]) / (by[b]["count"] / by[b]["seconds"]) for by in runs
                          if p in by and b in by]
                print(f"ratio {p}/{b} (workbooks/s, within each run): {_mm(ratios)}")
    if "perfxl-jobs1" in methods and "perfxl-jobs2" in methods:
        ratios = [by["perfxl-jobs1"]["seconds"] / by["perfxl-jobs2"]["seconds"] for by in runs]
        print(f"ratio jobs=2/jobs=1 (workbooks/s, within each run): {_mm(ratios)}")
    for m in ("perfxl-jobs2", "perfxl-jobs1", "compact"):
        if m not in methods:
            continue
        print(f"{METHODS[m]}: stages (seconds; peak RSS MB of the method's process after the stage)")
        for stage in runs[0][m]["stages"]:  # in the order the method ran them
            secs = [by[m]["stages"][stage]["seconds"] for by in runs]
            peaks = [by[m]["stages"][stage]["peak_mb"] for by in runs]
            loads = ", ".join(f"{by[m]['stages'][stage]['load']:.2f}" for by in runs)
            child = [by[m]["stages"][stage].get("child_peak_mb") for by in runs]
            aside = (f"; the forked CSV writer's peak RSS MB {_mm(child, '.0f')} (shares the pages it was forked with)"
                     if all(child) else "")
            print(f"  {stage:<9} seconds {_mm(secs)}; peak RSS MB {_mm(peaks, '.0f')}, max {max(peaks):.0f}; "
                  f"load {loads}{aside}")
        if "child_peak_mb" in runs[0][m]["stages"].get("tables", {}):
            print("  (summary: the summary workbook, while a forked process writes the CSV tables; tables: what was "
                  "left to wait for once the summary was written, and the files moved into place)")
        r = runs[-1][m]
        print(f"  projects {r['projects']}, indicators {r['indicators']}" +
              (f"; units expected {r['expected']}, submitted {r['submitted']}, passed {r['passed']}, files taken "
               f"{r['taken_files']} of {r['count']}; findings {r['findings']}, top codes "
               f"{', '.join(f'{c} {n}' for c, n in r['top_codes']) or 'none'}" if "expected" in r else ""))
    print()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=1000, help="returned workbooks in the round (default 1000)")
    ap.add_argument("--sizes", default=None, help="round sizes to run, e.g. 1000,10000 (default: --units)")
    ap.add_argument("--projects", type=int, default=10, help="projects per unit (default 10)")
    ap.add_argument("--runs", type=int, default=3, help="runs of every method (default 3): min and median")
    ap.add_argument("--quick", action="store_true", help="100 units x 10 projects, one run, for a smoke run")
    ap.add_argument("--both", action="store_true", help="also time perfxl with jobs=1")
    ap.add_argument("--baselines", default="openpyxl,calamine",
                    help="pandas engines to time as baselines, at the smallest size (default openpyxl,calamine; "
                         "'none' for none)")
    ap.add_argument("--baseline-runs", type=int, default=None,
                    help="runs in which the baselines are timed too (default: every run)")
    ap.add_argument("--compact", action="store_true",
                    help="also time the tables and summary of each size built as compact data (no workbook read)")
    ap.add_argument("--real-max", type=int, default=None,
                    help="read real workbooks only up to this size; larger sizes are run --compact only")
    ap.add_argument("--cache", type=Path, default=None,
                    help="folder keeping the generated rounds between runs (default: a temporary folder)")
    # Internal: run one method on an existing round (how the script runs each method in a fresh process).
    ap.add_argument("--method", choices=["build", *METHODS], help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--register", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.method:
        if not (args.out and args.result):
            ap.error("--method needs --out and --result")
        if args.method == "build":
            res = cached_round(args.folder, args.units, args.projects)
        else:
            res = run_method(args.method, args.folder, args.register, args.out, args.units, args.projects)
        args.result.write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")
        return 0

    sizes = [100] if args.quick else [int(x) for x in (args.sizes or str(args.units)).split(",")]
    runs = 1 if args.quick else args.runs
    n_projects = args.projects
    if min(sizes) < 1 or n_projects < 1 or runs < 1:
        ap.error("--sizes, --projects and --runs must be at least 1")
    engines = [] if args.baselines == "none" else [e.strip() for e in args.baselines.split(",") if e.strip()]
    print(f"perfxl consolidate benchmark: sizes {', '.join(map(str, sizes))} x {n_projects} projects, {runs} runs")
    for line in machine_lines():
        print(line)
    print(f"load avg:   {_load()} (1, 5, 15 min) before building")

    with tempfile.TemporaryDirectory(prefix="perfxl-bench-consolidate-") as tmp:
        root = Path(tmp)
        cache = args.cache or root / "cache"
        cache.mkdir(parents=True, exist_ok=True)
        real = [n for n in sizes if args.real_max is None or n <= args.real_max]
        rounds = {}
        for n in sorted(real, reverse=True):  # the biggest first: smaller rounds link to its files
            rounds[n] = run_in_child("build", root, "--folder", str(cache), "--units", str(n), "--projects",
                                     str(n_projects))
            f = rounds[n]
            print(f"round {n}: {f['folder']} ({f['built']} workbooks written now in {f['seconds']:.1f} s, the "
                  f"rest cached; {f['bytes'] / n / 1024:.1f} KB on average, {f['sheets']} sheets each); register "
                  f"{f['register_rows']} project rows")
        print(f"load avg:   {_load()} (1, 5, 15 min) before the timed runs")
        print()
        out = root / "out"
        out.mkdir()
        results: dict[int, list[dict[str, dict]]] = {}
        for n in sizes:
            results[n] = []
            for run_no in range(runs):
                by: dict[str, dict] = {}
                if n in rounds:
                    f = rounds[n]
                    methods = ["perfxl-jobs2", *(["perfxl-jobs1"] if args.both else []),
                               *([f"pandas-{e}" for e in engines]
                                 if n == min(real) and run_no < (args.baseline_runs or runs) else [])]
                    for m in methods:
                        by[m] = run_in_child(m, out, "--folder", f["folder"], "--register", f["register"])
                if args.compact or n not in rounds:
                    by["compact"] = run_in_child("compact", out, "--units", str(n), "--projects", str(n_projects))
                results[n].append(by)
                for p in out.iterdir():  # outputs of this run: not kept
                    if p.is_dir():
                        import shutil
                        shutil.rmtree(p)
                    else:
                        p.unlink()
        print(f"load avg:   {_load()} (1, 5, 15 min) after the timed runs")
        print()
        for n in sizes:
            report(n, results[n])
        if len(sizes) > 1:
            lo, hi = min(sizes), max(sizes)
            for m in ("perfxl-jobs2", "compact"):
                if m in results[lo][0] and m in results[hi][0]:
                    for stage in [st for st in results[lo][0][m]["stages"] if st not in ("start", "parquet")]:
                        a = [by[m]["stages"][stage]["peak_mb"] for by in results[lo]]
                        b = [by[m]["stages"][stage]["peak_mb"] for by in results[hi]]
                        print(f"{METHODS[m]}: peak RSS after {stage} at {hi} / at {lo}: "
                              f"{min_median(b)[1] / min_median(a)[1]:.2f} (medians {min_median(b)[1]:.0f} / "
                              f"{min_median(a)[1]:.0f} MB)")
    print()
    print("peak memory (ru_maxrss, each method in its own process): 'peak RSS MB' is the method's process; "
          "'workers MB' the largest of its pool's worker processes (counting the pages it shared with the "
          f"method's process when forked); this launching process {_maxrss_mb(resource.RUSAGE_SELF):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
