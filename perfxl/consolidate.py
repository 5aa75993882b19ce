"""Consolidate a round: every unit's return into one summary for the finance office.

Reader + rules over every input file (in parallel processes), then the decisions only a whole round
allows: which files belong to this round and this register, which copy of a resubmitted unit is
taken (the newest by the workbook's own saved time, then the file's), what is missing. The result is
a set of pandas DataFrames (for notebooks, CSV and the summary workbook alike) and the check report;
every input file appears exactly once in 文件清单 with what became of it.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from .catalogue import CATALOGUE, SEVERITY_ZH
from .check import Checked, CheckRun, check_across, check_inputs, load_register_index
from .archives import collect_inputs
from .findings import Report
from .frameworks import OPERATOR_FROM_JSON, Framework
from .model import UnitData

__all__ = ["Consolidation", "consolidate", "STATUS", "TABLE_SHEETS"]

# What became of an input file (文件清单 状态).
STATUS = {"taken": "采用", "superseded": "作废（重复报送）", "unreadable": "无法读取", "not_in_register": "不在清单",
          "other_year": "其他年度"}
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
                on_total: Callable[[int], None] | None = None) -> Consolidation:
    """Read and check every input, decide what the round takes, and build the summary tables.

    ``budget_year`` is the round's year; without it, the year most returns carry. Raises PerfxlError
    only for usage problems (a path that does not exist, a broken register).
    """
    reg = register if isinstance(register, dict) else load_register_index(register)
    with collect_inputs(paths) as inputs:
        if on_total:
            on_total(len(inputs))
        run = check_inputs(inputs, register=reg, framework=framework, key=key, jobs=jobs, progress=progress,
                           across=False)
        hashes = {i.display: (_sha256(i.path), i.size) for i in inputs}
    years = Counter(c.unit.budget_year for c in run.files if c.unit is not None and c.unit.unit.code in reg)
    year = budget_year or (years.most_common(1)[0][0] if years else None)

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
    result = Consolidation(year, run, reg, status=status)
    result.tables = _tables(result, taken, hashes, framework)
    return result


def _unit_row(u: UnitData) -> dict:
    return {"主管部门编码": u.unit.department_code or "", "主管部门名称": u.unit.department_name or "",
            "单位编码": u.unit.code, "单位名称": u.unit.name}


def _num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _tables(c: Consolidation, taken: list[Checked], hashes: dict, framework: Framework | None) -> dict[str, pd.DataFrame]:
    reg = c.register
    taken_by_unit = {t.unit.unit.code: t for t in taken}
    submitted_count = Counter(ch.unit.unit.code for ch in c.run.files if c.status[ch.path] in ("taken", "superseded"))

    # 提交情况: every unit of the register.
    submissions = []
    for code, u in reg.items():
        t = taken_by_unit.get(code)
        state = "未报送" if t is None else ("有错误" if not t.report.valid else "通过")
        submissions.append({**_unit_row(u), "清单项目数": len(u.projects),
                            "清单预算数": sum(_num(p.funds.total) or 0 for p in u.projects),
                            "是否报送": "是" if t else "否", "报送份数": submitted_count.get(code, 0),
                            "采用文件": t.path if t else "", "错误": t.report.errors if t else None,
                            "提示": t.report.warnings if t else None,
                            "已说明": sum(f.explained for f in t.report.findings) if t else None, "状态": state})

    # 项目 and 指标: the taken workbooks only.
    level1s: list[str] = []
    for t in taken:
        fw = t.framework or framework
        for name in (fw.level1_names if fw else []):
            if name not in level1s:
                level1s.append(name)
    milestones: list[str] = []
    for t in taken:
        for m in (t.framework.milestones if t.framework else []):
            if m not in milestones:
                milestones.append(m)
    project_columns = ["主管部门编码", "主管部门名称", "单位编码", "单位名称", "项目编码", "项目名称", "预算数", "财政资金",
                       "其他资金", "资金用途", *[f"{m}(%)" for m in milestones], "绩效目标", *level1s, "指标数", "错误",
                       "提示", "文件"]
    projects, indicators = [], []
    for t in taken:
        u = t.unit
        for p in u.projects:
            counts = Counter(i.level1 for i in p.indicators)
            per_project = [f for f in t.report.findings if f.project_code == p.code]
            row = {**_unit_row(u), "项目编码": p.code, "项目名称": p.name, "预算数": p.funds.total,
                   "财政资金": p.funds.fiscal, "其他资金": p.funds.other, "资金用途": p.purpose or ""}
            row.update({f"{m}(%)": p.spend_plan.get(m) for m in milestones})
            row["绩效目标"] = "\n".join(f"{i}.{g}" for i, g in enumerate(p.goals, start=1))
            row.update({name: counts.get(name, 0) for name in level1s})
            row.update({"指标数": len(p.indicators), "错误": sum(f.severity == "error" for f in per_project),
                        "提示": sum(f.severity == "warning" for f in per_project), "文件": t.path})
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

    # 问题清单: every finding of every file.
    findings = [{"文件": ch.path, "单位编码": ch.report.unit_code or "", "工作表": f.sheet or "", "单元格": f.cell or "",
                 "项目编码": f.project_code or "", "代码": f.code, "类别": SEVERITY_ZH[f.severity],
                 "问题与修改建议": f.message, "已说明": "是" if f.explained else "", "单位说明": f.explanation or "",
                 "文件状态": STATUS[c.status[ch.path]]}
                for ch in c.run.files for f in ch.report.sorted_findings()]

    # 文件清单: every input once.
    files = []
    for ch in c.run.files:
        digest, size = hashes.get(ch.path, ("", ch.size))
        key = c.status[ch.path]
        reason = ""
        if key == "unreadable":
            reason = next((f.message for f in ch.report.findings if f.code in ("S01", "S02", "S03")), "")
        elif key == "not_in_register":
            reason = f"单位 {ch.unit.unit.code} 不在项目清单中"
        elif key == "other_year":
            reason = f"{ch.unit.budget_year} 年度的工作簿，本轮为 {c.budget_year} 年度"
        elif key == "superseded":
            reason = f"已采用较新的 {ch.superseded_by}"
        files.append({"文件": ch.path, "SHA-256": digest, "大小(字节)": size,
                      "单位编码": ch.unit.unit.code if ch.unit else "", "状态": STATUS[key], "说明": reason,
                      "错误": ch.report.errors, "提示": ch.report.warnings})

    # 汇总: the round at a glance, budget by 主管部门, findings by rule.
    states = Counter(s["状态"] for s in submissions)
    file_states = Counter(c.status.values())
    overview = pd.DataFrame([
        ("预算年度", c.budget_year or ""), ("应报单位", len(reg)), ("已报送单位", len(taken)),
        ("通过（无错误）", states.get("通过", 0)), ("有错误", states.get("有错误", 0)), ("未报送", states.get("未报送", 0)),
        ("收到文件", len(c.run.files)), *[(f"文件：{STATUS[k]}", file_states.get(k, 0)) for k in STATUS],
        ("清单预算数合计", sum(s["清单预算数"] for s in submissions)),
        ("已报送项目预算数合计", sum(_num(p["预算数"]) or 0 for p in projects)),
        ("错误合计", sum(ch.report.errors for ch in taken)), ("提示合计", sum(ch.report.warnings for ch in taken)),
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
    by_rule = Counter(f["代码"] for f in findings)
    rules = [{"代码": code, "类别": SEVERITY_ZH[CATALOGUE[code].severity], "规则": CATALOGUE[code].title_zh, "次数": n}
             for code, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))]
    return {
        "overview": overview,
        "departments": pd.DataFrame(list(departments.values()),
                                    columns=["主管部门编码", "主管部门名称", "应报单位", "已报送单位", "清单预算数", "已报送预算数"]),
        "rules": pd.DataFrame(rules, columns=["代码", "类别", "规则", "次数"]),
        "submissions": pd.DataFrame(submissions, columns=[
            "主管部门编码", "主管部门名称", "单位编码", "单位名称", "清单项目数", "清单预算数", "是否报送", "报送份数", "采用文件",
            "错误", "提示", "已说明", "状态"]),
        "projects": pd.DataFrame(projects, columns=project_columns),
        "indicators": pd.DataFrame(indicators, columns=[
            "单位编码", "单位名称", "项目编码", "项目名称", "序号", "一级指标", "二级指标", "三级指标", "绩效指标描述", "符号",
            "指标值", "计量单位", "指标值说明", "指标值确定依据", "原始填写", "出错说明"]),
        "findings": pd.DataFrame(findings, columns=["文件", "单位编码", "工作表", "单元格", "项目编码", "代码", "类别",
                                                    "问题与修改建议", "已说明", "单位说明", "文件状态"]),
        "files": pd.DataFrame(files, columns=["文件", "SHA-256", "大小(字节)", "单位编码", "状态", "说明", "错误", "提示"]),
    }
