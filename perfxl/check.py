"""Check returned workbooks (or units' JSON): reader + rule catalogue, per file and across files.

``check_paths`` is what ``perfxl check`` and consolidation call: it expands folders, reads and checks
every file (in parallel processes when asked), then runs the checks that need every file at once
(X01 across units, X02 over the whole round, X04 resubmissions). Nothing here raises for a bad
input file: each gets its findings and stays in the result. Inputs that are not returns (a cover
letter, a PDF: see archives.py) are kept aside in ``CheckRun.other_files``, never checked; paths that
hold no return at all are an input problem (NothingToCheck), not a clean round.

A file that cannot be read is still attributed to its unit when it says whose it is: the identity in
the workbook if the reader got that far, else the 单位编码 its name starts with (``workbook_filename``
names every template "115001_单位名称_2024年绩效目标表.xlsx"), so the office chases the right unit.

Every file is read in a sandboxed worker process (``perfxl.sandbox``): ``check_file`` on one file, and
``check_paths``/``check_inputs`` on many with any ``jobs``. A worker that a file kills (the parser aborts,
a memory or CPU limit, the watchdog) becomes S01 for that file and the run goes on.

Nothing read from a workbook is used as a path: its framework is looked up by id among the shipped
ones (``frameworks.shipped_framework``), or is the one the office gave. Identity values are parsed
before use (``integrity.identity_problems``): a malformed one is S04 naming the field, never a
traceback. With a register, every register value the workbook shows is compared: 单位名称 (S08, in the
rules), 主管部门 (S08), 项目名称 and 资金用途 (S04: they are prefilled from the register), amounts (F03).
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Sequence

from .archives import InputFile, collect_inputs
from .errors import FrameworkError, NothingToCheck, UnitDataError
from .i18n import both, t
from .findings import FileReport, Finding, Report, finding
from .frameworks import Framework, shipped_framework
from .integrity import identity_problems
from .model import UnitData, load_unit
from .reader import ReadResult, identity_of, json_locations, open_return, read_grid
from .rules import Context, CopyIndex, copied_across, run_rules
from .safe_open import DEFAULT_LIMITS, Limits
from .sandbox import Crashed, Pool, SandboxLimits, run_isolated

__all__ = ["Checked", "CheckRun", "check_unit", "check_file", "check_paths", "check_inputs", "check_across", "annotate",
           "annotate_all", "mark_explained", "load_register_index", "unit_code_from_name", "nothing_found",
           "read_return", "read_return_isolated", "register_findings", "saved_time"]


@dataclass
class Checked:
    """One input file checked: its report, and what the reader made of it (None for JSON input)."""

    path: str
    report: FileReport
    unit: UnitData | None = None
    framework: Framework | None = None
    read: ReadResult | None = None
    size: int = 0
    mtime: float = 0.0
    superseded_by: str | None = None
    # How an unreadable file's report.unit_code was found: "identity" (the workbook's), "name" (the file's).
    attributed_by: str | None = None


@dataclass
class CheckRun:
    """Every return checked, in input order; ``other_files`` are the inputs that are no return."""

    files: list[Checked] = field(default_factory=list)
    other_files: list[InputFile] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """How many inputs were not checked because they are not spreadsheets (for the CLI to say so)."""
        return len(self.other_files)

    @property
    def report(self) -> Report:
        return Report([c.report for c in self.files], [o.display for o in self.other_files])


def load_register_index(path: str | Path | None) -> dict[str, UnitData] | None:
    """The register keyed by 单位编码 (the budget year is irrelevant to the checks)."""
    if path is None:
        return None
    from .register import read_register  # here: checking without a register does not read one

    return {u.unit.code: u for u in read_register(path, 0)}


def mark_explained(findings: list[Finding], unit: UnitData, locations: dict[tuple, tuple[str, str]]) -> None:
    """A warning the unit explained (出错说明 on its row, or on its sheet) is reported as explained.

    Errors cannot be explained away: they must be fixed.
    """
    if not any(f.severity != "error" and f.sheet for f in findings):
        return  # nothing to explain: most returns, and the index below is a pass over every location
    by_cell = {v: k for k, v in locations.items()}
    sheet_notes: dict[str, str | None] = {}
    for key, (sheet, _) in locations.items():
        if key[0] == "project" and len(key) == 2 and key[1] < len(unit.projects):
            sheet_notes[sheet] = unit.projects[key[1]].explanation
        elif key[0] == "dept":
            sheet_notes[sheet] = unit.department_goals.explanation
    for f in findings:
        if f.severity == "error" or not f.sheet:
            continue
        note = None
        key = by_cell.get((f.sheet, f.cell))
        if key and key[0] == "indicator" and key[1] < len(unit.projects):
            indicators = unit.projects[key[1]].indicators
            if key[2] < len(indicators):
                note = indicators[key[2]].explanation
        note = note or sheet_notes.get(f.sheet)
        if note and note.strip():
            f.explained, f.explanation = True, note.strip()


def check_unit(unit: UnitData, framework: Framework, *, locations: dict | None = None,
               register: dict[str, UnitData] | None = None, mode: str = "submit",
               copy_index: CopyIndex | None = None, select: Iterable[str] | None = None,
               skip: Iterable[str] = ()) -> list[Finding]:
    """The catalogue's checks over one unit's data, explained warnings marked."""
    locations = locations if locations is not None else json_locations(unit, framework)
    ctx = Context(unit, framework, where=lambda key: locations.get(key, (None, None)), register=register,
                  copy_index=copy_index)
    out = run_rules(ctx, mode=mode, select=select, skip=skip)
    if register is not None and mode != "draft":
        wanted = set(select) if select is not None else None
        skipped = set(skip)
        out += [f for f in register_findings(unit, register, locations)
                if f.code not in skipped and (wanted is None or f.code in wanted)]
    mark_explained(out, unit, locations)
    return out


def _same_text(a: str | None, b: str | None) -> bool:
    """Equal as shown: control characters and surrounding or repeated white space aside (the writer may
    clean them; the register may carry them)."""
    def norm(x: str | None) -> str:
        x = "".join(ch for ch in (x or "") if not unicodedata.category(ch).startswith("C") or ch in "\n\t")
        return " ".join(unicodedata.normalize("NFC", x).split())
    return norm(a) == norm(b)


def register_findings(unit: UnitData, register: dict[str, UnitData], locations: dict) -> list[Finding]:
    """The register values a workbook shows, compared with the register, beyond what the rules compare
    (单位名称 S08, amounts F03): 主管部门编码/名称 (S08), 项目名称 and 资金用途 (S04, prefilled from
    the register and locked). Without a key a unit can re-sign changed locked values (SHA-256 proves
    no more than an accident), so this is what catches them; a value the register leaves blank (no
    资金用途 column: the unit fills it in) is not compared."""
    issued = register.get(unit.unit.code)
    if issued is None:
        return []  # S08 (not in the register) says it
    out: list[Finding] = []
    unit_cell = locations.get(("unit",), (None, None))
    for attr, label, label_en in (("department_code", "主管部门编码", "department code"),
                                  ("department_name", "主管部门名称", "department name")):
        want, got = getattr(issued.unit, attr), getattr(unit.unit, attr)
        if want and not _same_text(want, got):
            out.append(finding("S08", sheet=unit_cell[0], cell=unit_cell[1], value=got, unit_code=unit.unit.code,
                               what=f"{label}“{got or '（空）'}”与清单的“{want}”不符",
                               what_en=f"its {label_en} '{got or ''}' differs from the register's '{want}'"))
    by_code = {p.code: p for p in issued.projects}
    for pi, p in enumerate(unit.projects):
        reg = by_code.get(p.code)
        if reg is None:
            continue  # X03
        for attr, label, label_en in (("name", "项目名称", "The project name"), ("purpose", "资金用途", "The purpose")):
            want, got = getattr(reg, attr), getattr(p, attr)
            if want and not _same_text(want, got):
                sheet, cell = locations.get(("project", pi, attr), (None, None))
                out.append(finding("S04", sheet=sheet, cell=cell, project_code=p.code, value=got,
                                   what=f"{label}与项目清单不符：清单为“{want}”，工作簿中为“{got or '（空）'}”",
                                   what_en=f"{label_en} differs from the register: '{want}' there, '{got or ''}' here"))
    return out


def check_file(path: str | Path, *, register: dict[str, UnitData] | None = None, framework: Framework | None = None,
               key: bytes | None = None, mode: str = "submit", skip: Iterable[str] = (),
               display: str | None = None, sandbox: SandboxLimits | None = None) -> Checked:
    """Read and check one file: a returned workbook, or a unit's JSON (``.json``), in a sandboxed worker
    process (a file that kills it is S01, never the caller's end).

    ``display`` is the name reports use (e.g. "returns.zip!办公室/115001.xlsx" for an archive entry).
    """
    path = Path(path)
    item = InputFile(display or str(path), path, size=_size(path))
    shared = _Shared(register, framework, key, mode, tuple(skip), slim=False)
    result = run_isolated(_check_job, item, shared, limits=sandbox)
    if isinstance(result, Crashed):
        result = _crashed(item, result, set(register) if register is not None else None)
    return result


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _check_here(path: Path, register, framework, key, mode, skip, display: str | None = None) -> Checked:
    """check_file's work, in the calling process (a sandbox worker)."""
    checked = _check_file(path, register, framework, key, mode, skip)
    if display:
        checked.path = checked.report.path = display
    return checked


def read_return(path: str | Path, *, key: bytes | None = None, framework: Framework | None = None,
                limits: Limits = DEFAULT_LIMITS, sandboxed: bool = False) -> ReadResult:
    """``reader.read_workbook`` with the office's policies in front of the reader; never raises for the
    file's content.

    * The identity's ``framework`` is an id among the shipped frameworks, or the office's own framework
      (``framework``): anything else is S05 naming it, and nothing read from the workbook is ever
      opened as a file (``/dev/zero``, ``/dev/stdin``, ``/etc/passwd``).
    * Every identity value is parsed first (``integrity.identity_problems``): a malformed one is S04
      naming the field, and the workbook is not read further (its addresses and lists cannot be used).

    ``sandboxed=True`` when running in a sandbox worker (lighter pre-checks, see ``safe_open``).
    """
    path = Path(path)
    opened, result = open_return(path, limits=limits, sandboxed=sandboxed)
    if opened is None:
        return result
    ident = identity_of(opened.sheets)
    if ident is not None:
        fid = ident.get("framework") or ""
        if framework is None or framework.id != fid:
            try:
                fw = shipped_framework(fid)
            except FrameworkError:
                result.identity = ident
                shown = fid if len(fid) <= 60 else fid[:60] + "…"
                result.findings.append(finding(
                    "S05", value=shown, what=f"未知的指标体系“{shown}”",
                    what_en=f"an unknown framework '{shown}'",
                    expected=framework.id if framework else "本次下发的指标体系"))
                return result
            framework = framework or fw
        problems = identity_problems(ident)
        if problems:
            result.identity = ident
            for pr in problems:
                result.findings.append(finding(
                    "S04", value=pr.value,
                    what=f"模板标识中的“{pr.field}”（{pr.value or '空'}）{pr.zh}，工作簿无法按模板读取",
                    what_en=f"the template identity's {pr.field} ('{pr.value}') {pr.en}; the workbook cannot be read"))
            return result
    return read_grid(opened.sheets, str(path), key=key, framework=framework, result=result, identity=ident)


def _read_task(path: Path, shared: tuple) -> ReadResult:
    key, framework = shared
    try:
        return read_return(path, key=key, framework=framework, sandboxed=True)
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - the last line of defence, as in _check_job
        r = ReadResult(str(path))
        r.findings.append(finding("S01", reason=f"读取时出现内部错误（{type(e).__name__}），请将此文件提交给 perfxl 维护人员",
                                  reason_en=f"internal error {type(e).__name__}: {e}"))
        return r


def read_return_isolated(path: str | Path, *, key: bytes | None = None, framework: Framework | None = None,
                         sandbox: SandboxLimits | None = None) -> ReadResult:
    """:func:`read_return` in a sandboxed worker: what ``export`` and ``render`` read a workbook with.
    A file that kills the worker gives a ReadResult with its S01."""
    path = Path(path)
    result = run_isolated(_read_task, path, (key, framework), limits=sandbox)
    if isinstance(result, Crashed):
        crashed, result = result, ReadResult(str(path))
        result.findings.append(finding("S01", reason=crashed.reason_zh, reason_en=crashed.reason_en))
    return result


def _unit_data_error(path: Path, load: Callable[[Path], Any] = load_unit) -> str:
    """Why a unit's JSON cannot be used, in the current language."""
    try:
        load(path)
    except UnitDataError as e:
        return str(e)
    return ""


def _check_file(path: Path, register, framework, key, mode, skip) -> Checked:
    stat = path.stat() if path.exists() else None
    if path.suffix.lower() == ".json":
        from .selfeval_check import check_selfeval, is_selfeval_json, load_selfeval

        selfeval = is_selfeval_json(path)  # "form": "selfeval": the self-evaluation's model and rules
        load = load_selfeval if selfeval else load_unit
        try:
            unit = load(path)
        except UnitDataError:
            zh, en = both(lambda: _unit_data_error(path, load))
            report = FileReport(str(path), None, [finding("S01", variant="json", reason=zh, reason_en=en)])
            return Checked(str(path), report)
        fid = unit.framework or "hebei-2023"
        if framework is not None and framework.id == fid:
            fw = framework
        else:
            try:
                fw = shipped_framework(fid)  # an id, never a path: the JSON is the sender's
            except FrameworkError:
                shown = fid if len(fid) <= 60 else fid[:60] + "…"
                report = FileReport(str(path), unit.unit.code, [finding(
                    "S05", value=shown, what=f"未知的指标体系“{shown}”", what_en=f"an unknown framework '{shown}'",
                    expected=framework.id if framework else "本次下发的指标体系")])
                return Checked(str(path), report, size=stat.st_size if stat else 0)
            fw = framework or fw
        findings = (check_selfeval(unit, fw, skip=skip, register=register) if selfeval
                    else check_unit(unit, fw, register=register, mode=mode, skip=skip))
        return Checked(str(path), FileReport(str(path), unit.unit.code, findings), unit, fw,
                       size=stat.st_size if stat else 0, mtime=stat.st_mtime if stat else 0)
    read = read_return(path, key=key, framework=framework, sandboxed=True)
    findings = list(read.findings)
    if read.unit is not None and read.framework is not None:
        if isinstance(read.unit, UnitData):
            findings += check_unit(read.unit, read.framework, locations=read.locations, register=register, mode=mode,
                                   skip=skip)
        else:  # a self-evaluation (绩效自评, recognised from the identity): its rules at its layout's cells
            from .selfeval_check import check_selfeval

            findings += check_selfeval(read.unit, read.framework, locations=read.locations, skip=skip,
                                       register=register)
    if mode == "draft":
        findings = [f for f in findings if f.code.startswith("S")]
    unit_code = read.unit.unit.code if read.unit else None
    report = FileReport(str(path), unit_code, findings, cleaned_cells=list(getattr(read, "control_cells", []) or []))
    return Checked(str(path), report, read.unit, read.framework, read,
                   size=stat.st_size if stat else 0, mtime=stat.st_mtime if stat else 0)


_ACROSS_KEYS = {("project", "code"), ("indicator", "description")}


def _slim(c: Checked) -> Checked:
    """Keep of a file's read only what the checks across files need (the places of project codes and
    indicator descriptions, the saved time): a round of thousands of files then fits in memory."""
    if c.read is not None:
        c.read.identity = None
        c.read.percent_cells = set()
        c.read.locations = {k: v for k, v in c.read.locations.items() if (k[0], k[-1]) in _ACROSS_KEYS}
    return c


_LEADING_DIGITS = re.compile(r"\d+")
_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?!\d)")


