"""The one writer: a unit workbook from the model.

A blank template (register fields only), a prefilled workbook (``template --data``) and, later, an
annotated return are the same call on a UnitData with more or less filled in. What is locked follows
one rule: a register field that has a value is prefilled, locked and signed; every other field is an
input cell, unlocked, styled as input and guarded by a data validation.

Output is deterministic (fixed document dates, stable sheet and name order, zip entries dated 1980
by XlsxWriter) so the same input gives the same bytes.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.worksheet import Worksheet

try:  # how Worksheet.write_formula stores a formula cell (XlsxWriter 3.x); else write_formula is used
    from xlsxwriter.worksheet import CellFormulaTuple as _FormulaCell
except ImportError:  # pragma: no cover - a future XlsxWriter
    _FormulaCell = None

from . import __version__
from .catalogue import FIELD_RULES, SEVERITY_ZH
from .findings import SEVERITY_ORDER, Finding
from .errors import PerfxlError
from .frameworks import OPERATOR_FROM_JSON, Framework
from .i18n import t
from .integrity import LockedCell, canonical, identity_rows, sign
from .shared_formulas import apply as apply_shared, groups
from .layout import EXTRA_INDICATOR_HEADINGS, V2_LABELS
from .formula_text import quote_sheet, row_placer
from .layout import (CHECK_COL, CHECK_ERROR, CHECK_OK, CHECK_WARNING, DEPARTMENT_SHEET, HELPER_COL, HELPER_COLS,
                     IDENTITY_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET, PRINT_LAST_COL, REVIEW_SHEET, TEMPLATE_ID,
                     TEMPLATE_VERSION, WIDTHS, DepartmentLayout, InstructionsLayout, ProjectLayout, Span, a1,
                     calc_sheet_names, in_calc_sheet, project_sheet_names)
from .model import FUND_LEVELS, FUND_SOURCES, ATTRIBUTES, Indicator, Project, UnitData, interpret_value
from .text import clean_text, clean_unit, filename_part

__all__ = ["render_workbook", "write_workbook", "write_templates", "workbook_filename", "FIXED_DATE"]

# Fixed so that generated files are byte-identical run to run; Excel stamps its own date on save.
FIXED_DATE = datetime(2000, 1, 1)
NUM_FMT_MONEY = "#,##0.00"

# Excel caps these (practices.md): input/error titles 32 characters, messages 255.
_TITLE_MAX, _MESSAGE_MAX = 32, 255


def workbook_filename(unit: UnitData) -> str:
    """File name starting with the 单位编码 so files sort and match by unit."""
    return f"{filename_part(unit.unit.code, 40)}_{filename_part(unit.unit.name)}_{unit.budget_year}年绩效目标表.xlsx"


def _props(f: Any) -> dict:
    """The properties a cached format was made from (to derive a marked variant of it)."""
    return dict(getattr(f, "_perfxl_props", {}))


@dataclass
class _Formats:
    """XlsxWriter formats, created once per workbook."""

    wb: Any
    cache: dict = field(default_factory=dict)

    def __call__(self, **props: Any) -> Any:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "text_wrap": True, "border": 1}
        base.update(props)
        key = tuple(sorted(base.items()))
        if key not in self.cache:
            made = self.wb.add_format(base)
            made._perfxl_props = base
            self.cache[key] = made
        return self.cache[key]

    @property
    def title(self):
        return self(bold=True, font_size=16, align="center", border=0)

    @property
    def plain(self):
        return self(border=0)

    @property
    def label(self):
        return self(bold=True, align="center", bg_color="#F2F2F2")

    @property
    def prefilled(self):
        return self(bg_color="#EDEDED")

    def input(self, **extra: Any):
        """An input cell: unlocked, with no fill of its own. Its light yellow is a conditional format
        shown while the cell still has to be filled (see ``_fill_while_blank``), so a filled form
        prints without it: LibreOffice prints every cell fill, whatever the sheet's black-and-white
        print option says (docs/printing.md)."""
        return self(locked=False, **extra)

    @property
    def check(self):
        return self(align="center", font_size=9)

    @property
    def blank_fill(self):
        """The conditional input fill (one format for every rule that shows it)."""
        if "blank_fill" not in self.cache:
            self.cache["blank_fill"] = self.wb.add_format({"bg_color": INPUT_FILL})
        return self.cache["blank_fill"]


INPUT_FILL = "#FFF9DB"  # light yellow: "still to fill in here" (a conditional format: gone once filled)
# The fills of an annotated return's marked cells, by severity. None may be yellow: the input cells
# are, and a unit must tell "advice" from "yours to fill" at a glance. The 审核意见 legend is drawn
# from this table (swatches and words), so it always says what the cells show.
MARK_FILLS = {"error": "#FF8B8B", "warning": "#FFB347", "info": "#9BC2E6"}
MARK_COLOUR_NAMES = {"error": ("红色", "red"), "warning": ("橙色", "orange"), "info": ("蓝色", "blue")}
_MARK = MARK_FILLS


def _as_written(formula: str, expand_future_functions: bool = False) -> str:
    """XlsxWriter's formula preparation without its ~30 regex rewrites of newer functions' names
    (three quarters of the time to write the live checks of 150 projects): the workbook uses Excel
    2007 functions only (tests/test_writer.py::test_only_excel_2007_functions), none of which it
    rewrites."""
    return formula[1:] if formula.startswith("=") else formula


def _write_formula(ws: Worksheet, row: int, col: int, formula: str, f: Any, value: Any) -> None:
    """``ws.write_formula`` less its search of every formula for Excel 365's dynamic-array functions
    (a sixth of the time to write a workbook: seven thousand formulas a unit). The workbook uses
    Excel 2007 functions only (tests/test_writer.py::test_only_excel_2007_functions), so the cell is
    stored as write_formula stores a plain formula; anything else goes through write_formula."""
    table = getattr(ws, "table", None)
    if table is None or ws.constant_memory or formula.startswith("{") or _FormulaCell is None:
        if ws.write_formula(row, col, formula, f, value) != 0:
            raise AssertionError(f"write_formula rejected {ws.name}!{a1(row, col)}")
        return
    if ws._check_dimensions(row, col):
        raise AssertionError(f"cell outside the sheet: {ws.name}!{a1(row, col)}")
    table[row][col] = _FormulaCell(ws._prepare_formula(formula), f, value)


class _Sheet:
    """A worksheet plus the bookkeeping every sheet shares: locked register values to sign, a data
    validation checked at once (XlsxWriter warns and returns -1/-2 instead of raising), and the
    review marks of an annotated return (every cell is written through ``put``, so every finding
    lands on its cell)."""

    def __init__(self, ws: Worksheet, fmt: _Formats, locked: list[LockedCell],
                 marks: dict[tuple[str, str], list[Finding]] | None = None):
        self.ws, self.fmt, self.locked, self.marks = ws, fmt, locked, marks or {}
        self.values: dict[tuple[int, int], Any] = {}  # what a reader will find: the live checks' cached results
        self.blank_inputs: list[Span] = []  # single input fields, yellow while blank (_fill_while_blank)

    def formula(self, row: int, col: int, formula: str, value: Any, f: Any = None, shape: str | None = None) -> None:
        """A formula with its cached result (what Protected View shows before anything computes).

        ``shape``: the formula with the sheet names it quotes standing as formula_text.row_placer's
        stand-ins, when it has them; the runs of shared formulas are found on that (the same text on
        every project sheet of every unit, so finding them is done once: shared_formulas.groups)."""
        _write_formula(self.ws, row, col, formula, f if f is not None else self.fmt.check, value)
        # kept for shared_formulas: runs of row copies are stored once when the file is finished
        text = formula if shape is None else shape
        self.ws.__dict__.setdefault("_perfxl_formulas", {})[(row, col)] = text[1:] if text.startswith("=") else text

    def put(self, span: Span, value: Any, f: Any) -> None:
        found = self.marks.get((self.ws.name, span.a1))
        if found:
            worst = min(found, key=lambda x: SEVERITY_ORDER[x.severity]).severity
            f = self.fmt(**{**_props(f), "bg_color": _MARK[worst], "border": 2, "border_color": "#C00000"})
            if _props(f).get("locked") is False:  # the mark's fill above the "still to fill" yellow
                self.ws.conditional_format(span.row, span.col, *(span.end if span.merged else (span.row, span.col)), {
                    "type": "formula", "criteria": "=TRUE", "stop_if_true": True,
                    "format": self.fmt.wb.add_format({"bg_color": _MARK[worst]})})
            note = "\n".join(f"[{x.code} {SEVERITY_ZH[x.severity]}] {x.message}" for x in found)
            self.ws.write_comment(span.row, span.col, clean_text(note)[:2000], {"author": "审核意见", "x_scale": 3, "y_scale": 2})
        if span.merged:
            r2, c2 = span.end
            self.ws.merge_range(span.row, span.col, r2, c2, None, f)
        self.values[(span.row, span.col)] = (None if value is None or value == "" else value
                                             if isinstance(value, (int, float)) and not isinstance(value, bool)
                                             else str(value))
        if value is None or value == "":
            self.ws.write_blank(span.row, span.col, None, f)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self.ws.write_number(span.row, span.col, value, f)
        else:
            self.ws.write_string(span.row, span.col, str(value), f)

    def label(self, span: Span, text: str) -> None:
        self.put(span, text, self.fmt.label)

    def register(self, span: Span, value: Any, **fmt: Any) -> None:
        """A register value: prefilled, locked and covered by the signature."""
        self.put(span, value, self.fmt(**{"bg_color": "#EDEDED", **fmt}))
        self.locked.append(LockedCell(self.ws.name, span.a1, canonical(value)))

    def field(self, span: Span, register_value: Any, user_value: Any, validation: dict, **fmt: Any) -> None:
        """Locked when the register gives a value, otherwise an input cell."""
        if register_value is not None and register_value != "":
            self.register(span, register_value, **fmt)
        else:
            self.input(span, user_value, validation, **fmt)

    def input(self, span: Span, value: Any, validation: dict, **fmt: Any) -> None:
        self.put(span, value, self.fmt.input(**fmt))
        if (self.ws.name, span.a1) not in self.marks:
            self.blank_inputs.append(span)
        self.validate(span.row, span.col, span.row, span.col, validation)

    def validate(self, r1: int, c1: int, r2: int, c2: int, options: dict) -> None:
        options = dict(options)
        for key, cap in (("input_title", _TITLE_MAX), ("error_title", _TITLE_MAX),
                         ("input_message", _MESSAGE_MAX), ("error_message", _MESSAGE_MAX)):
            if key in options and len(options[key]) > cap:
                raise AssertionError(f"validation {key} over Excel's {cap} characters: {options[key]!r}")
        rc = self.ws.data_validation(r1, c1, r2, c2, options)
        if rc != 0:
            raise AssertionError(f"data_validation rejected on {self.ws.name}!{a1(r1, c1)}: {rc} {options}")


def _fill_while_blank(sh: _Sheet) -> None:
    """The input fill on the sheet's single input fields while they are blank (an unfilled field is
    what it points at, and it is gone on paper once the form is complete). One rule per field: a
    rule over several ranges reads its relative reference from one corner, which applications
    choose differently."""
    for span in sh.blank_inputs:
        sh.ws.conditional_format(span.row, span.col, *span.end, {"type": "blanks", "format": sh.fmt.blank_fill})


def _fixed_col(row: int, col: int) -> str:
    """B7 → $B7: the column fixed, the row relative (a conditional format copied down a table)."""
    return "$" + a1(row, col)


def _fill_rows_while_blank(sh: _Sheet, rows: range, row_cols: list[int], required: list[int],
                           first_row_cue: list[int] | None = None) -> None:
    """The input fill in a table: on a ``required`` cell left blank in a row that has been started
    (anything typed in ``row_cols``), and, while the whole table is empty, on the ``first_row_cue``
    cells of its first row (where to begin). Unused rows stay white, so a filled table prints as
    the official one does."""
    r1, r2 = rows.start, rows.stop - 1
    fill = sh.fmt.blank_fill

    def started(r: int) -> str:
        return f"LEN(TRIM({'&'.join(_fixed_col(r, c) for c in row_cols)}))>0"

    for c in required:
        cell = a1(r1, c)
        sh.ws.conditional_format(r1, c, r2, c, {"type": "formula", "format": fill,
                                                "criteria": f"=AND(LEN(TRIM({cell}))=0,{started(r1)})"})
    if first_row_cue:
        table = f"${a1(r1, min(row_cols))}:${a1(r2, max(row_cols))}"
        table = re.sub(r"\$([A-Z]+)(\d+)", r"$\1$\2", table)
        for c in first_row_cue:
            sh.ws.conditional_format(r1, c, r1, c, {"type": "formula", "format": fill,
                                                    "criteria": f"=COUNTA({table})=0"})


# ---------------------------------------------------------------- validations (Chinese messages)

def _text_rule(limit: int, title: str, message: str) -> dict:
    return {"validate": "length", "criteria": "<=", "value": limit, "input_title": title,
            "input_message": message, "error_title": "内容过长", "error_message": f"此处最多 {limit} 个字符，请精简。"}


def _decimal_rule(title: str, message: str, low: float, high: float | None = None) -> dict:
    rule = {"validate": "decimal", "input_title": title, "input_message": message, "error_title": "请填写数字"}
    if high is None:
        rule.update(criteria=">=", value=low, error_message=f"请填写不小于 {low:g} 的数字（不要带单位或文字）。")
    else:
        rule.update(criteria="between", minimum=low, maximum=high,
                    error_message=f"请填写 {low:g} 到 {high:g} 之间的数字（不要带 % 号或文字）。")
    return rule


def _percent_rule(title: str, message: str, span: Span) -> dict:
    """A share in percentage points typed into a text (@) cell: a number from 0 to 100, with or
    without a trailing "%" ("30" and "30%" both mean 30). A decimal rule would refuse the text
    that a text cell stores, so the check is a formula; IF keeps VALUE's error out of the comparison."""
    x = f'VALUE(TRIM(SUBSTITUTE({span.a1.replace("$", "")},"%","")))'
    return {"validate": "custom", "value": f"=IF(ISERROR({x}),FALSE,AND({x}>=0,{x}<=100))",
            "input_title": title, "input_message": message, "error_title": "请填写数字",
            "error_message": "请填写 0 到 100 之间的数字（如 30 或 30%，表示 30%），不要带文字。"}


