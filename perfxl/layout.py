"""The one declaration of where every field lives in a unit workbook.

The writer, the reader and the annotator ask this module for addresses; no other module knows a
cell address. Positions depend on the framework only through its milestone count, its row counts
and the schema-v2 fields it declares (``fields``: blocks between 绩效目标 and the indicator table, a
实施期 table below it, the department's indicator table, indicator columns right of the hidden
helpers), so one framework always gives one layout; one that declares no field keeps the seed's.
Coordinates are 0-based (row, col) as XlsxWriter takes them; ``a1`` turns them into what Excel shows
and what findings report.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from .frameworks import Framework
from .text import clean_text, truncate_utf16

__all__ = ["TEMPLATE_ID", "TEMPLATE_VERSION", "INSTRUCTIONS_SHEET", "DEPARTMENT_SHEET", "LISTS_SHEET",
           "IDENTITY_SHEET", "REVIEW_SHEET", "HELPER_COL", "HELPER_COLS", "LEVEL1_HELPER_COL", "calc_sheet_name",
           "calc_sheet_names", "in_calc_sheet", "is_calc_sheet", "PRINT_LAST_COL", "a1", "rowcol", "Span", "ProjectLayout", "DepartmentLayout",
           "InstructionsLayout", "IndicatorColumns", "project_sheet_names", "extra_columns", "V2_LABELS",
           "EXTRA_INDICATOR_HEADINGS", "CHECK_OK", "CHECK_ERROR", "CHECK_WARNING", "Form", "GOALS_FORM",
           "SELFEVAL_FORM", "FORMS", "form_of"]

TEMPLATE_ID = "perfxl.unit-goals"
TEMPLATE_VERSION = "1"  # bump when any address below moves: the reader refuses layouts it does not know

INSTRUCTIONS_SHEET = "填报说明"
DEPARTMENT_SHEET = "部门整体绩效目标"
LISTS_SHEET = "_lists"        # hidden: dropdown sources behind defined names (inline lists cap at 255 chars)
IDENTITY_SHEET = "_perfxl"    # very hidden: template identity and the signed locked values
REVIEW_SHEET = "审核意见"       # only in annotated returns: every finding, linked to its cell

# Self-check cells start with one of these marks, so one COUNTIF per sheet counts what must change.
CHECK_OK, CHECK_ERROR, CHECK_WARNING = "✓", "✗", "△"

LAST_COL = 10           # column K: the self-check (自查) column of every sheet
CHECK_COL = LAST_COL
EXPLAIN_COL = 9         # column J: 出错说明, where a unit explains a warning it will not fix
PRINT_LAST_COL = 8      # column I: the official table ends here; 出错说明 and 自查 are not printed
WIDTHS = (14, 14, 18, 30, 6, 14, 9, 22, 16, 20, 26)  # A..K, in characters of the default font
# Hidden, locked columns right of 自查 where the live checks read each input cell once, the way the
# reader does (perfxl.live): never typed into, never read back, not part of the printed form.
HELPER_COL = LAST_COL + 1
HELPER_COLS = 32        # L .. AQ: enough for six spend-plan milestones (4 each) and the indicator reading
# Where those helper cells are written. The goal table keeps on its own sheet only the helpers a
# dropdown reads (a validation list may not refer to another sheet in Excel 2007): column L of the
# tables the live checks do not cover, and LEVEL1_HELPER_COL of the indicator table (the 一级 a row has
# or inherits). Every other helper of form sheet i (0: 部门整体绩效目标, i: the i-th project) is on the
# very hidden sheet calc_sheet_name(i), in the same row and column. ``perfxl check`` never reads a
# calc sheet (three quarters of a return's XML): the helpers compute the live 自查, which check
# computes again from the inputs.
LEVEL1_HELPER_COL = HELPER_COL + 2
CALC_SHEET_PREFIX = "_calc"


def calc_sheet_name(i: int) -> str:
    return f"{CALC_SHEET_PREFIX}{i}"


def calc_sheet_names(projects: int) -> list[str]:
    """The calc sheets of a goal-table workbook with ``projects`` project sheets."""
    return [calc_sheet_name(i) for i in range(projects + 1)]


def in_calc_sheet(col: int) -> bool:
    """Whether a live-check helper in column ``col`` is on the calc sheet (else on the form sheet)."""
    return HELPER_COL <= col < HELPER_COL + HELPER_COLS and col != LEVEL1_HELPER_COL


def is_calc_sheet(name: str) -> bool:
    tail = name[len(CALC_SHEET_PREFIX):]
    return name.startswith(CALC_SHEET_PREFIX) and tail.isascii() and tail.isdigit()


_A1_CACHE: dict[tuple[int, int], str] = {}
_A1_CACHED_ROWS, _A1_CACHED_COLS = 256, 64  # the template's area and its helper columns, with room


def a1(row: int, col: int) -> str:
    """(6, 1) → "B7": 0-based row and column in A1 notation (here, not xlsxwriter's utility, whose
    import loads all of xlsxwriter: 30 ms at every start of ``perfxl check``). Addresses within the
    template's area are made once per process and looked up after that: the reader and the
    locations ask for the same few hundred cells of every workbook of a round."""
    if 0 <= row < _A1_CACHED_ROWS and 0 <= col < _A1_CACHED_COLS:
        got = _A1_CACHE.get((row, col))
        if got is None:
            got = _A1_CACHE[(row, col)] = _a1(row, col)
        return got
    return _a1(row, col)


def _a1(row: int, col: int) -> str:
    if row < 0 or col < 0:  # a layout bug: say so at once (the loop below would never end)
        raise ValueError(f"no cell at row {row}, column {col} (0-based)")
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


_A1_RE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


def rowcol(ref: str) -> tuple[int, int]:
    """"B7" (or "$B$7") → (6, 1), the inverse of :func:`a1`; (0, 0) for text that does not start
    with a reference, as xlsxwriter's ``xl_cell_to_rowcol`` (without its warning). Kept once worked out
    for a cell of the template's area, as :func:`a1` keeps its addresses: every workbook's signed cells
    are looked up by address."""
    got = _ROWCOL_CACHE.get(ref)
    if got is not None:
        return got
    m = _A1_RE.match(ref)
    if m is None:
        return 0, 0
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    got = int(m.group(2)) - 1, col - 1
    if m.end() == len(ref) and got[0] < _A1_CACHED_ROWS and got[1] < _A1_CACHED_COLS:
        _ROWCOL_CACHE[ref] = got
    return got


_ROWCOL_CACHE: dict[str, tuple[int, int]] = {}


@dataclass(frozen=True)
class Span:
    """A cell, possibly the top-left of a merged range reaching (last_row, last_col)."""

    row: int
    col: int
    last_row: int | None = None
    last_col: int | None = None

    @property
    def a1(self) -> str:
        return a1(self.row, self.col)

    @property
    def merged(self) -> bool:
        return (self.last_row or self.row, self.last_col or self.col) != (self.row, self.col)

    @property
    def end(self) -> tuple[int, int]:
        return (self.last_row if self.last_row is not None else self.row,
                self.last_col if self.last_col is not None else self.col)


@dataclass(frozen=True)
class IndicatorColumns:
    """Columns of the indicator table; names are the Indicator model's attributes."""

    level1: int = 0
    level2: int = 1
    name: int = 2
    description: int = 3
    operator: int = 4
    value: int = 5
    unit: int = 6
    value_note: int = 7
    basis: int = 8
    explanation: int = EXPLAIN_COL
    check: int = CHECK_COL

    HEADINGS = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "description": "绩效指标描述",
                "operator": "符号", "value": "指标值", "unit": "计量单位", "value_note": "指标值说明",
                "basis": "指标值确定依据", "explanation": "出错说明", "check": "自查"}

    def items(self) -> list[tuple[str, int]]:
        return [(k, getattr(self, k)) for k in self.HEADINGS]


