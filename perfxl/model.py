"""The one model of a unit's year: the department goals and one goal table per project.

Field names follow ``unit-goals.schema.json`` (the interchange form) so that ``to_dict`` and
``unit_from_dict`` are plain mappings and a JSON file round-trips unchanged. Values a person types
are kept as typed (a value may be a number or raw text); interpretation belongs to the reader and
the rules, not to the model. The one exception is spelling: an operator or 计量单位 written another
way ("＞＝", "％", "百分比") is brought to its canonical form on the way in (:func:`unit_from_dict`,
as the reader does for workbooks), the unit as typed kept in ``Indicator.raw_unit``, so rules see
the same values whether a unit's data came from a workbook or from JSON.

Values are interpreted once, by :func:`interpret_value`, on both paths: the reader calls it for
each indicator row of a workbook, :func:`unit_from_dict` for each indicator of a JSON document, so
"≥90%" typed into a workbook and "≥90%" written into JSON become the same number, operator and
unit, and ``check`` of a JSON document gives the findings of ``check`` of the workbook written from
it (tests/test_json_parity.py). What was typed stays in ``Indicator.raw_value``.

Schema version 2 (``data/unit-goals.schema.json``) adds optional fields to the baseline: the
department's own indicators, 实施期 goals and indicators, funds by source, 指标值类型, 权重 and
方向, 项目属性 and 实施期. A document that uses none of them is written exactly as version 1.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Union

from .errors import UnitDataError, schema_error_lines
from .frameworks import OPERATOR_FROM_JSON
from .i18n import t
from .values import normalize_operator, normalize_unit, parse_indicator_value

__all__ = ["Unit", "Section", "DepartmentGoals", "Funds", "FundSource", "Period", "Indicator", "Project", "UnitData",
           "unit_from_dict", "unit_to_dict", "load_unit", "dump_unit", "validate_unit_dict", "interpret_value",
           "uses_v2", "SCHEMA", "SCHEMA_V1", "SCHEMA_VERSION", "ATTRIBUTES", "FUND_SOURCES", "FUND_LEVELS",
           "VALUE_TYPES", "DIRECTIONS", "V2_PROJECT_COLUMNS", "V2_INDICATOR_COLUMNS", "v2_project_cells",
           "indicator_tables", "v2_indicator_cells", "indicator_from_dict", "indicator_to_dict",
           "refuse_control_characters", "SCHEMA_OPERATORS"]

Value = Union[float, int, str, None]

SCHEMA: dict = json.loads(resources.files("perfxl").joinpath("data", "unit-goals.schema.json").read_text("utf-8"))
#: The baseline (shared/spec/unit-goals.schema.json), kept to prove that version 2 only adds to it.
SCHEMA_V1: dict = json.loads(resources.files("perfxl").joinpath("data", "unit-goals.v1.schema.json").read_text("utf-8"))
SCHEMA_VERSION = 2


def _enum(*path: str) -> tuple[str, ...]:
    node: Any = SCHEMA["$defs"]
    for key in path:
        node = node[key]
    return tuple(x for x in node["enum"] if x is not None)


#: The choices schema version 2 allows, for the workbook's dropdowns and the reader (one source: the schema).
ATTRIBUTES = _enum("project", "properties", "attribute")                  # 项目属性: 新增, 延续
FUND_SOURCES = _enum("fund_source", "properties", "source")               # 本级财政, 上级补助, 上年结转, 其他
FUND_LEVELS = _enum("fund_source", "properties", "level")                 # 中央, 省, 市, 县
VALUE_TYPES = _enum("indicator", "properties", "value_type")              # 定量, 定性
DIRECTIONS = _enum("indicator", "properties", "direction")                # 正向, 反向, 区间


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
    indicators: list["Indicator"] = field(default_factory=list)  # v2: 部门整体绩效指标


@dataclass
class Funds:
    """预算规模 in the unit's money unit; a value is a number, the raw text typed, or None when blank."""

    total: Value = None
    fiscal: Value = None
    other: Value = None
    sources: list["FundSource"] = field(default_factory=list)  # v2: 资金来源 (本级财政, 上级补助 …)


