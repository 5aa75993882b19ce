"""Import last year's goals: the 部门预算绩效文本 (.docx or its plain-text export) and the flat tables
budget systems export (one row per indicator).

Both document forms become one stream of blocks — paragraphs and tables of cell texts — so a single
parser reads them: in the text export a tab-led line is a table cell and a blank line ends a row;
in a .docx the tables are tables. Values are split the way the reader splits what staff type
(values.py). Whatever cannot be parsed is reported with its place in the source (line, or table and
row), never guessed silently; what was parsed is kept exactly as written.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .errors import PerfxlError
from .i18n import t
from .model import DepartmentGoals, Funds, FundSource, Indicator, Period, Project, Section, Unit, UnitData
from .reader import split_goals
from .text import clean_text, clean_unit, needs_cleaning
from .textfiles import csv_rows, decode_chinese
from .values import normalize_operator, parse_indicator_value, parse_number, parse_percent

__all__ = ["ImportResult", "import_file", "import_document_text", "import_docx", "import_flat", "Block"]

_CN_NUM = "一二三四五六七八九十"
_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")


@dataclass
class Block:
    """A paragraph (``rows`` empty) or a table (``rows`` of cell texts), with its place in the source."""

    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    place: str = ""
    row_places: list[str] = field(default_factory=list)
    cell_places: list[list[str]] = field(default_factory=list)

    @property
    def is_table(self) -> bool:
        return bool(self.rows)


@dataclass
class ImportResult:
    units: list[UnitData]
    problems: list[str]  # "第 120 行：……" — what was not understood, with its place


def _line(n: int) -> str:
    return t(f"第 {n} 行", f"line {n}")


# values.PROBLEM_CODES in words, for the notes of an import.
_PROBLEMS = {
    "error_value": ("单元格是 Excel 错误值", "an Excel error value"),
    "formula_text": ("是公式文字", "formula text"),
    "not_number": ("找不到可用的数字", "no usable number"),
    "range": ("是一个范围而不是一个数", "a range, not one number"),
    "operator_conflict": ("两处符号不一致", "two operators disagree"),
    "operator_unknown": ("符号无法识别", "the operator is not recognised"),
    "unit_conflict": ("指标值中的计量单位与计量单位列不一致", "the unit in the value differs from the unit column"),
    "date_value": ("是日期", "a date"),
    "unsupported_type": ("内容类型无法识别", "a value of an unexpected type"),
}


def _problem(code: str) -> tuple[str, str]:
    return _PROBLEMS.get(code, ("无法识别", code))


def _clean(s: str) -> str:
    return _BOOKMARK.sub("", s).strip()


def _compact(s: str) -> str:
    """Labels compared without white space and with ASCII parentheses folded (其中：财政    资金)."""
    return re.sub(r"\s+", "", s).replace("(", "（").replace(")", "）").replace(":", "：")


# ---------------------------------------------------------------- sources to blocks

def text_blocks(text: str) -> list[Block]:
    """The text export: tab-led lines are cells, a blank line ends a row, any other line ends a table."""
    blocks: list[Block] = []
    table: Block | None = None
    row: list[str] | None = None
    for n, line in enumerate(text.splitlines(), start=1):
        if line.startswith("\t"):
            if table is None:
                table = Block(rows=[], place=_line(n))
                blocks.append(table)
            if row is None:
                row = []
                table.rows.append(row)
                table.row_places.append(_line(n))
                table.cell_places.append([])
            row.append(_clean(line[1:]))
            table.cell_places[-1].append(_line(n))
            continue
        if line == "" and table is not None:
            row = None
            continue
        table, row = None, None
        blocks.append(Block(text=_clean(line), place=_line(n)))
    return [b for b in blocks if b.text or b.rows]


def docx_blocks(data: bytes) -> list[Block]:
    """A .docx's body in order; a vertically merged continuation cell reads as empty, as in the text
    export, and a horizontally merged cell once."""
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(io.BytesIO(data))
    blocks: list[Block] = []
    tables = 0
    for n, child in enumerate(doc.element.body.iterchildren(), start=1):
        if child.tag == qn("w:p"):
            text = "".join(t.text or "" for t in child.iter(qn("w:t")))
            if _clean(text):
                blocks.append(Block(text=_clean(text), place=t(f"第 {n} 段", f"paragraph {n}")))
        elif child.tag == qn("w:tbl"):
            tables += 1
            b = Block(rows=[], place=t(f"第 {tables} 个表格", f"table {tables}"))
            for r, tr in enumerate(child.iter(qn("w:tr")), start=1):
                cells = []
                b.cell_places.append([t(f"第 {tables} 个表格第 {r} 行第 {c} 格", f"table {tables}, row {r}, cell {c}")
                                      for c in range(1, 64)])
                for tc in tr.iter(qn("w:tc")):
                    merge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
                    if merge is not None and merge.get(qn("w:val")) in (None, "continue"):
                        cells.append("")
                        continue
                    paras = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p"))]
                    cells.append(_clean("\n".join(paras)))
                b.rows.append(cells)
                b.row_places.append(t(f"第 {tables} 个表格第 {r} 行", f"table {tables}, row {r}"))
            blocks.append(b)
    return blocks


# ---------------------------------------------------------------- blocks to a unit

def import_document_text(text: str, *, framework: str = "hebei-2023", source: str = "<text>") -> ImportResult:
    return _document(text_blocks(text), framework, source)


def import_docx(data: bytes, *, framework: str = "hebei-2023", source: str = "<docx>") -> ImportResult:
    return _document(docx_blocks(data), framework, source)


def _document(blocks: list[Block], framework: str, source: str) -> ImportResult:
    problems: list[str] = []
    year, cover = None, None
    paras = [b for b in blocks if not b.is_table]
    for i, b in enumerate(paras):
        m = re.search(r"(\d{4})\s*年度?部门预算绩效文本", b.text)
        if m:
            year = int(m.group(1))
            cover = paras[i - 1].text if i else None
            break
    if year is None:
        problems.append(t(f"{source}：找不到“XXXX年部门预算绩效文本”封面标题，预算年度未知",
                          f"{source}: no cover title “XXXX年部门预算绩效文本”; the budget year is unknown"))
    # The 目录 lists both parts first; the body's headings are the last ones (alone, or with their title).
    starts = [i for i, b in enumerate(blocks)
              if not b.is_table and _compact(b.text) in ("第一部分", "第一部分部门整体绩效目标")]
    part2 = [i for i, b in enumerate(blocks)
             if not b.is_table and _compact(b.text) in ("第二部分", "第二部分预算项目绩效目标")]
    if not starts or not part2 or starts[-1] > part2[-1]:
        raise PerfxlError(t(f"{source}：找不到“第一部分”与“第二部分”标题，不像部门预算绩效文本",
                            f"{source}: no “第一部分” and “第二部分” headings; this does not look like a "
                            "“部门预算绩效文本”"))
    dept = _part_one(blocks[starts[-1] + 1:part2[-1]], problems)
    projects, unit_code, unit_name, money_unit = _part_two(blocks[part2[-1] + 1:], problems)
    if not unit_code:
        problems.append(t(f"{source}：绩效目标表中找不到单位编码（表头“单位编码+单位名称”一行）",
                          f"{source}: no unit code in the goal tables (the header row “单位编码+单位名称”)"))
    unit = UnitData(budget_year=year or 0, framework=framework, money_unit=money_unit or "万元",
                    unit=Unit(code=unit_code or "", name=unit_name or cover or "", department_name=cover),
                    projects=projects, department_goals=dept)
    return ImportResult([unit], problems)


_HEADING = re.compile(rf"^[{_CN_NUM}]+、")


def _part_one(blocks: list[Block], problems: list[str]) -> DepartmentGoals:
    dg = DepartmentGoals()
    part = None
    overall: list[str] = []
    for b in blocks:
        if b.is_table:
            header = [_compact(c) for c in b.rows[0]] if b.rows else []
            if part == "部门整体绩效指标" and "一级指标" in header:  # schema v2: the department's own indicators
                dg.indicators += _indicators(b, header, problems)
                continue
            problems.append(t(f"{b.place}：第一部分中出现表格，未读取", f"{b.place}: a table in part one, not read"))
            continue
        text = b.text
        key = _compact(text)
        heads = ("总体绩效目标", "分项绩效目标", "工作保障措施", "部门整体绩效指标")
        if _HEADING.match(key) and key.endswith(heads) and len(key) <= 10:
            part = next(h for h in heads if key.endswith(h))
            continue
        if key in ("部门整体绩效目标", "预算项目绩效目标"):
            continue
        if part == "总体绩效目标":
            overall.append(text)
        elif part == "分项绩效目标":
            m = _HEADING.match(text)
            if m:
                rest = text[m.end():]
                split = re.search(r"(?:\d+\s*[、.．])?\s*绩效目标[：:]", rest)
                name, goal = (rest[:split.start()], rest[split.end():]) if split else (rest, "")
                dg.sections.append(Section(name=name.strip(), goal=goal.strip()))
            elif dg.sections:
                goal = re.sub(r"^(?:\d+\s*[、.．])?\s*绩效目标[：:]\s*", "", text)
                s = dg.sections[-1]
                s.goal = f"{s.goal}\n{goal}" if s.goal else goal
            else:
                problems.append(t(f"{b.place}：分项绩效目标下的文字不属于任何科室：“{text[:30]}”",
                                  f"{b.place}: text under “分项绩效目标” belongs to no section: “{text[:30]}”"))
        elif part == "工作保障措施":
            m = re.match(rf"^[（(][{_CN_NUM}]+[）)]\s*", text)
            if m:
                dg.measures.append(text[m.end():])
            elif dg.measures:
                dg.measures[-1] += text  # a line broken inside a sentence
            else:
                problems.append(t(f"{b.place}：工作保障措施下的文字没有（一）（二）编号：“{text[:30]}”",
                                  f"{b.place}: text under “工作保障措施” is not numbered “（一）”, “（二）”…: "
                                  f"“{text[:30]}”"))
        else:
            problems.append(t(f"{b.place}：第一部分中无法归类的文字：“{text[:30]}”",
                              f"{b.place}: text in part one under no known heading: “{text[:30]}”"))
    dg.overall = "\n".join(overall) if overall else None
    return dg


def _part_two(blocks: list[Block], problems: list[str]):
    projects: list[Project] = []
    unit_code = unit_name = money_unit = None
    current: Project | None = None
    title = None  # the paragraph before a table: 年度绩效指标 or 实施期绩效指标 where a project has both
    for b in blocks:
        if not b.is_table:
            m = re.match(r"^\d+\s*[.．、]\s*(.+?)绩效目标表$", b.text)
            if m:
                current = Project(code="", name=m.group(1).strip())
                projects.append(current)
            title = None if m else _compact(b.text)
            continue
        if current is None:
            problems.append(t(f"{b.place}：表格前没有“N.项目名称绩效目标表”标题，未读取",
                              f"{b.place}: no title “N.项目名称绩效目标表” before the table; not read"))
            continue
        header = [_compact(c) for c in b.rows[0]]
        if "一级指标" in header:
            if title == "实施期绩效指标":
                current.period_indicators += _indicators(b, header, problems)
            else:
                current.indicators += _indicators(b, header, problems)
            continue
        code, name, money = _project_table(b, current, problems)
        unit_code = unit_code or code
        unit_name = unit_name or name
        money_unit = money_unit or money
    return projects, unit_code, unit_name, money_unit


def _after(row: list[str], label: str) -> str | None:
    for i, c in enumerate(row):
        if _compact(c) == label and i + 1 < len(row):
            return row[i + 1]
    return None


def _money(text: str | None, place: str, what: str, problems: list[str]) -> Any:
    if text is None or not text.strip():
        return None
    n = parse_number(text)
    if n is None:
        problems.append(t(f"{place}：{what}“{text}”不是数字，按原文保留",
                          f"{place}: “{what}” “{text}” is not a number; kept as written"))
        return text
    return n


def _project_table(b: Block, p: Project, problems: list[str]):
    code = name = money = None
    rows = b.rows
    for i, row in enumerate(rows):
        first = _compact(row[0]) if row else ""
        place = b.row_places[i]
        m = re.match(r"^(\d{6})(.+)$", row[0].strip()) if row else None
        if m and i == 0:
            code, name = m.group(1), m.group(2).strip()
            unit_cell = next((c for c in row[1:] if "单位" in c), "")
            mu = re.search(r"(万元|元)", unit_cell)
            money = mu.group(1) if mu else None
        elif "项目编码" in [_compact(c) for c in row]:
            p.code = (_after(row, "项目编码") or "").strip()
            table_name = (_after(row, "项目名称") or "").strip()
            if table_name and table_name != p.name:
                problems.append(t(f"{place}：项目名称“{table_name}”与标题中的“{p.name}”不同，按表格取",
                                  f"{place}: the project name “{table_name}” differs from “{p.name}” in the "
                                  "title; the table's is taken"))
                p.name = table_name
        elif first.startswith("预算规模"):
            p.funds = Funds(total=_money(_after(row, "预算数"), place, "预算数", problems),
                            fiscal=_money(_after(row, "其中：财政资金"), place, "财政资金", problems),
                            other=_money(_after(row, "其他资金"), place, "其他资金", problems))
            if i + 1 < len(rows) and not _compact(rows[i + 1][0]):
                purpose = "".join(c for c in rows[i + 1][1:] if c.strip())
                p.purpose = purpose or None
        elif first.startswith("资金支出计划"):
            labels = [c.strip() for c in row[1:] if c.strip()]
            values = rows[i + 1][1:] if i + 1 < len(rows) else []
            for k, label in enumerate(labels):
                raw = values[k] if k < len(values) else ""
                pct = parse_percent(raw)
                if pct is None and raw.strip():
                    problems.append(t(f"{b.row_places[i + 1]}：支出计划{label}“{raw}”不是百分比，按原文保留",
                                      f"{b.row_places[i + 1]}: spend plan “{label}” “{raw}” is not a percentage; "
                                      "kept as written"))
                p.spend_plan[label] = pct if pct is not None else (raw.strip() or None)
                if isinstance(p.spend_plan[label], float) and p.spend_plan[label].is_integer():
                    p.spend_plan[label] = int(p.spend_plan[label])
        elif first in ("绩效目标", "年度目标"):
            p.goals = split_goals("\n".join(c for c in row[1:] if c.strip()))
        elif first == "实施期目标":  # schema v2, as render writes them
            p.period_goals = split_goals("\n".join(c for c in row[1:] if c.strip()))
        elif first == "项目属性":
            attribute, period = (_after(row, "项目属性") or "").strip(), (_after(row, "实施期") or "").strip()
            p.attribute = _ATTRIBUTES.get(re.sub(r"\s", "", attribute)) if attribute else None
            if attribute and p.attribute is None:
                problems.append(t(f"{place}：项目属性“{attribute}”无法识别（应为新增或延续），未导入",
                                  f"{place}: 项目属性 “{attribute}” is not understood (新增 or 延续); not imported"))
            p.period = _period(period, place, problems)
        elif first == "资金来源":
            for line in "\n".join(c for c in row[1:] if c.strip()).split("\n"):
                m = _SOURCE_LINE.match(line.strip())
                if m:
                    p.funds.sources.append(FundSource(source=m.group(1), level=m.group(2),
                                                      amount=_money(m.group(3), place, m.group(1), problems)))
                elif line.strip():
                    problems.append(t(f"{place}：资金来源“{line.strip()}”无法识别，未导入",
                                      f"{place}: the fund source “{line.strip()}” is not understood; not imported"))
    return code, name, money


# A 资金来源 line as render writes it: 上级补助（中央）：1800.00
_SOURCE_LINE = re.compile(r"^(本级财政|上级补助|上年结转|其他)(?:[（(](中央|省|市|县)[）)])?\s*[:：]\s*(.*)$")


_COLUMNS = {"一级指标": "level1", "二级指标": "level2", "三级指标": "name", "绩效指标描述": "description",
            "符号": "operator", "指标值": "value", "计量单位": "unit", "度量单位": "unit", "指标值说明": "value_note",
            "指标值确定依据": "basis", "权重": "weight", "分值": "weight", "指标值类型": "value_type",
            "指标方向": "direction", "指标方向性": "direction"}
_VALUE_TYPES = {"定量": "定量", "定量指标": "定量", "定性": "定性", "定性指标": "定性"}


def _indicators(b: Block, header: list[str], problems: list[str]) -> list[Indicator]:
    cols = {_COLUMNS[h]: i for i, h in enumerate(header) if h in _COLUMNS}
    out: list[Indicator] = []
    level1 = level2 = ""
    for r, row in enumerate(b.rows[1:], start=1):
        cell = {k: (row[i].strip() if i < len(row) else "") for k, i in cols.items()}
        if not any(cell.values()):
            continue
        level1 = cell.get("level1") or level1
        level2 = cell.get("level2") or level2
        places = b.cell_places[r] if r < len(b.cell_places) else []
        value_at = cols.get("value", 0)
        place = places[value_at] if value_at < len(places) else b.row_places[r]
        value_type = _stated(cell.get("value_type"), _VALUE_TYPES, place, "指标值类型", "定量或定性", "定量 or 定性",
                             problems)
        ind = _indicator(level1, level2, cell, place, problems, value_type=value_type)
        if cell.get("weight"):  # a 权重 column (render writes one where the table gives weights)
            weight = parse_number(cell["weight"])
            ind.weight = (int(weight) if float(weight).is_integer() else weight) if weight is not None else cell["weight"]
        # 指标值类型 and 指标方向 columns (render writes them where the framework declares them)
        ind.value_type = value_type
        ind.direction = _stated(cell.get("direction"), _DIRECTIONS, place, "指标方向", "正向、反向或区间",
                                "正向, 反向 or 区间", problems)
        out.append(ind)
    return out


def _stated(text: str | None, choices: dict[str, str], place: str, what: str, expected: str, expected_en: str,
            problems: list[str]) -> str | None:
    """A 指标值类型 or 指标方向 cell in the schema's spelling (spaces aside); other text is reported, not kept."""
    if not text:
        return None
    value = choices.get(re.sub(r"\s", "", text))
    if value is None:
        problems.append(t(f"{place}：{what}“{text}”无法识别（应为{expected}），未导入",
                          f"{place}: the {what} “{text}” is not understood ({expected_en}); not imported"))
    return value


