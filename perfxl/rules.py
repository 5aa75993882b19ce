"""The checks of the rule catalogue, one function per code, over the model.

Rules are data: the catalogue (catalogue.py) holds each code's severity and messages; this module
attaches a check to each code. A check reads the unit's model and the framework's settings and yields
findings; it never raises for bad data. The reader's locations say which cell each value came from,
so a finding names the exact cell; data from JSON has no cells and its findings name none.

Structural rules (S01–S07) come from the reader, which alone sees the file; the rest run here.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Iterator

from .catalogue import CATALOGUE
from .findings import SEVERITY_ORDER, Finding, finding
from .frameworks import OPERATOR_FROM_JSON, Framework
from .model import ATTRIBUTES, FUND_LEVELS, FUND_SOURCES, DepartmentGoals, Indicator, Project, UnitData
from .values import parse_indicator_value, parse_number

__all__ = ["Context", "CHECKS", "run_rules", "DRAFT_CODES", "Where", "CopyIndex", "AcrossWork"]

Where = Callable[[tuple], tuple[str | None, str | None]]
JUNK_NAMES = {"-", "_", "*", "null", "none", "无", "/", "—", "——", "…", "...", "0", "x", "xx"}
# Words that contradict an operator (rules.md I07): ≥ with "at most" words, ≤ with "at least" words.
_AT_MOST = ("不超过", "以内", "以下", "控制在", "不高于", "不多于")
_AT_LEAST = ("以上", "不低于", "达到", "不少于")
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?=年)")
DRAFT_CODES = frozenset(c for c in CATALOGUE if c.startswith("S"))


@dataclass
class Context:
    """What a check may read: the unit, the framework, where values came from, the register."""

    unit: UnitData
    framework: Framework
    where: Where = lambda key: (None, None)
    register: dict[str, UnitData] | None = None
    copy_index: "CopyIndex | None" = None  # X02 over a whole round instead of one workbook
    active: frozenset[str] = frozenset(CATALOGUE)  # the codes this run reports (run_rules sets it)

    @property
    def t(self) -> dict[str, Any]:
        return self.framework.thresholds

    def at(self, code: str, key: tuple, project: Project | None = None, /, **kw: Any) -> Finding:
        sheet, cell = self.where(key)
        return finding(code, sheet=sheet, cell=cell, project_code=project.code if project else None, **kw)


CHECKS: dict[str, Callable[[Context], Iterable[Finding]]] = {}


def check(code: str):
    def register(fn):
        CHECKS[code] = fn
        return fn
    return register


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _projects(ctx: Context) -> Iterator[tuple[int, Project]]:
    return enumerate(ctx.unit.projects)


def _indicators(ctx: Context) -> Iterator[tuple[int, Project, int, Indicator]]:
    for pi, p in _projects(ctx):
        for ii, ind in enumerate(p.indicators):
            yield pi, p, ii, ind


def _texts(ctx: Context) -> Iterator[tuple[tuple, Project | None, str, str]]:
    """Every goal text with its place: (location key, project, what it is, text)."""
    dg = ctx.unit.department_goals
    if dg.overall:
        yield ("dept", "overall"), None, "总体绩效目标", dg.overall
    for si, s in enumerate(dg.sections):
        yield ("section", si, "goal"), None, f"{s.name}分项绩效目标", s.goal
    for mi, m in enumerate(dg.measures):
        yield ("measure", mi), None, "工作保障措施", m
    for pi, p in _projects(ctx):
        for gi, g in enumerate(p.goals):
            yield ("project", pi, "goals"), p, "绩效目标", g
        for g in p.period_goals:  # schema v2: the goals over the whole 实施期
            yield ("project", pi, "period_goals"), p, "实施期目标", g


# ------------------------------------------------------------------ F: funds

_FUND_FIELDS = (("total", "预算数"), ("fiscal", "财政资金"), ("other", "其他资金"))


@check("F01")
def _f01(ctx: Context):
    tol = ctx.t["funds_tolerance"]
    for pi, p in _projects(ctx):
        f = p.funds
        if not _num(f.total) or not all(_num(v) or _blank(v) for v in (f.fiscal, f.other)):
            continue  # F02 reports what is not a number
        parts = (f.fiscal if _num(f.fiscal) else 0) + (f.other if _num(f.other) else 0)
        if abs(f.total - parts) > tol:
            yield ctx.at("F01", ("project", pi, "total"), p, value=f.total, total=f.total, fiscal=f.fiscal,
                         other=f.other, sum=round(parts, 6))


@check("F02")
def _f02(ctx: Context):
    for pi, p in _projects(ctx):
        for attr, label in _FUND_FIELDS:
            v = getattr(p.funds, attr)
            if _blank(v):
                if attr == "total":
                    yield ctx.at("F02", ("project", pi, attr), p, field=label, problem="未填", problem_en="is missing",
                                 money_unit=ctx.unit.money_unit)
            elif not _num(v):
                yield ctx.at("F02", ("project", pi, attr), p, value=v, field=label, problem=f"“{v}”不是数字",
                             problem_en=f"'{v}' is not a number", money_unit=ctx.unit.money_unit)
            elif v < 0:
                yield ctx.at("F02", ("project", pi, attr), p, value=v, field=label, problem=f"为负数 {v:g}",
                             problem_en=f"is negative ({v:g})", money_unit=ctx.unit.money_unit)
        for si, src in enumerate(p.funds.sources):  # schema v2: 资金来源 (a blank amount counts as 0, as in F01)
            v, label = src.amount, f"资金来源“{src.source}{f'（{src.level}）' if src.level else ''}”金额"
            if not _blank(v) and not _num(v):
                yield ctx.at("F02", ("source", pi, si, "amount"), p, value=v, field=label, problem=f"“{v}”不是数字",
                             problem_en=f"'{v}' is not a number", money_unit=ctx.unit.money_unit)
            elif _num(v) and v < 0:
                yield ctx.at("F02", ("source", pi, si, "amount"), p, value=v, field=label, problem=f"为负数 {v:g}",
                             problem_en=f"is negative ({v:g})", money_unit=ctx.unit.money_unit)


@check("F04")
def _f04(ctx: Context):
    """资金来源 (schema v2): each line a known source and level, and the amounts adding up to 预算数."""
    tol = ctx.t["funds_tolerance"]
    for pi, p in _projects(ctx):
        sources = p.funds.sources
        for si, src in enumerate(sources):
            if src.source not in FUND_SOURCES:
                yield ctx.at("F04", ("source", pi, si, "source"), p, value=src.source or "（空）", variant="source",
                             what="资金来源", what_en="source")
            elif src.level is not None and src.level not in FUND_LEVELS:
                yield ctx.at("F04", ("source", pi, si, "level"), p, value=src.level, variant="source", what="级次",
                             what_en="level")
        amounts = [s.amount for s in sources]
        if not sources or not _num(p.funds.total) or not all(_num(a) or _blank(a) for a in amounts):
            continue  # F02 reports what is not a number
        total = sum(a for a in amounts if _num(a))
        if abs(total - p.funds.total) > tol:
            yield ctx.at("F04", ("project", pi, "sources"), p, value=_fmt(total), sum=_fmt(total),
                         total=_fmt(p.funds.total))


@check("F03")
def _f03(ctx: Context):
    if ctx.register is None:
        return
    issued = ctx.register.get(ctx.unit.unit.code)
    if issued is None:
        return  # S08
    by_code = {p.code: p for p in issued.projects}
    tol = ctx.t["funds_tolerance"]
    for pi, p in _projects(ctx):
        reg = by_code.get(p.code)
        if reg is None:
            continue  # X03
        for attr, label in _FUND_FIELDS:
            expected, actual = getattr(reg.funds, attr), getattr(p.funds, attr)
            if expected is None or (attr == "other" and expected == 0 and _blank(actual)):
                continue  # a blank 其他资金 means none, as in the register (an older template left it open)
            if not (_num(actual) and abs(actual - expected) <= tol):
                yield ctx.at("F03", ("project", pi, attr), p, value=actual, field=label, actual=actual, expected=expected)


# ------------------------------------------------------------------ P: spend plan

def _plan(ctx: Context, p: Project) -> list[tuple[str, Any]]:
    return [(m, p.spend_plan.get(m)) for m in ctx.framework.milestones]


@check("P01")
def _p01(ctx: Context):
    tol = ctx.t["spend_plan_tolerance"]
    cumulative = ctx.framework.spend_mode == "cumulative"
    for pi, p in _projects(ctx):
        plan = _plan(ctx, p)
        if any(not _blank(v) and not _num(v) for _, v in plan):
            continue  # P02
        if any(m not in ctx.framework.milestones and not _blank(v) for m, v in p.spend_plan.items()):
            continue  # P02: shares under a milestone the framework lacks; the sum means nothing yet
        if all(_blank(v) for _, v in plan):
            zh, en = "、".join(m for m, _ in plan), ", ".join(m for m, _ in plan)
            how = (f"填写截至{zh}各时点累计支出占预算数的百分比（填 30 表示 30%），逐期不减少，最后一期为 100",
                   f"Enter the cumulative percentage of the budget paid out by {en}, never decreasing, the last 100")
            if not cumulative:
                how = (f"按{zh}分期填写各期支出占预算数的百分比（填 30 表示 30%），各期合计为 100",
                       f"Enter the percentage of the budget paid out in each period ({en}), adding up to 100")
            yield ctx.at("P01", ("project", pi, f"spend:{plan[0][0]}"), p, value=None, variant="empty",
                         how=how[0], how_en=how[1])
        elif cumulative:
            last_m, last = plan[-1]
            if not (_num(last) and abs(last - 100) <= tol):
                yield ctx.at("P01", ("project", pi, f"spend:{last_m}"), p, value=last,
                             what=f"累计支出计划最后一期（{last_m}）为 {_fmt(last)}，应为 100",
                             what_en=f"the last cumulative milestone ({last_m}) is {_fmt(last)}, not 100")
        else:
            total = sum(v for _, v in plan if _num(v))
            if abs(total - 100) > tol:
                yield ctx.at("P01", ("project", pi, f"spend:{plan[0][0]}"), p, value=total,
                             what=f"各期支出比例合计为 {_fmt(total)}，应为 100",
                             what_en=f"the periods add up to {_fmt(total)}, not 100")


def _fmt(v: Any) -> str:
    if _num(v):
        return f"{v:.2f}".rstrip("0").rstrip(".")
    return "（空）" if _blank(v) else str(v)


@check("P02")
def _p02(ctx: Context):
    known = ctx.framework.milestones
    for pi, p in _projects(ctx):
        for m, v in p.spend_plan.items():
            if m not in known and not _blank(v):  # only JSON data can carry one: say so, never drop it
                yield ctx.at("P02", ("project", pi, f"spend:{known[0]}"), p, value=v, variant="unknown_milestone",
                             milestone=m, framework=ctx.framework.id, milestones="、".join(known),
                             milestones_en=", ".join(known))
        for m, v in _plan(ctx, p):
            if _blank(v):
                continue
            if not _num(v):
                yield ctx.at("P02", ("project", pi, f"spend:{m}"), p, value=v, milestone=m, problem="不是数字",
                             problem_en="is not a number")
            elif not 0 <= v <= 100:
                yield ctx.at("P02", ("project", pi, f"spend:{m}"), p, value=v, milestone=m, problem="不在 0–100 之间",
                             problem_en="is outside 0–100")


@check("P03")
def _p03(ctx: Context):
    if ctx.framework.spend_mode != "cumulative":
        return
    for pi, p in _projects(ctx):
        previous: tuple[str, float] | None = None
        for m, v in _plan(ctx, p):
            if not _num(v):
                continue
            if previous and v < previous[1]:
                yield ctx.at("P03", ("project", pi, f"spend:{m}"), p, value=v, milestone=m, previous=previous[0],
                             previous_value=previous[1])
            previous = (m, v)


# ------------------------------------------------------------------ G: goals

@check("G01")
def _g01(ctx: Context):
    if _blank(ctx.unit.department_goals.overall):
        yield ctx.at("G01", ("dept", "overall"), what="部门总体绩效目标", what_en="The department's overall goal")
    for pi, p in _projects(ctx):
        if not any(not _blank(g) for g in p.goals):
            yield ctx.at("G01", ("project", pi, "goals"), p, what=f"项目“{p.name}”的绩效目标",
                         what_en=f"The goal of project '{p.name}'")


def _placeholder(ctx: Context, text: str) -> str | None:
    """The first of the framework's placeholder patterns that matches, in its order."""
    patterns = ctx.t["placeholder_patterns"]
    screen = _any_of(tuple(patterns))
    if screen is not None and screen.search(text) is None:
        return None  # most texts match none: one search instead of one per pattern
    for pattern in patterns:
        m = re.search(pattern, text)
        if m:
            return m.group(0)
    return None


