"""The one model of a unit's year: the department goals and one goal table per project.

Field names follow ``unit-goals.schema.json`` (the interchange form) so that ``to_dict`` and
``unit_from_dict`` are plain mappings and a JSON file round-trips unchanged. Values a person types
are kept as typed (a value may be a number or raw text); interpretation belongs to the reader and
the rules, not to the model.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Union

import jsonschema

from .errors import UnitDataError

__all__ = ["Unit", "Section", "DepartmentGoals", "Funds", "Indicator", "Project", "UnitData",
           "unit_from_dict", "unit_to_dict", "load_unit", "dump_unit", "validate_unit_dict", "SCHEMA"]

Value = Union[float, int, str, None]

SCHEMA: dict = json.loads(resources.files("perfxl").joinpath("data", "unit-goals.schema.json").read_text("utf-8"))


@dataclass
class Unit:
    """预算单位: the register fields that identify who fills the workbook."""

    code: str
    name: str
    department_code: str | None = None
    department_name: str | None = None


@dataclass
class Section:
    """分项绩效目标 of one 科室."""

    name: str
    goal: str


@dataclass
class DepartmentGoals:
    """第一部分 部门整体绩效目标."""

    overall: str | None = None
    sections: list[Section] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    explanation: str | None = field(default=None, compare=False)  # 出错说明（本表）, not in the JSON


@dataclass
class Funds:
    """预算规模 in the unit's money unit; a value is a number, the raw text typed, or None when blank."""

    total: Value = None
    fiscal: Value = None
    other: Value = None


@dataclass
class Indicator:
    """One row of the indicator table; ``operator`` uses the schema's spelling ("=", ">", "<", "定性")."""

    level1: str
    level2: str
    name: str
    description: str | None = None
    operator: str | None = None
    value: Value = None
    unit: str | None = None
    value_note: str | None = None
    basis: str | None = None
    # Not part of the interchange JSON: what the cell held before parsing, and the unit's 出错说明.
    raw_value: Any = field(default=None, compare=False, repr=False)
    raw_operator: str | None = field(default=None, compare=False, repr=False)  # as typed, when not understood
    explanation: str | None = field(default=None, compare=False)


@dataclass
class Project:
    """项目绩效目标表."""

    code: str
    name: str
    funds: Funds = field(default_factory=Funds)
    purpose: str | None = None
    spend_plan: dict[str, Value] = field(default_factory=dict)
    goals: list[str] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    explanation: str | None = field(default=None, compare=False)  # 出错说明（本表）, not in the JSON


@dataclass
class UnitData:
    """Everything one unit fills for one budget year."""

    budget_year: int
    unit: Unit
    projects: list[Project] = field(default_factory=list)
    department_goals: DepartmentGoals = field(default_factory=DepartmentGoals)
    framework: str | None = None
    money_unit: str = "万元"


def validate_unit_dict(data: Any, source: str = "<data>") -> None:
    """Raise UnitDataError naming every place where ``data`` breaks unit-goals.schema.json."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20]]
        more = f"\n  … 另有 {len(errors) - 20} 处" if len(errors) > 20 else ""
        raise UnitDataError(f"{source}: 数据不符合 unit-goals.schema.json：\n  " + "\n  ".join(lines) + more)


def unit_from_dict(data: Any, source: str = "<data>") -> UnitData:
    """Build the model from the interchange dict, after checking it against the schema."""
    validate_unit_dict(data, source)
    dg = data.get("department_goals", {})
    return UnitData(
        budget_year=data["budget_year"],
        framework=data.get("framework"),
        money_unit=data.get("money_unit", "万元"),
        unit=Unit(**data["unit"]),
        department_goals=DepartmentGoals(
            overall=dg.get("overall"),
            sections=[Section(**s) for s in dg.get("sections", [])],
            measures=list(dg.get("measures", [])),
        ),
        projects=[
            Project(
                code=p["code"], name=p["name"], funds=Funds(**p["funds"]), purpose=p.get("purpose"),
                spend_plan=dict(p["spend_plan"]), goals=list(p["goals"]),
                indicators=[Indicator(**i) for i in p["indicators"]],
            )
            for p in data["projects"]
        ],
    )


def _drop_none(d: dict, keep: tuple[str, ...] = ()) -> dict:
    return {k: v for k, v in d.items() if v is not None or k in keep}


def unit_to_dict(u: UnitData) -> dict:
    """The interchange dict; optional keys that are None are left out, so the output always validates."""
    dg = u.department_goals
    out: dict[str, Any] = {"budget_year": u.budget_year}
    if u.framework:
        out["framework"] = u.framework
    out["money_unit"] = u.money_unit
    out["unit"] = _drop_none(vars(u.unit).copy(), keep=("code", "name"))
    dept: dict[str, Any] = {}
    if dg.overall is not None:
        dept["overall"] = dg.overall
    dept["sections"] = [{"name": s.name, "goal": s.goal} for s in dg.sections]
    dept["measures"] = list(dg.measures)
    out["department_goals"] = dept
    out["projects"] = []
    for p in u.projects:
        pd: dict[str, Any] = {"code": p.code, "name": p.name,
                              "funds": {"total": p.funds.total, "fiscal": p.funds.fiscal, "other": p.funds.other}}
        if p.purpose is not None:
            pd["purpose"] = p.purpose
        pd["spend_plan"] = dict(p.spend_plan)
        pd["goals"] = list(p.goals)
        pd["indicators"] = [
            {"level1": i.level1, "level2": i.level2, "name": i.name, "description": i.description,
             "operator": i.operator, "value": i.value, "unit": i.unit, "value_note": i.value_note,
             "basis": i.basis}
            for i in p.indicators
        ]
        out["projects"].append(pd)
    return out


def load_unit(path: str | Path) -> UnitData:
    """Read a unit's JSON file; raises UnitDataError naming the file for bad JSON or schema breaks."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as e:
        raise UnitDataError(f"{path}: 无法读取：{e.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        where = f"（第 {e.lineno} 行第 {e.colno} 列）" if isinstance(e, json.JSONDecodeError) else ""
        raise UnitDataError(f"{path}: 不是有效的 JSON{where}：{e}") from None
    return unit_from_dict(data, str(path))


def dump_unit(u: UnitData) -> str:
    """JSON text of a unit, stable key order and Chinese kept readable."""
    return json.dumps(unit_to_dict(u), ensure_ascii=False, indent=2) + "\n"
