"""Consolidate a round: every unit's return into one summary for the finance office.

Reader + rules over every input file (in parallel processes), then the decisions only a whole round
allows: which files belong to this round and this register, which copy of a resubmitted unit is
taken (the newest by the workbook's own saved time, then the file's), what is missing. The result is
a set of tables (pandas DataFrames on demand, for notebooks; streamed to the summary workbook, CSV
and Parquet by ``perfxl.summary``) and the check report; every input file appears exactly once in
文件清单 with what became of it (a cover letter or a PDF as 其他文件, never a finding).

The round's figures (汇总's 概况 and 问题按规则, 提交情况's counts) all count one set of files: the adopted
ones, one per unit. What the other files carry (a superseded copy, an unreadable file) is shown beside,
in its own column or row, never added in. A unit whose only return cannot be read has still sent
something: 提交情况 says 已报送（无法读取）, not 未报送.

Both forms of the yearly cycle are consolidated here: goal tables (绩效目标表) and self-evaluations
(绩效自评表), each return's form told by its workbook's identity. A round is one form (decide_round);
what a self-evaluation keeps and the tables it adds are declared in ``selfeval_consolidate``, and
everything else (reading, spill, decisions, 提交情况, 问题清单, 文件清单, the writers) is shared.

A round in which nothing matches (no return at all, or none of a register unit) is an input problem
(NothingToCheck, RoundMismatch: the folder or the register is probably the wrong one), never an empty
summary with a budget year of None.

Memory flat in the number of workbooks
--------------------------------------
A province round is 10,000 workbooks and a million indicator rows: held as units read, that is about
0.9 MB a workbook. So each sandbox worker hands back a :class:`Received` (the file's report and the
few facts the decisions across the round need, about 2 KB) and writes the file's project and
indicator rows to a spill file of its own (pickled, one record per file) in the round's temporary
folder (:class:`RoundStore`). The register is kept compressed (:class:`CompactRegister`), read in a
child process so that its objects never swell this one. The checks across files run over the
Received facts: X04 and X01 directly, X02 on the few units whose indicator wording another unit
shares word for word (hashes find them; only their texts are read back from the spill). The tables
are then produced row by row from the spill, in the order the summary shows them, and written
without ever being held whole. ``Consolidation.tables[key]`` still gives a DataFrame (built on first
use, for notebooks and tests), and the writers use a DataFrame that was built (and maybe edited).
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import sys
import tempfile
import weakref
import zlib
from array import array
from collections import Counter
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from .catalogue import CATALOGUE, SEVERITY_ZH
from .check import (Checked, CheckRun, check_inputs, load_register_index, nothing_found, saved_time,
                    unit_code_from_name)
from .archives import InputFile, collect_inputs
from .errors import NothingToCheck, RoundMismatch
from .findings import SEVERITY_ORDER, FileReport, Finding, Report, finding
from .i18n import t
from .layout import GOALS_FORM, SELFEVAL_FORM
from .frameworks import OPERATOR_FROM_JSON, Framework
from .model import (V2_INDICATOR_COLUMNS, V2_PROJECT_COLUMNS, Indicator, Project, Unit, UnitData, indicator_tables,
                    v2_indicator_cells, v2_project_cells)
from .sandbox import SandboxLimits
from . import selfeval_consolidate as selfeval

__all__ = ["Consolidation", "consolidate", "decide_round", "STATUS", "TABLE_SHEETS", "Received", "RoundStore",
           "CompactRegister", "TABLE_COLUMNS", "FORMS", "form_of_unit"]

# What became of an input file (文件清单 状态).
STATUS = {"taken": "采用", "superseded": "作废（重复报送）", "unreadable": "无法读取", "not_in_register": "不在清单",
          "other_year": "其他年度", "other_form": "其他表样", "other": "其他文件"}
# The forms a round can collect (layout.Form names) and what a workbook of each is called.
GOALS, SELFEVAL = GOALS_FORM.name, SELFEVAL_FORM.name
FORMS = {f.name: f.title for f in (GOALS_FORM, SELFEVAL_FORM)}
# What became of a unit of the register (提交情况 状态); they add up to 应报单位.
UNIT_STATE = {"valid": "通过", "invalid": "有错误", "unreadable": "已报送（无法读取）", "missing": "未报送"}
_OVERVIEW_STATE = {"valid": "通过（无错误）"}  # 概况's label where it differs from 提交情况's 状态
# The integer columns of each table (nullable Int64: a count is never written 1.0, nor left blank for 0).
_COUNT_COLUMNS = {"submissions": ["清单项目数", "报送份数", "错误", "提示", "已说明"],
                  "departments": ["应报单位", "已报送单位"], "rules": ["次数", "未采用文件中"],
                  "files": ["大小(字节)", "错误", "提示"], "indicators": ["序号"]}
# Table key -> sheet name of the summary workbook, in the order the office reads them.
TABLE_SHEETS = {"submissions": "提交情况", "projects": "项目", "indicators": "指标", "findings": "问题清单",
                "files": "文件清单"}
# The columns of the tables whose columns do not depend on the round (项目's milestones and 一级指标 do).
TABLE_COLUMNS = {
    "submissions": ["主管部门编码", "主管部门名称", "单位编码", "单位名称", "清单项目数", "清单预算数", "是否报送", "报送份数",
                    "采用文件", "错误", "提示", "已说明", "状态", "说明"],
    "indicators": ["单位编码", "单位名称", "项目编码", "项目名称", "序号", "一级指标", "二级指标", "三级指标", "绩效指标描述",
                   "符号", "指标值", "计量单位", "指标值说明", "指标值确定依据", "原始填写", "出错说明"],
    "findings": ["文件", "单位编码", "工作表", "单元格", "项目编码", "代码", "类别", "问题与修改建议", "已说明", "单位说明",
                 "文件状态"],
    "files": ["文件", "SHA-256", "大小(字节)", "单位编码", "状态", "说明", "错误", "提示"],
}
# How a column's values are typed in the Parquet file (and formatted in the summary): "int" counts,
# "number" amounts, "text", and "value" — what a unit typed where a number belongs (预算数, 指标值...):
# numbers, unless some unit typed text there this round (then text, numbers written as in the CSV).
# Columns not listed are "text".
_KINDS = {"清单项目数": "int", "报送份数": "int", "错误": "int", "提示": "int", "已说明": "int", "大小(字节)": "int",
          "序号": "int", "指标数": "int", "清单预算数": "number", "应报单位": "int", "已报送单位": "int",
          "已报送预算数": "number", "次数": "int", "未采用文件中": "int",
          "预算数": "value", "财政资金": "value", "其他资金": "value", "指标值": "value", "权重": "value"}
# Which flag bit of Received.flags says that a "value" column held text in a file.
_TEXT_FUNDS, _TEXT_PLAN, _TEXT_VALUE, _TEXT_WEIGHT = 1, 2, 4, 8
_VALUE_FLAGS = {"预算数": _TEXT_FUNDS, "财政资金": _TEXT_FUNDS, "其他资金": _TEXT_FUNDS, "指标值": _TEXT_VALUE,
                "权重": _TEXT_WEIGHT}
_SPACE = re.compile(r"\s+")  # how copied_across (rules.py) keys an indicator's wording

# Schema version 2 in the summary (Received.v2, Consolidation.v2): which of its column groups a return
# calls for. The 项目 sheet gets model.V2_PROJECT_COLUMNS (项目属性, 实施期, 资金来源, 实施期目标) after 绩效目标;
# the 指标 sheet gets 指标表 after 项目名称 and 指标值类型, 权重, 指标方向 after 计量单位, and its rows then
# cover every indicator table: each project's 年度 then 实施期 rows, then the unit's 部门整体 rows (项目编码
# and 项目名称 blank), 序号 counting within each table.
#
# A group is shown when some adopted return's framework declares one of its fields, or the return
# carries one (a JSON unit may, whatever its framework): a field is never dropped unseen, and a round
# of frameworks declaring none (hebei-2023, mof-2021) with data using none gives the summary, CSV and
# Parquet exactly as before schema v2. The 项目 sheet's 一级 counts and 指标数 stay those of the 年度 table.
_V2_PROJECT, _V2_INDICATOR = 1, 2
_V2_PROJECT_FIELDS = frozenset({"attribute", "period", "fund_sources", "period_goals"})
_V2_INDICATOR_FIELDS = frozenset({"value_type", "weight", "direction", "period_goals", "department_indicators"})
# Where things are in a spilled record: a project's where-cell (its v2 cells follow as one tuple where
# the return's Received.v2 has _V2_PROJECT), an indicator row's where-cell and its v2 cells (_V2_INDICATOR).
_PROJECT_WHERE = 10
_ROW_WHERE, _ROW_V2 = 11, 12
_NO_V2_PROJECT = ("",) * len(V2_PROJECT_COLUMNS)
_ANNUAL = "年度"


# ---------------------------------------------------------------------------------------------- per file


@dataclass(slots=True)
class Received:
    """What the round keeps of one return once its worker has read and checked it: the report and the
    facts the decisions across the round need. Its rows wait in the spill (``spill``)."""

    path: str
    report: FileReport
    size: int = 0
    mtime: float = 0.0
    attributed_by: str | None = None
    superseded_by: str | None = None
    sha256: str = ""
    readable: bool = False               # read into a unit (what ``Checked.unit is not None`` said)
    unit_code: str = ""                  # the workbook's own 单位编码 (readable files)
    unit_name: str = ""
    department_code: str = ""
    department_name: str = ""
    budget_year: int | None = None
    modified: str | None = None          # the workbook's own last-saved time
    framework: tuple | None = None       # (id, level-1 names, milestones)
    project_codes: str = "[]"            # the projects' 项目编码 as one JSON list (a third of a tuple's memory): codes()
    budget: float = 0.0                  # the projects' 预算数 that are numbers, added up
    indicators: int = 0
    copy_keys: bytes = b""               # 8-byte hashes of the indicators' wordings (0: too short to compare); a worker
                                         # moves them to the spill, X02 reads them with RoundStore.copy_keys
    flags: int = 0                       # _TEXT_* bits: a "value" column held text
    v2: int = 0                          # _V2_* bits: the schema-v2 column groups this return calls for
    spill: tuple | None = None           # (file name, offset, lengths of projects, indicators[, department, copy_keys])
    form: str = GOALS                    # the form the workbook's identity (or the JSON's "form") says
    evaluation: Any = None               # a self-evaluation's figures (selfeval_consolidate.Evaluation)

    def codes(self) -> list[str]:
        """The projects' 项目编码, in the workbook's order."""
        return json.loads(self.project_codes)


def _sha256(path: Path | None) -> str:
    if path is None or not path.is_file():
        return ""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _copy_key_hash(description: str | None) -> int:
    """The 8-byte hash of an indicator's wording as copied_across keys it; 0 when too short to compare."""
    key = _SPACE.sub("", description or "")
    if len(key) < 8:
        return 0
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little",
                          signed=True) or 1


