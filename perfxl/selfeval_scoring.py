"""Scoring of the year-end self-evaluation (绩效自评), declared once for Python and for the workbook.

The framework says how a project is scored (its ``selfeval`` section, data a province adjusts; the
defaults are in :mod:`perfxl.frameworks`); this module turns that data into *declarations*: each
scoring function (an indicator's 得分 by 正向/反向/等于/定性, 执行率, the 预算执行率 得分, 总分, 自评等级)
is one small expression tree that evaluates in Python (:meth:`Declaration.__call__`, what ``check``
and the summary use) and writes itself as an Excel 2007 formula (:meth:`Declaration.formula`, what
the writer will put into the 得分/总分/等级 cells). The two cannot drift apart because there is only
one declaration; tests/test_selfeval_rules.py evaluates the formulas in LibreOffice against the
Python results. This is the pattern of :mod:`perfxl.live` (a rule's Excel condition beside its
Python twin, ``x_*``/``p_*``) taken one step further: here the twin is derived, not written twice.

The scoring, as decided for issue 14 (docs/selfeval.md has the reasons):

* an indicator's kind comes from its approved operator: ≥ and ＞ are 正向, ≤ and ＜ 反向, ＝ 等于,
  定性 qualitative (the 指标方向 of schema v2 only where no operator is given; 区间 is 等于);
* 正向: full 分值 when the actual reaches the target, else actual ÷ target × 分值 (0 for an actual of
  0 or below); 反向: full when the actual is at or below the target (so a zero actual with a
  nonzero target scores full), else target ÷ actual × 分值 (0 when the target is 0 or below: any
  actual above a zero ceiling misses it); 等于: full within ``equal_tolerance`` (relative to the
  target, default 0: exact), else min(actual ÷ target, target ÷ actual) × 分值; ＞ and ＜ score as ≥
  and ≤ (the self-evaluation scores the degree of completion, not the strictness of the bound);
* 定性: the actual starts with one of the framework's grades (default 达成 1, 部分达成 0.6, 未达成 0;
  the longest grade that matches), × 分值; text may follow the grade ("达成，已全部完成");
* 执行率 = 全年执行数 ÷ 全年预算数 × 100 (percent, as the spend plan), its 得分 min(执行率, 100) ÷ 100 ×
  the framework's ``budget_execution`` 分值;
* every 得分, the 执行率 and the 总分 are rounded to ``decimals`` (default 2) the way Excel's ROUND
  rounds (half away from zero, on the 15 significant digits Excel keeps);
* 自评等级: the first grade band whose minimum the 总分 reaches (default 优 ≥ 90, 良 ≥ 80, 中 ≥ 60,
  差 below), so 90 is 优, 89.99 良.

分值 are spread over a project's indicators by :func:`spread_points`: each 一级 (its *group*, see
:func:`group_of`) gets its share, a group with no indicator in the project hands its share to the
others in proportion to theirs, and within a group the 分值 follow the indicators' 权重 (schema v2)
where every one of them has a positive weight, else they are even; rounding keeps every sum exact
(largest remainder).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Mapping, Sequence

from .errors import FrameworkError
from .frameworks import Framework
from .i18n import t
from .live import p_fold, p_ws, q, x_fold, x_ws
from .model import Indicator
from .values import KNOWN_UNITS, UNIT_ALIASES, parse_number

__all__ = ["Expr", "Declaration", "Count", "Scoring", "Reading", "scoring_of", "selfeval_problems", "declared_levels", "kind_of",
           "group_of", "spread_points", "expected_shares", "apportion", "excel_round", "read_actual", "number", "KINDS",
           "ACTUAL_UNITS", "unit_spellings", "actual_reading", "actual_steps", "actual_formulas"]

# ------------------------------------------------------------------ expressions: one tree, two readings


def _isnum(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def excel_round(x: float, digits: int) -> float:
    """ROUND(x, digits) as Excel computes it: on the 15 significant digits it keeps, half away from
    zero (Python's round() rounds half to even on the binary value: 2.675 → 2.67, Excel 2.68)."""
    d = Decimal(format(float(x), ".15g"))
    return float(d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)) + 0.0