def unit_code_from_name(name: str, codes: Collection[str] | None = None) -> str | None:
    """The 单位编码 a file's name carries, or None.

    The digits the name starts with ("115001_单位名称_2024年绩效目标表.xlsx", "115001.xlsx"): a code of the
    register when one is known, else six digits. With a register, a code standing alone elsewhere in the
    name ("教育局108001.xlsx") also counts when it is the only one. Full-width digits count as digits.
    """
    name = unicodedata.normalize("NFKC", name)
    m = _LEADING_DIGITS.match(name)
    if m and ((m.group() in codes) if codes is not None else len(m.group()) == 6):
        return m.group()
    if codes:
        found = {run for run in _DIGIT_RUN.findall(name) if run in codes}
        if len(found) == 1:
            return found.pop()
    return None


def _attribute(c: Checked, name: str, codes: Collection[str] | None) -> Checked:
    """An unreadable file's unit: the workbook's own identity if it was read that far, else its name."""
    if c.unit is not None:
        return c
    ident = c.read.identity if c.read is not None else None
    code = (ident.get("unit_code") or None) if ident is not None else None
    if code:
        c.attributed_by = "identity"
    else:
        code = unit_code_from_name(name, codes)
        c.attributed_by = "name" if code else None
    c.report.unit_code = code
    return c


