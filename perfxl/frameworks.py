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
           "DEFAULT_FRAMEWORK"]

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
}
_DEFAULT_TEXT_LIMITS = {"goal": 2000, "overall": 3000, "short": 200, "value": 255, "explanation": 500}


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
    return Framework(
        id=data["id"], title=data["title"], version=data["version"],
        levels=tuple((lv["name"], tuple(lv["level2"])) for lv in data["levels"]),
        required={lv["name"]: lv.get("required", "no") for lv in data["levels"]},
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
    )


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
    if problems:
        raise FrameworkError(t(f"{source}: 指标体系文件有误：", f"{source}: the framework file is wrong:")
                             + "\n  " + "\n  ".join(problems))
