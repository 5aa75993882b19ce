"""The official document (部门预算绩效文本) of one unit as a Word file, and optionally as PDF.

Laid out as the documents finance offices publish: a cover page (unit, "{year}年部门预算绩效文本",
"…编制", "…审核"), a 目录, 第一部分 部门整体绩效目标 (总体绩效目标, one 分项绩效目标 per 科室,
工作保障措施) and 第二部分 预算项目绩效目标 with two tables per project (the goal table and the
indicator table). The 指标值 cell is written back as one text the way the published documents show
it (``≥80 财政拨入资金支付80%以上``), with a space between the value and its note so that the
importer can split them again.

Output is deterministic: the same unit gives the same bytes (fixed core properties, fixed zip
entry times), so documents can be compared and cached.
"""
from __future__ import annotations

import io
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, Twips

from .errors import PerfxlError
from .i18n import t
from .frameworks import OPERATOR_FROM_JSON
from .frameworks import Framework
from .model import Indicator, Project, UnitData, indicator_tables

if TYPE_CHECKING:
    from .selfeval_model import SelfEvalUnit

__all__ = ["render_document", "render_to_file", "document_filename", "indicator_value_text",
           "chinese_numeral", "document_fonts", "indicator_columns", "DEFAULT_MILESTONES"]

DEFAULT_MILESTONES = ("3月底", "6月底", "10月底", "12月底")

# Defaults as GB/T 9704 (党政机关公文格式) sets them; a framework's "document" section can name others.
BODY_FONT = "仿宋"
HEADING_FONT = "黑体"

# A4 with the margins of a typical 部门预算 document; all widths below are in twips (1/1440 inch).
PAGE_WIDTH, PAGE_HEIGHT = Cm(21), Cm(29.7)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Cm(2.8), Cm(2.5), Cm(2.5), Cm(2.5)
TEXT_WIDTH = int(round((21 - 2.5 - 2.5) / 2.54 * 1440))  # 16 cm
_TABLE1_LABEL = int(round(2.7 / 2.54 * 1440))  # 项目编码 / 预算规模及资金用途 / … column
_CELL_MARGIN = 68  # twips (0.12 cm) left and right in every table cell
_TABLE2_COLUMNS = (2.1, 2.2, 2.5, 3.5, 3.2, 2.5)  # cm; 一级 二级 三级 描述 指标值 依据 = 16 cm
_TABLE2_HEADERS = ("一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据")

_FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_TABLE_STYLE = "perfxl 表格文字"
_BODY_STYLE = "perfxl 正文"

_DIGITS = "零一二三四五六七八九"


# --- text formatting ---------------------------------------------------------------------------

def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (for 一、二、… and （一）（二）…)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        if rest == 0:
            tail = ""
        elif rest < 10:
            tail = "零" + _DIGITS[rest]
        else:
            tail = (_DIGITS[1] if rest < 20 else "") + chinese_numeral(rest)
        return _DIGITS[hundreds] + "百" + tail
    return str(n)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _num(v: Any) -> str:
    """A number as people write it: 80.0 → "80", 0.5 → "0.5", no exponent; text stays as typed."""
    if v is None:
        return ""
    if not _is_number(v):
        return str(v)
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    try:
        d = Decimal(repr(v)).normalize()
    except InvalidOperation:  # pragma: no cover - repr of a finite float is always a Decimal
        return str(v)
    text = format(d, "f")
    return "0" if text in ("-0", "") else text


def _money(v: Any) -> str:
    """Funds with two decimals ("5295.00"); blank when None; raw text as typed."""
    if v is None:
        return ""
    if _is_number(v) and math.isfinite(v):
        return f"{Decimal(repr(v)):.2f}"
    return str(v)


def _percent(v: Any) -> str:
    """Spend plan share: 20 → "20%"; blank when None; raw text as typed."""
    if v is None:
        return ""
    if _is_number(v):
        return _num(v) + "%"
    return str(v)


def indicator_value_text(ind: Indicator) -> str:
    """The 指标值 cell as one text: "≥80 财政拨入资金支付80%以上", "≤20%", or the 定性 text.

    A single space separates the value (with its unit) from the note, so an importer can tell
    ``≥80%`` + ``以上群众满意`` from a unit that happens to be followed by text.
    """
    if ind.operator == "定性" or (ind.operator is None and ind.value is None):
        # a qualitative target is its text, wherever the unit wrote it: in 指标值, in 指标值说明, or both
        parts = [str(x).strip() for x in (ind.value, ind.value_note) if x is not None and str(x).strip()]
        return " ".join(dict.fromkeys(parts))
    op = OPERATOR_FROM_JSON.get(ind.operator, ind.operator or "") if ind.operator else ""
    head = f"{op}{_num(ind.value)}{ind.unit or ''}"
    note = (ind.value_note or "").strip()
    if note:
        return f"{head} {note}" if head else note
    return head


def _milestones(project: Project) -> list[str]:
    return list(project.spend_plan) if project.spend_plan else list(DEFAULT_MILESTONES)


def _cover_unit(unit: UnitData) -> str:
    return unit.unit.department_name or unit.unit.name


# --- low-level docx helpers --------------------------------------------------------------------

def _set_fonts(rpr_owner: Any, font: str) -> None:
    """Set ascii/hAnsi/eastAsia/cs fonts on an element with rPr (style or run), dropping theme fonts."""
    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)


def _run(paragraph: Any, text: str, *, font: str | None = None, size: float | None = None,
         bold: bool | None = None) -> Any:
    run = paragraph.add_run(text)
    if font:
        _set_fonts(run._r, font)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    return run


def _child(parent: Any, tag: str, **attrs: str) -> Any:
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(k), v)
    parent.append(el)
    return el


# Schema order of tcPr children (CT_TcPr), so elements added by hand land where Word expects them.
_TCPR_ORDER = [qn(t) for t in ("w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders",
                               "w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText",
                               "w:vAlign", "w:hideMark")]


