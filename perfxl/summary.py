"""The summary workbook of a consolidated round, and its CSV form.

Each sheet is an Excel table (filters, banded rows) with a frozen header, number formats and widths
that read well, printed A4 landscape one page wide with the header repeated. Text a unit typed is
always written as text (write_string), never as a formula or a link: a cell holding "=HYPERLINK(…)"
stays those characters. Charts are native Excel charts over the 汇总 sheet's own ranges.

Counts are integers everywhere: the tables carry them as nullable Int64 (consolidate.py), written as
numbers here and as "1" (never "1.0") in the CSV; a blank stays blank, never "<NA>".

A CSV cell has no type: Excel evaluates one that starts like a formula when the office opens the file
(``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``, ``@SUM(1)``). As OWASP's CSV-injection guidance says, every
text cell starting with ``=``, ``+``, ``-``, ``@``, TAB or CR gets a leading apostrophe, which Excel
shows as text; numbers (of numeric columns, or numbers in a mixed column) are written as they are.
"""
from __future__ import annotations

import io
import math
import numbers
from pathlib import Path

import pandas as pd
import xlsxwriter

from .consolidate import TABLE_SHEETS, UNIT_STATE, Consolidation

__all__ = ["summary_workbook", "write_summary", "write_csv", "CSV_NAMES", "neutralize_csv_text"]

_MONEY_COLUMNS = {"预算数", "财政资金", "其他资金", "清单预算数", "已报送预算数"}
_WIDTH_CAP = 36  # wider text wraps: the pages are printed one page wide


def _is_number(v) -> bool:
    """A real number to write as a number (numpy's integers included; booleans are not numbers here)."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v))


def _is_blank(v) -> bool:
    """None, NaN or pandas' NA (a missing value of an integer column)."""
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _width(series: pd.Series, header: str) -> int:
    """Display width in characters (CJK counts double), capped so long text wraps instead."""
    def w(v) -> int:
        s = "" if _is_blank(v) else str(v)
        first = s.split("\n", 1)[0]
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in first)
    sample = series.head(500).tolist()
    return max(6, min(_WIDTH_CAP, max([w(header), *map(w, sample)]) + 2))


def _write_table(ws, df: pd.DataFrame, first_row: int, name: str, fmts: dict) -> None:
    """A DataFrame as an Excel table at first_row, from column A; every value written by its type."""
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
        ws.set_column(c, c, _width(df[col], str(col)) if len(df) else max(8, len(str(col)) * 2 + 2))


def _page(ws, header_row: int) -> None:
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row, header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")


