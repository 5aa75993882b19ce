#!/usr/bin/env python3
"""Mutation testing of perfxl's core, one module at a time, with mutmut (docs/mutation.md).

    pip install 'mutmut==3.8.1'
    python tools/mutation.py                      # every core module
    python tools/mutation.py values rules         # some of them
    python tools/mutation.py values --jobs 2 --workdir /tmp/perfxl-mutation
    python tools/mutation.py rules --tests tests/test_rules.py --tests tests/test_rule_edges.py
    python tools/mutation.py archives check reader --together   # one mutmut run for the three

For each module the script lays a scratch copy of the repository in WORKDIR/<module>/ (the work
tree is only read), writes the settings of tools/mutation.toml plus ``only_mutate`` for that module
into the copy's pyproject.toml, runs ``mutmut run`` there and reads ``mutmut results``. It prints,
per module, the number of mutants, how many the tests killed, how many survived, the score and the
time taken, and writes every survivor's diff to WORKDIR/<module>/survivors.txt and the figures to
WORKDIR/summary.json.

With ``--together`` the modules share one scratch copy (WORKDIR/<a>+<b>+…/) and one mutmut run:
mutmut's stats run (the whole fast suite under tracing, then once more clean; some 8 minutes on 2
cores) is paid once instead of once per module, and the scores are still given per module.

A kept WORKDIR resumes: mutmut does not run again a mutant it already judged (``--fresh`` starts
over; ``--rejudge`` copies the work tree's tests in and has the survivors judged again). The suite
must pass before mutants are judged; a test that fails for reasons of its own can be left out with
``--deselect tests/test_x.py::test_y``.

``--sample N`` judges a uniform random sample of N mutants per module (seeded: ``--seed``), the
others marked skipped before the run starts; the score is then the sample's, printed with its 95%
confidence interval (Wilson). A whole core run takes a day or more on 2 cores; a sample of 60 per
module an hour or two, and it says with stated confidence whether a module is above 80%.

Not part of CI's default run: it takes minutes per module (see docs/mutation.md for measured times).
"""
from __future__ import annotations

import argparse
import ast
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = Path(__file__).with_name("mutation.toml")

# The core: what the rules, the reading and the writing of workbooks rest on (issue 9).
CORE = ("rules", "catalogue", "values", "reader", "integrity", "writer", "layout", "check", "consolidate",
        "archives")
COPIED = ("perfxl", "tests", "samples", "workbook_templates", "setup.cfg", "pyproject.toml", "README.md")
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
SURVIVED = {"survived", "no tests", "suspicious"}


@dataclass
class Score:
    module: str
    mutants: int = 0
    killed: int = 0
    survived: int = 0
    no_tests: int = 0
    timeout: int = 0
    other: int = 0
    seconds: float = 0.0
    sampled: int = 0  # 0: every mutant counts; else the size of the sample the score is from
    survivors: list[str] = field(default_factory=list)

    @property
    def judged(self) -> int:
        return self.killed + self.survived

    @property
    def score(self) -> float | None:
        return self.killed / self.judged if self.judged else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The score's 95% confidence interval when it comes from a sample (Wilson's, fine at few survivors)."""
        return wilson(self.killed, self.judged) if self.sampled and self.judged else None


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's score interval for k successes in n trials: unlike p ± z·se it stays inside [0, 1]
    and is not empty when every sampled mutant was killed."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def toml_value(v: object) -> str:
    """The few TOML values the settings use: strings, numbers, booleans and lists of those."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"unsupported setting value {v!r}")


