"""The differential test of issue 10: the workbook's live 自查 and ``perfxl check`` must agree.

A *fill* is what one person entered into one project sheet: funds, spend plan, goals and indicator
rows, each cell as an entry (keys typed, or a value pasted) carrying the mistakes drawn from the rule
catalogue and the typing habits of the issue: "30%" typed, blank 一级/二级 meaning "same as above",
full-width digits and operators, numbers pasted as text, 一级 changed after 二级, ≥ 150 for a
percentage, spend plans not reaching 100, missing fields; and what check's parser reads beyond them
(values.py), which the live 自查 must read alike: notes glued to the number, a number written twice,
compound units ("元/人"), exponents, a trailing dot, dates and other text with digits, malformed
numbers and formula text, amounts grouped with a leading zero. The pipeline is the one a unit and
the office follow:

1. :func:`build_corpus` draws the fills with hypothesis (every shipped framework) and deals them into
   workbooks of 8 to 21 project sheets, each with a 部门整体绩效目标 fill;
2. :func:`write_filled` renders the unit's template with perfxl and makes the entries with openpyxl:
   only into unlocked input cells (asserted), keeping the template's fills, borders and validations;
   what a cell stores follows its number format as in Excel, WPS and LibreOffice (:func:`store`:
   "30%" typed into a General cell stores 0.3 under a percent format, keys typed into a text cell
   stay text, pasted text stays text);
3. :func:`recalc_batch` lets LibreOffice open and re-save every workbook in **one** ``soffice`` process
   with a profile that recalculates on load (OOXMLRecalcMode=0, practices.md), so the cached values
   are what staff see;
4. :func:`read_live` reads every 自查 mark, each sheet's count and the workbook's status with openpyxl
   (``data_only=True``), and :func:`perfxl.check_file` checks the same re-saved file;
5. :func:`compare` puts the two side by side for every live rule: each row's mark, each sheet's count,
   the workbook's count.

What a mark means is decided in one place, :func:`parse_mark`: ``✗ P01 …；△ I06 …`` gives (severity,
code) per finding (perfxl/live.py's format); a mark without a code (the writer before issue 10:
``✗ 缺三级指标``) gives its severity only, and is then compared by worst severity per row. Which rules
are live comes from :func:`live_codes` (``perfxl.live.rules_catalogue``, what ``perfxl rules --format
json`` prints); where a finding's mark sits, from :func:`finding_row` (the row of its cell; I01, I12,
I14 on their count rows).

Hypothesis and the single LibreOffice batch: every fill is one hypothesis example, but examples are
only *collected* (:func:`collect`) and LibreOffice runs once over all of them afterwards. Starting
LibreOffice per example (3 s and more) would make 300 fills take a quarter of an hour, so hypothesis
cannot shrink a failing fill against LibreOffice. What the corpus gets instead:

* determinism: each run of :func:`collect` is ``@seed``-ed from one seed (0 in the test);
* coverage: every mistake is in turn the *focus* of a fill (:func:`collect_focused`, round robin),
  since hypothesis' own choices lean towards some branches; the rest of each fill is drawn freely;
* the shrink step done ahead: hypothesis tries the simplest example first, so for every focus the
  corpus holds the simplest fill that carries it, and a failure prints the disagreement whose fill has
  the fewest mistakes (:func:`simplest_first`). ``python tests/differential.py --only ID`` replays
  one fill alone in a workbook of its own.

Command line (see ``--help``)::

    python tests/differential.py                        # the test's corpus: 450 fills, seed 0
    python tests/differential.py --fills 1000 --seed 7  # another corpus
    python tests/differential.py --seed 7 --only mof-2021#12 --keep /tmp/fill
"""
from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings, strategies as st
from openpyxl import load_workbook

import perfxl
from perfxl.catalogue import CATALOGUE
from perfxl.findings import Finding
from perfxl.frameworks import Framework
from perfxl.layout import (CHECK_COL, CHECK_ERROR, CHECK_OK, CHECK_WARNING, DEPARTMENT_SHEET, INSTRUCTIONS_SHEET,
                           DepartmentLayout, InstructionsLayout, ProjectLayout, Span, a1, extra_columns,
                           project_sheet_names, rowcol)
from perfxl.model import Funds, Project, Unit, UnitData

# mof-2013 last: the first two keep their seeds (seed * 100 + 2 * index) and, at 150 fills each, the corpus
# they had before it was added; mof-2013's table declares 指标值类型 (issue 13), which its fills type too.
FRAMEWORKS = ("hebei-2023", "mof-2021", "mof-2013")
BUDGET_YEAR = 2024
DEFAULT_FILLS = 450
# Cycled: workbooks of several sizes exercise the status formula and the project codes that no longer
# fit one document property (split since #11), so there is no upper limit any more.
SHEETS_PER_WORKBOOK = (8, 13, 21)

# ============================================================ what a person typed


@dataclass(frozen=True)
class Typed:
    """One entry a person made in a cell: what was keyed in (``how="typed"``, the keystrokes of
    ``value``) or pasted as a value (``how="pasted"``: text stays text, whatever the cell's format).
    What the cell then stores depends on its number format, as in Excel, WPS and LibreOffice:
    :func:`store`."""

    value: Any
    how: str = "typed"

    def show(self) -> str:
        return f"{self.value!r}" + (f" ({self.how})" if self.how != "typed" else "")


BLANK = Typed(None)
_NUMBER_KEYS = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_PERCENT_KEYS = re.compile(r"([+-]?(\d+(\.\d*)?|\.\d+))\s*%")


def _is_percent_format(number_format: str) -> bool:
    return "%" in re.sub(r'"[^"]*"|\\.', "", number_format or "")


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def store(entry: Typed, number_format: str) -> tuple[Any, str]:
    """(stored value, number format afterwards) of ``entry`` in a cell formatted ``number_format``.

    The applications' documented entry rules, for the entries this harness makes: a cell formatted
    as text (``@``) keeps the keystrokes as text; elsewhere keys that form a number give that number,
    a number followed by "%" gives the fraction and a percent format (Microsoft, "Format numbers as
    percentages"; LibreOffice does the same), and a number keyed into a percent-formatted cell is
    divided by 100 (Excel's automatic percent entry; LibreOffice and WPS alike). Pasted values are
    stored as they are. Anything else is text.
    """
    if entry.value is None or entry.how != "typed":
        return entry.value, number_format
    keys = entry.value if isinstance(entry.value, str) else _num_text(entry.value)
    if number_format == "@":
        return keys, number_format
    if _NUMBER_KEYS.fullmatch(keys):
        x = float(Decimal(keys))
        if _is_percent_format(number_format):
            return _plain(_fraction(x)), number_format
        return _plain(x), number_format
    m = _PERCENT_KEYS.fullmatch(keys)
    if m:
        x = float(Decimal(m.group(1)))
        keep = _is_percent_format(number_format)
        return _fraction(x), number_format if keep else ("0%" if x.is_integer() else "0.00%")
    return keys, number_format

INDICATOR_FIELDS = ("level1", "level2", "name", "description", "operator", "value", "unit", "value_note", "basis",
                    "explanation")


@dataclass(frozen=True)
class ProjectFill:
    """One project sheet: the register's part (locked by the template) and what the unit typed.

    ``rows`` are (offset into the indicator table, {field: Typed}); ``mistakes`` names what was drawn,
    by catalogue code where one applies, so a disagreement shows what the fill meant to do."""

    name: str
    register_funds: tuple[float | None, float | None, float | None]
    register_purpose: str | None
    funds: tuple[Typed, Typed, Typed]
    purpose: Typed
    spend: tuple[Typed, ...]
    goals: Typed
    rows: tuple[tuple[int, tuple[tuple[str, Typed], ...]], ...]
    mistakes: tuple[str, ...] = ()
    id: str = ""

    def row_cells(self) -> list[tuple[int, dict[str, Typed]]]:
        return [(offset, dict(cells)) for offset, cells in self.rows]

    def describe(self, fw: Framework, row: int | None = None) -> str:
        """The fill as a small table: what a person typed where ("→" before the 0-based ``row``)."""
        L = ProjectLayout(fw)
        lines = [f"fill {self.id} ({fw.id}): project {self.name!r}; mistakes: {', '.join(self.mistakes) or 'none'}"]
        lines.append(f"  register funds {self.register_funds}, purpose {self.register_purpose!r}")
        for label, span, typed in (("预算数", L.total, self.funds[0]), ("财政资金", L.fiscal, self.funds[1]),
                                   ("其他资金", L.other, self.funds[2]), ("资金用途", L.purpose, self.purpose)):
            if typed.value is not None:
                lines.append(f"  {span.a1} {label}: {typed.show()}")
        for m, span, typed in zip(fw.milestones, L.milestones, self.spend):
            lines.append(f"  {span.a1} {m}: {typed.show()}")
        lines.append(f"  {L.goals.a1} 绩效目标: {self.goals.show()}")
        for offset, cells in self.row_cells():
            r = L.first_indicator_row + offset
            shown = "; ".join(f"{k}={v.show()}" for k, v in cells.items() if v.value is not None)
            lines.append(f"{'→' if r == row else ' '} row {r + 1}: {shown or '(blank)'}")
        return "\n".join(lines)


@dataclass(frozen=True)
class DeptFill:
    """The 部门整体绩效目标 sheet: overall goal, (科室, goal) rows, measures."""

    overall: Typed
    sections: tuple[tuple[Typed, Typed], ...]
    measures: tuple[Typed, ...]
    mistakes: tuple[str, ...] = ()
    id: str = ""

    def describe(self, fw: Framework, row: int | None = None) -> str:
        L = DepartmentLayout(fw)
        lines = [f"fill {self.id} ({fw.id}): {DEPARTMENT_SHEET}; mistakes: {', '.join(self.mistakes) or 'none'}",
                 f"  {L.overall.a1} 总体绩效目标: {self.overall.show()}"]
        for r, (name, goal) in zip(L.section_rows, self.sections):
            lines.append(f"  row {r + 1}: 科室={name.show()} 目标={goal.show()}")
        for r, m in zip(L.measure_rows, self.measures):
            lines.append(f"  row {r + 1}: 措施={m.show()}")
        return "\n".join(lines)


# ============================================================ strategies: how numbers are entered

_FULL = str.maketrans("0123456789%.<>=-", "０１２３４５６７８９％．＜＞＝－")


def fullwidth(text: str) -> str:
    return text.translate(_FULL)


def _num_text(n: float) -> str:
    """A number as a person keys it in: 30, 24.5."""
    return str(int(n)) if float(n).is_integer() else repr(float(n))


def _fraction(n: float) -> float:
    """n% as the fraction a percent-formatted cell stores (0.3 for 30), exactly as typed."""
    return float(Decimal(repr(float(n))) / 100)