def _sort_tcpr(tcPr: Any) -> None:
    children = list(tcPr)
    children.sort(key=lambda el: _TCPR_ORDER.index(el.tag) if el.tag in _TCPR_ORDER else len(_TCPR_ORDER))
    for el in children:
        tcPr.remove(el)
    for el in children:
        tcPr.append(el)


def _no_borders(cell: Any, sides: Iterable[str]) -> None:
    tcPr = cell._tc.get_or_add_tcPr()
    borders = tcPr.find(qn("w:tcBorders"))
    if borders is None:
        borders = _child(tcPr, "w:tcBorders")
    for side in sides:
        _child(borders, f"w:{side}", **{"w:val": "nil"})
    _sort_tcpr(tcPr)


def _new_table(doc: Any, rows: int, widths: Sequence[int]) -> Any:
    """A bordered ('Table Grid'), centred, fixed-layout table whose grid columns have ``widths`` twips."""
    table = doc.add_table(rows=rows, cols=len(widths))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tblPr = table._tbl.tblPr
    tblW = tblPr.find(qn("w:tblW"))
    if tblW is None:
        tblW = _child(tblPr, "w:tblW")
    tblW.set(qn("w:type"), "dxa")
    tblW.set(qn("w:w"), str(sum(widths)))
    for col, w in zip(table.columns, widths):
        col.width = Twips(w)
    # Narrower cell margins than Word's 0.19 cm, so four-character labels fit on one line.
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        _child(mar, f"w:{side}", **{"w:w": str(_CELL_MARGIN), "w:type": "dxa"})
    anchor = tblPr.find(qn("w:tblLook"))
    if anchor is not None:
        anchor.addprevious(mar)
    else:
        tblPr.append(mar)
    return table


def cm_edges(widths_cm: Sequence[float], total: int = TEXT_WIDTH) -> list[int]:
    """The cell edges (twips from the left) of cells ``widths_cm`` wide, the last edge at ``total``:
    rounded from the running sum, so rows that share an edge in cm share it in twips."""
    edges, at = [0], 0.0
    for w in widths_cm[:-1]:
        at += w
        edges.append(int(round(at / 2.54 * 1440)))
    return edges + [total]


def ragged_table(doc: Any, rows: Sequence[Sequence[int]]) -> tuple[Any, list[list[int]]]:
    """A bordered table whose rows cut the width differently (a funds block of seven cells above an
    indicator table of nine), as official forms are drawn: ``rows`` gives each row's cell edges in
    twips (cm_edges); the grid has a column between every two edges of any row, and each row's cells
    are merged across the grid columns they cover. Returns the table and, per row, the grid column
    where each of its cells starts (for ``table.cell(r, starts[r][k])`` and vertical merges).
    Call _fix_cell_widths(table, widths) after any further merging."""
    bounds = sorted({e for edges in rows for e in edges})
    table = _new_table(doc, len(rows), [b - a for a, b in zip(bounds, bounds[1:])])
    starts: list[list[int]] = []
    for r, edges in enumerate(rows):
        cols = [bounds.index(e) for e in edges]
        for a, b in zip(cols, cols[1:]):
            if b - a > 1:
                _merge(table, r, a, r, b - 1)
        starts.append(cols[:-1])
    return table, starts


def grid_widths(table: Any) -> list[int]:
    """The grid column widths (twips) of a table made by _new_table or ragged_table."""
    return [int(gc.get(qn("w:w"))) for gc in table._tbl.tblGrid.iter(qn("w:gridCol"))]


def _fix_cell_widths(table: Any, widths: Sequence[int]) -> None:
    """tcW of every cell = the sum of the grid columns it spans (after merging)."""
    for tr in table._tbl.tr_lst:
        col = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            tc.width = Twips(sum(widths[col:col + span]))
            _sort_tcpr(tc.get_or_add_tcPr())
            col += span


def _merge(table: Any, r0: int, c0: int, r1: int, c1: int) -> Any:
    a, b = table.cell(r0, c0), table.cell(r1, c1)
    return a if a._tc is b._tc else a.merge(b)


def _write(cell: Any, text: str | Sequence[str], *, align: str = "center", bold: bool = False,
           size: float | None = None) -> None:
    """Put text in a cell (one paragraph per line) in the table text style, vertically centred."""
    lines = [text] if isinstance(text, str) else list(text)
    lines = [part for line in lines for part in str(line).split("\n")] or [""]
    paragraphs = cell.paragraphs
    for extra in paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    first = paragraphs[0]
    for r in list(first.runs):
        r._r.getparent().remove(r._r)
    alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT,
                 "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    for i, line in enumerate(lines):
        p = first if i == 0 else cell.add_paragraph()
        p.style = _TABLE_STYLE
        p.alignment = alignment
        if line:
            _run(p, line, bold=bold or None, size=size)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


_TRPR_ORDER = [qn(t) for t in ("w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter",
                               "w:cantSplit", "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc",
                               "w:hidden")]


def _wrap_at(cell: Any, width: int, chars: int, size: float = 10.5) -> None:
    """Indent the cell's paragraphs so a line holds ``chars`` Chinese characters (``width`` twips)."""
    usable = (width - 2 * _CELL_MARGIN) / 20  # points
    indent = (usable - (chars + 0.5) * size) / 2
    if indent > 0:
        for par in cell.paragraphs:
            par.paragraph_format.left_indent = par.paragraph_format.right_indent = Pt(round(indent, 1))


def _row_props(row: Any, *, header: bool = False, min_height: float | None = None) -> None:
    """Rows never break across pages; header rows repeat on each page; an optional minimum height (cm)."""
    if min_height:
        row.height = Cm(min_height)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    trPr = row._tr.get_or_add_trPr()
    if trPr.find(qn("w:cantSplit")) is None:
        trPr.append(OxmlElement("w:cantSplit"))
    if header and trPr.find(qn("w:tblHeader")) is None:
        trPr.append(OxmlElement("w:tblHeader"))
    children = sorted(trPr, key=lambda el: _TRPR_ORDER.index(el.tag) if el.tag in _TRPR_ORDER else 99)
    for el in children:
        trPr.remove(el)
    for el in children:
        trPr.append(el)


# --- document setup ----------------------------------------------------------------------------