def _list_rule(source: str, title: str, message: str, strict: bool = True) -> dict:
    rule = {"validate": "list", "source": source, "input_title": title, "input_message": message}
    if strict:
        rule.update(error_title="请从下拉列表中选择", error_message="请点击单元格右侧的下拉箭头，从列表中选择。")
    else:  # a warning alert lets staff keep a value outside the list after confirming
        rule.update(error_type="warning", error_title="不在常用列表中",
                    error_message="所填内容不在常用列表中。确认无误请点“是”，否则点“否”重新选择。")
    return rule


# ---------------------------------------------------------------- the workbook

def _lists(wb: Any, fw: Framework) -> None:
    """Dropdown sources on a hidden sheet behind workbook names (pxl_L1, pxl_L2_1.., pxl_OPS, pxl_UNITS,
    pxl_BASIS) and the lists the live checks look things up in (perfxl.live.list_columns); the prefix
    keeps names like "L1" from being read as cell addresses. pxl_L2_0 is one empty cell: the 二级
    dropdown of a row with no 一级 (own or inherited) offers nothing, never "#N/A"."""
    from .live import list_columns

    ws = wb.add_worksheet(LISTS_SHEET)
    columns: list[tuple[str, list[str]]] = [("pxl_L1", fw.level1_names), ("pxl_L2_0", [])]
    columns += [(f"pxl_L2_{i}", list(l2)) for i, (_, l2) in enumerate(fw.levels, start=1)]
    columns += [("pxl_OPS", list(fw.operators)), ("pxl_UNITS", list(fw.units)),
                ("pxl_BASIS", list(fw.basis_suggestions))]
    columns += list_columns(fw)
    for col, (name, items) in enumerate(columns):
        ws.write_string(0, col, name)
        for r, item in enumerate(items, start=1):
            ws.write_string(r, col, item)
        ref = f"{quote_sheet(LISTS_SHEET)}!${_col(col)}$2:${_col(col)}${max(len(items), 1) + 1}"
        wb.define_name(name, "=" + ref)
    ws.protect()
    ws.hide()


def _col(c: int) -> str:
    return a1(0, c).rstrip("0123456789")


def render_workbook(unit: UnitData, framework: Framework, *, password: str | None = None,
                    key: bytes | None = None, findings: list[Finding] | None = None) -> bytes:
    """The unit's workbook as .xlsx bytes (no disk IO: a web page can stream it).

    With ``findings`` it is an annotated return: each finding marked at its cell (colour by
    severity, a note with the message) and a first sheet 审核意见 listing them with links.

    Raises PerfxlError when the data does not fit the framework's rows (more indicators, 科室 or
    measures than the template has rows): nothing is ever dropped silently.
    """
    unit, _ = clean_unit(unit)  # the entry points report what they cleaned; a model built in code is cleaned here
    _check_fits(unit, framework)
    buf, wb, fmt = new_workbook(f"{unit.budget_year}年预算绩效目标表", unit, f"{TEMPLATE_ID} v{TEMPLATE_VERSION}")
    locked: list[LockedCell] = []
    sheet_names = project_sheet_names([p.name for p in unit.projects])

    review = wb.add_worksheet(REVIEW_SHEET) if findings is not None else None
    instructions = wb.add_worksheet(INSTRUCTIONS_SHEET)
    dept = wb.add_worksheet(DEPARTMENT_SHEET)
    marks: dict[tuple[str, str], list[Finding]] = {}
    for f in findings or []:
        if f.sheet and f.cell:
            marks.setdefault((f.sheet, f.cell), []).append(f)
    projects = [wb.add_worksheet(n) for n in sheet_names]
    for ws in (dept, instructions, *projects):
        ws._prepare_formula = _as_written  # see _as_written
    _lists(wb, framework)
    calcs = _calc_sheets(wb, fmt, locked, len(projects))

    dept_sheet = _Sheet(dept, fmt, locked, marks)
    _department_sheet(dept_sheet, unit, framework)
    project_sheets = []
    for i, (ws, p) in enumerate(zip(projects, unit.projects), start=1):
        project_sheets.append(_Sheet(ws, fmt, locked, marks))
        _project_sheet(project_sheets[-1], unit, p, i, framework)
    # Second pass: every formula, each with its cached result = the Python rules on what was written.
    findings_now = _live_findings(unit, framework, dept_sheet, project_sheets)
    counts = [_department_live(dept_sheet, framework, findings_now, calcs[0])]
    counts += [_project_live(sh, unit, framework, findings_now, calc) for sh, calc in zip(project_sheets, calcs[1:])]
    _instructions_sheet(_Sheet(instructions, fmt, locked), unit, framework, counts)
    if review is not None:
        _review_sheet(review, fmt, unit, findings or [])

    fields = {
        "template_id": TEMPLATE_ID, "template_version": TEMPLATE_VERSION, "perfxl_version": __version__,
        "framework": framework.id, "framework_version": framework.version, "budget_year": str(unit.budget_year),
        "money_unit": unit.money_unit, "unit_code": unit.unit.code, "unit_name": unit.unit.name,
        "department_code": unit.unit.department_code or "", "department_name": unit.unit.department_name or "",
        "project_codes": _json_list([p.code for p in unit.projects]),
        "project_sheets": _json_list(sheet_names),
        "calc_sheets": "1",  # the helpers are on calc sheets (layout.calc_sheet_names); earlier workbooks have none
    }
    if review is not None:
        fields["review_sheet"] = "1"
    return finish_workbook(buf, wb, fields, locked, [p.code for p in unit.projects], review or instructions,
                           key=key, password=password)