def undecorate(source: str) -> str:
    """The module with each decorated function written plain and the decorator applied right after it.

    mutmut 3 never mutates a decorated function (its trampolines cannot wrap one), which would leave
    out every rule check (``@check``) and every layout address (``@property``). ``@d def f`` and
    ``def f ...; f = d(f)`` bind the same object, so only the scratch copy's text changes.
    ``@staticmethod``/``@classmethod`` (which mutmut handles) and property setters stay as they are.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    dropped: set[int] = set()
    after: dict[int, list[str]] = {}
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.decorator_list]
    for fn in sorted(functions, key=lambda n: n.end_lineno - n.lineno):  # inner functions first
        decorators = fn.decorator_list
        if len(decorators) == 1 and isinstance(decorators[0], ast.Name) and decorators[0].id in (
                "staticmethod", "classmethod"):
            continue
        if any(isinstance(d, ast.Attribute) and d.attr in ("setter", "getter", "deleter") for d in decorators):
            continue
        call = fn.name
        for d in reversed(decorators):
            call = f"{ast.get_source_segment(source, d)}({call})"
        dropped.update(range(decorators[0].lineno - 1, fn.lineno - 1))
        after.setdefault(fn.end_lineno - 1, []).append(" " * fn.col_offset + f"{fn.name} = {call}\n")
    out = []
    for i, line in enumerate(lines):
        if i not in dropped:
            out.append(line)
        out.extend(after.get(i, []))
    result = "".join(out)
    ast.parse(result)
    return result


def settings_for(modules: list[str], deselect: list[str], tests: list[str]) -> dict:
    settings = dict(tomllib.loads(CONFIG.read_text("utf-8"))["tool"]["mutmut"])
    settings["only_mutate"] = [f"perfxl/{m}.py" for m in modules]
    if tests:
        settings["pytest_add_cli_args_test_selection"] = list(tests)
    settings["pytest_add_cli_args"] = list(settings.get("pytest_add_cli_args", [])) + [
        f"--deselect={d}" for d in deselect]
    return settings


def prepare(workdir: Path, modules: list[str], deselect: list[str], tests: list[str], fresh: bool) -> Path:
    """A scratch copy laid out as an installed perfxl: frameworks and samples inside the package."""
    here = workdir / "+".join(modules)
    if fresh and here.exists():
        shutil.rmtree(here)
    if not (here / "mutants").exists():
        if here.exists():
            shutil.rmtree(here)
        here.mkdir(parents=True)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
        for name in COPIED:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, here / name, ignore=ignore)
            elif src.is_file():
                shutil.copy2(src, here / name)
        shutil.copytree(ROOT / "workbook_templates", here / "perfxl" / "templates", ignore=ignore)
        shutil.copytree(ROOT / "samples", here / "perfxl" / "samples", ignore=ignore)
        shared = ROOT.parent / "shared"
        if shared.exists():
            (here / "shared").symlink_to(shared)  # the tests find ../shared beside the copy they run in
        for module in modules:
            target = here / "perfxl" / f"{module}.py"
            target.write_text(undecorate(target.read_text("utf-8")), "utf-8")
    pyproject = here / "pyproject.toml"
    text = (ROOT / "pyproject.toml").read_text("utf-8") if (ROOT / "pyproject.toml").exists() else ""
    if "[tool.mutmut]" in text:
        raise SystemExit("pyproject.toml already has [tool.mutmut]; keep the settings in tools/mutation.toml")
    lines = [text.rstrip(), "", "# written by tools/mutation.py from tools/mutation.toml", "[tool.mutmut]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in settings_for(modules, deselect, tests).items()]
    pyproject.write_text("\n".join(lines) + "\n", "utf-8")
    return here


def mutmut_command(explicit: str | None) -> list[str]:
    exe = explicit or shutil.which("mutmut")
    if exe is None:
        raise SystemExit("mutmut is not installed: pip install 'mutmut==3.8.1' (see docs/mutation.md)")
    return [exe]


def _env() -> dict[str, str]:
    # the sandbox's tasks in mutmut's own process, where it records and switches mutants (perfxl.sandbox)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PERFXL_SANDBOX_IN_PROCESS": "1"}
    env.pop("CI", None)  # a local run: a missing LibreOffice is a skip here, and LibreOffice tests are left out anyway
    return env


def refresh_tests(here: Path) -> None:
    """The work tree's tests into a kept scratch copy (and mutmut's copy of it): written after a run
    showed survivors, they are to judge those survivors again (``--rejudge``)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
    for target in (here / "tests", here / "mutants" / "tests"):
        if target.parent.exists():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / "tests", target, ignore=ignore)