@functools.lru_cache(maxsize=8)
def _any_of(patterns: tuple[str, ...]) -> re.Pattern | None:
    """One regular expression matching where any of ``patterns`` does (None if they cannot be joined,
    e.g. a pattern with inline flags or a back-reference, which joining would renumber: then each
    is tried)."""
    if any(re.search(r"\\[1-9]|\(\?P=", p) for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
    except re.error:
        return None


@check("G02")
def _g02(ctx: Context):
    for key, p, _, text in _texts(ctx):
        hit = _placeholder(ctx, text)
        if hit:
            yield ctx.at("G02", key, p, value=text, text=hit)
    for pi, p, ii, ind in _indicators(ctx):
        for attr in ("name", "description", "value_note"):
            text = getattr(ind, attr)
            hit = _placeholder(ctx, text) if isinstance(text, str) else None
            if hit:
                yield ctx.at("G02", ("indicator", pi, ii, attr), p, value=text, text=hit)


# A year in an indicator's value or note: "2024年", or a month written "2024.01", "2024-01", "2024/1".
_VALUE_YEAR = re.compile(r"(?<!\d)(20\d{2})(?=\s*年|\s*[.．\-/]\s*\d{1,2}(?!\d))")


@check("G03")
def _g03(ctx: Context):
    year = ctx.unit.budget_year
    for key, p, what, text in _texts(ctx):
        if what == "实施期目标":
            continue  # the 实施期 runs over several years: other years belong there
        for other in sorted({int(y) for y in _YEAR.findall(text)} - {year}):
            yield ctx.at("G03", key, p, value=text, year=other, budget_year=year)
    # An annual indicator's value or note naming another year: a period like "2023.07-2024.01" runs past
    # the budget year, an earlier year was likely copied.
    for pi, p, ii, ind in _indicators(ctx):
        for attr in ("value", "value_note"):
            text = getattr(ind, attr)
            years = sorted({int(y) for y in _VALUE_YEAR.findall(text)} - {year}) if isinstance(text, str) else []
            if years:
                later = years[-1] > year
                yield ctx.at("G03", ("indicator", pi, ii, attr), p, value=text, year=years[-1] if later else years[0],
                             budget_year=year, variant="after" if later else None)


@check("G04")
def _g04(ctx: Context):
    for key, p, what, text in _texts(ctx):
        if key[0] == "measure":
            continue  # measures describe effort, not results; vagueness there is not a goal defect
        for word in ctx.t["vague_words"]:
            if word in text:
                yield ctx.at("G04", key, p, value=text, word=word)
    # A vague 指标值 ("稳步提高", "按月安排", "不超预算") cannot be measured either, whether it stands as
    # the value (read as 定性) or in the note beside a number: one finding per cell, its first vague word.
    words = tuple(dict.fromkeys((*ctx.t["vague_words"], *ctx.t.get("vague_value_words", ()))))
    for pi, p, ii, ind in _indicators(ctx):
        for attr in ("value", "value_note"):
            text = getattr(ind, attr)
            word = next((w for w in words if w in text), None) if isinstance(text, str) else None
            if word:
                yield ctx.at("G04", ("indicator", pi, ii, attr), p, value=text, word=word, variant="value")


def _bare(text: str | None) -> str:
    return re.sub(r"[\s\d.、．，,。;；:：()（）]+", "", text or "")


@check("G05")
def _g05(ctx: Context):
    for pi, p in _projects(ctx):
        goal = "".join(p.goals)
        for pattern in ctx.t["placeholder_patterns"]:
            goal = re.sub(pattern, "", goal)
        goal = _bare(goal)
        if not goal:
            continue
        for what, what_en, other in (("资金用途", "purpose", p.purpose), ("项目名称", "project name", p.name)):
            if _bare(other) and goal == _bare(other):
                yield ctx.at("G05", ("project", pi, "goals"), p, value="".join(p.goals), what=what, what_en=what_en)
                break


@check("G06")
def _g06(ctx: Context):
    dg = ctx.unit.department_goals
    if not dg.sections:
        yield ctx.at("G06", ("dept", "sections"), what="分项绩效目标", what_en="分项绩效目标 (section goals)")
    if not dg.measures:
        yield ctx.at("G06", ("dept", "measures"), what="工作保障措施", what_en="工作保障措施 (measures)")


_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?")


@check("G07")
def _g07(ctx: Context):
    """项目属性 and 实施期 (schema v2): understood, both ends given, in order, and containing the budget year."""
    year = ctx.unit.budget_year
    for pi, p in _projects(ctx):
        if p.attribute is not None and p.attribute not in ATTRIBUTES:
            yield ctx.at("G07", ("project", pi, "attribute"), p, value=p.attribute, variant="attribute")
        if p.period is None:
            continue
        ends = (("period_start", "起", "first month", p.period.start), ("period_end", "止", "last month", p.period.end))
        bad = [(key, v) for key, _, _, v in ends if isinstance(v, str) and not _MONTH.fullmatch(v)]
        for key, v in bad:
            yield ctx.at("G07", ("project", pi, key), p, value=v, variant="unreadable")
        start, end = p.period.start, p.period.end
        if bad or (start is None and end is None):
            continue
        if start is None or end is None:
            (_, given, given_en, _), (key, missing, _, _) = ends if start is not None else ends[::-1]
            yield ctx.at("G07", ("project", pi, key), p, value=start or end, variant="half", given=given,
                         given_en=given_en, missing=missing)
        elif (end + "-31")[:10] < (start + "-01")[:10]:  # a month without its day: the whole month
            yield ctx.at("G07", ("project", pi, "period_end"), p, value=end, variant="reversed", start=start, end=end)
        elif not int(start[:4]) <= year <= int(end[:4]):
            yield ctx.at("G07", ("project", pi, "period_start"), p, value=f"{start}—{end}", start=start, end=end,
                         budget_year=year)


# ------------------------------------------------------------------ I: indicators

def _required_levels(fw: Framework) -> dict[str, str]:
    """一级指标 the framework requires -> the severity of leaving it out."""
    return {level1: fw.required.get(level1, "no") for level1 in fw.level1_names
            if fw.required.get(level1, "no") != "no"}


@check("I01")
def _i01(ctx: Context):
    required = _required_levels(ctx.framework)
    for pi, p in _projects(ctx):
        if not p.indicators and required:
            # nothing filled: one "未填写", not one "缺少" per level beside a count of 0 (I12)
            must = [lv for lv, need in required.items() if need == "error"] or list(required)
            yield ctx.at("I01", ("project", pi, "indicators"), p, variant="empty",
                         severity=min(required.values(), key=lambda s: SEVERITY_ORDER[s]),
                         minimum=ctx.t["min_indicators"], required="、".join(must), required_en=", ".join(must))
            continue
        present = {ind.level1 for ind in p.indicators}
        for level1, need in required.items():
            if level1 not in present:
                yield ctx.at("I01", ("project", pi, "indicators"), p, severity=need, level1=level1)


def _home(fw: Framework, level2: str | None) -> str | None:
    """The one 一级 under which ``fw`` (after its layout variants) files ``level2``, if any."""
    homes = [l1 for l1, l2s in fw.levels if level2 in l2s]
    return homes[0] if len(homes) == 1 else None


@check("I02")
def _i02(ctx: Context):
    fw = ctx.framework
    for pi, p, ii, ind in _indicators(ctx):
        home = _home(fw, ind.level2)
        if ind.level1 not in fw.level1_names:
            hint = (f"；本指标体系把“{ind.level2}”列在“{home}”下", f"; this framework files '{ind.level2}' under "
                    f"'{home}'") if home else ("", "")
            yield ctx.at("I02", ("indicator", pi, ii, "level1"), p, value=ind.level1,
                         what=f"一级指标“{ind.level1 or '（空）'}”不在指标体系中（{'、'.join(fw.level1_names)}）{hint[0]}",
                         what_en=f"level-1 '{ind.level1}' is not in the framework{hint[1]}")
        elif ind.level2 not in fw.level2_of(ind.level1):
            known = "不属于" if ind.level2 in fw.all_level2 else "不在指标体系中，也不属于"
            # e.g. 满意度 as an 二级 under 效益 (older tables): say where this framework files it
            hint = (f"，本指标体系列在“{home}”下", f"; this framework files it under '{home}'") if home else ("", "")
            yield ctx.at("I02", ("indicator", pi, ii, "level2"), p, value=ind.level2,
                         what=f"二级指标“{ind.level2 or '（空）'}”{known}“{ind.level1}”{hint[0]}（可选：{'、'.join(fw.level2_of(ind.level1))}）",
                         what_en=f"level-2 '{ind.level2}' does not belong to '{ind.level1}'{hint[1]}")


@check("I03")
def _i03(ctx: Context):
    for pi, p, ii, ind in _indicators(ctx):
        name = (ind.name or "").strip()
        if not name:
            yield ctx.at("I03", ("indicator", pi, ii, "name"), p, what="未填", what_en="is missing")
        elif name.lower() in JUNK_NAMES or not re.search(r"\w", name):
            yield ctx.at("I03", ("indicator", pi, ii, "name"), p, value=name, what=f"“{name}”无意义",
                         what_en=f"'{name}' is not a name")


def _qualitative(ind: Indicator) -> bool:
    return ind.operator == "定性"


@check("I04")
def _i04(ctx: Context):
    unit_severity = ctx.t.get("missing_unit_severity", "error")
    for pi, p, ii, ind in _indicators(ctx):
        if _qualitative(ind):
            continue
        missing = [(label, en, attr) for label, en, attr in (("符号", "operator", "operator"), ("指标值", "value", "value"))
                   if _blank(getattr(ind, attr))]
        if ind.raw_operator and _blank(ind.operator):  # typed, but not one of ≥ ≤ ＝ ＞ ＜ 定性
            missing[0] = (f"可识别的符号（所填“{ind.raw_operator}”无法识别）", f"a known operator ('{ind.raw_operator}' is not one)",
                          "operator")
        if missing:
            yield ctx.at("I04", ("indicator", pi, ii, missing[0][2]), p, value=ind.raw_value,
                         missing="、".join(m[0] for m in missing), missing_en=", ".join(m[1] for m in missing))
        if _blank(ind.unit) and not _blank(ind.value):
            yield ctx.at("I04", ("indicator", pi, ii, "unit"), p, value=ind.value, severity=unit_severity,
                         missing="计量单位", missing_en="unit")


@check("I05")
def _i05(ctx: Context):
    for pi, p, ii, ind in _indicators(ctx):
        if _blank(ind.value) or _num(ind.value):
            continue
        declared = ind.value_type == "定量"  # stated by the table (schema v2), not guessed: text is never 定性 then
        if declared or not _qualitative(ind):
            yield ctx.at("I05", ("indicator", pi, ii, "value"), p, value=ind.value,
                         variant="declared" if declared else None)


def _is_rate(ind: Indicator) -> bool:
    return ind.unit == "%" or (ind.name or "").endswith("率")


@check("I06")
def _i06(ctx: Context):
    for pi, p, ii, ind in _indicators(ctx):
        if _num(ind.value) and _is_rate(ind) and not 0 <= ind.value <= 100:
            yield ctx.at("I06", ("indicator", pi, ii, "value"), p, value=ind.value, name=ind.name)


def _contradiction(words: tuple[str, ...], note: str | None, description: str | None) -> str | None:
    """A word of ``words`` in the value note, or next to a number in the description: "县级以上媒体"
    describes the subject, while "80%以上" or "不超过30万元" states the target."""
    for w in words:
        if note and w in note:
            return w
        # the word itself first (a substring test): the pattern below is only worth compiling and
        # running for the few descriptions that hold it
        if description and w in description and re.search(rf"\d\s*[%％万元个人次天户家项件]*\s*{w}|{w}\s*\d", description):
            return w
    return None


@check("I07")
def _i07(ctx: Context):
    for pi, p, ii, ind in _indicators(ctx):
        words = _AT_MOST if ind.operator in ("≥", ">") else _AT_LEAST if ind.operator in ("≤", "<") else ()
        word = _contradiction(words, ind.value_note if isinstance(ind.value_note, str) else None,
                              ind.description if isinstance(ind.description, str) else None)
        if word:
            yield ctx.at("I07", ("indicator", pi, ii, "operator"), p, value=ind.operator,
                         operator=OPERATOR_FROM_JSON.get(ind.operator, ind.operator), word=word)


def _is_cost(ctx: Context, ind: Indicator) -> bool:
    return ind.level1 == "成本指标" or ind.level2 in ctx.framework.cost_level2


_TO_MONEY_UNIT = {("元", "万元"): 1 / 10000, ("万元", "元"): 10000, ("万元", "万元"): 1, ("元", "元"): 1}


@check("I08")
def _i08(ctx: Context):
    for pi, p, ii, ind in _indicators(ctx):
        if _is_cost(ctx, ind) and ind.operator in ("≥", ">"):
            yield ctx.at("I08", ("indicator", pi, ii, "operator"), p, value=ind.operator,
                         what=f"成本指标“{ind.name}”用了“{OPERATOR_FROM_JSON[ind.operator]}”",
                         what_en=f"cost indicator '{ind.name}' uses {ind.operator}")
        factor = _TO_MONEY_UNIT.get((ind.unit or "", ctx.unit.money_unit)) if _is_cost(ctx, ind) else None
        if factor and _num(ind.value) and _num(p.funds.total) and ind.value * factor > p.funds.total + 1e-9:
            yield ctx.at("I08", ("indicator", pi, ii, "value"), p, value=ind.value,
                         what=f"指标值 {_fmt(ind.value)}{ind.unit} 超过项目预算数 {_fmt(p.funds.total)}{ctx.unit.money_unit}",
                         what_en=f"value {ind.value}{ind.unit} is above the budget {p.funds.total}")


def _is_satisfaction(ctx: Context, ind: Indicator) -> bool:
    return ind.level2 in ctx.framework.satisfaction_level2 or "满意" in (ind.name or "")


@check("I09")
def _i09(ctx: Context):
    minimum = ctx.t["satisfaction_min"]
    for pi, p, ii, ind in _indicators(ctx):
        if _is_satisfaction(ctx, ind) and _num(ind.value) and ind.unit in ("%", None, ""):
            what = (f"低于下限 {minimum}%" if ind.value < minimum else "恰为 100%" if ind.value == 100 else None)
            if what:
                yield ctx.at("I09", ("indicator", pi, ii, "value"), p, value=ind.value, what=what, minimum=minimum,
                             what_en="is below the minimum" if ind.value < minimum else "is exactly 100%")


@check("I10")
def _i10(ctx: Context):
    for pi, p in _projects(ctx):
        seen: dict[str, int] = {}
        for ii, ind in enumerate(p.indicators):
            name = (ind.name or "").strip()
            if not name:
                continue
            if name in seen:
                other = ctx.where(("indicator", pi, seen[name], "name"))[1] or f"第 {seen[name] + 1} 个指标"
                yield ctx.at("I10", ("indicator", pi, ii, "name"), p, value=name, name=name, other=other)
            else:
                seen[name] = ii


@check("I11")
def _i11(ctx: Context):
    options = "、".join(ctx.framework.basis_suggestions)
    for pi, p, ii, ind in _indicators(ctx):
        basis = (ind.basis or "").strip()
        if not basis:
            yield ctx.at("I11", ("indicator", pi, ii, "basis"), p, what="未填", what_en="is missing", options=options)
        elif ctx.framework.basis_requires_category and basis not in ctx.framework.basis_suggestions:
            yield ctx.at("I11", ("indicator", pi, ii, "basis"), p, value=basis, what=f"“{basis}”不是规定类别",
                         what_en=f"'{basis}' is not one of the categories", options=options)


@check("I12")
def _i12(ctx: Context):
    minimum = ctx.t["min_indicators"]
    said_empty = "I01" in ctx.active and bool(_required_levels(ctx.framework))
    for pi, p in _projects(ctx):
        if not p.indicators:
            if not said_empty:  # else I01 already said "未填写" for this project
                yield ctx.at("I12", ("project", pi, "indicators"), p, value=0, variant="empty", minimum=minimum)
        elif len(p.indicators) < minimum:
            yield ctx.at("I12", ("project", pi, "indicators"), p, value=len(p.indicators), count=len(p.indicators),
                         minimum=minimum)


@check("I13")
def _i13(ctx: Context):
    categories = set(ctx.framework.level1_names) | set(ctx.framework.all_level2)
    for pi, p, ii, ind in _indicators(ctx):
        if (ind.name or "").strip() in categories:
            yield ctx.at("I13", ("indicator", pi, ii, "name"), p, value=ind.name, name=ind.name)


@check("I14")
def _i14(ctx: Context):
    limit = ctx.t["qualitative_max_share"]
    for pi, p in _projects(ctx):
        if not p.indicators:
            continue
        count = sum(_qualitative(i) for i in p.indicators)
        share = count / len(p.indicators)
        if share > limit:
            yield ctx.at("I14", ("project", pi, "indicators"), p, value=count, count=count, share=f"{share:.0%}",
                         limit=f"{limit:.0%}")


@check("I15")
def _i15(ctx: Context):
    home = {l1 for l1, l2s in ctx.framework.levels if set(l2s) & set(ctx.framework.satisfaction_level2)}
    for pi, p, ii, ind in _indicators(ctx):
        if "满意" in (ind.name or "") and ind.level1 not in home and ind.level1 in ctx.framework.level1_names:
            yield ctx.at("I15", ("indicator", pi, ii, "level1"), p, value=ind.level1, name=ind.name)


@check("I16")
def _i16(ctx: Context):
    for pi, p, ii, ind in _indicators(ctx):
        if _qualitative(ind) or _blank(ind.unit) or not isinstance(ind.raw_value, str):
            continue
        found = parse_indicator_value(ind.raw_value).unit
        if found and found != ind.unit:
            yield ctx.at("I16", ("indicator", pi, ii, "value"), p, value=ind.raw_value, found=found, unit=ind.unit)


@check("I17")
def _i17(ctx: Context):
    limit = ctx.t["value_max_bytes"]
    for pi, p, ii, ind in _indicators(ctx):
        text = ind.raw_value if isinstance(ind.raw_value, str) else ind.value if isinstance(ind.value, str) else None
        if text:
            size = len(text.encode("gb18030", errors="replace"))  # the budget systems' exchange encoding
            if size > limit:
                yield ctx.at("I17", ("indicator", pi, ii, "value"), p, value=text, size=size, limit=limit)


@check("I18")
def _i18(ctx: Context):
    """Process or fund-execution measures (支出合规性, 资金使用率, 项目完成情况, 按时发放) filed as 效益."""
    benefit = set(ctx.t.get("benefit_level1", ()))
    words = ctx.t.get("benefit_process_words", ())
    for pi, p, ii, ind in _indicators(ctx):
        name = ind.name or ""
        word = next((w for w in words if w in name), None) if ind.level1 in benefit else None
        if word:
            yield ctx.at("I18", ("indicator", pi, ii, "name"), p, value=name, name=name, word=word, level1=ind.level1)


def _weight(v: Any) -> float | None:
    return float(v) if _num(v) else parse_number(v) if isinstance(v, str) else None


def _weight_place(ctx: Context, pi: int, ii: int) -> tuple:
    """The 权重 cell where the template has a weight column, else the project's indicator table."""
    key = ("indicator", pi, ii, "weight")
    return key if ctx.where(key) != (None, None) else ("project", pi, "indicators")


@check("I19")
def _i19(ctx: Context):
    """Weights (权重/分值), where given, add up to weights_total per table or per 一级指标 (the framework's scope)."""
    expected = ctx.t.get("weights_total", 100)
    per_level1 = ctx.t.get("weights_scope", "table") == "level1"
    for pi, p in _projects(ctx):
        given = [(ii, ind) for ii, ind in enumerate(p.indicators) if not _blank(ind.weight)]
        bad = [(ii, ind) for ii, ind in given if _weight(ind.weight) is None]
        for ii, ind in bad:
            yield ctx.at("I19", _weight_place(ctx, pi, ii), p, value=ind.weight, variant="not_number")
        if not given or bad:
            continue
        groups: dict[str | None, list[tuple[int, Indicator]]] = {}
        for ii, ind in given:
            groups.setdefault(ind.level1 if per_level1 else None, []).append((ii, ind))
        for level1, items in groups.items():
            total = sum(_weight(ind.weight) for _, ind in items)
            if abs(total - expected) > 0.005:
                scope = (f"“{level1}”下", f"under {level1}") if level1 else ("本表", "in this table")
                yield ctx.at("I19", _weight_place(ctx, pi, items[0][0]), p, value=_fmt(total), total=_fmt(total),
                             expected=_fmt(expected), scope=scope[0], scope_en=scope[1])


# ------------------------------------------------------------------ C: codes

@check("C01")
def _c01(ctx: Context):
    pattern = re.compile(ctx.t["project_code_pattern"])
    for pi, p in _projects(ctx):
        if not pattern.match(p.code or ""):
            yield ctx.at("C01", ("project", pi, "code"), p, value=p.code, code=p.code)


@check("C02")
def _c02(ctx: Context):
    for pi, p in _projects(ctx):
        yy = (p.code or "")[6:8]
        if len(p.code or "") == 21 and yy.isdigit() and 2000 + int(yy) > ctx.unit.budget_year:
            yield ctx.at("C02", ("project", pi, "code"), p, value=p.code, year=2000 + int(yy),
                         budget_year=ctx.unit.budget_year)


@check("C03")
def _c03(ctx: Context):
    code = ctx.unit.unit.code
    if _blank(code):
        yield ctx.at("C03", ("unit",), code="", what="缺失", what_en="is missing")
    elif not re.match(ctx.t["unit_code_pattern"], code):
        yield ctx.at("C03", ("unit",), value=code, code=code, what="格式不对", what_en="is malformed")


# ------------------------------------------------------------------ X within one workbook, S08 and X03 with a register

@check("X01")
def _x01(ctx: Context):
    first: dict[str, int] = {}
    for pi, p in _projects(ctx):
        if p.code in first:
            yield ctx.at("X01", ("project", pi, "code"), p, value=p.code, code=p.code,
                         what=f"在本工作簿中出现两次（另见第 {first[p.code] + 1} 个项目）",
                         what_en="appears twice in this workbook")
        else:
            first[p.code] = pi


_NOT_LETTERS = re.compile(r"[\s\d\W_]+")


def _bare_letters(text: str | None) -> str:
    """The text with white space, digits, punctuation and underscores removed: what runs are cut from."""
    return _NOT_LETTERS.sub("", text or "")


def _grams(text: str, n: int = 4) -> set[str]:
    text = _bare_letters(text)
    return {text[i:i + n] for i in range(len(text) - n + 1)}


def _bare_joined(texts: Iterable[str | None]) -> str:
    """Texts made bare and joined by NUL, which no bare text holds: a run of bare letters is a run
    of one of the texts exactly when it is a substring of this (``run in joined``), so long texts
    such as goals are searched, never cut into sets of runs."""
    return "\0".join(_bare_letters(t) for t in texts)


class CopyIndex:
    """What is distinctive of each project: the 4-character runs of its name and purpose that no
    other project's name or purpose has. Built once over every project in view (one workbook, or a
    whole round), so looking an indicator up is linear in its text: a project's own runs (name,
    purpose, goals) are worked out once per project, not once per indicator."""

    def __init__(self, projects: Iterable[Project]):
        owners: dict[str, Project | None] = {}
        for p in projects:
            for g in _grams(p.name) | _grams(p.purpose or ""):  # never a run across the two fields
                owners[g] = p if g not in owners or owners[g] is p else None
        self.owner = {g: p for g, p in owners.items() if p is not None}
        self._own: dict[int, tuple[Project, str]] = {}
        self.grams_made = 0  # texts made bare for runs: the work, counted (tests assert it stays linear)

    def own(self, p: Project) -> str:
        """The project's own texts (name, purpose, goals), bare and joined (``_bare_joined``), made
        once per project."""
        got = self._own.get(id(p))
        if got is None or got[0] is not p:
            texts = (p.name, p.purpose or "", *p.goals)
            self.grams_made += len(texts)
            got = self._own[id(p)] = (p, _bare_joined(texts))
        return got[1]

    def hits(self, p: Project, text: str) -> tuple[str, Project] | None:
        self.grams_made += 1
        owner = self.owner
        # Runs another project owns are few (most runs of an indicator are nobody's): they are found
        # by a dict lookup first, and only they are searched for in the project's own texts.
        found = [g for g in _grams(text) if g in owner and owner[g] is not p]
        if not found:
            return None
        own = self.own(p)
        for g in sorted(found):
            other = owner[g]
            if g not in own and other.code != p.code:
                return g, other
        return None


@check("X02")
def _x02(ctx: Context):
    """An indicator that names what is distinctive of another project was likely copied from it."""
    index = ctx.copy_index or CopyIndex(ctx.unit.projects)
    for pi, p, ii, ind in _indicators(ctx):
        text = " ".join(t for t in (ind.name, ind.description, ind.value_note) if isinstance(t, str))
        hit = index.hits(p, text)
        if hit:
            yield ctx.at("X02", ("indicator", pi, ii, "description"), p, value=text, text=hit[0], other=hit[1].name)


COMMON_WORDING_UNITS = 5


def _wording(description: str | None) -> str:
    """A description as compared across units: without white space (str.split's white space is
    the regular expression ``\\s``'s, Unicode's)."""
    return "".join((description or "").split())


@dataclass
class AcrossWork:
    """What :func:`copied_across` did, counted: the tests hold it to a bound linear in the round
    (every indicator is read once, and only wording few units share is compared, with a bounded
    number of projects, whatever wording the units share)."""

    indicators: int = 0     # indicators read (once each, to index them)
    looked_up: int = 0      # indicators whose wording 2..COMMON_WORDING_UNITS units hold: compared
    candidates: int = 0     # other (unit, project) pairs compared with such an indicator
    grams_made: int = 0     # texts made bare or cut into 4-character runs


def copied_across(units: list[UnitData], work: AcrossWork | None = None
                  ) -> Iterator[tuple[UnitData, int, int, str, Project]]:
    """X02 across workbooks: an indicator whose text is word for word another unit's indicator and
    names that unit's project (a 4-character run of its name not found in its own project's texts).
    Verbatim copying plus a foreign subject keeps this quiet on the generic phrases units share.

    Linear in the round: every indicator is read once, and the units holding each wording counted as
    it is read; wording more than ``COMMON_WORDING_UNITS`` units hold is common phrasing, forgotten as
    soon as it is known to be (never compared, not kept in memory). The rest is compared with the
    distinct (unit, project) pairs holding it, at most that many units' projects; a project's texts
    are made bare once. Hits come in the order of the units, projects and indicators. ``work``
    (optional) counts it all."""
    work = work if work is not None else AcrossWork()
    holders: dict[str, int] = {}                        # wording -> units holding it
    last_unit: dict[str, int] = {}                      # wording -> the last unit it was seen in
    seen: dict[str, list[tuple[UnitData, Project]]] = {}  # wording -> distinct (unit, project) holding it
    where: dict[str, list[tuple[int, int, int]]] = {}   # wording -> (unit, project, indicator) numbers
    for ui, u in enumerate(units):
        for pi, p in enumerate(u.projects):
            for ii, ind in enumerate(p.indicators):
                work.indicators += 1
                key = _wording(ind.description)
                if len(key) < 8:
                    continue
                n = holders.get(key, 0)
                if n > COMMON_WORDING_UNITS:
                    continue  # common phrasing, known already
                if last_unit.get(key) != ui:  # a unit's indicators come together
                    n = holders[key] = n + 1
                    last_unit[key] = ui
                    if n > COMMON_WORDING_UNITS:
                        del seen[key], where[key]
                        continue
                pairs = seen.setdefault(key, [])
                if not pairs or pairs[-1][1] is not p:
                    pairs.append((u, p))
                where.setdefault(key, []).append((ui, pi, ii))
    del last_unit
    own: dict[int, str] = {}
    names: dict[int, set[str]] = {}
    hits: list[tuple[tuple[int, int, int], str, Project]] = []
    for key, places in where.items():
        if holders[key] < 2:
            continue  # nobody else wrote it
        runs = _grams(key)
        work.grams_made += 1
        for ui, pi, ii in places:
            work.looked_up += 1
            u = units[ui]
            p = u.projects[pi]
            mine = own.get(id(p))
            if mine is None:
                texts = (p.name, p.purpose or "", *p.goals)
                work.grams_made += len(texts)
                mine = own[id(p)] = _bare_joined(texts)
            said = {g for g in runs if g not in mine}  # runs of the wording not in the project's own texts
            for other_unit, q in seen[key]:
                if other_unit is u:
                    continue
                work.candidates += 1
                name = names.get(id(q))
                if name is None:
                    work.grams_made += 1
                    name = names[id(q)] = _grams(q.name)
                hit = name & said
                if hit:
                    hits.append(((ui, pi, ii), min(hit), q))
                    break
    hits.sort(key=lambda h: h[0])
    for (ui, pi, ii), run, q in hits:
        yield units[ui], pi, ii, run, q


@check("S08")
def _s08(ctx: Context):
    if ctx.register is None:
        return
    issued = ctx.register.get(ctx.unit.unit.code)
    if issued is None:
        yield ctx.at("S08", ("unit",), unit_code=ctx.unit.unit.code, what="不在项目清单中", what_en="not in the register")
    elif issued.unit.name != ctx.unit.unit.name:
        yield ctx.at("S08", ("unit",), unit_code=ctx.unit.unit.code, value=ctx.unit.unit.name,
                     what=f"单位名称“{ctx.unit.unit.name}”与清单的“{issued.unit.name}”不符",
                     what_en="its name differs from the register's")


@check("X03")
def _x03(ctx: Context):
    if ctx.register is None or ctx.unit.unit.code not in ctx.register:
        return
    issued = ctx.register[ctx.unit.unit.code]
    codes = {p.code for p in ctx.unit.projects}
    expected = {p.code for p in issued.projects}
    for pi, p in _projects(ctx):
        if p.code not in expected:
            yield ctx.at("X03", ("project", pi, "code"), p, value=p.code,
                         what=f"项目 {p.code}“{p.name}”不在本单位的项目清单中",
                         what_en=f"project {p.code} is not in the unit's register")
    for p in issued.projects:
        if p.code not in codes:
            yield ctx.at("X03", ("unit",), p, value=p.code, what=f"清单中的项目 {p.code}“{p.name}”未填报",
                         what_en=f"register project {p.code} is missing from the workbook")


# ------------------------------------------------------------------ running

CROSS_FILE_CODES = frozenset({"X04"})  # raised by checks over several files, not per unit
READER_CODES = frozenset({"S01", "S02", "S03", "S04", "S05", "S06", "S07"})


def run_rules(ctx: Context, *, mode: str = "submit", select: Iterable[str] | None = None,
              skip: Iterable[str] = ()) -> list[Finding]:
    """Every enabled check over the unit; ``mode='draft'`` keeps structure and identity only.

    The framework's ``rules`` section can disable a code or change its severity.
    """
    chosen = set(select) if select else set(CHECKS)
    chosen -= set(skip)
    if mode == "draft":
        chosen &= DRAFT_CODES
    chosen = {code for code in chosen if ctx.framework.rules.get(code, {}).get("enabled", True) is not False}
    ctx.active = frozenset(chosen)
    out: list[Finding] = []
    for code in sorted(chosen):
        settings = ctx.framework.rules.get(code, {})
        for f in CHECKS[code](ctx):
            if "severity" in settings:
                f.severity = settings["severity"]
            out.append(f)
    out += _other_tables(ctx, chosen)
    return out


# The checks of one indicator row, or of one table's rows among themselves, that hold as well in the
# schema-v2 indicator tables besides a project's 年度 one: the department's own (部门整体绩效指标) and a
# project's 实施期 indicators. Not those of a project's whole table (I01, I12, I14: those tables are
# optional and carry no required levels), nor X02; G03 (another year) only in the department's, which
# is annual: a 实施期 runs over several years.
_TABLE_CODES = ("G02", "G03", "G04", "I02", "I03", "I04", "I05", "I06", "I07", "I08", "I09", "I10", "I11", "I13",
                "I15", "I16", "I17", "I18", "I19")


def _other_tables(ctx: Context, chosen: set[str]) -> list[Finding]:
    """The row checks (_TABLE_CODES) over the 部门整体 and 实施期 indicator tables, each table seen as a
    project of its own so every check runs unchanged; their findings name the tables' own cells (the
    keys ("dept_indicator", i, attr) and ("period_indicator", project, i, attr)). A warning the unit
    explained on its row (出错说明) is marked explained, as on a 年度 row."""
    u = ctx.unit
    tables: list[tuple[tuple, tuple, Project | None, list[Indicator]]] = []
    if u.department_goals.indicators:
        tables.append((("dept_indicator",), ("dept", "indicators"), None, u.department_goals.indicators))
    for pi, p in _projects(ctx):
        if p.period_indicators:
            tables.append((("period_indicator", pi), ("project", pi, "period_indicators"), p, p.period_indicators))
    codes = [c for c in _TABLE_CODES if c in chosen]
    out: list[Finding] = []
    for prefix, header, owner, inds in tables:
        def where(key: tuple, prefix: tuple = prefix, header: tuple = header) -> tuple[str | None, str | None]:
            if key[:2] == ("indicator", 0):
                return ctx.where((*prefix, *key[2:]))
            return ctx.where(header) if key == ("project", 0, "indicators") else (None, None)

        table = Project(code=owner.code if owner else "", name=owner.name if owner else "", indicators=inds)
        sub = Context(replace(u, projects=[table], department_goals=DepartmentGoals()), ctx.framework, where=where,
                      active=ctx.active)
        notes = {ctx.where((*prefix, ii, attr)): ind.explanation for ii, ind in enumerate(inds) if ind.explanation
                 for attr in ("level1", "level2", "name", "description", "operator", "value", "unit", "value_note",
                              "basis", "value_type", "weight", "direction")}
        for code in codes:
            if code == "G03" and owner is not None:
                continue
            settings = ctx.framework.rules.get(code, {})
            for f in CHECKS[code](sub):
                f.project_code = owner.code if owner else None
                if "severity" in settings:
                    f.severity = settings["severity"]
                note = notes.get((f.sheet, f.cell))
                if note and note.strip() and f.severity != "error":
                    f.explained, f.explanation = True, note.strip()
                out.append(f)
    return out