@dataclass(frozen=True)
class _Shared:
    """What every file of a run is checked with: given once to each sandbox worker."""

    register: dict[str, UnitData] | None
    framework: Framework | None
    key: bytes | None
    mode: str
    skip: tuple[str, ...] = ()
    slim: bool = True  # many files: keep only what the checks across files need
    compact: Callable[[Checked, InputFile], Any] | None = None  # what the run keeps of each file (check_inputs)


def _refused(item: InputFile, codes: Collection[str] | None) -> Checked:
    """An input refused before reading (an archive entry that tried to escape, a bomb...)."""
    checked = Checked(item.display, FileReport(item.display, None, [finding(
        "S01", reason=item.problem, reason_en=item.problem_en or item.problem)]), size=item.size)
    return _attribute(checked, item.name, codes)


def _crashed(item: InputFile, crash: Crashed, codes: Collection[str] | None) -> Checked:
    """The S01 of a file whose sandbox worker died or hit a limit; attributed by its name."""
    checked = Checked(item.display, FileReport(item.display, None, [finding(
        "S01", reason=crash.reason_zh, reason_en=crash.reason_en)]), size=item.size)
    return _attribute(checked, item.name, codes)


def _check_job(item: InputFile, shared: _Shared) -> Checked:
    """One input, in a sandbox worker: read and checked; never raises (but MemoryError, which ends the
    worker and becomes S01 in the parent)."""
    # the register itself answers "is this a unit's code" (a set of its codes, made for every file,
    # cost each worker a pass over 10,000 codes per file of a province round)
    codes = shared.register
    if item.path is None:
        return _refused(item, codes)
    try:
        checked = _check_here(item.path, shared.register, shared.framework, shared.key, shared.mode, shared.skip,
                              display=item.display)
        checked.size = checked.size or item.size
    except MemoryError:
        raise
    except Exception as e:  # the last line of defence: a bug must not lose a file from the round
        path = item.display
        checked = Checked(str(path), FileReport(str(path), None, [finding(
            "S01", reason=f"读取时出现内部错误（{type(e).__name__}），请将此文件提交给 perfxl 维护者",
            reason_en=f"internal error {type(e).__name__}: {e}")]))
    checked = _attribute(checked, item.name, codes)
    if shared.compact is not None:
        return shared.compact(checked, item)
    return _slim(checked) if shared.slim else checked


