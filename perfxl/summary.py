"""The summary workbook of a consolidated round, and its CSV and Parquet forms.

Each sheet is an Excel table (filters, banded rows) with a frozen header, number formats and widths
that read well, printed A4 landscape one page wide with the header repeated. Text a unit typed is
always written as text, never as a formula or a link: a cell holding "=HYPERLINK(…)" stays those
characters. Charts are native Excel charts over the 汇总 sheet's own ranges.

Counts are integers everywhere: the tables carry them as nullable Int64 (consolidate.py), written as
numbers here and as "1" (never "1.0") in the CSV; a blank stays blank, never "<NA>".

Written in constant memory, rows streamed
-----------------------------------------
A province round's 指标 sheet is a million rows; held as cells by XlsxWriter that is gigabytes, and
XlsxWriter's own ``constant_memory`` mode cannot make Excel tables. So XlsxWriter writes the workbook
whole but for the table sheets' data rows: the 汇总 sheet, the charts, styles, and on each table sheet
its header, the Excel table over the rows to come (filter buttons, banding), the frozen header pane,
widths and print settings. The rows are then streamed from the consolidation (``Consolidation.rows``)
straight into each sheet's XML as the package is copied to its file, a few thousand rows at a time:
numbers as numbers, text as inline strings escaped as XlsxWriter escapes them (``_xHHHH_`` for
control characters, never a formula: a string cell is never evaluated).

Excel holds 1,048,576 rows a sheet. A table sheet that would pass it shows a note in its first row
(how many rows there are, how many are shown, where the whole table is: ``full_tables``), its header
in the second, and the first 1,048,574 rows; the CLI says so too and writes every table in full as
CSV and Parquet (:func:`write_csv`, :func:`write_parquet`).

CSV and Parquet
---------------
A CSV cell has no type: Excel evaluates one that starts like a formula when the office opens the file
(``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``, ``@SUM(1)``). As OWASP's CSV-injection guidance says, every
text cell starting with ``=``, ``+``, ``-``, ``@``, TAB or CR gets a leading apostrophe, which Excel
shows as text; numbers (of numeric columns, or numbers in a mixed column) are written as they are.
Parquet is typed: a text column is text to every reader (pandas, DuckDB, Excel's Power Query imports it
as data, never as a formula), so the text is kept exactly as the unit typed it, not prefixed. Counts
are int64, amounts float64, text string; a column where a unit typed a number or text (预算数, 指标值,
权重) is float64 unless some unit typed text there in this round, then string (numbers written as in the CSV).

The sheets and tables are the round's form's (``Consolidation.sheets``, :func:`csv_names`): a
self-evaluation round's 汇总 shows 自评汇总 by 主管部门 and 自评等级分布 with their charts, and its table
sheets add 重点关注 and 单位自评 (perfxl.selfeval_consolidate). The columns are the consolidation's (``Consolidation.columns``): a round whose frameworks declare the
schema-v2 fields, or whose returns carry them, also lists 项目属性, 实施期, 资金来源, 实施期目标 per project
and every indicator table (指标表: 年度, 实施期, 部门整体) with 指标值类型, 权重, 指标方向 (see consolidate.py,
_V2_PROJECT); any other round is written exactly as before them.
"""
from __future__ import annotations

import csv
import io
import math
import numbers
import os
import re
import zipfile
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, Mapping

import pandas as pd
import xlsxwriter

from . import selfeval_consolidate
from .consolidate import FORMS, SELFEVAL, TABLE_SHEETS, UNIT_STATE, Consolidation
from .i18n import t

__all__ = ["summary_workbook", "write_summary", "write_csv", "write_parquet", "CSV_NAMES", "ALL_CSV_NAMES", "csv_names",
           "neutralize_csv_text", "EXCEL_MAX_ROWS", "overflowing", "full_tables_note", "full_tables_where"]