def _is_text(v: Any) -> bool:
    return isinstance(v, str) and v != ""


def v2_groups(unit: UnitData, declared: Iterable[str] = ()) -> int:
    """The _V2_* column groups a return calls for: its framework declares (``declared``: the
    framework's ``fields``) or its data carries a field of the group (see the note at _V2_PROJECT)."""
    declared = set(declared)
    out = (_V2_PROJECT if declared & _V2_PROJECT_FIELDS else 0) | (_V2_INDICATOR if declared & _V2_INDICATOR_FIELDS else 0)
    if any(p.attribute is not None or p.period is not None or p.funds.sources or p.period_goals for p in unit.projects):
        out |= _V2_PROJECT
    if unit.department_goals.indicators or any(
            p.period_indicators or any(i.value_type is not None or i.weight is not None or i.direction is not None
                                       for i in p.indicators) for p in unit.projects):
        out |= _V2_INDICATOR
    return out


def _indicator_row(ind: Indicator, where_cell: tuple) -> tuple:
    """An indicator's spilled row: the 指标 columns after 序号 (v1's), then where its description is."""
    return (ind.level1, ind.level2, ind.name, ind.description or "",
            OPERATOR_FROM_JSON.get(ind.operator, ind.operator) if ind.operator else "", ind.value, ind.unit or "",
            ind.value_note or "", ind.basis or "", "" if ind.raw_value is None else str(ind.raw_value),
            ind.explanation or "", where_cell)


def unit_record(unit: UnitData, where: Callable[[tuple], tuple], v2: int = 0) -> tuple[list, list, list]:
    """A unit's spill record: per project (code, name, 预算数, 财政资金, 其他资金, 资金用途, spend plan,
    goals, 一级指标 counts, 指标数, where its code is[, its v2_project_cells]); per project its indicator
    rows (the 指标 columns after 序号, then where its description is[, its v2_indicator_cells]), the
    实施期 rows after the 年度 ones; and the department's rows. The bracketed parts, the 实施期 and the
    department rows are there only where ``v2`` (v2_groups) calls for them: a v1 round spills as before."""
    projects: list = []
    indicators: list[list] = [[] for _ in unit.projects]
    department: list = []
    for pi, p in enumerate(unit.projects):
        counts = Counter(i.level1 for i in p.indicators)
        record = (p.code, p.name, p.funds.total, p.funds.fiscal, p.funds.other, p.purpose or "",
                  dict(p.spend_plan), list(p.goals), dict(counts), len(p.indicators), where(("project", pi, "code")))
        projects.append(record + (v2_project_cells(p),) if v2 & _V2_PROJECT else record)
        if not v2 & _V2_INDICATOR:
            indicators[pi] = [_indicator_row(ind, where(("indicator", pi, ii, "description")))
                              for ii, ind in enumerate(p.indicators)]
    if not v2 & _V2_INDICATOR:
        return projects, indicators, department
    index = {id(p): pi for pi, p in enumerate(unit.projects)}
    for table, p, inds in indicator_tables(unit):
        pi = index[id(p)] if p is not None else None
        key = ("dept_indicator",) if pi is None else ("indicator", pi) if table == _ANNUAL else ("period_indicator", pi)
        rows = department if pi is None else indicators[pi]
        rows.extend(_indicator_row(ind, where((*key, ii, "description"))) + v2_indicator_cells(table, ind)
                    for ii, ind in enumerate(inds))
    return projects, indicators, department


def _flags(unit: UnitData) -> int:
    out = 0
    for p in unit.projects:
        if any(_is_text(v) for v in (p.funds.total, p.funds.fiscal, p.funds.other)):
            out |= _TEXT_FUNDS
        if any(_is_text(v) for v in p.spend_plan.values()):
            out |= _TEXT_PLAN
    for _, _, inds in indicator_tables(unit):
        if any(_is_text(i.value) for i in inds):
            out |= _TEXT_VALUE
        if any(_is_text(i.weight) for i in inds):
            out |= _TEXT_WEIGHT
    return out


