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
from common import machine_lines

REGISTER_COLUMNS = ("单位编码", "单位名称", "主管部门编码", "主管部门名称", "项目编码", "项目名称", "预算数", "财政资金",
                    "其他资金", "资金用途")
METHODS = {  # --method value -> label in the table
    "perfxl-jobs2": "perfxl consolidate jobs=2",
    "perfxl-jobs1": "perfxl consolidate jobs=1",
    "pandas-openpyxl": "pandas openpyxl (default)",
    "pandas-calamine": "pandas calamine",
}


# ---------------------------------------------------------------- the synthetic round (untimed)

def build(n_units: int, n_projects: int, root: Path) -> dict:
    """The returned workbooks (root/returned) and the matching root/register.xlsx; returns build facts."""
    import bench_check  # the colleague's round builder, next to this file

    folder = root / "returned"
    folder.mkdir()
    size, seconds = bench_check.build_round(n_units, n_projects, folder)
    n_files = sum(1 for _ in folder.iterdir())
    if n_files != n_units:
        raise SystemExit(f"expected {n_units} workbooks, found {n_files} (unit codes not unique?)")
    t0 = time.perf_counter()
    rows = []
    for i in range(n_units):
        u = bench_check.synthetic_unit(i, n_projects)
        for p in u.projects:
            rows.append((u.unit.code, u.unit.name, u.unit.department_code, u.unit.department_name, p.code, p.name,
                         p.funds.total, p.funds.fiscal, p.funds.other, p.purpose))
    register = root / "register.xlsx"
    pd.DataFrame(rows, columns=list(REGISTER_COLUMNS)).to_excel(register, index=False, engine="openpyxl")
    register_seconds = time.perf_counter() - t0
    from python_calamine import CalamineWorkbook
    sheets = len(CalamineWorkbook.from_path(str(next(folder.iterdir()))).sheet_names)
    return {"folder": str(folder), "register": str(register), "bytes": size, "seconds": seconds,
            "writers": bench_check.WRITERS, "sheets": sheets, "register_rows": len(rows),
            "register_seconds": register_seconds, "framework": bench_check.FRAMEWORK}


# ---------------------------------------------------------------- one method, in its own process

