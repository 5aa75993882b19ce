"""The checks of the self-evaluation (绩效自评): rules E01–E09 of the catalogue, over the form's model.

As :mod:`perfxl.rules` does for the goals form, each check reads the model and the framework's
settings and yields findings (records built by :func:`perfxl.findings.finding` from the catalogue);
it never raises for bad data. A finding's place is a *logical key*, of the same kind the goals
rules use, which the reader of a workbook maps to a sheet and cell through the layout
(``Context.where``; data from JSON has no cells and its findings name none):

* ``("indicator", p, i, field)`` – indicator ``i`` of project ``p``; ``field`` is ``actual``
  (实际完成值), ``points`` (分值), ``score`` (得分) or ``reason`` (偏差原因分析及改进措施);
* ``("funds", p, line, column)`` – the funds table: ``line`` one of ``FUND_LINES``, ``column`` one
  of ``initial``, ``budget``, ``executed``, ``points``, ``rate``, ``score``;
* ``("project", p, field)`` – ``achievement`` (实际完成情况), ``total_score`` (总分), ``grade``
  (自评等级), ``indicators`` (the indicator table as a whole).

Scores are computed by the declarations of :mod:`perfxl.selfeval_scoring`, the same the workbook's
得分/总分/等级 formulas are written from; :func:`score_project` gives a project's computed scores for
the rules and, later, the summary.
"""
from __future__ import annotations

import copy

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, Callable, Iterable, Iterator

from .catalogue import SELFEVAL_CODES
from .findings import Finding
from .frameworks import Framework
from .rules import Context, Where
from .selfeval_model import EvalIndicator, EvalProject, SelfEvalUnit
from .selfeval_scoring import (Scoring, expected_shares, group_of, kind_of, number, read_actual, scoring_of)
from .live import p_ws
from .selfeval_live import plain_text

__all__ = ["CODES", "SELFEVAL_CHECKS", "SelfEvalContext", "ProjectScores", "score_project", "run_selfeval_rules"]

CODES = SELFEVAL_CODES  # the catalogue says which codes are this form's


@dataclass
class SelfEvalContext(Context):
    """What a self-evaluation check may read: the unit's self-evaluation, the framework (and its
    scoring), where values came from. ``at`` builds a finding at a logical key (module docstring)."""

    unit: SelfEvalUnit  # type: ignore[assignment]

    @cached_property
    def scoring(self) -> Scoring:
        return scoring_of(self.framework)


SELFEVAL_CHECKS: dict[str, Callable[[SelfEvalContext], Iterable[Finding]]] = {}


def check(code: str):
    def register(fn):
        SELFEVAL_CHECKS[code] = fn
        return fn
    return register


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _rows(ctx: SelfEvalContext) -> Iterator[tuple[int, EvalProject, int, EvalIndicator]]:
    for pi, p in enumerate(ctx.unit.projects):
        for ii, row in enumerate(p.indicators):
            yield pi, p, ii, row


def _half_unit(x: float) -> float:
    """Half a unit of the last decimal of ``x`` as written (8.33 → 0.005, 8 → 0.5), the tolerance
    of a value compared with what the scoring computes."""
    exponent = Decimal(format(x, ".15g")).normalize().as_tuple().exponent
    decimals = min(max(0, -int(exponent)), 6) if isinstance(exponent, int) else 0
    return 0.5 * 10 ** -decimals + 1e-9


# ------------------------------------------------------------------ computed scores

@dataclass
class ProjectScores:
    """A project's scores as the framework's scoring computes them (None where an input is missing)."""

    rate: float | None = None                              # 执行率, percent
    funds_score: float | None = None                       # 预算执行率 得分
    scores: list[float | None] = field(default_factory=list)  # each indicator's 得分
    total: float | None = None                             # 总分, when every part could be scored
    grade: str | None = None                               # 自评等级 of that total


def score_project(scoring: Scoring, p: EvalProject) -> ProjectScores:
    line = p.funds.total
    rate = scoring.execution_rate()(executed=number(line.executed), budget=number(line.budget))
    funds_score = scoring.execution_score()(rate=rate, points=number(p.funds.points))
    scores = [scoring.score(row.target, row.actual, row.points) for row in p.indicators]
    parts = [funds_score, *scores]
    total = scoring.total_score()(parts=parts, count=len(parts))
    return ProjectScores(rate, funds_score, scores, total, scoring.grade()(total=total))


