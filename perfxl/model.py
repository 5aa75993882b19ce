"""The one model of a unit's year: the department goals and one goal table per project.

Field names follow ``unit-goals.schema.json`` (the interchange form) so that ``to_dict`` and
``unit_from_dict`` are plain mappings and a JSON file round-trips unchanged. Values a person types
are kept as typed (a value may be a number or raw text); interpretation belongs to the reader and
the rules, not to the model. The one exception is spelling: an operator or 计量单位 written another
way ("＞＝", "％", "百分比") is brought to its canonical form on the way in (:func:`unit_from_dict`,
as the reader does for workbooks), the unit as typed kept in ``Indicator.raw_unit``, so rules see
the same values whether a unit's data came from a workbook or from JSON.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Union

from .errors import UnitDataError, schema_error_lines
from .i18n import t
from .values import normalize_operator, normalize_unit

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
    raw_unit: str | None = field(default=None, compare=False, repr=False)  # as typed, when ``unit`` differs


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
    """Raise UnitDataError naming every place where ``data`` breaks unit-goals.schema.json, each in
    the user's language (jsonschema's own texts are English)."""
    import jsonschema  # here, not at the top: reading a workbook never needs it (start-up time)

    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines, more = schema_error_lines(errors, 20)
        tail = t(f"\n  … 另有 {more} 处", f"\n  … and {more} more") if more else ""
        raise UnitDataError(t(f"{source}: 数据不符合单位数据格式（unit-goals.schema.json）：",
                              f"{source}: the data breaks the unit data format (unit-goals.schema.json):")
                            + "\n  " + "\n  ".join(lines) + tail)


_SCHEMA_OPERATORS = frozenset(o for o in SCHEMA["$defs"]["indicator"]["properties"]["operator"]["enum"] if o)


def _canonical_operators(data: Any) -> Any:
    """``data`` with every indicator operator spelled another way ("＞＝", ">=", "不低于") in the
    schema's spelling; a copy where something changed, the input itself otherwise. Operators that
    are no spelling of a known one are left for the schema to refuse."""
    try:
        projects = data["projects"]
        changes = {(pi, ii): normalize_operator(ind["operator"])
                   for pi, p in enumerate(projects) for ii, ind in enumerate(p["indicators"])
                   if isinstance(ind.get("operator"), str) and ind["operator"] not in _SCHEMA_OPERATORS
                   and normalize_operator(ind["operator"])}
    except (KeyError, TypeError, AttributeError):
        return data  # not the expected shape: the schema names what is wrong
    if not changes:
        return data
    data = {**data, "projects": [{**p, "indicators": [dict(i) for i in p["indicators"]]} for p in projects]}
    for (pi, ii), op in changes.items():
        data["projects"][pi]["indicators"][ii]["operator"] = op
    return data


def _indicator_from_dict(d: dict) -> Indicator:
    ind = Indicator(**d)
    unit = normalize_unit(ind.unit)
    if unit != ind.unit:
        ind.unit, ind.raw_unit = unit, ind.unit
    return ind


# JSON paths whose text is a name (one line, shown in sheet and file names): "unit"/<key> and "projects"/i/<key>.
_NAME_KEYS = frozenset({"code", "name", "department_code", "department_name"})


def _dirty_texts(data: Any) -> list[str]:
    """JSON paths ("/projects/0/name") of the texts :func:`perfxl.text.needs_cleaning` would change:
    control characters, TABs, line breaks in a name."""
    from .text import needs_cleaning

    found: list[str] = []

    def walk(obj: Any, path: list[str]) -> None:
        if isinstance(obj, str):
            is_name = (len(path) == 2 and path[0] == "unit" or len(path) == 3 and path[0] == "projects") \
                and path[-1] in _NAME_KEYS
            if needs_cleaning(obj, name=is_name):
                found.append("/" + "/".join(path))
        elif isinstance(obj, dict):
            for k, v in obj.items():
                if isinstance(k, str) and needs_cleaning(k, name=True):
                    found.append("/" + "/".join(path + [k]))
                walk(v, path + [str(k)])
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                walk(v, path + [str(i)])

    walk(data, [])
    return found


def _refuse_control_characters(data: Any, source: str) -> None:
    """Unit JSON is made by programs, and a control character in it is a fault of the program that
    wrote it: refused naming every path, like a schema break, rather than changed in silence."""
    paths = _dirty_texts(data)
    if paths:
        more = len(paths) - 20
        shown_zh = "、".join(paths[:20]) + (f" 等 {len(paths)} 处" if more > 0 else "")
        shown_en = ", ".join(paths[:20]) + (f" and {more} more" if more > 0 else "")
        raise UnitDataError(t(
            f"{source}: 以下文字含控制字符（不可见字符；名称与编码中也不能有制表符或换行），请删除后重新提交：{shown_zh}",
            f"{source}: these texts hold control characters (invisible characters; names and codes may not hold "
            f"a TAB or line break either); remove them and submit again: {shown_en}"))


def unit_from_dict(data: Any, source: str = "<data>") -> UnitData:
    """Build the model from the interchange dict, after checking it against the schema; operators
    and units in canonical spelling (see the module docstring)."""
    data = _canonical_operators(data)
    validate_unit_dict(data, source)
    _refuse_control_characters(data, source)
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
                indicators=[_indicator_from_dict(i) for i in p["indicators"]],
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
        from .outputs import os_error_message
        raise UnitDataError(t(f"无法读取单位数据：{os_error_message(e)}",
                              f"cannot read the unit data: {os_error_message(e)}")) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        if isinstance(e, json.JSONDecodeError):
            raise UnitDataError(t(f"{path}: 不是有效的 JSON（第 {e.lineno} 行第 {e.colno} 列）",
                                  f"{path}: not valid JSON (line {e.lineno}, column {e.colno}): {e.msg}")) from None
        raise UnitDataError(t(f"{path}: 不是 UTF-8 编码的 JSON", f"{path}: not UTF-8 encoded JSON")) from None
    return unit_from_dict(data, str(path))


def dump_unit(u: UnitData) -> str:
    """JSON text of a unit, stable key order and Chinese kept readable."""
    return json.dumps(unit_to_dict(u), ensure_ascii=False, indent=2) + "\n"