def nothing_found(paths: Sequence[str | Path], others: Sequence[InputFile], *, consolidating: bool = False) -> str:
    """The message for paths that hold no return: what was given and what was found there."""
    given = t("、", ", ").join(str(p) for p in paths) or "."
    more = "…" if len(others) > 5 else ""
    if consolidating:
        zh = f"{given}：没有可汇总的报送文件（找到 0 个工作簿，{len(others)} 个其他文件"
        en = f"{given}: no returns to consolidate (found 0 workbooks, {len(others)} other file(s)"
    else:
        zh = f"{given}：没有可审核的文件（找到 0 个工作簿，{len(others)} 个其他文件"
        en = f"{given}: nothing to check (found 0 workbooks, {len(others)} other file(s)"
    if others:
        zh += "：" + "、".join(f"{o.name}（{o.what}）" if o.what else o.name for o in others[:5]) + more
        en += ": " + ", ".join(f"{o.name} ({o.what})" if o.what else o.name for o in others[:5]) + more
    return t(zh + "）。请检查给出的文件或文件夹是否正确。", en + "). Are these the right files or folder?")


def check_paths(paths: Sequence[str | Path], *, register: dict[str, UnitData] | None = None,
                framework: Framework | None = None, key: bytes | None = None, mode: str = "submit",
                jobs: int = 1, progress: Callable[[Checked], None] | None = None,
                sandbox: SandboxLimits | None = None) -> CheckRun:
    """Check every file (folders recursively, .zip archives entry by entry), then the rules across
    files. Order of the result = order of the inputs.

    Raises NothingToCheck when the paths hold no return at all (empty, or only other files), and
    PerfxlError for a path that does not exist.
    """
    with collect_inputs(paths) as inputs:
        if not any(i.kind == "return" for i in inputs):
            raise NothingToCheck(nothing_found(paths, inputs))
        return check_inputs(inputs, register=register, framework=framework, key=key, mode=mode, jobs=jobs,
                            progress=progress, sandbox=sandbox)