def refresh_source(here: Path, modules: list[str]) -> list[str]:
    """The work tree's package into a kept scratch copy, the modules under test written plain
    (``undecorate``), for ``--rejudge`` after the survivors' tests also mended the code they found.

    Only files whose text changed are written, so mutmut (which compares modification times)
    mutates again only those, and keeps every result of a function whose text is unchanged; the
    mutants of a changed function are judged afresh. Returns the files written."""
    written = []
    for src in sorted((ROOT / "perfxl").rglob("*")):
        if src.is_dir() or "__pycache__" in src.parts or src.suffix == ".pyc":
            continue
        rel = src.relative_to(ROOT)
        target = here / rel
        data = src.read_bytes()
        if src.suffix == ".py" and rel.parent == Path("perfxl") and src.stem in modules:
            data = undecorate(data.decode("utf-8")).encode("utf-8")
        if not target.exists() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.append(str(rel))
    return written


def forget_survivors(here: Path) -> int:
    """Mark every survivor of a kept run as not judged, so the next ``mutmut run`` judges it again.

    mutmut judges a mutant again only when it is named on its command line, and a named run checks
    the suite with just the named mutants' tests, by node id: pinned mutmut 3.8.1 then refuses ids
    it traced before the tests changed. Its results live in ``mutants/**/*.py.meta`` (JSON,
    ``exit_code_by_key``), and a mutant without an exit code is one it has not judged yet."""
    forgotten = 0
    for meta in (here / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text("utf-8"))
        codes = data.get("exit_code_by_key", {})
        for name, code in codes.items():
            if code is not None and _status(code) in SURVIVED:
                codes[name] = None
                forgotten += 1
        meta.write_text(json.dumps(data), "utf-8")
    return forgotten


SKIPPED = 34  # mutmut 3.8.1's exit code for "skipped": a mutant it never runs and leaves out of its figures

_GENERATE = """
import os
from mutmut.__main__ import copy_also_copy_files, copy_src_dir, create_mutants, setup_source_paths
from mutmut.mutation.trampoline import set_mutant_under_test
set_mutant_under_test("mutant_generation")
os.makedirs("mutants", exist_ok=True)
copy_src_dir(); copy_also_copy_files(); setup_source_paths(); create_mutants({jobs})
"""


def _python_of(mutmut: list[str]) -> str:
    """The interpreter mutmut is installed in (its script's #! line): mutmut may live in its own venv."""
    try:
        first = Path(mutmut[0]).read_bytes().split(b"\n", 1)[0].decode()
    except OSError:
        return sys.executable
    return first[2:].strip() if first.startswith("#!") and "python" in first else sys.executable


def generate(mutmut: list[str], here: Path, jobs: int) -> None:
    """mutmut's first step alone (the mutants and their ``.meta`` files), without its stats and test
    runs, so a sample can be drawn before any mutant is judged. A kept folder keeps its results."""
    subprocess.run([_python_of(mutmut), "-c", _GENERATE.format(jobs=jobs)], cwd=here, env=_env(), check=True,
                   stdout=subprocess.DEVNULL)


def mark_sample(here: Path, modules: list[str], size: int | dict[str, int], seed: int) -> dict[str, list[str]]:
    """Draw (or reuse) a uniform sample of ``size`` mutants per module (a number, or one per module)
    and mark every other mutant not yet judged as skipped, so ``mutmut run`` judges only the sample.

    The draw is from all of a module's mutants, judged or not, seeded by (seed, module): mutmut judges
    the cheapest mutants first, so the ones a stopped run already judged are not a fair sample. The
    sample is kept in ``sample.json``. Run again with the same seed, it is reused, and resized when
    asked: made smaller by a seeded random subset of it (a uniform sample still, whatever was judged
    first; results outside it stay in mutmut's records but leave the score), made larger, or
    refilled where a mutant no longer exists (its function was rewritten), by more random draws."""
    record = here / "sample.json"
    known = json.loads(record.read_text("utf-8")) if record.exists() else {}
    chosen: dict[str, list[str]] = {}
    for module in modules:
        want = size[module] if isinstance(size, dict) else size
        meta = here / "mutants" / "perfxl" / f"{module}.py.meta"
        data = json.loads(meta.read_text("utf-8"))
        names = sorted(data.get("exit_code_by_key", {}))
        kept = known.get(module, {})
        if kept.get("seed") == seed:
            present = set(names)
            still = [n for n in kept["names"] if n in present]
            if len(still) > want:
                still = random.Random(f"{seed}:{module}:subset:{want}").sample(still, want)
            rest = sorted(present - set(still))
            refill = random.Random(f"{seed}:{module}:refill").sample(rest, min(want - len(still), len(rest)))
            chosen[module] = sorted(still + refill)
        else:
            chosen[module] = sorted(random.Random(f"{seed}:{module}").sample(names, min(want, len(names))))
        inside = set(chosen[module])
        codes = data["exit_code_by_key"]
        for name in names:
            if name in inside and codes[name] == SKIPPED:
                codes[name] = None  # skipped by an earlier, different sample
            elif name not in inside and codes[name] is None:
                codes[name] = SKIPPED
        meta.write_text(json.dumps(data), "utf-8")
    known.update({m: {"size": len(chosen[m]), "seed": seed, "names": chosen[m]} for m in modules})
    record.write_text(json.dumps(known, indent=1) + "\n", "utf-8")
    return chosen


