"""Renderers of a check report: a table for the terminal and a findings workbook.

Both speak the current language (``perfxl.i18n``) unless one is given; xlsxwriter is imported only
when a workbook is made, so ``perfxl check`` printing a table does not load it.
"""
from __future__ import annotations

import io

from .catalogue import SEVERITY_ZH
from .findings import Report
from .i18n import lang as current_lang

__all__ = ["report_table", "findings_workbook"]

_SEVERITY_EN = {"error": "error", "warning": "warning", "info": "info"}


def report_table(report: Report, lang: str | None = None) -> str:
    """Findings grouped per file, most severe first, with sheet and cell; then the inputs that were
    not checked (not spreadsheets), so nothing given disappears from the report."""
    lang = lang or current_lang()
    lines: list[str] = []
    for fr in report.files:
        if lang == "en":
            status = "valid" if fr.valid else "NOT valid"
            lines.append(f"{fr.path}  unit {fr.unit_code or '-'}  {status}: {fr.errors} errors, {fr.warnings} warnings")
        else:
            status = "通过" if fr.valid else "不通过"
            lines.append(f"{fr.path}  单位 {fr.unit_code or '-'}  {status}：错误 {fr.errors} 处，提示 {fr.warnings} 处")
        for f in fr.sorted_findings():
            sev = _SEVERITY_EN[f.severity] if lang == "en" else SEVERITY_ZH[f.severity]
            done = (" (explained)" if lang == "en" else "（已说明）") if f.explained else ""
            lines.append(f"  {f.code} {sev}{done}  {f.message_en if lang == 'en' else f.message}")
        for sheet, cell in fr.cleaned_cells:
            lines.append(f"  [{sheet}!{cell}] removed control characters (invisible characters) typed into the cell"
                         if lang == "en" else f"  【{sheet} {cell}】所填内容含控制字符（不可见字符），读取时已删除")
        lines.append("")
    total_errors = sum(fr.errors for fr in report.files)
    total_warnings = sum(fr.warnings for fr in report.files)
    bad = sum(not fr.valid for fr in report.files)
    others = list(getattr(report, "other_files", []) or [])
    if others:
        if lang == "en":
            lines.append(f"Not checked ({len(others)} other files, not spreadsheets): {', '.join(others)}")
        else:
            lines.append(f"未审核的其他文件 {len(others)} 个（不是表格）：{'、'.join(others)}")
    if lang == "en":
        lines.append(f"{len(report.files)} files, {bad} not valid; {total_errors} errors, {total_warnings} warnings")
    else:
        lines.append(f"共 {len(report.files)} 个文件，{bad} 个不通过；错误 {total_errors} 处，提示 {total_warnings} 处")
    return "\n".join(lines) + "\n"


_HEADS = {
    "zh": ["文件", "单位编码", "工作表", "单元格", "项目编码", "代码", "类别", "已说明", "问题与修改建议", "单位说明"],
    "en": ["File", "Unit code", "Sheet", "Cell", "Project code", "Code", "Severity", "Explained", "Finding and fix",
           "Unit's explanation"],
}


def findings_workbook(report: Report, lang: str | None = None) -> bytes:
    """One row per finding, as an Excel table; text the unit typed is written as text, never a formula."""
    import xlsxwriter

    en = (lang or current_lang()) == "en"
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    from .writer import FIXED_DATE

    wb.set_properties({"created": FIXED_DATE})  # the same report, the same bytes (no time of writing)
    ws = wb.add_worksheet("Findings" if en else "问题清单")
    heads = _HEADS["en" if en else "zh"]
    rows = [[fr.path, fr.unit_code or "", f.sheet or "", f.cell or "", f.project_code or "", f.code,
             _SEVERITY_EN[f.severity] if en else SEVERITY_ZH[f.severity],
             ("yes" if en else "是") if f.explained else "", (f.message_en or f.message) if en else f.message,
             f.explanation or ""]
            for fr in report.files for f in fr.sorted_findings()]
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            ws.write_string(r, c, v)
    ws.add_table(0, 0, max(len(rows), 1), len(heads) - 1,
                 {"columns": [{"header": h} for h in heads], "style": "Table Style Light 9"})
    for c, w in enumerate((40, 10, 22, 8, 24, 6, 9, 7, 80, 30)):
        ws.set_column(c, c, w)
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    wb.close()
    return buf.getvalue()
