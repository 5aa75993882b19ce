"""Indicator frameworks (绩效指标体系) as data.

A province adapts a JSON file in ``workbook_templates/frameworks/`` rather than code: the levels,
operators, 计量单位, milestones, row counts and rule thresholds all come from there. The file is
checked against ``workbook_templates/framework.schema.json`` and a few cross-field rules, so a
broken file fails with its path and the offending key instead of a template that silently misbehaves.

The shipped frameworks are checked by the test suite (tests/test_frameworks.py), not at every start:
importing jsonschema and running the schema costs about 0.1 s, which ``perfxl check ONE.xlsx``
should not pay for files that cannot have changed since the tests ran. A framework given as a file
is always checked, schema first, then the cross-field rules.

The repository keeps the folder at its top level; setup.cfg installs it as the package data
``perfxl.templates`` (``package_dir``), so an installed perfxl adds nothing but ``perfxl`` to
site-packages and the code finds the files through ``importlib.resources`` wherever it lives.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import FrameworkError, schema_error_lines
from .i18n import t

__all__ = ["Framework", "load_framework", "list_frameworks", "framework_from_dict", "schema_problems",
           "DEFAULT_FRAMEWORK", "V2_FIELDS"]

DEFAULT_FRAMEWORK = "hebei-2023"
TEMPLATES_PACKAGE = "perfxl.templates"  # = workbook_templates/ in the repository (setup.cfg package_dir)
_SHIPPED_LABEL = "workbook_templates/frameworks/"  # how messages name a shipped file: its path in the repository

# Operators as staff see them in the dropdown (full-width, so Excel never reads "=" as a formula)
# and as the interchange JSON spells them (unit-goals.schema.json uses ASCII "=", ">", "<").
OPERATOR_TO_JSON = {"≥": "≥", "≤": "≤", "＝": "=", "＞": ">", "＜": "<", "定性": "定性"}
OPERATOR_FROM_JSON = {v: k for k, v in OPERATOR_TO_JSON.items()}

_DEFAULT_THRESHOLDS: dict[str, Any] = {
    "funds_tolerance": 0.005,
    "spend_plan_tolerance": 0.01,
    "satisfaction_min": 80,
    "min_indicators": 3,
    "qualitative_max_share": 0.5,
    "value_max_bytes": 60,
    "project_code_pattern": r"^\d{6}\d{2}[A-Z][0-9A-Z]{12}$",
    "unit_code_pattern": r"^\d{6}$",
    "vague_words": [],
    "placeholder_patterns": [],
    # G04 on indicator values and notes: words that make a 指标值 unmeasurable (besides vague_words).
    "vague_value_words": ["按月安排", "按季安排", "按计划", "按要求", "不超预算", "不超过预算", "逐步提高", "稳步推进",
                          "有所改善", "持续改善", "基本满足", "基本完成"],
    # I18: process or fund-execution measures, which belong under 产出 (or nowhere), never under 效益.
    "benefit_level1": ["效益指标"],
    "benefit_process_words": ["合规性", "资金使用率", "使用率", "支出率", "支付率", "执行率", "拨付率", "完成情况",
                              "完成率", "按时发放", "及时发放", "按时支付", "及时支付", "按时拨付", "及时拨付"],
    # I19: where weights (权重/分值) must add up to weights_total: per project table, or per 一级指标.
    "weights_scope": "table",
    "weights_total": 100,
}

#: The fields of unit-goals schema version 2 a framework may declare it uses (``"fields"``); a framework
#: that declares none (hebei-2023) keeps the seed's layout exactly.
V2_FIELDS = ("department_indicators", "period_goals", "fund_sources", "value_type", "weight", "direction",
             "attribute", "period")
_DEFAULT_DOCUMENT = {"body_font": "仿宋", "heading_font": "黑体"}
_DEFAULT_TEXT_LIMITS = {"goal": 2000, "overall": 3000, "short": 200, "value": 255, "explanation": 500}
# The year-end self-evaluation's scoring (绩效自评, issue 14; perfxl.selfeval_scoring reads it): 分值 per 一级
# and for 预算执行率 (adding up to 100), 自评等级 bands, 定性 grades as a share of the 分值, the relative
# tolerance of a ＝ target, E07's "far beyond" factor, the decimals of 得分. A file's section replaces
# these key by key (a province's "shares" lists every 一级).
_DEFAULT_SELFEVAL: dict[str, Any] = {
    "shares": {"产出指标": 50, "效益指标": 30, "满意度指标": 10},
    "budget_execution": 10,
    "grades": [{"name": "优", "min": 90}, {"name": "良", "min": 80}, {"name": "中", "min": 60}, {"name": "差", "min": 0}],
    "qualitative": {"达成": 1, "部分达成": 0.6, "未达成": 0},
    "equal_tolerance": 0,
    "far_beyond": 2,
    "decimals": 2,
}


@dataclass(frozen=True)
class Framework:
    """One framework, read from its JSON file; immutable so it can be shared across processes."""

    id: str
    title: str
    version: str
    levels: tuple[tuple[str, tuple[str, ...]], ...]
    required: dict[str, str]
    cost_level2: tuple[str, ...]
    satisfaction_level2: tuple[str, ...]
    operators: tuple[str, ...]
    units: tuple[str, ...]
    basis_suggestions: tuple[str, ...]
    basis_requires_category: bool
    spend_mode: str
    milestones: tuple[str, ...]
    indicator_rows: int
    section_rows: int
    measure_rows: int
    text_limits: dict[str, int]
    thresholds: dict[str, Any]
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    description: str = ""
    source: str = ""
    fields: tuple[str, ...] = ()  # the schema-v2 fields this province's table carries (V2_FIELDS)
    variants: tuple[dict[str, Any], ...] = ()  # layout variants applied to ``levels`` (see _apply_variants)
    document: dict[str, str] = field(default_factory=lambda: dict(_DEFAULT_DOCUMENT))  # render: fonts
    # Rows of the schema-v2 tables, where ``fields`` declares them (rows.department_indicators …).
    department_indicator_rows: int = 10
    period_indicator_rows: int = 10
    fund_source_rows: int = 4
    selfeval: dict[str, Any] = field(default_factory=lambda: json.loads(json.dumps(_DEFAULT_SELFEVAL)))  # scoring

    def uses(self, name: str) -> bool:
        """Whether the framework declares the schema-v2 field ``name`` (one of V2_FIELDS)."""
        return name in self.fields

    def moved_level2(self, level2: str) -> tuple[str, str] | None:
        """(the 一级 a variant files ``level2`` under, the 一级 it replaces) when a variant moved it."""
        for v in self.variants:
            if level2 in v["level2"]:
                return v["under"], v["instead_of"]
        return None

    @property
    def level1_names(self) -> list[str]:
        return [name for name, _ in self.levels]

    def level2_of(self, level1: str) -> tuple[str, ...]:
        for name, l2 in self.levels:
            if name == level1:
                return l2
        return ()

    @property
    def all_level2(self) -> list[str]:
        return [l2 for _, items in self.levels for l2 in items]


def _framework_schema() -> dict:
    return json.loads(resources.files(TEMPLATES_PACKAGE).joinpath("framework.schema.json").read_text("utf-8"))


def list_frameworks() -> list[str]:
    """Ids of the frameworks shipped with perfxl."""
    folder = resources.files(TEMPLATES_PACKAGE).joinpath("frameworks")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def load_framework(id_or_path: str | Path = DEFAULT_FRAMEWORK) -> Framework:
    """Load a shipped framework by id, or a province's own file by path.

    Raises FrameworkError naming the file and the key when the file is missing, not JSON, or breaks
    the framework schema.
    """
    ref = str(id_or_path)
    if ref in _SHIPPED_CACHE:
        return _SHIPPED_CACHE[ref]  # every returned workbook names its framework: validate it once
    framework = _load_framework(ref)
    if framework.source.startswith(_SHIPPED_LABEL):
        _SHIPPED_CACHE[ref] = framework
    return framework


_SHIPPED_CACHE: dict[str, Framework] = {}


def shipped_framework(framework_id: str) -> Framework:
    """A framework shipped with perfxl, found by its id and never as a path: for ids read from a
    returned workbook or a unit's JSON, which must not make the reviewer's machine open a file of
    the sender's choosing (``/dev/zero``, ``/etc/passwd``). Raises FrameworkError for any other id."""
    if framework_id in _SHIPPED_CACHE:
        return _SHIPPED_CACHE[framework_id]
    if framework_id not in list_frameworks():
        raise FrameworkError(t(f"未知的指标体系“{framework_id[:60]}”：可用的有 {'、'.join(list_frameworks())}",
                               f"unknown framework '{framework_id[:60]}': shipped are {', '.join(list_frameworks())}"))
    text = resources.files(TEMPLATES_PACKAGE).joinpath("frameworks", f"{framework_id}.json").read_text("utf-8")
    framework = framework_from_dict(json.loads(text), f"{_SHIPPED_LABEL}{framework_id}.json", validate=False)
    _SHIPPED_CACHE[framework_id] = framework
    return framework


