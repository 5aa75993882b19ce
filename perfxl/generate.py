"""Generate a round's workbooks: from a register (blank templates) or from units' JSON (prefilled).

These are the library entry points the CLI and, later, the web page call; they take paths and
options and return what they wrote, raising PerfxlError subclasses for input they cannot use.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from .frameworks import DEFAULT_FRAMEWORK, Framework, load_framework
from .model import UnitData, load_unit
from .register import read_register
from .writer import write_templates

__all__ = ["default_budget_year", "templates_from_register", "templates_from_data", "GenerateResult"]


def default_budget_year(today: date | None = None) -> int:
    """Offices collect next year's goals in the autumn, so the default is the coming year."""
    return (today or date.today()).year + 1


@dataclass
class GenerateResult:
    framework: Framework
    units: list[UnitData]
    paths: list[Path]


def templates_from_register(register: str | Path, out_dir: str | Path, *, budget_year: int | None = None,
                            framework: str | Path = DEFAULT_FRAMEWORK, password: str | None = None,
                            key: bytes | None = None,
                            progress: Callable[[UnitData], None] | None = None) -> GenerateResult:
    """One blank workbook per unit of the register, register fields prefilled and locked."""
    fw = load_framework(framework)
    units = read_register(register, budget_year or default_budget_year(), fw.id)
    paths = write_templates(units, fw, out_dir, password=password, key=key, progress=progress)
    return GenerateResult(fw, units, paths)


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