def _literal(x: float | int) -> str:
    """A number as an Excel formula literal."""
    if isinstance(x, bool) or not _isnum(x):
        raise ValueError(f"not a finite number: {x!r}")
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x)).upper()


class Expr:
    """A node of a scoring expression: ``py`` evaluates it over named values, ``xl`` writes it as an
    Excel 2007 expression over named cell references. Python operators build nodes (``a / t * p``,
    ``a >= t``); a node is never used as a truth value."""

    def py(self, env: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def xl(self, refs: Mapping[str, str]) -> str:
        raise NotImplementedError

    def __add__(self, o: Any) -> "Expr":
        return _Bin("+", self, lift(o))

    def __sub__(self, o: Any) -> "Expr":
        return _Bin("-", self, lift(o))

    def __mul__(self, o: Any) -> "Expr":
        return _Bin("*", self, lift(o))

    def __rmul__(self, o: Any) -> "Expr":
        return _Bin("*", lift(o), self)

    def __truediv__(self, o: Any) -> "Expr":
        return _Bin("/", self, lift(o))

    def __ge__(self, o: Any) -> "Expr":  # type: ignore[override]
        return _Cmp(">=", self, lift(o))

    def __le__(self, o: Any) -> "Expr":  # type: ignore[override]
        return _Cmp("<=", self, lift(o))

    def __bool__(self) -> bool:
        raise TypeError("a scoring expression has no truth value: use IF/AND/OR nodes")


def lift(v: Any) -> Expr:
    if isinstance(v, Expr):
        return v
    if isinstance(v, str):
        return Text(v)
    return Num(v)


@dataclass(frozen=True, eq=False)
class Var(Expr):
    """A named input: a cell (or, for :class:`Sum`, a list of cells and ranges)."""

    name: str

    def py(self, env):
        return env.get(self.name)

    def xl(self, refs):
        return refs[self.name]


@dataclass(frozen=True, eq=False)
class Num(Expr):
    value: float

    def py(self, env):
        return self.value

    def xl(self, refs):
        return _literal(self.value)


@dataclass(frozen=True, eq=False)
class Text(Expr):
    """A text constant; the empty text is Excel's "" and Python's None (a blank result)."""

    value: str

    def py(self, env):
        return self.value or None

    def xl(self, refs):
        return q(self.value)


BLANK = Text("")
_PY_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
           ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b}


@dataclass(frozen=True, eq=False)
class _Bin(Expr):
    op: str
    a: Expr
    b: Expr

    def py(self, env):
        return _PY_OPS[self.op](self.a.py(env), self.b.py(env))

    def xl(self, refs):
        return f"({self.a.xl(refs)}{self.op}{self.b.xl(refs)})"


@dataclass(frozen=True, eq=False)
class _Cmp(_Bin):
    def xl(self, refs):
        return f"{self.a.xl(refs)}{self.op}{self.b.xl(refs)}"


@dataclass(frozen=True, eq=False)
class _If(Expr):
    """IF(cond, then, else); Python evaluates only the branch taken (as Excel does)."""

    cond: Expr
    then: Expr
    other: Expr

    def py(self, env):
        return self.then.py(env) if self.cond.py(env) else self.other.py(env)

    def xl(self, refs):
        return f"IF({self.cond.xl(refs)},{self.then.xl(refs)},{self.other.xl(refs)})"


