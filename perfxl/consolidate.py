"""Consolidate a round: every unit's return into one summary for the finance office.

Reader + rules over every input file (in parallel processes), then the decisions only a whole round
allows: which files belong to this round and this register, which copy of a resubmitted unit is
taken (the newest by the workbook's own saved time, then the file's), what is missing. The result is
a set of pandas DataFrames (for notebooks, CSV and the summary workbook alike) and the check report;
every input file appears exactly once in 文件清单 with what became of it (a cover letter or a PDF as
其他文件, never a finding).

The round's figures (汇总's 概况 and 问题按规则, 提交情况's counts) all count one set of files: the adopted
ones, one per unit. What the other files carry (a superseded copy, an unreadable file) is shown beside,
in its own column or row, never added in. A unit whose only return cannot be read has still sent
something: 提交情况 says 已报送（无法读取）, not 未报送.

A round in which nothing matches (no return at all, or none of a register unit) is an input problem
(NothingToCheck, RoundMismatch: the folder or the register is probably the wrong one), never an empty
summary with a budget year of None.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from .catalogue import CATALOGUE, SEVERITY_ZH
from .check import (Checked, CheckRun, check_across, check_inputs, load_register_index, nothing_found,
                    unit_code_from_name)
from .archives import InputFile, collect_inputs
from .errors import NothingToCheck, RoundMismatch
from .findings import SEVERITY_ORDER, Finding, Report
from .i18n import t
from .frameworks import OPERATOR_FROM_JSON, Framework
from .model import UnitData
from .sandbox import SandboxLimits

__all__ = ["Consolidation", "consolidate", "STATUS", "TABLE_SHEETS"]

# What became of an input file (文件清单 状态).
STATUS = {"taken": "采用", "superseded": "作废（重复报送）", "unreadable": "无法读取", "not_in_register": "不在清单",
          "other_year": "其他年度", "other": "其他文件"}
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


@dataclass
class Consolidation:
    """A consolidated round: the tables, the report, and the round's facts the 汇总 sheet shows."""

    budget_year: int | None
    run: CheckRun
    register: dict[str, UnitData]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)  # file display path -> status key

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


def _sha256(path: Path | None) -> str:
    if path is None or not path.is_file():
        return ""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def consolidate(paths: Sequence[str | Path], register: str | Path | dict[str, UnitData], *,
                budget_year: int | None = None, framework: Framework | None = None, key: bytes | None = None,
                jobs: int = 1, progress: Callable[[Checked], None] | None = None,
                on_total: Callable[[int], None] | None = None, sandbox: SandboxLimits | None = None) -> Consolidation:
    """Read and check every input, decide what the round takes, and build the summary tables.

    ``budget_year`` is the round's year; without it, the year most returns carry. ``on_total`` is told
    how many files will be read (the ones ``progress`` ticks for). Every file is read in a sandboxed
    worker (``perfxl.sandbox``): one that kills its worker is 无法读取 with its S01, and the round goes
    on. Raises PerfxlError for usage and input
    problems: a path that does not exist, a broken register, NothingToCheck when the paths hold no
    return, RoundMismatch when no return is of a register unit or the year cannot be told.
    """
    reg = register if isinstance(register, dict) else load_register_index(register)
    reg_name = str(register) if not isinstance(register, dict) else t("项目清单", "the register")
    with collect_inputs(paths) as inputs:
        returns = [i for i in inputs if i.kind == "return"]
        if not returns:
            raise NothingToCheck(nothing_found(paths, inputs, consolidating=True))
        if on_total:
            on_total(len(returns))
        run = check_inputs(inputs, register=reg, framework=framework, key=key, jobs=jobs, progress=progress,
                           across=False, sandbox=sandbox)
        hashes = {i.display: (_sha256(i.path), i.size) for i in inputs}
    _check_matches(paths, reg, reg_name, run)
    years = Counter(c.unit.budget_year for c in run.files if c.unit is not None and c.unit.unit.code in reg)
    year = budget_year or (years.most_common(1)[0][0] if years else None)
    if year is None:
        given = t("、", ", ").join(str(p) for p in paths)
        raise RoundMismatch(t(
            f"{given}：项目清单中单位的工作簿没有一个可以读取，无法确定预算年度。请用 --year 指定本轮预算年度。",
            f"{given}: no workbook of a register unit could be read, so the budget year is unknown. "
            f"Give it with --year."))

    def eligible(c: Checked) -> bool:
        return c.unit is not None and c.unit.unit.code in reg and c.unit.budget_year == year

    taken = check_across(run, eligible)
    taken_ids = {id(c) for c in taken}
    status: dict[str, str] = {}
    for c in run.files:
        if c.unit is None:
            status[c.path] = "unreadable"
        elif c.unit.unit.code not in reg:
            status[c.path] = "not_in_register"
        elif c.unit.budget_year != year:
            status[c.path] = "other_year"
        else:
            status[c.path] = "taken" if id(c) in taken_ids else "superseded"
    for o in run.other_files:
        status[o.display] = "other"
    result = Consolidation(year, run, reg, status=status)
    result.tables = _tables(result, taken, hashes, framework)
    return result


