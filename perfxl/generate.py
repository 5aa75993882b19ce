"""Generate a round's workbooks: from a register (blank templates) or from units' JSON (prefilled).

These are the library entry points the CLI and, later, the web page call; they take paths and
options and return what they wrote, raising PerfxlError subclasses for input they cannot use.

``jobs`` writes the workbooks in that many processes (default: the cores this process may use). Each
workbook is rendered on its own from the unit alone, so the bytes are the same whatever the number of
processes (writer.py's output is deterministic); the list returned keeps the register's order.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from .frameworks import DEFAULT_FRAMEWORK, Framework, load_framework
from .i18n import t
from .model import UnitData, load_unit
from .register import load_register
from .writer import write_templates, write_workbook

if TYPE_CHECKING:
    from .selfeval_model import SelfEvalUnit

__all__ = ["default_budget_year", "templates_from_register", "templates_from_data", "GenerateResult", "carry_forward",
           "load_previous", "write_all", "usable_cores", "selfeval_units"]


def default_budget_year(today: date | None = None) -> int:
    """Offices collect next year's goals in the autumn, so the default is the coming year."""
    return (today or date.today()).year + 1


@dataclass
class GenerateResult:
    framework: Framework
    units: list[UnitData]
    paths: list[Path]
    notes: list[str] = field(default_factory=list)


def templates_from_register(register: str | Path, out_dir: str | Path, *, budget_year: int | None = None,
                            framework: str | Path = DEFAULT_FRAMEWORK, password: str | None = None,
                            key: bytes | None = None, prefill: str | Path | None = None, roll_year: bool = False,
                            progress: Callable[[UnitData], None] | None = None,
                            jobs: int | None = None) -> GenerateResult:
    """One workbook per unit of the register, register fields prefilled and locked; with ``prefill``
    (a folder of last year's unit JSON) continuing projects start from last year's goals."""
    fw = load_framework(framework)
    read = load_register(register, budget_year or default_budget_year(), fw.id)
    units = read.units
    notes = list(read.notes)  # optional columns the register lacks: accepted, and said so
    if prefill:
        notes += carry_forward(units, load_previous(prefill), roll_year=roll_year)
    paths = write_all(units, fw, out_dir, password=password, key=key, progress=progress, jobs=jobs)
    return GenerateResult(fw, units, paths, notes)


def templates_from_data(data_files: Iterable[str | Path], out_dir: str | Path, *,
                        framework: str | Path | None = None, password: str | None = None,
                        key: bytes | None = None, jobs: int | None = None, form: str = "goals") -> GenerateResult:
    """One prefilled workbook per unit JSON; the JSON's own framework unless one is given.

    ``form="selfeval"``: one self-evaluation (绩效自评) workbook per unit, from its approved goals
    (:func:`selfeval_units`)."""
    if form == "selfeval":
        return _selfeval_templates(list(data_files), out_dir, framework=framework, password=password, key=key,
                                   jobs=jobs)
    units = [load_unit(p) for p in data_files]
    paths: list[Path] = []
    made = [(u, load_framework(framework or u.framework or DEFAULT_FRAMEWORK)) for u in units]
    for group_fw, group in _by_framework(made):
        paths += write_all(group, group_fw, out_dir, password=password, key=key, jobs=jobs)
    return GenerateResult(made[-1][1] if made else load_framework(framework or DEFAULT_FRAMEWORK), units, paths)


def selfeval_units(sources: list[Path], *, framework: str | Path | None = None,
                   key: bytes | None = None) -> list[tuple["SelfEvalUnit", Framework]]:
    """Each unit's self-evaluation with its framework, from what the office holds of its approved
    goals: the unit's goals JSON, a returned goal workbook (read as ``check`` reads it, in a
    sandbox), or a self-evaluation JSON (written as it is: a blank to issue again, an export).
    Raises PerfxlError naming the file that cannot be used."""
    from .export import read_unit
    from .selfeval_check import is_selfeval_json
    from .selfeval_model import load_selfeval, selfeval_from_goals

    out = []
    for path in map(Path, sources):
        if path.suffix.lower() == ".json" and is_selfeval_json(path):
            se = load_selfeval(path)
            out.append((se, load_framework(framework or se.framework or DEFAULT_FRAMEWORK)))
            continue
        goals = load_unit(path) if path.suffix.lower() == ".json" else _goals_of_workbook(path, key, read_unit)
        fw = load_framework(framework or goals.framework or DEFAULT_FRAMEWORK)
        out.append((selfeval_from_goals(goals, fw, source=path.name), fw))
    return out


