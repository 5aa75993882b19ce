"""A unit's 项目支出绩效自评表 as a Word document (and PDF): the self-evaluation's render.

Laid out as the MoF template that provinces adapt (财预〔2020〕10号 附件): per project a title
(项目支出绩效自评表, the year), then one table: 项目名称/项目编码, 主管部门/实施单位; 项目资金 with
年初预算数, 全年预算数, 全年执行数, 分值, 执行率 and 得分 by source (年度资金总额; 其中：当年财政拨款,
上年结转资金, 其他资金); 年度总体目标 (预期目标 | 实际完成情况); 绩效指标 (一级, 二级, 三级, 年度指标值,
实际完成值, 分值, 得分, 偏差原因分析及改进措施); 总分 and 自评等级.

What the unit typed (amounts, actuals, 分值, texts) is shown as typed; 执行率, every 得分, 总分 and
自评等级 are those :func:`perfxl.selfeval_rules.score_project` computes, the declarations the
workbook's formulas are written from, so the document agrees with the workbook and with ``check``.

Everything that is not about this form is the goal document's (:mod:`perfxl.render`): document and
styles (``new_document``, fonts from the framework's ``document`` section), cells and tables
(``_write``, ``ragged_table``, merges, row properties), numbers (``_num``, ``_money``), the page
number footer and the deterministic package (``finish_document``).
"""
from __future__ import annotations

from typing import Any, Sequence

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from .frameworks import DEFAULT_FRAMEWORK, Framework, shipped_framework
from .render import (_fix_cell_widths, _is_number, _merge, _money, _num, _page_break_before, _page_number_footer,
                     _row_props, _run, _runs, _write, cm_edges, document_fonts, finish_document, grid_widths,
                     new_document, ragged_table)
from .selfeval_model import FUND_LINES, EvalIndicator, EvalProject, SelfEvalUnit
from .selfeval_rules import ProjectScores, score_project
from .selfeval_scoring import Scoring, kind_of, scoring_of
from .selfeval_writer import target_text

__all__ = ["render_selfeval_document", "selfeval_document_filename", "selfeval_framework", "SELFEVAL_TITLE",
           "FUND_LABELS", "FUND_HEADINGS", "INDICATOR_HEADINGS"]

SELFEVAL_TITLE = "项目支出绩效自评表"
_SIZE = 9  # 小五: nine columns on 16 cm, as the printed forms have it

# Cell widths (cm) of the two kinds of row; every other row's edges are taken from these.
_LABEL = 1.6  # 项目资金（万元） / 年度总体目标 / 绩效指标: four characters a line
_FUNDS_CM = (_LABEL, 3.1) + (11.3 / 6,) * 6   # source | 年初预算数 全年预算数 全年执行数 分值 执行率 得分
_INDICATORS_CM = (_LABEL, 1.85, 1.55, 2.35, 1.9, 1.9, 1.1, 1.2, 2.55)  # 一级 holds 满意度指标

FUND_LABELS = {"total": "年度资金总额", "fiscal": "其中：当年财政拨款", "carryover": "上年结转资金", "other": "其他资金"}
FUND_HEADINGS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
INDICATOR_HEADINGS = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                      "偏差原因分析及改进措施")
_HEADING_LINES = {"偏差原因分析及改进措施": ["偏差原因分析", "及改进措施"]}


def selfeval_framework(unit: SelfEvalUnit, framework: Framework | None = None) -> Framework:
    """``framework``, else the shipped framework the self-evaluation names (an id, never opened as a
    path: the file is the sender's), else the default. The scores need it: FrameworkError (a
    PerfxlError naming the id) when the id is unknown."""
    return framework or shipped_framework(unit.framework or DEFAULT_FRAMEWORK)


def selfeval_document_filename(unit: SelfEvalUnit) -> str:
    """Default file name, 单位编码 first as the workbooks: ``<code>_<name>_<year>年度项目支出绩效自评表.docx``."""
    from .text import filename_part

    return (f"{filename_part(unit.unit.code, 40)}_{filename_part(unit.unit.name)}_{unit.budget_year}年度"
            f"{SELFEVAL_TITLE}.docx")