def _check_matches(paths: Sequence[str | Path], reg: dict[str, UnitData], reg_name: str, run: CheckRun) -> None:
    """Raise RoundMismatch when not one return is of a unit of the register (read, or attributed by its
    name): a wrong folder or a wrong register, which must not pass for a round where nobody replied."""
    if any(c.report.unit_code in reg for c in run.files):
        return
    given = t("、", ", ").join(str(p) for p in paths)
    codes = sorted({c.report.unit_code for c in run.files if c.report.unit_code})
    readable = sum(c.unit is not None for c in run.files)
    shown = t("、", ", ").join(codes[:8]) + ("…" if len(codes) > 8 else "")
    if codes:
        zh = (f"{given}：收到的 {len(run.files)} 个工作簿（可读取 {readable} 个）都不属于项目清单 {reg_name} 中的 "
              f"{len(reg)} 个单位（工作簿的单位编码：{shown}）。请检查报送文件夹或项目清单是否选错。")
        en = (f"{given}: none of the {len(run.files)} workbooks ({readable} readable) is of the {len(reg)} units of "
              f"{reg_name} (their unit codes: {shown}). Is the returns folder or the register the wrong one?")
    else:
        zh = (f"{given}：收到的 {len(run.files)} 个文件都无法读取，文件名也看不出是项目清单 {reg_name} 中哪个单位的。"
              f"请检查报送文件夹或项目清单是否选错。")
        en = (f"{given}: none of the {len(run.files)} files could be read, nor do their names tell a unit of "
              f"{reg_name}. Is the returns folder or the register the wrong one?")
    raise RoundMismatch(t(zh, en))


def _unit_row(u: UnitData) -> dict:
    return {"主管部门编码": u.unit.department_code or "", "主管部门名称": u.unit.department_name or "",
            "单位编码": u.unit.code, "单位名称": u.unit.name}


def _num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


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


def _unit_files(c: Consolidation) -> dict[str, list[Checked]]:
    """Per unit of the register, every return received from it this round (readable or not)."""
    out: dict[str, list[Checked]] = {}
    for ch in c.run.files:
        code = ch.report.unit_code
        if code in c.register and c.status[ch.path] in ("taken", "superseded", "unreadable"):
            out.setdefault(code, []).append(ch)
    return out


def _other_file_units(c: Consolidation) -> dict[str, list[InputFile]]:
    """Per unit of the register, the other files (not spreadsheets) whose name carries its code."""
    out: dict[str, list[InputFile]] = {}
    for o in c.run.other_files:
        code = unit_code_from_name(o.name, c.register)
        if code:
            out.setdefault(code, []).append(o)
    return out


def _submission(u: UnitData, t_: Checked | None, received: list[Checked], others: list[InputFile]) -> dict:
    """One unit's row of 提交情况: its counts are those of the adopted file (0 when none was adopted)."""
    unreadable = [ch for ch in received if ch.unit is None]
    if t_ is not None:
        state = UNIT_STATE["valid"] if t_.report.valid else UNIT_STATE["invalid"]
    else:
        state = UNIT_STATE["unreadable"] if unreadable else UNIT_STATE["missing"]
    notes = []
    if unreadable:
        names = "、".join(Path(ch.path.rsplit("!", 1)[-1]).name for ch in unreadable)
        reason = next((f.message for f in unreadable[0].report.findings if f.code.startswith("S")), "")
        notes.append(f"无法读取：{names}" + (f"（{reason}）" if reason and t_ is None else ""))
    if others and t_ is None:
        notes.append("收到的非表格文件：" + "、".join(o.name for o in others))
    return {**_unit_row(u), "清单项目数": len(u.projects),
            "清单预算数": sum(_num(p.funds.total) or 0 for p in u.projects),
            "是否报送": "是" if received else "否", "报送份数": len(received),
            "采用文件": t_.path if t_ else "", "错误": t_.report.errors if t_ else 0,
            "提示": t_.report.warnings if t_ else 0,
            "已说明": sum(f.explained for f in t_.report.findings) if t_ else 0, "状态": state,
            "说明": "；".join(notes)}


