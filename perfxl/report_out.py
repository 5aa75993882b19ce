"""Renderers of a check report: a table for the terminal and a findings workbook."""
from __future__ import annotations

import io

import xlsxwriter

from .catalogue import SEVERITY_ZH
from .findings import Report

__all__ = ["report_table", "findings_workbook"]

_SEVERITY_EN = {"error": "error", "warning": "warning", "info": "info"}


def report_table(report: Report, lang: str = "zh") -> str:
    """Findings grouped per file, most severe first, with sheet and cell."""
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
        lines.append("")
    total_errors = sum(fr.errors for fr in report.files)
    total_warnings = sum(fr.warnings for fr in report.files)
    bad = sum(not fr.valid for fr in report.files)
    if lang == "en":
        lines.append(f"{len(report.files)} files, {bad} not valid; {total_errors} errors, {total_warnings} warnings")
    else:
        lines.append(f"共 {len(report.files)} 个文件，{bad} 个不通过；错误 {total_errors} 处，提示 {total_warnings} 处")
    return "\n".join(lines) + "\n"


def findings_workbook(report: Report) -> bytes:
    """One row per finding, as an Excel table; text the unit typed is written as text, never a formula."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    ws = wb.add_worksheet("问题清单")
    heads = ["文件", "单位编码", "工作表", "单元格", "项目编码", "代码", "类别", "已说明", "问题与修改建议", "单位说明"]
    rows = [[fr.path, fr.unit_code or "", f.sheet or "", f.cell or "", f.project_code or "", f.code,
             SEVERITY_ZH[f.severity], "是" if f.explained else "", f.message, f.explanation or ""]
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