EXCEL_MAX_ROWS = 1_048_576  # rows in one Excel worksheet (and in LibreOffice's, and WPS's)
_MONEY_COLUMNS = {"预算数", "财政资金", "其他资金", "清单预算数", "已报送预算数", "年初预算数", "全年预算数", "全年执行数"}
_WIDTH_CAP = 36  # wider text wraps: the pages are printed one page wide
_CELL_MAX = 32767  # characters (UTF-16 units) in one Excel cell; the CSV and Parquet keep every one
_ROWS_PER_CHUNK = 2000


def _is_number(v) -> bool:
    """A real number to write as a number (numpy's integers included; booleans are not numbers here)."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v))


def _is_blank(v) -> bool:
    """None, NaN or pandas' NA (a missing value of an integer column)."""
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _width(values: Iterable, header: str) -> int:
    """Display width in characters (CJK counts double), capped so long text wraps instead."""
    def w(v) -> int:
        s = "" if _is_blank(v) else str(v)
        first = s.split("\n", 1)[0]
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in first)
    return max(6, min(_WIDTH_CAP, max([w(header), *map(w, values)]) + 2))


def _write_table(ws, df: pd.DataFrame, first_row: int, name: str, fmts: dict) -> None:
    """A small DataFrame as an Excel table at first_row, from column A (the 汇总 sheet's three)."""
    cols = list(df.columns)
    for r, row in enumerate(df.itertuples(index=False), start=first_row + 1):
        for c, (col, v) in enumerate(zip(cols, row), start=0):
            if _is_blank(v):
                ws.write_blank(r, c, None, fmts["text"])
            elif _is_number(v):
                ws.write_number(r, c, int(v) if isinstance(v, numbers.Integral) else float(v),
                                fmts["money"] if col in _MONEY_COLUMNS else fmts["number"])
            else:
                ws.write_string(r, c, str(v), fmts["text"])
    last_row = first_row + max(len(df), 1)
    ws.add_table(first_row, 0, last_row, len(cols) - 1,
                 {"name": name, "style": "Table Style Medium 2", "autofilter": True,
                  "columns": [{"header": str(h)} for h in cols]})
    for c, col in enumerate(cols, start=0):
        ws.set_column(c, c, _width(df[col].head(500).tolist(), str(col)) if len(df) else max(8, len(str(col)) * 2 + 2))


def _page(ws, header_row: int) -> None:
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row, header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")


# ---------------------------------------------------------------------------------------------- row limits


def overflowing(c: Consolidation) -> dict[str, int]:
    """The table sheets whose rows pass Excel's limit (sheet name -> rows of the whole table)."""
    out = {}
    for key, sheet in c.sheets.items():
        n = c.length(key)
        if n > EXCEL_MAX_ROWS - 1:
            out[sheet] = n
    return out


def full_tables_where(full_tables: Mapping[str, str | None] | None, sheet: str) -> str | None:
    """Where a sheet's whole table is: "汇总_完整表格/指标.csv、汇总_完整表格/指标.parquet" from
    {"CSV": folder, "Parquet": folder} (None for a form not written)."""
    files = [f"{folder}{os.sep}{sheet}.{kind.lower()}" for kind, folder in (full_tables or {}).items() if folder]
    return t("、", ", ").join(files) if files else None


def full_tables_note(sheet: str, rows: int, shown: int, where: str | None) -> str:
    """The note a sheet that passes Excel's row limit carries in its first row (and the CLI prints)."""
    where_zh = where or "perfxl consolidate 用 --csv 或 --parquet 导出的 CSV 或 Parquet 文件"
    where_en = where or "the CSV or Parquet files perfxl consolidate writes with --csv or --parquet"
    return t(f"注意：“{sheet}”表共 {rows:,} 行，超过 Excel 单个工作表的上限（{EXCEL_MAX_ROWS:,} 行），此处只列出前 "
             f"{shown:,} 行。完整的表见：{where_zh}。",
             f"Note: the '{sheet}' table has {rows:,} rows, more than an Excel worksheet holds ({EXCEL_MAX_ROWS:,}); "
             f"the first {shown:,} are shown here. The whole table is in: {where_en}.")


