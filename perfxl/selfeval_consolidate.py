"""Consolidation of a self-evaluation (绩效自评) round: only what differs from a goals round.

:mod:`perfxl.consolidate` runs both forms through one machinery: the returns read and checked in
sandboxed workers, each kept as a compact ``Received`` with its rows in the round's spill, the
decisions across the round (its year and form, resubmissions X04, X01), 提交情况, 问题清单, 文件清单 and
问题按规则, streamed to the summary workbook, CSV and Parquet by :mod:`perfxl.summary`. A
self-evaluation differs in two places, both declared here:

* what its worker keeps: :func:`evaluation` (the few figures the round's small tables add up, about
  100 bytes a return) and :func:`selfeval_record` (the spilled project and indicator rows);
* the tables built from them: 重点关注 (projects below the pass mark, then targets missed without a
  reason), 单位自评 (per register unit), 主管部门 (per 主管部门), 等级分布, and the form's 项目 and 指标.

Every score is the one :func:`perfxl.selfeval_rules.score_project` computes from what the unit typed
(the workbook's cached 得分/总分 are checked by E03, never summed up), and a miss "without a reason" is
exactly what rule E05 reports (the rule is run, with the framework's settings). The pass mark is the
minimum of the framework's second-lowest 自评等级 band (60: 中 ≥ 60, 差 below).
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Callable, Iterator, NamedTuple

from .frameworks import Framework
from .selfeval_model import SelfEvalUnit
from .selfeval_rules import run_selfeval_rules, score_project
from .selfeval_scoring import number, scoring_of

if TYPE_CHECKING:  # pragma: no cover
    from .consolidate import Consolidation, Received

__all__ = ["Evaluation", "selfeval_record", "SHEETS", "CSV_NAMES", "SMALL", "columns", "count_columns",
           "KINDS", "VALUE_FLAGS", "rows", "length", "grade_names", "overview_rows", "small_tables", "UNGRADED"]

# Table key -> sheet name, in the order the office reads them (the 汇总 sheet comes first).
SHEETS = {"attention": "重点关注", "units": "单位自评", "submissions": "提交情况", "projects": "项目", "indicators": "指标",
          "findings": "问题清单", "files": "文件清单"}
# The small tables, on the 汇总 sheet (and each as a CSV and Parquet file).
SMALL = ["overview", "departments", "grades", "rules"]
CSV_NAMES = {"overview": "汇总", "departments": "主管部门", "grades": "等级分布", "rules": "问题按规则", **SHEETS}
UNGRADED = "未能评分"  # a project whose 总分 cannot be computed (an input missing or not a number)

# Where things are in a spilled project record: its code's cell at the goal record's place (consolidate's
# _PROJECT_WHERE), so X01 reads both forms alike.
_P_CODE, _P_NAME, _P_INITIAL, _P_BUDGET, _P_EXECUTED, _P_RATE, _P_FUNDS_SCORE, _P_TOTAL, _P_GRADE, _P_COUNT, \
    _P_WHERE, _P_ACHIEVEMENT = range(12)
# ... and in an indicator row.
_I_LEVEL1, _I_LEVEL2, _I_NAME, _I_TARGET, _I_ACTUAL, _I_POINTS, _I_SCORE, _I_REASON, _I_MISSED, _I_WHERE_ACTUAL, \
    _I_WHERE_REASON = range(11)

_TALLY = ["项目数", "已评分项目", "平均总分"]
_MONEY = ["全年预算数", "全年执行数", "执行率(%)"]
KINDS = {"项目数": "int", "已评分项目": "int", "平均总分": "number", "全年预算数": "number", "全年执行数": "number",
         "执行率(%)": "number", "预算执行率得分": "number", "总分": "number", "得分": "number", "指标数": "int",
         "序号": "int", "错误": "int", "提示": "int", "应报单位": "int", "已报送单位": "int",
         "年初预算数": "value", "实际完成值": "value", "分值": "value"}
# Which Received.flags bit says a "value" column held text in a return (bits of their own: consolidate's
# goal bits are 1 to 8).
TEXT_FUNDS, TEXT_ACTUAL, TEXT_POINTS = 16, 32, 64
VALUE_FLAGS = {"年初预算数": TEXT_FUNDS, "实际完成值": TEXT_ACTUAL, "分值": TEXT_POINTS}


class Evaluation(NamedTuple):
    """What the round adds up of one return: its projects' computed scores in a few figures."""

    projects: int
    scored: int                        # projects whose 总分 could be computed
    total: float                       # their 总分 added up
    grades: tuple                      # ((等级, projects), ...) in the framework's band order, highest first
    minima: tuple                      # each band's minimum 总分, in the same order
    budget: float                      # 全年预算数 of the projects whose 执行率 can be computed
    executed: float                    # and their 全年执行数
    pass_mark: float                   # a 总分 below this is in the lowest band (60 by default)
    low: tuple                         # (project index, 总分) of each project below the pass mark
    missed: int                        # indicator rows missed without a reason (E05)