def _status(exit_code: int) -> str:
    """mutmut 3.8.1's word for the exit codes of what did not kill a mutant (its ``status_by_exit_code``)."""
    return {0: "survived", 5: "no tests", 33: "no tests", 35: "suspicious"}.get(exit_code, "killed or other")


def run_modules(mutmut: list[str], here: Path, modules: list[str], jobs: int, rejudge: bool = False,
                sample: int | dict[str, int] = 0, seed: int = 0) -> list[Score]:
    """One mutmut run over ``modules``; the score of each from its own mutants (``perfxl.<module>.…``).
    With ``rejudge`` the survivors of earlier runs are judged again by the work tree's tests, in the same run.
    With ``sample`` only that many mutants per module (drawn by ``mark_sample``) are judged and scored."""
    log = here / "mutmut.log"
    start = time.monotonic()
    env = _env()
    command = [*mutmut, "run", "--max-children", str(jobs)]
    if rejudge and (here / "mutants").exists():
        refresh_tests(here)
        refresh_source(here, modules)
        forget_survivors(here)
    chosen: dict[str, set[str]] = {}
    if sample:
        generate(mutmut, here, jobs)
        chosen = {m: set(names) for m, names in mark_sample(here, modules, sample, seed).items()}
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.run(command, cwd=here, stdout=out, stderr=subprocess.STDOUT, env=env)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        tail = re.sub(r"[⠀-⣿]\s*[^\n\r]*\r?", "", log.read_text("utf-8", errors="replace"))[-3000:]
        raise SystemExit(f"mutmut run failed for {'+'.join(modules)} (exit {proc.returncode}); see {log}\n{tail}")
    results = subprocess.run([*mutmut, "results", "--all", "true"], cwd=here, capture_output=True, text=True,
                             env=env, check=True).stdout
    scores = {m: Score(m, seconds=round(seconds, 1), sampled=len(chosen.get(m, ()))) for m in modules}
    for name, status in re.findall(r"^\s+(\S+): (.+?)\s*$", results, flags=re.M):
        score = scores.get(name.split(".")[1])
        if score is None:  # a module of an earlier run in this folder, not asked about now
            continue
        if chosen and name not in chosen[score.module]:
            continue  # judged by an earlier, whole run but not in the sample: the score is the sample's
        score.mutants += 1
        if status in KILLED:
            score.killed += 1
            score.timeout += status == "timeout"
        elif status in SURVIVED:
            score.survived += 1
            score.no_tests += status == "no tests"
            score.survivors.append(name)
        else:
            score.other += 1  # not checked, skipped, interrupted: not counted in the score
    for score in scores.values():
        listing = here / ("survivors.txt" if len(modules) == 1 else f"survivors-{score.module}.txt")
        with listing.open("w", encoding="utf-8") as out:
            for name in score.survivors:
                shown = subprocess.run([*mutmut, "show", name], cwd=here, capture_output=True, text=True, env=env)
                out.write(shown.stdout.rstrip() + "\n\n")
    return list(scores.values())