def _num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def form_of_unit(unit: Any) -> str:
    """The form of a model the reader or a loader made: a self-evaluation says so, a goal table has none."""
    return getattr(unit, "form", GOALS)


def received(checked: Checked, sha256: str = "", spill: tuple | None = None) -> Received:
    """The Received of a checked file (its rows go to the spill separately: see :class:`_Compactor`;
    a self-evaluation's figures are added there, with its rows)."""
    rec = Received(checked.path, checked.report, size=checked.size, mtime=checked.mtime,
                   attributed_by=checked.attributed_by, sha256=sha256, spill=spill)
    u = checked.unit
    if u is not None:
        fw = checked.framework
        rec.readable = True
        rec.unit_code, rec.unit_name = u.unit.code, u.unit.name
        rec.department_code, rec.department_name = u.unit.department_code or "", u.unit.department_name or ""
        rec.budget_year = u.budget_year
        rec.modified = checked.read.modified if checked.read is not None else None
        rec.framework = (fw.id, tuple(fw.level1_names), tuple(fw.milestones)) if fw is not None else None
        rec.project_codes = json.dumps([p.code for p in u.projects], ensure_ascii=False)
        rec.form = form_of_unit(u)
        if rec.form != GOALS:
            rec.indicators = sum(len(p.indicators) for p in u.projects)
            return rec
        rec.budget = sum(_num(p.funds.total) or 0 for p in u.projects)
        rec.v2 = v2_groups(u, fw.fields if fw is not None else ())
        rec.indicators = sum(len(p.indicators) for p in u.projects)
        if rec.v2 & _V2_INDICATOR:  # its spill holds every table's rows (unit_record)
            rec.indicators += (sum(len(p.period_indicators) for p in u.projects)
                               + len(u.department_goals.indicators))
        rec.copy_keys = array("q", (_copy_key_hash(i.description) for p in u.projects for i in p.indicators)).tobytes()
        rec.flags = _flags(u)
    return rec


_SPILLS: dict[str, Any] = {}  # this process's open spill file, by folder


def _spill_write(folder: str, *parts: Any) -> tuple:
    """Append the pickled parts to this process's spill file in ``folder``; (file name, offset, lengths...)."""
    key = f"{folder}\0{os.getpid()}"
    f = _SPILLS.get(key)
    if f is None:
        f = _SPILLS[key] = open(os.path.join(folder, f"rows-{os.getpid()}.bin"), "ab")
    offset = f.tell()
    blobs = [pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL) for p in parts]
    for b in blobs:
        f.write(b)
    f.flush()  # the parent reads it once the run is over; a worker killed later loses nothing written
    return (os.path.basename(f.name), offset, *(len(b) for b in blobs))


class _Compactor:
    """Run in the sandbox worker after a file is checked (``check_inputs(compact=...)``): the file's
    Received, its rows appended to the worker's spill file. Picklable (a folder name)."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, checked: Checked, item: InputFile) -> tuple:
        rec = received(checked, _sha256(item.path))
        if checked.unit is not None:
            where = checked.read.where if checked.read is not None else (lambda key: (None, None))
            if rec.form == SELFEVAL:
                rec.evaluation, projects, indicators, rec.flags = selfeval.selfeval_record(
                    checked.unit, checked.framework, where)
                rec.spill = _spill_write(self.folder, projects, indicators)
            else:
                projects, indicators, department = unit_record(checked.unit, where, rec.v2)
                # X02's wording hashes wait after the rows, not in the parent (RoundStore.copy_keys)
                rec.spill = _spill_write(self.folder, projects, indicators, department, rec.copy_keys)
                rec.copy_keys = b""
        # The Received waits in the spill too, after its rows; the parent gets where (a few bytes) and
        # reads every Received back once the run is over: while the run goes on, the facts of 10,000
        # files are neither scattered among its short-lived objects nor held twice (as bytes, then as
        # objects), which would keep several times their size resident.
        return _spill_write(self.folder, rec)


class RoundStore:
    """The round's temporary folder: the workers' spill files, read back record by record. Removed
    when the consolidation is closed or garbage-collected (and at exit)."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = str(folder) if folder else tempfile.mkdtemp(prefix="perfxl-round-")
        self._files: dict[str, Any] = {}
        self._texts: dict[str, str] = {}
        self._finalizer = weakref.finalize(self, RoundStore._remove, self.folder, self._files)

    @staticmethod
    def _remove(folder: str, files: dict) -> None:
        for f in files.values():
            f.close()
        files.clear()
        for key in [k for k in _SPILLS if k.startswith(folder + "\0")]:  # records this process wrote
            _SPILLS.pop(key).close()
        shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        self._finalizer()

    def forked(self) -> None:
        """In a process forked from the one holding this store (``table_files``): its spill files are
        opened anew when read. An inherited handle shares its file position with the parent's, which
        reads the same files at the same time; the inherited ones are left to the parent. The folder
        is the parent's to remove: this process's copy of the finalizer is detached."""
        self._finalizer.detach()
        self._files = {}

    def add(self, projects: list, indicators: list, department: list | None = None) -> tuple:
        """Write a record from this process (what a worker does; tests and tools build rounds so)."""
        return _spill_write(self.folder, projects, indicators, *([department] if department else []))

    def _blob(self, spill: tuple, part: int) -> Any:
        name, offset, *lengths = spill
        f = self._files.get(name)
        if f is None:
            f = self._files[name] = open(os.path.join(self.folder, name), "rb")
        f.seek(offset + sum(lengths[:part]))
        return pickle.loads(f.read(lengths[part]))

    def received(self, where: tuple) -> Received:
        """The Received :class:`_Compactor` wrote, from where it said it waits. Texts many files repeat
        (a department's code and name, the form, the spill file's name) are kept once."""
        rec = self._blob(where, 0)
        one = lambda text: self._texts.setdefault(text, text)  # noqa: E731
        rec.department_code, rec.department_name, rec.form = (
            one(rec.department_code), one(rec.department_name), one(rec.form))
        if rec.modified is not None:
            rec.modified = one(rec.modified)  # often the same saved time (a template never re-saved)
        # the report's path and unit code are the Received's (a path is 400 bytes of a file's 2.5 KB)
        if rec.report.path == rec.path:
            rec.report.path = rec.path
        if rec.report.unit_code == rec.unit_code:
            rec.report.unit_code = rec.unit_code
        if rec.spill:
            rec.spill = (one(rec.spill[0]), *rec.spill[1:])
        return rec

    def projects(self, rec: Received) -> list:
        return self._blob(rec.spill, 0) if rec.spill else []

    def indicators(self, rec: Received) -> list:
        return self._blob(rec.spill, 1) if rec.spill else []

    def department(self, rec: Received) -> list:
        """The unit's 部门整体 indicator rows (schema v2; none spilled: [])."""
        return self._blob(rec.spill, 2) if rec.spill and len(rec.spill) > 4 else []

    def copy_keys(self, rec: Received) -> bytes:
        """The hashes of the file's indicator wordings (Received.copy_keys), spilled after its rows by
        the worker: held by every Received until X02 had run, they were 6 MB of a 10,000-file round's
        parent, and the holes they left once let go stayed resident through the summary."""
        if rec.copy_keys:  # a Received built in this process (tests, tools)
            return rec.copy_keys
        return self._blob(rec.spill, 3) if rec.spill and len(rec.spill) > 5 else b""


# ---------------------------------------------------------------------------------------------- register