def _setup_styles(doc: Any, body_font: str = BODY_FONT, heading_font: str = HEADING_FONT) -> None:
    BODY_FONT, HEADING_FONT = body_font, heading_font  # noqa: N806 - the framework's fonts for this document
    styles = doc.styles
    # Document defaults: the body font, Chinese language (so renderers choose Simplified Chinese glyphs).
    rpr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr_default.find(qn("w:rFonts"))
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), BODY_FONT)
    lang = rpr_default.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    ppr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr_default.find(qn("w:spacing"))
    if spacing is not None:
        ppr_default.remove(spacing)

    normal = styles["Normal"]
    _set_fonts(normal.element, BODY_FONT)
    normal.font.size = Pt(12)
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing = 1.0
    pf.widow_control = True

    body = styles.add_style(_BODY_STYLE, 1)  # WD_STYLE_TYPE.PARAGRAPH
    body.base_style = normal
    body.font.size = Pt(14)
    _set_fonts(body.element, BODY_FONT)
    bf = body.paragraph_format
    bf.first_line_indent = Pt(28)
    bf.line_spacing_rule = WD_LINE_SPACING.ONE_POINT_FIVE
    bf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    table_text = styles.add_style(_TABLE_STYLE, 1)
    table_text.base_style = normal
    table_text.font.size = Pt(10.5)
    _set_fonts(table_text.element, BODY_FONT)
    table_text.paragraph_format.line_spacing = 1.0

    for name, size, before, after in (("Heading 1", 22, 24, 24), ("Heading 2", 16, 12, 6),
                                      ("Heading 3", 14, 6, 0)):
        st = styles[name]
        _set_fonts(st.element, HEADING_FONT)
        st.font.size = Pt(size)
        st.font.bold = False  # 黑体 is bold by design; synthetic bold smears the strokes
        st.font.color.rgb = None
        color = st.element.rPr.find(qn("w:color"))
        if color is not None:
            st.element.rPr.remove(color)
        st.paragraph_format.space_before = Pt(before)
        st.paragraph_format.space_after = Pt(after)
        st.paragraph_format.line_spacing = 1.5 if name != "Heading 1" else 1.2
    styles["Heading 1"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styles["Heading 2"].paragraph_format.first_line_indent = Pt(32)
    styles["Heading 3"].paragraph_format.first_line_indent = Pt(28)
    # The linked character styles carry theme fonts too; make them agree with their paragraph styles.
    for name, font in (("Heading 1 Char", HEADING_FONT), ("Heading 2 Char", HEADING_FONT),
                       ("Heading 3 Char", HEADING_FONT)):
        try:
            _set_fonts(styles[name].element, font)
        except KeyError:
            pass
    footer = styles["Footer"]
    _set_fonts(footer.element, BODY_FONT)
    footer.font.size = Pt(10.5)


def _setup_section(section: Any) -> None:
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance, section.footer_distance = Cm(1.5), Cm(1.5)


def _restart_numbering(section: Any) -> None:
    sectPr = section._sectPr
    pg = OxmlElement("w:pgNumType")
    pg.set(qn("w:start"), "1")
    cols = sectPr.find(qn("w:cols"))
    if cols is not None:
        cols.addprevious(pg)
    else:
        doc_grid = sectPr.find(qn("w:docGrid"))
        if doc_grid is not None:
            doc_grid.addprevious(pg)
        else:
            sectPr.append(pg)


def _page_number_footer(section: Any) -> None:
    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    p.style = "Footer"
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, "— ")
    fld = _child(p._p, "w:fldSimple", **{"w:instr": " PAGE "})
    r = _child(fld, "w:r")
    _child(r, "w:t").text = "1"
    p._p.append(OxmlElement("w:r"))
    last = p._p[-1]
    _child(last, "w:t", **{"xml:space": "preserve"}).text = " —"


def _page_break_before(paragraph: Any) -> Any:
    paragraph.paragraph_format.page_break_before = True
    return paragraph


# --- the document ------------------------------------------------------------------------------

def _cover(doc: Any, unit: UnitData, reviewer: str | None, fonts: tuple[str, str] = (BODY_FONT, HEADING_FONT)) -> None:
    BODY_FONT, HEADING_FONT = fonts  # noqa: N806
    name = _cover_unit(unit)
    # Heights in cm of the usable page (24.4 cm) spent on the parts, so the 编制/审核 lines sit
    # near the bottom: unit name 22 pt (≈0.78 cm a character, ≈20 characters a line).
    name_lines = max(1, math.ceil(len(name) / 20))
    title = f"{unit.budget_year}年部门预算绩效文本"
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Cm(5)
    p.paragraph_format.line_spacing = 1.3
    _run(p, name, font=HEADING_FONT, size=22)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Cm(1.2)
    _run(p, title, font=HEADING_FONT, size=26)
    bottom = [f"{name}编制"] + ([f"{reviewer}审核"] if reviewer else [])
    bottom_lines = sum(max(1, math.ceil(len(t) / 28)) for t in bottom)
    used = 5 + name_lines * 1.05 + 1.2 + 1.2 + bottom_lines * 0.9
    gap = max(1.0, 24.4 - 1.2 - used)
    for i, text in enumerate(bottom):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_before = Cm(gap) if i == 0 else Pt(6)
        _run(p, text, font=BODY_FONT, size=16)


_TOC_INSTRUCTION = ' TOC \\o "1-2" \\h \\z \\u '  # headings 1-2: the parts, 一二三、 and the project tables


def _toc_entries(unit: UnitData) -> list[tuple[str, int]]:
    """(text, level) of each 目录 entry, in the order of the headings they point to."""
    entries = [("第一部分 部门整体绩效目标", 0)]
    entries += [(text, 1) for text in _department_headings(unit)]
    entries.append(("第二部分 预算项目绩效目标", 0))
    entries += [(f"{n}.{project.name}绩效目标表", 1) for n, project in enumerate(unit.projects, 1)]
    return entries


