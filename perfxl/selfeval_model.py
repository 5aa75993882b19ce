"""The model of a unit's year-end self-evaluation (绩效自评): the second form of the yearly cycle.

Every spring a unit evaluates last year's projects against the goals that were approved: one
项目支出绩效自评表 per project (财预〔2020〕10号). This module is the form's model, beside
:mod:`perfxl.model` (the goals form) and built from it: a self-evaluation carries each approved
indicator as the goal model's :class:`~perfxl.model.Indicator`, read the same way (operators and
units in canonical spelling, the 指标值 through :func:`perfxl.model.interpret_value`), so a target
means in the self-evaluation exactly what it meant when it was approved.

Field names follow ``data/selfeval.schema.json`` (the interchange form, which refers to
``unit-goals.schema.json`` for the indicator and the unit), so :func:`selfeval_to_dict` and
:func:`selfeval_from_dict` are plain mappings and a JSON file round-trips unchanged. As in the goals
model, what a person typed is kept as typed (an actual, an amount, a 分值 may be a number or raw
text); reading and scoring belong to :mod:`perfxl.selfeval_scoring` and the rules
(:mod:`perfxl.selfeval_rules`). 得分, 执行率, 总分 and 自评等级 are kept as the workbook computed them
(None where not known): the rules recompute them and report a difference (E03).

:func:`selfeval_from_goals` makes a unit's blank self-evaluation from its approved goals: targets,
预期目标 and 年初预算数 copied, 分值 spread by the framework's scoring (:func:`perfxl.selfeval_scoring.spread_points`).
"""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Union

from .errors import UnitDataError, schema_error_lines
from .frameworks import Framework
from .i18n import t
from .model import (SCHEMA as GOALS_SCHEMA, Indicator, Unit, UnitData, indicator_from_dict, indicator_to_dict,
                    refuse_control_characters, SCHEMA_OPERATORS, unit_to_dict)
from .values import normalize_operator

__all__ = ["FORM", "SCHEMA", "SCHEMA_VERSION", "FUND_LINES", "FundLine", "EvalFunds", "EvalIndicator", "EvalProject",
           "GoalsRef", "SelfEvalUnit", "selfeval_from_dict", "selfeval_to_dict", "validate_selfeval_dict",
           "load_selfeval", "dump_selfeval", "selfeval_from_goals", "goals_digest", "is_selfeval_dict"]

Value = Union[float, int, str, None]

FORM = "selfeval"
SCHEMA: dict = json.loads(resources.files("perfxl").joinpath("data", "selfeval.schema.json").read_text("utf-8"))
SCHEMA_VERSION = 1
#: The lines of the funds table, in the order of the MoF template: 年度资金总额; 其中 当年财政拨款, 上年结转资金, 其他资金.
FUND_LINES = ("total", "fiscal", "carryover", "other")


@dataclass
class FundLine:
    """One line of 项目资金, in the unit's money unit."""

    initial: Value = None    # 年初预算数 (locked: the approved 预算数)
    budget: Value = None     # 全年预算数
    executed: Value = None   # 全年执行数


@dataclass
class EvalFunds:
    """项目资金: the four lines, and 分值, 执行率 (percent) and 得分 of 预算执行率 on the total line."""

    total: FundLine = field(default_factory=FundLine)
    fiscal: FundLine = field(default_factory=FundLine)
    carryover: FundLine = field(default_factory=FundLine)
    other: FundLine = field(default_factory=FundLine)
    points: Value = None
    rate: Value = None
    score: Value = None

    def line(self, name: str) -> FundLine:
        return getattr(self, name)


@dataclass
class EvalIndicator:
    """One row of the 绩效指标 table: the approved indicator (一级, 二级, 三级, 年度指标值) and what the
    unit fills beside it."""

    target: Indicator
    actual: Value = None     # 实际完成值
    points: Value = None     # 分值
    score: Value = None      # 得分, as the workbook computed it
    reason: str | None = None  # 偏差原因分析及改进措施


@dataclass
class EvalProject:
    """项目支出绩效自评表."""

    code: str
    name: str
    funds: EvalFunds = field(default_factory=EvalFunds)
    goals: list[str] = field(default_factory=list)     # 年度总体目标 预期目标 (approved)
    achievement: str | None = None                      # 实际完成情况
    indicators: list[EvalIndicator] = field(default_factory=list)
    total_score: Value = None                           # 总分, as the workbook computed it
    grade: str | None = None                            # 自评等级, as the workbook computed it


@dataclass
class GoalsRef:
    """Which approved goals the targets come from (the digest of their interchange JSON)."""

    digest: str
    budget_year: int | None = None
    unit_code: str | None = None
    source: str | None = None