class CompactRegister(Mapping):
    """The register keyed by 单位编码, each unit kept pickled and compressed: about 1.2 KB a unit instead
    of 17 KB of objects. With ``folder`` (what :func:`consolidate` gives: the round's temporary
    folder), those blobs are written to a file there and read back by offset when a unit is looked up,
    so the process keeps only each unit's offset and facts: a province register of 10,000 units is
    then about 2 MB in memory, not 15, in the office's process and in every worker forked from it.
    A unit is rebuilt when looked up (the last one is kept: the checks look one unit up several times).
    Also carries, per unit, what the summary shows of it (:meth:`facts`)."""

    def __init__(self, units: Iterable[UnitData], folder: str | None = None):
        self._blobs: dict[str, bytes] = {}
        self._at: dict[str, tuple[int, int]] = {}  # with a file: 单位编码 -> (offset, length) in it
        self._facts: dict[str, tuple] = {}
        self._file = os.path.join(folder, REGISTER_FILE) if folder else None
        out = open(self._file, "wb") if self._file else None
        departments: dict[tuple[str, str], tuple[str, str]] = {}
        try:
            pos = 0
            for u in units:
                blob = zlib.compress(pickle.dumps(u, protocol=pickle.HIGHEST_PROTOCOL), 1)
                code = u.unit.code
                if out is None:
                    self._blobs[code] = blob
                else:
                    out.write(blob)
                    self._at[code] = (pos, len(blob))
                    pos += len(blob)
                # a department's code and name once for all its units (they cross to the parent pickled)
                dept = departments.setdefault((u.unit.department_code or "", u.unit.department_name or ""),
                                              (u.unit.department_code or "", u.unit.department_name or ""))
                self._facts[code] = (*dept, code, u.unit.name, len(u.projects),
                                     sum(_num(p.funds.total) or 0 for p in u.projects))
        finally:
            if out is not None:
                out.close()
        self._last: tuple[str, UnitData] | None = None

    def _blob(self, code: str) -> bytes:
        if self._file is None:
            return self._blobs[code]
        offset, length = self._at[code]
        # opened for each lookup: no handle is shared by forked workers (one file position for all)
        # or kept open to stop the folder's removal on Windows
        with open(self._file, "rb") as f:
            f.seek(offset)
            blob = f.read(length)
        if len(blob) != length:
            raise OSError(f"{self._file}: the register's file was cut short")
        return blob

    def __getitem__(self, code: str) -> UnitData:
        last = self._last
        if last is not None and last[0] == code:
            return last[1]
        unit = pickle.loads(zlib.decompress(self._blob(code)))
        self._last = (code, unit)
        return unit

    def __contains__(self, code: object) -> bool:
        return code in self._facts

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)

    def facts(self, code: str) -> tuple:
        """(主管部门编码, 主管部门名称, 单位编码, 单位名称, 清单项目数, 清单预算数)."""
        return self._facts[code]

    def __getstate__(self) -> dict:
        return {"_blobs": self._blobs, "_at": self._at, "_facts": self._facts, "_file": self._file, "_last": None}


REGISTER_FILE = "register.bin"


def _read_register_here(path: str, folder: str | None = None) -> CompactRegister:
    reg = load_register_index(path)
    return CompactRegister(reg.values(), folder)


def _read_register_child(path: str, folder: str | None = None) -> CompactRegister | None:
    """In the child: the register, or None when it cannot be used (the parent then reads it itself, to
    raise the very error, of its own class: RegisterError does not cross a process boundary)."""
    try:
        return _read_register_here(path, folder)
    except Exception:  # noqa: BLE001 - every failure is raised again by the parent's own read
        return None