#: Headings of the optional indicator columns (ProjectLayout.extra_columns), by Indicator attribute.
EXTRA_INDICATOR_HEADINGS = {"value_type": "指标值类型", "weight": "权重", "direction": "指标方向"}

#: Texts of the schema-v2 blocks' labels (also the reader's anchors: a shifted block is S07, never misread).
V2_LABELS = {"period_goals": "实施期目标", "attribute": "项目属性", "period": "实施期", "period_to": "至",
             "sources": "资金来源", "source": "来源", "level": "级次", "amount": "金额",
             "annual_title": "年度绩效指标", "period_title": "实施期绩效指标",
             "dept_indicators": "四、部门整体绩效指标"}


def extra_columns(fw: Framework) -> list[tuple[str, int]]:
    """(Indicator attribute, column) of the schema-v2 indicator fields ``fw`` declares (指标值类型, 权重,
    指标方向): right of the hidden helper columns, so the seed's columns A..K keep their places in every
    framework; a framework that declares none (hebei-2023) has none. The same columns serve every
    indicator table of the workbook (年度, 实施期, 部门整体)."""
    names = [n for n in EXTRA_INDICATOR_HEADINGS if fw.uses(n)]
    return [(n, HELPER_COL + HELPER_COLS + i) for i, n in enumerate(names)]