@dataclass
class SelfEvalUnit:
    """One unit's self-evaluation of one budget year."""

    budget_year: int
    unit: Unit
    projects: list[EvalProject] = field(default_factory=list)
    framework: str | None = None
    money_unit: str = "万元"
    approved_goals: GoalsRef | None = None
    schema_version: int | None = None

    @property
    def form(self) -> str:
        return FORM


# ------------------------------------------------------------------ schema

def _validator() -> Any:
    """A validator of selfeval.schema.json that resolves its references into unit-goals.schema.json."""
    import jsonschema  # here, not at the top: reading a workbook never needs it (start-up time)
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resources([
        (GOALS_SCHEMA["$id"], DRAFT202012.create_resource(GOALS_SCHEMA)),
        (SCHEMA["$id"], DRAFT202012.create_resource(SCHEMA)),
    ])
    return jsonschema.Draft202012Validator(SCHEMA, registry=registry)


def is_selfeval_dict(data: Any) -> bool:
    """Whether an interchange document says it is a self-evaluation (``"form": "selfeval"``)."""
    return isinstance(data, dict) and data.get("form") == FORM


def validate_selfeval_dict(data: Any, source: str = "<data>") -> None:
    """Raise UnitDataError naming every place where ``data`` breaks selfeval.schema.json, in the
    user's language (as :func:`perfxl.model.validate_unit_dict` does for the goals form)."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines, more = schema_error_lines(errors, 20)
        tail = t(f"\n  … 另有 {more} 处", f"\n  … and {more} more") if more else ""
        raise UnitDataError(t(f"{source}: 数据不符合绩效自评数据格式（selfeval.schema.json）：",
                              f"{source}: the data breaks the self-evaluation data format (selfeval.schema.json):")
                            + "\n  " + "\n  ".join(lines) + tail)


def _canonical_operators(data: Any) -> Any:
    """``data`` with every approved indicator's operator in the schema's spelling ("＞＝" → "≥"), a copy
    where something changed; the goals form's reading of operators (perfxl.model)."""
    try:
        changes = {(pi, ii): normalize_operator(row["indicator"]["operator"])
                   for pi, p in enumerate(data["projects"]) for ii, row in enumerate(p["indicators"])
                   if isinstance(row["indicator"].get("operator"), str)
                   and row["indicator"]["operator"] not in SCHEMA_OPERATORS
                   and normalize_operator(row["indicator"]["operator"])}
    except (KeyError, TypeError, AttributeError):
        return data  # not the expected shape: the schema names what is wrong
    if not changes:
        return data
    data = copy.deepcopy(data)
    for (pi, ii), op in changes.items():
        data["projects"][pi]["indicators"][ii]["indicator"]["operator"] = op
    return data


# ------------------------------------------------------------------ dict ↔ model

def selfeval_from_dict(data: Any, source: str = "<data>") -> SelfEvalUnit:
    """Build the model from the interchange dict, after checking it against the schema; each approved
    indicator read as the goals model reads it (:func:`perfxl.model.interpret_value`)."""
    data = _canonical_operators(data)
    validate_selfeval_dict(data, source)
    refuse_control_characters(data, source)
    ref = data.get("approved_goals")
    return SelfEvalUnit(
        budget_year=data["budget_year"], unit=Unit(**data["unit"]), framework=data.get("framework"),
        money_unit=data.get("money_unit", "万元"), schema_version=data.get("schema_version"),
        approved_goals=GoalsRef(**ref) if ref is not None else None,
        projects=[_project_from_dict(p) for p in data["projects"]])


def _project_from_dict(p: dict) -> EvalProject:
    f = p["funds"]
    funds = EvalFunds(**{k: FundLine(**f[k]) for k in FUND_LINES if k in f},
                      points=f.get("points"), rate=f.get("rate"), score=f.get("score"))
    return EvalProject(
        code=p["code"], name=p["name"], funds=funds, goals=list(p["goals"]), achievement=p.get("achievement"),
        indicators=[EvalIndicator(target=indicator_from_dict(row["indicator"]), actual=row.get("actual"),
                                  points=row.get("points"), score=row.get("score"), reason=row.get("reason"))
                    for row in p["indicators"]],
        total_score=p.get("total_score"), grade=p.get("grade"))


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def selfeval_to_dict(u: SelfEvalUnit) -> dict:
    """The interchange dict: every field a person fills is written (null where blank), so a document
    shows what is left to fill; the output always validates."""
    out: dict[str, Any] = {"form": FORM, "schema_version": u.schema_version or SCHEMA_VERSION,
                           "budget_year": u.budget_year}
    if u.framework:
        out["framework"] = u.framework
    out["money_unit"] = u.money_unit
    out["unit"] = {k: v for k, v in vars(u.unit).items() if v is not None or k in ("code", "name")}
    if u.approved_goals is not None:
        out["approved_goals"] = _drop_none(vars(u.approved_goals).copy())
    out["projects"] = [_project_to_dict(p) for p in u.projects]
    return out