@dataclass(frozen=True, eq=False)
class Fn(Expr):
    """One of the Excel 2007 functions the declarations use, with its Python twin."""

    name: str
    args: tuple[Expr, ...]

    def py(self, env):
        if self.name in ("AND", "OR"):  # Excel evaluates every argument; the arguments here are total
            values = [a.py(env) for a in self.args]
            return all(values) if self.name == "AND" else any(values)
        v = [a.py(env) for a in self.args]
        if self.name == "ISNUMBER":
            return _isnum(v[0])
        if self.name == "MIN":
            return min(v)
        if self.name == "MAX":
            return max(v)
        if self.name == "ABS":
            return abs(v[0])
        if self.name == "ROUND":
            return excel_round(v[0], int(v[1]))
        raise KeyError(self.name)

    def xl(self, refs):
        return f"{self.name}({','.join(a.xl(refs) for a in self.args)})"


def If(cond: Expr, then: Any, other: Any) -> Expr:
    return _If(cond, lift(then), lift(other))


def fn(name: str, *args: Any) -> Expr:
    return Fn(name, tuple(lift(a) for a in args))


@dataclass(frozen=True, eq=False)
class IfError(Expr):
    """IFERROR(value, fallback): text in arithmetic is #VALUE! in Excel and a TypeError in Python."""

    value: Expr
    fallback: Expr

    def py(self, env):
        try:
            return self.value.py(env)
        except (TypeError, ZeroDivisionError):
            return self.fallback.py(env)

    def xl(self, refs):
        return f"IFERROR({self.value.xl(refs)},{self.fallback.xl(refs)})"


@dataclass(frozen=True, eq=False)
class Sum(Expr):
    """SUM over cells and ranges: numbers add up, blanks and text are skipped (as Excel's SUM of
    references skips them). In Python the variable is a list of values."""

    var: Var

    def py(self, env):
        return sum(v for v in (self.var.py(env) or ()) if _isnum(v)) + 0.0

    def xl(self, refs):
        return f"SUM({self.var.xl(refs)})"


@dataclass(frozen=True, eq=False)
class Count(Expr):
    """COUNT over cells and ranges: how many hold numbers (blanks and text are not counted)."""

    var: Var

    def py(self, env):
        return sum(1 for v in (self.var.py(env) or ()) if _isnum(v))

    def xl(self, refs):
        return f"COUNT({self.var.xl(refs)})"


@dataclass(frozen=True, eq=False)
class Prefix(Expr):
    """The value of the longest key that the text starts with (after the whitespace folding of
    :func:`perfxl.live.x_ws`: ideographic space, tab and line breaks as spaces, trimmed), else
    blank: how a 定性 actual such as "部分达成，因…" is read as its grade."""

    var: Var
    table: tuple[tuple[str, float], ...]

    def _ordered(self) -> list[tuple[str, float]]:
        return sorted(self.table, key=lambda kv: -len(kv[0]))

    def py(self, env):
        text = p_ws(self.var.py(env))
        for key, value in self._ordered():
            if text[:len(key)] == key:
                return value
        return None

    def xl(self, refs):
        text = x_ws(self.var.xl(refs))
        out = '""'
        for key, value in reversed(self._ordered()):
            out = f"IF(EXACT(LEFT({text},{len(key)}),{q(key)}),{_literal(value)},{out})"  # EXACT: case as Python
        return out


@dataclass(frozen=True, eq=False)
class Bands(Expr):
    """The name of the first band whose minimum the number reaches (bands listed highest first; the
    last band takes everything below the one before it)."""

    var: Expr
    bands: tuple[tuple[str, float], ...]

    def py(self, env):
        x = self.var.py(env)
        for name, minimum in self.bands[:-1]:
            if x >= minimum:
                return name
        return self.bands[-1][0]

    def xl(self, refs):
        x = self.var.xl(refs)
        out = q(self.bands[-1][0])
        for name, minimum in reversed(self.bands[:-1]):
            out = f"IF({x}>={_literal(minimum)},{q(name)},{out})"
        return out