def number_entry(n: float, *, percent: bool = False) -> st.SearchStrategy[Typed]:
    """How a person puts the number ``n`` into a cell: keyed in (most often), pasted as text
    (numbers stored as text), pasted from a full-width IME or with spaces, and, for a percentage,
    keyed in as "30%" (a General cell then stores 0.3 under a percent format), pasted "30%" or
    full-width "３０％" text."""
    shown = _num_text(n)
    ways = [Typed(n)] * 5 + [Typed(shown, "pasted"), Typed(fullwidth(shown), "pasted"),
                             Typed(f" {shown} ", "pasted"), Typed(f"{float(n):.6e}", "pasted")]
    if percent:
        ways += [Typed(f"{shown}%"), Typed(f"{shown}%", "pasted"), Typed(fullwidth(f"{shown}%"), "pasted")]
    return st.sampled_from(ways)


def _kind(typed: Typed) -> str:
    """How a number was entered, without the number: 'typed n%', 'pasted full-width text' …"""
    v = typed.value
    if not isinstance(v, str):
        return typed.how
    if typed.how == "typed":
        return "typed n%" if v.rstrip().endswith("%") else "typed"
    shape = ("full-width " if v != v.translate({ord(c): None for c in "０１２３４５６７８９％"}) else "") + \
        ("text with spaces" if v != v.strip() else "n%" if v.rstrip().endswith(("%", "％"))
         else "exponent" if "e" in v else "text")
    return f"{typed.how} {shape}"


def _pick(draw, names: Sequence[str], force: str | None, clean_weight: int) -> str:
    """The mistake of one part of a fill: ``force`` when it is one of ``names`` (the fill's focus,
    see :func:`build_corpus`), else drawn, "clean" ``clean_weight`` times as often as each mistake."""
    if force in names:
        return force
    return draw(st.sampled_from(("clean",) * clean_weight + tuple(names)))


# ============================================================ strategies: indicators


@dataclass(frozen=True)
class Spec:
    """A clean indicator a careful unit would write under one 二级指标."""

    name: str
    operator: str
    low: int
    high: int
    unit: str | None
    description: str
    text_value: str | None = None  # for 定性

    @property
    def qualitative(self) -> bool:
        return self.operator == "定性"


_SPECS: dict[str, tuple[Spec, ...]] = {
    "数量指标": (Spec("培训人次", "≥", 100, 2000, "人次", "全年组织培训的人次"),
             Spec("完成改造户数", "≥", 10, 500, "户", "年内完成改造的户数")),
    "质量指标": (Spec("验收合格率", "≥", 90, 100, "%", "通过验收的工程占完工工程的比例"),
             Spec("档案归档完整率", "＝", 100, 100, "%", "归档资料齐全的项目比例")),
    "时效指标": (Spec("资金支付及时率", "≥", 80, 99, "%", "按合同约定时间支付的资金比例"),
             Spec("项目完成时间", "定性", 0, 0, None, "项目全部完工的时间", "年底前完成")),
    "成本指标": (Spec("项目总成本", "≤", 1, 50, "万元", "项目实际发生的全部成本"),
             Spec("人均培训成本", "≤", 200, 900, "元", "每人次培训的平均费用")),
    "经济成本指标": (Spec("项目总成本", "≤", 1, 50, "万元", "项目实际发生的全部成本"),),
    "社会成本指标": (Spec("对周边群众生活的影响", "定性", 0, 0, None, "施工对周边群众的影响程度", "影响较小"),),
    "生态环境成本指标": (Spec("施工扬尘控制", "定性", 0, 0, None, "施工期间扬尘治理情况", "符合标准"),),
    "经济效益指标": (Spec("带动就业人数", "≥", 10, 300, "人", "项目带动就业的人数"),),
    "社会效益指标": (Spec("群众知晓率", "≥", 80, 98, "%", "抽样调查中知晓政策的群众比例"),
               Spec("惠及群众人数", "≥", 100, 5000, "人", "项目直接惠及的群众人数")),
    "生态效益指标": (Spec("绿化覆盖率", "≥", 30, 60, "%", "项目区域绿地面积占总面积的比例"),),
    "可持续影响指标": (Spec("长效管理机制", "定性", 0, 0, None, "项目建成后的管护机制", "机制健全"),),
    "服务对象满意度指标": (Spec("服务对象满意度", "≥", 80, 98, "%", "问卷调查服务对象的满意程度"),
                   Spec("受益群众满意度", "≥", 85, 95, "%", "受益群众对项目的满意程度")),
    "社会公众或服务对象满意度指标": (Spec("社会公众满意度", "≥", 80, 98, "%", "问卷调查社会公众的满意程度"),),  # mof-2013
}

# Spellings the check accepts, so the live check must too: the heart of the issue.
_OPERATOR_SPELLINGS = {"≥": (">=", "＞＝", "≧", "不低于"), "≤": ("<=", "＜＝", "≦", "不超过"), "＝": ("=", "等于"),
                       "＞": (">", "大于"), "＜": ("<", "小于")}
_UNIT_SPELLINGS = {"%": ("％", "百分比")}


@dataclass(frozen=True)
class Row:
    """Where an indicator row sits: its levels and clean indicator, the row above, the budget."""

    fw: Framework
    level1: str
    level2: str
    spec: Spec
    previous: tuple[str, str] | None
    first: bool
    budget: float | None

    @property
    def quantitative(self) -> bool:
        return not self.spec.qualitative

    @property
    def satisfaction(self) -> bool:
        return self.level2 in self.fw.satisfaction_level2

    @property
    def other_level1(self) -> list[str]:
        return [l1 for l1 in self.fw.level1_names if l1 != self.level1]


Cells = dict[str, Typed]


def _m_level1_changed(draw, c: Cells, r: Row) -> None:
    c["level1"] = Typed(draw(st.sampled_from(r.other_level1)))  # 一级 chosen again after 二级 was chosen


def _m_level2_foreign(draw, c: Cells, r: Row) -> None:
    c["level2"] = Typed(draw(st.sampled_from(r.fw.level2_of(draw(st.sampled_from(r.other_level1))))), "pasted")


def _m_set(**cells: Any) -> Callable[[Any, Cells, Row], None]:
    """A mistake that sets cells to fixed entries (a Typed, or None for blank)."""
    def apply(draw, c: Cells, r: Row) -> None:
        for k, v in cells.items():
            c[k] = BLANK if v is None else v
    return apply


def _m_choose(field_name: str, options: Sequence[str], how: str = "typed") -> Callable[[Any, Cells, Row], None]:
    def apply(draw, c: Cells, r: Row) -> None:
        c[field_name] = Typed(draw(st.sampled_from(tuple(options))), how)
    return apply


def _m_percentage(low: int, high: int) -> Callable[[Any, Cells, Row], None]:
    """A percentage from ``low`` to ``high`` entered any of the usual ways, with ≥ and unit %."""
    def apply(draw, c: Cells, r: Row) -> None:
        c["operator"], c["unit"] = Typed("≥"), Typed("%")
        c["value"] = draw(number_entry(draw(st.integers(low, high)), percent=True))
    return apply




def _m_inline_operator(draw, c: Cells, r: Row) -> None:
    n = draw(st.integers(r.spec.low, r.spec.high))
    pct = "%" if r.spec.unit == "%" and draw(st.booleans()) else ""
    c["operator"], c["value"] = BLANK, Typed(f"{r.spec.operator}{n}{pct}")


def _m_suffix(draw, c: Cells, r: Row) -> None:  # as the seed document writes it: "80%以上"
    c["value"] = Typed(f"{draw(st.integers(r.spec.low, r.spec.high))}{'%' if r.spec.unit == '%' else ''}以上")


def _m_same_as_above(draw, c: Cells, r: Row) -> None:
    c["level1"] = BLANK
    if r.previous == (r.level1, r.level2) and draw(st.booleans()):
        c["level2"] = BLANK


def _m_glued_note(draw, c: Cells, r: Row) -> None:
    """The seed document's habit: the explanation glued to the number ("≥80财政拨入资金支付80%以上"),
    with or without the operator and unit also in their own cells."""
    n = draw(st.integers(r.spec.low, r.spec.high))
    pct = "%" if r.spec.unit == "%" and draw(st.booleans()) else ""
    note = draw(st.sampled_from(("财政拨入资金支付80%以上", "，完成年度任务", " 按计划完成", "以上，确保完成", "（预计）")))
    op = r.spec.operator if draw(st.booleans()) else ""
    c["value"] = Typed(f"{op}{n}{pct}{note}")
    if draw(st.booleans()):
        c["operator"] = BLANK


def _m_doubled(draw, c: Cells, r: Row) -> None:  # "≥8080%以上群众满意": the number, then the note starting with it
    n = draw(st.integers(max(r.spec.low, 10), r.spec.high))
    c["value"], c["operator"], c["unit"] = Typed(f"≥{n}{n}%以上群众满意"), BLANK, draw(st.sampled_from((BLANK, Typed("%"))))


def _m_compound_unit(draw, c: Cells, r: Row) -> None:  # "500元/人": a unit per unit is not the unit
    n = draw(st.integers(r.spec.low, r.spec.high))
    c["value"] = Typed(f"{n}{r.spec.unit}/{draw(st.sampled_from(('人', '年', '次', '月')))}")
    c["unit"] = draw(st.sampled_from((BLANK, Typed(r.spec.unit))))


def _declares_type(r: Row) -> bool:
    """The framework's table has the 指标值类型 column (schema v2, mof-2013)."""
    return "value_type" in dict(extra_columns(r.fw))


def _m_declared_text(draw, c: Cells, r: Row) -> None:
    """指标值类型 定量 with a text value: not 定性 (with no 符号, or even with 定性), ✗ I05 on both sides."""
    c["value_type"] = Typed("定量")
    c["value"] = Typed(draw(st.sampled_from(("稳步提高", "较好", "达标", "按计划完成"))))
    c["operator"] = draw(st.sampled_from((BLANK, Typed("定性"), Typed(r.spec.operator))))


def _m_declared_as_written(draw, c: Cells, r: Row) -> None:
    """指标值类型 as the row is: 定性 for a 定性 row, 定量 otherwise (pasted in other spellings too)."""
    if r.spec.qualitative:
        c["value_type"] = Typed("定性")
    else:
        c["value_type"] = draw(st.sampled_from((Typed("定量"), Typed(" 定量 ", "pasted"), Typed("定量指标", "pasted"))))


@dataclass(frozen=True)
class RowMistake:
    applies: Callable[[Row], bool]
    apply: Callable[[Any, Cells, Row], None]


_ANY: Callable[[Row], bool] = lambda r: True  # noqa: E731