# ---------------------------------------------------------------------------------------------- the workbook


def _formats(wb) -> dict:
    base = {"font_name": "宋体", "font_size": 10, "valign": "top"}
    return {"text": wb.add_format({**base, "text_wrap": True}), "number": wb.add_format(base),
            "money": wb.add_format({**base, "num_format": "#,##0.00"}),
            "title": wb.add_format({**base, "bold": True, "font_size": 16}),
            "head": wb.add_format({**base, "bold": True, "font_size": 12}),
            "note": wb.add_format({**base, "bold": True, "font_color": "#C00000"})}


def title(c: Consolidation) -> str:
    """The summary's title: "2024年预算绩效目标汇总", "2024年绩效自评汇总"."""
    return f"{c.budget_year or ''}年" + ("绩效自评汇总" if c.form == SELFEVAL else "预算绩效目标汇总")


# The 汇总 sheet's sections, per form: (table key, heading), in order.
_SECTIONS = {"goals": [("overview", "本轮概况"), ("departments", "按主管部门"), ("rules", "问题按规则")],
             SELFEVAL: [("overview", "本轮概况"), ("departments", "自评汇总（按主管部门）"), ("grades", "自评等级分布"),
                        ("rules", "问题按规则")]}
_NUMERALS = "一二三四五六七八九十"


def _summary_sheet(wb, c: Consolidation, fmts: dict) -> None:
    """The 汇总 sheet: the round's small tables, one under the other, and native charts over them."""
    ws = wb.add_worksheet("汇总")
    ws.write_string(0, 0, title(c), fmts["title"])
    places: dict[str, tuple[int, int]] = {}  # table key -> its first and last data rows
    r = 2
    for n, (key, heading) in enumerate(_SECTIONS[c.form]):
        ws.write_string(r, 0, f"{_NUMERALS[n]}、{heading}", fmts["head"])
        df = c.tables[key]
        _write_table(ws, df, r + 1, f"T_{key}", fmts)
        places[key] = (r + 2, r + 1 + max(len(df), 1))
        r = places[key][1] + 3
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 5, 14)
    if c.form == SELFEVAL:
        _selfeval_charts(wb, ws, c, places)
    else:
        _goal_charts(wb, ws, c, places)
    _page(ws, 3)


def _status_pie(wb, c: Consolidation, overview_first: int):
    """单位报送情况: 通过, 有错误, 已报送（无法读取）, 未报送 (they add up to 应报单位), from 概况's rows."""
    status_rows = {label: i for i, label in enumerate(c.overview["项目"])}
    pie = wb.add_chart({"type": "pie"})
    first = overview_first + status_rows["通过（无错误）"]
    last = first + len(UNIT_STATE) - 1
    pie.add_series({"name": "报送情况", "categories": ["汇总", first, 0, last, 0],
                    "values": ["汇总", first, 1, last, 1], "data_labels": {"value": True, "category": True},
                    "points": [{"fill": {"color": "#70AD47"}}, {"fill": {"color": "#FF6B6B"}},
                               {"fill": {"color": "#FFC000"}}, {"fill": {"color": "#A5A5A5"}}]})
    pie.set_title({"name": "单位报送情况"})
    return pie


def _rules_bar(wb, places: dict):
    rules_first, rules_last = places["rules"]
    bar = wb.add_chart({"type": "bar"})
    bar.add_series({"name": "次数", "categories": ["汇总", rules_first, 0, rules_last, 0],
                    "values": ["汇总", rules_first, 3, rules_last, 3], "fill": {"color": "#5B9BD5"}})
    bar.set_title({"name": "问题按规则"})
    bar.set_legend({"none": True})
    bar.set_y_axis({"reverse": True})
    return bar


