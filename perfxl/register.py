"""The finance office's register (项目清单): units, their 主管部门 and projects with budget figures.

A bad register is refused as a whole, listing every bad row by its row number in the file, because a
template generated from a half-right register would be sent to units and be hard to recall. The
format has required columns (:data:`REQUIRED_COLUMNS`) and optional ones (:data:`OPTIONAL_COLUMNS`):
a missing required column refuses the file naming both lists; a missing optional one is accepted
with a note saying what follows (:class:`RegisterRead`), so a file is never taken half-read in silence.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import RegisterError
from .i18n import t
from .model import Funds, Project, Unit, UnitData
from .text import clean_text, needs_cleaning
from .textfiles import csv_rows

__all__ = ["COLUMNS", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "RegisterRead", "load_register", "read_register",
           "register_rows"]

# Header (as the office writes it) -> attribute; order is the order a register file should have.
COLUMNS = {
    "单位编码": "unit_code", "单位名称": "unit_name", "主管部门编码": "department_code",
    "主管部门名称": "department_name", "项目编码": "project_code", "项目名称": "project_name",
    "预算数": "total", "财政资金": "fiscal", "其他资金": "other", "资金用途": "purpose",
}
# Without these a template cannot be made: who fills it, which projects, how much money.
REQUIRED_COLUMNS = ("单位编码", "单位名称", "项目编码", "项目名称", "预算数")
# These may be left out of the file; what then happens is said in the result's notes. Without a
# 财政资金 column it is 预算数 − 其他资金 (the register's own identity); in a 财政资金 column a blank
# is refused (write 0), as it is more often a slip than "no fiscal money". A blank 其他资金 is 0.
OPTIONAL_COLUMNS = ("主管部门编码", "主管部门名称", "财政资金", "其他资金", "资金用途")
_OPTIONAL_EFFECT = {
    "主管部门编码": ("模板与汇总表中不显示主管部门编码", "templates and the summary show no department code"),
    "主管部门名称": ("模板与汇总表中不显示主管部门名称，按主管部门的汇总中各单位合为主管部门空白的一行",
                 "templates and the summary show no department name; budget by department puts every unit in "
                 "one row with a blank department"),
    "财政资金": ("财政资金按“预算数 − 其他资金”计算，模板中锁定",
             "fiscal funds are taken as “预算数” − “其他资金”, locked in the templates"),
    "其他资金": ("所有项目的其他资金按 0 处理，模板中锁定为 0", "every project's other funds are taken as 0, locked in the templates"),
    "资金用途": ("模板中资金用途留给单位填写", "the use of funds is left for the units to fill in the templates"),
}
# Other spellings offices use for a column, after spaces are removed.
_HEADER_ALIASES = {"其它资金": "其他资金", "财政拨款": "财政资金", "财政拨款资金": "财政资金"}
_MONEY = ("预算数", "财政资金", "其他资金")


def _columns_hint() -> str:
    return t(f"必需列：{'、'.join(REQUIRED_COLUMNS)}；可选列：{'、'.join(OPTIONAL_COLUMNS)}",
             f"required columns: {_quoted(REQUIRED_COLUMNS)}; optional: {_quoted(OPTIONAL_COLUMNS)}")


def _quoted(names) -> str:
    """Column names in an English message: the file's own (Chinese) headers, quoted as such."""
    return ", ".join(f"“{n}”" for n in names)


@dataclass
class RegisterRead:
    """A register's units, and notes for the operator on what the file left out (optional columns,
    columns perfxl does not use): accepted, but never silently."""

    units: list[UnitData]
    notes: list[str] = field(default_factory=list)


def _text(v: Any) -> str | None:
    """Cell value as text; whole floats lose the '.0' spreadsheets add to codes typed as numbers."""
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    return s or None


def _clean_cells(values: dict[str, Any]) -> tuple[dict[str, str | None], list[str]]:
    """The text columns of one row, cleaned (:mod:`perfxl.text`: every column but 资金用途 is a name
    or code, one line), and the columns that held control characters, TABs or line breaks in a name,
    for the row's note. Money columns are left to :func:`_money`, which reports what is no number."""
    cell: dict[str, str | None] = {}
    dirty: list[str] = []
    for name in COLUMNS:
        text = _text(values.get(name))
        if text is not None and name not in _MONEY:
            is_name = name != "资金用途"
            if needs_cleaning(text, name=is_name):
                dirty.append(name)
            text = clean_text(text, name=is_name).strip() or None
        cell[name] = text
    return cell, dirty