class SheetStatus:
    """Where a data sheet of either form shows its 本表自查 status: on ``status_row``, the words and
    the count of ✗ in the 自查 column (the workbook status adds these counts up)."""

    status_row: int

    @property
    def status(self) -> Span:
        return Span(self.status_row, 1, self.status_row, 3)

    @property
    def error_count(self) -> Span:
        """Number of ✗ self-checks on this sheet; the workbook status adds these up."""
        return Span(self.status_row, CHECK_COL)

    @property
    def last_row(self) -> int:
        return self.status_row


class _Footer(SheetStatus):
    """The rows every goal sheet ends with, below its ``footer_row``: 出错说明（本表） and the status."""

    footer_row: int

    @property
    def sheet_explanation(self) -> Span:
        return Span(self.footer_row, 1, self.footer_row, 8)

    @property
    def status_row(self) -> int:
        return self.footer_row + 1


@dataclass(frozen=True)
class ProjectLayout(_Footer):
    """One 项目绩效目标表 sheet, in the seed's order of rows and headings."""

    framework: Framework
    title: Span = Span(0, 0, 0, 8)
    unit_line: Span = Span(1, 0, 1, 6)
    money_unit: Span = Span(1, 7, 1, 8)
    code_label: Span = Span(2, 0)
    code: Span = Span(2, 1, 2, 2)
    name_label: Span = Span(2, 3)
    name: Span = Span(2, 4, 2, 8)
    funds_label: Span = Span(3, 0, 4, 0)
    total_label: Span = Span(3, 1)
    total: Span = Span(3, 2)
    fiscal_label: Span = Span(3, 3)
    fiscal: Span = Span(3, 4)
    other_label: Span = Span(3, 5)
    other: Span = Span(3, 6)
    funds_check: Span = Span(3, CHECK_COL)
    purpose_label: Span = Span(4, 1)
    purpose: Span = Span(4, 2, 4, 8)
    plan_label: Span = Span(5, 0, 6, 0)
    plan_check: Span = Span(6, CHECK_COL)
    goals_label: Span = Span(7, 0)
    goals: Span = Span(7, 1, 7, 8)
    goals_check: Span = Span(7, CHECK_COL)
    columns: IndicatorColumns = IndicatorColumns()

    @property
    def extra_columns(self) -> list[tuple[str, int]]:
        """(Indicator attribute, column) of the declared indicator fields: :func:`extra_columns`."""
        return extra_columns(self.framework)

    # ---- the schema-v2 project blocks, between 绩效目标 and the indicator table, where declared
    # (rows 8.. in order: 实施期目标; 项目属性 | 实施期 起 至 止; 资金来源 with its rows; the 年度 table's
    # title). A framework that declares none of them keeps the seed's rows: the table's header on row 9.

    @cached_property
    def _blocks(self) -> dict[str, int]:
        fw, row, out = self.framework, self.goals.row + 1, {}
        if fw.uses("period_goals"):
            out["period_goals"], row = row, row + 1
        if fw.uses("attribute") or fw.uses("period"):
            out["facts"], row = row, row + 1
        if fw.uses("fund_sources"):
            out["sources"], row = row, row + 1 + fw.fund_source_rows
        if fw.uses("period_goals"):  # two indicator tables: each gets its title
            out["annual_title"], row = row, row + 1
        out["header"] = row
        return out

    @property
    def header_row(self) -> int:
        """The (年度) indicator table's heading row."""
        return self._blocks["header"]

    @property
    def goals_heading(self) -> str:
        """绩效目标, or 年度目标 where the table also has 实施期目标."""
        return "年度目标" if "period_goals" in self._blocks else "绩效目标"

    @property
    def period_goals_label(self) -> Span | None:
        r = self._blocks.get("period_goals")
        return None if r is None else Span(r, 0)

    @property
    def period_goals(self) -> Span | None:
        """实施期目标: numbered goals in one cell, as 绩效目标 (年度目标)."""
        r = self._blocks.get("period_goals")
        return None if r is None else Span(r, 1, r, 8)

    def _fact(self, field: str, col: int) -> Span | None:
        r = self._blocks.get("facts")
        return None if r is None or not self.framework.uses(field) else Span(r, col)

    @property
    def attribute_label(self) -> Span | None:
        return self._fact("attribute", 0)

    @property
    def attribute(self) -> Span | None:
        """项目属性: 新增 or 延续 (a dropdown)."""
        return self._fact("attribute", 1)

    @property
    def period_label(self) -> Span | None:
        return self._fact("period", 2)

    @property
    def period_start(self) -> Span | None:
        """实施期 起: a month (a date, or the text "2023-07")."""
        return self._fact("period", 3)

    @property
    def period_to(self) -> Span | None:
        return self._fact("period", 4)

    @property
    def period_end(self) -> Span | None:
        """实施期 止."""
        return self._fact("period", 5)

    @property
    def facts_row(self) -> int | None:
        return self._blocks.get("facts")

    @property
    def sources_label(self) -> Span | None:
        r = self._blocks.get("sources")
        return None if r is None else Span(r, 0, r + self.framework.fund_source_rows, 0)

    @property
    def sources_header_row(self) -> int | None:
        """The 资金来源 table's heading row (来源 | 级次 | 金额); its rows follow."""
        return self._blocks.get("sources")

    @property
    def source_rows(self) -> range:
        r = self._blocks.get("sources")
        return range(0) if r is None else range(r + 1, r + 1 + self.framework.fund_source_rows)

    SOURCE_COLUMNS = {"source": 1, "level": 2, "amount": 3}  # 来源, 级次 (中央/省/市/县), 金额

    @property
    def annual_title(self) -> Span | None:
        r = self._blocks.get("annual_title")
        return None if r is None else Span(r, 0, r, 8)

    @property
    def period_title(self) -> Span | None:
        """实施期绩效指标: a second indicator table below the 年度 one (same columns), where declared."""
        if not self.framework.uses("period_goals"):
            return None
        r = self.indicator_rows.stop + 1
        return Span(r, 0, r, 8)

    @property
    def period_header_row(self) -> int | None:
        title = self.period_title
        return None if title is None else title.row + 1

    @property
    def period_indicator_rows(self) -> range:
        h = self.period_header_row
        return range(0) if h is None else range(h + 1, h + 1 + self.framework.period_indicator_rows)

    @property
    def print_last_row(self) -> int:
        """The last row of the printed form: the last row of its last indicator table."""
        return (self.period_indicator_rows or self.indicator_rows).stop - 1

    @property
    def extra_rows(self) -> frozenset[int]:
        """The rows where the extra columns are part of the form: the indicator tables' headings and rows."""
        rows = {self.header_row, *self.indicator_rows, *self.period_indicator_rows}
        if self.period_header_row is not None:
            rows.add(self.period_header_row)
        return frozenset(rows)

    @property
    def milestone_labels(self) -> list[Span]:
        return [Span(5, 1 + i) for i in range(len(self.framework.milestones))]

    @property
    def milestones(self) -> list[Span]:
        """Input cells of the spend plan, one per milestone of the framework."""
        return [Span(6, 1 + i) for i in range(len(self.framework.milestones))]

    @property
    def plan_sum_label(self) -> Span:
        return Span(5, 1 + len(self.framework.milestones))

    @property
    def plan_sum(self) -> Span:
        return Span(6, 1 + len(self.framework.milestones))

    @property
    def first_indicator_row(self) -> int:
        return self.header_row + 1

    @property
    def indicator_rows(self) -> range:
        return range(self.first_indicator_row, self.first_indicator_row + self.framework.indicator_rows)

    @property
    def summary_title_row(self) -> int:
        return (self.period_indicator_rows or self.indicator_rows).stop + 1

    @property
    def level_count_rows(self) -> dict[str, int]:
        """Row of the self-check that counts each 一级指标's indicators."""
        start = self.summary_title_row + 1
        return {name: start + i for i, name in enumerate(self.framework.level1_names)}

    @property
    def total_count_row(self) -> int:
        return self.summary_title_row + 1 + len(self.framework.levels)

    @property
    def footer_row(self) -> int:
        return self.total_count_row + 1