def _project_to_dict(p: EvalProject) -> dict:
    funds: dict[str, Any] = {k: vars(p.funds.line(k)).copy() for k in FUND_LINES}
    funds.update(points=p.funds.points, rate=p.funds.rate, score=p.funds.score)
    return {
        "code": p.code, "name": p.name, "funds": funds, "goals": list(p.goals), "achievement": p.achievement,
        "indicators": [{"indicator": indicator_to_dict(i.target), "actual": i.actual, "points": i.points,
                        "score": i.score, "reason": i.reason} for i in p.indicators],
        "total_score": p.total_score, "grade": p.grade,
    }


def load_selfeval(path: str | Path) -> SelfEvalUnit:
    """Read a self-evaluation JSON file; UnitDataError naming the file for bad JSON or schema breaks."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as e:
        from .outputs import os_error_message
        raise UnitDataError(t(f"无法读取绩效自评数据：{os_error_message(e)}",
                              f"cannot read the self-evaluation data: {os_error_message(e)}")) from None
    except json.JSONDecodeError as e:
        raise UnitDataError(t(f"{path}: 不是有效的 JSON（第 {e.lineno} 行第 {e.colno} 列）",
                              f"{path}: not valid JSON (line {e.lineno}, column {e.colno}): {e.msg}")) from None
    except UnicodeDecodeError:
        raise UnitDataError(t(f"{path}: 不是 UTF-8 编码的 JSON", f"{path}: not UTF-8 encoded JSON")) from None
    return selfeval_from_dict(data, str(path))


def dump_selfeval(u: SelfEvalUnit) -> str:
    """JSON text of a self-evaluation, stable key order and Chinese kept readable."""
    return json.dumps(selfeval_to_dict(u), ensure_ascii=False, indent=2) + "\n"


# ------------------------------------------------------------------ from the approved goals

def goals_digest(unit: UnitData) -> str:
    """'sha256:…' of the approved goals' interchange JSON (keys sorted, no spaces, UTF-8): names the
    approved version a self-evaluation was made from, whatever file or workbook it was read from."""
    text = json.dumps(unit_to_dict(unit), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sources(unit_funds: Any) -> tuple[Value, Value, Value]:
    """(当年财政拨款, 上年结转资金, 其他资金) of an approved budget: from its funds by source where the
    goals carry them (schema v2: 本级财政 and 上级补助 are this year's appropriation), else 财政资金 and
    其他资金 with no carry-over line."""
    if not unit_funds.sources:
        return unit_funds.fiscal, None, unit_funds.other
    sums: dict[str, float] = {}
    for s in unit_funds.sources:
        key = {"本级财政": "fiscal", "上级补助": "fiscal", "上年结转": "carryover"}.get(s.source, "other")
        if isinstance(s.amount, (int, float)) and not isinstance(s.amount, bool):
            sums[key] = sums.get(key, 0) + s.amount
    return sums.get("fiscal"), sums.get("carryover"), sums.get("other")


def selfeval_from_goals(unit: UnitData, framework: Framework, *, source: str | None = None) -> SelfEvalUnit:
    """A unit's blank self-evaluation from its approved goals: identity and the approved-goals
    reference, per project the 年初预算数 (by source), the 预期目标 and every 年度 indicator as its
    target, 分值 spread by the framework's scoring; everything the unit fills left blank.

    Raises FrameworkError when the framework's scoring does not fit its levels."""
    from .selfeval_scoring import scoring_of, spread_points

    scoring = scoring_of(framework)
    projects = []
    for p in unit.projects:
        fiscal, carryover, other = _sources(p.funds)
        funds = EvalFunds(total=FundLine(initial=p.funds.total), fiscal=FundLine(initial=fiscal),
                          carryover=FundLine(initial=carryover), other=FundLine(initial=other),
                          points=_plain(scoring.budget_execution))
        points = spread_points(scoring, framework, p.indicators)
        projects.append(EvalProject(
            code=p.code, name=p.name, funds=funds, goals=list(p.goals),
            indicators=[EvalIndicator(target=copy.deepcopy(ind), points=_plain(pts))
                        for ind, pts in zip(p.indicators, points)]))
    return SelfEvalUnit(
        budget_year=unit.budget_year, unit=copy.deepcopy(unit.unit), projects=projects, framework=framework.id,
        money_unit=unit.money_unit, schema_version=SCHEMA_VERSION,
        approved_goals=GoalsRef(digest=goals_digest(unit), budget_year=unit.budget_year, unit_code=unit.unit.code,
                                source=source))


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x