def render_selfeval_document(unit: SelfEvalUnit, *, framework: Framework | None = None) -> bytes:
    """The unit's 项目支出绩效自评表 (one per project, each from a new page) as .docx bytes;
    deterministic: the same self-evaluation gives the same bytes. Text is cleaned first, as for the
    goal document (python-docx refuses control characters)."""
    from .text import clean_unit

    fw = selfeval_framework(unit, framework)
    scoring = scoring_of(fw)
    unit, _ = clean_unit(unit)
    fonts = document_fonts(unit, fw)  # type: ignore[arg-type] - the framework's document section
    doc = new_document(fonts)
    _page_number_footer(doc.sections[0])
    for n, project in enumerate(unit.projects):
        _title(doc, unit, fonts[1], new_page=n > 0)
        _project_table(doc, unit, project, scoring)
    if not unit.projects:
        _title(doc, unit, fonts[1], new_page=False)
    return finish_document(doc, f"{unit.unit.name}{unit.budget_year}年度{SELFEVAL_TITLE}", SELFEVAL_TITLE)


def _title(doc: Any, unit: SelfEvalUnit, heading_font: str, *, new_page: bool) -> None:
    p = doc.add_paragraph()
    if new_page:
        _page_break_before(p)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = True
    _run(p, SELFEVAL_TITLE, font=heading_font, size=18)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(6)
    p.paragraph_format.keep_with_next = True
    _run(p, f"（{unit.budget_year}年度）", size=14)


# ---------------------------------------------------------------- the table

def _rows(project: EvalProject) -> tuple[list[list[int]], dict[str, Any]]:
    """Each row's cell edges (twips) and where each block starts: the form's rows, top to bottom."""
    F, I = cm_edges(_FUNDS_CM), cm_edges(_INDICATORS_CM)
    rows: list[list[int]] = []
    at: dict[str, Any] = {}

    def add(name: str, edges: list[int], count: int = 1) -> None:
        at[name] = len(rows)
        rows.extend([edges] * count)

    add("name", [F[0], F[1], F[4], F[5], F[8]])          # 项目名称 | name | 项目编码 | code (21 digits)
    add("department", [F[0], F[1], F[4], F[5], F[8]])    # 主管部门 | … | 实施单位 | …
    add("funds", F, 1 + len(FUND_LINES))                 # heading row, then one row a source
    add("goals", [F[0], F[1], F[4], F[8]], 2)            # 预期目标 | 实际完成情况, then the texts
    add("indicators", I, 1 + len(project.indicators))    # heading row, then one row an indicator
    add("total", [I[0], I[6], I[7], I[8], I[9]])         # 总分 | Σ 分值 | 总分 | —
    add("grade", [I[0], I[6], I[9]])                     # 自评等级 | grade
    return rows, at


def _project_table(doc: Any, unit: SelfEvalUnit, p: EvalProject, scoring: Scoring) -> Any:
    edges, at = _rows(p)
    table, starts = ragged_table(doc, edges)

    def cell(r: int, k: int) -> Any:
        return table.cell(r, starts[r][k])

    def write(c: Any, text: str | Sequence[str], align: str = "center", bold: bool = False) -> None:
        _write(c, text, align=align, bold=bold, size=_SIZE)

    def label(first: int, count: int, text: str | Sequence[str]) -> None:  # the left column, merged down
        write(_merge(table, first, 0, first + count - 1, 0), text, bold=True)

    computed = score_project(scoring, p)
    r = at["name"]
    for k, text in enumerate(("项目名称", p.name, "项目编码", p.code)):
        write(cell(r, k), text, bold=k % 2 == 0)
    r = at["department"]
    for k, text in enumerate(("主管部门", unit.unit.department_name or "", "实施单位", unit.unit.name)):
        write(cell(r, k), text, bold=k % 2 == 0)
    _funds(cell, write, at["funds"], p, computed)
    label(at["funds"], 1 + len(FUND_LINES), ["项目资金", f"（{unit.money_unit}）"])
    r = at["goals"]
    write(cell(r, 1), "预期目标", bold=True)
    write(cell(r, 2), "实际完成情况", bold=True)
    write(cell(r + 1, 1), [f"{i}.{g}" for i, g in enumerate(p.goals, 1)] or [""], align="left")
    write(cell(r + 1, 2), (p.achievement or "").split("\n"), align="left")
    label(r, 2, ["年度", "总体目标"])
    _indicators(table, starts, write, at["indicators"], p, computed)
    label(at["indicators"], 1 + len(p.indicators), ["绩效", "指标"])
    r = at["total"]
    write(cell(r, 0), "总分", bold=True)
    write(cell(r, 1), _points_total(p, scoring))
    write(cell(r, 2), _num(computed.total), bold=True)
    write(cell(r, 3), "")
    r = at["grade"]
    write(cell(r, 0), "自评等级", bold=True)
    write(cell(r, 1), computed.grade or "", bold=True)
    _fix_cell_widths(table, grid_widths(table))
    for row in table.rows:
        _row_props(row, min_height=0.7)
    doc.add_paragraph()
    return table