@dataclass(frozen=True)
class DepartmentLayout(_Footer):
    """The 部门整体绩效目标 sheet: 第一部分 of the official document."""

    framework: Framework
    title: Span = Span(0, 0, 0, 8)
    unit_line: Span = Span(1, 0, 1, 8)
    overall_label: Span = Span(2, 0, 2, 8)
    overall: Span = Span(3, 0, 3, 8)
    overall_check: Span = Span(3, CHECK_COL)
    sections_label: Span = Span(4, 0, 4, 8)
    sections_check: Span = Span(4, CHECK_COL)
    section_header_row: int = 5

    @property
    def section_rows(self) -> range:
        return range(self.section_header_row + 1, self.section_header_row + 1 + self.framework.section_rows)

    def section_name(self, row: int) -> Span:
        return Span(row, 0)

    def section_goal(self, row: int) -> Span:
        return Span(row, 1, row, 8)

    @property
    def measures_label(self) -> Span:
        r = self.section_rows.stop
        return Span(r, 0, r, 8)

    @property
    def measures_check(self) -> Span:
        return Span(self.section_rows.stop, CHECK_COL)

    @property
    def measure_rows(self) -> range:
        start = self.section_rows.stop + 1
        return range(start, start + self.framework.measure_rows)

    def measure_number(self, row: int) -> Span:
        return Span(row, 0)

    def measure(self, row: int) -> Span:
        return Span(row, 1, row, 8)

    # ---- 四、部门整体绩效指标 (schema v2), where the framework declares department_indicators: the
    # columns of a project's indicator table, right below the measures.
    columns: IndicatorColumns = IndicatorColumns()

    @property
    def indicators_label(self) -> Span | None:
        if not self.framework.uses("department_indicators"):
            return None
        r = self.measure_rows.stop
        return Span(r, 0, r, 8)

    @property
    def indicator_header_row(self) -> int | None:
        label = self.indicators_label
        return None if label is None else label.row + 1

    @property
    def indicator_rows(self) -> range:
        h = self.indicator_header_row
        return range(0) if h is None else range(h + 1, h + 1 + self.framework.department_indicator_rows)

    @property
    def extra_columns(self) -> list[tuple[str, int]]:
        return extra_columns(self.framework)

    @property
    def print_last_row(self) -> int:
        return (self.indicator_rows or self.measure_rows).stop - 1

    @property
    def extra_rows(self) -> frozenset[int]:
        """The rows where the extra columns are part of the form (the department's indicator table)."""
        h = self.indicator_header_row
        return frozenset(() if h is None else (h, *self.indicator_rows))

    @property
    def footer_row(self) -> int:
        return (self.indicator_rows or self.measure_rows).stop + 1