def _goals_of_workbook(path: Path, key: bytes | None, read_unit: Callable) -> UnitData:
    """The approved goals a returned goal workbook holds; a self-evaluation workbook is refused by name."""
    from .errors import PerfxlError

    unit, _ = read_unit(path, key=key)
    if not isinstance(unit, UnitData):
        raise PerfxlError(t(f"{path}：这是绩效自评工作簿，不是绩效目标表；请给出批复的绩效目标（单位数据 JSON 或绩效目标表工作簿）",
                            f"{path}: this is a self-evaluation workbook, not a goal table; give the approved goals "
                            "(unit JSON or a goal-table workbook)"))
    return unit


def _selfeval_templates(sources: list[Path], out_dir: str | Path, *, framework: str | Path | None,
                        password: str | None, key: bytes | None, jobs: int | None) -> GenerateResult:
    from .selfeval_model import selfeval_from_goals
    from .selfeval_writer import write_selfeval_workbook

    files = [s for s in sources if not _is_round(s)]
    made = selfeval_units(files, framework=framework, key=key)
    notes: list[str] = []
    for folder in (s for s in sources if _is_round(s)):
        goals, said = round_goals(folder, key=key, jobs=jobs)
        notes += said
        for unit, source in goals:
            fw = load_framework(framework or unit.framework or DEFAULT_FRAMEWORK)
            made.append((selfeval_from_goals(unit, fw, source=source), fw))
    if not made:
        from .errors import PerfxlError

        raise PerfxlError(t("没有可用的绩效目标：" + "；".join(notes), "No approved goals to start from: " + "; ".join(notes)))
    paths: list[Path] = []
    for fw, group in _by_framework(made):
        paths += write_all(group, fw, out_dir, password=password, key=key, jobs=jobs, write=write_selfeval_workbook)
    fw = made[-1][1] if made else load_framework(framework or DEFAULT_FRAMEWORK)
    return GenerateResult(fw, [se for se, _ in made], paths, notes)  # type: ignore[misc]


def _is_round(path: Path) -> bool:
    return Path(path).is_dir() or Path(path).suffix.lower() == ".zip"


def round_goals(folder: Path, *, key: bytes | None = None,
                jobs: int | None = None) -> tuple[list[tuple[UnitData, str]], list[str]]:
    """The approved goals in a round's folder (or .zip) as the office received them: every goal table
    in it, subfolders and archives included, read and checked as ``perfxl check`` does, and of each
    unit's files the newest, as consolidation adopts them (X04). Returns ((goals, file name) per
    unit, in 单位编码 order; notes naming every file not used and why). A unit whose adopted table
    still has errors is used as it is and named in a note: what was approved is the office's call."""
    from .check import NothingToCheck, check_paths
    from .sandbox import default_jobs

    try:
        run = check_paths([folder], key=key, jobs=jobs or default_jobs())
    except NothingToCheck as e:
        return [], [str(e)]
    goals, notes = [], []
    for c in run.files:
        name = Path(c.path).name
        if not isinstance(c.unit, UnitData):
            notes.append(t(f"{name}：不是可读的绩效目标表，未使用", f"{name}: not a readable goal table, not used"))
        elif c.superseded_by is not None:
            notes.append(t(f"{name}：同一单位有更新的报送（{Path(c.superseded_by).name}），未使用",
                           f"{name}: the unit sent a newer file ({Path(c.superseded_by).name}), not used"))
        else:
            if c.report.errors:
                notes.append(t(f"{name}：仍有 {c.report.errors} 处错误，已按其内容生成自评表",
                               f"{name}: still has {c.report.errors} errors; its goals were used as they are"))
            goals.append((c.unit, name))
    goals.sort(key=lambda pair: pair[0].unit.code)
    return goals, notes