def summary_workbook(c: Consolidation) -> bytes:
    """The summary as .xlsx bytes (no disk IO: a web page can stream it)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    wb.set_properties({"title": f"{c.budget_year or ''}年预算绩效目标汇总", "author": "perfxl"})
    base = {"font_name": "宋体", "font_size": 10, "valign": "top"}
    fmts = {"text": wb.add_format({**base, "text_wrap": True}), "number": wb.add_format(base),
            "money": wb.add_format({**base, "num_format": "#,##0.00"}),
            "title": wb.add_format({**base, "bold": True, "font_size": 16}),
            "head": wb.add_format({**base, "bold": True, "font_size": 12})}

    ws = wb.add_worksheet("汇总")
    ws.write_string(0, 0, f"{c.budget_year or ''}年预算绩效目标汇总", fmts["title"])
    ws.write_string(2, 0, "一、本轮概况", fmts["head"])
    overview = c.overview
    _write_table(ws, overview, 3, "T_overview", fmts)
    r = 3 + len(overview) + 3
    ws.write_string(r, 0, "二、按主管部门", fmts["head"])
    dept = c.departments
    _write_table(ws, dept, r + 1, "T_departments", fmts)
    dept_first, dept_last = r + 2, r + 1 + max(len(dept), 1)
    r = dept_last + 3
    ws.write_string(r, 0, "三、问题按规则", fmts["head"])
    rules = c.rules
    _write_table(ws, rules, r + 1, "T_rules", fmts)
    rules_first, rules_last = r + 2, r + 1 + max(len(rules), 1)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 5, 14)

    # Charts over the ranges just written.
    chart = wb.add_chart({"type": "column"})
    for col, name, colour in ((4, "清单预算数", "#4472C4"), (5, "已报送预算数", "#ED7D31")):
        chart.add_series({"name": name, "categories": ["汇总", dept_first, 1, dept_last, 1],
                          "values": ["汇总", dept_first, col, dept_last, col], "fill": {"color": colour}})
    chart.set_title({"name": "各主管部门预算数（万元）"})
    chart.set_legend({"position": "bottom"})
    ws.insert_chart(3, 8, chart, {"x_scale": 1.3, "y_scale": 1.1})
    status_rows = {label: i for i, label in enumerate(overview["项目"])}
    pie = wb.add_chart({"type": "pie"})
    first = 4 + status_rows["通过（无错误）"]  # then 有错误, 已报送（无法读取）, 未报送: they add up to 应报单位
    last = first + len(UNIT_STATE) - 1
    pie.add_series({"name": "报送情况", "categories": ["汇总", first, 0, last, 0],
                    "values": ["汇总", first, 1, last, 1], "data_labels": {"value": True, "category": True},
                    "points": [{"fill": {"color": "#70AD47"}}, {"fill": {"color": "#FF6B6B"}},
                               {"fill": {"color": "#FFC000"}}, {"fill": {"color": "#A5A5A5"}}]})
    pie.set_title({"name": "单位报送情况"})
    ws.insert_chart(20, 8, pie)
    bar = wb.add_chart({"type": "bar"})
    bar.add_series({"name": "次数", "categories": ["汇总", rules_first, 0, rules_last, 0],
                    "values": ["汇总", rules_first, 3, rules_last, 3], "fill": {"color": "#5B9BD5"}})
    bar.set_title({"name": "问题按规则"})
    bar.set_legend({"none": True})
    bar.set_y_axis({"reverse": True})
    ws.insert_chart(36, 8, bar, {"y_scale": 1.3})
    _page(ws, 3)

    for key, sheet in TABLE_SHEETS.items():
        df = c.tables[key]
        sh = wb.add_worksheet(sheet)
        _write_table(sh, df, 0, f"T_{key}", fmts)
        sh.freeze_panes(1, 0)
        _page(sh, 0)
    wb.close()
    return buf.getvalue()


def write_summary(c: Consolidation, path: str | Path) -> Path:
    """Write the summary to a temporary name and move it into place only when complete (an interrupted
    write leaves neither a partial file nor the temporary one)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_bytes(summary_workbook(c))
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


# Table key -> CSV file name (without .csv), in the order written.
CSV_NAMES = {"overview": "汇总", "departments": "主管部门", "rules": "问题按规则", **TABLE_SHEETS}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_csv_text(value):
    """A text that a spreadsheet would take as a formula, made inert with a leading apostrophe (OWASP);
    anything else (numbers, blanks, other text) unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _neutral_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every formula-like text neutralised; columns without one are left as they are
    (their dtype too: counts stay integers, a mixed column keeps its numbers)."""
    out = table
    for col in table.columns:
        values = list(table[col])
        fixed = [neutralize_csv_text(v) for v in values]
        if any(a is not b for a, b in zip(values, fixed)):
            if out is table:
                out = table.copy()
            out[col] = pd.Series(fixed, index=table.index, dtype=object)
    return out


def write_csv(c: Consolidation, folder: str | Path) -> list[Path]:
    """Every table as UTF-8 CSV with BOM (what Excel on Chinese Windows opens without garbling); counts
    as integers ("3", not "3.0"); text that would start a formula neutralised (module docstring)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for key, name in CSV_NAMES.items():
        p = out / f"{name}.csv"
        _neutral_table(c.tables[key]).to_csv(p, index=False, encoding="utf-8-sig")
        paths.append(p)
    return paths
