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
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection, Iterable, Sequence

from .archives import InputFile, collect_inputs
from .errors import NothingToCheck, UnitDataError
from .i18n import both, t
from .findings import FileReport, Finding, Report, finding
from .frameworks import Framework, load_framework
from .model import UnitData, load_unit
from .reader import ReadResult, json_locations, read_workbook
from .rules import Context, CopyIndex, copied_across, run_rules

__all__ = ["Checked", "CheckRun", "check_unit", "check_file", "check_paths", "check_inputs", "check_across", "annotate",
           "mark_explained", "load_register_index", "unit_code_from_name", "nothing_found"]


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
    mark_explained(out, unit, locations)
    return out


def check_file(path: str | Path, *, register: dict[str, UnitData] | None = None, framework: Framework | None = None,
               key: bytes | None = None, mode: str = "submit", skip: Iterable[str] = (),
               display: str | None = None) -> Checked:
    """Read and check one file: a returned workbook, or a unit's JSON (``.json``).

    ``display`` is the name reports use (e.g. "returns.zip!办公室/115001.xlsx" for an archive entry).
    """
    path = Path(path)
    checked = _check_file(path, register, framework, key, mode, skip)
    if display:
        checked.path = checked.report.path = display
    return checked


def _unit_data_error(path: Path) -> str:
    """Why a unit's JSON cannot be used, in the current language."""
    try:
        load_unit(path)
    except UnitDataError as e:
        return str(e)
    return ""


def _check_file(path: Path, register, framework, key, mode, skip) -> Checked:
    stat = path.stat() if path.exists() else None
    if path.suffix.lower() == ".json":
        try:
            unit = load_unit(path)
        except UnitDataError:
            zh, en = both(lambda: _unit_data_error(path))
            report = FileReport(str(path), None, [finding("S01", variant="json", reason=zh, reason_en=en)])
            return Checked(str(path), report)
        fw = framework or load_framework(unit.framework or "hebei-2023")
        findings = check_unit(unit, fw, register=register, mode=mode, skip=skip)
        return Checked(str(path), FileReport(str(path), unit.unit.code, findings), unit, fw,
                       size=stat.st_size if stat else 0, mtime=stat.st_mtime if stat else 0)
    read = read_workbook(path, key=key, framework=framework)
    findings = list(read.findings)
    if read.unit is not None and read.framework is not None:
        findings += check_unit(read.unit, read.framework, locations=read.locations, register=register, mode=mode,
                               skip=skip)
    if mode == "draft":
        findings = [f for f in findings if f.code.startswith("S")]
    unit_code = read.unit.unit.code if read.unit else None
    return Checked(str(path), FileReport(str(path), unit_code, findings), read.unit, read.framework, read,
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


def _check_job(args: tuple) -> Checked:
    item, register, framework, key, mode = args
    codes = set(register) if register is not None else None
    if item.path is None:  # refused before reading (an archive entry that tried to escape, a bomb...)
        checked = Checked(item.display, FileReport(item.display, None, [finding(
            "S01", reason=item.problem, reason_en=item.problem_en or item.problem)]), size=item.size)
        return _attribute(checked, item.name, codes)
    try:
        checked = check_file(item.path, register=register, framework=framework, key=key, mode=mode,
                             display=item.display)
    except Exception as e:  # the last line of defence: a bug must not lose a file from the round
        path = item.display
        checked = Checked(str(path), FileReport(str(path), None, [finding(
            "S01", reason=f"读取时出现内部错误（{type(e).__name__}），请将此文件提交给 perfxl 维护者",
            reason_en=f"internal error {type(e).__name__}: {e}")]))
    return _slim(_attribute(checked, item.name, codes))


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
                jobs: int = 1, progress: Callable[[Checked], None] | None = None) -> CheckRun:
    """Check every file (folders recursively, .zip archives entry by entry), then the rules across
    files. Order of the result = order of the inputs.

    Raises NothingToCheck when the paths hold no return at all (empty, or only other files), and
    PerfxlError for a path that does not exist.
    """
    with collect_inputs(paths) as inputs:
        if not any(i.kind == "return" for i in inputs):
            raise NothingToCheck(nothing_found(paths, inputs))
        return check_inputs(inputs, register=register, framework=framework, key=key, mode=mode, jobs=jobs,
                            progress=progress)


def check_inputs(files: list[InputFile], *, register: dict[str, UnitData] | None = None,
                 framework: Framework | None = None, key: bytes | None = None, mode: str = "submit",
                 jobs: int = 1, progress: Callable[[Checked], None] | None = None,
                 across: bool = True) -> CheckRun:
    """check_paths on inputs already collected (the archive entries must still exist).

    ``across=False`` leaves the rules across files to the caller (consolidation first decides
    which files belong to the round). Inputs that are not returns go to ``other_files`` unchecked.
    """
    returns = [f for f in files if f.kind == "return"]
    args = [(f, register, framework, key, mode) for f in returns]
    run = CheckRun(other_files=[f for f in files if f.kind != "return"])
    if jobs > 1 and len(returns) > 1:
        from concurrent.futures import ProcessPoolExecutor  # here: 20 ms of imports a one-file check skips

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for checked in pool.map(_check_job, args, chunksize=max(1, len(returns) // (jobs * 8))):
                run.files.append(checked)
                if progress:
                    progress(checked)
    else:
        for a in args:
            run.files.append(_check_job(a))
            if progress:
                progress(run.files[-1])
    if mode != "draft" and across:
        check_across(run)
    return run


def _modified_key(c: Checked) -> tuple:
    """Newest first by the workbook's own last-saved time, then by the file's time."""
    modified = c.read.modified if c.read and c.read.modified else ""
    return (modified, c.mtime, c.path)


def check_across(run: CheckRun, eligible: Callable[[Checked], bool] = lambda c: True) -> list[Checked]:
    """X04 resubmissions (the newest is taken), X01 across units, X02 copied from another unit;
    over the files ``eligible`` admits. Returns the files taken, one per unit."""
    by_unit: dict[str, list[Checked]] = {}
    for c in run.files:
        if c.unit is not None and eligible(c):
            by_unit.setdefault(c.unit.unit.code, []).append(c)
    taken: list[Checked] = []
    for code, group in by_unit.items():
        group.sort(key=_modified_key, reverse=True)
        taken.append(group[0])
        if len(group) > 1:
            names = [os.path.basename(g.path) for g in group]
            for g in group[1:]:
                g.superseded_by = group[0].path
            for g in group:
                g.report.findings.append(finding("X04", unit_code=code, count=len(group), taken=names[0],
                                                 superseded="、".join(names[1:]), value=g.path))
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
    for unit, pi, ii, text, other in copied_across([c.unit for c in taken]):
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
    from .writer import render_workbook  # here: only annotating writes a workbook

    data = render_workbook(checked.unit, checked.framework, key=key, password=password,
                           findings=checked.report.findings)
    tmp = target.with_suffix(".xlsx.part")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target