@dataclass(frozen=True)
class Declaration:
    """One scoring function: its name, its inputs, and the expression that is both its Python body
    and its workbook formula."""

    name: str
    params: tuple[str, ...]
    expr: Expr

    def __call__(self, **values: Any) -> Any:
        """The result in Python: a number, a grade name, or None where the workbook shows a blank."""
        unknown = set(values) - set(self.params)
        if unknown:
            raise TypeError(f"{self.name}: unknown inputs {sorted(unknown)}")
        return self.expr.py(values)

    def formula(self, **refs: str) -> str:
        """The Excel 2007 formula over the given cell references (one per parameter)."""
        missing = set(self.params) - set(refs)
        if missing:
            raise TypeError(f"{self.name}: no reference for {sorted(missing)}")
        return "=" + self.expr.xl(refs)


# ------------------------------------------------------------------ the framework's scoring data

KINDS = {"≥": "positive", ">": "positive", "≤": "negative", "<": "negative", "=": "equal", "定性": "qualitative"}
_DIRECTION_KINDS = {"正向": "positive", "反向": "negative", "区间": "equal"}


def kind_of(ind: Indicator) -> str | None:
    """How an approved indicator is scored: positive, negative, equal or qualitative; None when its
    target says neither (no operator, no 指标值类型 定性, no 指标方向): it cannot be scored."""
    if ind.operator in KINDS:
        return KINDS[ind.operator]
    if ind.value_type == "定性":
        return "qualitative"
    return _DIRECTION_KINDS.get(ind.direction or "")


def number(v: Any) -> float | None:
    """A number as typed or as one bare number in text ("10", "１０"); None otherwise."""
    return float(v) if _isnum(v) else parse_number(v) if isinstance(v, str) else None