def check_inputs(files: list[InputFile], *, register: dict[str, UnitData] | None = None,
                 framework: Framework | None = None, key: bytes | None = None, mode: str = "submit",
                 jobs: int = 1, progress: Callable[[Checked], None] | None = None,
                 across: bool = True, sandbox: SandboxLimits | None = None,
                 compact: Callable[[Checked, InputFile], Any] | None = None) -> CheckRun:
    """check_paths on inputs already collected (the archive entries must still exist).

    ``across=False`` leaves the rules across files to the caller (consolidation first decides
    which files belong to the round). Inputs that are not returns go to ``other_files`` unchecked.
    Every file is read in one of ``jobs`` sandboxed worker processes (``perfxl.sandbox``), also for
    ``jobs=1``; ``progress`` is told of each file as it is done (not necessarily in input order), the
    result keeps the input order.

    ``compact(checked, input_file)`` (picklable; with ``across=False``) turns each file's result into
    what the run keeps, in the worker that read it (in this process for a file refused or crashed):
    consolidation keeps a few facts per file, not every unit read, so a round of 10,000 files stays small.
    """
    keep = compact if compact is not None else (lambda c, _item: c)
    returns = [f for f in files if f.kind == "return"]
    run = CheckRun(other_files=[f for f in files if f.kind != "return"])
    codes = set(register) if register is not None else None
    done: list[Checked | None] = [None] * len(returns)
    readable = [i for i, f in enumerate(returns) if f.path is not None]
    for i, f in enumerate(returns):
        if f.path is None:
            done[i] = keep(_refused(f, codes), f)
            if progress:
                progress(done[i])
    if readable:
        shared = _Shared(register, framework, key, mode, compact=compact)
        with Pool(_check_job, shared, jobs=min(jobs, len(readable)), limits=sandbox) as pool:
            for k, result in pool.run([returns[i] for i in readable]):
                item = returns[readable[k]]
                checked = keep(_crashed(item, result, codes), item) if isinstance(result, Crashed) else result
                done[readable[k]] = checked
                if progress:
                    progress(checked)
    run.files = [c for c in done if c is not None]
    if mode != "draft" and across:
        check_across(run)
    return run