def _how(scoring: Scoring, kind: str) -> tuple[str, str]:
    """The scoring method of ``kind`` in words, for E03."""
    if kind == "positive":
        return ("正向指标：实际完成值达到目标值得满分，否则按实际完成值÷目标值×分值",
                "正向: full at or above the target, else actual ÷ target × 分值")
    if kind == "negative":
        return ("反向指标：实际完成值不超过目标值得满分，否则按目标值÷实际完成值×分值",
                "反向: full at or below the target, else target ÷ actual × 分值")
    if kind == "equal":
        return ("等于指标：实际完成值等于目标值得满分，否则按两者中较小值÷较大值×分值",
                "＝: full at the target, else the smaller ÷ the larger of actual and target × 分值")
    zh = "、".join(f"{g}得分值的{_pct(f)}" for g, f in scoring.qualitative)
    en = ", ".join(f"{g} {_pct(f)} of the 分值" for g, f in scoring.qualitative)
    return f"定性指标：{zh}", f"定性: {en}"


def _pct(f: float) -> str:
    return f"{f * 100:g}%"


def _bands(scoring: Scoring) -> str:
    shown = [f"{name} ≥ {minimum:g}" for name, minimum in scoring.grades[:-1]]
    return "，".join(shown + [f"{scoring.grades[-1][0]} < {scoring.grades[-2][1]:g}" if len(scoring.grades) > 1
                              else scoring.grades[-1][0]])


def _grades(scoring: Scoring) -> str:
    return "、".join(f"“{g}”" for g in scoring.qualitative_grades)


# ------------------------------------------------------------------ E01, E02: the actuals

@check("E01")
def _e01(ctx: SelfEvalContext):
    names = ctx.scoring.qualitative_grades
    for pi, p, ii, row in _rows(ctx):
        kind = kind_of(row.target)
        reading = read_actual(row.actual, row.target, names)
        key = ("indicator", pi, ii, "actual")
        if reading.problem == "blank":
            variant = "qualitative" if kind == "qualitative" else None
            yield ctx.at("E01", key, p, name=row.target.name, variant=variant, grades=_grades(ctx.scoring))
        elif reading.problem == "no_grade":
            yield ctx.at("E01", key, p, value=row.actual, name=row.target.name, variant="grade",
                         grades=_grades(ctx.scoring))


@check("E02")
def _e02(ctx: SelfEvalContext):
    for pi, p, ii, row in _rows(ctx):
        reading = read_actual(row.actual, row.target, ctx.scoring.qualitative_grades)
        key = ("indicator", pi, ii, "actual")
        if reading.problem == "not_number":
            yield ctx.at("E02", key, p, value=row.actual, name=row.target.name)
        elif reading.problem == "unit":
            yield ctx.at("E02", key, p, value=row.actual, name=row.target.name, variant="unit",
                         found=reading.found_unit, unit=row.target.unit)


# ------------------------------------------------------------------ E03: 得分, 总分, 等级 as the scoring computes them

@check("E03")
def _e03(ctx: SelfEvalContext):
    s = ctx.scoring
    for pi, p in enumerate(ctx.unit.projects):
        computed = score_project(s, p)
        for ii, row in enumerate(p.indicators):
            yield from _e03_row(ctx, pi, p, ii, row, computed.scores[ii])
        entered = p.funds.score
        if not _blank(entered):
            x = number(entered)
            if x is None:
                yield ctx.at("E03", ("funds", pi, "total", "score"), p, value=entered, name="预算执行率",
                             variant="not_number")
            elif computed.funds_score is not None and abs(x - computed.funds_score) > _half_unit(x):
                yield ctx.at("E03", ("funds", pi, "total", "score"), p, value=x, expected=computed.funds_score,
                             rate=computed.rate, points=number(p.funds.points), variant="execution")
        total = number(p.total_score)
        if computed.total is not None and not _blank(p.total_score):
            if total is None:
                yield ctx.at("E03", ("project", pi, "total_score"), p, value=p.total_score, name="总分",
                             variant="not_number")
            elif abs(total - computed.total) > _half_unit(total):
                yield ctx.at("E03", ("project", pi, "total_score"), p, value=total, expected=computed.total,
                             variant="total")
        basis = computed.total if computed.total is not None else total
        expected_grade = s.grade()(total=basis)
        if not _blank(p.grade) and expected_grade is not None and p.grade.strip() != expected_grade:
            yield ctx.at("E03", ("project", pi, "grade"), p, value=p.grade, total=basis, expected=expected_grade,
                         bands=_bands(s), variant="grade")