@dataclass(frozen=True)
class Scoring:
    """The framework's ``selfeval`` section, read: see :mod:`perfxl.frameworks` for the defaults."""

    shares: tuple[tuple[str, float], ...]       # 一级 → 分值, in the framework's order
    budget_execution: float                     # 预算执行率's 分值
    grades: tuple[tuple[str, float], ...]       # 自评等级 bands, highest minimum first
    qualitative: tuple[tuple[str, float], ...]  # 定性 grade → fraction of the 分值
    equal_tolerance: float                      # 等于: full 分值 within this share of the target
    far_beyond: float                           # E07: a 正向 actual this many times its target
    decimals: int                               # 得分, 执行率 and 总分 are rounded to this many decimals

    @property
    def share_of(self) -> dict[str, float]:
        return dict(self.shares)

    @property
    def total(self) -> float:
        """What all 分值 add up to (100 in every framework that passes :func:`selfeval_problems`)."""
        return sum(v for _, v in self.shares) + self.budget_execution

    @property
    def tolerance(self) -> float:
        """Half a unit of the last decimal of a rounded 分值 or 得分."""
        return 0.5 * 10 ** -self.decimals + 1e-9

    @property
    def qualitative_grades(self) -> list[str]:
        """The grades a 定性 actual starts with (达成, 部分达成, 未达成), not the 自评等级 bands."""
        return [name for name, _ in self.qualitative]

    # -------------------------------------------------------------- the declarations

    def indicator_score(self, kind: str) -> Declaration:
        """得分 of an indicator of ``kind`` from its actual, target and 分值 (blank until all are numbers)."""
        a, tg, p = Var("actual"), Var("target"), Var("points")
        d = self.decimals
        if kind == "qualitative":
            frac = Prefix(a, self.qualitative)
            body = If(fn("ISNUMBER", p), IfError(fn("ROUND", frac * p, d), BLANK), BLANK)  # no grade: "" * p fails
            return Declaration("score_qualitative", ("actual", "points"), body)
        if kind == "positive":
            core = If(a >= tg, p, If(a <= 0, 0, a / tg * p))
        elif kind == "negative":
            core = If(a <= tg, p, If(tg <= 0, 0, tg / a * p))
        elif kind == "equal":
            near = fn("ABS", a - tg) <= self.equal_tolerance * fn("ABS", tg)
            core = If(near, p, If(fn("OR", a <= 0, tg <= 0), 0, fn("MIN", a / tg, tg / a) * p))
        else:
            raise ValueError(f"unknown kind {kind!r}")
        guard = fn("AND", fn("ISNUMBER", a), fn("ISNUMBER", tg), fn("ISNUMBER", p))
        return Declaration(f"score_{kind}", ("actual", "target", "points"), If(guard, fn("ROUND", core, d), BLANK))

    def execution_rate(self) -> Declaration:
        """执行率 in percent: 全年执行数 ÷ 全年预算数 × 100 (blank while either is missing or the budget is 0)."""
        e, b = Var("executed"), Var("budget")
        guard = fn("AND", fn("ISNUMBER", e), fn("ISNUMBER", b))
        body = If(guard, If(b <= 0, BLANK, fn("ROUND", e / b * 100, self.decimals)), BLANK)
        return Declaration("execution_rate", ("executed", "budget"), body)

    def execution_score(self) -> Declaration:
        """预算执行率 得分: min(执行率, 100%) × its 分值 (an executed amount below 0 scores 0)."""
        r, p = Var("rate"), Var("points")
        capped = fn("MIN", fn("MAX", r, 0), 100)
        body = If(fn("AND", fn("ISNUMBER", r), fn("ISNUMBER", p)), fn("ROUND", capped / 100 * p, self.decimals), BLANK)
        return Declaration("execution_score", ("rate", "points"), body)

    def total_score(self) -> Declaration:
        """总分: the sum of the 得分 (``parts``: the 预算执行率 得分 and every indicator's), blank until
        all ``count`` of them are numbers (a partial sum would look like a low score)."""
        parts = Var("parts")
        body = If(Count(parts) >= Var("count"), fn("ROUND", Sum(parts), self.decimals), BLANK)
        return Declaration("total_score", ("parts", "count"), body)

    def grade(self) -> Declaration:
        """自评等级 of a 总分 (blank without one)."""
        total = Var("total")
        return Declaration("grade", ("total",), If(fn("ISNUMBER", total), Bands(total, self.grades), BLANK))

    # -------------------------------------------------------------- Python use

    def score(self, target: Indicator, actual: Any, points: Any) -> float | None:
        """An indicator's 得分, or None when it cannot be computed (actual, target or 分值 missing or
        not a number; an actual of a 定性 indicator that names no grade)."""
        kind = kind_of(target)
        if kind is None:
            return None
        decl = self.indicator_score(kind)
        if kind == "qualitative":
            return decl(actual=actual, points=number(points))
        reading = read_actual(actual, target)
        tg = target.value if _isnum(target.value) else None
        return decl(actual=reading.number, target=tg, points=number(points))


def scoring_of(fw: Framework) -> Scoring:
    """The framework's scoring; FrameworkError naming the file when its ``selfeval`` section (or the
    defaults, for a framework without one) does not fit its levels."""
    section = fw.selfeval
    problems = _problems(section, declared_levels(fw))
    if problems:
        raise FrameworkError(t(f"{fw.source or fw.id}: 指标体系的自评评分设置（selfeval）有误：",
                               f"{fw.source or fw.id}: the framework's self-evaluation scoring (selfeval) is wrong:")
                             + "\n  " + "\n  ".join(problems))
    grades = sorted(((g["name"], float(g["min"])) for g in section["grades"]), key=lambda g: -g[1])
    return Scoring(shares=tuple((k, float(v)) for k, v in section["shares"].items()),
                   budget_execution=float(section["budget_execution"]), grades=tuple(grades),
                   qualitative=tuple((k, float(v)) for k, v in section["qualitative"].items()),
                   equal_tolerance=float(section["equal_tolerance"]), far_beyond=float(section["far_beyond"]),
                   decimals=int(section["decimals"]))