def _selfeval_charts(wb, ws, c: Consolidation, places: dict) -> None:
    """自评等级分布 (a column per 等级), 执行率 by 主管部门, 单位报送情况 and 问题按规则."""
    first, last = places["grades"]
    grades = wb.add_chart({"type": "column"})
    grades.add_series({"name": "项目数", "categories": ["汇总", first, 0, last, 0], "values": ["汇总", first, 2, last, 2],
                       "data_labels": {"value": True},
                       "points": [{"fill": {"color": colour}} for colour in _grade_colours(last - first + 1)]})
    grades.set_title({"name": "自评等级分布（项目数）"})
    grades.set_legend({"none": True})
    ws.insert_chart(3, 10, grades)
    first, last = places["departments"]
    rate_col = c.columns("departments").index("执行率(%)")
    rates = wb.add_chart({"type": "bar"})
    rates.add_series({"name": "执行率(%)", "categories": ["汇总", first, 1, last, 1],
                      "values": ["汇总", first, rate_col, last, rate_col], "fill": {"color": "#4472C4"},
                      "data_labels": {"value": True}})
    rates.set_title({"name": "各主管部门预算执行率（%）"})
    rates.set_legend({"none": True})
    rates.set_y_axis({"reverse": True})
    rates.set_x_axis({"min": 0, "max": 100})
    ws.insert_chart(20, 10, rates, {"x_scale": 1.3, "y_scale": 1.1})
    ws.insert_chart(38, 10, _status_pie(wb, c, places["overview"][0]))
    ws.insert_chart(54, 10, _rules_bar(wb, places), {"y_scale": 1.3})