# Mistakes of one indicator row, by catalogue code, and typing variants ("typing …") the check
# accepts, each with where it applies and what it does to the clean row.
ROW_MISTAKES: dict[str, RowMistake] = {
    "I02 一级 changed after 二级": RowMistake(_ANY, _m_level1_changed),
    "I02 二级 of another 一级": RowMistake(_ANY, _m_level2_foreign),
    "I02 unknown 一级": RowMistake(_ANY, _m_choose("level1", ("其他指标", "产出", "效益"), "pasted")),
    "I02 一级 blank on first row": RowMistake(lambda r: r.first, _m_set(level1=None)),
    "I03 三级 blank": RowMistake(_ANY, _m_set(name=None)),
    "I03 三级 junk": RowMistake(_ANY, _m_choose("name", ("-", "无", "/", "null"))),
    "I13 三级 is a category": RowMistake(_ANY, lambda draw, c, r: c.update(name=Typed(r.level2))),
    "I04 符号 blank": RowMistake(lambda r: r.quantitative, _m_set(operator=None)),
    "I04 符号 unknown": RowMistake(_ANY, _m_choose("operator", ("约", "?", "大概"), "pasted")),
    "I04 指标值 blank": RowMistake(_ANY, _m_set(value=None)),
    "I04 计量单位 blank": RowMistake(lambda r: r.quantitative, _m_set(unit=None)),
    "I04 定性 without value": RowMistake(_ANY, _m_set(operator=Typed("定性"), value=None, unit=None)),
    "I05 指标值 not a number": RowMistake(lambda r: r.quantitative,
                                     _m_choose("value", ("较好", "明显提高", "80-90", "八十"))),
    "I06 percentage ≥ 150": RowMistake(_ANY, _m_percentage(101, 300)),
    "I09 satisfaction 100": RowMistake(lambda r: r.satisfaction, _m_percentage(100, 100)),
    "I09 satisfaction 60": RowMistake(lambda r: r.satisfaction, _m_percentage(60, 60)),
    "I08 cost with ≥": RowMistake(lambda r: r.quantitative and r.level2 in r.fw.cost_level2,
                                  _m_set(operator=Typed("≥"))),
    "I07 contradiction": RowMistake(lambda r: r.spec.operator in ("≥", "≤"), lambda draw, c, r: c.update(
        value_note=Typed("不超过" if r.spec.operator == "≥" else "以上"))),
    "I10 duplicate name": RowMistake(lambda r: not r.first, lambda draw, c, r: None),  # see indicator_rows
    "I11 basis blank": RowMistake(_ANY, _m_set(basis=None)),
    "I11 basis free text": RowMistake(_ANY, _m_set(basis=Typed("参照上年实际完成情况"))),
    "I16 unit in value differs": RowMistake(lambda r: r.quantitative, _m_set(value=Typed("28.8万元"), unit=Typed("%"))),
    "I17 value too long": RowMistake(_ANY, _m_set(operator=Typed("定性"), unit=None, value=Typed(
        "按照年度工作计划全面完成各项建设任务并通过主管部门组织的专项验收达到预期效果"))),
    "typing ≥ inside 指标值": RowMistake(lambda r: r.spec.operator in ("≥", "≤"), _m_inline_operator),
    "typing 指标值 n%以上": RowMistake(lambda r: r.spec.operator == "≥", _m_suffix),
    "typing 指标值 with thousands separator": RowMistake(lambda r: r.spec.high >= 1000, lambda draw, c, r: c.update(
        value=Typed(f"{draw(st.integers(1000, r.spec.high)):,}", "pasted"))),
    "typing 符号 spelled out": RowMistake(lambda r: r.spec.operator in _OPERATOR_SPELLINGS, lambda draw, c, r: c.update(
        operator=Typed(draw(st.sampled_from(_OPERATOR_SPELLINGS[r.spec.operator])), "pasted"))),
    "typing 计量单位 spelled out": RowMistake(lambda r: r.spec.unit in _UNIT_SPELLINGS, lambda draw, c, r: c.update(
        unit=Typed(draw(st.sampled_from(_UNIT_SPELLINGS[r.spec.unit]))))),
    # what check's parser reads and the live 自查 must read the same way (perfxl/live.py, "What a cell means")
    "typing 指标值 with a note glued on": RowMistake(lambda r: r.spec.operator in ("≥", "≤"), _m_glued_note),
    "typing 指标值 number written twice": RowMistake(lambda r: r.spec.operator == "≥" and r.spec.unit == "%",
                                                   _m_doubled),
    "typing 指标值 with a compound unit": RowMistake(lambda r: r.spec.unit in ("元", "人次", "户", "人"), _m_compound_unit),
    "typing 指标值 with an exponent": RowMistake(lambda r: r.quantitative, lambda draw, c, r: c.update(
        value=Typed(draw(st.sampled_from(("1e2", "1.5E+2", "2e1", "8E1", "1e400"))), "pasted"))),
    "typing 指标值 with a trailing dot": RowMistake(lambda r: r.quantitative, lambda draw, c, r: c.update(
        value=Typed(f"{draw(st.integers(r.spec.low, r.spec.high))}{draw(st.sampled_from(('.', '.%', '。')))}"))),
    "typing 指标值 date as text": RowMistake(_ANY, lambda draw, c, r: c.update(
        value=Typed(draw(st.sampled_from(("2024-12-31", "2024/6/30", "2024.12.31", "2024年12月底前完成", "3个月内完成")))),
        operator=draw(st.sampled_from((BLANK, Typed("≤"), Typed("定性")))), unit=BLANK)),
    "typing 指标值 text with a number inside": RowMistake(_ANY, lambda draw, c, r: c.update(
        value=Typed(draw(st.sampled_from(("年底前完成第2期", "达标率≥95%", "超过预期", "不低于上年", "较上年提高5个百分点")))),
        operator=draw(st.sampled_from((BLANK, BLANK, Typed("≥")))), unit=BLANK)),
    "typing 指标值 malformed number": RowMistake(lambda r: r.quantitative, lambda draw, c, r: c.update(
        value=Typed(draw(st.sampled_from(("1,23", "80、90", "1.2.3", "12,,5", "01,234", "80-90%", "=1+2", "= -5")))),
        operator=draw(st.sampled_from((BLANK, Typed(r.spec.operator)))))),
    "typing 一级/二级 blank (same as above)": RowMistake(lambda r: r.previous is not None and r.previous[0] == r.level1,
                                                        _m_same_as_above),
    # where the table declares 指标值类型 (issue 13): a 定量 row's text is never 定性
    "I05 declared 定量, text value": RowMistake(_declares_type, _m_declared_text),
    "typing 指标值类型 as the row is": RowMistake(_declares_type, _m_declared_as_written),
}
# The row mistakes that need the 指标值类型 column: a focus only for a framework whose table has it.
_TYPE_MISTAKES = ("I05 declared 定量, text value", "typing 指标值类型 as the row is")

SHAPE_MISTAKES = ("I01 required 一级 missing", "I12 fewer than 3", "I01 no indicator at all", "I14 mostly 定性",
                  "I15 满意 outside 满意度指标", "typing blank row between", "typing 出错说明 on an empty row")


@st.composite
def indicator_row(draw, r: Row, force: str | None) -> tuple[Cells, list[str]]:
    """One indicator row: the clean row of ``r.spec``, one mistake (``force``, or drawn among those
    that apply here), the way its number was entered."""
    spec = r.spec
    if spec.qualitative:
        value = Typed(spec.text_value)
    else:
        n = draw(st.integers(spec.low, spec.high))
        if spec.unit == "万元" and r.budget is not None:
            n = max(0, min(n, int(r.budget)))
        value = draw(number_entry(n, percent=spec.unit == "%"))
    cells: Cells = {
        "level1": Typed(r.level1), "level2": Typed(r.level2), "name": Typed(spec.name),
        "description": Typed(spec.description), "operator": Typed(spec.operator), "value": value,
        "unit": Typed(spec.unit), "value_note": BLANK,
        "basis": Typed(draw(st.sampled_from(r.fw.basis_suggestions))), "explanation": BLANK,
    }
    tags = [f"typing 指标值 {_kind(value)}"] if _kind(value) != "typed" else []
    applicable = [name for name, m in ROW_MISTAKES.items() if m.applies(r) and name != "I10 duplicate name"]
    mistake = force if force is not None else _pick(draw, applicable, None, len(applicable))
    if mistake != "clean":
        ROW_MISTAKES[mistake].apply(draw, cells, r)
        tags.append(mistake)
    habit = "typing 一级/二级 blank (same as above)"
    if (mistake != habit and ROW_MISTAKES[habit].applies(r) and not mistake.startswith("I02")
            and draw(st.integers(0, 2)) == 0):  # a common habit besides any other mistake
        ROW_MISTAKES[habit].apply(draw, cells, r)
        tags.append(habit)
    return cells, tags


def _rows_of(fw: Framework, picks: list[tuple[str, str, Spec]], budget: float | None) -> list[Row]:
    previous: list[tuple[str, str] | None] = [None, *[(l1, l2) for l1, l2, _ in picks[:-1]]]
    return [Row(fw, l1, l2, spec, prev, i == 0, budget)
            for i, ((l1, l2, spec), prev) in enumerate(zip(picks, previous))]


@st.composite
def indicator_rows(draw, fw: Framework, budget: float | None,
                   force: str | None) -> tuple[list[tuple[int, Cells]], list[str]]:
    """The indicator table: up to 11 rows covering the required 一级 (unless a mistake drops one),
    each with its own drawn mistake; ``force`` puts one mistake on a row where it applies (a row
    that allows it is added when none does)."""
    # a row mistake needs rows: when one is the focus, the table is not left empty
    shapes = [m for m in SHAPE_MISTAKES if force not in ROW_MISTAKES or m != "I01 no indicator at all"]
    shape = _pick(draw, shapes, force, 2 * len(shapes))
    tags = [] if shape == "clean" else [shape]
    if shape == "I01 no indicator at all":
        return [], tags
    picks: list[tuple[str, str, Spec]] = []
    dropped = draw(st.sampled_from(fw.level1_names)) if shape == "I01 required 一级 missing" else None
    for level1, level2s in fw.levels:
        if level1 == dropped:
            continue
        for _ in range(draw(st.integers(1, 3))):
            level2 = draw(st.sampled_from(level2s))
            spec = draw(st.sampled_from(_SPECS[level2]))
            if all(spec.name != s.name for _, _, s in picks):  # a careful unit names each indicator once (I10)
                picks.append((level1, level2, spec))
    if shape == "I12 fewer than 3":
        picks = picks[: draw(st.integers(1, 2))]
    if shape == "I14 mostly 定性":  # 时效指标 sits under 产出指标 in both shipped frameworks
        picks += [("产出指标", "时效指标", _SPECS["时效指标"][1])] * (len(picks) + 1)
    if shape == "I15 满意 outside 满意度指标":
        picks.append((fw.levels[1][0], fw.levels[1][1][0], _SPECS["服务对象满意度指标"][0]))
    picks = picks[:10]
    row_force: dict[int, str] = {}
    if force in ROW_MISTAKES:
        if force == "I10 duplicate name" and picks:
            picks.append(picks[draw(st.integers(0, len(picks) - 1))])
        else:
            fits = [i for i, r in enumerate(_rows_of(fw, picks, budget)) if ROW_MISTAKES[force].applies(r)]
            if not fits:  # add a row where it applies, e.g. a 满意度 row for I09
                options = [(l1, l2, s) for l1, l2s in fw.levels for l2 in l2s for s in _SPECS[l2]]
                fitting = [o for o in options if ROW_MISTAKES[force].applies(_rows_of(fw, [*picks, o], budget)[-1])]
                picks.append(draw(st.sampled_from(fitting)))
                fits = [len(picks) - 1]
            row_force[draw(st.sampled_from(fits))] = force
    rows: list[tuple[int, Cells]] = []
    gap_at = draw(st.integers(1, max(1, len(picks) - 1))) if shape == "typing blank row between" else -1
    offset = 0
    for i, r in enumerate(_rows_of(fw, picks, budget)):
        if i == gap_at:
            offset += 1
        cells, row_tags = draw(indicator_row(r, row_force.get(i)))
        rows.append((offset, cells))
        tags += row_tags
        offset += 1
    if shape == "typing 出错说明 on an empty row":
        rows.append((offset + 1, {**{k: BLANK for k in INDICATOR_FIELDS}, "explanation": Typed("已说明")}))
    if force == "I10 duplicate name":
        tags.append(force)
    return rows, tags