def _by_framework(pairs: list[tuple]) -> list[tuple[Framework, list]]:
    """Consecutive items of one framework, in order: each run is written with its framework."""
    groups: list[tuple[Framework, list]] = []
    for item, fw in pairs:
        if groups and groups[-1][0].id == fw.id:
            groups[-1][1].append(item)
        else:
            groups.append((fw, [item]))
    return groups


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity: a container's or taskset's limit counts)."""
    from .sandbox import default_jobs  # the same rule as check and consolidate

    return default_jobs()


_JOB: dict = {}  # in a writer process: the framework and options every unit of the run is written with


def _start_writer(framework: Framework, out_dir: str, options: dict, write: Callable = write_workbook) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    _JOB.update(framework=framework, out_dir=out_dir, options=options, write=write)


def _write_one(unit: UnitData) -> Path:
    return _JOB["write"](unit, _JOB["framework"], _JOB["out_dir"], **_JOB["options"])


def write_all(units: list[UnitData], framework: Framework, out_dir: str | Path, *, password: str | None = None,
              key: bytes | None = None, progress: Callable[[UnitData], None] | None = None,
              jobs: int | None = None, write: Callable[..., Path] = write_workbook) -> list[Path]:
    """writer.write_templates in ``jobs`` processes (default :func:`usable_cores`); the paths in the
    units' order. A unit the writer refuses (PerfxlError: more indicators than rows...) stops the run
    with its message, as in one process. One process when there is one unit or one job."""
    units = list(units)
    jobs = min(jobs or usable_cores(), len(units))
    if jobs <= 1:
        if write is not write_workbook:  # another form's writer (``write``), one unit after another
            return [_written(write(u, framework, out_dir, password=password, key=key), u, progress) for u in units]
        return write_templates(units, framework, out_dir, password=password, key=key, progress=progress)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    Path(out_dir).mkdir(parents=True, exist_ok=True)
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method), initializer=_start_writer,
                               initargs=(framework, str(out_dir), {"password": password, "key": key}, write))
    paths: list[Path] = []
    try:
        # Chunks of a few units: a unit is ~0.1 s of work, a message to a process ~0.1 ms.
        for unit, path in zip(units, pool.map(_write_one, units, chunksize=max(1, min(8, len(units) // (jobs * 4))))):
            paths.append(path)
            if progress:
                progress(unit)
    except BaseException:
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in workers:  # not one writer left behind
            proc.terminate()
        raise
    pool.shutdown()
    return paths


def _written(path: Path, unit: UnitData, progress: Callable[[UnitData], None] | None) -> Path:
    if progress:
        progress(unit)
    return path


def carry_forward(units: list[UnitData], previous: Iterable[UnitData], *, roll_year: bool = False) -> list[str]:
    """Prefill this year's register units with last year's goals and indicators, in place.

    Department goals carry over for the same 单位编码; a project's goals and indicators only when it
    continues (same 项目编码). Amounts and the spend plan stay this year's (the register's and the
    unit's). With ``roll_year`` every "{last year}年" in the carried text becomes this year; without it
    the text is left exactly as written, and G03 will point at it. Returns notes for the operator.
    """
    import copy
    import re

    by_code = {u.unit.code: u for u in previous}
    notes: list[str] = []
    for unit in units:
        old = by_code.get(unit.unit.code)
        if old is None:
            notes.append(t(f"单位 {unit.unit.code} 没有上年数据，生成空白模板",
                           f"unit {unit.unit.code} has no data from last year: a blank template"))
            continue

        def roll(text: str | None) -> str | None:
            if not roll_year or not text or old.budget_year == unit.budget_year:
                return text
            return re.sub(rf"(?<!\d){old.budget_year}(?=\s*年)", str(unit.budget_year), text)

        dg = copy.deepcopy(old.department_goals)
        dg.overall = roll(dg.overall)
        for s in dg.sections:
            s.goal = roll(s.goal) or ""
        dg.measures = [roll(m) or "" for m in dg.measures]
        unit.department_goals = dg
        last = {p.code: p for p in old.projects}
        carried = 0
        for p in unit.projects:
            src = last.get(p.code)
            if src is None:
                continue
            carried += 1
            p.goals = [roll(g) or "" for g in src.goals]
            p.indicators = copy.deepcopy(src.indicators)
            for ind in p.indicators:
                ind.name = roll(ind.name) or ""
                ind.description, ind.value_note, ind.basis = roll(ind.description), roll(ind.value_note), roll(ind.basis)
                if isinstance(ind.value, str):
                    ind.value = roll(ind.value)
        notes.append(t(f"单位 {unit.unit.code}：{carried}/{len(unit.projects)} 个项目沿用上年目标与指标",
                       f"unit {unit.unit.code}: {carried} of {len(unit.projects)} projects carry last year's goals "
                       "and indicators"))
    return notes


def load_previous(folder: str | Path) -> list[UnitData]:
    """Every unit JSON in a folder (last year's imports); a bad file stops with its name."""
    folder = Path(folder)
    if not folder.is_dir():
        from .errors import PerfxlError
        raise PerfxlError(t(f"{folder}：不是文件夹（--prefill 需要上年单位数据 JSON 所在的文件夹）",
                            f"{folder}: not a folder (--prefill takes the folder of last year's unit JSON files)"))
    return [load_unit(p) for p in sorted(folder.glob("*.json"))]