def _department_headings(unit: UnitData) -> list[str]:
    """第一部分's headings: 一二三, and 四、部门整体绩效指标 where the department gives its own indicators."""
    heads = ["一、总体绩效目标", "二、分项绩效目标", "三、工作保障措施"]
    return heads + ([_DEPT_INDICATORS] if unit.department_goals.indicators else [])


_DEPT_INDICATORS = "四、部门整体绩效指标"


def _bookmark_name(i: int) -> str:
    return f"_Toc{100000001 + i}"  # Word's own prefix: a TOC field with \h links to _Toc bookmarks


def _field(p: Any, instruction: str, result: str | None = None, *, begin: bool = True, end: bool = True) -> None:
    """Runs of a complex field: begin, the instruction, separate, its cached result, end."""
    if begin:
        _child(_child(p._p, "w:r"), "w:fldChar", **{"w:fldCharType": "begin"})
        _child(_child(p._p, "w:r"), "w:instrText", **{"xml:space": "preserve"}).text = instruction
        _child(_child(p._p, "w:r"), "w:fldChar", **{"w:fldCharType": "separate"})
    if result is not None:
        _child(_child(p._p, "w:r"), "w:t", **{"xml:space": "preserve"}).text = result
    if end:
        _child(_child(p._p, "w:r"), "w:fldChar", **{"w:fldCharType": "end"})


def _contents(doc: Any, unit: UnitData, fonts: tuple[str, str], *, toc_field: bool = True,
              pages: Sequence[int] | None = None) -> None:
    """目录: a real TOC field (Word's 更新域 rebuilds it from the headings), its entries each with a
    PAGEREF to its heading's bookmark. LibreOffice keeps a TOC field's text as it is stored but
    computes PAGEREF fields when it lays the pages out, so the PDF is made from the same entries
    without the TOC wrapper (``toc_field=False``, render_to_file) and shows the real page numbers;
    ``pages`` are the numbers stored in the .docx (read back from that PDF)."""
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER

    body_font, heading_font = fonts
    p = _page_break_before(doc.add_paragraph())
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(24)
    _run(p, "目    录", font=heading_font, size=22)
    entries = _toc_entries(unit)
    for i, (text, level) in enumerate(entries):
        q = doc.add_paragraph()
        q.paragraph_format.left_indent = Pt(28 * level)
        q.paragraph_format.space_before = Pt(12 if level == 0 and i else 0)
        q.paragraph_format.line_spacing = 1.5
        q.paragraph_format.tab_stops.add_tab_stop(Twips(TEXT_WIDTH), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        if i == 0 and toc_field:
            _field(q, _TOC_INSTRUCTION, end=False)
        _run(q, text, font=heading_font if level == 0 else body_font, size=14)
        _run(q, "\t", font=body_font, size=14)
        page = str(pages[i]) if pages is not None and i < len(pages) else ""
        _field(q, f" PAGEREF {_bookmark_name(i)} \\h ", page)
        if i == len(entries) - 1 and toc_field:
            _field(q, "", begin=False)


def _bookmark(paragraph: Any, i: int) -> None:
    """Mark a heading as the target of 目录 entry ``i``."""
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(i + 1))
    start.set(qn("w:name"), _bookmark_name(i))
    ppr = paragraph._p.find(qn("w:pPr"))
    if ppr is not None:
        ppr.addnext(start)
    else:
        paragraph._p.insert(0, start)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(i + 1))
    paragraph._p.append(end)


def _part_heading(doc: Any, number: str, title: str, *, new_page: bool, divider: bool = False) -> Any:
    p = doc.add_paragraph(style="Heading 1")
    if new_page:
        _page_break_before(p)
    if divider:  # a page of its own, title in the upper third, as the published documents have it
        p.paragraph_format.space_before = Cm(7)
    p.add_run(number)
    p.add_run().add_break()
    p.add_run(title)
    return p


def _body(doc: Any, text: str | None) -> None:
    doc.add_paragraph(text or "", style=_BODY_STYLE)


def _department(doc: Any, unit: UnitData, extra: Sequence[str] = ()) -> None:
    dg = unit.department_goals
    _bookmark(_part_heading(doc, "第一部分", "部门整体绩效目标", new_page=False), 0)
    _bookmark(doc.add_paragraph("一、总体绩效目标", style="Heading 2"), 1)
    for line in (dg.overall or "").split("\n"):
        _body(doc, line)
    _bookmark(doc.add_paragraph("二、分项绩效目标", style="Heading 2"), 2)
    for i, section in enumerate(dg.sections, 1):
        doc.add_paragraph(f"{chinese_numeral(i)}、{section.name}", style="Heading 3")
        _body(doc, f"绩效目标：{section.goal}")
    _bookmark(doc.add_paragraph("三、工作保障措施", style="Heading 2"), 3)
    for i, measure in enumerate(dg.measures, 1):
        _body(doc, f"（{chinese_numeral(i)}）{measure}")
    if dg.indicators:  # schema v2: the department's own indicator table
        _bookmark(doc.add_paragraph(_DEPT_INDICATORS, style="Heading 2"), 4)
        _indicator_table(doc, dg.indicators, extra)