def declared_levels(fw: Framework) -> list[str]:
    """The 一级 names as the framework file declares them, before its variants (a variant that files
    满意度 under 效益指标 keeps 满意度指标 a scoring group of its own: :func:`group_of`)."""
    return list(dict.fromkeys([*fw.level1_names, *(v["instead_of"] for v in fw.variants)]))


def selfeval_problems(data: Mapping[str, Any]) -> list[str]:
    """Cross-field problems of a framework file's ``selfeval`` section (after the schema), each naming
    its key: for :func:`perfxl.frameworks._validate`, which runs it where a file has the section."""
    from .frameworks import _DEFAULT_SELFEVAL

    names = [lv["name"] for lv in data["levels"]]
    return _problems({**_DEFAULT_SELFEVAL, **data["selfeval"]}, names)


def _problems(section: Mapping[str, Any], levels: Sequence[str]) -> list[str]:
    out = []
    shares = section["shares"]
    unknown = [k for k in shares if k not in levels]
    if unknown:
        out.append(t(f"/selfeval/shares：{'、'.join(f'“{k}”' for k in unknown)} 不是 /levels 中的一级指标",
                     f"/selfeval/shares: {', '.join(f'“{k}”' for k in unknown)} is not a level-1 indicator of /levels"))
    missing = [k for k in levels if k not in shares]
    if missing:
        out.append(t(f"/selfeval/shares：缺少一级指标 {'、'.join(f'“{k}”' for k in missing)} 的分值",
                     f"/selfeval/shares: no 分值 for the level-1 indicator(s) {', '.join(f'“{k}”' for k in missing)}"))
    total = sum(shares.values()) + section["budget_execution"]
    if abs(total - 100) > 1e-9:
        out.append(t(f"/selfeval：各一级指标分值与预算执行率分值（budget_execution）合计为 {total:g}，应为 100",
                     f"/selfeval: the level-1 shares and budget_execution add up to {total:g}, not 100"))
    minima = [g["min"] for g in section["grades"]]
    names = [g["name"] for g in section["grades"]]
    if len(set(minima)) != len(minima) or len(set(names)) != len(names):
        out.append(t("/selfeval/grades：等级名称和下限不能重复", "/selfeval/grades: grade names and minima must not repeat"))
    if minima and min(minima) != 0:
        out.append(t("/selfeval/grades：最低一档的下限（min）应为 0，使每个总分都有等级",
                     "/selfeval/grades: the lowest band's min must be 0, so that every total has a grade"))
    return out


# ------------------------------------------------------------------ groups and the spread of 分值

def group_of(fw: Framework, ind: Indicator) -> str:
    """The scoring group (the 一级 whose share the indicator takes): its 一级, except for an 二级 a
    variant moved, which keeps the 一级 the framework declared it under (满意度 under 效益指标 still
    takes 满意度指标's share)."""
    moved = fw.moved_level2(ind.level2)
    if moved is not None and ind.level1 == moved[0]:
        return moved[1]
    return ind.level1


def apportion(total: float, weights: Sequence[float], decimals: int) -> list[float]:
    """``total`` split in proportion to ``weights``, each rounded to ``decimals`` and their sum exactly
    ``total`` (largest remainder; ties go to the earlier item). All zeros when the weights are."""
    scale = 10 ** decimals
    units = round(total * scale)
    s = float(sum(weights))
    if not weights or s <= 0:
        return [0.0] * len(weights)
    exact = [units * w / s for w in weights]
    base = [math.floor(x + 1e-9) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - base[i]), i))
    for i in order[:units - sum(base)]:
        base[i] += 1
    return [b / scale for b in base]


def expected_shares(scoring: Scoring, present: Iterable[str]) -> dict[str, float]:
    """Each present group's 分值: its share, plus, where a group has no indicator in the project, a
    part of that group's share in proportion to the shares of those present."""
    groups = [g for g, _ in scoring.shares if g in set(present)]
    share = scoring.share_of
    pts = apportion(sum(share.values()), [share[g] for g in groups], scoring.decimals)
    return dict(zip(groups, pts))