def _file_reason(c: Consolidation, ch: Checked, key: str) -> str:
    if key == "unreadable":
        reason = next((f.message for f in ch.report.findings if f.code in ("S01", "S02", "S03", "S04", "S05")), "")
        if ch.attributed_by == "name":
            reason = f"按文件名归属单位 {ch.report.unit_code}；" + reason
        return reason
    if key == "not_in_register":
        return f"单位 {ch.unit.unit.code} 不在项目清单中"
    if key == "other_year":
        return f"{ch.unit.budget_year} 年度的工作簿，本轮为 {c.budget_year} 年度"
    if key == "superseded":
        return f"已采用较新的 {ch.superseded_by}" if ch.superseded_by else "已采用同一单位的另一份"
    return ""


def _tables(c: Consolidation, taken: list[Checked], hashes: dict, framework: Framework | None) -> dict[str, pd.DataFrame]:
    reg = c.register
    taken_by_unit = {t_.unit.unit.code: t_ for t_ in taken}
    received = _unit_files(c)
    other_by_unit = _other_file_units(c)

    # 提交情况: every unit of the register.
    submissions = [_submission(u, taken_by_unit.get(code), received.get(code, []), other_by_unit.get(code, []))
                   for code, u in reg.items()]

    # 项目 and 指标: the taken workbooks only.
    level1s: list[str] = []
    for t_ in taken:
        fw = t_.framework or framework
        for name in (fw.level1_names if fw else []):
            if name not in level1s:
                level1s.append(name)
    milestones: list[str] = []
    for t_ in taken:
        for m in (t_.framework.milestones if t_.framework else []):
            if m not in milestones:
                milestones.append(m)
    project_columns = ["主管部门编码", "主管部门名称", "单位编码", "单位名称", "项目编码", "项目名称", "预算数", "财政资金",
                       "其他资金", "资金用途", *[f"{m}(%)" for m in milestones], "绩效目标", *level1s, "指标数", "错误",
                       "提示", "文件"]
    projects, indicators = [], []
    for t_ in taken:
        u = t_.unit
        for p in u.projects:
            counts = Counter(i.level1 for i in p.indicators)
            per_project = [f for f in t_.report.findings if f.project_code == p.code]
            row = {**_unit_row(u), "项目编码": p.code, "项目名称": p.name, "预算数": p.funds.total,
                   "财政资金": p.funds.fiscal, "其他资金": p.funds.other, "资金用途": p.purpose or ""}
            row.update({f"{m}(%)": p.spend_plan.get(m) for m in milestones})
            row["绩效目标"] = "\n".join(f"{i}.{g}" for i, g in enumerate(p.goals, start=1))
            row.update({name: counts.get(name, 0) for name in level1s})
            row.update({"指标数": len(p.indicators), "错误": sum(f.severity == "error" for f in per_project),
                        "提示": sum(f.severity == "warning" for f in per_project), "文件": t_.path})
            projects.append(row)
            for n, ind in enumerate(p.indicators, start=1):
                indicators.append({
                    "单位编码": u.unit.code, "单位名称": u.unit.name, "项目编码": p.code, "项目名称": p.name,
                    "序号": n, "一级指标": ind.level1, "二级指标": ind.level2, "三级指标": ind.name,
                    "绩效指标描述": ind.description or "",
                    "符号": OPERATOR_FROM_JSON.get(ind.operator, ind.operator) if ind.operator else "",
                    "指标值": ind.value, "计量单位": ind.unit or "", "指标值说明": ind.value_note or "",
                    "指标值确定依据": ind.basis or "",
                    "原始填写": "" if ind.raw_value is None else str(ind.raw_value),
                    "出错说明": ind.explanation or ""})

    # 问题清单: every finding of every file, with what became of the file.
    findings = [{"文件": ch.path, "单位编码": ch.report.unit_code or "", "工作表": f.sheet or "", "单元格": f.cell or "",
                 "项目编码": f.project_code or "", "代码": f.code, "类别": SEVERITY_ZH[f.severity],
                 "问题与修改建议": f.message, "已说明": "是" if f.explained else "", "单位说明": f.explanation or "",
                 "文件状态": STATUS[c.status[ch.path]]}
                for ch in c.run.files for f in ch.report.sorted_findings()]

    # 文件清单: every input once, other files included.
    files = []
    for ch in c.run.files:
        digest, size = hashes.get(ch.path, ("", ch.size))
        key = c.status[ch.path]
        files.append({"文件": ch.path, "SHA-256": digest, "大小(字节)": size, "单位编码": ch.report.unit_code or "",
                      "状态": STATUS[key], "说明": _file_reason(c, ch, key),
                      "错误": ch.report.errors, "提示": ch.report.warnings})
    for o in c.run.other_files:
        digest, size = hashes.get(o.display, ("", o.size))
        files.append({"文件": o.display, "SHA-256": digest, "大小(字节)": size,
                      "单位编码": unit_code_from_name(o.name, reg) or "", "状态": STATUS["other"],
                      "说明": f"不是电子表格（{o.what_zh}），未作审核" if o.what_zh else "不是电子表格，未作审核",
                      "错误": 0, "提示": 0})

    # 汇总: the round at a glance, budget by 主管部门, findings by rule; all over the adopted files.
    states = Counter(s["状态"] for s in submissions)
    file_states = Counter(c.status.values())
    not_taken = [ch for ch in c.run.files if c.status[ch.path] != "taken"]
    overview = pd.DataFrame([
        ("预算年度", c.budget_year), ("应报单位", len(reg)), ("已报送单位", sum(s["是否报送"] == "是" for s in submissions)),
        *[(_OVERVIEW_STATE.get(k, v), states.get(v, 0)) for k, v in UNIT_STATE.items()],
        ("收到文件", len(c.run.files) + len(c.run.other_files)),
        *[(f"文件：{STATUS[k]}", file_states.get(k, 0)) for k in STATUS],
        ("清单预算数合计", sum(s["清单预算数"] for s in submissions)),
        ("已报送项目预算数合计", sum(_num(p["预算数"]) or 0 for p in projects)),
        ("错误合计", sum(ch.report.errors for ch in taken)), ("提示合计", sum(ch.report.warnings for ch in taken)),
        ("未采用文件的错误", sum(ch.report.errors for ch in not_taken)),
        ("未采用文件的提示", sum(ch.report.warnings for ch in not_taken)),
    ], columns=["项目", "数值"], dtype=object)
    departments: dict[tuple, dict] = {}
    for s in submissions:
        d = departments.setdefault((s["主管部门编码"], s["主管部门名称"]), {
            "主管部门编码": s["主管部门编码"], "主管部门名称": s["主管部门名称"], "应报单位": 0, "已报送单位": 0,
            "清单预算数": 0.0, "已报送预算数": 0.0})
        d["应报单位"] += 1
        d["已报送单位"] += s["是否报送"] == "是"
        d["清单预算数"] += s["清单预算数"]
    for p in projects:
        key = (p["主管部门编码"], p["主管部门名称"])
        if key in departments:
            departments[key]["已报送预算数"] += _num(p["预算数"]) or 0
    tables = {
        "overview": overview,
        "departments": pd.DataFrame(list(departments.values()),
                                    columns=["主管部门编码", "主管部门名称", "应报单位", "已报送单位", "清单预算数", "已报送预算数"]),
        "rules": pd.DataFrame(_rule_rows(taken, not_taken), columns=["代码", "类别", "规则", "次数", "未采用文件中"]),
        "submissions": pd.DataFrame(submissions, columns=[
            "主管部门编码", "主管部门名称", "单位编码", "单位名称", "清单项目数", "清单预算数", "是否报送", "报送份数", "采用文件",
            "错误", "提示", "已说明", "状态", "说明"]),
        "projects": _whole_numbers(pd.DataFrame(projects, columns=project_columns),
                                   [f"{m}(%)" for m in milestones] + level1s + ["指标数", "错误", "提示"]),
        "indicators": pd.DataFrame(indicators, columns=[
            "单位编码", "单位名称", "项目编码", "项目名称", "序号", "一级指标", "二级指标", "三级指标", "绩效指标描述", "符号",
            "指标值", "计量单位", "指标值说明", "指标值确定依据", "原始填写", "出错说明"]),
        "findings": pd.DataFrame(findings, columns=["文件", "单位编码", "工作表", "单元格", "项目编码", "代码", "类别",
                                                    "问题与修改建议", "已说明", "单位说明", "文件状态"]),
        "files": pd.DataFrame(files, columns=["文件", "SHA-256", "大小(字节)", "单位编码", "状态", "说明", "错误", "提示"]),
    }
    for key, columns in _COUNT_COLUMNS.items():
        _integers(tables[key], columns)
    return tables


def _rule_rows(taken: list[Checked], not_taken: list[Checked]) -> list[dict]:
    """问题按规则: 次数 over the adopted files (the set 概况 counts), 未采用文件中 over the rest (superseded,
    unreadable, not in the register, another year) beside it, never added in. 类别 names the severities
    the counted findings really have (those of the adopted files; of the others when the rule fired only
    there), worst first."""
    adopted: dict[str, list[Finding]] = {}
    rest: dict[str, list[Finding]] = {}
    for group, into in ((taken, adopted), (not_taken, rest)):
        for ch in group:
            for f in ch.report.findings:
                into.setdefault(f.code, []).append(f)
    rows = [{"代码": code, "类别": _severity_label(adopted.get(code) or rest[code]), "规则": CATALOGUE[code].title_zh,
             "次数": len(adopted.get(code, [])), "未采用文件中": len(rest.get(code, []))}
            for code in set(adopted) | set(rest)]
    return sorted(rows, key=lambda r: (-r["次数"], -r["未采用文件中"], r["代码"]))