class _StoredBuffer(io.BytesIO):
    """The buffer XlsxWriter writes a form's package into. Its parts are stored, not compressed:
    _lock_structure rewrites every part and compresses it then, once (compressing twice was a sixth
    of a template's time)."""


def _package_zip(file: Any, *args: Any, **kwargs: Any) -> zipfile.ZipFile:
    """XlsxWriter's ZipFile, storing the parts when the package goes to a _StoredBuffer."""
    if isinstance(file, _StoredBuffer):
        kwargs["compression"] = zipfile.ZIP_STORED
    return zipfile.ZipFile(file, *args, **kwargs)


# XlsxWriter opens its package with the ZipFile its workbook module imported. Where a release does
# otherwise, the parts are compressed there and _lock_structure recompresses them: the same bytes.
if getattr(xlsxwriter.workbook, "ZipFile", None) is zipfile.ZipFile:
    xlsxwriter.workbook.ZipFile = _package_zip


def new_workbook(title: str, unit: Any, comments: str) -> tuple[io.BytesIO, Any, _Formats]:
    """(buffer, XlsxWriter workbook, formats) of a form's workbook: fixed properties so the bytes are
    the same run to run, every formula's cached result trusted on load. Shared by every form."""
    buf = _StoredBuffer()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    wb.set_properties({"title": title, "subject": unit.unit.name,
                       "author": "perfxl", "company": unit.unit.department_name or "", "created": FIXED_DATE,
                       "comments": comments})
    # Every formula carries its correct cached result, so Excel need not recalculate on load: without
    # fullCalcOnLoad and with a current engine id (Excel 2019/365) an untouched file opens clean and
    # does not ask to be saved (Protected View shows the cached results). Excel still recalculates
    # what depends on an edited cell; LibreOffice does too.
    wb.calc_on_load = False
    wb.calc_id = 191029
    return buf, wb, _Formats(wb)


def finish_workbook(buf: io.BytesIO, wb: Any, fields: dict[str, str], locked: list[LockedCell], codes: list[str],
                    first: Worksheet, *, key: bytes | None, password: str | None) -> bytes:
    """Sign the identity ``fields`` and the ``locked`` cells, write them to the very hidden identity
    sheet and the document properties, make ``first`` the active sheet, and lock the structure:
    the end of every form's workbook."""
    method, digest = sign(fields, locked, key)
    fields.update(signature_method=method, signature=digest)
    ident = wb.add_worksheet(IDENTITY_SHEET)
    for r, row in enumerate(identity_rows(fields, locked)):
        for c, v in enumerate(row):
            ident.write_string(r, c, v)
    ident.protect()
    ident.very_hidden()
    for name, value in _custom_properties(fields, codes):
        wb.set_custom_property(name, value)

    first.activate()  # the first sheet must stay visible and active: hidden sheets come last
    shared = {f"xl/worksheets/sheet{i}.xml": groups(ws._perfxl_formulas)
              for i, ws in enumerate(wb.worksheets(), start=1) if getattr(ws, "_perfxl_formulas", None)}
    wb.close()
    return _lock_structure(buf.getvalue(), password, shared)


# Office's limit on the text of a custom document property (XlsxWriter warns above it).
_PROPERTY_MAX = 255


def _custom_properties(fields: dict[str, str], codes: list[str]) -> list[tuple[str, str]]:
    """The identity's headline fields as custom document properties, for a glance in File ▸
    Properties; the identity sheet is the record and nothing is read back from these. No value
    passes Office's 255 characters: the project codes are one JSON list in ``perfxl.project_codes``
    while it fits (as before), else numbered lists of whole codes ``perfxl.project_codes.1``, ``.2`` …;
    ``perfxl.project_count`` says how many there are either way."""
    from .text import truncate_utf16, utf16_len

    out = [(f"perfxl.{k}", fields[k]) for k in ("template_id", "template_version", "perfxl_version", "framework",
                                                "budget_year", "unit_code")]
    out.append(("perfxl.project_count", str(len(codes))))
    whole = _json_list(codes)
    if utf16_len(whole) <= _PROPERTY_MAX:
        out.append(("perfxl.project_codes", whole))
    else:
        part: list[str] = []
        parts: list[list[str]] = []
        for code in codes:
            if part and utf16_len(_json_list(part + [code])) > _PROPERTY_MAX:
                parts.append(part)
                part = []
            part.append(code)
        parts.append(part)
        out += [(f"perfxl.project_codes.{i}", _json_list(p)) for i, p in enumerate(parts, start=1)]
    out += [(f"perfxl.{k}", fields[k]) for k in ("signature_method", "signature")]
    # A single value over the limit (a code of 300 characters) is shown cut, with "…" saying so.
    return [(k, v if utf16_len(v) <= _PROPERTY_MAX else truncate_utf16(v, _PROPERTY_MAX - 1) + "…") for k, v in out]


def _json_list(items: list[str]) -> str:
    import json
    return json.dumps(items, ensure_ascii=False)


def _check_fits(unit: UnitData, fw: Framework) -> None:
    """Refuse data the framework's template cannot hold, each problem with its own fix: too many rows
    is a framework setting (rows), a spend-plan milestone the framework does not have is the data's
    or the framework choice's mistake, and no number of rows mends that."""
    where, where_en = f"单位 {unit.unit.code}", f"unit {unit.unit.code}"
    problems = []
    rows_fix = t("请在指标体系文件的 rows 中调大行数，或选用行数足够的指标体系",
                 "raise the row counts under rows in the framework file, or use a framework with enough rows")

    def too_many(zh: str, en: str) -> str:
        return t(f"{zh}：{rows_fix}", f"{en}: {rows_fix}")

    dg = unit.department_goals
    if len(dg.sections) > fw.section_rows:
        problems.append(too_many(f"{where}：分项绩效目标有 {len(dg.sections)} 项，模板只有 {fw.section_rows} 行",
                                 f"{where_en}: {len(dg.sections)} sections, the template has {fw.section_rows} rows"))
    if len(dg.measures) > fw.measure_rows:
        problems.append(too_many(f"{where}：工作保障措施有 {len(dg.measures)} 条，模板只有 {fw.measure_rows} 行",
                                 f"{where_en}: {len(dg.measures)} measures, the template has {fw.measure_rows} rows"))
    if fw.uses("department_indicators") and len(dg.indicators) > fw.department_indicator_rows:
        problems.append(too_many(
            f"{where}：部门整体绩效指标有 {len(dg.indicators)} 个，模板只有 {fw.department_indicator_rows} 行",
            f"{where_en}: {len(dg.indicators)} department indicators, the template has {fw.department_indicator_rows} rows"))
    for p in unit.projects:
        if len(p.indicators) > fw.indicator_rows:
            problems.append(too_many(
                f"{where} 项目 {p.code}：有 {len(p.indicators)} 个指标，模板只有 {fw.indicator_rows} 行",
                f"{where_en} project {p.code}: {len(p.indicators)} indicators, the template has {fw.indicator_rows} rows"))
        if fw.uses("period_goals") and len(p.period_indicators) > fw.period_indicator_rows:
            problems.append(too_many(
                f"{where} 项目 {p.code}：有 {len(p.period_indicators)} 个实施期指标，模板只有 {fw.period_indicator_rows} 行",
                f"{where_en} project {p.code}: {len(p.period_indicators)} 实施期 indicators, the template has "
                f"{fw.period_indicator_rows} rows"))
        if fw.uses("fund_sources") and len(p.funds.sources) > fw.fund_source_rows:
            problems.append(too_many(
                f"{where} 项目 {p.code}：资金来源有 {len(p.funds.sources)} 项，模板只有 {fw.fund_source_rows} 行",
                f"{where_en} project {p.code}: {len(p.funds.sources)} fund sources, the template has "
                f"{fw.fund_source_rows} rows"))
        unknown = [k for k in p.spend_plan if k not in fw.milestones and p.spend_plan[k] is not None]
        if unknown:
            problems.append(t(
                f"{where} 项目 {p.code}：资金支出计划的时点“{'、'.join(unknown)}”不是指标体系 {fw.id} 的时点"
                f"（{'、'.join(fw.milestones)}）：请把支出比例改填到这些时点下，或用 --framework 选用含该时点的指标体系",
                f"{where_en} project {p.code}: spend-plan milestone {', '.join(unknown)} is not one of framework "
                f"{fw.id}'s ({', '.join(fw.milestones)}): move the shares to those milestones, or choose the "
                "framework that has it with --framework"))
    problems += _uncarried(unit, fw, where, where_en)
    if problems:
        raise PerfxlError(t("；", "; ").join(problems) + t("。", "."))


