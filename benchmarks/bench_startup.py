"""Start-up time of the command line: what a clerk waits for before perfxl says anything.

Why this exists: an operator at a console types ``perfxl --help`` or checks the one file a unit
just sent. Each is a fresh process, so every module imported at start is paid every time; a
command that imports pandas, openpyxl and jsonschema it does not need costs more than its work.
This script times those commands end to end, as processes, beside the import every Python data
tool pays for, ``python -c "import pandas"``, run in the same loop on the same machine.

What is timed (each a new process, round-robin so a busy machine slows all alike)
  python -c pass           the interpreter alone: the floor nothing can beat
  import pandas            ``python -c "import pandas"``: the baseline
  perfxl --help            the console script perfxl installs (beside this Python), as typed
  perfxl check ONE.xlsx    checking one clean filled workbook (untimed: written by
                           ``perfxl.write_workbook`` from ``samples/units/108001.json``)
Each is run once untimed first (the OS file cache then holds the files, as for a clerk's second
command), then ``--runs`` times. The table gives min and median wall-clock seconds; the ratios
are perfxl's median over the pandas import's median. A last block names the heavy libraries
each perfxl command loaded (pandas must not be among them for these two).

Run from the repository root:
    python benchmarks/bench_startup.py              # 15 runs each
    python benchmarks/bench_startup.py --runs 40
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import perfxl
from common import machine_lines

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "numpy", "openpyxl", "jsonschema", "xlsxwriter", "docx", "tqdm", "python_calamine")


def perfxl_command() -> list[str]:
    """The console script installed beside this interpreter, else the same entry point through it."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        script = Path(folder) / ("perfxl.exe" if os.name == "nt" else "perfxl")
        if script.is_file():
            return [str(script)]
    return [sys.executable, "-c", "import sys; from perfxl.cli import main; sys.exit(main())"]


def one_workbook(folder: Path) -> Path:
    unit = perfxl.load_unit(REPO / "samples" / "units" / "108001.json")
    return perfxl.write_workbook(unit, perfxl.load_framework(unit.framework or "hebei-2023"), folder)


def time_once(cmd: list[str], expect: tuple[int, ...]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    seconds = time.perf_counter() - t0
    if done.returncode not in expect:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode(errors='replace')[-500:]}")
    return seconds


def loaded_libraries(args: list[str]) -> list[str]:
    """The heavy libraries a perfxl command line imports (run in-process in a fresh interpreter)."""
    code = ("import sys\nfrom perfxl.cli import main\n"
            f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
            f"print('LOADED:', *sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    line = next((x for x in reversed(done.stdout.splitlines()) if x.startswith("LOADED:")), None)
    if line is None:
        raise SystemExit(f"could not list the libraries loaded by perfxl {' '.join(args)}: {done.stderr[-500:]}")
    return line.split()[1:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15, help="timed runs of each command (default 15)")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    print(f"perfxl start-up benchmark: {args.runs} runs of each command, each a new process")
    for line in machine_lines():
        print(line)
    perfxl_cmd = perfxl_command()
    print(f"perfxl:     {' '.join(perfxl_cmd)}")
    print("load avg:   {:.2f} {:.2f} {:.2f} (1, 5, 15 min) before".format(*os.getloadavg()))

    with tempfile.TemporaryDirectory(prefix="perfxl-bench-startup-") as tmp:
        one = one_workbook(Path(tmp))
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], (0,)),
            "python -c 'import pandas'": ([sys.executable, "-c", "import pandas"], (0,)),
            "perfxl --help": (perfxl_cmd + ["--help"], (0,)),
            "perfxl check ONE.xlsx": (perfxl_cmd + ["check", str(one)], (0, 1)),
        }
        for cmd, expect in commands.values():  # untimed: the file cache, .pyc files
            time_once(cmd, expect)
        times: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(args.runs):
            for label, (cmd, expect) in commands.items():
                times[label].append(time_once(cmd, expect))
        libraries = {"perfxl --help": loaded_libraries(["--help"]),
                     "perfxl check ONE.xlsx": loaded_libraries(["check", str(one)])}
    load_after = os.getloadavg()

    print()
    header = f"{'command':<28}{'min s':>8}{'median s':>10}{'max s':>8}"
    print(header)
    print("-" * len(header))
    for label, ts in times.items():
        print(f"{label:<28}{min(ts):>8.3f}{statistics.median(ts):>10.3f}{max(ts):>8.3f}")
    pandas_median = statistics.median(times["python -c 'import pandas'"])
    floor = statistics.median(times["python -c pass"])
    print()
    for label in ("perfxl --help", "perfxl check ONE.xlsx"):
        median = statistics.median(times[label])
        print(f"ratio {label} / import pandas (median): {median / pandas_median:.2f}   "
              f"above the bare interpreter: {median - floor:.3f} s")
    print("load avg:   {:.2f} {:.2f} {:.2f} (1, 5, 15 min) after the timed runs".format(*load_after))
    print()
    for label, libs in libraries.items():
        print(f"heavy libraries loaded by {label}: {', '.join(libs) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