def _load_framework(id_or_path: str) -> Framework:
    text, source, shipped = _read_framework_text(str(id_or_path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise FrameworkError(t(f"{source}: 不是有效的 JSON（第 {e.lineno} 行第 {e.colno} 列）",
                               f"{source}: not valid JSON (line {e.lineno}, column {e.colno}): {e.msg}")) from None
    return framework_from_dict(data, source, validate=not shipped)


def _read_framework_text(ref: str) -> tuple[str, str, bool]:
    """(text, how messages name the file, whether it is a shipped framework)."""
    path = Path(ref)
    if ref.endswith(".json") or path.exists():
        try:
            return path.read_text(encoding="utf-8-sig"), str(path), False
        except OSError as e:
            from .outputs import os_error_message
            raise FrameworkError(t(f"无法读取指标体系文件：{os_error_message(e)}",
                                   f"cannot read the framework file: {os_error_message(e)}")) from None
        except UnicodeDecodeError:
            raise FrameworkError(t(f"{path}: 不是 UTF-8 编码的 JSON", f"{path}: not UTF-8 encoded JSON")) from None
    shipped = resources.files(TEMPLATES_PACKAGE).joinpath("frameworks", f"{ref}.json")
    if not shipped.is_file():
        raise FrameworkError(t(
            f"未知的指标体系“{ref}”：可用的有 {'、'.join(list_frameworks())}，或给出 .json 文件路径",
            f"unknown framework '{ref}': shipped are {', '.join(list_frameworks())}, or give a .json file's path"))
    return shipped.read_text("utf-8"), f"{_SHIPPED_LABEL}{ref}.json", True


def schema_problems(data: Any) -> list:
    """Every place where ``data`` breaks framework.schema.json (jsonschema errors, in path order)."""
    import jsonschema  # only here: a shipped framework is not validated at run time (module docstring)

    return sorted(jsonschema.Draft202012Validator(_framework_schema()).iter_errors(data),
                  key=lambda e: list(map(str, e.absolute_path)))


def framework_from_dict(data: Any, source: str = "<framework>", *, validate: bool = True) -> Framework:
    """Validate a framework's dict (schema, then cross-field rules) and build the Framework.

    ``validate=False`` is for the shipped frameworks only, which the test suite validates.
    """
    if validate:
        _validate(data, source)
    thresholds = {**_DEFAULT_THRESHOLDS, **data["thresholds"]}
    levels, required = _apply_variants(data)
    return Framework(
        id=data["id"], title=data["title"], version=data["version"],
        levels=levels, required=required,
        cost_level2=tuple(data.get("cost_level2", [])),
        satisfaction_level2=tuple(data.get("satisfaction_level2", [])),
        operators=tuple(data["operators"]), units=tuple(data["units"]),
        basis_suggestions=tuple(data["basis_suggestions"]),
        basis_requires_category=bool(data.get("basis_requires_category", False)),
        spend_mode=data["spend_plan"]["mode"], milestones=tuple(data["spend_plan"]["milestones"]),
        indicator_rows=data["rows"]["indicators"], section_rows=data["rows"]["sections"],
        measure_rows=data["rows"]["measures"],
        text_limits={**_DEFAULT_TEXT_LIMITS, **data.get("text_limits", {})},
        thresholds=thresholds, rules=data.get("rules", {}),
        description=data.get("description", ""), source=source,
        fields=tuple(data.get("fields", ())), variants=tuple(data.get("variants", ())),
        document={**_DEFAULT_DOCUMENT, **data.get("document", {})},
        selfeval=json.loads(json.dumps({**_DEFAULT_SELFEVAL, **data.get("selfeval", {})})),
        **{attr: data["rows"][key] for key, attr in _V2_ROWS.items() if key in data["rows"]},
    )


# rows.<key> of the framework file -> the Framework attribute (the schema-v2 tables' row counts)
_V2_ROWS = {"department_indicators": "department_indicator_rows", "period_indicators": "period_indicator_rows",
            "fund_sources": "fund_source_rows"}


def _apply_variants(data: dict) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], dict[str, str]]:
    """The levels after the framework's layout variants, and each 一级's required setting.

    A variant ``{"level2": [...], "under": A, "instead_of": B}`` files those 二级 under 一级 A instead
    of B (older tables put 满意度 as an 二级 under 效益指标); B goes when nothing is left under it. Applied
    here, once, so the dropdowns, the live checks and every rule see one set of levels."""
    levels = [(lv["name"], list(lv["level2"])) for lv in data["levels"]]
    required = {lv["name"]: lv.get("required", "no") for lv in data["levels"]}
    for v in data.get("variants", ()):
        for name, l2 in levels:
            if name == v["instead_of"]:
                l2[:] = [x for x in l2 if x not in v["level2"]]
            if name == v["under"]:
                l2 += [x for x in v["level2"] if x not in l2]
        if not dict(levels).get(v["instead_of"]):
            levels = [(n, l2) for n, l2 in levels if n != v["instead_of"]]
            required.pop(v["instead_of"], None)
    return tuple((n, tuple(l2)) for n, l2 in levels), required