# ============================================================ strategies: a project sheet

_NAMES = ("城区道路改造工程", "农村饮水安全巩固提升", "职业技能培训补贴", "老旧小区改造", "学生营养改善计划补助",
          "河道综合治理", "公共文化服务体系建设", "基层医疗卫生机构运行补助", "困难群众救助", "森林防火能力建设",
          "智慧城市管理平台运维经费（二期）", "O'Brien 交流项目", "“十四五”规划编制",
          "高新技术产业开发区企业研发费用后补助资金项目")

SPEND_MISTAKES = ("P01 does not reach 100", "P01 not filled", "P02 above 100", "P02 not a number", "P03 decreasing")


@st.composite
def spend_plan(draw, fw: Framework, force: str | None) -> tuple[tuple[Typed, ...], list[str]]:
    """Per-period shares adding to 100, or cumulative shares ending at 100, then a mistake."""
    k = len(fw.milestones)
    cumulative = fw.spend_mode == "cumulative"
    names = SPEND_MISTAKES if cumulative else SPEND_MISTAKES[:-1]
    mistake = _pick(draw, names, force, len(names))
    cuts = sorted(draw(st.lists(st.sampled_from(range(0, 101, 5)), min_size=k - 1, max_size=k - 1)))
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100])]
    values: list[float | str | None] = list(shares)
    if cumulative:
        values = [sum(shares[: i + 1]) for i in range(k)]
    if mistake == "P01 does not reach 100":
        i = k - 1 if cumulative else draw(st.sampled_from([j for j in range(k) if shares[j] > 0]))
        values[i] = values[i] - min(values[i], draw(st.sampled_from((10, 30, 0.5))))
    elif mistake == "P01 not filled":
        values = [None] * k
    elif mistake == "P02 above 100":
        values[-1] = draw(st.sampled_from((120, 150)))
    elif mistake == "P02 not a number":
        values[draw(st.integers(0, k - 1))] = draw(st.sampled_from(("三成", "30%以上", "待定")))
    elif mistake == "P03 decreasing":
        i = draw(st.integers(1, k - 2))
        values[i] = max(0, values[i - 1] - 10)
    tags = [] if mistake == "clean" else [mistake]
    out = []
    for v in values:
        if v is None or (not cumulative and v == 0 and draw(st.booleans())):
            out.append(BLANK)  # a zero share is often left blank
        elif isinstance(v, str):
            out.append(Typed(v))
        else:
            entry = draw(number_entry(v, percent=True))
            if _kind(entry) != "typed":
                tags.append(f"typing spend {_kind(entry)}")
            out.append(entry)
    return tuple(out), sorted(set(tags), key=tags.index)


FUNDS_MISTAKES = ("F01 total ≠ fiscal + other", "F02 total blank", "F02 total not a number", "F02 negative",
                  "typing other blank", "typing funds grouped with a leading zero")


@st.composite
def funds(draw, force: str | None) -> tuple[tuple, tuple[Typed, Typed, Typed], list[str]]:
    """The register's amounts (then locked) or amounts typed by the unit, with a mistake."""
    fiscal = draw(st.integers(10, 900))
    other = draw(st.sampled_from((0, 0, 5, 20, 100)))
    total = fiscal + other
    where = ("typed" if force in FUNDS_MISTAKES
             else draw(st.sampled_from(("register", "register", "typed", "total only"))))
    if where == "register":
        return (float(total), float(fiscal), float(other)), (BLANK, BLANK, BLANK), []
    mistake = _pick(draw, FUNDS_MISTAKES, force, len(FUNDS_MISTAKES))
    typed = [draw(number_entry(total)), draw(number_entry(fiscal)), draw(number_entry(other)) if other else BLANK]
    if mistake == "F01 total ≠ fiscal + other":
        typed[0] = Typed(total + draw(st.sampled_from((1, 10, 0.5))))
    elif mistake == "F02 total blank":
        typed[0] = BLANK
    elif mistake == "F02 total not a number":
        typed[0] = Typed(draw(st.sampled_from(("一百万", "待定", "100万元"))))
    elif mistake == "F02 negative":
        typed[1], typed[2], typed[0] = Typed(fiscal + 5), Typed(-5), Typed(fiscal)
    elif mistake == "typing other blank":
        typed[2] = BLANK
        typed[0] = Typed(fiscal)
    elif mistake == "typing funds grouped with a leading zero":  # "0,105" is 105 to check's parser
        typed[0] = Typed(f"0,{total:03d}" if total < 1000 else f"{total:,}", "pasted")
    tags = [] if mistake == "clean" else [mistake]
    tags += [f"typing funds {_kind(t)}" for t in typed if t.how != "typed"]
    if where == "total only":  # the register gives the total; the unit splits it
        register = (float(total), None, None)
        typed[0] = BLANK
        if mistake in ("F02 total blank", "F02 total not a number"):
            tags.remove(mistake)
        if mistake == "F01 total ≠ fiscal + other":
            typed[1] = Typed(fiscal + 10)
        if mistake == "typing other blank":
            typed[1] = Typed(total)
    else:
        register = (None, None, None)
    return register, tuple(typed), tags


GOAL_MISTAKES = ("G01 goals blank", "G01 goals only spaces", "G01 goals ideographic space", "G02 placeholder",
                 "G03 other year", "G04 vague", "G05 repeats purpose")


@st.composite
def goals_text(draw, name: str, purpose: str | None, force: str | None) -> tuple[Typed, list[str]]:
    mistake = _pick(draw, GOAL_MISTAKES, force, len(GOAL_MISTAKES))
    clean = "1.按计划完成全部建设任务，验收合格率100%\n2.年底前资金支付率达到95%"
    text = {"clean": clean, "G01 goals blank": None, "G01 goals only spaces": "   ",
            "G01 goals ideographic space": "\u3000", "G02 placeholder": "目标内容1",
            "G03 other year": "2021年完成全部建设任务", "G04 vague": "进一步提高服务水平",
            "G05 repeats purpose": purpose or name}[mistake]
    return Typed(text), ([] if mistake == "clean" else [mistake])


def focuses(fw: Framework) -> list[str | None]:
    """Every mistake a project fill can be built around, for ``fw``; None: no focus."""
    spend = SPEND_MISTAKES if fw.spend_mode == "cumulative" else SPEND_MISTAKES[:-1]
    typed = "value_type" in dict(extra_columns(fw))
    rows = [m for m in ROW_MISTAKES if typed or m not in _TYPE_MISTAKES]
    return [None, *FUNDS_MISTAKES, *spend, *GOAL_MISTAKES, *SHAPE_MISTAKES, *rows]


@st.composite
def project_fill(draw, fw: Framework, focus: str | None = None) -> ProjectFill:
    """One project sheet as one unit filled it: every part draws its own mistake, and ``focus`` (a
    mistake of any part) is certain to be among them."""
    name = draw(st.sampled_from(_NAMES))
    register, typed_funds, tags = draw(funds(focus))
    purpose_in_register = draw(st.booleans())
    purpose = "用于" + name[:8] + "相关支出"
    spend, spend_tags = draw(spend_plan(fw, focus))
    goals, goal_tags = draw(goals_text(name, purpose, focus))
    budget = register[0] if register[0] is not None else (typed_funds[0].value if isinstance(typed_funds[0].value,
                                                                                            (int, float)) else None)
    rows, row_tags = draw(indicator_rows(fw, budget, focus))
    return ProjectFill(
        name=name, register_funds=register, register_purpose=purpose if purpose_in_register else None,
        funds=typed_funds, purpose=BLANK if purpose_in_register else Typed(purpose),
        spend=spend, goals=goals, rows=tuple((o, tuple(c.items())) for o, c in rows),
        mistakes=tuple(tags + spend_tags + goal_tags + row_tags))


DEPT_MISTAKES = ("G01 overall blank", "G01 overall only spaces", "G06 no sections", "G06 no measures",
                 "section without goal", "goal without section")