def _money(v: Any) -> float | None | str:
    """A number, None for blank, or the offending text (reported by the caller)."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        return float(v) if math.isfinite(v) else str(v)
    try:
        f = float(str(v).strip().replace(",", "").replace("，", ""))
    except ValueError:
        return str(v)
    return f if math.isfinite(f) else str(v)


def _header_name(v: Any) -> str | None:
    name = _text(v)
    if name is None:
        return None
    name = "".join(name.split()).replace("（", "(").replace("）", ")")
    name = re.sub(r"\((?:万元|元)\)$", "", name)  # "预算数（万元）": the money unit is the workbook's
    return _HEADER_ALIASES.get(name, name)


def _table(path: str | Path) -> tuple[int, list[str | None], list[tuple[int, dict[str, Any]]]]:
    """(header row number, header names, rows below it) of a register file; RegisterError when the
    file or its header cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise RegisterError(str(path), [t("文件不存在", "file not found")])
    try:
        grid = _read_csv(path) if path.suffix.lower() == ".csv" else _read_sheet(path)
    except RegisterError:
        raise
    except Exception as e:  # any reader failure on an operator's file becomes one clear message
        raise RegisterError(str(path), [t("无法作为表格读取（文件可能已损坏，或不是 .xlsx、.xls、.csv 表格）",
                                          f"cannot be read as a table ({type(e).__name__}: {e})")]) from None
    header_at = next((i for i, row in enumerate(grid[:20])
                      if {"项目编码", "单位编码"} <= {_header_name(c) for c in row}), None)
    if header_at is None:
        raise RegisterError(str(path), [t(f"前 20 行中找不到表头（{_columns_hint()}）",
                                          f"no header row in the first 20 rows ({_columns_hint()})")])
    header = [_header_name(c) for c in grid[header_at]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RegisterError(str(path), [t(f"第 {header_at + 1} 行表头缺少列：{'、'.join(missing)}（{_columns_hint()}）",
                                          f"the header in row {header_at + 1} lacks {_quoted(missing)} "
                                          f"({_columns_hint()})")])
    index = {name: header.index(name) for name in COLUMNS if name in header}
    rows = []
    for r, row in enumerate(grid[header_at + 1:], start=header_at + 2):
        values = {name: (row[i] if i < len(row) else None) for name, i in index.items()}
        if all(_text(v) is None for v in row):
            continue
        rows.append((r, values))
    return header_at + 1, header, rows


def register_rows(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(row number in the file, {header: value}) for every non-blank row below the header row."""
    return _table(path)[2]


def _notes(header_row: int, header: list[str | None]) -> list[str]:
    """What the operator should know about the file's columns: optional ones left out, and columns
    perfxl does not read (so nothing typed there is taken for used)."""
    notes = [t(f"项目清单没有“{col}”列：{_OPTIONAL_EFFECT[col][0]}", f"the register has no “{col}” column: "
               f"{_OPTIONAL_EFFECT[col][1]}") for col in OPTIONAL_COLUMNS if col not in header]
    unused = [h for h in header if h and h not in COLUMNS]
    if unused:
        notes.append(t(f"项目清单第 {header_row} 行的列“{'”“'.join(unused)}”不是清单格式中的列，未使用",
                       f"register columns not used (not part of the register format): {_quoted(unused)}"))
    return notes


def _read_csv(path: Path) -> list[list[Any]]:
    rows = csv_rows(path)
    if rows is None:
        raise RegisterError(str(path), [t("CSV 编码无法识别（支持 UTF-8 与 GBK/GB18030）",
                                          "unknown CSV encoding (UTF-8 and GBK/GB18030 are supported)")])
    return rows


def _read_sheet(path: Path) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return [list(r) for r in wb.get_sheet_by_index(0).to_python(skip_empty_area=False)]


def read_register(path: str | Path, budget_year: int, framework: str | None = None) -> list[UnitData]:
    """Units in register order, each with its projects' register fields and nothing filled yet
    (see :func:`load_register`, which also gives the notes on the file's columns)."""
    return load_register(path, budget_year, framework).units


def load_register(path: str | Path, budget_year: int, framework: str | None = None) -> RegisterRead:
    """The register's units in register order, and notes on optional columns it lacks.

    A blank 其他资金 (or no 其他资金 column) is 0: the template shows it as a locked 0, not as a
    cell the unit could fill. Raises RegisterError listing every bad row (missing required values,
    amounts that are not non-negative numbers, 预算数 ≠ 财政资金 + 其他资金, a unit code with two
    names, duplicate 项目编码).
    """
    header_row, header, rows = _table(path)
    problems: list[str] = []
    units: dict[str, UnitData] = {}
    seen_projects: dict[str, int] = {}
    cleaned: list[str] = []
    for r, v in rows:
        cell, dirty = _clean_cells(v)
        if dirty:
            cleaned.append(t(f"项目清单第 {r} 行的“{'”“'.join(dirty)}”含控制字符（不可见字符）、制表符或换行，已删除（制表符、"
                             "名称中的换行改为空格）",
                             f"register row {r}: {_quoted(dirty)} held control characters (invisible characters), "
                             "TABs or line breaks; removed (a TAB, or a line break in a name, became a space)"))
        for col in REQUIRED_COLUMNS:
            if cell[col] is None:
                problems.append(t(f"第 {r} 行：{col} 为空", f"row {r}: “{col}” is blank"))
        if "财政资金" in header and cell["财政资金"] is None:
            problems.append(t(f"第 {r} 行：财政资金 为空（没有财政资金的请填 0）",
                              f"row {r}: “财政资金” is blank (write 0 for none)"))
        money = {col: _money(v.get(col)) for col in _MONEY}
        if money["其他资金"] is None:
            money["其他资金"] = 0.0  # blank or no column: no other funds
        if "财政资金" not in header and isinstance(money["预算数"], float):
            money["财政资金"] = round(money["预算数"] - money["其他资金"], 6)  # no column: the identity gives it
        for col, m in money.items():
            if isinstance(m, str):
                problems.append(t(f"第 {r} 行：{col} '{m}' 不是数字", f"row {r}: “{col}” '{m}' is not a number"))
            elif m is not None and m < 0:
                problems.append(t(f"第 {r} 行：{col} 为负数 {m:g}", f"row {r}: “{col}” is negative ({m:g})"))
        if all(isinstance(money[c], float) for c in _MONEY):
            parts = money["财政资金"] + money["其他资金"]
            if abs(money["预算数"] - parts) > 0.005:
                problems.append(t(f"第 {r} 行：预算数 {money['预算数']:.2f} ≠ 财政资金 + 其他资金 {parts:.2f}",
                                  f"row {r}: “预算数” {money['预算数']:.2f} ≠ “财政资金” + “其他资金” {parts:.2f}"))
        code, pcode = cell["单位编码"], cell["项目编码"]
        if pcode is not None:
            if pcode in seen_projects:
                problems.append(t(f"第 {r} 行：项目编码 {pcode} 与第 {seen_projects[pcode]} 行重复",
                                  f"row {r}: project code {pcode} repeats row {seen_projects[pcode]}"))
                continue
            seen_projects[pcode] = r
        if code is None or pcode is None or cell["项目名称"] is None:
            continue
        unit = units.get(code)
        if unit is None:
            unit = units[code] = UnitData(
                budget_year=budget_year, framework=framework,
                unit=Unit(code=code, name=cell["单位名称"] or "", department_code=cell["主管部门编码"],
                          department_name=cell["主管部门名称"]))
        elif cell["单位名称"] is not None and cell["单位名称"] != unit.unit.name:
            problems.append(t(f"第 {r} 行：单位编码 {code} 的单位名称 '{cell['单位名称']}' 与前面的 '{unit.unit.name}' 不一致",
                              f"row {r}: unit {code} is named '{cell['单位名称']}', above '{unit.unit.name}'"))
        unit.projects.append(Project(
            code=pcode, name=cell["项目名称"],
            funds=Funds(*(m if not isinstance(m, str) else None for m in money.values())),
            purpose=cell["资金用途"]))
    if problems:
        raise RegisterError(str(path), problems)
    if not units:
        raise RegisterError(str(path), [t("表头下没有任何项目行", "no project rows below the header")])
    return RegisterRead(list(units.values()), _notes(header_row, header) + cleaned)