# Schema-v2 fields (frameworks.V2_FIELDS) the workbook has cells for, where the framework declares them.
_WORKBOOK_FIELDS = ("value_type", "weight", "direction", "attribute", "period", "period_goals", "fund_sources",
                    "department_indicators")
_V2_NAMES = {"department_indicators": ("部门整体绩效指标", "department indicators"),
             "period_goals": ("实施期目标与指标", "实施期 goals and indicators"),
             "fund_sources": ("资金来源", "funds by source"), "value_type": ("指标值类型", "指标值类型 (value type)"),
             "weight": ("权重", "weights"), "direction": ("指标方向", "directions"),
             "attribute": ("项目属性", "项目属性 (new or continuing)"), "period": ("实施期", "实施期 (period)")}


def _implied_type(ind: Any) -> bool:
    """A 指标值类型 the 符号 cell already says: 定性 with 定性, 定量 with ≥ ≤ ＝ ＞ ＜ and a number."""
    if ind.value_type == "定性":
        return ind.operator == "定性"
    return ind.operator in ("≥", "≤", "=", ">", "<") and isinstance(ind.value, (int, float))


def _uncarried(unit: UnitData, fw: Framework, where: str, where_en: str) -> list[str]:
    """The schema-v2 fields the unit holds but this framework's workbook has no cells for: refused by
    name (never dropped in silence); 指标值类型 only where the 符号 does not already say it."""
    used = {"department_indicators": bool(unit.department_goals.indicators)}
    tables = [unit.department_goals.indicators]
    for p in unit.projects:
        used["period_goals"] = used.get("period_goals") or bool(p.period_goals or p.period_indicators)
        used["fund_sources"] = used.get("fund_sources") or bool(p.funds.sources)
        used["attribute"] = used.get("attribute") or p.attribute is not None
        used["period"] = used.get("period") or p.period is not None
        tables += [p.indicators, p.period_indicators]
    for inds in tables:
        for ind in inds:
            used["weight"] = used.get("weight") or ind.weight is not None
            used["direction"] = used.get("direction") or ind.direction is not None
            used["value_type"] = used.get("value_type") or (ind.value_type is not None and not _implied_type(ind))
    missing = [k for k, v in used.items() if v and not (k in _WORKBOOK_FIELDS and fw.uses(k))]
    if not missing:
        return []
    zh, en = "、".join(_V2_NAMES[k][0] for k in missing), ", ".join(_V2_NAMES[k][1] for k in missing)
    return [t(f"{where}：数据中有{zh}，指标体系 {fw.id} 的模板没有这些栏目：请选用声明了这些栏目的指标体系"
              "（如 mof-2013），或从数据中去掉它们",
              f"{where_en}: the data holds {en}, which framework {fw.id}'s template has no cells for: choose a "
              "framework that declares them (such as mof-2013), or remove them from the data")]


def _page_setup(ws: Worksheet, last_row: int, repeat: tuple[int, int] | None = None) -> None:
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页，共 &N 页")
    # Only the official table prints: not 出错说明, 自查, the counts or the status (print area A..I up
    # to the last input row), and in black and white, so the input fill and the 自查 colours do not
    # print either (Excel and WPS honour the sheet's "black and white" print option).
    ws.print_area(0, 0, last_row, PRINT_LAST_COL)
    ws.print_black_and_white()
    if repeat:
        ws.repeat_rows(*repeat)
    for c, w in enumerate(WIDTHS):
        ws.set_column(c, c, w)
    ws.set_column(HELPER_COL, HELPER_COL + HELPER_COLS - 1, 12, None, {"hidden": True})


def _check_formats(sh: _Sheet, first: int, last: int) -> None:
    """Colour the self-check column: red for ✗ (must change), amber for △ (advice), green for ✓."""
    rng = (first, CHECK_COL, last, CHECK_COL)
    top = a1(first, CHECK_COL).replace("$", "")
    for mark, colours in ((CHECK_ERROR, {"bg_color": "#FFC7CE", "font_color": "#9C0006"}),
                          (CHECK_WARNING, {"bg_color": "#FFEB9C", "font_color": "#9C5700"}),
                          (CHECK_OK, {"font_color": "#006100"})):
        sh.ws.conditional_format(*rng, {"type": "formula", "criteria": f'=LEFT({top},1)="{mark}"',
                                        "format": sh.fmt.wb.add_format(colours)})


def _live_findings(unit: UnitData, fw: Framework, dept: _Sheet, projects: list[_Sheet]) -> list[Finding]:
    """The live rules' findings on what was written, as ``perfxl check`` would report them."""
    from .check import check_unit
    from .live import LIVE_CODES
    from .reader import read_written

    cells = {DEPARTMENT_SHEET: dept.values, **{sh.ws.name: sh.values for sh in projects}}
    read = read_written(cells, fw, unit, [sh.ws.name for sh in projects])
    return check_unit(read.unit, fw, locations=read.locations, select=LIVE_CODES)


def _write_live(sh: _Sheet, cells: list, now: dict, L: ProjectLayout | DepartmentLayout,
                calc: _Sheet | None = None) -> tuple[str, Span, int]:
    """Write a sheet's live formulas (helpers, 自查 cells, sums and counts) with their cached results,
    then its status: the number of ✗ in the 自查 column, and in words. With ``calc`` (the goal
    table), the helpers layout.in_calc_sheet names go to that sheet, and every formula names the
    sheet of each cell it reads on the other one (formula_text.place)."""
    hidden = sh.fmt(border=0, font_size=9, text_wrap=False)
    placer = row_placer(sh.ws.name, calc.ws.name, in_calc_sheet) if calc is not None else None

    def write(on: _Sheet, row: int, col: int, formula: str, value: Any, f: Any, on_calc: bool) -> None:
        if placer is None:
            on.formula(row, col, formula, value, f)
        else:
            shape = placer.stand_in(formula, on_calc, row)
            on.formula(row, col, placer.with_names(shape), value, f, shape=shape)

    for c in cells:
        f = sh.fmt.check if c.col == CHECK_COL else hidden
        if calc is not None and in_calc_sheet(c.col):
            write(calc, c.row, c.col, c.formula, c.value, hidden, True)
        else:
            write(sh, c.row, c.col, c.formula, c.value, f, False)
    # An explicit number format: a General formula cell takes the format of what it adds up in
    # Calc, so a percent-formatted share made the 合计 show "8030.00%" for 80.3.
    plan_sum = getattr(L, "plan_sum", None)
    for (row, col), (formula, value) in now.items():
        share = plan_sum is not None and (row, col) == (plan_sum.row, plan_sum.col)
        write(sh, row, col, formula, value, sh.fmt(align="center", num_format="0.00" if share else "0"), False)
    errors = sum(str(c.value).count(CHECK_ERROR) for c in cells if c.col == CHECK_COL)
    sh.label(Span(L.status_row, 0), "本表自查")
    rng = f"{a1(0, CHECK_COL)}:{a1(L.status_row - 1, CHECK_COL)}"
    count = L.error_count
    sh.formula(count.row, count.col, f'=SUMPRODUCT(LEN({rng})-LEN(SUBSTITUTE({rng},"{CHECK_ERROR}","")))', errors)
    status = L.status
    bold = sh.fmt(bold=True, align="center")
    sh.ws.merge_range(status.row, status.col, *status.end, None, bold)
    sh.formula(status.row, status.col, f'=IF({count.a1}=0,"自查通过","有 "&{count.a1}&" 处需修改")',
               _status_text(errors), bold)
    for text, colours in (("需修改", {"bg_color": "#FFC7CE", "font_color": "#9C0006"}),
                          ("自查通过", {"bg_color": "#C6EFCE", "font_color": "#006100"})):
        sh.ws.conditional_format(status.row, status.col, status.row, status.col,
                                 {"type": "text", "criteria": "containing", "value": text,
                                  "format": sh.fmt.wb.add_format(colours)})
    return sh.ws.name, count, errors


def _status_text(errors: int) -> str:
    return "自查通过" if errors == 0 else f"有 {errors} 处需修改"


def _department_live(sh: _Sheet, fw: Framework, findings: list[Finding], calc: _Sheet) -> tuple[str, Span, int]:
    from .live import DepartmentLive

    return _write_live(sh, DepartmentLive(fw).build(sh.values, findings), {}, DepartmentLayout(fw), calc)


def _project_live(sh: _Sheet, unit: UnitData, fw: Framework, findings: list[Finding],
                  calc: _Sheet) -> tuple[str, Span, int]:
    from .live import ProjectLive

    live = ProjectLive(fw, unit.money_unit)
    cells = live.build(sh.ws.name, sh.values, findings)
    return _write_live(sh, cells, live.now, live.L, calc)


def _calc_sheets(wb: Any, fmt: _Formats, locked: list[LockedCell], projects: int) -> list[_Sheet]:
    """The very hidden sheets of the live checks' helpers (layout.calc_sheet_name), after _lists."""
    out = []
    for name in calc_sheet_names(projects):
        ws = wb.add_worksheet(name)
        ws._prepare_formula = _as_written
        ws.protect()
        ws.very_hidden()
        out.append(_Sheet(ws, fmt, locked))
    return out