@dataclass
class FundSource:
    """v2: one 资金来源 line of the budget: 本级财政, 上级补助 (中央/省/市), 上年结转 or 其他."""

    source: str
    amount: Value = None
    level: str | None = None


@dataclass
class Period:
    """v2: 实施期, first and last month ('2023-07')."""

    start: str | None = None
    end: str | None = None


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
    # v2: 指标值类型 as stated (定量/定性), 权重 (分值) and 指标方向 (正向/反向/区间).
    value_type: str | None = None
    weight: Value = None
    direction: str | None = None


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
    # v2: 项目属性 (新增/延续), 实施期, and the 实施期 goals and indicators (``goals``/``indicators`` are 年度).
    attribute: str | None = None
    period: Period | None = None
    period_goals: list[str] = field(default_factory=list)
    period_indicators: list[Indicator] = field(default_factory=list)


@dataclass
class UnitData:
    """Everything one unit fills for one budget year."""

    budget_year: int
    unit: Unit
    projects: list[Project] = field(default_factory=list)
    department_goals: DepartmentGoals = field(default_factory=DepartmentGoals)
    framework: str | None = None
    money_unit: str = "万元"
    schema_version: int | None = None  # as the document said; unit_to_dict writes 2 whenever a v2 field is used


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


SCHEMA_OPERATORS = frozenset(o for o in SCHEMA["$defs"]["indicator"]["properties"]["operator"]["enum"] if o)


def _indicator_lists(data: Any) -> list[tuple[tuple, list]]:
    """(path, list) of every indicator list of a document: each project's 年度 and 实施期 indicators
    and the department's own (v2). Raises KeyError/TypeError on a document of another shape."""
    lists: list[tuple[tuple, list]] = []
    for pi, p in enumerate(data["projects"]):
        lists.append((("projects", pi, "indicators"), p["indicators"]))
        if "period_indicators" in p:
            lists.append((("projects", pi, "period_indicators"), p["period_indicators"]))
    dept = data.get("department_goals") or {}
    if "indicators" in dept:
        lists.append((("department_goals", "indicators"), dept["indicators"]))
    return lists


def _canonical_operators(data: Any) -> Any:
    """``data`` with every indicator operator spelled another way ("＞＝", ">=", "不低于") in the
    schema's spelling; a copy where something changed, the input itself otherwise. Operators that
    are no spelling of a known one are left for the schema to refuse."""
    try:
        changes = {(path, ii): normalize_operator(ind["operator"])
                   for path, inds in _indicator_lists(data) for ii, ind in enumerate(inds)
                   if isinstance(ind.get("operator"), str) and ind["operator"] not in SCHEMA_OPERATORS
                   and normalize_operator(ind["operator"])}
    except (KeyError, TypeError, AttributeError):
        return data  # not the expected shape: the schema names what is wrong
    if not changes:
        return data
    data = copy.deepcopy(data)
    for (path, ii), op in changes.items():
        node = data
        for k in path:
            node = node[k]
        node[ii]["operator"] = op
    return data


def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _plain(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _as_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v)
    return s if s.strip() else None


def interpret_value(ind: Indicator, raw: Any, operator_text: str | None, unit_text: str | None, *,
                    unknown_operator: bool = False, percent_formatted: bool = False) -> None:
    """Set ``ind.value`` (and, where the value says so, its operator, unit and note) from what was
    typed: the one reading of a 指标值 for both the workbook and the JSON path.

    ``raw`` is the 指标值 as typed; ``operator_text`` the 符号 as typed; ``unit_text`` the 计量单位 as
    typed; ``ind.operator`` and ``ind.unit`` already hold their canonical forms. A number (typed
    alone or with its operator, unit or note) becomes the value; text with no number and no
    operator is a 定性 value, unless the table states the indicator is 定量 (``value_type``): then
    the text is kept for I05 to report. Anything else keeps the text as typed (I04/I05 report it).
    """
    ind.raw_value = _plain(raw)
    if _is_blank(raw):
        ind.value = None
        return
    if ind.operator == "定性":
        ind.value = _as_text(raw) if isinstance(raw, str) else _plain(raw)
        return
    parsed = parse_indicator_value(raw, operator_cell=operator_text, unit_cell=unit_text,
                                   percent_formatted=percent_formatted)
    if isinstance(parsed.value, (int, float)) and not isinstance(parsed.value, bool):
        ind.value = _plain(parsed.value)
        ind.operator = ind.operator or parsed.operator
        ind.unit = ind.unit or parsed.unit
        if parsed.note and not ind.value_note:
            ind.value_note = parsed.note
    elif (ind.operator is None and not unknown_operator and isinstance(parsed.value, str) and not parsed.problems
          and ind.value_type != "定量"):
        ind.value, ind.operator = raw, "定性"  # text with no number and no operator: a qualitative value
    else:
        ind.value = _as_text(raw)  # I05 reports it