def _is_text(v: Any) -> bool:
    return isinstance(v, str) and v != ""


def _missed_without_reason(unit: SelfEvalUnit, fw: Framework) -> set[tuple[int, int]]:
    """(project, row) of every target missed without a reason: what rule E05 reports (enabled or not,
    as the framework says), found by running it with a ``where`` that keeps the logical keys."""
    keys: list[tuple] = []

    def where(key: tuple) -> tuple[None, None]:
        keys.append(key)
        return None, None

    run_selfeval_rules(unit, fw, where=where, select=("E05",))
    return {(k[1], k[2]) for k in keys if k[0] == "indicator"}


def selfeval_record(unit: SelfEvalUnit, fw: Framework,
                    where: Callable[[tuple], tuple]) -> tuple[Evaluation, list, list, int]:
    """A self-evaluation's facts and spill record, computed in the worker that read it: the
    Evaluation, per project (code, name, 年初预算数, 全年预算数, 全年执行数, 执行率, 预算执行率得分, 总分,
    等级, 指标数, where its code is, 实际完成情况), per project its indicator rows (一级, 二级, 三级, 年度指标值,
    实际完成值, 分值, 得分, 偏差原因, missed without a reason, where its actual is, where its reason is),
    and the text flags of its "value" columns."""
    from .selfeval_writer import target_text  # the 年度指标值 as the form shows it

    scoring = scoring_of(fw)
    bands = [name for name, _ in scoring.grades]
    pass_mark = scoring.grades[-2][1] if len(scoring.grades) > 1 else 0.0
    missed = _missed_without_reason(unit, fw)
    grades: Counter = Counter()
    projects, indicators, low = [], [], []
    scored = 0
    total = budget = executed = 0.0
    flags = 0
    for pi, p in enumerate(unit.projects):
        s = score_project(scoring, p)
        line = p.funds.total
        if s.total is not None:
            scored += 1
            total += s.total
            grades[s.grade] += 1
            if s.total < pass_mark:
                low.append((pi, s.total))
        if s.rate is not None:
            budget += number(line.budget) or 0.0
            executed += number(line.executed) or 0.0
        projects.append((p.code, p.name, line.initial, line.budget, line.executed, s.rate, s.funds_score, s.total,
                         s.grade, len(p.indicators), where(("project", pi, "code")), p.achievement or ""))
        indicators.append([(row.target.level1, row.target.level2, row.target.name, target_text(row.target),
                            row.actual, row.points, s.scores[ii], row.reason or "", (pi, ii) in missed,
                            where(("indicator", pi, ii, "actual")), where(("indicator", pi, ii, "reason")))
                           for ii, row in enumerate(p.indicators)])
        flags |= TEXT_FUNDS if _is_text(line.initial) else 0
        flags |= TEXT_ACTUAL if any(_is_text(row.actual) for row in p.indicators) else 0
        flags |= TEXT_POINTS if any(_is_text(row.points) for row in p.indicators) else 0
    ev = Evaluation(len(unit.projects), scored, total, tuple((b, grades.get(b, 0)) for b in bands),
                    tuple(m for _, m in scoring.grades), budget, executed, pass_mark, tuple(low), len(missed))
    return ev, projects, indicators, flags


# ---------------------------------------------------------------------------------------------- tallies


def grade_names(taken: list["Received"]) -> list[str]:
    """The 自评等级 bands of the round's adopted returns, highest first (one framework: its bands)."""
    names: list[str] = []
    for r in taken:
        if r.evaluation is not None:
            names += [g for g, _ in r.evaluation.grades if g not in names]
    return names