def _indicator(level1: str, level2: str, cell: dict[str, str], place: str, problems: list[str],
               value_type: str | None = None) -> Indicator:
    raw = cell.get("value", "")
    ind = Indicator(level1=level1, level2=level2, name=cell.get("name", ""),
                    description=cell.get("description") or None, basis=cell.get("basis") or None,
                    unit=cell.get("unit") or None, value_note=cell.get("value_note") or None, raw_value=raw or None)
    op_cell = cell.get("operator") or None
    if op_cell and normalize_operator(op_cell) == "定性":
        ind.operator, ind.value = "定性", raw or None
        return ind
    if not raw:
        ind.operator = normalize_operator(op_cell) if op_cell else None
        return ind
    parsed = parse_indicator_value(raw, operator_cell=op_cell, unit_cell=ind.unit)
    if isinstance(parsed.value, (int, float)) and not isinstance(parsed.value, bool):
        ind.value = int(parsed.value) if float(parsed.value).is_integer() else parsed.value
        ind.operator = parsed.operator
        ind.unit = ind.unit or parsed.unit
        if parsed.note and not ind.value_note:
            ind.value_note = parsed.note
        if ind.operator is None:
            problems.append(t(f"{place}：指标值“{raw}”没有符号（≥ ≤ ＝ ＞ ＜），请补上",
                              f"{place}: the indicator value “{raw}” has no operator (≥ ≤ ＝ ＞ ＜); add one"))
    elif parsed.problems:
        ind.value = raw
        problems.append(t(f"{place}：指标值“{raw}”无法拆分（{'、'.join(_problem(c)[0] for c in parsed.problems)}），"
                          "按原文保留",
                          f"{place}: the indicator value “{raw}” cannot be split "
                          f"({'; '.join(_problem(c)[1] for c in parsed.problems)}); kept as written"))
    elif value_type == "定量":  # stated 定量: text is not turned into 定性 (I05 reports it)
        ind.value = raw
        ind.operator = normalize_operator(op_cell) if op_cell else None
        problems.append(t(f"{place}：指标性质为定量，但指标值“{raw}”不是数字，按原文保留",
                          f"{place}: declared 定量 but the value “{raw}” is not a number; kept as written"))
    else:
        ind.operator, ind.value = "定性", raw
    return ind