def typed_value(ind: Indicator) -> Any:
    """The 指标值 to write: what was typed (``raw_value``) while it still reads as the model's value,
    so a workbook made from JSON holds what the JSON held and ``check`` finds the same on both
    (I16, I17 read the text as typed); the model's value once code has changed it."""
    raw = ind.raw_value
    if not isinstance(raw, str) or not raw.strip() or raw == ind.value:
        return ind.value
    probe = Indicator(level1="", level2="", name="", operator=ind.operator, unit=ind.unit, value_note=ind.value_note,
                      value_type=ind.value_type)
    interpret_value(probe, raw, OPERATOR_FROM_JSON.get(ind.operator, ind.operator) if ind.operator else None, ind.unit)
    same = (probe.value, probe.operator, probe.unit, probe.value_note) == (ind.value, ind.operator, ind.unit,
                                                                         ind.value_note)
    return raw if same else ind.value


def _unit_line(unit: UnitData) -> str:
    return f"{unit.unit.code}{unit.unit.name}"


def _project_sheet(sh: _Sheet, unit: UnitData, p: Project, number: int, fw: Framework) -> Span:
    L = ProjectLayout(fw)
    ws, fmt = sh.ws, sh.fmt
    lim = fw.text_limits
    sh.register(L.title, f"{number}.{p.name}绩效目标表", bold=True, font_size=14, align="center", border=0,
                bg_color="#FFFFFF")
    sh.register(L.unit_line, _unit_line(unit), border=0)
    sh.put(L.money_unit, f"单位：{unit.money_unit}", fmt(align="right", border=0))
    sh.label(L.code_label, "项目编码")
    sh.register(L.code, p.code)
    sh.label(L.name_label, "项目名称")
    sh.register(L.name, p.name)
    sh.label(L.funds_label, "预算规模及资金用途")
    money = _decimal_rule("金额（万元）" if unit.money_unit == "万元" else "金额（元）",
                          f"填写数字，单位：{unit.money_unit}，保留两位小数。预算数 = 财政资金 + 其他资金。", 0)
    for label_span, label, span, value in ((L.total_label, "预算数", L.total, p.funds.total),
                                           (L.fiscal_label, "其中：财政资金", L.fiscal, p.funds.fiscal),
                                           (L.other_label, "其他资金", L.other, p.funds.other)):
        sh.label(label_span, label)
        sh.field(span, value, None, money, num_format=NUM_FMT_MONEY)
    for c in range(L.other.col + 1, CHECK_COL):
        ws.write_blank(L.total.row, c, None, fmt.prefilled)
    sh.label(L.purpose_label, "资金用途")
    sh.field(L.purpose, p.purpose, None,
             _text_rule(lim["short"], "资金用途", "简要写明资金用于什么。"), align="left")

    sh.label(L.plan_label, "资金支出计划（%）")
    cumulative = fw.spend_mode == "cumulative"
    plan_msg = ("填写截至该时点累计支出占预算数的百分比（填 30 表示 30%），逐期不减少，最后一期为 100。" if cumulative
                else "填写该时段支出占预算数的百分比（填 30 表示 30%），各期合计为 100。")
    for label_span, span, m in zip(L.milestone_labels, L.milestones, fw.milestones):
        sh.label(label_span, m)
        # Text (@), as the 指标值 column: "30%" typed stays "30%" and 30 stays 30, both read as 30 by the
        # live 自查 and by check. In a General cell Excel and Calc would store 0.3 under a percent
        # format that then sticks to the cell (docs/percent-entry.md).
        sh.input(span, p.spend_plan.get(m), _percent_rule(f"{m}支出比例（%）", plan_msg, span), num_format="@",
                 align="center")
    first_m, last_m = L.milestones[0], L.milestones[-1]
    ws.ignore_errors({"number_stored_as_text": f"{first_m.a1}:{last_m.a1}".replace("$", "")})
    sh.label(L.plan_sum_label, "最后一期" if cumulative else "合计")
    for c in range(L.plan_sum.col + 1, CHECK_COL):
        ws.write_blank(L.plan_sum_label.row, c, None, fmt.prefilled)
        ws.write_blank(L.plan_sum.row, c, None, fmt.prefilled)

    sh.label(L.goals_label, L.goals_heading)
    goals_text = "\n".join(f"{i}.{g}" for i, g in enumerate(p.goals, start=1))
    sh.input(L.goals, goals_text, _text_rule(
        lim["goal"], "绩效目标", "写明年度绩效目标，可分条：1.…… 2.……（Alt+回车换行）。要具体、可衡量，不要照抄资金用途。"),
        align="left", valign="top")
    ws.set_row(L.goals.row, 60)

    _project_v2_blocks(sh, unit, p, L, fw)
    from .live import ProjectLive

    inherited = ProjectLive(fw, unit.money_unit).level1_ref(L.indicator_rows.start)  # the 一级 the row has or inherits
    _indicator_table(sh, L.columns, L.header_row, L.indicator_rows, p.indicators, inherited, lim)
    _indicator_extras(sh, L.extra_columns, L.header_row, L.indicator_rows, p.indicators)
    _period_table(sh, p, L, lim)
    sh.put(Span(L.summary_title_row, 0, L.summary_title_row, 8), "指标自查（自动计算，无需填写）", fmt.label)
    for name, r in L.level_count_rows.items():
        sh.label(Span(r, 0, r, 1), f"{name}个数")
    sh.label(Span(L.total_count_row, 0, L.total_count_row, 1), "指标总数")
    _sheet_end(sh, L, p.explanation, lim, L.header_row)
    _page_setup(ws, L.print_last_row, (L.header_row, L.header_row))
    _print_extra_columns(ws, L.extra_columns, L.print_last_row)
    ws.freeze_panes(L.header_row + 1, 0)


def _inherited_level1(sh: _Sheet, rows: range, indicators: list[Indicator]) -> str:
    """A hidden helper (column L) beside each row of an indicator table the live checks do not cover
    (实施期, 部门整体): the 一级 the row has or inherits from above (a blank 一级 means "same as
    above", as the reader reads it), for the 二级 dropdown. Returns its reference, row-relative."""
    col = HELPER_COL
    hidden = sh.fmt(border=0, font_size=9, text_wrap=False)
    level1 = ""
    for r, ind in zip(rows, indicators + [None] * len(rows)):
        own = (ind.level1 or "").strip() if ind is not None else ""
        level1 = own or level1
        typed = f"TRIM({a1(r, 0)})"
        formula = f"={typed}" if r == rows.start else f'=IF({typed}="",{a1(r - 1, col)},{typed})'
        sh.formula(r, col, formula, level1, hidden)
    ref = a1(rows.start, col)
    return "$" + ref


def _project_v2_blocks(sh: _Sheet, unit: UnitData, p: Project, L: ProjectLayout, fw: Framework) -> None:
    """The schema-v2 project fields the framework declares, between 绩效目标 and the indicator table
    (layout.ProjectLayout): 实施期目标; 项目属性 and 实施期 (起, 止); 资金来源 (来源, 级次, 金额); the 年度
    table's title. Each is an input cell with its dropdown or check; a framework declaring none has none."""
    ws, fmt, lim = sh.ws, sh.fmt, fw.text_limits
    if L.period_goals is not None:
        sh.label(L.period_goals_label, V2_LABELS["period_goals"])
        text = "\n".join(f"{i}.{g}" for i, g in enumerate(p.period_goals, start=1))
        sh.input(L.period_goals, text, _text_rule(
            lim["goal"], "实施期目标", "写明整个实施期（跨年度）要达到的目标，可分条：1.…… 2.……（Alt+回车换行）；本年度的写在年度目标栏。"),
            align="left", valign="top")
        ws.set_row(L.period_goals.row, 45)
    if L.facts_row is not None:
        row, used = L.facts_row, 0
        if L.attribute is not None:
            sh.label(L.attribute_label, V2_LABELS["attribute"])
            sh.input(L.attribute, p.attribute, _list_rule(list(ATTRIBUTES), "项目属性",
                                                          "新增：本年度新设立的项目；延续：以前年度已设立、本年度继续实施的项目。"),
                     align="center")
            used = L.attribute.col + 1
        if L.period_start is not None:
            sh.label(L.period_label, V2_LABELS["period"])
            for span, value, which in ((L.period_start, p.period.start if p.period else None, "起"),
                                       (L.period_end, p.period.end if p.period else None, "止")):
                sh.input(span, value, _period_rule(which), align="center", num_format="yyyy-mm")
            sh.label(L.period_to, V2_LABELS["period_to"])
            used = L.period_end.col + 1
        for c in range(used, CHECK_COL):
            ws.write_blank(row, c, None, fmt.prefilled)
    if L.sources_header_row is not None:
        _fund_sources(sh, unit, p, L)
    if L.annual_title is not None:
        sh.put(L.annual_title, V2_LABELS["annual_title"], fmt(bold=True, border=0))


def _period_rule(which: str) -> dict:
    """A month of 实施期: any date from 2000 to 2100 (Excel stores "2023-07" or "2023年7月" typed as a date)."""
    return {"validate": "date", "criteria": "between", "minimum": datetime(2000, 1, 1), "maximum": datetime(2100, 12, 31),
            "input_title": f"实施期（{which}）", "input_message": "填写年月，如 2023-07 或 2023年7月。",
            "error_title": "请填写年月", "error_message": "请填写 2000 年至 2100 年之间的年月，如 2023-07。"}