def _funds(cell: Any, write: Any, first: int, p: EvalProject, computed: ProjectScores) -> None:
    """项目资金: the heading row, then 年度资金总额 (with 分值, 执行率 and 得分) and the three sources (—)."""
    write(cell(first, 1), "")
    for k, text in enumerate(FUND_HEADINGS, start=2):
        write(cell(first, k), text, bold=True)
    for r, line in enumerate(FUND_LINES, start=first + 1):
        fl = p.funds.line(line)
        write(cell(r, 1), FUND_LABELS[line], align="left")
        for k, value in enumerate((fl.initial, fl.budget, fl.executed), start=2):
            write(cell(r, k), _money(value))
        if line == "total":
            rate = "" if computed.rate is None else f"{_num(computed.rate)}%"
            shown = (_num(p.funds.points), rate, _num(computed.funds_score))
        else:
            shown = ("—", "—", "—")
        for k, text in enumerate(shown, start=5):
            write(cell(r, k), text)


def _indicators(table: Any, starts: list[list[int]], write: Any, first: int, p: EvalProject,
                computed: ProjectScores) -> None:
    """绩效指标: the heading row, one row an indicator; 一级 merged over equal neighbours, 二级 within them."""
    def cell(r: int, k: int) -> Any:
        return table.cell(r, starts[r][k])

    for k, text in enumerate(INDICATOR_HEADINGS, start=1):
        write(cell(first, k), _HEADING_LINES.get(text, text), bold=True)
    rows = p.indicators
    for r, (row, score) in enumerate(zip(rows, computed.scores), start=first + 1):
        ind = row.target
        texts = (ind.name or "", target_text(ind), actual_text(row), _num(row.points), _num(score))
        for k, text in enumerate(texts, start=3):
            write(cell(r, k), text)
        write(cell(r, 8), row.reason or "", align="left")
    level1, level2 = starts[first][1], starts[first][2]
    top = first + 1
    for a, b in _runs([row.target.level1 for row in rows]):
        write(_merge(table, top + a, level1, top + b, level1), rows[a].target.level1 or "")
        for x, y in _runs([row.target.level2 for row in rows[a:b + 1]]):
            write(_merge(table, top + a + x, level2, top + a + y, level2), rows[a + x].target.level2 or "")


def actual_text(row: EvalIndicator) -> str:
    """实际完成值 as the printed form shows it: a number with the target's 计量单位 ("96%", "12项"), a
    定性 grade or any text as typed, blank when not filled."""
    a = row.actual
    if a is None:
        return ""
    if _is_number(a) and kind_of(row.target) != "qualitative":
        return f"{_num(a)}{row.target.unit or ''}"
    return str(a).strip() if not _is_number(a) else _num(a)


def _points_total(p: EvalProject, scoring: Scoring) -> str:
    """Σ 分值 (预算执行率 and every indicator), blank unless every 分值 is a number."""
    from .selfeval_scoring import excel_round, number

    parts = [number(p.funds.points), *[number(row.points) for row in p.indicators]]
    if any(x is None for x in parts):
        return ""
    return _num(excel_round(sum(parts), scoring.decimals))  # type: ignore[arg-type]