# ---------------------------------------------------------------- flat tables (budget system exports)
#
# The budget system (预算管理一体化) exports one row per indicator under a title and a unit line:
#
#     部门预算项目绩效目标申报表(2023年度)                      <- the budget year
#     金额单位:元                                               <- the money unit of every amount
#     单位名称 | 项目名称 | 预算数 | 年度目标 | 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 | 权重 | 指标方向性
#     101-某某部门 |  | 1234500 |  …                           <- a department subtotal: only 预算数
#     101001-某某单位 | 项目甲 | 500000 | 1.… | 产出指标 | 数量指标 | … <- a unit's first row
#     (merged) | (merged) | (merged) | (merged) | (merged) | 质量指标 | …  <- blank below: same as above
#
# Blank (merged) 单位名称, 项目名称, 预算数, 年度目标, 一级指标 and 二级指标 cells mean "same as above"
# within their block. In the one-row-per-project variant a project is one row and each indicator
# column holds one line per indicator. Every row is either imported or named in the notes.

_FLAT_REQUIRED = ("单位名称", "项目名称", "一级指标", "二级指标", "三级指标", "指标值")
_INDICATOR_COLUMNS = ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "计量单位", "权重", "分值",
                      "指标方向")
_MONEY_UNITS = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000)}
_TITLE_YEAR = re.compile(r"(20\d{2})\s*年")
_MONEY_UNIT_RE = re.compile(r"(?:金额)?单位\s*[:：]\s*(万元|千元|元)")
_HEADER_UNIT_RE = re.compile(r"[（(](万元|千元|元)[）)]")
_UNIT_CODE_NAME = re.compile(r"^\s*([0-9A-Za-z]+)\s*[-－—_ ]\s*(.+?)\s*$")
_TOTAL_WORDS = ("合计", "总计", "小计")