def _goal_table(doc: Any, unit: UnitData, project: Project) -> Any:
    milestones = _milestones(project)
    # The value area is cut into ``sub`` equal grid columns so that every row can use its own
    # division: 12ths for 项目编码 (5) / 项目名称 (2) / name (5), sixths for the funds row, and
    # one share per milestone (4 in the seed, 12 for a monthly plan).
    sub = math.lcm(12, len(milestones))
    value_width = TEXT_WIDTH - _TABLE1_LABEL
    base, extra = divmod(value_width, sub)
    widths = [_TABLE1_LABEL] + [base + (1 if i < extra else 0) for i in range(sub)]
    extra = _goal_rows(project)
    table = _new_table(doc, 7 + len(extra), widths)
    six, twelve = sub // 6, sub // 12

    def span(r: int, start: int, n: int) -> Any:  # n sub-columns starting at value column ``start``
        return _merge(table, r, 1 + start, r, start + n)

    # Row 0: 单位编码单位名称 | 单位：万元 (a caption row without outer borders)
    left = _merge(table, 0, 0, 0, 4 * six)
    right = span(0, 4 * six, 2 * six)
    _write(left, f"{unit.unit.code}{unit.unit.name}", align="left")
    _write(right, f"单位：{unit.money_unit}", align="right")
    _no_borders(left, ("top", "left", "right"))
    _no_borders(right, ("top", "left", "right"))
    # Row 1: 项目编码 | code | 项目名称 | name
    _write(table.cell(1, 0), "项目编码")
    _write(span(1, 0, 5 * twelve), project.code)
    _write(span(1, 5 * twelve, 2 * twelve), "项目名称")
    _write(span(1, 7 * twelve, 5 * twelve), project.name)
    # Rows 2-3: 预算规模及资金用途 | 预算数 | v | 其中：财政资金 | v | 其他资金 | v / 资金用途
    funds = (("预算数", project.funds.total), ("其中：财政资金", project.funds.fiscal),
             ("其他资金", project.funds.other))
    for k, (label, value) in enumerate(funds):
        _write(span(2, 2 * k * six, six), label)
        _write(span(2, (2 * k + 1) * six, six), _money(value))
    _write(span(3, 0, sub), project.purpose or "", align="left")
    budget = _merge(table, 2, 0, 3, 0)
    _write(budget, "预算规模及资金用途")
    _wrap_at(budget, _TABLE1_LABEL, 5)  # 预算规模及 / 资金用途, not 预算规模及资 / 金用途
    # Rows 4-5: 资金支出计划（%） | milestones / percentages
    per = sub // len(milestones)
    small = 9 if len(milestones) > 6 else None  # a monthly plan: twelve narrow cells
    for k, m in enumerate(milestones):
        _write(span(4, k * per, per), m, size=small)
        _write(span(5, k * per, per), _percent(project.spend_plan.get(m)), size=small)
    _write(_merge(table, 4, 0, 5, 0), "资金支出计划（%）")
    # Row 6: 绩效目标 | 1.… 2.… (年度目标 where the project also has 实施期目标)
    _write(table.cell(6, 0), "年度目标" if project.period_goals else "绩效目标")
    _write(span(6, 0, sub), [f"{i}.{g}" for i, g in enumerate(project.goals, 1)] or [""], align="left")
    # Schema v2, where the project carries them: 实施期目标; 项目属性 | 实施期; 资金来源
    for r, (kind, value) in enumerate(extra, start=7):
        if kind == "facts":
            attribute, period = value
            _write(table.cell(r, 0), "项目属性")
            _write(span(r, 0, 4 * twelve), attribute)
            _write(span(r, 4 * twelve, 3 * twelve), "实施期")
            _write(span(r, 7 * twelve, 5 * twelve), period)
        else:
            _write(table.cell(r, 0), kind)
            _write(span(r, 0, sub), value, align="left")
    _fix_cell_widths(table, widths)
    for i, row in enumerate(table.rows):
        _row_props(row, min_height=None if i == 0 else 0.75)
    return table


def _goal_rows(project: Project) -> list[tuple[str, Any]]:
    """The goal table's rows below 绩效目标 for the schema-v2 fields the project carries: (label, lines),
    or ("facts", (项目属性, 实施期)) for the row that holds both."""
    rows: list[tuple[str, Any]] = []
    if project.period_goals:
        rows.append(("实施期目标", [f"{i}.{g}" for i, g in enumerate(project.period_goals, 1)]))
    if project.attribute is not None or project.period is not None:
        rows.append(("facts", (project.attribute or "", _period_text(project.period))))
    if project.funds.sources:
        rows.append(("资金来源", [f"{s.source}{f'（{s.level}）' if s.level else ''}：{_money(s.amount)}"
                                  for s in project.funds.sources]))
    return rows


def _period_text(period: Any) -> str:
    """实施期 as the documents write it: 2022年1月至2024年12月 (a day kept where given)."""
    if period is None or (period.start is None and period.end is None):
        return ""

    def month(v: str | None) -> str:
        m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", v or "")
        if m is None:
            return v or ""
        return f"{m.group(1)}年{int(m.group(2))}月" + (f"{int(m.group(3))}日" if m.group(3) else "")

    return f"{month(period.start)}至{month(period.end)}"


def _runs(values: Sequence[Any]) -> list[tuple[int, int]]:
    """(start, end) index ranges of consecutive equal values."""
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            out.append((start, i - 1))
            start = i
    return out


_TABLE2_WEIGHTED = (1.9, 2.1, 2.4, 3.1, 3.0, 2.3, 1.2)  # cm, with a 权重 column only
# Schema v2's indicator columns after the seed's six, in this order: (field, header lines, width in cm).
# The headers are broken where a narrow column breaks them well (指标值 / 类型).
_TABLE2_V2 = (("value_type", ("指标值", "类型"), 1.4), ("weight", ("权重",), 1.1), ("direction", ("指标", "方向"), 1.2))
# The seed's six beside all three v2 columns (cm): 一级/二级/依据 still hold four characters (产出指标, 计划标准)
# on a line; 绩效指标描述 takes what is left when fewer v2 columns are shown.
_TABLE2_NARROW = (1.8, 1.8, 2.1, 2.6, 2.2, 1.8)


def indicator_columns(unit: UnitData, framework: Framework | None = None) -> tuple[str, ...]:
    """The schema-v2 columns (value_type, weight, direction) of every indicator table of the document:
    those the framework declares (its ``fields``; by default the unit's framework), and those any of
    the unit's indicators gives (a unit's data is never dropped unseen). The same for every table of
    the document, so its tables read alike; hebei-2023 declares none, so its document keeps the seed's
    six columns unless the data gives weights (then a 权重 column, as before)."""
    framework = _framework_of(unit, framework)
    every = [i for _, _, inds in indicator_tables(unit) for i in inds]
    return tuple(name for name, _, _ in _TABLE2_V2
                 if (framework is not None and framework.uses(name)) or any(getattr(i, name) is not None for i in every))