def _fund_sources(sh: _Sheet, unit: UnitData, p: Project, L: ProjectLayout) -> None:
    """资金来源: one row per source (来源, 级次 where it is a 上级补助 or 上年结转 of a given level, 金额);
    the amounts add up to 预算数 (F04)."""
    ws, fmt = sh.ws, sh.fmt
    head = L.sources_header_row
    cols = L.SOURCE_COLUMNS
    sh.label(L.sources_label, V2_LABELS["sources"])
    for name, c in cols.items():
        sh.label(Span(head, c), f"金额（{unit.money_unit}）" if name == "amount" else V2_LABELS[name])
    rows = L.source_rows
    for r, src in zip(rows, p.funds.sources + [None] * len(rows)):
        sh.put(Span(r, cols["source"]), src.source if src else None, fmt.input(align="center"))
        sh.put(Span(r, cols["level"]), src.level if src else None, fmt.input(align="center"))
        sh.put(Span(r, cols["amount"]), src.amount if src else None, fmt.input(num_format=NUM_FMT_MONEY))
    for r in (head, *rows):
        for c in range(cols["amount"] + 1, CHECK_COL):
            ws.write_blank(r, c, None, fmt.prefilled)
    r1, r2 = rows.start, rows.stop - 1
    _fill_rows_while_blank(sh, rows, list(cols.values()), [cols["source"], cols["amount"]])
    sh.validate(r1, cols["source"], r2, cols["source"], _list_rule(
        list(FUND_SOURCES), "资金来源", "选择资金来源，一行一个来源；各行金额合计为预算数。"))
    sh.validate(r1, cols["level"], r2, cols["level"], _list_rule(
        list(FUND_LEVELS), "级次", "上级补助（或上年结转）来自哪一级财政：中央、省、市、县；本级财政可不填。"))
    sh.validate(r1, cols["amount"], r2, cols["amount"], _decimal_rule(
        f"金额（{unit.money_unit}）", f"填写数字，单位：{unit.money_unit}；各来源金额合计为预算数。", 0))


def _period_table(sh: _Sheet, p: Project, L: ProjectLayout, lim: dict) -> None:
    """实施期绩效指标: the indicators over the whole 实施期, below the 年度 table, where declared."""
    if L.period_title is not None:
        _declared_table(sh, L, L.period_title, V2_LABELS["period_title"], L.period_header_row,
                        L.period_indicator_rows, p.period_indicators, lim)


def _department_indicators(sh: _Sheet, L: DepartmentLayout, dg: Any, lim: dict) -> None:
    """四、部门整体绩效指标: the department's own indicator table below the measures, where declared."""
    if L.indicators_label is not None:
        _declared_table(sh, L, L.indicators_label, V2_LABELS["dept_indicators"], L.indicator_header_row,
                        L.indicator_rows, dg.indicators, lim)


def _declared_table(sh: _Sheet, L: ProjectLayout | DepartmentLayout, title: Span, text: str, header_row: int,
                    rows: range, indicators: list[Indicator], lim: dict) -> None:
    """An indicator table a framework declares besides the 年度 one (schema v2): its title, the columns
    and validations of the 年度 table (no 自查 heading: checked on receipt, no "begin here" cue: it
    may stay empty), and the declared extra columns."""
    sh.put(title, text, sh.fmt(bold=True, border=0))
    inherited = _inherited_level1(sh, rows, indicators)
    _indicator_table(sh, L.columns, header_row, rows, indicators, inherited, lim, check_heading=False, start_cue=False)
    _indicator_extras(sh, L.extra_columns, header_row, rows, indicators)


def _print_extra_columns(ws: Worksheet, extra: list[tuple[str, int]], last_row: int) -> None:
    """Where a framework declares indicator columns right of the hidden helpers (指标值类型, 权重, 指标方向),
    they print beside the table: the print area is those columns and A..I repeat at the left of every
    page as print titles, so the page shows A..I then the extra columns, and neither 出错说明, 自查 nor
    the hidden helper columns between them (Excel, WPS and LibreOffice print titles so)."""
    if not extra:
        return
    ws.print_area(0, extra[0][1], last_row, extra[-1][1])
    ws.repeat_columns(0, PRINT_LAST_COL)


def _indicator_table(sh: _Sheet, cols: Any, header_row: int, rows: range, indicators: list[Indicator], inherited: str,
                     lim: dict, check_heading: bool = True, start_cue: bool = True) -> None:
    """An indicator table: its headings, one row per indicator (then empty input rows), and the
    validations of each column. ``inherited`` is the cell, row-relative to the first row, holding the
    一级 a row has or inherits (the 二级 dropdown lists that 一级's children)."""
    fmt = sh.fmt
    for name, c in cols.items():
        if name != "check" or check_heading:
            sh.label(Span(header_row, c), cols.HEADINGS[name])
    r1, r2 = rows.start, rows.stop - 1
    for r, ind in zip(rows, indicators + [None] * len(rows)):
        values = {} if ind is None else {
            "level1": ind.level1, "level2": ind.level2, "name": ind.name, "description": ind.description,
            "operator": OPERATOR_FROM_JSON.get(ind.operator, ind.operator) if ind.operator else None,
            "value": typed_value(ind), "unit": ind.unit, "value_note": ind.value_note, "basis": ind.basis, "explanation": ind.explanation}
        for name, c in cols.items():
            if name == "check":
                continue
            centred = name in ("level1", "level2", "operator", "value", "unit")
            # 指标值 as text (@): "95%" typed stays "95%", never a percent-formatted 0.95 (perfxl.live)
            extra = {"num_format": "@"} if name == "value" else {}
            sh.put(Span(r, c), values.get(name), fmt.input(align="center" if centred else "left", **extra))
        sh.ws.set_row(r, 30)
    # Yellow where a started row still lacks 三级/符号/指标值 (and 一级/二级 on the first row, which has
    # nothing above to inherit); an empty table shows where to begin.
    typed = [c for name, c in cols.items() if name not in ("check", "explanation")]
    _fill_rows_while_blank(sh, rows, typed, [cols.name, cols.operator, cols.value],
                           [cols.level1, cols.level2, cols.name, cols.operator, cols.value] if start_cue else None)
    _fill_rows_while_blank(sh, range(r1, r1 + 1), typed, [cols.level1, cols.level2])
    sh.validate(r1, cols.level1, r2, cols.level1, _list_rule(
        "=pxl_L1", "一级指标", "从下拉列表选择一级指标。与上一行相同时可留空（视为同上）。"))
    sh.validate(r1, cols.level2, r2, cols.level2, _list_rule(
        f'=INDIRECT("pxl_L2_"&IFERROR(MATCH({inherited},pxl_L1,0),0))', "二级指标",
        "先选一级指标（留空为同上），再从下拉列表选择其下的二级指标。"))
    sh.validate(r1, cols.name, r2, cols.name, _text_rule(
        lim["short"], "三级指标", "写具体指标名称，如“培训人次”“资金支付及时率”，不要写“社会效益指标”等类别名。"))
    sh.validate(r1, cols.description, r2, cols.description, _text_rule(
        lim["short"], "绩效指标描述", "说明该指标衡量什么、怎么算。"))
    sh.validate(r1, cols.operator, r2, cols.operator, _list_rule(
        "=pxl_OPS", "符号", "定量指标选 ≥ ≤ ＝ ＞ ＜；无法量化的选“定性”。成本指标一般用 ≤。"))
    sh.validate(r1, cols.value, r2, cols.value, _text_rule(
        lim["value"], "指标值", "定量指标只填数字（80% 填 80），符号和单位分别填在左右两栏；定性指标填等级或简短描述。"))
    sh.validate(r1, cols.unit, r2, cols.unit, _list_rule(
        "=pxl_UNITS", "计量单位", "选择计量单位；列表中没有的可直接输入。定性指标可不填。", strict=False))
    sh.validate(r1, cols.value_note, r2, cols.value_note, _text_rule(
        lim["short"], "指标值说明", "对指标值的补充说明，如“财政拨入资金支付80%以上”。"))
    sh.validate(r1, cols.basis, r2, cols.basis, {
        **_list_rule("=pxl_BASIS", "指标值确定依据", "选择依据类别，或直接写明依据。", strict=False),
        "error_type": "information", "error_title": "确定依据", "error_message": "已按您填写的内容保存。"})
    sh.validate(r1, cols.explanation, r2, cols.explanation, _text_rule(
        lim["explanation"], "出错说明", "审核提示（△）确实无需修改时，在此说明理由；审核时显示为“已说明”。"))


_EXTRA_RULES = {
    "value_type": lambda: _list_rule(["定量", "定性"], "指标值类型", "定量指标的指标值只填数字；无法量化的选“定性”。"),
    "weight": lambda: _decimal_rule("权重（分值）", "填写该指标的权重（分值）；本表各指标权重合计为 100。", 0, 100),
    "direction": lambda: _list_rule(["正向", "反向", "区间"], "指标方向",
                                    "正向：越大越好；反向：越小越好；区间：在一定范围内为好。"),
}


def _indicator_extras(sh: _Sheet, extra: list[tuple[str, int]], header_row: int, rows: range,
                      indicators: list[Indicator]) -> None:
    """The indicator columns of the schema-v2 fields the framework declares (layout.extra_columns):
    heading, one input cell per indicator row, and a dropdown or number check."""
    for name, c in extra:
        sh.label(Span(header_row, c), EXTRA_INDICATOR_HEADINGS[name])
        for r, ind in zip(rows, indicators + [None] * len(rows)):
            sh.put(Span(r, c), getattr(ind, name) if ind is not None else None, sh.fmt.input(align="center"))
        sh.validate(rows.start, c, rows.stop - 1, c, _EXTRA_RULES[name]())
        sh.ws.set_column(c, c, 10)