def _row_place(n: int) -> str:
    return t(f"第 {n} 行", f"row {n}")


@dataclass
class _Flat:
    """A flat table as read: the rows before its header, the header, and the data rows with their numbers."""

    preamble: list[list[str]]
    header: list[str]
    header_row: int
    rows: list[tuple[int, list[str]]]


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _flat_table(path: Path, problems: list[str]) -> _Flat:
    if path.suffix.lower() == ".csv":
        grid = csv_rows(path)
        if grid is None:
            raise PerfxlError(t(f"{path}：CSV 编码无法识别（支持 UTF-8 与 GBK）",
                                f"{path}: unknown CSV encoding (UTF-8 and GBK are supported)"))
    else:
        from .safe_open import open_workbook

        opened = open_workbook(path)
        if opened.problem:
            raise PerfxlError(f"{path}{t('：', ': ')}{t(opened.reason_zh or '', opened.reason_en or '')}")
        grid = next(iter(opened.sheets.values()), [])
    grid = [[_cell_text(v) for v in r] for r in grid]
    header_at = next((i for i, r in enumerate(grid[:20]) if "三级指标" in [_compact(c) for c in r]), None)
    if header_at is None:
        raise PerfxlError(t(f"{path}：前 20 行找不到含“三级指标”的表头",
                            f"{path}: no header row with “三级指标” in the first 20 rows"))
    header = [_compact(c) for c in grid[header_at]]
    missing = [c for c in _FLAT_REQUIRED if not any(h.startswith(c) for h in header)]
    if missing:
        raise PerfxlError(t(f"{path}：第 {header_at + 1} 行表头缺少列：{'、'.join(missing)}",
                            f"{path}: the header in row {header_at + 1} lacks "
                            f"{', '.join(f'“{c}”' for c in missing)}"))
    rows = []
    for n, row in enumerate(grid[header_at + 1:], start=header_at + 2):
        if any(needs_cleaning(c) for c in row):  # removed, and said so naming the row (perfxl.text)
            problems.append(t(f"第 {n} 行：含控制字符（不可见字符）或制表符，已删除（制表符改为空格）",
                              f"row {n}: control characters (invisible characters) or TABs removed (a TAB became "
                              "a space)"))
            row = [clean_text(c) for c in row]
        rows.append((n, row + [""] * (len(header) - len(row))))
    return _Flat(grid[:header_at], header, header_at + 1, rows)