def read_register_compact(path: str | Path, folder: str | Path | None = None) -> CompactRegister:
    """The register as a CompactRegister, read in a child process: reading builds every unit as
    objects (17 KB a unit, 170 MB for 10,000 units), and that peak stays in the child. A register
    that cannot be used raises its PerfxlError here as it would in this process. ``folder``: where
    the units wait on disk (see :class:`CompactRegister`); it must outlive the register."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    where = str(folder) if folder is not None else None
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method)) as ex:
            read = ex.submit(_read_register_child, str(path), where).result()
    except (BrokenProcessPool, OSError):  # no child process here (a sandboxed host)
        read = None
    return read if read is not None else _read_register_here(str(path), where)


def _facts(reg: Mapping[str, UnitData], code: str) -> tuple:
    if isinstance(reg, CompactRegister):
        return reg.facts(code)
    u = reg[code]
    return (u.unit.department_code or "", u.unit.department_name or "", u.unit.code, u.unit.name, len(u.projects),
            sum(_num(p.funds.total) or 0 for p in u.projects))


# ---------------------------------------------------------------------------------------------- the round


class _Tables(MutableMapping):
    """Consolidation.tables: the small tables as DataFrames, the big ones built as DataFrames on first
    use (for notebooks and tests; the writers stream them instead unless one was built here)."""

    def __init__(self, owner: "Consolidation"):
        self._owner = weakref.ref(owner)
        self._frames: dict[str, pd.DataFrame] = {}

    def built(self, key: str) -> pd.DataFrame | None:
        return self._frames.get(key)

    def __getitem__(self, key: str) -> pd.DataFrame:
        if key not in self._frames:
            owner = self._owner()
            if owner is None or key not in owner.table_keys():
                raise KeyError(key)
            self._frames[key] = owner.frame(key)
        return self._frames[key]

    def __setitem__(self, key: str, value: pd.DataFrame) -> None:
        self._frames[key] = value

    def __delitem__(self, key: str) -> None:
        del self._frames[key]

    def __iter__(self) -> Iterator[str]:
        owner = self._owner()
        return iter(owner.table_keys() if owner is not None else list(self._frames))

    def __len__(self) -> int:
        return len(list(iter(self)))


@dataclass
class Consolidation:
    """A consolidated round: the tables, the report, and the round's facts the 汇总 sheet shows."""

    budget_year: int | None
    run: CheckRun
    register: Mapping[str, UnitData]
    status: dict[str, str] = field(default_factory=dict)  # file display path -> status key
    store: RoundStore | None = None
    taken: list[Received] = field(default_factory=list)
    level1s: list[str] = field(default_factory=list)
    milestones: list[str] = field(default_factory=list)
    text_flags: int = 0
    v2: int = 0  # _V2_* column groups some adopted return calls for (see the note at _V2_PROJECT)
    other_sha256: dict[str, str] = field(default_factory=dict)  # the other files' (hashed while they exist)
    form: str = GOALS  # the form the round collects (decide_round)
    tables: _Tables = field(init=False, repr=False)
    grades: list[str] = field(init=False, repr=False)  # a self-evaluation round's 自评等级 bands, highest first

    def __post_init__(self) -> None:
        self.tables = _Tables(self)
        self.grades = selfeval.grade_names(self.taken) if self.form == SELFEVAL else []

    @property
    def sheets(self) -> dict[str, str]:
        """Table key -> sheet name of the summary workbook's table sheets, for this round's form."""
        return dict(selfeval.SHEETS) if self.form == SELFEVAL else dict(TABLE_SHEETS)

    @property
    def small_keys(self) -> list[str]:
        """The small tables (built eagerly, shown on the 汇总 sheet), for this round's form."""
        return list(selfeval.SMALL) if self.form == SELFEVAL else ["overview", "departments", "rules"]

    # -- what was there before: the report and the three small tables

    @property
    def report(self) -> Report:
        return self.run.report

    @property
    def overview(self) -> pd.DataFrame:
        return self.tables["overview"]

    @property
    def departments(self) -> pd.DataFrame:
        return self.tables["departments"]

    @property
    def rules(self) -> pd.DataFrame:
        return self.tables["rules"]

    def close(self) -> None:
        """Remove the round's temporary files now (they go anyway when this object does)."""
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> "Consolidation":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the tables, row by row

    def table_keys(self) -> list[str]:
        return [*self.small_keys, *self.sheets]

    def columns(self, key: str) -> list[str]:
        built = self.tables.built(key)
        if built is not None:
            return [str(c) for c in built.columns]
        declared = selfeval.columns(key, self.grades) if self.form == SELFEVAL else None
        if declared is not None:
            return declared
        if key == "projects":
            return ["主管部门编码", "主管部门名称", "单位编码", "单位名称", "项目编码", "项目名称", "预算数", "财政资金",
                    "其他资金", "资金用途", *[f"{m}(%)" for m in self.milestones], "绩效目标",
                    *(V2_PROJECT_COLUMNS if self.v2 & _V2_PROJECT else ()), *self.level1s, "指标数", "错误", "提示", "文件"]
        if key == "indicators" and self.v2 & _V2_INDICATOR:
            cols = TABLE_COLUMNS[key]
            at = cols.index("计量单位") + 1
            return [*cols[:4], V2_INDICATOR_COLUMNS[0], *cols[4:at], *V2_INDICATOR_COLUMNS[1:], *cols[at:]]
        if key in TABLE_COLUMNS:
            return list(TABLE_COLUMNS[key])
        return [str(c) for c in self.tables[key].columns]

    def kinds(self, key: str) -> list[str]:
        """Per column: "int", "number", "text", or "value" resolved for this round (see _KINDS)."""
        if self.form == SELFEVAL:
            counts = selfeval.count_columns(key, self.grades)
            return [self._kind(selfeval.KINDS.get(col, "int" if col in counts else _KINDS.get(col, "text")),
                               selfeval.VALUE_FLAGS.get(col, 0)) for col in self.columns(key)]
        out = []
        for col in self.columns(key):
            kind = _KINDS.get(col, "int" if col in self.level1s and key == "projects" else "text")
            if col.endswith("(%)") and key == "projects":
                kind = "value"
            out.append(self._kind(kind, _VALUE_FLAGS.get(col, _TEXT_PLAN)))
        return out

    def _kind(self, kind: str, bit: int) -> str:
        """A "value" column is text when some adopted return typed text there (its ``bit``), else number."""
        if kind == "value":
            return "text" if self.text_flags & bit else "number"
        return kind

    def length(self, key: str) -> int:
        built = self.tables.built(key)
        if built is not None:
            return len(built)
        declared = selfeval.length(self, key) if self.form == SELFEVAL else None
        if declared is not None:
            return declared
        if key == "submissions":
            return len(self.register)
        if key == "projects":
            return sum(len(r.codes()) for r in self.taken)
        if key == "indicators":
            return sum(r.indicators for r in self.taken)
        if key == "findings":
            return sum(len(r.report.findings) for r in self.run.files)
        if key == "files":
            return len(self.run.files) + len(self.run.other_files)
        return len(self.tables[key])

    def rows(self, key: str) -> Iterator[tuple]:
        """The table's rows in order, as tuples of plain values (a DataFrame that was built is used)."""
        built = self.tables.built(key)
        if built is not None:
            return built.itertuples(index=False, name=None)
        declared = selfeval.rows(self, key) if self.form == SELFEVAL else None
        return declared if declared is not None else getattr(self, f"_{key}_rows")()

    def frame(self, key: str) -> pd.DataFrame:
        """The table as a DataFrame (counts as nullable integers; whole-valued shares as integers)."""
        df = pd.DataFrame(list(self.rows(key)), columns=self.columns(key))
        _integers(df, self._count_columns(key))
        if key == "projects" and self.form == GOALS:
            _whole_numbers(df, [f"{m}(%)" for m in self.milestones] + self.level1s + ["指标数", "错误", "提示"])
        return df

    def _count_columns(self, key: str) -> list[str]:
        if self.form == SELFEVAL:
            return selfeval.count_columns(key, self.grades) or _COUNT_COLUMNS.get(key, [])
        return _COUNT_COLUMNS.get(key, [])

    # the small tables are built once, eagerly (consolidate)

    def _small_tables(self) -> None:
        states: Counter = Counter()
        sent = 0
        listed = 0.0
        departments: dict[tuple, dict] = {}
        submissions = list(self._submissions_rows())
        for s in submissions:
            states[s[12]] += 1
            sent += s[6] == "是"
            listed += s[5]
            d = departments.setdefault((s[0], s[1]), {
                "主管部门编码": s[0], "主管部门名称": s[1], "应报单位": 0, "已报送单位": 0, "清单预算数": 0.0,
                "已报送预算数": 0.0})
            d["应报单位"] += 1
            d["已报送单位"] += s[6] == "是"
            d["清单预算数"] += s[5]
        for r in self.taken:
            key = (r.department_code, r.department_name)
            if key in departments:
                departments[key]["已报送预算数"] += r.budget
        file_states = Counter(self.status.values())
        not_taken = [r for r in self.run.files if self.status[r.path] != "taken"]
        figures = ([("已报送项目预算数合计", sum(r.budget for r in self.taken))] if self.form == GOALS
                   else selfeval.overview_rows(self))
        overview = pd.DataFrame([
            ("预算年度", self.budget_year), ("应报单位", len(self.register)), ("已报送单位", sent),
            *[(_OVERVIEW_STATE.get(k, v), states.get(v, 0)) for k, v in UNIT_STATE.items()],
            ("收到文件", len(self.run.files) + len(self.run.other_files)),
            *[(f"文件：{STATUS[k]}", file_states.get(k, 0)) for k in STATUS],
            ("清单预算数合计", listed), *figures,
            ("错误合计", sum(r.report.errors for r in self.taken)),
            ("提示合计", sum(r.report.warnings for r in self.taken)),
            ("未采用文件的错误", sum(r.report.errors for r in not_taken)),
            ("未采用文件的提示", sum(r.report.warnings for r in not_taken)),
        ], columns=["项目", "数值"], dtype=object)
        frames = {
            "overview": overview,
            "departments": pd.DataFrame(list(departments.values()), columns=[
                "主管部门编码", "主管部门名称", "应报单位", "已报送单位", "清单预算数", "已报送预算数"]),
            "rules": pd.DataFrame(_rule_rows(self.taken, not_taken), columns=["代码", "类别", "规则", "次数", "未采用文件中"]),
        }
        if self.form == SELFEVAL:  # its 主管部门 table and 等级分布, from the same 提交情况 rows
            for key, rows in selfeval.small_tables(self, submissions).items():
                frames[key] = pd.DataFrame(rows, columns=self.columns(key))
        for key, df in frames.items():
            self.tables[key] = _integers(df, self._count_columns(key))

    # the big tables, streamed

    def _submissions_rows(self) -> Iterator[tuple]:
        taken_by_unit = {r.unit_code: r for r in self.taken}
        received: dict[str, list[Received]] = {}
        for r in self.run.files:
            code = r.report.unit_code
            if code in self.register and self.status[r.path] in ("taken", "superseded", "unreadable"):
                received.setdefault(code, []).append(r)
        others: dict[str, list[InputFile]] = {}
        for o in self.run.other_files:
            code = unit_code_from_name(o.name, self.register)
            if code:
                others.setdefault(code, []).append(o)
        for code in self.register:
            yield _submission(_facts(self.register, code), taken_by_unit.get(code), received.get(code, []),
                              others.get(code, []))

    @staticmethod
    def project_counts(r: Received) -> dict[str, list[int]]:
        """项目编码 -> [errors, warnings] of a return's findings (the 项目 sheet's 错误 and 提示)."""
        per_project: dict[str, list[int]] = {}
        for f in r.report.findings:
            if f.project_code is not None:
                n = per_project.setdefault(f.project_code, [0, 0])
                n[0] += f.severity == "error"
                n[1] += f.severity == "warning"
        return per_project

    def _projects_rows(self) -> Iterator[tuple]:
        milestones, level1s = self.milestones, self.level1s
        for r in self.taken:
            head = (r.department_code, r.department_name, r.unit_code, r.unit_name)
            per_project = self.project_counts(r)
            for code, name, total, fiscal, other, purpose, plan, goals, counts, n_ind, _, *v2 in self.store.projects(r):
                errors, warnings = per_project.get(code, (0, 0))
                yield (*head, code, name, total, fiscal, other, purpose, *[plan.get(m) for m in milestones],
                       "\n".join(f"{i}.{g}" for i, g in enumerate(goals, start=1)),
                       *((v2[0] if v2 else _NO_V2_PROJECT) if self.v2 & _V2_PROJECT else ()),
                       *[counts.get(name1, 0) for name1 in level1s], n_ind, errors, warnings, r.path)

    def _indicators_rows(self) -> Iterator[tuple]:
        if not self.v2 & _V2_INDICATOR:
            for r in self.taken:
                projects = self.store.projects(r)
                for (code, name, *_), rows in zip(projects, self.store.indicators(r)):
                    for n, row in enumerate(rows, start=1):
                        yield (r.unit_code, r.unit_name, code, name, n, *row[:11])
            return
        for r in self.taken:
            projects = self.store.projects(r)
            tables = [(code, name, rows) for (code, name, *_), rows in zip(projects, self.store.indicators(r))]
            tables.append(("", "", self.store.department(r)))
            for code, name, rows in tables:
                n, table = 0, None
                for row in rows:
                    v2 = row[_ROW_V2:] or (_ANNUAL, "", None, "")  # a return without v2 cells: 年度 only
                    n = n + 1 if v2[0] == table else 1  # 序号 counts within each table
                    table = v2[0]
                    yield (r.unit_code, r.unit_name, code, name, v2[0], n, *row[:7], *v2[1:], *row[7:11])

    def _findings_rows(self) -> Iterator[tuple]:
        for r in self.run.files:
            state = STATUS[self.status[r.path]]
            for f in r.report.sorted_findings():
                yield (r.path, r.report.unit_code or "", f.sheet or "", f.cell or "", f.project_code or "", f.code,
                       SEVERITY_ZH[f.severity], f.message, "是" if f.explained else "", f.explanation or "", state)

    def _files_rows(self) -> Iterator[tuple]:
        for r in self.run.files:
            key = self.status[r.path]
            yield (r.path, r.sha256, r.size, r.report.unit_code or "", STATUS[key], _file_reason(self, r, key),
                   r.report.errors, r.report.warnings)
        for o in self.run.other_files:
            yield (o.display, self.other_sha256.get(o.display, ""), o.size,
                   unit_code_from_name(o.name, self.register) or "", STATUS["other"],
                   f"不是电子表格（{o.what_zh}），未作审核" if o.what_zh else "不是电子表格，未作审核", 0, 0)