def _e03_row(ctx: SelfEvalContext, pi: int, p: EvalProject, ii: int, row: EvalIndicator, computed: float | None):
    entered = row.score
    if _blank(entered):
        return
    key = ("indicator", pi, ii, "score")
    x = number(entered)
    if x is None:
        yield ctx.at("E03", key, p, value=entered, name=row.target.name, variant="not_number")
        return
    points = number(row.points)
    if points is not None and x > points + ctx.scoring.tolerance:
        yield ctx.at("E03", key, p, value=x, name=row.target.name, points=points, variant="over")
    elif computed is not None and abs(x - computed) > _half_unit(x):
        how, how_en = _how(ctx.scoring, kind_of(row.target) or "")
        yield ctx.at("E03", key, p, value=x, name=row.target.name, expected=computed, how=how, how_en=how_en)


# ------------------------------------------------------------------ E04: 分值

@check("E04")
def _e04(ctx: SelfEvalContext):
    s, fw = ctx.scoring, ctx.framework
    for pi, p in enumerate(ctx.unit.projects):
        groups = [group_of(fw, row.target) for row in p.indicators]
        expected = expected_shares(s, groups)
        sums: dict[str, list[float | None]] = {}
        for ii, (row, g) in enumerate(zip(p.indicators, groups)):
            key = ("indicator", pi, ii, "points")
            x = number(row.points)
            if _blank(row.points):
                yield ctx.at("E04", key, p, name=row.target.name, level1=g, expected=expected.get(g, 0),
                             variant="missing")
            elif x is None:
                yield ctx.at("E04", key, p, value=row.points, name=row.target.name, variant="not_number")
            sums.setdefault(g, []).append(x)
        for g, share in expected.items():
            pts = sums[g]
            if all(x is not None for x in pts) and abs(sum(pts) - share) > s.tolerance:
                first = groups.index(g)
                yield ctx.at("E04", ("indicator", pi, first, "points"), p, value=round(sum(pts), 6),
                             sum=round(sum(pts), 6), level1=g, expected=share)
        exe = number(p.funds.points)
        if exe is None or abs(exe - s.budget_execution) > s.tolerance:
            yield ctx.at("E04", ("funds", pi, "total", "points"), p, value=p.funds.points if exe is None else exe,
                         expected=s.budget_execution, variant="execution")
        if not expected:
            yield ctx.at("E04", ("project", pi, "indicators"), p, value=exe, sum=exe or 0, expected=s.total,
                         variant="total")


# ------------------------------------------------------------------ E05: a missed target explained

@check("E05")
def _e05(ctx: SelfEvalContext):
    s = ctx.scoring
    for pi, p in enumerate(ctx.unit.projects):
        computed = score_project(s, p).scores
        for ii, row in enumerate(p.indicators):
            points = number(row.points)
            score = computed[ii] if computed[ii] is not None else number(row.score)
            if points is None or score is None or score >= points - s.tolerance or not _blank(row.reason):
                continue
            yield ctx.at("E05", ("indicator", pi, ii, "reason"), p, value=score, name=row.target.name, score=score,
                         points=points)


# ------------------------------------------------------------------ E06: 全年执行数 and 执行率

_PROBLEMS = {"blank": ("未填", "is missing"), "not_number": ("不是数字", "is not a number"),
             "negative": ("为负数", "is negative"), "zero": ("为 0", "is 0")}


def _amount_problem(v: Any) -> str | None:
    if _blank(v):
        return "blank"
    x = number(v)
    return "not_number" if x is None else "negative" if x < 0 else None


@check("E06")
def _e06(ctx: SelfEvalContext):
    money = ctx.unit.money_unit
    for pi, p in enumerate(ctx.unit.projects):
        line = p.funds.total
        executed, budget = number(line.executed), number(line.budget)
        problem = _amount_problem(line.executed)
        if problem:
            zh, en = _PROBLEMS[problem]
            shown = f"“{line.executed}”{zh}" if problem == "not_number" else zh
            yield ctx.at("E06", ("funds", pi, "total", "executed"), p, value=line.executed, problem=shown,
                         problem_en=en, money_unit=money)
        budget_problem = _amount_problem(line.budget) or ("zero" if budget == 0 else None)
        if budget_problem:
            zh, en = _PROBLEMS[budget_problem]
            yield ctx.at("E06", ("funds", pi, "total", "budget"), p, value=line.budget, problem=zh, problem_en=en,
                         money_unit=money, variant="budget")
            continue
        if problem is None and executed > budget + ctx.t["funds_tolerance"]:
            yield ctx.at("E06", ("funds", pi, "total", "executed"), p, value=executed, budget=budget,
                         money_unit=money, variant="above")
        rate = number(p.funds.rate)
        if problem is None and not _blank(p.funds.rate):
            exact = executed / budget * 100
            if rate is None or abs(rate - exact) > _half_unit(rate):
                yield ctx.at("E06", ("funds", pi, "total", "rate"), p, value=p.funds.rate if rate is None else rate,
                             expected=round(exact, 2), variant="rate")