class _Row:
    """One data row by column name: ``get("预算数")`` is the first column whose header starts so."""

    def __init__(self, header: list[str], cells: list[str]):
        self.header, self.cells = header, cells

    def column(self, name: str) -> int | None:
        return next((i for i, h in enumerate(self.header) if h.startswith(name)), None)

    def get(self, *names: str) -> str:
        for name in names:
            i = self.column(name)
            if i is not None and i < len(self.cells) and self.cells[i].strip():
                return self.cells[i].strip()
        return ""

    def raw(self, name: str) -> str:
        i = self.column(name)
        return self.cells[i] if i is not None and i < len(self.cells) else ""

    def has_indicator(self) -> bool:
        return any(self.get(c) for c in _INDICATOR_COLUMNS)


def _stated_money_unit(flat: _Flat) -> tuple[str | None, str]:
    """(money unit, where it was stated): the 金额单位 line above the header, else a 预算数（元） header."""
    for i, row in enumerate(flat.preamble):
        for c in row:
            m = _MONEY_UNIT_RE.search(_compact(c))
            if m:
                return m.group(1), _row_place(i + 1)
    for h in flat.header:
        if h.startswith("预算数"):
            m = _HEADER_UNIT_RE.search(h)
            if m:
                return m.group(1), _row_place(flat.header_row)
    return None, ""


def _title_year(flat: _Flat) -> int | None:
    for row in flat.preamble:
        for c in row:
            m = _TITLE_YEAR.search(c)
            if m:
                return int(m.group(1))
    return None


def _converted(text: str, factor: Decimal, place: str, what: str, problems: list[str]) -> Any:
    """An amount in the stated unit -> the JSON's money unit (exact decimal arithmetic)."""
    n = _money(text, place, what, problems)
    if not isinstance(n, float):
        return n
    d = (Decimal(repr(n)) / factor).normalize()
    return int(d) if d == d.to_integral_value() else float(d)


_DIRECTIONS = {"正向": "正向", "反向": "反向", "区间": "区间"}
_ATTRIBUTES = {"新增": "新增", "新增项目": "新增", "延续": "延续", "延续项目": "延续", "持续": "延续"}
# One end of a 实施期: 2023, 2023.7, 2023-07, 2023年7月, or with a day 2023.07.15, 2023-07-15, 2023年7月15日
# (the schema's 'YYYY-MM-DD': a day written is a day kept).
_PERIOD_END = r"(20\d{2})\s*[.．\-/年]?\s*(?:(\d{1,2})\s*(?:[.．\-/月]\s*(\d{1,2})\s*日?|月)?)?"
_PERIOD_TO = r"\s*[-~～—至到]+\s*"
_PERIOD = re.compile(_PERIOD_END + _PERIOD_TO + _PERIOD_END)
# Half a 实施期 as render writes it ("2023年7月至", "至2024年6月"): the other end left blank, for G07 to report.
_PERIOD_FROM_ONLY = re.compile(r"^\s*" + _PERIOD_END + _PERIOD_TO + "$")
_PERIOD_UNTIL_ONLY = re.compile("^" + _PERIOD_TO + _PERIOD_END + r"\s*$")
_SOURCES = (("本级财政", "本级财政", None), ("中央补助", "上级补助", "中央"), ("省级补助", "上级补助", "省"),
            ("省补助", "上级补助", "省"), ("市级补助", "上级补助", "市"), ("市补助", "上级补助", "市"),
            ("上级补助", "上级补助", None), ("上年结转", "上年结转", None), ("其他资金", "其他", None))


def _period_end(year: str | None, month: str | None, day: str | None, default_month: int) -> str | None:
    """One end in the schema's spelling ("2023-07", "2023-07-15"); None when absent or not a real date."""
    if year is None:
        return None
    m = int(month) if month else default_month
    if not 1 <= m <= 12:
        return None
    if day is None:
        return f"{year}-{m:02d}"
    try:
        date(int(year), m, int(day))
    except ValueError:
        return None
    return f"{year}-{m:02d}-{int(day):02d}"


def _period(text: str, place: str, problems: list[str]) -> Period | None:
    """实施期 from a cell: "2023.01-2025.12", "2023-07-15至2024-06-30", "2022年1月至2024年12月", a year
    range (January to December), or half of one as render writes it; a blank cell or a bare "至" is no
    实施期. A missing month is the first (start) or last (end); a day is kept where written."""
    if not text or not re.sub(_PERIOD_TO, "", text):
        return None
    m = _PERIOD.search(text)
    if m:
        start, end = _period_end(*m.groups()[:3], 1), _period_end(*m.groups()[3:], 12)
        if start and end:
            return Period(start=start, end=end)
    else:
        half = _PERIOD_FROM_ONLY.match(text) or _PERIOD_UNTIL_ONLY.match(text)
        if half is not None:
            end_point = _period_end(*half.groups(), 1 if half.re is _PERIOD_FROM_ONLY else 12)
            if end_point:
                return Period(start=end_point) if half.re is _PERIOD_FROM_ONLY else Period(end=end_point)
    problems.append(t(f"{place}：实施期“{text}”无法识别（应为“2023.01-2025.12”之类），未导入",
                      f"{place}: the 实施期 “{text}” is not understood (write it like “2023.01-2025.12”); not "
                      "imported"))
    return None


def _indicator_lines(row: _Row, place: str, problems: list[str]) -> list[dict[str, str]]:
    """The indicators of a row: one, or (one-row-per-project variant) one per line of the indicator cells."""
    names = ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "计量单位", "权重", "分值", "指标方向",
             "绩效指标描述", "指标值说明", "指标值确定依据")
    cols = {n: [line.strip() for line in re.split(r"\r\n|\r|\n", row.raw(n))] for n in names}
    count = len(cols["三级指标"])
    if count <= 1:
        return [{n: row.get(n) for n in names}]
    uneven = [n for n in ("指标值", "指标性质", "度量单位", "计量单位", "权重") if len(cols[n]) not in (1, count)
              and row.get(n)]
    if uneven:
        problems.append(t(f"{place}：三级指标有 {count} 行，而{'、'.join(uneven)}的行数不同，按行对应导入，请核对",
                          f"{place}: 三级指标 has {count} lines but {', '.join(uneven)} a different number; "
                          "matched line by line, check them"))
    out = []
    for k in range(count):
        out.append({n: (v[k] if k < len(v) else (v[0] if len(v) == 1 and n in ("一级指标", "二级指标") else ""))
                    for n, v in cols.items()})
    return out