def consolidate(paths: Sequence[str | Path], register: str | Path | Mapping[str, UnitData], *,
                budget_year: int | None = None, framework: Framework | None = None, key: bytes | None = None,
                jobs: int = 1, progress: Callable[[None], None] | None = None,
                on_total: Callable[[int], None] | None = None, sandbox: SandboxLimits | None = None,
                form: str | None = None) -> Consolidation:
    """Read and check every input, decide what the round takes, and build the summary tables.

    ``budget_year`` is the round's year; without it, the year most returns carry. ``form`` is the
    round's form ("goals" or "selfeval"); without it, the form most returns are (see decide_round). ``on_total`` is told
    how many files will be read (the ones ``progress`` ticks for, once each, with None). Every file is read in a sandboxed
    worker (``perfxl.sandbox``): one that kills its worker is 无法读取 with its S01, and the round goes
    on. Raises PerfxlError for usage and input problems: a path that does not exist, a broken
    register, NothingToCheck when the paths hold no return, RoundMismatch when no return is of a
    register unit or the year cannot be told. The result holds temporary files until it is closed
    (``with consolidate(...) as c``, ``c.close()``) or garbage-collected.
    """
    store = RoundStore()
    try:
        if isinstance(register, Mapping):
            reg, reg_name = register, ""  # given as data: no file to name
        else:  # its units wait in the round's folder, removed with it
            reg, reg_name = read_register_compact(register, store.folder), str(register)
        with collect_inputs(paths) as inputs:
            returns = [i for i in inputs if i.kind == "return"]
            if not returns:
                raise NothingToCheck(nothing_found(paths, inputs, consolidating=True))
            if on_total:
                on_total(len(returns))
            frameworks: dict[tuple, tuple] = {}

            run = check_inputs(inputs, register=reg, framework=framework, key=key, jobs=jobs,
                               progress=(lambda _packed: progress(None)) if progress else None,
                               across=False, sandbox=sandbox, compact=_Compactor(store.folder))
            other_sha256 = {o.display: _sha256(o.path) for o in run.other_files}
        # Every input's name and path (about 1.3 KB each) is let go before the files' Received are
        # read back (2.5 KB each), which then take the memory the inputs held: read back while the
        # inputs were still held, 10,000 returns raised the peak by 13 MB.
        del inputs, returns
        run.files = [store.received(where) for where in run.files]
        for rec in run.files:  # one copy of each framework's facts, not one per file
            if rec.framework is not None:
                rec.framework = frameworks.setdefault(rec.framework, rec.framework)
        result = decide_round(run, reg, store, budget_year=budget_year, paths=paths, register_name=reg_name,
                              form=form)
        result.other_sha256 = other_sha256
        return result
    except BaseException:
        store.close()
        raise