def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _maxrss_mb(who: int) -> float:
    """Peak resident set size in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    rss = resource.getrusage(who).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _perfxl(folder: Path, register: Path, out: Path, jobs: int) -> dict:
    paths = sorted(folder.iterdir())
    t0 = time.perf_counter()
    perfxl.load_register_index(register)               # untimed: only to show what reading it costs
    register_seconds = time.perf_counter() - t0
    warm = perfxl.consolidate([paths[0]], register, jobs=1)   # warm-up, untimed
    perfxl.summary_workbook(warm)
    del warm
    target = out / f"summary-jobs{jobs}.xlsx"
    c0, t0 = _cpu(), time.perf_counter()
    result = perfxl.consolidate([folder], register, jobs=jobs)   # the pool has ended when it returns
    t1 = time.perf_counter()
    perfxl.write_summary(result, target)
    t2 = time.perf_counter()
    cpu = _cpu() - c0
    overview = dict(zip(result.overview["项目"], result.overview["数值"]))
    codes = Counter(result.tables["findings"]["代码"])
    return {"count": len(result.run.files), "seconds": t2 - t0, "cpu": cpu,
            "consolidate_seconds": t1 - t0, "summary_seconds": t2 - t1, "summary_bytes": target.stat().st_size,
            "register_seconds": register_seconds,
            "expected": int(overview["应报单位"]), "submitted": int(overview["已报送单位"]),
            "passed": int(overview["通过（无错误）"]), "taken_files": int(overview["文件：采用"]),
            "findings": len(result.tables["findings"]), "top_codes": codes.most_common(5),
            "projects": len(result.tables["projects"]), "indicators": len(result.tables["indicators"])}


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


def run_method(method: str, folder: Path, register: Path, out: Path) -> dict:
    start_mb = _maxrss_mb(resource.RUSAGE_SELF)   # python, pandas and perfxl imported
    load_start = os.getloadavg()[0]
    if method.startswith("perfxl-jobs"):
        res = _perfxl(folder, register, out, int(method.removeprefix("perfxl-jobs")))
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


# ---------------------------------------------------------------- report


def _load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def report(results: list[dict]) -> None:
    header = (f"{'method':<28}{'workbooks':>10}{'seconds':>10}{'workbooks/s':>13}{'CPU s':>9}"
              f"{'peak RSS MB':>13}{'workers MB':>12}")
    print(header)
    print("-" * len(header))
    for r in results:
        workers = f"{r['workers_mb']:.0f}" if r["workers_mb"] else "-"
        print(f"{METHODS[r['method']]:<28}{r['count']:>10}{r['seconds']:>10.2f}{r['count'] / r['seconds']:>13.2f}"
              f"{r['cpu']:>9.2f}{r['peak_mb']:>13.0f}{workers:>12}")
    rate = {r["method"]: r["count"] / r["seconds"] for r in results}
    print()
    for p in ("perfxl-jobs2", "perfxl-jobs1"):
        if p not in rate:
            continue
        for b in ("pandas-openpyxl", "pandas-calamine"):
            name = f"ratio perfxl(jobs={p[-1]})/{b} (workbooks/s):"
            print(f"{name:<52}{rate[p] / rate[b]:.2f}")
    if "perfxl-jobs1" in rate:
        print(f"{'ratio perfxl jobs=2/jobs=1 (workbooks/s):':<52}{rate['perfxl-jobs2'] / rate['perfxl-jobs1']:.2f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=1000, help="returned workbooks in the round (default 1000)")
    ap.add_argument("--projects", type=int, default=10, help="projects per unit (default 10)")
    ap.add_argument("--quick", action="store_true", help="100 units x 10 projects, for a smoke run")
    ap.add_argument("--both", action="store_true", help="also time perfxl with jobs=1")
    # Internal: run one method on an existing round (how the script runs each method in a fresh process).
    ap.add_argument("--method", choices=["build", *METHODS], help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--register", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.method:
        if not (args.out and args.result and (args.method == "build" or (args.folder and args.register))):
            ap.error("--method needs --out and --result, and (but for build) --folder and --register")
        if args.method == "build":
            res = build(args.units, args.projects, args.out)
        else:
            res = run_method(args.method, args.folder, args.register, args.out)
        args.result.write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")
        return 0

    n_units, n_projects = (100, 10) if args.quick else (args.units, args.projects)
    if n_units < 1 or n_projects < 1:
        ap.error("--units and --projects must be at least 1")
    methods = ["perfxl-jobs2", *(["perfxl-jobs1"] if args.both else []), "pandas-openpyxl", "pandas-calamine"]

    print(f"perfxl consolidate benchmark: {n_units} units x {n_projects} projects")
    for line in machine_lines():
        print(line)
    print(f"load avg:   {_load()} (1, 5, 15 min) before building")

    with tempfile.TemporaryDirectory(prefix="perfxl-bench-consolidate-") as tmp:
        root = Path(tmp)
        facts = run_in_child("build", root, "--units", str(n_units), "--projects", str(n_projects))
        out = root / "out"
        out.mkdir()
        print(f"workbooks:  {n_units} written in {facts['seconds']:.1f} s (untimed, {facts['writers']} processes), "
              f"{facts['bytes'] / n_units / 1024:.1f} KB on average, {facts['sheets']} sheets each, "
              f"framework {facts['framework']}")
        print(f"register:   {facts['register_rows']} project rows, register.xlsx written in "
              f"{facts['register_seconds']:.1f} s (untimed)")
        print(f"load avg:   {_load()} (1, 5, 15 min) before the timed runs")
        print()
        results = [run_in_child(m, out, "--folder", facts["folder"], "--register", facts["register"])
                   for m in methods]
        load_after = _load()

    report(results)
    print(f"load avg:   {load_after} (1, 5, 15 min) after the timed runs")
    print("load avg:   1 min at the start and end of each method: "
          + ", ".join(f"{r['method']} {r['load'][0]:.2f}-{r['load'][1]:.2f}" for r in results))
    print()
    by = {r["method"]: r for r in results}
    for m in ("perfxl-jobs2", "perfxl-jobs1"):
        if m not in by:
            continue
        r = by[m]
        print(f"{METHODS[m]}: consolidate {r['consolidate_seconds']:.2f} s + write_summary "
              f"{r['summary_seconds']:.2f} s "
              f"({r['summary_bytes'] / 1024 / 1024:.1f} MB); reading the register alone takes "
              f"{r['register_seconds']:.2f} s (inside consolidate)")
        print(f"  units expected {r['expected']}, submitted {r['submitted']}, passed {r['passed']}; "
              f"files taken {r['taken_files']} of {r['count']}; projects {r['projects']}, indicators {r['indicators']}")
        top = ", ".join(f"{code} {n}" for code, n in r["top_codes"]) or "none"
        print(f"  findings {r['findings']}; top codes: {top}")
    for m in ("pandas-openpyxl", "pandas-calamine"):
        r = by[m]
        print(f"{METHODS[m]}: {r['sheets']} sheets read, concatenated into {r['frames']} frames "
              f"of {r['rows']} rows in all")
    print()
    lo, hi = (f"{f(r['start_mb'] for r in results):.0f}" for f in (min, max))
    print("peak memory (ru_maxrss, each method in its own process): 'peak RSS MB' is the method's process "
          f"(about {lo if lo == hi else f'{lo}-{hi}'} MB of it is Python, pandas and perfxl imported before any "
          "work); 'workers MB' the largest of its pool's worker processes (counting the pages it shared with the "
          f"method's process when forked); this launching process {_maxrss_mb(resource.RUSAGE_SELF):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