def _flat_indicator(cells: dict[str, str], level1: str, level2: str, place: str, problems: list[str]) -> Indicator:
    """One indicator row: 指标性质 gives the operator (≥ ≤ ＝ ＞ ＜) or the 指标值类型 (定量/定性); 指标方向性
    and 权重 are kept as they are, never turned into an operator when 指标性质 says one."""
    nature = cells.get("指标性质", "")
    direction_text = cells.get("指标方向", "")
    cell = {"level1": level1, "level2": level2, "name": cells.get("三级指标", ""), "value": cells.get("指标值", ""),
            "unit": cells.get("度量单位") or cells.get("计量单位", ""), "description": cells.get("绩效指标描述", ""),
            "value_note": cells.get("指标值说明", ""), "basis": cells.get("指标值确定依据", "")}
    value_type = None
    operator = normalize_operator(nature) if nature else None
    if operator == "定性":
        value_type = "定性"
    elif operator:
        cell["operator"] = operator
    elif re.sub(r"\s", "", nature) in ("定量", "定量指标"):
        value_type = "定量"
    elif nature:
        problems.append(t(f"{place}：指标性质“{nature}”无法识别（应为 ≥ ≤ ＝ ＞ ＜、定量或定性），未使用",
                          f"{place}: 指标性质 “{nature}” is not understood (≥ ≤ ＝ ＞ ＜, 定量 or 定性); not used"))
    direction = None
    if direction_text:
        direction = _DIRECTIONS.get(re.sub(r"\s|指标", "", direction_text))
        if direction is None:
            problems.append(t(f"{place}：指标方向“{direction_text}”无法识别（应为正向、反向或区间），未导入",
                              f"{place}: the direction “{direction_text}” is not understood (正向, 反向 or 区间); "
                              "not imported"))
    if value_type == "定性":
        cell["operator"] = "定性"
    elif "operator" not in cell and direction in ("正向", "反向") and cell["value"] \
            and parse_indicator_value(cell["value"]).operator is None and parse_number(cell["value"]) is not None:
        # a bare number with no operator anywhere: 正向 (more is better) reads as ≥, 反向 as ≤ — said, not hidden
        cell["operator"] = "≥" if direction == "正向" else "≤"
        problems.append(t(f"{place}：指标值“{cell['value']}”没有符号，按指标方向“{direction}”取“{cell['operator']}”，请核对",
                          f"{place}: the value “{cell['value']}” has no operator; “{cell['operator']}” was taken "
                          f"from the direction “{direction}”, check it"))
    ind = _indicator(level1, level2, cell, place, problems, value_type=value_type)
    ind.value_type, ind.direction = value_type, direction
    weight_text = cells.get("权重") or cells.get("分值", "")
    if weight_text:
        w = parse_number(weight_text.rstrip("%％"))
        if w is None:
            problems.append(t(f"{place}：权重“{weight_text}”不是数字，按原文保留",
                              f"{place}: the weight “{weight_text}” is not a number; kept as written"))
        ind.weight = weight_text if w is None else (int(w) if w.is_integer() else w)
    return ind


def import_flat(path: str | Path, *, budget_year: int | None = None, framework: str = "hebei-2023",
                money_unit: str | None = None) -> ImportResult:
    """A flat export (see the layout above): one unit per real unit, with every project and indicator.

    The budget year comes from ``budget_year``, else the title ("…(2023年度)"), else a 预算年度 column.
    Amounts are converted from the stated 金额单位 (元, 千元, 万元: the line above the header, or the
    预算数 header) to ``money_unit`` (元 or 万元; by default the stated one, 万元 for 千元). Subtotal
    rows (a department's "编码-名称" with only 预算数, 合计) are recognised and named in the notes,
    never made into units.
    """
    path = Path(path)
    problems: list[str] = []
    flat = _flat_table(path, problems)
    stated, stated_at = _stated_money_unit(flat)
    if money_unit is not None and money_unit not in ("元", "万元"):
        raise PerfxlError(t(f"金额单位“{money_unit}”不可用：单位数据只用“元”或“万元”",
                            f"money unit “{money_unit}” is not available: unit data uses 元 or 万元"))
    target = money_unit or (stated if stated in ("元", "万元") else "万元")
    factor = _MONEY_UNITS[target] / _MONEY_UNITS[stated or target]
    if stated is None:
        problems.append(t(f"{path}：没有写明金额单位（“金额单位:元”一行或“预算数（元）”表头），金额按{target}读取，请核对",
                          f"{path}: no money unit is stated (a line “金额单位:元” or a header “预算数（元）”); amounts "
                          f"are read as {target}, check them"))
    elif stated != target:
        problems.append(t(f"{stated_at}：金额单位为{stated}，金额已换算为{target}",
                          f"{stated_at}: amounts are in {stated}; converted to {target}"))
    title_year = _title_year(flat)
    if budget_year and title_year and budget_year != title_year:
        problems.append(t(f"{path}：标题中的年度为 {title_year} 年，按指定的 {budget_year} 年导入",
                          f"{path}: the title says {title_year}; imported as {budget_year}, as given"))
    state = _FlatState(framework, target, problems)
    for n, cells in flat.rows:
        state.row(n, _Row(flat.header, cells), factor, budget_year or title_year)
    state.finish()
    return ImportResult(state.ordered_units(), problems)