def _weight(ind: Indicator) -> float | None:
    w = number(ind.weight)
    return w if w is not None and w > 0 else None


def spread_points(scoring: Scoring, fw: Framework, indicators: Sequence[Indicator]) -> list[float]:
    """The 分值 of each indicator (module docstring); 0 for an indicator of a 一级 the scoring does
    not know (the approved goals had an I02 there)."""
    groups = [group_of(fw, ind) for ind in indicators]
    out = [0.0] * len(indicators)
    for g, share in expected_shares(scoring, groups).items():
        idx = [i for i, x in enumerate(groups) if x == g]
        weights = [_weight(indicators[i]) for i in idx]
        even = [1.0] * len(idx)
        for i, pts in zip(idx, apportion(share, weights if all(weights) else even, scoring.decimals)):
            out[i] = pts
    return out


# ------------------------------------------------------------------ reading an actual

@dataclass(frozen=True)
class Reading:
    """What an 实际完成值 says: a number (quantitative), a grade (定性), and what is wrong with it."""

    raw: Any
    number: float | None = None
    grade: str | None = None
    problem: str | None = None   # "blank", "not_number", "unit", "no_grade"
    found_unit: str | None = None


# An 实际完成值 is a number. Typed into its cell (formatted as text, "@", so that Excel, WPS and
# LibreOffice keep what was typed) it may carry the target's 计量单位 after it: "96%" against a %
# target is 96, "12万元" against 万元 is 12. Read the same way by check (:func:`actual_reading`) and
# by the workbook's live 自查 and 得分 formulas (:func:`actual_formulas`), step by step:
#
# * a stored number is that number, whatever the cell's number format (a percent-formatted 0.96
#   is 0.96 to both; typing never makes one in a text cell);
# * text is folded as the goal table's live checks fold it (live.x_ws/x_fold: full-width digits,
#   ％．＋－ and the exponent letters, the ideographic space, tab and line breaks), then it is a
#   plain number as values.parse_number reads one (live.x_valid: sign, thousands commas in groups
#   of three, fraction, exponent);
# * else the longest unit of :data:`ACTUAL_UNITS` (or the target's own 计量单位) it ends with is
#   cut off, and what is left must be a plain number: the target's unit, or a spelling of it
#   ("百分比" for %), gives the number; another unit is E02 (variant unit: "98元" against 万元);
# * anything else ("≥96", "约96", "96以上", "四次") is not a number (E02): the actual is what was
#   achieved, one number, explanations go to 偏差原因分析及改进措施.
ACTUAL_UNITS: tuple[str, ...] = tuple(sorted(dict.fromkeys([*KNOWN_UNITS, *UNIT_ALIASES])))


def _unit_key(u: str | None) -> str:
    u = p_fold(p_ws(u or ""), letters=True).replace(" ", "")
    return UNIT_ALIASES.get(u, u)


def unit_spellings(unit: str | None) -> tuple[str, ...]:
    """The endings of an actual that mean the target's 计量单位 (its own spelling and its aliases)."""
    if not p_ws(unit or ""):
        return ()
    own = p_fold(p_ws(unit or ""), letters=True).replace(" ", "")
    key = _unit_key(unit)
    return tuple(dict.fromkeys([own, *(u for u in ACTUAL_UNITS if _unit_key(u) == key)]))


def _units_for(unit: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*ACTUAL_UNITS, *unit_spellings(unit)]))


def actual_reading(raw: Any, unit: str | None) -> tuple[float | None, str | None, str | None]:
    """(number, problem, unit found) of a quantitative 实际完成值 against the target's 计量单位:
    problem None, "blank", "not_number" or "unit" (the module comment above :data:`ACTUAL_UNITS`).
    Each step is :meth:`ActualFormulas.values`' twin of one hidden helper cell."""
    steps = actual_steps(raw, unit)
    problem = {"b": "blank", "x": "not_number", "u": "unit", "": None}[steps["PB"]]
    found = steps["T"][len(steps["T"]) - steps["UL"]:] if problem == "unit" else None
    return (steps["N"] if _isnum(steps["N"]) else None), problem, found