class _Tally:
    """Projects, scores, grades and money added up over several returns (a unit, a 主管部门, the round)."""

    def __init__(self, grades: list[str]):
        self.grades = grades
        self.projects = self.scored = 0
        self.total = self.budget = self.executed = 0.0
        self.counts: Counter = Counter()

    def add(self, ev: Evaluation | None) -> None:
        if ev is None:
            return
        self.projects += ev.projects
        self.scored += ev.scored
        self.total += ev.total
        self.counts.update(dict(ev.grades))
        self.budget += ev.budget
        self.executed += ev.executed

    @property
    def average(self) -> float | None:
        return round(self.total / self.scored, 2) if self.scored else None

    @property
    def rate(self) -> float | None:
        return round(self.executed / self.budget * 100, 2) if self.budget > 0 else None

    def row(self) -> tuple:
        """项目数, 已评分项目, 平均总分, one count per 等级, 未能评分, 全年预算数, 全年执行数, 执行率(%)."""
        return (self.projects, self.scored, self.average, *[self.counts.get(g, 0) for g in self.grades],
                self.projects - self.scored, self.budget, self.executed, self.rate)


def _tally_columns(grades: list[str]) -> list[str]:
    return [*_TALLY, *grades, UNGRADED, *_MONEY]


def count_columns(key: str, grades: list[str]) -> list[str]:
    """The integer columns of a table (nullable Int64 in its DataFrame)."""
    counts = ["项目数", "已评分项目", *grades, UNGRADED]
    return {"units": counts, "departments": ["应报单位", "已报送单位", *counts], "grades": ["项目数"],
            "projects": ["指标数", "错误", "提示"], "indicators": ["序号"]}.get(key, [])


# ---------------------------------------------------------------------------------------------- the tables


def columns(key: str, grades: list[str]) -> list[str] | None:
    """The columns of a table this form declares (None: consolidate's own, shared by both forms)."""
    if key == "attention":
        return ["问题", "主管部门名称", "单位编码", "单位名称", "项目编码", "项目名称", "三级指标", "年度指标值", "实际完成值",
                "分值", "得分", "总分", "自评等级", "工作表", "单元格", "文件"]
    if key == "units":
        return ["主管部门编码", "主管部门名称", "单位编码", "单位名称", "状态", *_tally_columns(grades)]
    if key == "departments":
        return ["主管部门编码", "主管部门名称", "应报单位", "已报送单位", *_tally_columns(grades)]
    if key == "grades":
        return ["自评等级", "分数段", "项目数"]
    if key == "projects":
        return ["主管部门编码", "主管部门名称", "单位编码", "单位名称", "项目编码", "项目名称", "年初预算数", "全年预算数",
                "全年执行数", "执行率(%)", "预算执行率得分", "总分", "自评等级", "指标数", "实际完成情况", "错误", "提示", "文件"]
    if key == "indicators":
        return ["单位编码", "单位名称", "项目编码", "项目名称", "序号", "一级指标", "二级指标", "三级指标", "年度指标值",
                "实际完成值", "分值", "得分", "偏差原因分析及改进措施", "未说明原因"]
    return None


def length(c: "Consolidation", key: str) -> int | None:
    """How many rows a streamed table of this form has (None: consolidate counts it)."""
    if key == "attention":
        return sum(len(r.evaluation.low) + r.evaluation.missed for r in c.taken if r.evaluation is not None)
    if key == "units":
        return len(c.register)
    return None


def rows(c: "Consolidation", key: str) -> Iterator[tuple] | None:
    """The rows of a streamed table this form declares (None: consolidate's own)."""
    make = {"attention": _attention_rows, "units": _units_rows, "projects": _projects_rows,
            "indicators": _indicators_rows}.get(key)
    return make(c) if make is not None else None


def _head(r: "Received") -> tuple:
    return r.department_code, r.department_name, r.unit_code, r.unit_name


def _attention_rows(c: "Consolidation") -> Iterator[tuple]:
    """重点关注: the projects below the pass mark, lowest 总分 first; then, return by return, every
    target missed without a reason (E05)."""
    low = sorted(((total, r.unit_code, pi, r) for r in c.taken if r.evaluation is not None
                  for pi, total in r.evaluation.low), key=lambda x: x[:3])
    for total, _, pi, r in low:
        p = c.store.projects(r)[pi]
        sheet, cell = p[_P_WHERE]
        mark = r.evaluation.pass_mark
        yield (f"总分低于{mark:g}分", r.department_name, r.unit_code, r.unit_name, p[_P_CODE], p[_P_NAME], "", "", None,
               None, None, total, p[_P_GRADE], sheet or "", cell or "", r.path)
    for r in c.taken:
        if r.evaluation is None or not r.evaluation.missed:
            continue
        for p, inds in zip(c.store.projects(r), c.store.indicators(r)):
            for row in inds:
                if row[_I_MISSED]:
                    sheet, cell = row[_I_WHERE_REASON]
                    yield ("未达目标且未说明原因", r.department_name, r.unit_code, r.unit_name, p[_P_CODE], p[_P_NAME],
                           row[_I_NAME], row[_I_TARGET], row[_I_ACTUAL], row[_I_POINTS], row[_I_SCORE], p[_P_TOTAL],
                           p[_P_GRADE], sheet or "", cell or "", r.path)