def _sheet_end(sh: _Sheet, L: ProjectLayout | DepartmentLayout, explanation: str | None, lim: dict,
               check_header_row: int) -> None:
    """What every data sheet ends with: its 出错说明, its status, the colours of the 自查 column, protection."""
    ex = L.sheet_explanation
    sh.label(Span(ex.row, 0), "出错说明（本表）")
    sh.input(ex, explanation, _text_rule(lim["explanation"], "出错说明", "本表的审核提示确实无需修改时，在此说明理由。"),
             align="left")
    _fill_while_blank(sh)
    _check_formats(sh, 0, L.status_row - 1)
    sh.label(Span(check_header_row, CHECK_COL), "自查")
    sh.ws.protect("", _PROTECT)


_PROTECT = {"format_columns": True, "format_rows": True, "select_locked_cells": True, "select_unlocked_cells": True}


def _department_sheet(sh: _Sheet, unit: UnitData, fw: Framework) -> None:
    L = DepartmentLayout(fw)
    ws, fmt = sh.ws, sh.fmt
    lim = fw.text_limits
    dg = unit.department_goals
    sh.register(L.title, f"{unit.budget_year}年部门整体绩效目标", bold=True, font_size=14, align="center", border=0,
                bg_color="#FFFFFF")
    sh.register(L.unit_line, _unit_line(unit), border=0)
    sh.put(L.overall_label, "一、总体绩效目标", fmt(bold=True, border=0))
    sh.input(L.overall, dg.overall, _text_rule(
        lim["overall"], "总体绩效目标", "概括本部门本年度的总体绩效目标：做什么、达到什么程度。"), align="left", valign="top")
    ws.set_row(L.overall.row, 120)
    sh.put(L.sections_label, "二、分项绩效目标", fmt(bold=True, border=0))
    sh.label(Span(L.section_header_row, 0), "科室")
    sh.label(Span(L.section_header_row, 1, L.section_header_row, 8), "绩效目标")
    rows = L.section_rows
    for r, s in zip(rows, dg.sections + [None] * len(rows)):
        sh.put(L.section_name(r), s.name if s else None, fmt.input(align="center"))
        sh.put(L.section_goal(r), s.goal if s else None, fmt.input(align="left"))
        ws.set_row(r, 30)
    _fill_rows_while_blank(sh, rows, [0, 1], [0, 1], [0, 1])
    sh.validate(rows.start, 0, rows.stop - 1, 0, _text_rule(50, "科室", "填写科室名称，如“综合科”，一行一个科室。"))
    sh.validate(rows.start, 1, rows.stop - 1, 1, _text_rule(
        lim["goal"], "分项绩效目标", "写明该科室本年度的绩效目标。"))
    sh.put(L.measures_label, "三、工作保障措施", fmt(bold=True, border=0))
    mrows = L.measure_rows
    for i, (r, m) in enumerate(zip(mrows, dg.measures + [None] * len(mrows)), start=1):
        sh.put(L.measure_number(r), f"（{_cn_number(i)}）", fmt.label)
        sh.put(L.measure(r), m, fmt.input(align="left"))
        ws.set_row(r, 30)
    _fill_rows_while_blank(sh, mrows, [1], [], [1])
    sh.validate(mrows.start, 1, mrows.stop - 1, 1, _text_rule(
        lim["goal"], "工作保障措施", "每行一条措施，如“完善制度，加强支出管理。……”，编号已列在左侧。"))
    _department_indicators(sh, L, dg, lim)
    _sheet_end(sh, L, dg.explanation, lim, L.section_header_row)
    _page_setup(ws, L.print_last_row)
    _print_extra_columns(ws, L.extra_columns, L.print_last_row)
    ws.fit_to_pages(1, 1)  # 部门整体绩效目标 prints on one A4 page, as the official form


_CN_DIGITS = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十: the （一） numbering of the seed's measures."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def workbook_status(sh: _Sheet, L: InstructionsLayout, counts: list[tuple[str, Span, int]]) -> None:
    """填报说明's 本工作簿自查 of either form: the workbook's status, and one row per data sheet with a
    link to it and its live error count (``counts``: sheet, its count cell, its errors now)."""
    ws, fmt = sh.ws, sh.fmt
    sh.label(L.status_label, "本工作簿自查")
    # One row per data sheet: a link to it and its live error count. The workbook's count is their SUM,
    # a formula of fixed length for any number of projects (a sum naming every sheet passes Excel's
    # 8,192 characters near 105 projects).
    rows = L.sheet_rows
    for c, h in enumerate(("工作表", "需修改（处）", "自查结果")):
        sh.label(Span(L.sheets_header_row, c), h)
    link = fmt(font_color="#0563C1", underline=1, align="left")
    for r, (name, span, errors) in zip(rows, counts):
        ws.write_url(r, 0, f"internal:{quote_sheet(name)}!A1", link, name)
        sh.formula(r, 1, f"={quote_sheet(name)}!{span.a1}", errors, fmt(align="center"))
        sh.formula(r, 2, f'=IF({a1(r, 1)}=0,"自查通过","有 "&{a1(r, 1)}&" 处需修改，点左侧表名前往")',
                   "自查通过" if errors == 0 else f"有 {errors} 处需修改，点左侧表名前往", fmt(align="left"))
    col_b = f"{a1(rows.start, 1)}:{a1(rows.stop - 1, 1)}"
    total = sum(e for _, _, e in counts)
    ws.merge_range(L.status.row, L.status.col, *L.status.end, None, fmt(bold=True, align="center"))
    sh.formula(L.status.row, L.status.col,
               f'=IF(SUM({col_b})=0,"自查通过","有 "&SUM({col_b})&" 处需修改：见下表标红的工作表")',
               "自查通过" if total == 0 else f"有 {total} 处需修改：见下表标红的工作表", fmt(bold=True, align="center"))
    for text, colours in (("需修改", {"bg_color": "#FFC7CE", "font_color": "#9C0006"}),
                          ("自查通过", {"bg_color": "#C6EFCE", "font_color": "#006100"})):
        for row, c1, c2 in ((L.status.row, L.status.col, L.status.col), (rows.start, 2, max(rows.stop - 1, rows.start))):
            ws.conditional_format(row, c1, row if row == L.status.row else c2, c1,
                                  {"type": "text", "criteria": "containing", "value": text,
                                   "format": fmt.wb.add_format(colours)})


def _instructions_sheet(sh: _Sheet, unit: UnitData, fw: Framework, counts: list[tuple[str, Span, int]]) -> None:
    L = InstructionsLayout(len(counts))
    ws, fmt = sh.ws, sh.fmt
    for c, w in enumerate(L.widths):
        ws.set_column(c, c, w)
    sh.register(L.title, f"{unit.budget_year}年预算绩效目标填报说明", bold=True, font_size=16, align="center", border=0,
                bg_color="#FFFFFF")
    sh.register(L.unit_line, f"填报单位：{_unit_line(unit)}", border=0)
    workbook_status(sh, L, counts)
    r = L.body_start_row
    body = fmt(border=0, align="left")
    head = fmt(bold=True, border=0, font_size=12)
    wide = L.widths and len(L.widths) - 1

    def para(text: str, f: Any = body, height: int | None = None) -> None:
        nonlocal r
        ws.merge_range(r, 0, r, wide, None, f)
        ws.write_string(r, 0, text, f)
        if height:
            ws.set_row(r, height)
        r += 1

    para("一、填报步骤", head)
    steps = [
        "1. 未锁定的单元格为填报区，尚未填写时显示浅黄色（填好后消失，打印时不出现）；灰色单元格由财政部门预填并锁定（单位、项目编码、项目名称、预算金额等），不能修改。",
        "2. 先填“部门整体绩效目标”表，再逐个填写各项目表（每个项目一张表，表名以序号开头）。",
        "3. 指标表每行一个三级指标：一级、二级指标、符号、计量单位请从下拉列表选择；一级、二级与上一行相同时可留空（视为同上），不要合并单元格。",
        "4. 定量指标：符号选 ≥ ≤ ＝ ＞ ＜，指标值只填数字（80% 填 80），计量单位选 %、万元、个 等；定性指标符号选“定性”，指标值填等级或简短描述。",
        f"5. 资金支出计划填百分比数字（填 30 表示 30%），{'逐期累计，最后一期为 100' if fw.spend_mode == 'cumulative' else '各期合计为 100'}。",
        "6. 每张表右侧“自查”列实时检查：✗ 为必须修改，△ 为提示，✓ 为通过，后面是规则代码和说明（与财政部门审核的代码相同）。本页上方显示全工作簿自查结果和各表需修改处数（点表名可跳转），显示“自查通过”后再报送。",
        "7. 提示（△）确实无需修改的，在该行“出错说明”栏或表下方“出错说明（本表）”中写明理由。",
        "8. 请勿增删工作表、插入或删除行列、修改表名，也不要另存为其他格式；直接保存本文件（.xlsx）报送。",
    ]
    for s in steps:
        para(s, height=30)
    r += 1
    para("二、各栏说明", head)
    columns = [
        ("项目编码 / 项目名称", "由财政部门按项目清单预填，不能修改。"),
        ("预算数 / 财政资金 / 其他资金", f"单位：{unit.money_unit}。预算数 = 财政资金 + 其他资金；已预填的不能修改。"),
        ("资金支出计划（%）", f"各时点（{'、'.join(fw.milestones)}）支出占预算数的百分比。"),
        ("绩效目标", "项目年度绩效目标，分条填写，具体、可衡量。"),
        ("一级 / 二级指标", "；".join(f"{n}：{'、'.join(l2)}" for n, l2 in fw.levels)),
        ("三级指标", "具体的指标名称，不能用类别名称代替。"),
        ("符号 / 指标值 / 计量单位", "定量指标三栏都要填；指标值只填数字。"),
        ("指标值说明", "对指标值的补充说明（可选）。"),
        ("指标值确定依据", f"{'、'.join(fw.basis_suggestions)}，或写明具体依据。"),
        ("出错说明", "对不予修改的提示写明理由。"),
    ]
    columns += [(name, text) for field, name, text in _V2_COLUMN_NOTES if fw.uses(field)]
    for name, text in columns:
        ws.write_string(r, 0, name, fmt(bold=True, align="left"))
        ws.merge_range(r, 1, r, wide, None, fmt(align="left"))
        ws.write_string(r, 1, text, fmt(align="left"))
        ws.set_row(r, 30)
        r += 1
    r += 1
    para("三、审核规则（报送后财政部门将逐条审核；“表内自查”的规则在各表“自查”列即时显示，代码相同）", head, height=30)
    r = rules_table(ws, fmt, fw, r, wide, "goals")
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.protect("", _PROTECT)


