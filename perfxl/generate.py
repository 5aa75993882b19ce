"""Generate a round's workbooks: from a register (blank templates) or from units' JSON (prefilled).

These are the library entry points the CLI and, later, the web page call; they take paths and
options and return what they wrote, raising PerfxlError subclasses for input they cannot use.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from .frameworks import DEFAULT_FRAMEWORK, Framework, load_framework
from .i18n import t
from .model import UnitData, load_unit
from .register import load_register
from .writer import write_templates

__all__ = ["default_budget_year", "templates_from_register", "templates_from_data", "GenerateResult", "carry_forward",
           "load_previous"]


def default_budget_year(today: date | None = None) -> int:
    """Offices collect next year's goals in the autumn, so the default is the coming year."""
    return (today or date.today()).year + 1


@dataclass
class GenerateResult:
    framework: Framework
    units: list[UnitData]
    paths: list[Path]
    notes: list[str] = field(default_factory=list)


def templates_from_register(register: str | Path, out_dir: str | Path, *, budget_year: int | None = None,
                            framework: str | Path = DEFAULT_FRAMEWORK, password: str | None = None,
                            key: bytes | None = None, prefill: str | Path | None = None, roll_year: bool = False,
                            progress: Callable[[UnitData], None] | None = None) -> GenerateResult:
    """One workbook per unit of the register, register fields prefilled and locked; with ``prefill``
    (a folder of last year's unit JSON) continuing projects start from last year's goals."""
    fw = load_framework(framework)
    read = load_register(register, budget_year or default_budget_year(), fw.id)
    units = read.units
    notes = list(read.notes)  # optional columns the register lacks: accepted, and said so
    if prefill:
        notes += carry_forward(units, load_previous(prefill), roll_year=roll_year)
    paths = write_templates(units, fw, out_dir, password=password, key=key, progress=progress)
    return GenerateResult(fw, units, paths, notes)


def templates_from_data(data_files: Iterable[str | Path], out_dir: str | Path, *,
                        framework: str | Path | None = None, password: str | None = None,
                        key: bytes | None = None) -> GenerateResult:
    """One prefilled workbook per unit JSON; the JSON's own framework unless one is given."""
    units = [load_unit(p) for p in data_files]
    paths: list[Path] = []
    fw = None
    for u in units:
        fw = load_framework(framework or u.framework or DEFAULT_FRAMEWORK)
        paths += write_templates([u], fw, out_dir, password=password, key=key)
    return GenerateResult(fw or load_framework(framework or DEFAULT_FRAMEWORK), units, paths)


def carry_forward(units: list[UnitData], previous: Iterable[UnitData], *, roll_year: bool = False) -> list[str]:
    """Prefill this year's register units with last year's goals and indicators, in place.

    Department goals carry over for the same 单位编码; a project's goals and indicators only when it
    continues (same 项目编码). Amounts and the spend plan stay this year's (the register's and the
    unit's). With ``roll_year`` every "{last year}年" in the carried text becomes this year; without it
    the text is left exactly as written, and G03 will point at it. Returns notes for the operator.
    """
    import copy
    import re

    by_code = {u.unit.code: u for u in previous}
    notes: list[str] = []
    for unit in units:
        old = by_code.get(unit.unit.code)
        if old is None:
            notes.append(t(f"单位 {unit.unit.code} 没有上年数据，生成空白模板",
                           f"unit {unit.unit.code} has no data from last year: a blank template"))
            continue

        def roll(text: str | None) -> str | None:
            if not roll_year or not text or old.budget_year == unit.budget_year:
                return text
            return re.sub(rf"(?<!\d){old.budget_year}(?=\s*年)", str(unit.budget_year), text)

        dg = copy.deepcopy(old.department_goals)
        dg.overall = roll(dg.overall)
        for s in dg.sections:
            s.goal = roll(s.goal) or ""
        dg.measures = [roll(m) or "" for m in dg.measures]
        unit.department_goals = dg
        last = {p.code: p for p in old.projects}
        carried = 0
        for p in unit.projects:
            src = last.get(p.code)
            if src is None:
                continue
            carried += 1
            p.goals = [roll(g) or "" for g in src.goals]
            p.indicators = copy.deepcopy(src.indicators)
            for ind in p.indicators:
                ind.name = roll(ind.name) or ""
                ind.description, ind.value_note, ind.basis = roll(ind.description), roll(ind.value_note), roll(ind.basis)
                if isinstance(ind.value, str):
                    ind.value = roll(ind.value)
        notes.append(t(f"单位 {unit.unit.code}：{carried}/{len(unit.projects)} 个项目沿用上年目标与指标",
                       f"unit {unit.unit.code}: {carried} of {len(unit.projects)} projects carry last year's goals "
                       "and indicators"))
    return notes


def load_previous(folder: str | Path) -> list[UnitData]:
    """Every unit JSON in a folder (last year's imports); a bad file stops with its name."""
    folder = Path(folder)
    if not folder.is_dir():
        from .errors import PerfxlError
        raise PerfxlError(t(f"{folder}：不是文件夹（--prefill 需要上年单位数据 JSON 所在的文件夹）",
                            f"{folder}: not a folder (--prefill takes the folder of last year's unit JSON files)"))
    return [load_unit(p) for p in sorted(folder.glob("*.json"))]