def _grade_colours(n: int) -> list[str]:
    """Green for the best 等级 to red for the lowest, grey for 未能评分 (the last row)."""
    scale = ["#70AD47", "#5B9BD5", "#FFC000", "#FF6B6B"]
    bands = [scale[min(i * len(scale) // max(n - 1, 1), len(scale) - 1)] for i in range(n - 1)]
    if n > 1:
        bands[-1] = scale[-1]
    return [*bands, "#A5A5A5"]


def _goal_charts(wb, ws, c: Consolidation, places: dict) -> None:
    """各主管部门预算数, 单位报送情况 and 问题按规则."""
    dept_first, dept_last = places["departments"]
    chart = wb.add_chart({"type": "column"})
    for col, name, colour in ((4, "清单预算数", "#4472C4"), (5, "已报送预算数", "#ED7D31")):
        chart.add_series({"name": name, "categories": ["汇总", dept_first, 1, dept_last, 1],
                          "values": ["汇总", dept_first, col, dept_last, col], "fill": {"color": colour}})
    chart.set_title({"name": "各主管部门预算数（万元）"})
    chart.set_legend({"position": "bottom"})
    ws.insert_chart(3, 8, chart, {"x_scale": 1.3, "y_scale": 1.1})
    ws.insert_chart(20, 8, _status_pie(wb, c, places["overview"][0]))
    ws.insert_chart(36, 8, _rules_bar(wb, places), {"y_scale": 1.3})


class _Plan:
    """One table sheet: where its rows go and how each column is written."""

    def __init__(self, key: str, columns: list[str], kinds: list[str], header_row: int, shown: int):
        self.key, self.columns, self.kinds, self.header_row, self.shown = key, columns, kinds, header_row, shown
        self.styles: list[tuple[int, int]] = []  # per column: (text style, number style)


def _table_sheet(wb, c: Consolidation, key: str, sheet: str, fmts: dict, full_tables: Mapping | None) -> _Plan:
    """The sheet as XlsxWriter writes it: header, Excel table, widths, formats, panes, page; no rows."""
    ws = wb.add_worksheet(sheet)
    columns, kinds = c.columns(key), _kinds(c, key)
    rows = c.length(key)
    header_row = 0
    if rows > EXCEL_MAX_ROWS - 1:
        header_row = 1
        shown = EXCEL_MAX_ROWS - 2
        ws.write_string(0, 0, full_tables_note(sheet, rows, shown, full_tables_where(full_tables, sheet)), fmts["note"])
    else:
        shown = rows
    # The table is declared over its header and one row: XlsxWriter notes every cell of a table's range
    # (16 million for the 指标 sheet of a province). Its range is set to every row when the package is
    # copied (_table_part).
    ws.add_table(header_row, 0, header_row + 1, len(columns) - 1,
                 {"name": f"T_{key}", "style": "Table Style Medium 2", "autofilter": True,
                  "columns": [{"header": h} for h in columns]})
    head = list(islice(c.rows(key), 500))
    plan = _Plan(key, columns, kinds, header_row, shown)
    for col, (name, kind) in enumerate(zip(columns, kinds)):
        number = fmts["money"] if name in _MONEY_COLUMNS else fmts["number"]
        width = _width([r[col] for r in head], name) if head else max(8, len(name) * 2 + 2)
        ws.set_column(col, col, width, fmts["text"] if kind == "text" else number)
        plan.styles.append((fmts["text"], number))  # the formats; their style numbers once the package is made
    ws.freeze_panes(header_row + 1, 0)
    _page(ws, header_row)
    return plan


def _kinds(c: Consolidation, key: str) -> list[str]:
    """How each column is typed: the round's kinds, or for a DataFrame built (maybe edited) in the
    round, what its values are."""
    built = c.tables.built(key)
    if built is None:
        return c.kinds(key)
    out = []
    for col in built.columns:
        values = [v for v in built[col].tolist() if not _is_blank(v) and not (isinstance(v, str) and v == "")]
        if not values or any(not _is_number(v) for v in values):
            out.append("text")
        elif all(isinstance(v, numbers.Integral) for v in values):
            out.append("int")
        else:
            out.append("number")
    return out


def _write_package(c: Consolidation, out: BinaryIO, full_tables: Mapping | None) -> None:
    skeleton = io.BytesIO()
    wb = xlsxwriter.Workbook(skeleton, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    # a fixed creation date, as the unit workbooks have (writer.FIXED_DATE): the same round gives the same
    # bytes; XlsxWriter's default is the time of writing, to the second
    from .writer import FIXED_DATE

    wb.set_properties({"title": title(c), "author": "perfxl", "created": FIXED_DATE})
    fmts = _formats(wb)
    _summary_sheet(wb, c, fmts)
    plans = {}
    for index, (key, sheet) in enumerate(c.sheets.items(), start=2):
        plans[f"xl/worksheets/sheet{index}.xml"] = _table_sheet(wb, c, key, sheet, fmts, full_tables)
    wb.close()
    for plan in plans.values():  # style numbers exist once XlsxWriter has written the styles
        plan.styles = [(_style_number(text), _style_number(number)) for text, number in plan.styles]
    tables = {f"T_{plan.key}": plan for plan in plans.values()}
    src = zipfile.ZipFile(skeleton)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            plan = plans.get(info.filename)
            if plan is not None:
                _stream_sheet(dst, info, src.read(info).decode("utf-8"), plan, c)
            elif info.filename.startswith("xl/tables/"):
                dst.writestr(_copy_info(info), _table_part(src.read(info).decode("utf-8"), tables))
            else:
                dst.writestr(_copy_info(info), src.read(info))


def _style_number(fmt: Any) -> int:
    """The style (xf) number XlsxWriter gave a format while writing (every format a row cell uses is a
    column format of some table sheet, so it has one)."""
    if fmt.xf_index is None and fmt._get_format_key() not in fmt.xf_format_indices:
        raise RuntimeError("summary: a cell format was never written")  # pragma: no cover - a bug here
    return fmt._get_xf_index()


_TABLE_NAME = re.compile(r'<table [^>]*\bname="([^"]+)"')
_TABLE_REF = re.compile(r'\bref="[^"]*"')


def _table_part(xml: str, tables: dict[str, _Plan]) -> bytes:
    """A table part with its range (and its filter's) over every row the sheet holds."""
    m = _TABLE_NAME.search(xml)
    plan = tables.get(m.group(1)) if m else None
    if plan is not None:
        ref = f"A{plan.header_row + 1}:{_col_letter(len(plan.columns) - 1)}{plan.header_row + 1 + max(plan.shown, 1)}"
        xml = _TABLE_REF.sub(f'ref="{ref}"', xml)
    return xml.encode("utf-8")


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """The entry's header as XlsxWriter made it (its fixed 1980 date: the same input gives the same bytes)."""
    copy = zipfile.ZipInfo(info.filename, info.date_time)
    copy.compress_type = zipfile.ZIP_DEFLATED
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    return copy


_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')


def _stream_sheet(dst: zipfile.ZipFile, info: zipfile.ZipInfo, xml: str, plan: _Plan, c: Consolidation) -> None:
    """Copy a table sheet's part with the table's rows written into its sheetData."""
    if "<sheetData/>" in xml:
        xml = xml.replace("<sheetData/>", "<sheetData></sheetData>", 1)
    head, tail = xml.split("</sheetData>", 1)
    last_row = plan.header_row + 1 + max(plan.shown, 1)
    head = _DIMENSION.sub(f'<dimension ref="A1:{_col_letter(len(plan.columns) - 1)}{last_row}"/>', head, count=1)
    entry = _copy_info(info)
    entry._compresslevel = 1  # a million rows is a gigabyte of XML: the fast level costs little in size
    huge = plan.shown * len(plan.columns) * 60 > 1 << 30  # may pass 2 GiB of XML: the entry needs ZIP64
    with dst.open(entry, "w", force_zip64=huge) as f:
        f.write(head.encode("utf-8"))
        rows = islice(c.rows(plan.key), plan.shown)
        for chunk in _xml_chunks(rows, plan):
            f.write(chunk)
        f.write(("</sheetData>" + tail).encode("utf-8"))


def _col_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, r = divmod(col - 1, 26)
        letters = chr(65 + r) + letters
    return letters


_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_ESCAPED = re.compile(r"(_x[0-9a-fA-F]{4}_)")
# One search says whether a text needs any of the work below (most need none): XML's special
# characters, control characters, Excel's _xHHHH_ escapes, white space at either end.
_ANY_WORK = re.compile(r"[&<>\x00-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_WHITE = (" ", "\t", "\n", "\r")
_TEXT_CACHE_MAX = 20_000  # texts kept escaped while streaming (names repeat on nearby rows); then begun anew


def _xml_text(s: str) -> str:
    """A text cell's <t> element: escaped as XlsxWriter escapes inline strings, cut at Excel's cell limit."""
    if len(s) > _CELL_MAX // 2:
        from .text import truncate_utf16, utf16_len

        if utf16_len(s) > _CELL_MAX:
            s = truncate_utf16(s, _CELL_MAX)
    elif not _ANY_WORK.search(s):
        return f"<t>{s}</t>"
    if _XML_SPECIAL.search(s):
        s = _ESCAPED.sub(r"_x005F\1", s)
        s = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", s)
        s = s.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if s.startswith(_WHITE) or s.endswith(_WHITE):
        return f'<t xml:space="preserve">{s}</t>'
    return f"<t>{s}</t>"


def _xml_other(v: Any, ref: str, r: str, text_open: str, number_open: str) -> str:
    """A cell of a value that is neither str nor int (floats, numpy numbers, blanks, anything else)."""
    if type(v) is float:
        if math.isfinite(v):
            return f"{ref}{r}{number_open}{v!r}</v></c>"
        return "" if v != v else f"{ref}{r}{text_open}{_xml_text(str(v))}</is></c>"  # inf: the text it is
    if _is_blank(v):
        return ""
    if _is_number(v):
        n = int(v) if isinstance(v, numbers.Integral) else float(v)
        return f"{ref}{r}{number_open}{n!r}</v></c>"
    text = str(v)
    return f"{ref}{r}{text_open}{_xml_text(text)}</is></c>" if text else ""


def _xml_chunks(rows: Iterator[tuple], plan: _Plan) -> Iterator[bytes]:
    """The rows as <row> elements, encoded, a few thousand at a time. The hot loop of a million rows:
    a text already seen is not escaped again, and a blank cell is left out (its column's format shows)."""
    first = plan.header_row + 2  # Excel's row number of the first data row
    cols = [(f'<c r="{_col_letter(i)}', f'" s="{ts}" t="inlineStr"><is>', f'" s="{ns}"><v>')
            for i, (ts, ns) in enumerate(plan.styles)]
    cache: dict[str, str] = {}
    seen = cache.get
    out: list[str] = []
    for n, row in enumerate(rows, start=first):
        r = str(n)
        cells = [f'<row r="{r}">']
        for (ref, text_open, number_open), v in zip(cols, row):
            tv = type(v)
            if tv is str:
                if v:
                    x = seen(v)
                    if x is None:
                        x = _xml_text(v)
                        if len(cache) >= _TEXT_CACHE_MAX:
                            cache.clear()  # a few MB at most, whatever the round
                        cache[v] = x
                    cells.append(f"{ref}{r}{text_open}{x}</is></c>")
            elif tv is int:
                cells.append(f"{ref}{r}{number_open}{v}</v></c>")
            elif v is not None:
                cells.append(_xml_other(v, ref, r, text_open, number_open))
        cells.append("</row>")
        out.append("".join(cells))
        if len(out) >= _ROWS_PER_CHUNK:
            yield "".join(out).encode("utf-8", "replace")
            out = []
    if out:
        yield "".join(out).encode("utf-8", "replace")


def summary_workbook(c: Consolidation, *, full_tables: Mapping[str, str | None] | None = None) -> bytes:
    """The summary as .xlsx bytes (no disk IO: a web page can stream it; for a round of a million rows,
    use :func:`write_summary`, which streams to its file)."""
    buf = io.BytesIO()
    _write_package(c, buf, full_tables)
    return buf.getvalue()


def write_summary(c: Consolidation, path: str | Path, *,
                  full_tables: Mapping[str, str | None] | None = None) -> Path:
    """Write the summary to a temporary name and move it into place only when complete (an interrupted
    write leaves neither a partial file nor the temporary one). ``full_tables`` says where the whole
    tables are ({"CSV": folder, "Parquet": folder}), for the note of a sheet that passes Excel's row
    limit."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        with open(tmp, "wb") as f:
            _write_package(c, f, full_tables)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------------------------------------- CSV


# Table key -> CSV (and Parquet) file name without its suffix, in the order written: a goals round's,
# a self-evaluation round's (csv_names), and every name either may write (to check outputs before a run).
CSV_NAMES = {"overview": "汇总", "departments": "主管部门", "rules": "问题按规则", **TABLE_SHEETS}
ALL_CSV_NAMES = {**CSV_NAMES, **selfeval_consolidate.CSV_NAMES}


def csv_names(c: Consolidation | str) -> dict[str, str]:
    """The tables a round (or a form: "goals", "selfeval") writes as CSV and Parquet, key -> file name."""
    form = c if isinstance(c, str) else c.form
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}")
    return dict(selfeval_consolidate.CSV_NAMES) if form == SELFEVAL else dict(CSV_NAMES)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_csv_text(value):
    """A text that a spreadsheet would take as a formula, made inert with a leading apostrophe (OWASP);
    anything else (numbers, blanks, other text) unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _plain(v: Any) -> Any:
    """A value as the CSV writes it before neutralising: blanks empty, whole numbers without ".0"."""
    tv = type(v)
    if tv is str or tv is int:
        return v
    if tv is float:
        if not math.isfinite(v):
            return "" if v != v else str(v)
        return int(v) if v.is_integer() and abs(v) < 1e16 else v
    if _is_blank(v):
        return ""
    if _is_number(v):
        return _plain(int(v) if isinstance(v, numbers.Integral) else float(v))
    return str(v)


def _csv_cell(v: Any) -> Any:
    v = _plain(v)
    if type(v) is str and v.startswith(_FORMULA_START):
        return "'" + v
    return v


def write_csv(c: Consolidation, folder: str | Path) -> list[Path]:
    """Every table as UTF-8 CSV with BOM (what Excel on Chinese Windows opens without garbling), row by
    row; counts as integers ("3", not "3.0"); text that would start a formula neutralised (module
    docstring)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for key, name in csv_names(c).items():
        p = out / f"{name}.csv"
        with open(p, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(c.columns(key))
            w.writerows([v if type(v) is int or (type(v) is str and not v.startswith(_FORMULA_START)) else _csv_cell(v)
                         for v in row] for row in c.rows(key))
        paths.append(p)
    return paths


# ---------------------------------------------------------------------------------------------- Parquet


def _text_value(v: Any) -> str | None:
    v = _plain(v)
    return None if v == "" and not isinstance(v, str) else (v if isinstance(v, str) else str(v))


def _arrow_column(values: tuple, kind: str, pa: Any, pool: Any = None) -> Any:
    if kind == "text":
        return pa.array([v if type(v) is str else (None if _is_blank(v) else _text_value(v)) for v in values],
                        type=pa.string(), memory_pool=pool)
    if kind == "int":
        return pa.array([None if _is_blank(v) or v == "" else int(v) for v in values], type=pa.int64(),
                        memory_pool=pool)
    return pa.array([None if _is_blank(v) or v == "" else float(v) for v in values], type=pa.float64(),
                    memory_pool=pool)


def write_parquet(c: Consolidation, folder: str | Path, *, batch_rows: int = 1024, max_groups: int = 256) -> list[Path]:
    """Every table as a Parquet file (pyarrow), written in batches: the whole table, however many rows
    (the summary workbook stops at Excel's limit). Text as typed (see the module docstring).

    Rows become Arrow columns ``batch_rows`` at a time: a batch of Python tuples is what costs memory
    (batches of 4,096 rows raised the process by 32 MB at 10,000 units, of 16,384 by 85 MB at 1,000).
    A row group is one batch, or several chained without copying once a table would pass
    ``max_groups`` groups: the writer keeps every group's metadata until it closes, and a group's
    buffers grow with its rows. So the 指标 table of 10,000 units (a million rows) is 256 groups of
    4,096 rows, not a thousand of 1,024 (which raised the process by 20 MB against 6 at 1,000 units),
    and the narrower tables keep groups of 1,024 (groups of 4,096 raised 提交情况 by 14 MB, not 4).
    Measured on compact rounds: Parquet now raises the process by about 6 MB at 1,000 or 10,000.

    Arrow's buffers come from the C library's allocator (``pa.system_memory_pool``), not from the
    default mimalloc pool, which kept what it had taken: on the real 10,000-return round (a
    project's 绩效目标 and 资金用途 are long texts) the 项目 table's Parquet raised the process's
    peak by 14 MB with it, by nothing without it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"int": pa.int64(), "number": pa.float64(), "text": pa.string()}
    pool = pa.system_memory_pool()
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for key, name in csv_names(c).items():
        p = out / f"{name}.parquet"
        columns, kinds = c.columns(key), _kinds(c, key)
        schema = pa.schema([pa.field(col, types[kind]) for col, kind in zip(columns, kinds)])
        group_batches = max(1, -(-c.length(key) // (batch_rows * max_groups)))
        with pq.ParquetWriter(p, schema, memory_pool=pool) as w:
            rows = c.rows(key)
            group: list = []
            wrote = False
            while True:
                batch = list(islice(rows, batch_rows))
                if batch:
                    arrays = [_arrow_column(values, kind, pa, pool) for values, kind in zip(zip(*batch), kinds)]
                    group.append(pa.Table.from_arrays(arrays, schema=schema))
                if group and (len(group) >= group_batches or not batch):
                    # one row group of the batches (concat_tables chains them, nothing is copied)
                    w.write_table(pa.concat_tables(group, memory_pool=pool),
                                  row_group_size=batch_rows * group_batches)
                    group = []
                    wrote = True
                if not batch:
                    break
            if not wrote:
                w.write_table(schema.empty_table())
        paths.append(p)
    return paths