def _units_rows(c: "Consolidation") -> Iterator[tuple]:
    """单位自评: every register unit, its 提交情况 状态, and its adopted return's figures (zeros when none)."""
    grades = c.grades
    by_unit = {r.unit_code: r for r in c.taken}
    for s in c.rows("submissions"):
        tally = _Tally(grades)
        r = by_unit.get(s[2])
        tally.add(r.evaluation if r is not None else None)
        yield (*s[:4], s[12], *tally.row())


def _projects_rows(c: "Consolidation") -> Iterator[tuple]:
    for r in c.taken:
        per_project = c.project_counts(r)
        for p in c.store.projects(r):
            errors, warnings = per_project.get(p[_P_CODE], (0, 0))
            yield (*_head(r), *p[_P_CODE:_P_WHERE], p[_P_ACHIEVEMENT], errors, warnings, r.path)


def _indicators_rows(c: "Consolidation") -> Iterator[tuple]:
    for r in c.taken:
        for p, inds in zip(c.store.projects(r), c.store.indicators(r)):
            for n, row in enumerate(inds, start=1):
                yield (r.unit_code, r.unit_name, p[_P_CODE], p[_P_NAME], n, *row[:_I_MISSED],
                       "是" if row[_I_MISSED] else "")


# ---------------------------------------------------------------------------------------------- small tables


def overview_rows(c: "Consolidation") -> list[tuple]:
    """What 概况 adds for a self-evaluation round, over the adopted returns."""
    tally = _Tally(c.grades)
    for r in c.taken:
        tally.add(r.evaluation)
    low = sum(len(r.evaluation.low) for r in c.taken if r.evaluation is not None)
    missed = sum(r.evaluation.missed for r in c.taken if r.evaluation is not None)
    mark = next((r.evaluation.pass_mark for r in c.taken if r.evaluation is not None), 60.0)
    return [("自评项目数", tally.projects), ("已评分项目", tally.scored), ("平均总分", tally.average),
            *[(f"等级：{g}", tally.counts.get(g, 0)) for g in c.grades], (f"等级：{UNGRADED}", tally.projects - tally.scored),
            (f"总分低于{mark:g}分的项目", low), ("未达目标且未说明原因的指标", missed),
            ("全年预算数合计", tally.budget), ("全年执行数合计", tally.executed), ("执行率(%)", tally.rate)]


def small_tables(c: "Consolidation", submissions: list[tuple]) -> dict[str, list[tuple]]:
    """主管部门 (one row per 主管部门 of the register, in its order) and 等级分布, from the rows of 提交情况."""
    grades = c.grades
    by_unit = {r.unit_code: r for r in c.taken}
    departments: dict[tuple, list] = {}
    for s in submissions:
        d = departments.setdefault((s[0], s[1]), [0, 0, _Tally(grades)])
        d[0] += 1
        d[1] += s[6] == "是"
        r = by_unit.get(s[2])
        d[2].add(r.evaluation if r is not None else None)
    round_tally = _Tally(grades)
    for r in c.taken:
        round_tally.add(r.evaluation)
    bands = _bands(c)
    grade_rows = [(g, bands.get(g, ""), round_tally.counts.get(g, 0)) for g in grades]
    grade_rows.append((UNGRADED, "", round_tally.projects - round_tally.scored))
    return {"departments": [(*key, n, sent, *tally.row()) for key, (n, sent, tally) in departments.items()],
            "grades": grade_rows}


def _bands(c: "Consolidation") -> dict[str, str]:
    """Each 等级's score range as the office reads it ("90 分及以上", "80–90 分", "60 分以下"), from the
    bands of the first adopted return (a round is scored by one framework)."""
    ev = next((r.evaluation for r in c.taken if r.evaluation is not None), None)
    if ev is None:
        return {}
    out = {}
    for i, ((name, _), minimum) in enumerate(zip(ev.grades, ev.minima)):
        upper = ev.minima[i - 1] if i else None
        if upper is None:
            out[name] = f"{minimum:g} 分及以上"
        elif minimum <= 0:
            out[name] = f"{upper:g} 分以下"
        else:
            out[name] = f"{minimum:g}–{upper:g} 分"
    return out