def decide_round(run: CheckRun, reg: Mapping[str, UnitData], store: RoundStore, *, budget_year: int | None = None,
                 paths: Sequence = (), register_name: str | None = None, form: str | None = None) -> Consolidation:
    """The decisions over the whole round, from what was received (``run.files``: Received, their rows
    in ``store``): its year and form, the files taken, the checks across files, the small tables. What
    :func:`consolidate` does once every file is read; tests and tools build rounds from compact data so.

    A round collects one form. Without ``form``, it is the form most readable workbooks of register
    units are (goal tables on a tie); a workbook of the other form is then not taken, like one of
    another year: 文件清单 says 其他表样 and why, and its unit counts as not sent (a self-evaluation
    in a goals round is not a goal table)."""
    reg_name = register_name or ""
    if form is not None and form not in FORMS:
        raise ValueError(f"unknown form {form!r}")
    _check_matches(paths, reg, reg_name, run)
    forms = Counter(r.form for r in run.files if r.readable and r.unit_code in reg)
    form = form or (SELFEVAL if forms[SELFEVAL] > forms[GOALS] else GOALS)
    years = Counter(r.budget_year for r in run.files if r.readable and r.unit_code in reg and r.form == form)
    year = budget_year or (years.most_common(1)[0][0] if years else None)
    if year is None and forms:
        given = t("、", ", ").join(str(p) for p in paths)
        other = next(iter(forms))
        raise RoundMismatch(t(
            f"{given}：项目清单中单位的工作簿都是{FORMS[other]}，不是本轮的{FORMS[form]}。请检查报送文件夹是否选错。",
            f"{given}: the workbooks of register units are all {other} forms, not this round's {form} form. "
            f"Is the returns folder the wrong one?"))
    if year is None:
        given = t("、", ", ").join(str(p) for p in paths)
        raise RoundMismatch(t(
            f"{given}：项目清单中单位的工作簿没有一个可以读取，无法确定预算年度。请用 --year 指定本轮预算年度。",
            f"{given}: no workbook of a register unit could be read, so the budget year is unknown. "
            f"Give it with --year."))
    taken = across(run.files, store,
                   lambda r: r.readable and r.unit_code in reg and r.budget_year == year and r.form == form)
    for r in run.files:  # X02 has compared the wordings: nothing after reads those a Received built here holds
        r.copy_keys = b""
    taken_ids = {id(r) for r in taken}
    status: dict[str, str] = {}
    for r in run.files:
        if not r.readable:
            status[r.path] = "unreadable"
        elif r.unit_code not in reg:
            status[r.path] = "not_in_register"
        elif r.form != form:
            status[r.path] = "other_form"
        elif r.budget_year != year:
            status[r.path] = "other_year"
        else:
            status[r.path] = "taken" if id(r) in taken_ids else "superseded"
    for o in run.other_files:
        status[o.display] = "other"
    level1s: list[str] = []
    milestones: list[str] = []
    for r in taken:
        if r.framework is not None:
            level1s += [n for n in r.framework[1] if n not in level1s]
            milestones += [m for m in r.framework[2] if m not in milestones]
    result = Consolidation(year, run, reg, status=status, store=store, taken=taken, level1s=level1s,
                           milestones=milestones, form=form)
    for r in taken:
        result.text_flags |= r.flags
        result.v2 |= r.v2
    result._small_tables()
    return result


def _check_matches(paths: Sequence[str | Path], reg: Mapping[str, UnitData], reg_name: str, run: CheckRun) -> None:
    """Raise RoundMismatch when not one return is of a unit of the register (read, or attributed by its
    name): a wrong folder or a wrong register, which must not pass for a round where nobody replied."""
    if any(c.report.unit_code in reg for c in run.files):
        return
    given = t("、", ", ").join(str(p) for p in paths)
    codes = sorted({c.report.unit_code for c in run.files if c.report.unit_code})
    readable = sum(c.readable for c in run.files)
    shown = t("、", ", ").join(codes[:8]) + ("…" if len(codes) > 8 else "")
    # "项目清单 D:/2024/清单.xlsx", or just "项目清单" for a register given as data
    reg_zh = f"项目清单 {reg_name} " if reg_name else "项目清单"
    reg_en = f"the register {reg_name}" if reg_name else "the register"
    if codes:
        zh = (f"{given}：收到的 {len(run.files)} 个工作簿（可读取 {readable} 个）都不属于{reg_zh}中的 "
              f"{len(reg)} 个单位（工作簿的单位编码：{shown}）。请检查报送文件夹或项目清单是否选错。")
        en = (f"{given}: none of the {len(run.files)} workbooks ({readable} readable) is of the {len(reg)} units of "
              f"{reg_en} (their unit codes: {shown}). Is the returns folder or the register the wrong one?")
    else:
        zh = (f"{given}：收到的 {len(run.files)} 个文件都无法读取，文件名也看不出是{reg_zh}中哪个单位的。"
              f"请检查报送文件夹或项目清单是否选错。")
        en = (f"{given}: none of the {len(run.files)} files could be read, nor do their names tell a unit of "
              f"{reg_en}. Is the returns folder or the register the wrong one?")
    raise RoundMismatch(t(zh, en))


# ---------------------------------------------------------------------------------------------- across files


def _modified_key(r: Received) -> tuple:
    """Newest first by the workbook's own last-saved time (parsed; unparseable ranks oldest), then by
    the file's time, then by name (as check.check_across orders resubmissions)."""
    return (saved_time(r.modified), r.mtime, r.path)


def across(files: list[Received], store: RoundStore, eligible: Callable[[Received], bool]) -> list[Received]:
    """check.check_across over Received facts: X04 resubmissions (the newest is taken), X01 across
    units, X02 copied from another unit; over the files ``eligible`` admits, findings appended in the
    same order. Returns the files taken, one per unit."""
    by_unit: dict[str, list[Received]] = {}
    for r in files:
        if eligible(r):
            by_unit.setdefault(r.unit_code, []).append(r)
    from .check import take_latest

    taken: list[Received] = take_latest(by_unit, _modified_key)
    _x01(taken, store)
    _x02(taken, store)
    return taken


def _x01(taken: list[Received], store: RoundStore) -> None:
    """X01: a 项目编码 another unit's return (taken earlier in the round) also holds.

    Only codes whose hash more than one project holds can be such, so those hashes are found first
    (8 bytes a project, sorted), and only their codes are kept by owner: a dict of every code of a
    10,000-unit round (100,000 codes) raised the process by 14 MB for the few codes shared."""
    import numpy as np

    hashes = array("q", (hash(code) for r in taken for code in r.codes()))
    ordered = np.sort(np.frombuffer(hashes, dtype=np.int64))
    repeated = set(ordered[1:][ordered[1:] == ordered[:-1]].tolist())
    del hashes, ordered
    owners: dict[str, Received] = {}
    for r in taken:
        where = None
        for pi, code in enumerate(r.codes()):
            if hash(code) not in repeated:
                continue  # no other project holds this code
            first = owners.setdefault(code, r)
            if first is not r:
                if where is None:
                    where = [p[_PROJECT_WHERE] for p in store.projects(r)]
                sheet, cell = where[pi] if pi < len(where) else (None, None)
                r.report.findings.append(finding(
                    "X01", sheet=sheet, cell=cell, project_code=code, value=code, code=code,
                    what=f"也出现在单位 {first.unit_code} 的工作簿（{os.path.basename(first.path)}）中",
                    what_en=f"also appears in unit {first.unit_code}'s workbook ({os.path.basename(first.path)})"))