_OLDEST = datetime.min.replace(tzinfo=timezone.utc)
_W3CDTF = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
                     r"\s*(Z|[+-]\d{2}:?\d{2})?", re.ASCII)


def saved_time(text: str | None) -> datetime:
    """A workbook's ``dcterms:modified`` as a UTC datetime; anything that is not a W3C date-time
    (``x``, an empty text, 31 February) is the oldest time there is, so it never beats a real one.
    A time without a zone is taken as UTC (Excel, WPS and LibreOffice all write "Z")."""
    m = _W3CDTF.fullmatch((text or "").strip())
    if m is None:
        return _OLDEST
    year, month, day, hh, mm, ss, frac, zone = m.groups()
    try:
        micro = int((frac or "0")[:6].ljust(6, "0"))
        tz = timezone.utc
        if zone and zone != "Z":
            from datetime import timedelta

            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        value = datetime(int(year), int(month), int(day), int(hh or 0), int(mm or 0), int(ss or 0), micro, tzinfo=tz)
        return value.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return _OLDEST


def _modified_key(c: Checked) -> tuple:
    """Newest first by the workbook's own last-saved time (parsed; unparseable ranks oldest), then by
    the file's time, then by name (so the choice never depends on the order the files came in)."""
    return (saved_time(c.read.modified if c.read else None), c.mtime, c.path)


def take_latest(by_unit: dict[str, list], newest: Callable[[Any], tuple]) -> list:
    """Of each unit's files the newest (by ``newest``) is taken; when a unit sent several, each of them
    gets X04 naming the one taken. Shared by ``check_across`` and consolidation, whose records differ
    but both carry ``path``, ``report`` and ``superseded_by``."""
    taken = []
    for code, group in by_unit.items():
        group.sort(key=newest, reverse=True)
        taken.append(group[0])
        if len(group) > 1:
            names = [os.path.basename(g.path) for g in group]
            for g in group[1:]:
                g.superseded_by = group[0].path
            for g in group:
                g.report.findings.append(finding("X04", unit_code=code, count=len(group), taken=names[0],
                                                 superseded="、".join(names[1:]), value=g.path))
    return taken