def rules_table(ws: Worksheet, fmt: _Formats, fw: Framework, r: int, wide: int, form: str) -> int:
    """The 填报说明's table of the rules that check ``form``'s workbooks (catalogue.RuleInfo.form) and
    that ``fw`` applies, from row ``r``; returns the row after it."""
    from .live import rules_catalogue

    for c, h in enumerate(("代码", "类别", "检查方式", "规则")):
        ws.write_string(r, c, h, fmt.label)
    ws.merge_range(r, 3, r, wide, None, fmt.label)
    ws.write_string(r, 3, "规则", fmt.label)
    r += 1
    for entry in rules_catalogue(fw):
        if entry["setting"] == "off" or entry["form"] != form:
            continue  # this framework does not apply the rule, or it checks the other form
        if entry["code"] in FIELD_RULES and not any(fw.uses(f) for f in FIELD_RULES[entry["code"]]):
            continue  # a rule on schema-v2 fields this framework's table does not carry
        ws.write_string(r, 0, entry["code"], fmt(align="center"))
        ws.write_string(r, 1, SEVERITY_ZH[entry["severity"]], fmt(align="center"))
        ws.write_string(r, 2, "表内自查" if entry["live"] else "由财政部门收到后检查", fmt(align="center"))
        ws.merge_range(r, 3, r, wide, None, fmt(align="left"))
        ws.write_string(r, 3, entry["title"], fmt(align="left"))
        r += 1
    return r


# 填报说明's 各栏说明 of the schema-v2 fields, where the framework declares them (field, 栏目, 说明).
_V2_COLUMN_NOTES = (
    ("period_goals", "实施期目标 / 实施期绩效指标", "项目整个实施期（跨年度）的目标和指标；年度目标和年度绩效指标只写本预算年度的。"
     "实施期绩效指标不在“自查”列检查，报送后由财政部门按同样的规则审核。"),
    ("attribute", "项目属性", "新增：本年度新设立的项目；延续：以前年度已设立、本年度继续实施的项目。"),
    ("period", "实施期", "项目起止年月，如 2023-07 至 2025-06；应包含本预算年度。"),
    ("fund_sources", "资金来源", "按来源（本级财政、上级补助、上年结转、其他）分行填写金额，上级补助注明级次（中央、省、市、县）；合计等于预算数。"),
    ("value_type", "指标值类型", "定量指标的指标值只填数字；定性指标填等级或简短描述。"),
    ("weight", "权重", "各指标的权重（分值），每张指标表合计为 100。"),
    ("direction", "指标方向", "正向：越大越好；反向：越小越好；区间：在一定范围内为好。"),
    ("department_indicators", "部门整体绩效指标", "部门整体的一级、二级、三级指标，填法与项目绩效指标相同；"
     "不在“自查”列检查，报送后由财政部门按同样的规则审核。"),
)


def _legend(ws: Worksheet, fmt: _Formats, row: int) -> None:
    """A row of swatches in the very fills the marks use, and the input cells' fill beside them."""
    ws.write_string(row, 0, "图例", fmt(align="center", border=0))
    swatches = [(SEVERITY_ZH["error"], MARK_FILLS["error"]), (SEVERITY_ZH["warning"], MARK_FILLS["warning"]),
                ("待填（浅黄色，填写后消失）", INPUT_FILL)]
    for c, (text, colour) in enumerate(swatches, start=1):
        ws.write_string(row, c, text, fmt(align="center", bg_color=colour))
    ws.set_row(row, 20)


def _review_sheet(ws: Worksheet, fmt: _Formats, unit: UnitData, findings: list[Finding]) -> None:
    """审核意见: every finding, most severe first, each linked to its cell."""
    from .findings import FileReport

    ordered = FileReport("", unit.unit.code, list(findings)).sorted_findings()
    errors = sum(f.severity == "error" for f in ordered)
    warnings = sum(f.severity == "warning" for f in ordered)
    ws.merge_range(0, 0, 0, 5, f"{unit.budget_year}年预算绩效目标审核意见", fmt.title)
    red, orange = MARK_COLOUR_NAMES["error"][0], MARK_COLOUR_NAMES["warning"][0]
    ws.merge_range(1, 0, 1, 5, f"{_unit_line(unit)}：必须修改 {errors} 处，提示 {warnings} 处。"
                   f"标{red}的单元格必须修改；标{orange}的为提示，确实无需修改的请在“出错说明”栏写明理由；"
                   "浅黄色为尚未填写的填报处，不是审核标记。鼠标移到标记的单元格上可看到批注中的问题说明。修改后直接保存本文件重新报送。",
                   fmt(border=0, align="left"))
    ws.set_row(1, 36)
    _legend(ws, fmt, 2)
    heads = ("序号", "类别", "代码", "位置", "问题与修改建议", "单位说明")
    for c, (h, w) in enumerate(zip(heads, (6, 10, 7, 26, 90, 30))):
        ws.write_string(3, c, h, fmt.label)
        ws.set_column(c, c, w)
    link = fmt(font_color="#0563C1", underline=1, align="left")
    for i, f in enumerate(ordered, start=1):
        r = 3 + i
        ws.write_number(r, 0, i, fmt(align="center"))
        ws.write_string(r, 1, SEVERITY_ZH[f.severity] + ("（已说明）" if f.explained else ""),
                        fmt(align="center", bg_color=_MARK[f.severity]))
        ws.write_string(r, 2, f.code, fmt(align="center"))
        if f.sheet and f.cell:
            ws.write_url(r, 3, f"internal:{quote_sheet(f.sheet)}!{f.cell}", link, f"{f.sheet} {f.cell}")
        else:
            ws.write_string(r, 3, f.sheet or "整个文件", fmt(align="left"))
        ws.write_string(r, 4, f.message, fmt(align="left"))
        ws.write_string(r, 5, f.explanation or "", fmt(align="left"))
    if not ordered:
        ws.write_string(4, 4, "未发现问题。", fmt(align="left"))
    ws.freeze_panes(4, 0)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(3, 3)
    ws.protect("", _PROTECT)


def _lock_structure(data: bytes, password: str | None,
                    shared: dict[str, dict[tuple[int, int], tuple[int, str | None]]] | None = None) -> bytes:
    """Add <workbookProtection lockStructure="1"/> (XlsxWriter cannot) and, with a password, apply
    it to every sheet's protection too; write the ``shared`` runs of row formulas once per run
    (perfxl.shared_formulas). Entry order and dates are kept so output stays deterministic."""
    from xlsxwriter.worksheet import Worksheet as _W

    hashed = _W._encode_password(None, password) if password else None  # Excel's legacy 16-bit hash
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                attrs = f' workbookPassword="{hashed}"' if hashed else ""
                text = body.decode("utf-8")
                text = re.sub(r"(<workbookPr[^>]*/>)", rf'\1<workbookProtection{attrs} lockStructure="1"/>', text, count=1)
                if "<workbookProtection" not in text:
                    raise AssertionError("workbookPr not found in workbook.xml")
                body = text.encode("utf-8")
            elif info.filename.startswith("xl/worksheets/sheet"):
                if shared and info.filename in shared:
                    body = apply_shared(body, shared[info.filename])
                if hashed:
                    body = body.replace(b"<sheetProtection ", f'<sheetProtection password="{hashed}" '.encode(), 1)
            info.compress_type = zipfile.ZIP_DEFLATED  # XlsxWriter stored it (_StoredBuffer)
            dst.writestr(info, body)
    return out.getvalue()


def write_workbook(unit: UnitData, framework: Framework, out_dir: str | Path, **options: Any) -> Path:
    """Render one unit's workbook into ``out_dir`` (created if needed); returns the path written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / workbook_filename(unit)
    tmp = path.with_suffix(".xlsx.part")
    tmp.write_bytes(render_workbook(unit, framework, **options))
    tmp.replace(path)
    return path


def write_templates(units: Iterable[UnitData], framework: Framework, out_dir: str | Path, *,
                    password: str | None = None, key: bytes | None = None,
                    progress: Callable[[UnitData], None] | None = None) -> list[Path]:
    """One workbook per unit; the register's order is kept in the returned list."""
    paths = []
    for unit in units:
        paths.append(write_workbook(unit, framework, out_dir, password=password, key=key))
        if progress:
            progress(unit)
    return paths
