"""The finance office's register (项目清单): units, their 主管部门 and projects with budget figures.

A bad register is refused as a whole, listing every bad row by its row number in the file, because a
template generated from a half-right register would be sent to units and be hard to recall.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .errors import RegisterError
from .model import Funds, Project, Unit, UnitData
from .textfiles import csv_rows

__all__ = ["COLUMNS", "REQUIRED_COLUMNS", "read_register", "register_rows"]

# Header (as the office writes it) -> attribute; order is the order a register file should have.
COLUMNS = {
    "单位编码": "unit_code", "单位名称": "unit_name", "主管部门编码": "department_code",
    "主管部门名称": "department_name", "项目编码": "project_code", "项目名称": "project_name",
    "预算数": "total", "财政资金": "fiscal", "其他资金": "other", "资金用途": "purpose",
}
REQUIRED_COLUMNS = ("单位编码", "单位名称", "项目编码", "项目名称", "预算数")
_MONEY = ("预算数", "财政资金", "其他资金")


def _text(v: Any) -> str | None:
    """Cell value as text; whole floats lose the '.0' spreadsheets add to codes typed as numbers."""
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    return s or None


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


def register_rows(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(row number in the file, {header: value}) for every non-blank row below the header row."""
    path = Path(path)
    if not path.is_file():
        raise RegisterError(str(path), ["文件不存在"])
    try:
        grid = _read_csv(path) if path.suffix.lower() == ".csv" else _read_sheet(path)
    except RegisterError:
        raise
    except Exception as e:  # any reader failure on an operator's file becomes one clear message
        raise RegisterError(str(path), [f"无法作为表格读取（{type(e).__name__}: {e}）"]) from None
    header_at = next((i for i, row in enumerate(grid[:20])
                      if {"项目编码", "单位编码"} <= {_text(c) for c in row}), None)
    if header_at is None:
        raise RegisterError(str(path), [f"前 20 行中找不到表头（需要列：{'、'.join(REQUIRED_COLUMNS)}）"])
    header = [_text(c) for c in grid[header_at]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RegisterError(str(path), [f"第 {header_at + 1} 行表头缺少列：{'、'.join(missing)}"])
    index = {name: header.index(name) for name in COLUMNS if name in header}
    rows = []
    for r, row in enumerate(grid[header_at + 1:], start=header_at + 2):
        values = {name: (row[i] if i < len(row) else None) for name, i in index.items()}
        if all(_text(v) is None for v in row):
            continue
        rows.append((r, values))
    return rows


def _read_csv(path: Path) -> list[list[Any]]:
    rows = csv_rows(path)
    if rows is None:
        raise RegisterError(str(path), ["CSV 编码无法识别（支持 UTF-8 与 GBK/GB18030）"])
    return rows


def _read_sheet(path: Path) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return [list(r) for r in wb.get_sheet_by_index(0).to_python(skip_empty_area=False)]


def read_register(path: str | Path, budget_year: int, framework: str | None = None) -> list[UnitData]:
    """Units in register order, each with its projects' register fields and nothing filled yet.

    Raises RegisterError listing every bad row (missing required values, amounts that are not
    non-negative numbers, 预算数 ≠ 财政资金 + 其他资金, a unit code with two names, duplicate 项目编码).
    """
    problems: list[str] = []
    units: dict[str, UnitData] = {}
    seen_projects: dict[str, int] = {}
    for r, v in register_rows(path):
        t = {name: _text(v.get(name)) for name in COLUMNS}
        for col in REQUIRED_COLUMNS:
            if t[col] is None:
                problems.append(f"第 {r} 行：{col} 为空")
        money = {col: _money(v.get(col)) for col in _MONEY}
        for col, m in money.items():
            if isinstance(m, str):
                problems.append(f"第 {r} 行：{col} '{m}' 不是数字")
            elif m is not None and m < 0:
                problems.append(f"第 {r} 行：{col} 为负数 {m:g}")
        if all(isinstance(money[c], float) for c in ("预算数", "财政资金")):
            parts = money["财政资金"] + (money["其他资金"] if isinstance(money["其他资金"], float) else 0.0)
            if abs(money["预算数"] - parts) > 0.005:
                problems.append(f"第 {r} 行：预算数 {money['预算数']:.2f} ≠ 财政资金 + 其他资金 {parts:.2f}")
        code, pcode = t["单位编码"], t["项目编码"]
        if pcode is not None:
            if pcode in seen_projects:
                problems.append(f"第 {r} 行：项目编码 {pcode} 与第 {seen_projects[pcode]} 行重复")
                continue
            seen_projects[pcode] = r
        if code is None or pcode is None or t["项目名称"] is None:
            continue
        unit = units.get(code)
        if unit is None:
            unit = units[code] = UnitData(
                budget_year=budget_year, framework=framework,
                unit=Unit(code=code, name=t["单位名称"] or "", department_code=t["主管部门编码"],
                          department_name=t["主管部门名称"]))
        elif t["单位名称"] is not None and t["单位名称"] != unit.unit.name:
            problems.append(f"第 {r} 行：单位编码 {code} 的单位名称 '{t['单位名称']}' 与前面的 '{unit.unit.name}' 不一致")
        unit.projects.append(Project(
            code=pcode, name=t["项目名称"],
            funds=Funds(*(m if not isinstance(m, str) else None for m in money.values())),
            purpose=t["资金用途"]))
    if problems:
        raise RegisterError(str(path), problems)
    if not units:
        raise RegisterError(str(path), ["表头下没有任何项目行"])
    return list(units.values())