def actual_steps(raw: Any, unit: str | None) -> dict[str, Any]:
    """The Python side of every helper of :func:`actual_formulas`, by name."""
    from .live import p_nodigits, p_number, p_valid

    stored = _isnum(raw)
    t = "" if stored else p_fold(p_ws(raw), letters=True)
    d = p_nodigits(t)
    units = _units_for(unit)
    ul = max((len(u) for u in units if t.endswith(u)), default=0) if t else 0
    r = t[:len(t) - ul].strip(" ") if ul else ""
    rd = p_nodigits(r)
    rest_ok = ul > 0 and p_valid(r, rd)
    match = rest_ok and t[len(t) - ul:] in unit_spellings(unit)
    if stored:
        n: Any = float(raw)
    elif p_valid(t, d):
        n = p_number(t)
    elif match:
        n = p_number(r)
    else:
        n = ""
    pb = "b" if p_ws(raw) == "" else "" if _isnum(n) else "u" if rest_ok and not match else "x"
    return {"T": t, "D": d, "UL": ul, "R": r, "RD": rd, "N": n, "PB": pb}


def actual_formulas(cell: str, unit: str | None, ref: Mapping[str, str]) -> dict[str, str]:
    """The Excel side of :func:`actual_steps`: one formula per helper, over the actual's ``cell``
    and the helpers' own cells ``ref`` (by name: T, D, UL, R, RD, N, PB)."""
    from .live import x_nodigits, x_number, x_valid

    T, D, UL, R, RD, N = (ref[k] for k in ("T", "D", "UL", "R", "RD", "N"))
    units = "{" + ",".join(q(u) for u in _units_for(unit)) + "}"
    spellings = unit_spellings(unit)
    match = (f"OR({','.join(f'EXACT(RIGHT({T},{UL}),{q(u)})' for u in spellings)})" if spellings else "FALSE")
    rest_ok = f"AND({UL}>0,{x_valid(R, RD)})"
    return {
        "T": f'IF(ISNUMBER({cell}),"",{x_fold(x_ws(cell), letters=True)})',
        "D": x_nodigits(T),
        "UL": f'IF({T}="",0,SUMPRODUCT(MAX(EXACT(RIGHT({T},LEN({units})),{units})*LEN({units}))))',
        "R": f'IF({UL}>0,TRIM(LEFT({T},LEN({T})-{UL})),"")',
        "RD": x_nodigits(R),
        "N": (f'IF(ISNUMBER({cell}),{cell},IF({x_valid(T, D)},{x_number(T)},'
              f'IF(AND({rest_ok},{match}),{x_number(R)},"")))'),
        "PB": f'IF({x_ws(cell)}="","b",IF(ISNUMBER({N}),"",IF(AND({rest_ok},NOT({match})),"u","x")))',
    }


def read_actual(raw: Any, target: Indicator, grades: Iterable[str] = ()) -> Reading:
    """The actual of ``target``: for a quantitative indicator a number as :func:`actual_reading`
    reads it (the workbook's formulas read it alike); for a 定性 one the grade it starts with
    (longest of ``grades``)."""
    if p_ws(raw) == "":
        return Reading(raw, problem="blank")
    if kind_of(target) == "qualitative":
        text = p_ws(raw)
        for g in sorted(grades, key=len, reverse=True):
            if text.startswith(g):
                return Reading(raw, grade=g)
        return Reading(raw, problem="no_grade" if grades else None)
    n, problem, found = actual_reading(raw, target.unit)
    return Reading(raw, number=n, problem=problem, found_unit=found)