def indicator_from_dict(d: dict) -> Indicator:
    """An indicator of a JSON document, its value read as the reader reads a cell (:func:`interpret_value`)."""
    ind = Indicator(**d)
    typed_unit = ind.unit
    unit = normalize_unit(ind.unit)
    if unit != ind.unit:
        ind.unit, ind.raw_unit = unit, ind.unit
    operator_text = OPERATOR_FROM_JSON.get(ind.operator, ind.operator) if ind.operator else None
    interpret_value(ind, d.get("value"), operator_text, typed_unit)
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


def refuse_control_characters(data: Any, source: str) -> None:
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
    and units in canonical spelling and values read as the reader reads them (module docstring)."""
    data = _canonical_operators(data)
    validate_unit_dict(data, source)
    refuse_control_characters(data, source)
    dg = data.get("department_goals", {})
    return UnitData(
        budget_year=data["budget_year"],
        framework=data.get("framework"),
        money_unit=data.get("money_unit", "万元"),
        schema_version=data.get("schema_version"),
        unit=Unit(**data["unit"]),
        department_goals=DepartmentGoals(
            overall=dg.get("overall"),
            sections=[Section(**s) for s in dg.get("sections", [])],
            measures=list(dg.get("measures", [])),
            indicators=[indicator_from_dict(i) for i in dg.get("indicators", [])],
        ),
        projects=[_project_from_dict(p) for p in data["projects"]],
    )


def _period_from_dict(period: dict | None) -> Period | None:
    """实施期, or None when absent or empty ({"start": null, "end": null}): a workbook cannot tell an empty
    实施期 from none (its two cells are blank either way), so both read as none and round-trip alike."""
    if not period or (period.get("start") is None and period.get("end") is None):
        return None
    return Period(**period)


def _project_from_dict(p: dict) -> Project:
    funds = dict(p["funds"])
    sources = [FundSource(**s) for s in funds.pop("sources", [])]
    period = p.get("period")
    return Project(
        code=p["code"], name=p["name"], funds=Funds(**funds, sources=sources), purpose=p.get("purpose"),
        spend_plan=dict(p["spend_plan"]), goals=list(p["goals"]),
        indicators=[indicator_from_dict(i) for i in p["indicators"]],
        attribute=p.get("attribute"), period=_period_from_dict(period),
        period_goals=list(p.get("period_goals", [])),
        period_indicators=[indicator_from_dict(i) for i in p.get("period_indicators", [])],
    )


def _drop_none(d: dict, keep: tuple[str, ...] = ()) -> dict:
    return {k: v for k, v in d.items() if v is not None or k in keep}


def uses_v2(u: UnitData) -> bool:
    """Whether the unit carries any field that only schema version 2 has."""
    def ind_v2(i: Indicator) -> bool:
        return i.value_type is not None or i.weight is not None or i.direction is not None

    return bool(u.department_goals.indicators) or any(
        p.attribute is not None or p.period is not None or p.period_goals or p.period_indicators
        or p.funds.sources or any(ind_v2(i) for i in p.indicators)
        for p in u.projects)


def indicator_to_dict(i: Indicator) -> dict:
    d = {"level1": i.level1, "level2": i.level2, "name": i.name, "description": i.description,
         "operator": i.operator, "value": i.value, "unit": i.unit, "value_note": i.value_note, "basis": i.basis}
    for key in ("value_type", "weight", "direction"):
        if getattr(i, key) is not None:
            d[key] = getattr(i, key)
    return d


def unit_to_dict(u: UnitData) -> dict:
    """The interchange dict; optional keys that are None are left out, so the output always validates.
    A unit with no version-2 field gives exactly the version-1 document; one with any gets
    ``"schema_version": 2`` (as does a unit read from a document that said so)."""
    dg = u.department_goals
    out: dict[str, Any] = {}
    version = SCHEMA_VERSION if uses_v2(u) else u.schema_version
    if version is not None:
        out["schema_version"] = version
    out["budget_year"] = u.budget_year
    if u.framework:
        out["framework"] = u.framework
    out["money_unit"] = u.money_unit
    out["unit"] = _drop_none(vars(u.unit).copy(), keep=("code", "name"))
    dept: dict[str, Any] = {}
    if dg.overall is not None:
        dept["overall"] = dg.overall
    dept["sections"] = [{"name": s.name, "goal": s.goal} for s in dg.sections]
    dept["measures"] = list(dg.measures)
    if dg.indicators:
        dept["indicators"] = [indicator_to_dict(i) for i in dg.indicators]
    out["department_goals"] = dept
    out["projects"] = []
    for p in u.projects:
        funds: dict[str, Any] = {"total": p.funds.total, "fiscal": p.funds.fiscal, "other": p.funds.other}
        if p.funds.sources:
            funds["sources"] = [_drop_none({"source": s.source, "level": s.level, "amount": s.amount}, keep=("amount",))
                                for s in p.funds.sources]
        pd: dict[str, Any] = {"code": p.code, "name": p.name, "funds": funds}
        if p.purpose is not None:
            pd["purpose"] = p.purpose
        if p.attribute is not None:
            pd["attribute"] = p.attribute
        if p.period is not None:
            pd["period"] = {"start": p.period.start, "end": p.period.end}
        pd["spend_plan"] = dict(p.spend_plan)
        if p.period_goals:
            pd["period_goals"] = list(p.period_goals)
        pd["goals"] = list(p.goals)
        if p.period_indicators:
            pd["period_indicators"] = [indicator_to_dict(i) for i in p.period_indicators]
        pd["indicators"] = [indicator_to_dict(i) for i in p.indicators]
        out["projects"].append(pd)
    return out


#: How a round's summary lists the schema-v2 fields (for perfxl.consolidate): columns of its 项目 sheet …
V2_PROJECT_COLUMNS = ("项目属性", "实施期", "资金来源", "实施期目标")
#: … and of its 指标 sheet, whose rows then cover every indicator table (指标表: 年度, 实施期, 部门整体).
V2_INDICATOR_COLUMNS = ("指标表", "指标值类型", "权重", "指标方向")


def v2_project_cells(p: Project) -> tuple[str, str, str, str]:
    """A project's V2_PROJECT_COLUMNS as text: 项目属性; 实施期 "2022-01至2024-12"; 资金来源
    "上级补助（中央）1800；本级财政600" (amounts as typed where not numbers); 实施期目标 numbered, one a line."""
    period = "" if p.period is None else f"{p.period.start or ''}至{p.period.end or ''}"
    sources = "；".join(f"{s.source}{f'（{s.level}）' if s.level else ''}{'' if s.amount is None else _plain(s.amount)}"
                       for s in p.funds.sources)
    goals = "\n".join(f"{i}.{g}" for i, g in enumerate(p.period_goals, start=1))
    return p.attribute or "", period, sources, goals


def indicator_tables(u: UnitData) -> list[tuple[str, Project | None, list[Indicator]]]:
    """Every indicator table of a unit as (指标表, its project or None, indicators): each project's 年度
    table then its 实施期 one (where it has indicators), then the department's own (schema v2)."""
    out: list[tuple[str, Project | None, list[Indicator]]] = []
    for p in u.projects:
        out.append(("年度", p, p.indicators))
        if p.period_indicators:
            out.append(("实施期", p, p.period_indicators))
    if u.department_goals.indicators:
        out.append(("部门整体", None, u.department_goals.indicators))
    return out


def v2_indicator_cells(table: str, ind: Indicator) -> tuple[str, str, Value, str]:
    """An indicator's V2_INDICATOR_COLUMNS: its table, 指标值类型, 权重 (a number, or the text typed), 指标方向."""
    return table, ind.value_type or "", _plain(ind.weight), ind.direction or ""


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