def check_across(run: CheckRun, eligible: Callable[[Checked], bool] = lambda c: True) -> list[Checked]:
    """X04 resubmissions (the newest is taken), X01 across units, X02 copied from another unit;
    over the files ``eligible`` admits. Returns the files taken, one per unit."""
    by_unit: dict[str, list[Checked]] = {}
    for c in run.files:
        if c.unit is not None and eligible(c):
            by_unit.setdefault(c.unit.unit.code, []).append(c)
    taken: list[Checked] = take_latest(by_unit, _modified_key)
    owners: dict[str, Checked] = {}
    for c in taken:
        for pi, p in enumerate(c.unit.projects):
            first = owners.setdefault(p.code, c)
            if first is not c:
                sheet, cell = c.read.where(("project", pi, "code")) if c.read else (None, None)
                c.report.findings.append(finding(
                    "X01", sheet=sheet, cell=cell, project_code=p.code, value=p.code, code=p.code,
                    what=f"也出现在单位 {first.unit.unit.code} 的工作簿（{os.path.basename(first.path)}）中",
                    what_en=f"also appears in unit {first.unit.unit.code}'s workbook"))
    by_id = {id(c.unit): c for c in taken}
    for unit, pi, ii, text, other in copied_across([c.unit for c in taken if isinstance(c.unit, UnitData)]):
        c = by_id[id(unit)]
        sheet, cell = c.read.where(("indicator", pi, ii, "description")) if c.read else (None, None)
        p = unit.projects[pi]
        c.report.findings.append(finding("X02", sheet=sheet, cell=cell, project_code=p.code,
                                         value=p.indicators[ii].description, text=text, other=other.name))
    return taken


def annotate(checked: Checked, out_dir: str | Path, *, key: bytes | None = None,
             password: str | None = None) -> Path | None:
    """The annotated return of one checked workbook: the unit's data in a fresh workbook from the
    writer, every finding marked at its cell. None when the file could not be read into a unit."""
    if checked.unit is None or checked.framework is None:
        return None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{Path(checked.path).stem}_审核意见.xlsx"
    data = _writer_of(checked.unit)(checked.unit, checked.framework, key=key, password=password,
                                    findings=checked.report.findings)
    tmp = target.with_suffix(".xlsx.part")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target


def _writer_of(unit: Any) -> Callable[..., bytes]:
    """The writer of the unit's form: the goal table's, or the self-evaluation's (绩效自评)."""
    if isinstance(unit, UnitData):
        from .writer import render_workbook  # here: only annotating writes a workbook

        return render_workbook
    from .selfeval_writer import render_selfeval_workbook

    return render_selfeval_workbook


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def _annotated_name(checked: Checked, used: set[str], avoid: set[Path], out: Path) -> str:
    """``<stem>_审核意见.xlsx``, made safe for Windows and unique in this run: a second return of the same
    name (``a/r.xlsx`` and ``b/r.xlsx``), or a name that is one of the inputs, gets ``(2)``, ``(3)``..."""
    stem = _UNSAFE_NAME.sub("_", Path(checked.path.replace("\\", "/").rsplit("!", 1)[-1]).stem).strip(" .") or "return"
    while len(stem.encode("utf-8")) > 180:
        stem = stem[:-1]
    n = 1
    while True:
        name = f"{stem}_审核意见.xlsx" if n == 1 else f"{stem}_审核意见({n}).xlsx"
        if name.casefold() not in used and Path(os.path.realpath(out / name)) not in avoid:
            used.add(name.casefold())
            return name
        n += 1


def annotate_all(run: CheckRun, out_dir: str | Path, *, key: bytes | None = None, password: str | None = None,
                 protected: Iterable[str | Path] = ()) -> list:
    """The annotated return of every readable workbook of a run, written as one set into ``out_dir``
    (staged, then moved into place; see ``outputs.write_folder_files``). Two returns of the same name
    never overwrite each other, and no input (``protected``) is ever replaced. Returns the
    ``outputs.Written`` of each file, so a message can count what was really written."""
    from .outputs import write_folder_files

    out = Path(out_dir)
    avoid = {Path(os.path.realpath(p)) for p in protected}
    todo = [c for c in run.files if c.unit is not None and c.framework is not None]

    def write_all(staging: Path) -> list[Path]:
        staging.mkdir(parents=True, exist_ok=True)
        used: set[str] = set()
        made = []
        for c in todo:
            target = staging / _annotated_name(c, used, avoid, out)
            target.write_bytes(_writer_of(c.unit)(c.unit, c.framework, key=key, password=password,
                                                  findings=c.report.findings))
            made.append(target)
        return made

    if not todo:
        return []
    return write_folder_files(out, write_all, protected=protected)