def _validate(data: Any, source: str) -> None:
    """Raise FrameworkError naming the file and every key that breaks the schema or a cross-field rule."""
    errors = schema_problems(data)
    if errors:
        lines, more = schema_error_lines(errors, 10)
        if more:
            lines.append(t(f"… 另有 {more} 处", f"… and {more} more"))
        raise FrameworkError(t(f"{source}: 指标体系文件不符合格式：", f"{source}: the framework file breaks its schema:")
                             + "\n  " + "\n  ".join(lines))
    problems = []
    names = [lv["name"] for lv in data["levels"]]
    all_l2 = [l2 for lv in data["levels"] for l2 in lv["level2"]]
    for where, items in (("/levels", names), ("/levels/*/level2", all_l2), ("/units", data["units"]),
                         ("/spend_plan/milestones", data["spend_plan"]["milestones"])):
        dupes = sorted({x for x in items if items.count(x) > 1})
        if dupes:
            problems.append(t(f"{where}：重复的名称 {'、'.join(f'“{x}”' for x in dupes)}",
                              f"{where}: repeated names {', '.join(f'“{x}”' for x in dupes)}"))
    for i, v in enumerate(data.get("variants", [])):
        for key in ("under", "instead_of"):
            if v[key] not in names:
                problems.append(t(f"/variants/{i}/{key}：“{v[key]}”不是 /levels 中的一级指标",
                                  f"/variants/{i}/{key}: “{v[key]}” is not a level-1 indicator of /levels"))
        unknown = [x for x in v["level2"] if x not in all_l2]
        if unknown:
            problems.append(t(f"/variants/{i}/level2：{'、'.join(f'“{x}”' for x in unknown)} 不是 /levels 中的二级指标",
                              f"/variants/{i}/level2: {', '.join(f'“{x}”' for x in unknown)} is not a level-2 "
                              "indicator of /levels"))
    if data.get("thresholds", {}).get("weights_scope", "table") not in ("table", "level1"):
        problems.append(t("/thresholds/weights_scope：应为 table（每张表合计）或 level1（每个一级指标合计）",
                          "/thresholds/weights_scope: use table (per table) or level1 (per level-1 indicator)"))
    for key in ("cost_level2", "satisfaction_level2"):
        unknown = [x for x in data.get(key, []) if x not in all_l2]
        if unknown:
            problems.append(t(f"/{key}：{'、'.join(f'“{x}”' for x in unknown)} 不是 /levels 中的二级指标",
                              f"/{key}: {', '.join(f'“{x}”' for x in unknown)} is not a level-2 indicator of /levels"))
    # Units are read in canonical spelling (values.normalize_unit); a framework unit spelled another
    # way ("％", "百分比") would never match what the reader hands the rules.
    from .values import normalize_unit
    odd = [(u, normalize_unit(u)) for u in data["units"] if normalize_unit(u) != u]
    if odd:
        problems.append(t(f"/units：请写成规范写法 {'、'.join(f'“{u}”→“{c}”' for u, c in odd)}",
                          f"/units: use the canonical spelling {', '.join(f'“{u}” → “{c}”' for u, c in odd)}"))
    thresholds = {**_DEFAULT_THRESHOLDS, **data["thresholds"]}
    patterns = [(k, thresholds[k]) for k in ("project_code_pattern", "unit_code_pattern")]
    patterns += [(f"placeholder_patterns/{i}", p) for i, p in enumerate(thresholds["placeholder_patterns"])]
    for key, pattern in patterns:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as e:
            problems.append(t(f"/thresholds/{key}：“{pattern}”不是有效的正则表达式",
                              f"/thresholds/{key}: \"{pattern}\" is not a valid regular expression: {e}"))
    if "selfeval" in data:
        from .selfeval_scoring import selfeval_problems
        problems += selfeval_problems(data)
    if problems:
        raise FrameworkError(t(f"{source}: 指标体系文件有误：", f"{source}: the framework file is wrong:")
                             + "\n  " + "\n  ".join(problems))