@dataclass(frozen=True)
class InstructionsLayout:
    """The 填报说明 sheet: the workbook's overall status sits at a fixed place near the top, above a
    table of the data sheets (one row each: a link to the sheet and its live error count)."""

    sheet_count: int = 0
    title: Span = Span(0, 0, 0, 5)
    unit_line: Span = Span(1, 0, 1, 5)
    status_label: Span = Span(2, 0)
    status: Span = Span(2, 1, 2, 5)
    sheets_header_row: int = 3
    widths: tuple[int, ...] = (16, 22, 22, 22, 22, 22)

    @property
    def sheet_rows(self) -> range:
        """One row per data sheet (部门整体绩效目标, then the projects in order)."""
        return range(self.sheets_header_row + 1, self.sheets_header_row + 1 + self.sheet_count)

    @property
    def body_start_row(self) -> int:
        return self.sheet_rows.stop + 1


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31  # Excel's limit, in UTF-16 code units


def project_sheet_names(project_names: list[str]) -> list[str]:
    """Unique, valid sheet names "1.项目名称": at most 31 UTF-16 units (Excel's count: a character
    outside the BMP is 2), none of []:*?/\\ and no control character (a TAB or line break would leave
    formulas and defined names pointing at a sheet Excel names otherwise), not quoted at either end.

    Excel refuses longer names and those characters; two projects whose names agree in their
    first 28 characters stay distinct because the number leads. Names are compared case-blind, as
    Excel does.
    """
    names: list[str] = []
    taken = {n.lower() for n in (INSTRUCTIONS_SHEET, DEPARTMENT_SHEET, LISTS_SHEET, IDENTITY_SHEET, REVIEW_SHEET)}
    for i, raw in enumerate(project_names, start=1):
        clean = _BAD_SHEET_CHARS.sub("_", clean_text(raw or "", name=True)).strip().strip("'").strip() or "项目"
        name = _fit(f"{i}.{clean}", SHEET_NAME_MAX)
        n = 2
        while name.lower() in taken:
            suffix = f"~{n}"
            name = _fit(f"{i}.{clean}", SHEET_NAME_MAX - len(suffix)) + suffix
            n += 1
        taken.add(name.lower())
        names.append(name)
    return names