def _indicator_widths(extra: Sequence[str]) -> list[int]:
    """Column widths in twips: the seed's six; with 权重 only, as before schema v2's other columns;
    otherwise the seed's six narrowed (_TABLE2_NARROW) to make room for the v2 columns."""
    if not extra:
        cm = list(_TABLE2_COLUMNS)
    elif tuple(extra) == ("weight",):
        cm = list(_TABLE2_WEIGHTED)
    else:
        cm = list(_TABLE2_NARROW) + [w for name, _, w in _TABLE2_V2 if name in extra]
        cm[3] += sum(_TABLE2_COLUMNS) - sum(cm)  # what the v2 columns leave goes to 绩效指标描述
    widths = [int(round(w / 2.54 * 1440)) for w in cm]
    widths[5] += TEXT_WIDTH - sum(widths)
    return widths


def _indicator_table(doc: Any, inds: list[Indicator], extra: Sequence[str] = ()) -> Any:
    """An indicator table: the seed's six columns, then the schema-v2 ``extra`` ones (indicator_columns)."""
    columns = [(name, lines) for name, lines, _ in _TABLE2_V2 if name in extra]
    widths = _indicator_widths(extra)
    narrowed = tuple(extra) not in ((), ("weight",))  # 指标值确定依据 then broken where it reads well
    table = _new_table(doc, 1 + len(inds), widths)
    for c, h in enumerate(_TABLE2_HEADERS):
        _write(table.cell(0, c), ["指标值", "确定依据"] if narrowed and c == 5 else h, bold=True)
    for c, (name, lines) in enumerate(columns, start=6):
        _write(table.cell(0, c), list(lines), bold=True)
        for r, ind in enumerate(inds, 1):
            value = getattr(ind, name)
            _write(table.cell(r, c), _num(value) if name == "weight" else (value or ""))
    if not narrowed:
        _wrap_at(table.cell(0, 5), widths[5], 5)  # 指标值确定 / 依据, not 指标值确定依 / 据
    for i, row in enumerate(table.rows):
        _row_props(row, header=i == 0, min_height=0.75)
    for r, ind in enumerate(inds, 1):
        _write(table.cell(r, 2), ind.name or "")
        _write(table.cell(r, 3), ind.description or "", align="left")
        _write(table.cell(r, 4), indicator_value_text(ind))
        _write(table.cell(r, 5), ind.basis or "")
    # 一级 merged over consecutive equal values; 二级 likewise, but never across a 一级 boundary.
    for a, b in _runs([i.level1 for i in inds]):
        _write(_merge(table, 1 + a, 0, 1 + b, 0), inds[a].level1 or "")
        for c, d in _runs([i.level2 for i in inds[a:b + 1]]):
            _write(_merge(table, 1 + a + c, 1, 1 + a + d, 1), inds[a + c].level2 or "")
    _fix_cell_widths(table, widths)
    return table


def _projects(doc: Any, unit: UnitData, extra: Sequence[str] = ()) -> None:
    part = 1 + len(_department_headings(unit))  # the 目录 entry (and bookmark) of 第二部分
    _bookmark(_part_heading(doc, "第二部分", "预算项目绩效目标", new_page=True, divider=True), part)
    for n, project in enumerate(unit.projects, 1):
        h = doc.add_paragraph(f"{n}.{project.name}绩效目标表", style="Heading 2")
        _bookmark(h, part + n)
        h.alignment = WD_ALIGN_PARAGRAPH.CENTER
        h.paragraph_format.first_line_indent = Pt(0)
        h.paragraph_format.space_before = Pt(0)
        _page_break_before(h)  # one project a page (longer indicator tables continue overleaf)
        _goal_table(doc, unit, project)
        doc.add_paragraph()
        if project.period_indicators:  # schema v2: two tables, each under its title
            _table_title(doc, "年度绩效指标")
        _indicator_table(doc, project.indicators, extra)
        if project.period_indicators:
            doc.add_paragraph()
            _table_title(doc, "实施期绩效指标")
            _indicator_table(doc, project.period_indicators, extra)


def _table_title(doc: Any, text: str) -> None:
    p = doc.add_paragraph(style=_BODY_STYLE)
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.keep_with_next = True
    p.add_run(text).bold = True


