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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PerfxlError
from .i18n import t
from .model import DepartmentGoals, Funds, Indicator, Project, Section, Unit, UnitData
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
            problems.append(t(f"{b.place}：第一部分中出现表格，未读取", f"{b.place}: a table in part one, not read"))
            continue
        text = b.text
        key = _compact(text)
        if _HEADING.match(key) and key.endswith(("总体绩效目标", "分项绩效目标", "工作保障措施")) and len(key) <= 10:
            part = key[-6:]
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
    for b in blocks:
        if not b.is_table:
            m = re.match(r"^\d+\s*[.．、]\s*(.+?)绩效目标表$", b.text)
            if m:
                current = Project(code="", name=m.group(1).strip())
                projects.append(current)
            continue
        if current is None:
            problems.append(t(f"{b.place}：表格前没有“N.项目名称绩效目标表”标题，未读取",
                              f"{b.place}: no title “N.项目名称绩效目标表” before the table; not read"))
            continue
        header = [_compact(c) for c in b.rows[0]]
        if "一级指标" in header:
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
        elif first == "绩效目标":
            p.goals = split_goals("\n".join(c for c in row[1:] if c.strip()))
    return code, name, money


_COLUMNS = {"一级指标": "level1", "二级指标": "level2", "三级指标": "name", "绩效指标描述": "description",
            "符号": "operator", "指标值": "value", "计量单位": "unit", "度量单位": "unit", "指标值说明": "value_note",
            "指标值确定依据": "basis"}


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
        ind = _indicator(level1, level2, cell, place, problems)
        out.append(ind)
    return out


def _indicator(level1: str, level2: str, cell: dict[str, str], place: str, problems: list[str]) -> Indicator:
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
    else:
        ind.operator, ind.value = "定性", raw
    return ind


# ---------------------------------------------------------------- flat tables (budget system exports)

_FLAT_REQUIRED = ("单位名称", "项目名称", "一级指标", "二级指标", "三级指标", "指标值")


def _flat_rows(path: Path, problems: list[str]) -> list[tuple[str, dict[str, str]]]:
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
    grid = [["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in r]
            for r in grid]
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
    out = []
    for n, row in enumerate(grid[header_at + 1:], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue
        if any(needs_cleaning(c) for c in row):  # removed, and said so naming the row (perfxl.text)
            problems.append(t(f"第 {n} 行：含控制字符（不可见字符）或制表符，已删除（制表符改为空格）",
                              f"row {n}: control characters (invisible characters) or TABs removed (a TAB became "
                              "a space)"))
            row = [clean_text(c) for c in row]
        out.append((t(f"第 {n} 行", f"row {n}"), dict(zip(header, row))))
    return out


def _col(row: dict[str, str], name: str) -> tuple[str, str]:
    """(value, header) of the first column whose header starts with ``name`` (预算数（元） …)."""
    for h, v in row.items():
        if h.startswith(name):
            return v.strip(), h
    return "", ""


def import_flat(path: str | Path, *, budget_year: int | None = None, framework: str = "hebei-2023") -> ImportResult:
    """A flat export: one row per indicator; units and projects are grouped by their names."""
    path = Path(path)
    problems: list[str] = []
    units: dict[str, UnitData] = {}
    projects: dict[tuple[str, str], Project] = {}
    for place, row in _flat_rows(path, problems):
        unit_text, _ = _col(row, "单位名称")
        m = re.match(r"^\s*(\d+)\s*[-－—_ ]\s*(.+)$", unit_text)
        code, name = (m.group(1), m.group(2).strip()) if m else ("", unit_text)
        if not m:
            problems.append(t(f"{place}：单位名称“{unit_text}”前没有“编码-”，单位编码未知",
                              f"{place}: the unit name “{unit_text}” does not start with “code-”; the unit code "
                              "is unknown"))
        year_text, _ = _col(row, "预算年度")
        year = budget_year or (int(year_text) if year_text.isdigit() else None)
        unit = units.get(code or name)
        if unit is None:
            money_unit = "元" if any(re.search(r"[（(]元[）)]", h) for h in row) else "万元"
            unit = units[code or name] = UnitData(budget_year=year or 0, framework=framework, money_unit=money_unit,
                                                  unit=Unit(code=code, name=name))
            if year is None:
                problems.append(t(f"{place}：没有预算年度（无“预算年度”列，也未用 --year 指定）",
                                  f"{place}: no budget year (no “预算年度” column, and no --year given)"))
        pname, _ = _col(row, "项目名称")
        pcode, _ = _col(row, "项目编码")
        key = (code or name, pcode or pname)
        project = projects.get(key)
        if project is None:
            total, _ = _col(row, "预算数")
            project = projects[key] = Project(code=pcode, name=pname,
                                              funds=Funds(total=_money(total, place, "预算数", problems)))
            goals, _ = _col(row, "年度目标")
            project.goals = split_goals(goals)
            unit.projects.append(project)
            if not pcode:
                problems.append(t(f"{place}：项目“{pname}”没有项目编码（无“项目编码”列），请在 JSON 中补上",
                                  f"{place}: project “{pname}” has no project code (no “项目编码” column); add it "
                                  "in the JSON"))
        nature, _ = _col(row, "指标性质")
        direction, _ = _col(row, "指标方向")
        cell = {"level1": _col(row, "一级指标")[0], "level2": _col(row, "二级指标")[0],
                "name": _col(row, "三级指标")[0], "value": _col(row, "指标值")[0],
                "unit": _col(row, "度量单位")[0] or _col(row, "计量单位")[0]}
        if "定性" in nature:
            cell["operator"] = "定性"
        elif direction and not re.match(r"^\s*[≥≤=＝><＞＜]", cell["value"]):
            cell["operator"] = {"正向": "≥", "反向": "≤", "中性": "="}.get(direction.replace("指标", "")[:2], "")
        project.indicators.append(_indicator(cell["level1"], cell["level2"], cell, place, problems))
    return ImportResult(list(units.values()), problems)


# ---------------------------------------------------------------- dispatch

def import_file(path: str | Path, *, budget_year: int | None = None, framework: str = "hebei-2023") -> ImportResult:
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
        result = import_flat(path, budget_year=budget_year, framework=framework)
    else:
        raise PerfxlError(t(f"{path}：不支持的文件类型（可导入 .docx、.txt、.xlsx、.xls、.csv）",
                            f"{path}: unsupported file type (import takes .docx, .txt, .xlsx, .xls, .csv)"))
    if budget_year:
        for u in result.units:
            u.budget_year = budget_year
    _clean_units(result, str(path))
    return result


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