class _FlatState:
    """Walks the rows once, filling blank (merged) cells down within their block."""

    def __init__(self, framework: str, money_unit: str, problems: list[str]):
        self.framework, self.money_unit, self.problems = framework, money_unit, problems
        self.units: dict[str, UnitData] = {}
        self.unit: UnitData | None = None
        self.project: Project | None = None
        self.projects: dict[tuple[str, str], Project] = {}
        self.level1 = self.level2 = ""
        self.department: tuple[str, str, str, Any] | None = None  # (place, code, name, subtotal)
        self.department_units: list[UnitData] = []
        self.no_year: list[str] = []

    def ordered_units(self) -> list[UnitData]:
        return list(self.units.values())

    def row(self, n: int, row: _Row, factor: Decimal, year: int | None) -> None:
        place = _row_place(n)
        if not any(c.strip() for c in row.cells):
            return  # nothing in it: not data
        unit_text, project_text = row.get("单位名称"), row.get("项目名称")
        if [_compact(c) for c in row.cells[:len(row.header)]] == row.header:
            self.problems.append(t(f"{place}：重复的表头，已跳过", f"{place}: a repeated header row; skipped"))
            return
        budget_text = row.get("预算数")
        first_cell = next((c.strip() for c in row.cells if c.strip()), "")
        if not project_text and not row.has_indicator():
            if any(w in _compact(first_cell) for w in _TOTAL_WORDS) or (unit_text and budget_text):
                self._subtotal(place, unit_text or first_cell, budget_text, factor)
            else:
                self.problems.append(t(f"{place}：既没有项目也没有指标（“{first_cell[:30]}”），未导入",
                                       f"{place}: neither a project nor an indicator (“{first_cell[:30]}”); not imported"))
            return
        if unit_text:
            self._start_unit(place, unit_text, row, year)
        if self.unit is None:
            self.problems.append(t(f"{place}：单位名称为空，上方也没有可沿用的单位，本行未导入",
                                   f"{place}: no unit name here and none above to carry down; row not imported"))
            return
        if project_text or row.get("项目编码"):
            self._start_project(place, row, factor)
        if self.project is None:
            self.problems.append(t(f"{place}：项目名称为空，上方也没有可沿用的项目，本行未导入",
                                   f"{place}: no project name here and none above to carry down; row not imported"))
            return
        if row.has_indicator():
            for k, cells in enumerate(_indicator_lines(row, place, self.problems)):
                where = place if k == 0 else t(f"{place}第 {k + 1} 个指标", f"{place}, indicator {k + 1}")
                self.level1 = cells["一级指标"] or self.level1
                self.level2 = cells["二级指标"] or self.level2
                if not any(cells[c] for c in ("三级指标", "指标值", "指标性质", "度量单位", "计量单位", "权重")):
                    continue
                self.project.indicators.append(_flat_indicator(cells, self.level1, self.level2, where, self.problems))

    def _subtotal(self, place: str, text: str, budget_text: str, factor: Decimal) -> None:
        self._close_department()
        m = _UNIT_CODE_NAME.match(text)
        total = _converted(budget_text, factor, place, "预算数", self.problems) if budget_text else None
        shown = f"（预算数 {_fmt_amount(total)}{self.money_unit}）" if total is not None else ""
        shown_en = f" (预算数 {_fmt_amount(total)} {self.money_unit})" if total is not None else ""
        self.problems.append(t(f"{place}：“{text}”是小计行{shown}，未作为单位导入",
                               f"{place}: “{text}” is a subtotal row{shown_en}; not imported as a unit"))
        self.unit = self.project = None
        if m and not any(w in text for w in _TOTAL_WORDS):
            self.department = (place, m.group(1), m.group(2), total)
            self.department_units = []

    def _close_department(self) -> None:
        """Compare a department's subtotal with the sum of its units' 预算数 (a missing or extra project shows)."""
        if self.department is None:
            return
        place, _, name, total = self.department
        amounts = [p.funds.total for u in self.department_units for p in u.projects]
        if isinstance(total, (int, float)) and amounts and all(isinstance(a, (int, float)) for a in amounts):
            added = sum(Decimal(repr(a)) for a in amounts)
            if abs(added - Decimal(repr(total))) > Decimal("0.005"):
                self.problems.append(t(
                    f"{place}：部门“{name}”小计为 {_fmt_amount(total)}，其下各项目预算数合计为 {_fmt_amount(float(added))}，"
                    "两者不一致，请核对导出是否完整",
                    f"{place}: the subtotal of “{name}” is {_fmt_amount(total)} but its projects add up to "
                    f"{_fmt_amount(float(added))}; check that the export is complete"))
        self.department = None

    def _start_unit(self, place: str, text: str, row: _Row, year: int | None) -> None:
        m = _UNIT_CODE_NAME.match(text)
        code, name = (m.group(1), m.group(2)) if m else ("", text.strip())
        key = code or name
        unit = self.units.get(key)
        if unit is None:
            if not m:
                self.problems.append(t(f"{place}：单位名称“{text}”前没有“编码-”，单位编码未知",
                                       f"{place}: the unit name “{text}” does not start with “code-”; the unit code "
                                       "is unknown"))
            year_text = row.get("预算年度")
            unit_year = year or (int(year_text) if year_text.isdigit() else None)
            if unit_year is None:
                self.problems.append(t(f"{place}：没有预算年度（标题中没有“XXXX年度”，无“预算年度”列，也未用 --year 指定）",
                                       f"{place}: no budget year (none in the title, no “预算年度” column, and no "
                                       "--year given)"))
            unit = self.units[key] = UnitData(budget_year=unit_year or 0, framework=self.framework,
                                              money_unit=self.money_unit, unit=Unit(code=code, name=name))
            if self.department is not None:
                unit.unit.department_code, unit.unit.department_name = self.department[1], self.department[2]
                self.department_units.append(unit)
        if unit is not self.unit:
            self.project = None
        self.unit = unit

    def _start_project(self, place: str, row: _Row, factor: Decimal) -> None:
        assert self.unit is not None
        name, code = row.get("项目名称"), row.get("项目编码")
        key = (self.unit.unit.code or self.unit.unit.name, code or name)
        project = self.projects.get(key)
        if project is None:
            project = self.projects[key] = Project(code=code, name=name)
            project.funds = Funds(total=_converted(row.get("预算数"), factor, place, "预算数", self.problems))
            project.goals = split_goals(row.get("年度目标", "绩效目标"))
            project.period_goals = split_goals(row.get("实施期目标"))
            attribute = row.get("项目属性")
            project.attribute = _ATTRIBUTES.get(re.sub(r"\s", "", attribute)) if attribute else None
            if attribute and project.attribute is None:
                self.problems.append(t(f"{place}：项目属性“{attribute}”无法识别（应为新增或延续），未导入",
                                       f"{place}: 项目属性 “{attribute}” is not understood (新增 or 延续); not imported"))
            project.period = _period(row.get("实施期", "项目期限"), place, self.problems)
            by_source = any(row.column(c) is not None for c, _, _ in _SOURCES[:-1])  # 资金来源 columns
            for column, source, level in _SOURCES if by_source else ():
                amount = row.get(column)
                if amount:
                    project.funds.sources.append(FundSource(source=source, level=level, amount=_converted(
                        amount, factor, place, column, self.problems)))
            self.unit.projects.append(project)
            if not code:
                self.problems.append(t(f"{place}：项目“{name}”没有项目编码（无“项目编码”列），请在 JSON 中补上",
                                       f"{place}: project “{name}” has no project code (no “项目编码” column); add it "
                                       "in the JSON"))
        elif project is not self.project:
            self.problems.append(t(f"{place}：项目“{name}”在前面已出现过，本行指标并入该项目",
                                   f"{place}: project “{name}” appeared earlier; this row's indicators join it"))
        else:
            budget = row.get("预算数")
            again = _converted(budget, factor, place, "预算数", []) if budget else None
            if again is not None and again != project.funds.total:
                self.problems.append(t(f"{place}：项目“{name}”的预算数 {budget} 与首行不同，按首行导入",
                                       f"{place}: the 预算数 {budget} of project “{name}” differs from its first "
                                       "row; the first row's is kept"))
        if project is not self.project:
            self.level1 = self.level2 = ""
        self.project = project

    def finish(self) -> None:
        self._close_department()