def _drop_thumbnail(doc: Any) -> None:
    """python-docx's template ships a thumbnail of a blank page; a stale preview is worse than none.
    It also ships ``stylesWithEffects.xml``, Word 2010's copy of the styles: once ``_setup_styles``
    changes ``styles.xml`` the copy disagrees with it, which Word may report as unreadable content
    (the OOXML validator calls it an error). Word rebuilds the copy when it is missing, so drop it."""
    rels = doc.part.package.rels
    for rId, rel in list(rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del rels[rId]
    for rId, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del doc.part.rels[rId]


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry times, so equal documents are equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 3
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


# CT_Settings children that come after w:updateFields (ECMA-376 schema order).
_AFTER_UPDATE_FIELDS = [qn(f"w:{t}") for t in (
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr", "attachedSchema",
    "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade",
    "captions", "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags",
    "decimalSymbol", "listSeparator")]


def _update_fields_on_open(doc: Any) -> None:
    """w:updateFields: Word offers to update the fields (the 目录's page numbers) when the file opens."""
    settings = doc.settings.element
    el = OxmlElement("w:updateFields")
    el.set(qn("w:val"), "true")
    later = next((c for c in settings if c.tag in _AFTER_UPDATE_FIELDS), None)
    if later is not None:
        later.addprevious(el)
    else:
        settings.append(el)


def _framework_of(unit: UnitData, framework: Framework | None) -> Framework | None:
    """``framework``, else the shipped framework the unit names (an id, never opened as a path), else None."""
    if framework is None and unit.framework:
        from .frameworks import list_frameworks, shipped_framework

        if unit.framework in list_frameworks():
            framework = shipped_framework(unit.framework)
    return framework


def document_fonts(unit: UnitData, framework: Framework | None = None) -> tuple[str, str]:
    """(body font, heading font) of the unit's framework (its ``document`` section), else 仿宋 and 黑体."""
    framework = _framework_of(unit, framework)
    doc = framework.document if framework is not None else {}
    return doc.get("body_font", BODY_FONT), doc.get("heading_font", HEADING_FONT)


def render_document(unit: UnitData, *, reviewer: str | None = None, framework: Framework | None = None,
                    toc_pages: Sequence[int] | None = None, toc_field: bool = True) -> bytes:
    """The unit's 部门预算绩效文本 as .docx bytes (deterministic: same unit, same bytes).

    Fonts come from ``framework`` (default: the unit's framework; 仿宋 body, 黑体 headings). The 目录 is
    a TOC field; ``toc_pages`` are the page numbers it shows until Word updates it (render_to_file
    reads them from LibreOffice's PDF); without them Word is asked to update fields on opening.

    Text is cleaned first (perfxl.text): Word's XML cannot hold control characters, and python-docx
    refuses them with a ValueError; the entry points (register, JSON, import, reader) report them."""
    from .text import clean_text, clean_unit

    unit, _ = clean_unit(unit)
    reviewer = clean_text(reviewer, name=True) if reviewer else reviewer
    fonts = document_fonts(unit, framework)
    doc = new_document(fonts)
    _cover(doc, unit, reviewer, fonts)
    _contents(doc, unit, fonts, toc_field=toc_field, pages=toc_pages)
    if toc_field and toc_pages is None:
        _update_fields_on_open(doc)
    body = doc.add_section(WD_SECTION.NEW_PAGE)  # page numbers count from 第一部分, as in the 目录
    _setup_section(body)
    _restart_numbering(body)
    _page_number_footer(body)
    extra = indicator_columns(unit, framework)
    _department(doc, unit, extra)
    _projects(doc, unit, extra)
    # The paragraph that ends the first section is the last one before 第一部分; keep it empty.

    return finish_document(doc, f"{_cover_unit(unit)}{unit.budget_year}年部门预算绩效文本", "部门预算绩效文本")


def new_document(fonts: tuple[str, str]) -> Any:
    """A blank A4 document with the house styles in ``fonts`` (body, headings): every document perfxl
    writes (the 部门预算绩效文本, the 绩效自评表) starts here, so they look alike."""
    doc = Document()
    _setup_styles(doc, *fonts)
    _setup_section(doc.sections[0])
    return doc


def finish_document(doc: Any, title: str, subject: str) -> bytes:
    """``doc`` as deterministic .docx bytes: fixed core properties (no user name, no clock), no stale
    thumbnail, fixed zip entry times; the same content always gives the same bytes."""
    cp = doc.core_properties
    cp.author = "perfxl"
    cp.last_modified_by = "perfxl"
    cp.title = title
    cp.subject = subject
    cp.comments = ""
    cp.keywords = ""
    cp.category = ""
    cp.revision = 1
    cp.created = _FIXED_TIME
    cp.modified = _FIXED_TIME
    cp.last_printed = _FIXED_TIME
    _drop_thumbnail(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return _deterministic_zip(buf.getvalue())


# --- files -------------------------------------------------------------------------------------

def document_filename(unit: UnitData | SelfEvalUnit) -> str:
    """Default file name: 单位编码 first, like the workbooks; a self-evaluation's names its 自评表."""
    from .text import filename_part

    if _is_selfeval(unit):
        from .selfeval_render import selfeval_document_filename

        return selfeval_document_filename(unit)  # type: ignore[arg-type]
    return f"{filename_part(unit.unit.code, 40)}_{filename_part(unit.unit.name)}_{unit.budget_year}年部门预算绩效文本.docx"


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _writer_installed(soffice: str) -> bool:
    """Whether LibreOffice has Writer (a calc-only install cannot load .docx).

    Looks for the Writer library beside the program (libswlo.so, swlo.dll, libswlo.dylib); when the
    layout is unknown (no LibreOffice libraries found there at all) it assumes Writer is present.
    """
    program = Path(os.path.realpath(soffice)).parent
    names: list[str] = []
    for folder in (program, program.parent / "Frameworks"):
        try:
            names += [n.lower() for n in os.listdir(folder)]
        except OSError:
            pass
    libs = [n for n in names if re.match(r"(lib)?(sw|sc|sd)lo\.(so|dll|dylib)$", n)]
    if not libs:
        return True
    return any(re.match(r"(lib)?swlo\.", n) for n in libs)


# Where 仿宋/宋体/黑体 are not installed (Linux servers), fontconfig would hand LibreOffice whatever sans
# font sorts first (often a Japanese CJK variant, with DejaVu for digits). These aliases only add
# fallbacks (``accept``): an installed 宋体/SimSun still wins.
_FONT_ALIASES = {
    ("仿宋", "FangSong", "仿宋_GB2312", "FangSong_GB2312", "华文仿宋", "STFangsong"): (
        "Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", "AR PL UMing CN", "Noto Sans CJK SC",
        "WenQuanYi Zen Hei"),
    ("宋体", "SimSun", "NSimSun", "新宋体"): ("Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN",
                                         "AR PL UMing CN", "Noto Sans CJK SC", "WenQuanYi Zen Hei"),
    ("黑体", "SimHei"): ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
                       "WenQuanYi Micro Hei", "Droid Sans Fallback"),
}
_SYSTEM_FONTS_CONF = Path("/etc/fonts/fonts.conf")


def _fontconfig_file(folder: Path) -> Path | None:
    """A private fontconfig file: the system's configuration plus the 宋体/黑体 fallbacks."""
    from xml.sax.saxutils import escape
    system = Path(os.environ.get("FONTCONFIG_FILE") or _SYSTEM_FONTS_CONF)
    if not system.is_file():
        return None
    parts = ['<?xml version="1.0"?>', '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">', "<fontconfig>",
             f'  <include ignore_missing="yes">{escape(str(system.resolve()))}</include>']
    for names, fallbacks in _FONT_ALIASES.items():
        accept = "".join(f"<family>{escape(f)}</family>" for f in fallbacks)
        for name in names:
            parts.append(f'  <alias binding="same"><family>{escape(name)}</family><accept>{accept}</accept></alias>')
    parts.append("</fontconfig>")
    conf = folder / "fonts.conf"
    conf.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return conf


def _to_pdf(soffice: str, docx_path: Path, pdf_path: Path, timeout: float = 180, display: Path | None = None) -> Path:
    """``docx_path`` as PDF at ``pdf_path``; messages name ``display`` (the document asked for)."""
    shown = display or docx_path
    with tempfile.TemporaryDirectory(prefix="perfxl-lo-") as tmp:
        tmpdir = Path(tmp)
        env = dict(os.environ)
        conf = _fontconfig_file(tmpdir)
        if conf is not None:
            env["FONTCONFIG_FILE"] = str(conf)
        profile = tmpdir / "profile"
        outdir = tmpdir / "out"
        outdir.mkdir()
        src = tmpdir / "document.docx"  # an ASCII name: soffice and some locales mangle others
        shutil.copyfile(docx_path, src)
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(outdir), str(src)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, env=env)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # soffice starts soffice.bin in its session
            except ProcessLookupError:
                pass
            proc.communicate()
            raise PerfxlError(t(f"{shown}：LibreOffice 转换 PDF 超时（{timeout:.0f} 秒）",
                                f"{shown}: LibreOffice timed out converting to PDF ({timeout:.0f} s)")) from None
        produced = outdir / "document.pdf"
        if proc.returncode != 0 or not produced.is_file():
            detail = (err or out or b"").decode("utf-8", "replace").strip().splitlines()
            # LibreOffice's own words are English: only the English message quotes them.
            raise PerfxlError(t(f"{shown}：LibreOffice 未能转换为 PDF（退出码 {proc.returncode}）；"
                                "请确认已安装 LibreOffice Writer，或去掉 --pdf 只生成 .docx",
                                f"{shown}: LibreOffice could not convert it to PDF (exit status {proc.returncode})"
                                + (f": {detail[-1]}" if detail else "")))
        tmp_pdf = pdf_path.with_name(f".{pdf_path.name}.{os.getpid()}.tmp")
        shutil.copyfile(produced, tmp_pdf)
        os.replace(tmp_pdf, pdf_path)
    return pdf_path