# ------------------------------------------------------------------ E07: far beyond the target

def _is_cost(fw: Framework, row: EvalIndicator) -> bool:
    return row.target.level1 == "成本指标" or row.target.level2 in fw.cost_level2


_MONEY = {("元", "万元"): 1 / 10000, ("万元", "元"): 10000, ("元", "元"): 1, ("万元", "万元"): 1}


@check("E07")
def _e07(ctx: SelfEvalContext):
    s = ctx.scoring
    for pi, p, ii, row in _rows(ctx):
        kind = kind_of(row.target)
        a = read_actual(row.actual, row.target, s.qualitative_grades).number
        if kind in (None, "qualitative") or a is None:
            continue
        key, name, unit = ("indicator", pi, ii, "actual"), row.target.name, row.target.unit
        target = row.target.value if isinstance(row.target.value, (int, float)) else None
        executed = number(p.funds.total.executed)
        factor = _MONEY.get((unit or "", ctx.unit.money_unit))
        if (unit == "%" or name.endswith("率")) and a > 100:
            yield ctx.at("E07", key, p, value=a, name=name, variant="rate")
        elif _is_cost(ctx.framework, row) and factor and executed is not None \
                and a * factor > executed + ctx.t["funds_tolerance"]:
            yield ctx.at("E07", key, p, value=a, name=name, unit=unit, executed=executed,
                         money_unit=ctx.unit.money_unit, variant="cost")
        elif kind == "positive" and target is not None and target > 0 and a >= s.far_beyond * target:
            yield ctx.at("E07", key, p, value=a, name=name, target=target, times=f"{s.far_beyond:g}")


# ------------------------------------------------------------------ E08: 实际完成情况

@check("E08")
def _e08(ctx: SelfEvalContext):
    for pi, p in enumerate(ctx.unit.projects):
        key = ("project", pi, "achievement")
        if not p_ws(p.achievement):
            yield ctx.at("E08", key, p)
            continue
        goals = [plain_text(g) for g in p.goals if p_ws(g)]
        said = plain_text(p.achievement)
        if said and (said in goals or said == "".join(goals)):
            yield ctx.at("E08", key, p, value=p.achievement, variant="copy")


# ------------------------------------------------------------------ E09: 总分 and 自评等级, for the summary

@check("E09")
def _e09(ctx: SelfEvalContext):
    for pi, p in enumerate(ctx.unit.projects):
        computed = score_project(ctx.scoring, p)
        if computed.total is not None:
            yield ctx.at("E09", ("project", pi, "total_score"), p, value=computed.total, total=computed.total,
                         grade=computed.grade)


# ------------------------------------------------------------------ running them

def with_scores(unit: SelfEvalUnit, scoring: Scoring) -> SelfEvalUnit:
    """A copy of ``unit`` with 执行率, every 得分, 总分 and 等级 as the workbook's formulas compute them
    from what the unit typed (:func:`score_project`): what the reader finds in a written workbook."""
    out = copy.deepcopy(unit)
    for p in out.projects:
        computed = score_project(scoring, p)
        p.funds.rate, p.funds.score = computed.rate, computed.funds_score
        for row, score in zip(p.indicators, computed.scores):
            row.score = score
        p.total_score, p.grade = computed.total, computed.grade
    return out


def run_selfeval_rules(unit: SelfEvalUnit, framework: Framework, *, where: Where | None = None,
                       select: Iterable[str] | None = None, skip: Iterable[str] = ()) -> list[Finding]:
    """Every enabled E check over a unit's self-evaluation; the framework's ``rules`` section can
    disable a code or change its severity, as for the goals form. Raises FrameworkError (cannot
    run) when the framework's scoring does not fit its levels."""
    ctx = SelfEvalContext(unit, framework, where=where or (lambda key: (None, None)))
    ctx.scoring  # noqa: B018 - a framework that cannot score fails here, before any finding
    chosen = (set(select) if select else set(SELFEVAL_CHECKS)) - set(skip)
    out: list[Finding] = []
    for code in sorted(chosen):
        settings = framework.rules.get(code, {})
        if settings.get("enabled", True) is False:
            continue
        for f in SELFEVAL_CHECKS[code](ctx):
            if "severity" in settings:
                f.severity = settings["severity"]
            out.append(f)
    return out