def sample_sizes(given: list[str], modules: list[str]) -> int | dict[str, int]:
    """``--sample`` values: "50" for every module, "rules=20" for one; 0 is no sample."""
    default, per = 0, {}
    for item in given:
        name, _, n = item.rpartition("=")
        if not n.isdigit() or int(n) < 1 or (name and name not in modules):
            raise ValueError(f"--sample {item}: give N or MODULE=N (N at least 1, MODULE one of those run)")
        if name:
            per[name] = int(n)
        else:
            default = int(n)
    if not per:
        return default
    if not default and set(per) != set(modules):
        raise ValueError("--sample MODULE=N for some modules needs --sample N for the others")
    return {m: per.get(m, default) for m in modules}


def table(scores: list[Score]) -> str:
    rows = [("module", "mutants", "killed", "survived", "(no tests)", "score", "95% interval", "time")]
    for s in scores:
        low_high = s.interval
        rows.append((s.module, f"{s.mutants} (sample)" if s.sampled else str(s.mutants), str(s.killed),
                     str(s.survived), str(s.no_tests), f"{s.score:.0%}" if s.score is not None else "-",
                     f"{low_high[0]:.0%}–{low_high[1]:.0%}" if low_high else "-", f"{s.seconds / 60:.1f} min"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("modules", nargs="*", default=list(CORE), help=f"modules of perfxl (default: {' '.join(CORE)})")
    ap.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "perfxl-mutation",
                    help="where the scratch copies live (default: $TMPDIR/perfxl-mutation)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="mutants tested at once")
    ap.add_argument("--fresh", action="store_true", help="forget earlier results for these modules")
    ap.add_argument("--deselect", action="append", default=[], metavar="NODEID",
                    help="leave a failing test out (repeatable), e.g. tests/test_cli.py::test_demo")
    ap.add_argument("--tests", action="append", default=[], metavar="PATH",
                    help="run only these test files (repeatable) instead of the whole fast suite: quicker, "
                         "but the score is then that of these tests")
    ap.add_argument("--mutmut", default=None, help="the mutmut executable (default: from PATH)")
    ap.add_argument("--rejudge", action="store_true",
                    help="a kept WORKDIR: copy the work tree's tests into it and judge its survivors again "
                         "(after writing tests for them), then go on with the mutants not yet judged")
    ap.add_argument("--together", action="store_true",
                    help="one mutmut run for all the modules given (one stats run instead of one per module)")
    ap.add_argument("--sample", action="append", default=[], metavar="N|MODULE=N",
                    help="judge a uniform random sample of N mutants per module (score with its 95%% interval); "
                         "MODULE=N sets one module's size (repeatable), e.g. --sample 50 --sample rules=20")
    ap.add_argument("--seed", type=int, default=2026, help="the sample's seed (default: 2026)")
    args = ap.parse_args(argv)
    try:
        args.sample = sample_sizes(args.sample, args.modules)
    except ValueError as e:
        ap.error(str(e))
    unknown = [m for m in args.modules if not (ROOT / "perfxl" / f"{m}.py").is_file()]
    if unknown:
        ap.error(f"not a module of perfxl: {', '.join(unknown)}")
    mutmut = mutmut_command(args.mutmut)
    args.workdir.mkdir(parents=True, exist_ok=True)
    scores = []
    for group in ([args.modules] if args.together else [[m] for m in args.modules]):
        here = prepare(args.workdir, group, args.deselect, args.tests, args.fresh)
        print(f"{'+'.join(group)}: mutating {', '.join(f'perfxl/{m}.py' for m in group)} in {here} ...", flush=True)
        scores.extend(run_modules(mutmut, here, group, args.jobs, rejudge=args.rejudge, sample=args.sample,
                                  seed=args.seed))
        print("\n".join(table(scores[-len(group):]).splitlines()[1:]), flush=True)
    print()
    print(table(scores))
    summary = args.workdir / "summary.json"
    known = json.loads(summary.read_text("utf-8")) if summary.exists() else {}
    known.update({s.module: {**asdict(s), "score": s.score, "interval": s.interval} for s in scores})
    summary.write_text(json.dumps(known, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(f"\nsurvivors' diffs: {args.workdir}/<module>/survivors.txt (survivors-<module>.txt with --together); "
          f"figures: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