def _fmt_amount(v: Any) -> str:
    if isinstance(v, (int, float)):
        return f"{Decimal(repr(v)).normalize():f}"
    return str(v)


# ---------------------------------------------------------------- dispatch

def import_file(path: str | Path, *, budget_year: int | None = None, framework: str = "hebei-2023",
                money_unit: str | None = None) -> ImportResult:
    """Import by kind: .docx document, .txt text export, .xlsx/.xls/.csv flat table.

    Raises PerfxlError when the file is not one of these or has none of the expected structure.
    """
    path = Path(path)
    if not path.is_file():
        raise PerfxlError(t(f"{path}：文件不存在", f"{path}: no such file"))
    suffix = path.suffix.lower()
    if suffix == ".docx":
        try:
            result = import_docx(path.read_bytes(), framework=framework, source=str(path))
        except PerfxlError:
            raise
        except Exception as e:  # a damaged .docx is the operator's input problem, said plainly
            raise PerfxlError(t(f"{path}：无法作为 Word 文档读取（文件可能已损坏，或不是 .docx 文档）",
                                f"{path}: cannot be read as a Word document ({type(e).__name__}: {e})")) from None
    elif suffix in (".txt", ".text", ""):
        text = decode_chinese(path.read_bytes())
        if text is None:
            raise PerfxlError(t(f"{path}：文本编码无法识别（支持 UTF-8 与 GBK）",
                                f"{path}: unknown text encoding (UTF-8 and GBK are supported)"))
        result = import_document_text(text, framework=framework, source=str(path))
    elif suffix in (".xlsx", ".xls", ".xlsm", ".csv", ".ods"):
        result = import_flat(path, budget_year=budget_year, framework=framework, money_unit=money_unit)
    else:
        raise PerfxlError(t(f"{path}：不支持的文件类型（可导入 .docx、.txt、.xlsx、.xls、.csv）",
                            f"{path}: unsupported file type (import takes .docx, .txt, .xlsx, .xls, .csv)"))
    if budget_year:
        for u in result.units:
            u.budget_year = budget_year
    _fit_framework(result, framework)
    _clean_units(result, str(path))
    return result


def _fit_framework(result: ImportResult, framework: str) -> None:
    """File each indicator the way the target framework does: an older table's 满意度 二级 under
    效益指标 goes under 满意度指标 for hebei-2023 (and the reverse for a framework whose variant files it
    under 效益), each move named in the notes. Only a 二级 the framework files under exactly one 一级 moves;
    an indicator under a 一级 that a variant of the framework replaced (满意度指标 for mof-2013) goes to
    the variant's 一级 and 二级 when the variant names one 二级. Every indicator table is fitted (年度,
    实施期, 部门整体)."""
    from .errors import FrameworkError
    from .frameworks import load_framework
    from .model import indicator_tables

    try:
        fw = load_framework(framework)
    except FrameworkError:
        return  # the framework is named in the JSON as given; check will say what is wrong with it
    for unit in result.units:
        for _, project, inds in indicator_tables(unit):
            for_zh = f"项目“{project.name}”的" if project is not None else "部门整体绩效"
            for_en = f"project “{project.name}”, indicator" if project is not None else "department indicator"
            for ind in inds:
                if ind.level1 in fw.level1_names and ind.level2 in fw.level2_of(ind.level1):
                    continue
                homes = [l1 for l1, l2s in fw.levels if ind.level2 in l2s]
                if len(homes) == 1 and homes[0] != ind.level1:
                    result.problems.append(t(
                        f"{for_zh}指标“{ind.name}”：二级指标“{ind.level2}”在指标体系 {fw.id} 中属于"
                        f"“{homes[0]}”，一级指标已由“{ind.level1}”改为“{homes[0]}”",
                        f"{for_en} “{ind.name}”: framework {fw.id} files “{ind.level2}” "
                        f"under “{homes[0]}”; its level-1 indicator was changed from “{ind.level1}”"))
                    ind.level1 = homes[0]
                elif not homes and ind.level1 not in fw.level1_names:
                    variant = next((v for v in fw.variants if v["instead_of"] == ind.level1 and len(v["level2"]) == 1),
                                   None)
                    if variant is None:
                        continue
                    level1, level2 = variant["under"], variant["level2"][0]
                    result.problems.append(t(
                        f"{for_zh}指标“{ind.name}”：指标体系 {fw.id} 把“{ind.level1}”作为“{level1}”下的二级指标"
                        f"“{level2}”，已由“{ind.level1} / {ind.level2}”改为“{level1} / {level2}”",
                        f"{for_en} “{ind.name}”: framework {fw.id} files “{ind.level1}” as "
                        f"the level-2 “{level2}” under “{level1}”; changed from “{ind.level1} / {ind.level2}”"))
                    ind.level1, ind.level2 = level1, level2


def _clean_units(result: ImportResult, source: str) -> None:
    """Every text of the imported units cleaned (perfxl.text), each field changed named in the
    problems: a document's text may hold control characters, and a name a line break, that no
    workbook or JSON can carry."""
    for i, unit in enumerate(result.units):
        result.units[i], changed = clean_unit(unit)
        for path in changed:
            where = "/" + path.replace(".", "/")
            result.problems.append(t(
                f"{source}：单位 {unit.unit.code} 的 {where} 含控制字符（不可见字符）、制表符或名称中的换行，已删除"
                "（制表符与名称中的换行改为空格）",
                f"{source}: unit {unit.unit.code}, {where}: control characters (invisible characters), TABs or a "
                "line break in a name removed (a TAB or such a line break became a space)"))
