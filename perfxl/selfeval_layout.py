"""Where every field of the self-evaluation (绩效自评) workbook lives: the second form's layout.

As :mod:`perfxl.layout` does for the goal table, this module is the one place that knows the
self-evaluation's cell addresses; the writer (:mod:`perfxl.selfeval_writer`), the reader
(:mod:`perfxl.selfeval_reader`) and the findings of rules E01–E09 ask it. It shares the goal
layout's primitives (``Span``, ``a1``, sheet naming, the hidden helper columns, the print width) and
declares only what differs.

A workbook holds 填报说明, a unit summary sheet (自评汇总: one row per project, computed), and one
项目支出绩效自评表 per project in the MoF template's order (财预〔2020〕10号):

* header: 项目名称, 项目编码, 主管部门, 实施单位;
* 项目资金: 年初预算数 (locked), 全年预算数, 全年执行数 by line (年度资金总额; 其中 当年财政拨款, 上年结转资金,
  其他资金), and 分值, 执行率, 得分 on the total line;
* 年度总体目标: 预期目标 (locked) beside 实际完成情况;
* 绩效指标: 一级, 二级, 三级, 年度指标值 (locked), 实际完成值, 分值, 得分 (a formula), 偏差原因分析及改进措施;
  hidden and locked beside each row, the approved target as a number (what the 得分 formula reads)
  and the approved indicator as JSON (what the reader rebuilds the target from);
* 总分 and 自评等级 (formulas).

The table has the framework's ``indicator_rows`` rows, so one framework always gives one layout.
:meth:`SelfEvalProjectLayout.locations` maps the logical keys of :mod:`perfxl.selfeval_rules` to cells.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .frameworks import Framework
from .layout import (CHECK_COL, HELPER_COL, HELPER_COLS, SELFEVAL_FORM, ProjectLayout, SheetStatus, Span, a1,
                     project_sheet_names)

__all__ = ["SUMMARY_SHEET", "FORM", "FUND_COLUMNS", "EVAL_HEADINGS", "EvalColumns", "SelfEvalProjectLayout", "SelfEvalSummaryLayout",
           "FUND_LINE_LABELS", "selfeval_sheet_names"]

FORM = SELFEVAL_FORM
SUMMARY_SHEET = "自评汇总"

#: 项目资金's columns, by EvalFunds/FundLine attribute (分值, 执行率 and 得分 only on the total line).
FUND_COLUMNS = {"initial": 2, "budget": 3, "executed": 4, "points": 5, "rate": 6, "score": 7}
FUND_HEADINGS = {"initial": "年初预算数", "budget": "全年预算数", "executed": "全年执行数", "points": "分值",
                 "rate": "执行率（%）", "score": "得分"}
#: The funds table's lines, in selfeval_model.FUND_LINES order.
FUND_LINE_LABELS = {"total": "年度资金总额", "fiscal": "其中：当年财政拨款", "carryover": "上年结转资金",
                    "other": "其他资金"}


#: The 绩效指标 table's columns from B on, in order: EvalIndicator's attributes (and its target's) and headings.
EVAL_HEADINGS = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "target": "年度指标值",
                 "actual": "实际完成值", "points": "分值", "score": "得分", "reason": "偏差原因分析及改进措施"}


@dataclass(frozen=True)
class EvalColumns:
    """Columns of the 绩效指标 table: ``columns.actual`` is 实际完成值's column (EVAL_HEADINGS order from
    ``first``), and two hidden, locked helpers at the end of the hidden helper columns (the live
    自查's helpers take the first ones, as on the goal table's sheets)."""

    first: int = 1
    target_number: int = HELPER_COL + HELPER_COLS - 2  # the approved 指标值 as a number (the 得分 formula's target)
    target_json: int = HELPER_COL + HELPER_COLS - 1    # the approved indicator (unit-goals JSON): what the reader rebuilds

    HEADINGS = EVAL_HEADINGS

    def __getattr__(self, name: str) -> int:
        if name in EVAL_HEADINGS:
            return self.first + list(EVAL_HEADINGS).index(name)
        raise AttributeError(name)

    def items(self) -> list[tuple[str, int]]:
        return [(k, self.first + i) for i, k in enumerate(EVAL_HEADINGS)]


@dataclass(frozen=True)
class SelfEvalProjectLayout(SheetStatus):
    """One 项目支出绩效自评表 sheet."""

    framework: Framework
    title: Span = ProjectLayout.title            # the goal table's heading: title, then a line with the money unit
    year_line: Span = ProjectLayout.unit_line    # （2024年度）
    money_unit: Span = ProjectLayout.money_unit
    name_label: Span = Span(2, 0)
    name: Span = Span(2, 1, 2, 4)
    code_label: Span = Span(2, 5)
    code: Span = Span(2, 6, 2, 8)
    department_label: Span = Span(3, 0)
    department: Span = Span(3, 1, 3, 4)
    unit_label: Span = Span(3, 5)
    unit: Span = Span(3, 6, 3, 8)
    funds_header_row: int = 4
    goals_header_row: int = 9
    columns: EvalColumns = EvalColumns()

    @property
    def funds_label(self) -> Span:
        return Span(self.funds_header_row, 0, self.funds_header_row + len(FUND_LINE_LABELS), 0)

    @property
    def funds_money_unit(self) -> Span:
        """Above the line labels: the money unit of the amounts."""
        return Span(self.funds_header_row, 1)

    def fund_label(self, line: str) -> Span:
        return Span(self.fund_row(line), 1)

    def fund_row(self, line: str) -> int:
        return self.funds_header_row + 1 + list(FUND_LINE_LABELS).index(line)

    def fund(self, line: str, column: str) -> Span:
        """A cell of 项目资金: ``line`` of FUND_LINE_LABELS, ``column`` of FUND_COLUMNS."""
        return Span(self.fund_row(line), FUND_COLUMNS[column])

    @property
    def goals_label(self) -> Span:
        return Span(self.goals_header_row, 0, self.goals_header_row + 1, 0)

    @property
    def expected_label(self) -> Span:
        return Span(self.goals_header_row, 1, self.goals_header_row, 4)

    @property
    def achievement_label(self) -> Span:
        return Span(self.goals_header_row, 5, self.goals_header_row, 8)

    @property
    def goals(self) -> Span:
        """预期目标: the approved goals, numbered, in one locked cell."""
        return Span(self.goals_header_row + 1, 1, self.goals_header_row + 1, 4)

    @property
    def achievement(self) -> Span:
        """实际完成情况."""
        return Span(self.goals_header_row + 1, 5, self.goals_header_row + 1, 8)

    @property
    def header_row(self) -> int:
        """The 绩效指标 table's heading row."""
        return self.goals_header_row + 2

    @property
    def indicator_rows(self) -> range:
        return range(self.header_row + 1, self.header_row + 1 + self.framework.indicator_rows)

    @property
    def indicators_label(self) -> Span:
        return Span(self.header_row, 0, self.indicator_rows.stop - 1, 0)

    def indicator(self, row: int, field: str) -> Span:
        return Span(row, getattr(self.columns, field))

    @property
    def total_row(self) -> int:
        return self.indicator_rows.stop

    @property
    def total_label(self) -> Span:
        return Span(self.total_row, 0, self.total_row, 5)

    @property
    def total_points(self) -> Span:
        """The sum of every 分值 (100 when they are right): a formula."""
        return Span(self.total_row, self.columns.points)

    @property
    def total_score(self) -> Span:
        return Span(self.total_row, self.columns.score)

    @property
    def grade_label(self) -> Span:
        return Span(self.total_row + 1, 0, self.total_row + 1, 6)

    @property
    def grade(self) -> Span:
        return Span(self.total_row + 1, self.columns.score)

    @property
    def print_last_row(self) -> int:
        """The official table ends with 自评等级; 自查 and the status below it do not print."""
        return self.total_row + 1

    @property
    def check_header(self) -> Span:
        """The 自查 column's heading, on the funds table's heading row."""
        return Span(self.funds_header_row, CHECK_COL)

    @property
    def status_row(self) -> int:
        """本表自查: the number of ✗ in the 自查 column and the sheet's status (as the goal sheets')."""
        return self.print_last_row + 2

    @property
    def anchors(self) -> list[tuple[Span, str]]:
        """Headings where the layout puts them (the reader's check that no row or column moved)."""
        return [(self.name_label, "项目名称"), (self.funds_label, "项目资金"),
                *[(Span(self.funds_header_row, c), FUND_HEADINGS[k]) for k, c in FUND_COLUMNS.items()],
                (self.goals_label, "年度总体目标"), (self.indicators_label, "绩效指标"),
                *[(Span(self.header_row, c), EvalColumns.HEADINGS[n]) for n, c in self.columns.items()],
                (self.total_label, "总分"), (self.grade_label, "自评等级")]

    def locations(self, sheet: str, pi: int, rows: Iterable[int]) -> dict[tuple, tuple[str, str]]:
        """Where each logical key of project ``pi`` lives, its indicators on ``rows`` in order: the
        keys of perfxl.selfeval_rules, plus the header fields."""
        loc: dict[tuple, tuple[str, str]] = {("project", pi): (sheet, self.title.a1)}
        if pi == 0:  # the unit's own findings (S08 with a register) at the first sheet's 实施单位
            loc[("unit",)] = (sheet, self.unit.a1)
        for key, span in (("code", self.code), ("name", self.name), ("goals", self.goals),
                          ("achievement", self.achievement), ("total_score", self.total_score), ("grade", self.grade),
                          ("indicators", Span(self.header_row, self.columns.level1))):
            loc[("project", pi, key)] = (sheet, span.a1)
        for line in FUND_LINE_LABELS:
            for column in FUND_COLUMNS:
                if line == "total" or column in ("initial", "budget", "executed"):
                    loc[("funds", pi, line, column)] = (sheet, self.fund(line, column).a1)
        for ii, row in enumerate(rows):
            for name, col in self.columns.items():
                loc[("indicator", pi, ii, name)] = (sheet, a1(row, col))
        return loc


@dataclass(frozen=True)
class SelfEvalSummaryLayout:
    """The unit's 自评汇总 sheet: one computed row per project (nothing on it is read back)."""

    projects: int
    title: Span = Span(0, 0, 0, 7)
    unit_line: Span = Span(1, 0, 1, 7)
    header_row: int = 2
    COLUMNS = {"number": 0, "code": 1, "name": 2, "budget": 3, "executed": 4, "rate": 5, "total_score": 6, "grade": 7}
    HEADINGS = {"number": "序号", "code": "项目编码", "name": "项目名称", "budget": "全年预算数",
                "executed": "全年执行数", "rate": "执行率（%）", "total_score": "总分", "grade": "自评等级"}
    WIDTHS = (6, 24, 30, 12, 12, 11, 9, 9)

    @property
    def rows(self) -> range:
        return range(self.header_row + 1, self.header_row + 1 + self.projects)


def selfeval_sheet_names(project_names: list[str]) -> list[str]:
    """The projects' sheet names: the goal table's naming ("1.项目名称", unique, valid in Excel)."""
    return project_sheet_names(project_names)