@st.composite
def dept_fill(draw, fw: Framework, focus: str | None = None) -> DeptFill:
    """部门整体绩效目标 with a mistake: goal blank or only spaces, a 科室 without goal (or the
    reverse), no sections, no measures."""
    mistake = _pick(draw, DEPT_MISTAKES, focus, len(DEPT_MISTAKES) // 2)
    overall = {"G01 overall blank": BLANK, "G01 overall only spaces": Typed("  ")}.get(
        mistake, Typed("2024年完成年度重点工作任务，预算执行率不低于95%。"))
    n_sections = 0 if mistake == "G06 no sections" else draw(st.integers(1, 4))
    sections = [(Typed(f"第{i + 1}科"), Typed(f"全年完成第{i + 1}科重点任务{i + 2}项。")) for i in range(n_sections)]
    if mistake == "section without goal":
        sections[-1] = (sections[-1][0], BLANK)
    if mistake == "goal without section":
        sections[0] = (BLANK, sections[0][1])
    n_measures = 0 if mistake == "G06 no measures" else draw(st.integers(1, 3))
    measures = tuple(Typed(f"完善制度，加强管理（{i + 1}）。") for i in range(n_measures))
    return DeptFill(overall, tuple(sections), measures, () if mistake == "clean" else (mistake,))


# ============================================================ the corpus


def collect(strategy: st.SearchStrategy, n: int, seed: int) -> list:
    """``n`` distinct examples of ``strategy``, the same ones for the same ``seed``.

    The examples are only recorded here (no file, no LibreOffice), so hypothesis runs its generation
    at full speed and every later step can treat the lot as one batch. Shrinking is switched off: it
    would need the verdict of each example, and that takes LibreOffice (see the module docstring).
    """
    out: list = []
    if n <= 0:
        return out

    @hypothesis_seed(seed)
    @settings(max_examples=n, derandomize=False, database=None, deadline=None,
              phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
    @given(strategy)
    def record(example):
        out.append(example)

    record()
    return out[:n]


def collect_focused(make: Callable[[str | None], st.SearchStrategy], names: Sequence[str | None], n: int,
                    seed: int) -> list:
    """``n`` examples, each built around one of ``names`` in turn (round robin), so every mistake
    gets its share however hypothesis' generation leans; each name's examples are one hypothesis run
    (its first example is the simplest fill that carries the mistake)."""
    per = [n // len(names) + (i < n % len(names)) for i in range(len(names))]
    drawn = [collect(make(name), k, seed * 1000 + i) for i, (name, k) in enumerate(zip(names, per))]
    return [drawn[i % len(names)][i // len(names)] for i in range(n)]


@dataclass
class WorkbookPlan:
    """One workbook to write: a unit of one framework, its department fill and its project fills."""

    framework: Framework
    unit_code: str
    dept: DeptFill
    projects: list[ProjectFill]

    @property
    def sheet_names(self) -> list[str]:
        return project_sheet_names([p.name for p in self.projects])

    def unit(self) -> UnitData:
        """The register's part: what the office prefills and locks."""
        projects = [Project(code=f"130811{BUDGET_YEAR % 100:02d}P{int(self.unit_code) * 100 + i:012d}", name=p.name,
                            funds=Funds(*p.register_funds), purpose=p.register_purpose)
                    for i, p in enumerate(self.projects)]
        return UnitData(budget_year=BUDGET_YEAR, framework=self.framework.id,
                        unit=Unit(self.unit_code, f"差异测试单位{self.unit_code}"), projects=projects)

    def fill(self, sheet: str) -> ProjectFill | DeptFill | None:
        if sheet == DEPARTMENT_SHEET:
            return self.dept
        return dict(zip(self.sheet_names, self.projects)).get(sheet)


def build_corpus(n_fills: int = DEFAULT_FILLS, seed: int = 0,
                 frameworks: Sequence[str] = FRAMEWORKS) -> list[WorkbookPlan]:
    """``n_fills`` project fills split between the frameworks, grouped into workbooks of 8 to 21
    project sheets, each with a department fill. Fill ids are "<framework>#<index>". Each framework
    and each kind of fill gets its own hypothesis seed derived from ``seed``, so the two frameworks'
    fills are not drawn from the same choices."""
    plans: list[WorkbookPlan] = []
    per_fw = [n_fills // len(frameworks) + (i < n_fills % len(frameworks)) for i in range(len(frameworks))]
    for k, (fid, n) in enumerate(zip(frameworks, per_fw)):
        if n == 0:
            continue  # fewer fills than frameworks
        fw = perfxl.load_framework(fid)
        fills = collect_focused(lambda focus: project_fill(fw, focus), focuses(fw), n, seed * 100 + 2 * k)
        fills = [replace(f, id=f"{fid}#{i}") for i, f in enumerate(fills)]
        sizes: list[int] = []
        while sum(sizes) < len(fills):
            sizes.append(SHEETS_PER_WORKBOOK[len(sizes) % len(SHEETS_PER_WORKBOOK)])
        depts = collect_focused(lambda focus: dept_fill(fw, focus), [None, *DEPT_MISTAKES], len(sizes),
                                seed * 100 + 2 * k + 1)
        # Dealt round the workbooks like cards, so one workbook holds fills of many focuses.
        hands: list[list[ProjectFill]] = [[] for _ in sizes]
        order = [w for i in range(max(sizes)) for w, size in enumerate(sizes) if i < size]
        for fill, w in zip(fills, order):
            hands[w].append(fill)
        for w, hand in enumerate(hands):
            dept = replace(depts[w % len(depts)], id=f"{fid}#dept{w}")
            plans.append(WorkbookPlan(fw, f"{900 + k}{w:03d}", dept, hand))
    return plans


# ============================================================ writing the fills into the template


def _put(ws, span: Span, typed: Typed) -> None:
    """Make one entry in an input cell (:func:`store`); refuse a locked cell (a person cannot type there)."""
    cell = ws.cell(span.row + 1, span.col + 1)
    if cell.protection.locked:
        raise AssertionError(f"harness would write into locked cell {ws.title}!{span.a1}")
    value, number_format = store(typed, cell.number_format)
    cell.value = value
    if number_format != cell.number_format:
        cell.number_format = number_format


def _write_project(ws, fw: Framework, fill: ProjectFill) -> None:
    L = ProjectLayout(fw)
    for span, typed, register in ((L.total, fill.funds[0], fill.register_funds[0]),
                                  (L.fiscal, fill.funds[1], fill.register_funds[1]),
                                  (L.other, fill.funds[2], fill.register_funds[2])):
        if register is None and typed.value is not None:
            _put(ws, span, typed)
    if fill.register_purpose is None and fill.purpose.value is not None:
        _put(ws, L.purpose, fill.purpose)
    for span, typed in zip(L.milestones, fill.spend):
        if typed.value is not None:
            _put(ws, span, typed)
    if fill.goals.value is not None:
        _put(ws, L.goals, fill.goals)
    cols, extra = L.columns, dict(L.extra_columns)  # 指标值类型 … right of the helpers (issue 13)
    for offset, cells in fill.row_cells():
        row = L.first_indicator_row + offset
        for name, typed in cells.items():
            if typed.value is not None:
                _put(ws, Span(row, extra[name] if name in extra else getattr(cols, name)), typed)


def _write_department(ws, fw: Framework, fill: DeptFill) -> None:
    L = DepartmentLayout(fw)
    if fill.overall.value is not None:
        _put(ws, L.overall, fill.overall)
    for row, (name, goal) in zip(L.section_rows, fill.sections):
        for span, typed in ((L.section_name(row), name), (L.section_goal(row), goal)):
            if typed.value is not None:
                _put(ws, span, typed)
    for row, m in zip(L.measure_rows, fill.measures):
        _put(ws, L.measure(row), m)


def check_rows(ws, last_row: int) -> list[int]:
    """Rows (0-based) above the status row whose 自查 cell holds a formula in the template."""
    out = []
    for r in range(last_row):
        v = ws.cell(r + 1, CHECK_COL + 1).value
        if (isinstance(v, str) and v.startswith("=")) or type(v).__name__ == "ArrayFormula":
            out.append(r)
    return out


def write_filled(plan: WorkbookPlan, path: Path) -> dict[str, list[int]]:
    """The unit's template (perfxl's writer) with the plan's fills typed into it by openpyxl.

    Returns, per data sheet, the rows that carry a 自查 formula (read from the template, not assumed).
    """
    fw = plan.framework
    template = perfxl.render_workbook(plan.unit(), fw)
    wb = load_workbook(io.BytesIO(template))
    rows: dict[str, list[int]] = {}
    dept = wb[DEPARTMENT_SHEET]
    _write_department(dept, fw, plan.dept)
    rows[DEPARTMENT_SHEET] = check_rows(dept, DepartmentLayout(fw).status_row)
    for sheet, fill in zip(plan.sheet_names, plan.projects):
        ws = wb[sheet]
        _write_project(ws, fw, fill)
        rows[sheet] = check_rows(ws, ProjectLayout(fw).status_row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return rows


# ============================================================ LibreOffice: one batch

RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


def recalc_profile(folder: Path) -> Path:
    """A LibreOffice profile that recalculates every formula on load (OOXMLRecalcMode=0, "always"):
    the values a person sees after opening the file, whatever the file's cached results say."""
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(RECALC_XCU, encoding="utf-8")
    return folder


def recalc_batch(soffice: str, paths: Sequence[Path], out_dir: Path, profile: Path | None = None,
                 timeout: float = 1800) -> list[Path]:
    """Open and re-save every workbook in one ``soffice`` process (its start-up costs more than a
    conversion), recalculating on load; returns the re-saved files in the order given."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = profile or recalc_profile(out_dir.parent / ".lo-recalc-profile")
    proc = subprocess.run([soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
                           "--convert-to", "xlsx", "--outdir", str(out_dir), *map(str, paths)],
                          capture_output=True, text=True, timeout=timeout)
    outs = [out_dir / p.name for p in paths]
    missing = [p.name for p in outs if not p.is_file()]
    if proc.returncode != 0 or missing:
        raise RuntimeError(f"LibreOffice did not re-save {missing or 'every file'} (exit {proc.returncode}): "
                           f"{proc.stderr.strip()[-500:]}")
    return outs


# ============================================================ the marks: the one place that reads them

MARK_SEVERITY = {CHECK_ERROR: "error", CHECK_WARNING: "warning", CHECK_OK: None}


def shown_as(severity: str) -> str:
    """The mark severity a finding of ``severity`` shows as: ✗ for errors, △ for the rest (a
    framework may lower a rule to info; the workbook has no third mark)."""
    return "error" if severity == "error" else "warning"


_CODE = re.compile(r"([A-Z]\d{2})(?![0-9A-Za-z])")
SEPARATOR = "；"
_SEVERITY_RANK = {"error": 0, "warning": 1, None: 2}


@dataclass(frozen=True)
class MarkItem:
    """One finding a 自查 mark shows: its severity (None for ✓) and its code when the mark names one."""

    severity: str | None
    code: str | None
    text: str


def parse_mark(text: Any) -> list[MarkItem]:
    """A 自查 cell's text -> what it reports, worst first as written.

    Today's form is one mark and a message (``✗ 缺三级指标``, ``✓ 资金合计相符``); issue 10's form puts
    the code after the mark and several findings in one cell separated by "；"
    (``✗ P01 各期合计应为100（现为90）；△ I06 …``). A piece that starts with no mark continues the
    previous piece's message. Blank means the row holds nothing to check: no items.
    """
    if text is None or not str(text).strip():
        return []
    items: list[MarkItem] = []
    for piece in str(text).split(SEPARATOR):
        piece = piece.strip()
        mark = piece[:1]
        if mark not in MARK_SEVERITY:
            if not items:
                raise ValueError(f"自查 cell text does not start with a mark: {text!r}")
            last = items.pop()
            items.append(replace(last, text=last.text + SEPARATOR + piece))
            continue
        rest = piece[1:].strip()
        m = _CODE.match(rest)
        code = m.group(1) if m and m.group(1) in CATALOGUE else None
        items.append(MarkItem(MARK_SEVERITY[mark], code, piece))
    return items


def worst(severities: Iterable[str | None]) -> str | None:
    return min(severities, key=lambda s: _SEVERITY_RANK[s], default=None)


_COUNT_TEXT = re.compile(r"(\d+)\s*处")


def status_count(text: Any) -> int | None:
    """"有 6 处需修改" -> 6, "自查通过" -> 0; None for anything else (a broken formula)."""
    if text is None:
        return None
    s = str(text)
    m = _COUNT_TEXT.search(s)
    if m:
        return int(m.group(1))
    return 0 if "自查通过" in s else None


@dataclass
class LiveSheet:
    marks: dict[int, str]      # 0-based row -> the 自查 cell's cached text
    count: Any                 # the sheet's count cell (the number of ✗ the workbook adds up)
    status: Any                # the sheet's status text


@dataclass
class LiveWorkbook:
    sheets: dict[str, LiveSheet]
    status: Any


def read_live(path: Path, fw: Framework, sheets: Sequence[str]) -> LiveWorkbook:
    """What a person sees in the re-saved workbook: marks, counts and statuses (cached values)."""
    wb = load_workbook(path, data_only=True, read_only=True)
    try:
        out: dict[str, LiveSheet] = {}
        for sheet in sheets:
            L = DepartmentLayout(fw) if sheet == DEPARTMENT_SHEET else ProjectLayout(fw)
            ws = wb[sheet]
            grid = {r: row for r, row in enumerate(ws.iter_rows(min_row=1, max_row=L.status_row + 1,
                                                                   max_col=CHECK_COL + 1, values_only=True))}
            marks = {r: grid[r][CHECK_COL] if CHECK_COL < len(grid[r]) else None for r in range(L.status_row)}
            status_row = grid.get(L.status_row, ())
            count, status = (status_row[c] if c < len(status_row) else None for c in (L.error_count.col, L.status.col))
            out[sheet] = LiveSheet(marks, count, status)
        ins = InstructionsLayout()
        row = next(wb[INSTRUCTIONS_SHEET].iter_rows(min_row=ins.status.row + 1, max_row=ins.status.row + 1,
                                                     values_only=True))
        return LiveWorkbook(out, row[ins.status.col])
    finally:
        wb.close()


# ============================================================ what check says, row by row

# The codes whose live form the writer before issue 10 hand-wrote, fully or in part: funds (F01,
# F02 预算数), spend plan (P01, P03), goals (G01, G06), the indicator row (I02 blank levels, I03
# blank name, I04, I05), the per-一级 counts (I01) and the total (I12). Used only where the package
# does not declare its live rules.
TODAY_LIVE = frozenset({"F01", "F02", "P01", "P03", "G01", "G06", "I01", "I02", "I03", "I04", "I05", "I12"})


def live_codes(fw: Framework) -> tuple[frozenset[str], bool]:
    """The codes that run live in ``fw``'s workbooks, and whether the package declares them.

    Declared by the catalogue as ``perfxl rules --format json`` prints it (``perfxl.live.
    rules_catalogue``: ``"live": true`` and not switched off by the framework); before issue 10,
    :data:`TODAY_LIVE`, compared by severity only (the marks carried no code).
    """
    try:
        from perfxl.live import rules_catalogue
    except ImportError:
        return TODAY_LIVE, False
    return frozenset(r["code"] for r in rules_catalogue(fw)
                     if r["live"] and r["setting"] != "off" and r.get("form", "goals") == "goals"), True


def _layout_of(fw: Framework, sheet: str) -> ProjectLayout | DepartmentLayout:
    return DepartmentLayout(fw) if sheet == DEPARTMENT_SHEET else ProjectLayout(fw)


def finding_row(f: Finding, fw: Framework, rows: Sequence[int]) -> int | None:
    """The row whose 自查 cell should show finding ``f``: the row of its cell, except where that row
    carries no 自查 cell and a count row stands for the finding. ``check`` puts I01, I12 and I14 on
    the indicator table's header; the workbook shows I01 for one missing 一级 on that level's count
    row, and I01 "nothing filled", I12 and I14 on the 指标总数 row (perfxl/live.py's contract).
    None when the finding names no cell."""
    if not f.cell:
        return None
    r, _ = rowcol(f.cell)
    if r in rows or f.sheet == DEPARTMENT_SHEET:
        return r  # on 部门整体绩效目标 every finding's cell is on its check's row
    L = ProjectLayout(fw)
    if f.code == "I01":
        params = getattr(f, "params", None) or {}
        named = [params["level1"]] if params.get("level1") else [n for n in fw.level1_names if n in f.message]
        if len(set(named)) == 1 and params.get("variant") != "empty":
            return L.level_count_rows.get(named[0], L.total_count_row)
        return L.total_count_row
    if f.code in ("I12", "I14"):
        return L.total_count_row
    return r


@dataclass
class Expected:
    """The live rules' findings of one checked workbook, by sheet and row."""

    by_row: dict[tuple[str, int], list[Finding]]
    unplaced: list[Finding]
    all_codes: Counter


def expected_findings(findings: Iterable[Finding], fw: Framework, rows: dict[str, list[int]],
                      live: frozenset[str]) -> Expected:
    """check's findings of the live rules, each on the 自查 row that should show it."""
    by_row: dict[tuple[str, int], list[Finding]] = {}
    unplaced: list[Finding] = []
    codes: Counter = Counter()
    for f in findings:
        codes[f.code] += 1
        if f.code not in live:
            continue
        r = finding_row(f, fw, rows.get(f.sheet or "", []))
        if f.sheet not in rows or r not in rows[f.sheet]:
            unplaced.append(f)
        else:
            by_row.setdefault((f.sheet, r), []).append(f)
    return Expected(by_row, unplaced, codes)


# ============================================================ the comparison


@dataclass
class Disagreement:
    kind: str                  # "row", "sheet count", "workbook count", "unplaced", "structure"
    workbook: str
    sheet: str | None
    cell: str | None
    live: Any
    expected: list[Finding]
    note: str = ""
    fill: ProjectFill | DeptFill | None = None
    framework: Framework | None = None

    def signature(self) -> tuple:
        """What kind of disagreement this is, for grouping: the live mark (numbers blanked, so "现为90"
        and "现为70.3" group together) against check's (severity, code) pairs."""
        expected = tuple(sorted({f"{f.code} {f.severity}" for f in self.expected}))
        if self.kind == "row":
            return (self.kind, re.sub(r"\d+(\.\d+)?", "#", str(self.live or "")), expected)
        return (self.kind, self.note.split(";")[-1].strip() if ";" in self.note else "")

    def describe(self, seed: int = 0) -> str:
        lines = [f"{self.kind} disagreement in {self.workbook} (seed {seed})"
                 f", sheet {self.sheet!r}, cell {self.cell}: {self.note}",
                 f"  live 自查: {self.live!r}"]
        lines.append("  perfxl check: " + ("nothing" if not self.expected else ""))
        for f in self.expected:
            lines.append(f"    {f.code} {f.severity} {f.sheet}!{f.cell} {f.message}")
        if self.fill is not None and self.framework is not None:
            lines.append("  the fill:")
            row = rowcol(self.cell)[0] if self.kind == "row" and self.cell else None
            lines.extend("    " + line for line in self.fill.describe(self.framework, row).splitlines())
        return "\n".join(lines)


def _mark_cell(row: int) -> str:
    return a1(row, CHECK_COL)


def compare(plan: WorkbookPlan, name: str, live: LiveWorkbook, findings: list[Finding],
            rows: dict[str, list[int]], codes: frozenset[str], coded: bool) -> tuple[list[Disagreement], Expected]:
    """Every disagreement between the live self-check and ``perfxl check`` for the live rules.

    Per row: with codes in the marks (``coded``), the live rules' (severity, code) pairs must be
    equal; without, the worst severity (✗ error, △ warning, ✓/blank none). Per sheet: its count
    equals check's number of error findings there; the workbook's count equals their sum.
    """
    fw = plan.framework
    exp = expected_findings(findings, fw, rows, codes)
    out: list[Disagreement] = []
    structural = [f for f in findings if f.code.startswith("S")]
    for f in structural:  # the harness only types into input cells: a structural finding is its own bug
        out.append(Disagreement("structure", name, f.sheet, f.cell, None, [f], "the fill broke the template", None, fw))
    for f in exp.unplaced:
        out.append(Disagreement("unplaced", name, f.sheet, f.cell, None, [f], "a live rule's finding names no 自查 row",
                                plan.fill(f.sheet or ""), fw))
    total_expected = 0
    for sheet, sheet_rows in rows.items():
        ls = live.sheets[sheet]
        fill = plan.fill(sheet)
        for r in sheet_rows:
            items = parse_mark(ls.marks.get(r))
            found = exp.by_row.get((sheet, r), [])
            if coded:
                got = sorted((i.severity, i.code) for i in items if i.severity and i.code in codes)
                want = sorted((shown_as(f.severity), f.code) for f in found)
                same = got == want and not any(i.severity and i.code is None for i in items)
            else:
                same = worst(i.severity for i in items) == worst(shown_as(f.severity) for f in found)
            if not same:
                out.append(Disagreement("row", name, sheet, _mark_cell(r), ls.marks.get(r), found,
                                        "row mark and check differ", fill, fw))
        sheet_errors = [f for (s, _), fs in exp.by_row.items() if s == sheet for f in fs if f.severity == "error"]
        total_expected += len(sheet_errors)
        count = ls.count
        if (not isinstance(count, (int, float)) or int(count) != len(sheet_errors)
                or status_count(ls.status) != len(sheet_errors)):
            rows_differ = any(d.kind == "row" and d.sheet == sheet and d.workbook == name for d in out)
            out.append(Disagreement("sheet count", name, sheet, _layout_of(fw, sheet).error_count.a1,
                                    f"count {count!r}, status {ls.status!r}", sheet_errors,
                                    f"live {count!r} vs check {len(sheet_errors)} errors; "
                                    + ("rows differ too" if rows_differ else "every row agrees"), fill, fw))
    total_expected += sum(f.severity == "error" for f in exp.unplaced)
    if status_count(live.status) != total_expected:
        out.append(Disagreement("workbook count", name, INSTRUCTIONS_SHEET, InstructionsLayout().status.a1,
                                live.status, [], f"live {live.status!r} vs check {total_expected} errors; "
                                + ("rows differ too" if any(d.kind == "row" for d in out) else "every row agrees"),
                                None, fw))
    return out, exp


KIND_ORDER = ("structure", "unplaced", "row", "sheet count", "workbook count")


def simplest_first(disagreements: Iterable[Disagreement]) -> list[Disagreement]:
    """Rows before counts, and among them the fills with the fewest drawn mistakes first: what a
    shrinker would print, chosen among the disagreements already found (see the module docstring)."""
    return sorted(disagreements, key=lambda d: (KIND_ORDER.index(d.kind),
                                                len(d.fill.mistakes) if d.fill is not None else 99))


# ============================================================ one run


@dataclass
class RunResult:
    plans: list[WorkbookPlan]
    disagreements: list[Disagreement]
    coded: bool
    codes: frozenset[str]
    findings_by_code: Counter = field(default_factory=Counter)
    live_codes_seen: Counter = field(default_factory=Counter)
    marks_seen: Counter = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    seed: int = 0

    @property
    def fills(self) -> int:
        return sum(len(p.projects) for p in self.plans)

    def groups(self) -> list[tuple[tuple, list[Disagreement]]]:
        by: dict[tuple, list[Disagreement]] = {}
        for d in self.disagreements:
            by.setdefault(d.signature(), []).append(d)
        return sorted(by.items(), key=lambda kv: -len(kv[1]))

    def summary(self, top: int = 25) -> str:
        s = self.seconds
        lines = [f"{self.fills} project fills + {len(self.plans)} department fills in {len(self.plans)} workbooks "
                 f"({', '.join(sorted({p.framework.id for p in self.plans}))}), seed {self.seed}",
                 "time: " + ", ".join(f"{k} {v:.1f} s" for k, v in s.items()),
                 f"live rules ({'declared by the catalogue' if self.coded else 'TODAY_LIVE, severity per row'}): "
                 f"{', '.join(sorted(self.codes))}",
                 "live rules' findings in the corpus: " + ", ".join(
                     f"{c} {self.live_codes_seen[c]}" for c in sorted(self.codes)),
                 f"disagreements: {len(self.disagreements)}"]
        for sig, ds in self.groups()[:top]:
            fills = [d.fill.id for d in simplest_first(ds) if d.fill is not None]
            fills = sorted(set(fills), key=fills.index)
            e = simplest_first(ds)[0]
            lines.append(f"  {len(ds):5d}  {' | '.join(map(str, sig))}   e.g. {e.workbook} {e.sheet}!{e.cell}"
                         f" ({len(fills)} fills{', simplest ' + fills[0] if fills else ''})")
        return "\n".join(lines)


def run(n_fills: int, workdir: Path, soffice: str, *, seed: int = 0,
        plans: list[WorkbookPlan] | None = None, progress: Callable[[str], None] | None = None) -> RunResult:
    """Draw the corpus, write it, recalculate it in one LibreOffice batch, check it and compare."""
    say = progress or (lambda _msg: None)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    plans = plans if plans is not None else build_corpus(n_fills, seed)
    seconds["draw"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    filled_dir, lo_dir = workdir / "filled", workdir / "recalculated"
    rows_of: list[dict[str, list[int]]] = []
    paths: list[Path] = []
    for i, plan in enumerate(plans):
        path = filled_dir / f"wb{i:03d}_{plan.framework.id}.xlsx"
        rows_of.append(write_filled(plan, path))
        paths.append(path)
    seconds["write"] = time.perf_counter() - t0
    say(f"wrote {len(paths)} workbooks in {seconds['write']:.1f} s; LibreOffice recalculates them")

    t0 = time.perf_counter()
    resaved = recalc_batch(soffice, paths, lo_dir, recalc_profile(workdir / "lo-profile"))
    seconds["libreoffice"] = time.perf_counter() - t0
    say(f"LibreOffice re-saved {len(resaved)} workbooks in {seconds['libreoffice']:.1f} s; comparing")

    declared = {fid: live_codes(perfxl.load_framework(fid)) for fid in {p.framework.id for p in plans}}
    result = RunResult(plans, [], all(c for _, c in declared.values()),
                       frozenset().union(*(codes for codes, _ in declared.values())), seed=seed)
    t0 = time.perf_counter()
    for plan, rows, path in zip(plans, rows_of, resaved):
        codes, coded = declared[plan.framework.id]
        checked = perfxl.check_file(path, framework=plan.framework)
        live = read_live(path, plan.framework, list(rows))
        found, exp = compare(plan, path.name, live, checked.report.findings, rows, codes, coded)
        result.disagreements += found
        result.findings_by_code.update(exp.all_codes)
        result.live_codes_seen.update(f.code for fs in exp.by_row.values() for f in fs)
        result.marks_seen.update(i.severity or "ok" for sheet, rs in rows.items() for r in rs
                                 for i in parse_mark(live.sheets[sheet].marks.get(r)))
    seconds["check+compare"] = time.perf_counter() - t0
    result.seconds = seconds
    result.disagreements = simplest_first(result.disagreements)
    return result


def only(plans: list[WorkbookPlan], fill_id: str) -> list[WorkbookPlan]:
    """The one fill ``fill_id`` (a project or a department fill) alone in a workbook of its own."""
    for plan in plans:
        if plan.dept.id == fill_id:
            return [WorkbookPlan(plan.framework, plan.unit_code, plan.dept, plan.projects[:1])]
        for p in plan.projects:
            if p.id == fill_id:
                return [WorkbookPlan(plan.framework, plan.unit_code, plan.dept, [p])]
    raise SystemExit(f"no fill {fill_id!r} in this corpus (ids look like {plans[0].projects[0].id})")


# ============================================================ the self-evaluation (issue 14)
#
# The same comparison over the second form: a unit's 绩效自评 workbook made by ``template --form
# selfeval`` from generated approved goals, filled with openpyxl (only unlocked input cells, as
# :func:`_put` types), recalculated by LibreOffice in one batch, then every live E mark, each sheet's
# count and the workbook's status are compared with ``perfxl check`` (the E rules that
# ``perfxl rules`` calls live), and every score cell the workbook computed (执行率, 预算执行率 得分,
# each 得分, 总分, 等级) with ``score_project`` over what the reader made of the same file. The fills
# are drawn by a seeded ``random.Random``: each entry picks one of the ways a unit fills that cell
# (right, wrong by one rule, typed with a habit: "96%", full-width digits, the unit after the number,
# text numbers, a comment after a grade); ``SelfEvalFill.entries`` lists what was drawn.

SE_PROJECTS_PER_WORKBOOK = (4, 7)
SE_DEFAULT_FILLS = 120
_UNITS = ("%", "%", "万元", "个", "次", "人", "元")
_GRADE_TEXTS = ("达成", "部分达成", "未达成", "部分达成，因工期顺延", "达成。已全部完成", "基本达成", "效果明显")


@dataclass(frozen=True)
class SelfEvalFill:
    """One project sheet of a self-evaluation: the approved project (goals JSON) and the entries typed."""

    id: str
    project: dict                                # the approved project, as unit-goals JSON
    entries: tuple[tuple[str, Typed], ...]       # (what, entry): "budget", "actual 3", "points 0", …

    def describe(self) -> str:
        lines = [f"fill {self.id}: project {self.project['name']}"]
        for i, ind in enumerate(self.project["indicators"]):
            lines.append(f"  target {i}: {ind['level1']}/{ind['level2']}/{ind['name']} {ind['operator']} "
                         f"{ind['value']!r} {ind['unit'] or ''}")
        lines += [f"  {what}: {typed.show()}" for what, typed in self.entries]
        return "\n".join(lines)


@dataclass
class SelfEvalPlan:
    framework: Framework
    unit_code: str
    fills: list[SelfEvalFill]

    def goals(self) -> dict:
        return {"budget_year": BUDGET_YEAR, "framework": self.framework.id, "money_unit": "万元",
                "unit": {"code": self.unit_code, "name": f"自评测试单位{self.unit_code}", "department_code": "115",
                         "department_name": "测试主管部门"},
                "department_goals": {"overall": "完成年度工作任务。", "sections": [], "measures": []},
                "projects": [f.project for f in self.fills]}


def _se_indicator(rng, fw: Framework, i: int) -> dict:
    level1, level2s = rng.choice(fw.levels)
    level2 = rng.choice(level2s)
    cost = level1 == "成本指标" or level2 in fw.cost_level2
    op = "≤" if cost else rng.choice(("≥", "≥", "≥", "≤", "=", ">", "<", "定性"))
    if op == "定性":
        return units_ind(level1, level2, f"定性指标{i}", "定性", "保障到位", None)
    unit = "万元" if cost else rng.choice(_UNITS)
    value = rng.choice((90, 95, 100, 80)) if unit == "%" else rng.choice((1, 3, 4, 12, 50, 120, 0.5, 0))
    name = f"{level2[:2]}{'完成率' if unit == '%' and rng.random() < 0.5 else '指标'}{i}"
    return units_ind(level1, level2, name, op, value, unit)


def units_ind(level1, level2, name, operator, value, unit) -> dict:
    return {"level1": level1, "level2": level2, "name": name, "description": None, "operator": operator,
            "value": value, "unit": unit, "value_note": None, "basis": "计划标准"}


def _se_project(rng, fw: Framework, k: int) -> dict:
    total = rng.choice((10, 30, 100, 250.5))
    n = rng.randint(3, 9)
    inds = [_se_indicator(rng, fw, i) for i in range(n)]
    goals = [f"完成第{j + 1}项年度任务，按期拨付资金" for j in range(rng.randint(1, 3))]
    return {"code": f"13081123P{k:012d}", "name": f"自评项目{k}", "funds": {"total": total, "fiscal": total, "other": None},
            "purpose": "项目用途", "spend_plan": dict(zip(fw.milestones, [100] + [None] * (len(fw.milestones) - 1)))
            if fw.spend_mode != "cumulative" else {m: 100 for m in fw.milestones},
            "goals": goals, "indicators": inds}


def _fw_digits(x: float) -> str:
    return fullwidth(_num_text(x))


def _se_amount(rng, near: float) -> Typed:
    pick = rng.random()
    if pick < 0.55:
        return Typed(near)
    if pick < 0.65:
        return Typed(_num_text(near), "pasted")
    if pick < 0.72:
        return Typed(_fw_digits(near), "pasted")
    if pick < 0.78:
        return BLANK
    if pick < 0.84:
        return Typed(-5)
    if pick < 0.9:
        return Typed("约" + _num_text(near), "pasted")
    return Typed(f"{near:,.2f}", "pasted")


def _se_actual(rng, ind: dict, far: float) -> Typed:
    if ind["operator"] == "定性":
        pick = rng.random()
        if pick < 0.1:
            return BLANK
        if pick < 0.15:
            return Typed(1)
        return Typed(rng.choice(_GRADE_TEXTS))
    t, unit = ind["value"], ind["unit"]
    good = t if t else 1
    choices = [
        lambda: Typed(good), lambda: Typed(good), lambda: Typed(round(good * rng.uniform(0.3, 0.99), 2)),
        lambda: Typed(round(good * rng.uniform(far, far + 2), 1)), lambda: Typed(0), lambda: BLANK,
        lambda: Typed(f"{_num_text(good)}%"),                      # typed "96%": the text cell keeps it
        lambda: Typed(f"{_num_text(good)}{unit or ''}"),            # the unit after the number
        lambda: Typed(f"{_num_text(good)} 元" if unit != "元" else f"{_num_text(good)}个"),  # another unit
        lambda: Typed(_fw_digits(good), "pasted"), lambda: Typed(good, "pasted"),
        lambda: Typed(round(good / 100, 4), "pasted"),              # a percent-formatted fraction pasted
        lambda: Typed(f"约{_num_text(good)}"), lambda: Typed("四次"), lambda: Typed(f"≥{_num_text(good)}"),
        lambda: Typed("1e2"), lambda: Typed("1,234"), lambda: Typed(150),
    ]
    return rng.choice(choices)()


def _se_points(rng, prefilled: Any) -> Typed | None:
    pick = rng.random()
    if pick < 0.8:
        return None  # left as prefilled
    return rng.choice((BLANK, Typed("十"), Typed(_num_text(prefilled), "pasted"), Typed(prefilled + 1),
                       Typed(round(prefilled - 0.5, 2))))


def _se_achievement(rng, goals: list[str]) -> Typed:
    pick = rng.random()
    if pick < 0.55:
        return Typed("全年完成各项任务，资金按期拨付，群众满意。")
    if pick < 0.65:
        return BLANK
    if pick < 0.8:
        return Typed(f"1. {goals[0]}。")
    if pick < 0.9:
        return Typed("（1）" + "；".join(goals))
    return Typed(" " + goals[-1].replace("，", ", "))


def build_selfeval_corpus(n_fills: int = SE_DEFAULT_FILLS, seed: int = 0) -> list[SelfEvalPlan]:
    """Workbooks of 4 to 7 project fills each, dealt over the shipped frameworks; the same for a seed."""
    import random

    from perfxl.model import unit_from_dict
    from perfxl.selfeval_model import selfeval_from_goals
    from perfxl.selfeval_scoring import scoring_of

    rng = random.Random(seed)
    plans: list[SelfEvalPlan] = []
    made, k = 0, 0
    while made < n_fills:
        fw = perfxl.load_framework(FRAMEWORKS[len(plans) % len(FRAMEWORKS)])
        far = scoring_of(fw).far_beyond
        size = min(SE_PROJECTS_PER_WORKBOOK[len(plans) % 2], n_fills - made)
        projects = []
        for _ in range(size):
            k += 1
            projects.append(_se_project(rng, fw, k))
        plan = SelfEvalPlan(fw, f"9{len(plans):05d}", [])
        se = selfeval_from_goals(unit_from_dict(plan.goals() | {"projects": projects}), fw)
        for j, (proj, p) in enumerate(zip(projects, se.projects)):
            entries: list[tuple[str, Typed]] = []
            budget = _se_amount(rng, proj["funds"]["total"])
            near = budget.value if isinstance(budget.value, (int, float)) else proj["funds"]["total"]
            entries.append(("budget", budget))
            entries.append(("executed", _se_amount(rng, round(near * rng.choice((0.98, 1, 0.5, 1.2)), 2))))
            pts = _se_points(rng, p.funds.points)
            if pts is not None:
                entries.append(("funds points", pts))
            entries.append(("achievement", _se_achievement(rng, proj["goals"])))
            for i, (ind, row) in enumerate(zip(proj["indicators"], p.indicators)):
                entries.append((f"actual {i}", _se_actual(rng, ind, far)))
                pts = _se_points(rng, row.points)
                if pts is not None:
                    entries.append((f"points {i}", pts))
                if rng.random() < 0.5:
                    entries.append((f"reason {i}", Typed("受客观因素影响，下年度改进")))
            plan.fills.append(SelfEvalFill(f"{fw.id}#se{k - size + j + 1}", proj, tuple(entries)))
        plans.append(plan)
        made += size
    return plans


def write_selfeval_filled(plan: SelfEvalPlan, path: Path) -> list[str]:
    """The plan's template written by perfxl, the entries made with openpyxl; returns the sheets."""
    from perfxl.model import unit_from_dict
    from perfxl.selfeval_layout import SelfEvalProjectLayout, selfeval_sheet_names
    from perfxl.selfeval_model import selfeval_from_goals
    from perfxl.selfeval_writer import render_selfeval_workbook

    fw = plan.framework
    se = selfeval_from_goals(unit_from_dict(plan.goals()), fw)
    wb = load_workbook(io.BytesIO(render_selfeval_workbook(se, fw)))
    L = SelfEvalProjectLayout(fw)
    names = selfeval_sheet_names([f.project["name"] for f in plan.fills])
    for name, fill in zip(names, plan.fills):
        ws = wb[name]
        for what, typed in fill.entries:
            field_name, _, index = what.partition(" ")
            if what == "budget" or what == "executed":
                span = L.fund("total", what)
            elif what == "funds points":
                span = L.fund("total", "points")
            elif what == "achievement":
                span = L.achievement
            else:
                span = L.indicator(L.indicator_rows[int(index)], field_name)
            _put(ws, span, typed)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return names


@dataclass
class SelfEvalRun:
    plans: list[SelfEvalPlan]
    disagreements: list[str]
    live_codes_seen: Counter
    scores_compared: int
    seed: int = 0

    @property
    def fills(self) -> int:
        return sum(len(p.fills) for p in self.plans)


def _same_number(a: Any, b: Any) -> bool:
    if a in (None, "") or b in (None, ""):
        return a in (None, "") and b in (None, "")
    return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= 1e-9


def compare_selfeval(plan: SelfEvalPlan, path: Path, names: list[str]) -> tuple[list[str], Counter, int]:
    """Every disagreement of one recalculated self-evaluation: marks (exact text), counts, statuses and
    scores; with the codes of the live findings check reported and how many score cells were compared."""
    from perfxl.live import SELFEVAL_LIVE_CODES, expected_marks, mark_text
    from perfxl.selfeval_layout import SelfEvalProjectLayout
    from perfxl.selfeval_rules import score_project
    from perfxl.selfeval_scoring import scoring_of

    fw = plan.framework
    L = SelfEvalProjectLayout(fw)
    checked = perfxl.check_file(path, framework=fw)
    findings = checked.report.findings
    out: list[str] = []
    seen: Counter = Counter(f.code for f in findings if f.code in SELFEVAL_LIVE_CODES)
    for f in findings:
        if f.code.startswith("S") or f.code == "E03":
            out.append(f"{path.name}: check reports {f.code} at {f.sheet}!{f.cell}: {f.message}")
    want = expected_marks(findings, fw)
    wb = load_workbook(path, data_only=True, read_only=True)
    total_errors = 0
    try:
        for name, fill in zip(names, plan.fills):
            ws = wb[name]
            grid = [list(r) for r in ws.iter_rows(min_row=1, max_row=L.status_row + 1, max_col=CHECK_COL + 1,
                                                  values_only=True)]
            rows = [L.fund_row("total"), L.achievement.row, L.header_row,
                    *L.indicator_rows[:len(fill.project["indicators"])]]
            for r in rows:
                got = grid[r][CHECK_COL] if CHECK_COL < len(grid[r]) else None
                items = want.get((name, r), [])
                expected = mark_text(items) if items or r != L.header_row else None
                if (got or None) != expected:
                    out.append(f"{path.name} {name}!{_mark_cell(r)}: live {got!r}, check {expected!r}\n"
                               + fill.describe())
            errors = sum(1 for (s, _), items in want.items() if s == name for sev, _, _ in items if sev == "error")
            total_errors += errors
            status = grid[L.status_row]
            if status[L.error_count.col] != errors or status_count(status[L.status.col]) != errors:
                out.append(f"{path.name} {name}: count {status[L.error_count.col]!r} / {status[L.status.col]!r}, "
                           f"check {errors} errors\n" + fill.describe())
        ins = InstructionsLayout()
        row = next(wb[INSTRUCTIONS_SHEET].iter_rows(min_row=ins.status.row + 1, max_row=ins.status.row + 1,
                                                     values_only=True))
        if status_count(row[ins.status.col]) != total_errors:
            out.append(f"{path.name}: workbook status {row[ins.status.col]!r}, check {total_errors} errors")
    finally:
        wb.close()
    compared = 0
    scoring = scoring_of(fw)
    for fill, p in zip(plan.fills, checked.unit.projects):
        c = score_project(scoring, p)
        pairs = [("执行率", p.funds.rate, c.rate), ("预算执行率得分", p.funds.score, c.funds_score),
                 ("总分", p.total_score, c.total)]
        pairs += [(f"得分 {i}", row.score, s) for i, (row, s) in enumerate(zip(p.indicators, c.scores))]
        for what, shown, computed in pairs:
            compared += 1
            if not _same_number(shown, computed):
                out.append(f"{path.name} {fill.id} {what}: workbook {shown!r}, score_project {computed!r}\n"
                           + fill.describe())
        compared += 1
        if (p.grade or None) != c.grade:
            out.append(f"{path.name} {fill.id} 等级: workbook {p.grade!r}, score_project {c.grade!r}\n" + fill.describe())
    return out, seen, compared


def run_selfeval(n_fills: int, workdir: Path, soffice: str, *, seed: int = 0) -> SelfEvalRun:
    """Draw, write, recalculate in one LibreOffice batch, check and compare the self-evaluation fills."""
    plans = build_selfeval_corpus(n_fills, seed)
    paths, sheets = [], []
    for i, plan in enumerate(plans):
        path = workdir / "se-filled" / f"se{i:03d}_{plan.framework.id}.xlsx"
        sheets.append(write_selfeval_filled(plan, path))
        paths.append(path)
    resaved = recalc_batch(soffice, paths, workdir / "se-recalculated", recalc_profile(workdir / "lo-profile"))
    result = SelfEvalRun(plans, [], Counter(), 0, seed)
    for plan, names, path in zip(plans, sheets, resaved):
        found, seen, compared = compare_selfeval(plan, path, names)
        result.disagreements += found
        result.live_codes_seen.update(seen)
        result.scores_compared += compared
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Differential test of issue 10: live 自查 marks vs perfxl check, "
                                                 "on generated fills recalculated by LibreOffice.")
    parser.add_argument("--fills", type=int, default=DEFAULT_FILLS, help="project fills (split between frameworks)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0, as the test)")
    parser.add_argument("--only", help="replay one fill by id, e.g. mof-2021#12 or hebei-2023#dept3")
    parser.add_argument("--keep", type=Path, help="folder to keep the workbooks in (default: a temporary one)")
    parser.add_argument("--show", type=int, default=3, help="disagreements to print in full")
    parser.add_argument("--top", type=int, default=40, help="groups of disagreements to list")
    parser.add_argument("--selfeval", action="store_true", help="the self-evaluation's fills instead (issue 14)")
    args = parser.parse_args(argv)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("LibreOffice (soffice) not found: apt-get install -y libreoffice-calc-nogui", file=sys.stderr)
        return 2
    import tempfile

    if args.selfeval:
        with tempfile.TemporaryDirectory(prefix="perfxl-diff-se-") as tmp:
            se = run_selfeval(args.fills if args.fills != DEFAULT_FILLS else SE_DEFAULT_FILLS, args.keep or Path(tmp),
                              soffice, seed=args.seed)
            print(f"{se.fills} self-evaluation fills in {len(se.plans)} workbooks, seed {se.seed}; "
                  f"{se.scores_compared} score cells; live findings: {dict(sorted(se.live_codes_seen.items()))}; "
                  f"disagreements: {len(se.disagreements)}")
            for d in se.disagreements[: args.show]:
                print("\n" + d)
        return 1 if se.disagreements else 0

    plans = build_corpus(args.fills, args.seed)
    if args.only:
        plans = only(plans, args.only)
    with tempfile.TemporaryDirectory(prefix="perfxl-diff-") as tmp:
        workdir = args.keep or Path(tmp)
        result = run(args.fills, workdir, soffice, seed=args.seed, plans=plans,
                     progress=lambda m: print(m, file=sys.stderr))
        print(result.summary(args.top))
        for d in result.disagreements[: args.show]:
            print()
            print(d.describe(args.seed))
        if args.keep:
            print(f"\nworkbooks kept in {workdir}")
    return 1 if result.disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