def _fit(name: str, limit: int) -> str:
    """``name`` cut to ``limit`` UTF-16 units, never ending in a quote or a space."""
    return truncate_utf16(name, limit).rstrip("' ")


# ---------------------------------------------------------------- the forms a workbook can be

@dataclass(frozen=True)
class Form:
    """One form of the yearly cycle: what a workbook's identity says it is, so that every module
    (writer, reader, check, export) picks the form's own layout and model from the identity alone.
    The goal table's addresses are declared above; the self-evaluation's in perfxl.selfeval_layout."""

    name: str              # "goals" | "selfeval": catalogue.RuleInfo.form, the web db's rounds.form
    template_id: str       # written into the identity (_perfxl) and the document properties
    template_version: str  # bump when any of the form's addresses moves
    title: str             # what the workbook is, in file names and titles


GOALS_FORM = Form("goals", TEMPLATE_ID, TEMPLATE_VERSION, "绩效目标表")
SELFEVAL_FORM = Form("selfeval", "perfxl.selfeval", "2", "绩效自评表")  # 2: live 自查, targets moved
FORMS = {f.template_id: f for f in (GOALS_FORM, SELFEVAL_FORM)}


def form_of(template_id: str | None) -> Form | None:
    """The form a workbook's identity names, None for a template id perfxl does not write."""
    return FORMS.get(template_id or "")