def _is_selfeval(unit: Any) -> bool:
    from .selfeval_model import SelfEvalUnit

    return isinstance(unit, SelfEvalUnit)


def render_to_file(unit: UnitData | SelfEvalUnit, path: str | Path, *, pdf: bool = False,
                   reviewer: str | None = None, framework: Framework | None = None) -> tuple[Path, Path | None]:
    """Write the .docx (atomically: temp name, then renamed) and with ``pdf=True`` also a PDF beside it.

    ``unit`` is a unit's goals (the 部门预算绩效文本) or its self-evaluation (the 项目支出绩效自评表,
    :mod:`perfxl.selfeval_render`; it has no cover, so no ``reviewer``). ``path`` is the .docx file,
    or an existing folder to put :func:`document_filename` in. Returns ``(docx_path, pdf_path)``;
    pdf_path is None when no PDF was asked for or LibreOffice (soffice) with Writer is not
    installed. A conversion that fails or times out raises PerfxlError.
    """
    path = Path(path)
    if path.is_dir():
        path = path / document_filename(unit)
    selfeval = _is_selfeval(unit)
    if selfeval:
        from .selfeval_render import render_selfeval_document

        data = render_selfeval_document(unit, framework=framework)  # type: ignore[arg-type]
    else:
        data = render_document(unit, reviewer=reviewer, framework=framework)  # type: ignore[arg-type]
    _write_atomic(path, data)  # first: an unwritable place fails here
    soffice = _soffice() if pdf else None
    if soffice is None or not _writer_installed(soffice):
        return path, None
    if selfeval:  # no 目录: the PDF is the document as written
        return path, _pdf_of(data, path, soffice)
    # LibreOffice keeps a TOC field's stored text but computes PAGEREF fields as it lays out the pages:
    # the PDF is made from the same document with the 目录 entries outside the TOC field, and the
    # numbers it shows go back into the .docx's TOC field.
    pdf_path = _pdf_of(render_document(unit, reviewer=reviewer, framework=framework, toc_field=False), path, soffice)
    pages = _toc_pages(pdf_path, len(_toc_entries(unit)), [e for e, _ in _toc_entries(unit)])
    if pages is not None:
        _write_atomic(path, render_document(unit, reviewer=reviewer, framework=framework, toc_pages=pages))
    return path, pdf_path


def _pdf_of(data: bytes, path: Path, soffice: str) -> Path:
    with tempfile.TemporaryDirectory(prefix="perfxl-doc-") as tmp:
        src = Path(tmp) / "document.docx"
        src.write_bytes(data)
        return _to_pdf(soffice, src, path.with_suffix(".pdf"), display=path)


def _toc_pages(pdf: Path, count: int, entries: list[str]) -> list[int] | None:
    """The page number shown after each 目录 entry in the PDF (pdftotext), or None when it cannot be read."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    try:
        text = subprocess.run([tool, "-layout", "-l", "8", str(pdf), "-"], capture_output=True, timeout=60,
                              check=True).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return None
    squeeze = re.compile(r"[\s.·…．]+")  # white space and the dot leaders (and the dots of "1.项目")
    flat = squeeze.sub("", text)
    keys = [re.escape(squeeze.sub("", e)) for e in entries]
    pages, at = [], 0
    for i, key in enumerate(keys):
        # the number runs up to the next entry (whose text may start with a digit: "2.项目…")
        after = f"(?={keys[i + 1]})" if i + 1 < len(keys) else r"(?!\d)"
        m = re.compile(key + r"(\d+?)" + after).search(flat, at)
        if m is None:
            return None
        pages.append(int(m.group(1)))
        at = m.end()
    return pages if len(pages) == count else None


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as e:
        from .outputs import os_error_message

        try:
            tmp.unlink(missing_ok=True)
        except OSError:  # the folder itself is unusable (the error below says why)
            pass
        e.filename = e.filename2 = None  # the message names the document first (not the temporary name)
        raise PerfxlError(t(f"{path}：无法写入：{os_error_message(e)}",
                            f"{path}: cannot write: {os_error_message(e)}")) from None