def _shared_wordings(copy_keys: Iterable[bytes], most: int, parts: int = 8) -> tuple[list[int], set[int]]:
    """(the units, by index, that hold a wording 2 to ``most`` units hold; those wordings' hashes), from
    each unit's ``Received.copy_keys`` (0: too short to compare, never shared).

    8 bytes an indicator (its hash; each part's units are told from where each unit's hashes end),
    then sorted by wording and unit one part of the hashes at a time (``parts`` by their top bits: a
    wording falls in one part, so each part's counts are whole). At 10,000 returns (700,000
    indicators) this is the peak of the decisions across the round: sorting all of it at once held
    about 20 MB, a part at a time with every hash's unit beside it 8 MB, now 5.5 MB."""
    import numpy as np

    every = array("q")  # one growing buffer (a file's keys are read, added, let go: no hole is left)
    counts = array("q")
    for b in copy_keys:
        every.frombytes(b)
        counts.append(len(b) // 8)
    keys = np.frombuffer(every, dtype=np.int64)
    # where each unit's hashes end: a hash's unit is the first one ending after it
    ends = np.cumsum(np.frombuffer(counts, dtype=np.int64))
    del counts
    # each hash's top byte, seen in place (no copy), its top 3 bits naming the part
    top = keys.view(np.uint8)[7::8] if sys.byteorder == "little" else keys.view(np.uint8)[0::8]
    bits = (parts - 1).bit_length()
    if parts < 1 or parts != 1 << bits or bits > 8:
        raise ValueError(f"parts must be a power of two up to 256, not {parts}")
    units: set[int] = set()
    shared: set[int] = set()
    for part in range(parts):
        at = np.flatnonzero((top >> (8 - bits)) == part) if bits else np.arange(len(keys))
        k, o = keys[at], np.searchsorted(ends, at, side="right").astype(np.int32)
        del at
        nonzero = k != 0
        k, o = k[nonzero], o[nonzero]
        del nonzero
        if not len(k):
            continue
        order = np.argsort(k, kind="stable")  # owners ascend already: stable keeps them so within a wording
        k, o = k[order], o[order]
        del order
        first = np.ones(len(k), dtype=bool)  # the first indicator of each (wording, unit)
        first[1:] = (k[1:] != k[:-1]) | (o[1:] != o[:-1])
        k, o = k[first], o[first]
        del first
        starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))  # each wording's first pair
        holders = np.diff(np.append(starts, len(k)))                       # the units holding it
        sharing = (holders > 1) & (holders <= most)
        if sharing.any():
            units.update(np.unique(o[np.repeat(sharing, holders)]).tolist())
            shared.update(k[starts[sharing]].tolist())
    return sorted(units), shared


def _x02(taken: list[Received], store: RoundStore) -> None:
    """X02 by rules.copied_across, given only the units holding a wording that 2 to COMMON_WORDING_UNITS
    units share word for word (found by hash; the others cannot be flagged), rebuilt from the spill
    with their projects whole and every other indicator's wording left out (the positions kept)."""
    from .rules import COMMON_WORDING_UNITS, copied_across

    if len(taken) < 2:
        return
    candidates, shared_set = _shared_wordings((store.copy_keys(r) for r in taken), COMMON_WORDING_UNITS)
    if not candidates:
        return
    thin: list[UnitData] = []
    by_id: dict[int, tuple[Received, list]] = {}
    for i in candidates:
        r = taken[i]
        hashes = array("q")
        hashes.frombytes(store.copy_keys(r))
        projects, indicators = store.projects(r), store.indicators(r)
        made, k = [], 0
        for (code, name, _, _, _, purpose, _, goals, *_), rows in zip(projects, indicators):
            inds = []
            for row in rows:
                if row[_ROW_V2:_ROW_V2 + 1] not in ((), (_ANNUAL,)):
                    continue  # a 实施期 row (after the 年度 ones): X02 compares 年度 wordings, as copy_keys holds
                inds.append(Indicator("", "", "", description=row[3] if hashes[k] in shared_set else None))
                k += 1
            made.append(Project(code, name, purpose=purpose or None, goals=list(goals), indicators=inds))
        u = UnitData(0, Unit(r.unit_code, r.unit_name), made)
        thin.append(u)
        by_id[id(u)] = (r, indicators)
    for u, pi, ii, text, other in copied_across(thin):
        r, indicators = by_id[id(u)]
        sheet, cell = indicators[pi][ii][_ROW_WHERE]
        p = u.projects[pi]
        r.report.findings.append(finding("X02", sheet=sheet, cell=cell, project_code=p.code,
                                         value=indicators[pi][ii][3] or None, text=text, other=other.name))


# ---------------------------------------------------------------------------------------------- table rows


def _severity_label(found: list[Finding]) -> str:
    """The severities a rule's findings actually have, worst first ("必须修改、提示" when mixed)."""
    present = sorted({f.severity for f in found}, key=SEVERITY_ORDER.__getitem__)
    return "、".join(SEVERITY_ZH[s] for s in present)


def _integers(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Counts as integers in every output (pandas turns an int column with a blank into floats)."""
    for col in columns:
        if col in df.columns:
            df[col] = pd.to_numeric(df[col]).round().astype("Int64")
    return df


def _whole_numbers(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Numeric columns whose every value is whole (percentages of a spend plan) as integers, so 20 is not
    written 20.0; a column with a fraction or with text keeps its values as they are."""
    for col in columns:
        values = df[col].dropna()
        if len(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer()
                               for v in values):
            df[col] = pd.to_numeric(df[col]).astype("Int64")
    return df


def _submission(facts: tuple, t_: Received | None, received: list[Received], others: list[InputFile]) -> tuple:
    """One unit's row of 提交情况: its counts are those of the adopted file (0 when none was adopted)."""
    dept_code, dept_name, code, name, n_projects, listed = facts
    unreadable = [r for r in received if not r.readable]
    if t_ is not None:
        state = UNIT_STATE["valid"] if t_.report.valid else UNIT_STATE["invalid"]
    else:
        state = UNIT_STATE["unreadable"] if unreadable else UNIT_STATE["missing"]
    notes = []
    if unreadable:
        names = "、".join(Path(r.path.rsplit("!", 1)[-1]).name for r in unreadable)
        reason = next((f.message for f in unreadable[0].report.findings if f.code.startswith("S")), "")
        notes.append(f"无法读取：{names}" + (f"（{reason}）" if reason and t_ is None else ""))
    if others and t_ is None:
        notes.append("收到的非表格文件：" + "、".join(o.name for o in others))
    return (dept_code, dept_name, code, name, n_projects, listed, "是" if received else "否", len(received),
            t_.path if t_ else "", t_.report.errors if t_ else 0, t_.report.warnings if t_ else 0,
            sum(f.explained for f in t_.report.findings) if t_ else 0, state, "；".join(notes))


def _file_reason(c: Consolidation, r: Received, key: str) -> str:
    if key == "unreadable":
        reason = next((f.message for f in r.report.findings if f.code in ("S01", "S02", "S03", "S04", "S05")), "")
        if r.attributed_by == "name":
            reason = f"按文件名归属单位 {r.report.unit_code}；" + reason
        return reason
    if key == "not_in_register":
        return f"单位 {r.unit_code} 不在项目清单中"
    if key == "other_year":
        return f"{r.budget_year} 年度的工作簿，本轮为 {c.budget_year} 年度"
    if key == "other_form":
        return f"这是{FORMS.get(r.form, r.form)}，本轮汇总的是{FORMS[c.form]}"
    if key == "superseded":
        return f"已采用较新的 {r.superseded_by}" if r.superseded_by else "已采用同一单位的另一份"
    return ""


def _rule_rows(taken: list[Received], not_taken: list[Received]) -> list[dict]:
    """问题按规则: 次数 over the adopted files (the set 概况 counts), 未采用文件中 over the rest (superseded,
    unreadable, not in the register, another year) beside it, never added in. 类别 names the severities
    the counted findings really have (those of the adopted files; of the others when the rule fired only
    there), worst first."""
    adopted: dict[str, list[Finding]] = {}
    rest: dict[str, list[Finding]] = {}
    for group, into in ((taken, adopted), (not_taken, rest)):
        for r in group:
            for f in r.report.findings:
                into.setdefault(f.code, []).append(f)
    rows = [{"代码": code, "类别": _severity_label(adopted.get(code) or rest[code]), "规则": CATALOGUE[code].title_zh,
             "次数": len(adopted.get(code, [])), "未采用文件中": len(rest.get(code, []))}
            for code in set(adopted) | set(rest)]
    return sorted(rows, key=lambda r: (-r["次数"], -r["未采用文件中"], r["代码"]))
