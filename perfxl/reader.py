"""The reader: any filled workbook back into the model, with the structural findings (S01–S07).

It works on a plain grid (sheet name -> rows of values) produced by ``safe_open``, so a workbook
saved by Excel, WPS or LibreOffice — or as .xls/.ods where the layout survived — reads the same way.
Every value keeps the place it came from (``ReadResult.locations``) so rules can name the exact cell.
Tolerance follows what staff really type (see values.py); what was typed is kept beside what was
parsed (``Indicator.raw_value``, ``raw_unit``), and nothing is ever dropped without a finding.
Operators and 计量单位 are brought to their canonical spelling here, once, so no rule has to know
that "＞＝", "大于等于" and "≥", or "％", "百分比" and "%", are the same.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from .errors import FrameworkError
from .findings import Finding, finding
from .frameworks import Framework, shipped_framework
from .integrity import Identity, Verification, canonical, parse_identity_rows, verify
from .layout import EXTRA_INDICATOR_HEADINGS, V2_LABELS
from .layout import (DEPARTMENT_SHEET, HELPER_COL, HELPER_COLS, IDENTITY_SHEET, INSTRUCTIONS_SHEET, LAST_COL, LISTS_SHEET,
                     REVIEW_SHEET, SELFEVAL_FORM,
                     TEMPLATE_VERSION, DepartmentLayout, ProjectLayout, Span, a1, calc_sheet_names, form_of,
                     is_calc_sheet, rowcol)
from .model import (ATTRIBUTES, FUND_LEVELS, FUND_SOURCES, DepartmentGoals, FundSource, Funds, Indicator, Period,
                    Project, Section, Unit, UnitData, interpret_value)
from .safe_open import DEFAULT_LIMITS, Limits, open_workbook
from .text import clean_text, needs_cleaning
from .values import normalize_operator, normalize_text, normalize_unit, parse_number, parse_percent

__all__ = ["Grid", "ReadResult", "read_workbook", "read_grid", "cell_value", "identity_of", "verify_grid",
           "load_grid", "json_locations", "split_goals", "read_written"]

Grid = dict[str, list[list[Any]]]
Locations = dict[tuple, tuple[str, str]]
_GOAL_NUMBER = re.compile(r"^\s*(?:\d{1,2}\s*[.．、]|[（(]\d{1,2}[)）]\s*[.．、]?)\s*")


@dataclass
class ReadResult:
    """One file read: the unit (None when unreadable), the findings so far, where each value lives."""

    path: str
    unit: UnitData | None = None
    findings: list[Finding] = field(default_factory=list)
    identity: Identity | None = None
    framework: Framework | None = None
    locations: Locations = field(default_factory=dict)
    modified: str | None = None  # the workbook's own last-saved time (docProps/core.xml), ISO text
    percent_cells: set[tuple[str, str]] = field(default_factory=set)
    # Input cells whose control characters (or TABs) were removed on reading (perfxl.text): no rule
    # code fits, so they are listed here, never changed in silence (see ``notes``).
    control_cells: list[tuple[str, str]] = field(default_factory=list)

    def where(self, key: tuple) -> tuple[str | None, str | None]:
        return self.locations.get(key, (None, None))

    def notes(self) -> list[str]:
        """What the reader changed in the unit's text, one line per cell, in the current language."""
        from .i18n import t

        return [t(f"【{sheet} {cell}】所填内容含控制字符（不可见字符）或制表符，已删除（制表符改为空格）",
                  f"[{sheet}!{cell}] the cell held control characters (invisible characters) or TABs; removed "
                  "(a TAB became a space)") for sheet, cell in self.control_cells]


# ---------------------------------------------------------------- grid access

def load_grid(path: str | Path) -> Grid:
    """Every sheet's values through the safe opener (raises nothing; an unreadable file gives {})."""
    opened = open_workbook(path)
    return opened.sheets if opened.problem is None else {}


def _rc(ref: str) -> tuple[int, int]:
    return rowcol(ref.replace("$", ""))


def _at(grid: Grid, sheet: str, row: int, col: int) -> Any:
    rows = grid.get(sheet)
    if rows is None or row >= len(rows) or col >= len(rows[row]):
        return None
    v = rows[row][col]
    return None if v.__class__ is str and not v else v


def cell_value(grid: Grid, sheet: str, ref: str) -> Any:
    """Value at an A1 reference, None where the sheet or the cell does not exist."""
    return _at(grid, sheet, *_rc(ref))


def identity_of(grid: Grid) -> Identity | None:
    """The identity a perfxl workbook carries, or None for a workbook from elsewhere."""
    rows = grid.get(IDENTITY_SHEET)
    if not rows:
        return None
    ident = parse_identity_rows(rows)
    return ident if form_of(ident.get("template_id")) is not None else None  # either form (layout.FORMS)


def verify_grid(grid: Grid, key: bytes | None) -> Verification | None:
    """Signature and locked-value check; None when the workbook has no identity."""
    ident = identity_of(grid)
    if ident is None:
        return None
    return verify(ident, lambda sheet, ref: cell_value(grid, sheet, ref), key)


# ---------------------------------------------------------------- value helpers

def _text(v: Any) -> str | None:
    """A cell as text, kept as typed; dates as ISO; None when blank (only white space counts as blank)."""
    if v is None:
        return None
    if v.__class__ is str:  # most cells: no conversion to try
        return v if v.strip() else None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, (datetime, date)):
        v = v.isoformat()
    s = str(v)
    return s if s.strip() else None


def _money(v: Any) -> float | str | None:
    """A number; the text as typed when it is not one (F02 reports it); None when blank."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    n = parse_number(v)
    return n if n is not None else _text(v)


def _plain_number(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def split_goals(text: str | None) -> list[str]:
    """Numbered goals in one cell, one per line; one leading "1." (as the writer numbers) is removed."""
    if not text:
        return []
    out = []
    for line in re.split(r"\r\n|\r|\n", text):
        line = _GOAL_NUMBER.sub("", line, count=1).strip()
        if line:
            out.append(line)
    return out


# ---------------------------------------------------------------- reading

def read_workbook(path: str | Path, *, key: bytes | None = None, framework: Framework | None = None,
                  limits: Limits = DEFAULT_LIMITS) -> ReadResult:
    """Read one returned workbook. Never raises for the file's content: problems become findings.

    ``framework`` is the one in force for this round; a workbook made from another gets S05.
    """
    opened, result = open_return(path, limits=limits)
    if opened is None:
        return result
    return read_grid(opened.sheets, str(path), key=key, framework=framework, result=result)


def _not_read(sheet: str) -> bool:
    """Sheets nothing is read from, left unparsed when the file hides them (safe_open's ``unread``):
    the calc sheets (the live checks' formulas, computed again by the rules) and the dropdown lists
    (typed values are held to the framework, never to the lists a workbook carries)."""
    return sheet == LISTS_SHEET or is_calc_sheet(sheet)


def open_return(path: str | Path, *, limits: Limits = DEFAULT_LIMITS, sandboxed: bool = False):
    """Open a returned file: (the opened workbook, or None when it cannot be read; a ReadResult that
    already carries what the opening found: S01/S02, S06 for macros, the saved time, percent cells).
    Shared by ``read_workbook`` and the office's guarded ``check.read_return``."""
    opened = open_workbook(Path(path), limits=limits, sandboxed=sandboxed, unread=_not_read)
    result = ReadResult(str(path))
    if opened.problem:
        result.findings.append(finding(opened.problem, reason=opened.reason_zh, reason_en=opened.reason_en))
        return None, result
    result.modified = opened.doc_props.get("dcterms:modified")
    if opened.has_macros:
        result.findings.append(finding("S06"))
    result.percent_cells = set(getattr(opened, "percent_cells", set()) or set())
    return opened, result


def read_grid(grid: Grid, path: str = "<grid>", *, key: bytes | None = None, framework: Framework | None = None,
              result: ReadResult | None = None, identity: Identity | None = None) -> ReadResult:
    """The model from a grid of values; the core of read_workbook, with no file access.

    ``identity``: the grid's identity (``identity_of``) when the caller has already parsed it, as the
    office's check does to vet it first; parsed here otherwise."""
    r = result or ReadResult(path)
    ident = identity if identity is not None else identity_of(grid)
    if ident is None:
        r.findings.append(finding("S03"))
        return r
    r.identity = ident
    if form_of(ident.get("template_id")) is SELFEVAL_FORM:  # the self-evaluation: its layout, its model
        from .selfeval_reader import read_selfeval_grid

        return read_selfeval_grid(grid, r, ident, key=key, framework=framework)
    fw = _framework_of(r, ident, framework)
    if fw is None:
        return r
    r.framework = fw
    _check_identity_versions(r, ident, fw, framework)
    issued = _verify(r, grid, ident, key)
    sheets = ident.project_sheets
    _check_sheets(r, grid, ident)
    unit = UnitData(
        budget_year=int(ident.get("budget_year") or 0), framework=fw.id, money_unit=ident.get("money_unit") or "万元",
        unit=Unit(code=ident.get("unit_code") or "", name=ident.get("unit_name") or "",
                  department_code=ident.get("department_code") or None,
                  department_name=ident.get("department_name") or None))
    get = _getter(grid, issued, r.control_cells)
    if DEPARTMENT_SHEET in grid and _anchors_ok(r, grid, DEPARTMENT_SHEET, _per_framework(_department_anchors, fw)):
        unit.department_goals = _read_department(r, get, fw)
    r.locations[("unit",)] = (DEPARTMENT_SHEET, DepartmentLayout(fw).unit_line.a1)
    codes = ident.project_codes
    issued_cells = {(c.sheet, c.cell): c.value for c in ident.locked}
    for pi, sheet in enumerate(sheets):
        code = codes[pi] if pi < len(codes) else None
        if sheet in grid and _anchors_ok(r, grid, sheet, _per_framework(_project_anchors, fw)):
            unit.projects.append(_read_project(r, get, fw, sheet, pi, code))
        else:
            # The sheet is gone or shifted (S07 says so): the project is still the office's, so it stays
            # in the model with its issued register values and nothing the unit typed. An annotated
            # return then gives the unit every project back, in the issued order and sheet names.
            unit.projects.append(_read_project(r, _getter({}, issued_cells), fw, sheet, pi, code, outside=False))
    r.unit = unit
    return r


def _framework_of(r: ReadResult, ident: Identity, expected: Framework | None) -> Framework | None:
    fid = ident.get("framework") or ""
    if expected is not None and expected.id == fid:
        return expected
    try:
        return shipped_framework(fid)  # by id only: a value read from the workbook is never opened as a path
    except FrameworkError:
        fid = fid[:60]
        r.findings.append(finding("S05", value=fid, what=f"未知的指标体系“{fid}”", what_en=f"unknown framework '{fid}'",
                                  expected=expected.id if expected else "本次下发的指标体系"))
        return None


def _check_identity_versions(r: ReadResult, ident: Identity, fw: Framework, expected: Framework | None,
                             template_version: str = TEMPLATE_VERSION) -> None:
    version = ident.get("template_version")
    if version != template_version:
        r.findings.append(finding("S05", value=version, what=f"第 {version} 版模板", what_en=f"template version {version}",
                                  expected=f"第 {template_version} 版"))
    if expected is not None and expected.id != fw.id:
        r.findings.append(finding("S05", value=fw.id, what=f"指标体系 {fw.id}", what_en=f"framework {fw.id}",
                                  expected=f"指标体系 {expected.id}"))
    elif ident.get("framework_version") not in (None, fw.version):
        r.findings.append(finding("S05", value=ident.get("framework_version"),
                                  what=f"指标体系 {fw.id} 的 {ident.get('framework_version')} 版",
                                  what_en=f"framework {fw.id} version {ident.get('framework_version')}",
                                  expected=f"{fw.version} 版"))


def _verify(r: ReadResult, grid: Grid, ident: Identity, key: bytes | None) -> dict[tuple[str, str], str]:
    """S04 for each changed locked cell; the issued values are returned so the model keeps them
    (the register is the office's, not the unit's), the unit's value being in the finding."""
    v = verify(ident, lambda sheet, ref: cell_value(grid, sheet, ref), key)
    issued: dict[tuple[str, str], str] = {}
    for locked, now in v.changed:
        if locked.sheet not in grid:
            continue  # a missing sheet is one S07, not an S04 per cell
        r.findings.append(finding("S04", sheet=locked.sheet, cell=locked.cell, value=now,
                                  what=f"锁定内容被改动：原为“{locked.value}”，现为“{now or '（空）'}”",
                                  what_en=f"a locked value was changed: it was '{locked.value}', now '{now}'"))
    if not v.signature_ok:
        reason = ("本工作簿用财政部门密钥签名，请用 --key-file 或 PERFXL_KEY 提供密钥后再审核" if v.method == "hmac-sha256" and not key
                  else "模板标识或签名被改动，或签名所用密钥不同")
        r.findings.append(finding("S04", what=f"签名不符：{reason}",
                                  what_en="the signature does not verify: the identity was altered, another key "
                                          "was used, or the key was not given"))
    else:
        issued = {(c.sheet, c.cell): c.value for c, _ in v.changed}
    return issued


def _check_sheets(r: ReadResult, grid: Grid, ident: Identity, head: tuple[str, ...] = (INSTRUCTIONS_SHEET, DEPARTMENT_SHEET),
                  tail: tuple[str, ...] = (LISTS_SHEET, IDENTITY_SHEET)) -> None:
    """S07 for each sheet missing or extra; ``head`` and ``tail`` are the form's sheets before and after the projects'."""
    expected = [*head, *ident.project_sheets, *tail]
    if ident.get("calc_sheets") == "1":  # the live checks' helpers (layout.calc_sheet_name; not read)
        expected += calc_sheet_names(len(ident.project_sheets))
    if ident.get("review_sheet") == "1":
        expected.append(REVIEW_SHEET)
    missing = [s for s in expected if s not in grid]
    extra = [s for s in grid if s not in expected]
    for s in missing:
        r.findings.append(finding("S07", sheet=s, what=f"缺少工作表“{s}”（被删除或改名）",
                                  what_en=f"sheet '{s}' is missing (deleted or renamed)"))
    for s in extra:
        r.findings.append(finding("S07", sheet=s, what=f"多出工作表“{s}”", what_en=f"extra sheet '{s}'"))


_PER_FRAMEWORK: dict[tuple[str, int], tuple[Framework, Any]] = {}


def _per_framework(make: Callable[[Framework], Any], fw: Framework) -> Any:
    """``make(fw)``, worked out once per framework: the headings a layout anchors on are the same for
    every sheet of every workbook of a round (ten projects' sheets a workbook asked for them anew)."""
    key = (make.__name__, id(fw))
    got = _PER_FRAMEWORK.get(key)
    if got is None or got[0] is not fw:
        got = _PER_FRAMEWORK[key] = (fw, make(fw))
    return got[1]


def _project_anchors(fw: Framework) -> list[tuple[Span, str]]:
    L = ProjectLayout(fw)
    return [(L.code_label, "项目编码"), (L.funds_label, "预算规模及资金用途"), (L.goals_label, L.goals_heading),
            *_v2_project_anchors(L),
            *[(Span(L.header_row, c), L.columns.HEADINGS[n]) for n, c in L.columns.items()],
            *[(Span(L.header_row, c), EXTRA_INDICATOR_HEADINGS[n]) for n, c in L.extra_columns],
            *_table_anchors(L.period_header_row, L.extra_columns),
            (Span(L.summary_title_row, 0), "指标自查（自动计算，无需填写）")]


def _v2_project_anchors(L: ProjectLayout) -> list[tuple[Span, str]]:
    """The labels of the schema-v2 blocks the framework declares (none for hebei-2023)."""
    spans = [(L.period_goals_label, "period_goals"), (L.attribute_label, "attribute"), (L.period_label, "period"),
             (L.sources_label, "sources"), (L.annual_title, "annual_title"), (L.period_title, "period_title")]
    out = [(span, V2_LABELS[key]) for span, key in spans if span is not None]
    if L.sources_header_row is not None:
        out.append((Span(L.sources_header_row, L.SOURCE_COLUMNS["source"]), V2_LABELS["source"]))
    return out


def _table_anchors(header_row: int | None, extra: list[tuple[str, int]]) -> list[tuple[Span, str]]:
    """The headings of an indicator table besides a project's 年度 one (实施期, 部门整体), where there is one."""
    if header_row is None:
        return []
    cols = ProjectLayout.columns
    return [*[(Span(header_row, c), cols.HEADINGS[n]) for n, c in cols.items() if n != "check"],
            *[(Span(header_row, c), EXTRA_INDICATOR_HEADINGS[n]) for n, c in extra]]


def _department_anchors(fw: Framework) -> list[tuple[Span, str]]:
    L = DepartmentLayout(fw)
    anchors = [(L.overall_label, "一、总体绩效目标"), (L.sections_label, "二、分项绩效目标"),
               (L.measures_label, "三、工作保障措施")]
    if L.indicators_label is not None:
        anchors += [(L.indicators_label, V2_LABELS["dept_indicators"]),
                    *_table_anchors(L.indicator_header_row, L.extra_columns)]
    return anchors


def _anchors_ok(r: ReadResult, grid: Grid, sheet: str, anchors: list[tuple[Span, str]]) -> bool:
    """Headings where the layout puts them; otherwise rows or columns were inserted or deleted (S07)
    and the sheet is not read, since every address on it would be wrong."""
    for span, text in anchors:
        got = _text(_at(grid, sheet, span.row, span.col))
        if (got or "").strip() != text:
            r.findings.append(finding("S07", sheet=sheet, cell=span.a1, value=got,
                                      what=f"{span.a1} 应为“{text}”，现为“{got or '（空）'}”（插入或删除了行列），本表未读取",
                                      what_en=f"{span.a1} should read '{text}' (rows or columns inserted or deleted); sheet not read"))
            return False
    return True


def _getter(grid: Grid, issued: dict[tuple[str, str], str], cleaned: list[tuple[str, str]] | None = None):
    """Cell values, the issued text taking the place of any locked cell listed in ``issued``; text
    with control characters is cleaned (perfxl.text) and its cell added to ``cleaned``.

    ``get(sheet, span)``, and ``get.rc(sheet, row, col)`` for the same without a Span. An A1 address
    is made only for a cell to clean, and the issued cells are looked up by (sheet, row, column):
    reading a round of thousands of workbooks looks up millions of cells. ``get.issued_rows`` holds
    the (sheet, row) of every issued cell, so a reader may skip a blank row without looking up its
    cells one by one."""
    issued_at: dict[tuple[str, int, int], str] = {}
    for (sheet, ref), text in issued.items():
        row, col = rowcol(ref)
        if a1(row, col) == ref:  # a reference as the writer spells it; nothing else can name a cell
            issued_at[(sheet, row, col)] = text

    def rc(sheet: str, row: int, col: int) -> Any:
        if issued_at:
            text = issued_at.get((sheet, row, col))
            if text is not None:
                number = parse_number(text)
                return number if number is not None and canonical(number) == text else text
        value = _at(grid, sheet, row, col)
        # isprintable() is False for every character clean_text removes (and for TAB and line breaks)
        if value.__class__ is str and not value.isprintable() and needs_cleaning(value):
            ref = a1(row, col)
            if cleaned is not None and (sheet, ref) not in cleaned:
                cleaned.append((sheet, ref))
            value = clean_text(value)
        return value

    def get(sheet: str, span: Span) -> Any:
        return rc(sheet, span.row, span.col)

    get.rc = rc  # type: ignore[attr-defined]
    get.grid = grid  # type: ignore[attr-defined]
    get.issued_rows = {(sheet, row) for sheet, row, _ in issued_at}  # type: ignore[attr-defined]
    return get


_HELPERS = range(HELPER_COL, HELPER_COL + HELPER_COLS)  # the live checks' hidden formula cells


def _outside_cols(row: list) -> list[int]:
    """Columns of a row within the template's rows that hold something outside its columns."""
    width = len(row)
    if width <= LAST_COL + 1:
        return []
    cols = [ci for ci in range(LAST_COL + 1, min(width, HELPER_COL)) if row[ci] not in (None, "")]
    if width > _HELPERS.stop:
        tail = row[_HELPERS.stop:]
        if tail.count(None) != len(tail):
            cols += [_HELPERS.stop + k for k, v in enumerate(tail) if v not in (None, "")]
    return cols


def _outside(r: ReadResult, grid: Grid, sheet: str, last_row: int, allowed: frozenset[int] = frozenset(),
             allowed_rows: frozenset[int] | None = None) -> None:
    """S07 for anything typed outside the template's area (the sheet was unprotected to do it).
    Within the template's rows only the columns past it are looked at (a blank stretch is skipped
    at C speed); the rows below it, cell by cell. ``allowed`` columns past it are part of the
    template (the declared indicator columns), in ``allowed_rows`` only where given."""
    rows = grid.get(sheet, [])
    hits = []
    for ri, row in enumerate(rows):
        if ri > last_row:
            if row.count(None) != len(row):
                hits += [a1(ri, ci) for ci, v in enumerate(row) if v not in (None, "")]
        else:
            hits += [a1(ri, ci) for ci in _outside_cols(row)
                     if ci not in allowed or (allowed_rows is not None and ri not in allowed_rows)]
    if hits:
        shown = "、".join(hits[:5]) + (f" 等 {len(hits)} 处" if len(hits) > 5 else "")
        r.findings.append(finding("S07", sheet=sheet, cell=hits[0], what=f"在填报区外填写了内容（{shown}）",
                                  what_en=f"data outside the input area ({', '.join(hits[:5])})"))


def _read_department(r: ReadResult, get, fw: Framework) -> DepartmentGoals:
    L = DepartmentLayout(fw)
    s = DEPARTMENT_SHEET
    loc = r.locations
    loc[("dept", "overall")] = (s, L.overall.a1)
    loc[("dept", "sections")] = (s, L.sections_label.a1)
    loc[("dept", "measures")] = (s, L.measures_label.a1)
    dg = DepartmentGoals(overall=_text(get(s, L.overall)))
    for row in L.section_rows:
        name, goal = _text(get(s, L.section_name(row))), _text(get(s, L.section_goal(row)))
        if name is None and goal is None:
            continue
        i = len(dg.sections)
        loc[("section", i, "name")] = (s, L.section_name(row).a1)
        loc[("section", i, "goal")] = (s, L.section_goal(row).a1)
        dg.sections.append(Section(name=name or "", goal=goal or ""))
    for row in L.measure_rows:
        text = _text(get(s, L.measure(row)))
        if text is not None:
            loc[("measure", len(dg.measures))] = (s, L.measure(row).a1)
            dg.measures.append(text)
    if L.indicators_label is not None:
        loc[("dept", "indicators")] = (s, a1(L.indicator_header_row, L.columns.level1))
        dg.indicators = _read_table(r, get, s, L.indicator_rows, L.extra_columns, ("dept_indicator",))
    dg.explanation = _text(get(s, L.sheet_explanation))
    _outside(r, get.grid, s, L.last_row, frozenset(c for _, c in L.extra_columns), L.extra_rows)
    return dg


def _read_project(r: ReadResult, get, fw: Framework, sheet: str, pi: int, issued_code: str | None,
                  outside: bool = True) -> Project:
    L = ProjectLayout(fw)
    loc = r.locations
    fields = {"code": L.code, "name": L.name, "total": L.total, "fiscal": L.fiscal, "other": L.other,
              "purpose": L.purpose, "goals": L.goals, "indicators": Span(L.header_row, L.columns.level1)}
    for name, span in fields.items():
        loc[("project", pi, name)] = (sheet, span.a1)
    loc[("project", pi)] = (sheet, L.title.a1)
    p = Project(code=_text(get(sheet, L.code)) or issued_code or "", name=_text(get(sheet, L.name)) or "",
                funds=Funds(*(_plain_number(_money(get(sheet, s))) for s in (L.total, L.fiscal, L.other))),
                purpose=_text(get(sheet, L.purpose)))
    for m, span in zip(fw.milestones, L.milestones):
        loc[("project", pi, f"spend:{m}")] = (sheet, span.a1)
        raw = get(sheet, span)
        # A number is read as stored, whatever its number format: the workbook's live check cannot
        # see formats (perfxl.live, "percent cells"), and both must mean the same thing by a cell.
        pct = parse_percent(raw)
        p.spend_plan[m] = _plain_number(pct) if pct is not None else _text(raw)
    p.goals = split_goals(_text(get(sheet, L.goals)))
    level1 = level2 = None
    rc = get.rc
    rows = get.grid.get(sheet) or []
    issued_rows = get.issued_rows
    inputs, _ = _indicator_columns(fw)
    refs = _per_framework(_indicator_refs, fw)
    first, stop = inputs[0][1], inputs[-1][1] + 1
    for row in L.indicator_rows:
        values = rows[row] if row < len(rows) else []
        if (sheet, row) in issued_rows:  # an issued value takes the place of a typed one
            cells = {name: rc(sheet, row, col) for name, col in inputs}
        else:
            raw = values[first:stop]
            if raw.count(None) == len(raw):
                continue  # a blank row (the common case: most of the table is left empty)
            # the row's values as they lie; only blank text and text to clean go through rc, which
            # treats them as it treats every cell (a row of ten cells is read thousands of times a round)
            cells = {}
            width = len(values)
            for name, col in inputs:
                v = values[col] if col < width else None
                if v.__class__ is str and (not v or not v.isprintable()):
                    v = rc(sheet, row, col)
                cells[name] = v
        if all(_text(v) is None for v in cells.values()):
            continue
        ii = len(p.indicators)
        for name, ref in refs[row]:  # every column, 指标值类型, 权重, 指标方向 where declared
            loc[("indicator", pi, ii, name)] = (sheet, ref)
        for name, col in L.extra_columns:
            cells[name] = rc(sheet, row, col)
        # A blank 一级/二级 means "same as above", as in merged cells of the official layout.
        level1 = _text(cells["level1"]).strip() if _text(cells["level1"]) else level1
        level2 = _text(cells["level2"]).strip() if _text(cells["level2"]) else level2
        p.indicators.append(_indicator(cells, level1 or "", level2 or "", False))  # formats ignored, as above
    _read_project_v2(r, get, sheet, pi, p, L)
    p.explanation = _text(get(sheet, L.sheet_explanation))
    if outside:
        _outside(r, get.grid, sheet, L.last_row, frozenset(c for _, c in L.extra_columns), L.extra_rows)
    return p


# ---------------------------------------------------------------- schema-v2 fields (where declared)

_ATTRIBUTE_SPELLINGS = {**{a: a for a in ATTRIBUTES}, "新增项目": "新增", "延续项目": "延续", "持续": "延续"}
_MONTH = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?(?:\s*[-./]?\s*(\d{1,2})\s*日?)?")


def _attribute(v: Any) -> str | None:
    """项目属性 as chosen (新增/延续; "新增项目", "持续" read as such); other text as typed (G07 reports it)."""
    text = _text(v)
    return None if text is None else _ATTRIBUTE_SPELLINGS.get(re.sub(r"\s", "", text), text)


def _month(v: Any) -> str | None:
    """A month of 实施期 in the schema's spelling: a date (how Excel stores "2023-07" or "2023年7月" typed)
    is "2023-07", or "2023-07-15" when the day is not the first; text "2023.7", "2023年7月", "2023/07"
    is "2023-07" (a day kept where written). Anything else stays as typed, for G07 to report."""
    if isinstance(v, (datetime, date)):
        return f"{v.year:04d}-{v.month:02d}" + (f"-{v.day:02d}" if v.day != 1 else "")
    text = _text(v)
    if text is None:
        return None
    m = _MONTH.fullmatch(normalize_text(text))
    if m is None:
        return text
    year, month, day = m.group(1), int(m.group(2)), m.group(3)
    if not 1 <= month <= 12 or (day is not None and not 1 <= int(day) <= 31):
        return text
    return f"{year}-{month:02d}" + (f"-{int(day):02d}" if day is not None else "")


def _choice(v: Any, choices: tuple[str, ...], suffix: str) -> str | None:
    """A dropdown's value (spaces aside, a trailing ``suffix`` aside: "其他资金", "省级"); other text as typed."""
    text = _text(v)
    if text is None:
        return None
    key = re.sub(r"\s", "", text)
    key = key[:-len(suffix)] if key.endswith(suffix) and key[:-len(suffix)] in choices else key
    return key if key in choices else text


def _read_project_v2(r: ReadResult, get, sheet: str, pi: int, p: Project, L: ProjectLayout) -> None:
    """The schema-v2 project fields the framework declares (layout.ProjectLayout's blocks), each with
    the cell it came from: 实施期目标, 项目属性, 实施期, 资金来源, the 实施期 indicators."""
    loc = r.locations
    if L.period_goals is not None:
        loc[("project", pi, "period_goals")] = (sheet, L.period_goals.a1)
        p.period_goals = split_goals(_text(get(sheet, L.period_goals)))
    if L.attribute is not None:
        loc[("project", pi, "attribute")] = (sheet, L.attribute.a1)
        p.attribute = _attribute(get(sheet, L.attribute))
    if L.period_start is not None:
        loc[("project", pi, "period_start")] = (sheet, L.period_start.a1)
        loc[("project", pi, "period_end")] = (sheet, L.period_end.a1)
        start, end = _month(get(sheet, L.period_start)), _month(get(sheet, L.period_end))
        p.period = Period(start, end) if start is not None or end is not None else None
    if L.sources_header_row is not None:
        cols = L.SOURCE_COLUMNS
        loc[("project", pi, "sources")] = (sheet, a1(L.sources_header_row, cols["amount"]))
        for row in L.source_rows:
            source, level, amount = (get.rc(sheet, row, cols[k]) for k in ("source", "level", "amount"))
            if _text(source) is None and _text(level) is None and _text(amount) is None:
                continue
            si = len(p.funds.sources)
            for k, c in cols.items():
                loc[("source", pi, si, k)] = (sheet, a1(row, c))
            p.funds.sources.append(FundSource(source=_choice(source, FUND_SOURCES, "资金") or "",
                                              level=_choice(level, FUND_LEVELS, "级"),
                                              amount=_plain_number(_money(amount))))
    if L.period_header_row is not None:
        loc[("project", pi, "period_indicators")] = (sheet, a1(L.period_header_row, L.columns.level1))
        p.period_indicators = _read_table(r, get, sheet, L.period_indicator_rows, L.extra_columns,
                                          ("period_indicator", pi))


def _read_table(r: ReadResult, get, sheet: str, rows: range, extra: list[tuple[str, int]],
                key: tuple) -> list[Indicator]:
    """An indicator table besides a project's 年度 one (实施期, 部门整体), read as that one is: a blank
    一级/二级 means "same as above"; each value's cell under ``(*key, index, attribute)``."""
    out: list[Indicator] = []
    level1 = level2 = None
    columns = [(n, c) for n, c in ProjectLayout.columns.items() if n != "check"]
    for row in rows:
        cells = {name: get.rc(sheet, row, col) for name, col in columns}
        if all(_text(v) is None for v in cells.values()):
            continue
        ii = len(out)
        for name, col in (*columns, *extra):
            r.locations[(*key, ii, name)] = (sheet, a1(row, col))
        for name, col in extra:
            cells[name] = get.rc(sheet, row, col)
        level1 = _text(cells["level1"]).strip() if _text(cells["level1"]) else level1
        level2 = _text(cells["level2"]).strip() if _text(cells["level2"]) else level2
        out.append(_indicator(cells, level1 or "", level2 or "", False))
    return out


def _indicator_columns(fw: Framework) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    """(the indicator table's input columns, in column order; every column, 自查 included), worked
    out once per framework."""
    return _per_framework(_make_indicator_columns, fw)


def _indicator_refs(fw: Framework) -> dict[int, tuple[tuple[str, str], ...]]:
    """Row of a project's indicator table -> (column name, A1 address) of every column the locations
    name there: its columns, 自查 included, then the declared extra ones."""
    L = ProjectLayout(fw)
    _, every = _indicator_columns(fw)
    return {row: tuple((name, a1(row, col)) for name, col in (*every, *L.extra_columns)) for row in L.indicator_rows}


def _make_indicator_columns(fw: Framework) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    every = tuple(ProjectLayout(fw).columns.items())
    inputs = tuple(sorted(((n, c) for n, c in every if n != "check"), key=lambda x: x[1]))
    if [c for _, c in inputs] != list(range(inputs[0][1], inputs[-1][1] + 1)):
        raise AssertionError("the indicator table's input columns must be contiguous")
    return inputs, every


def _read_extras(ind: Indicator, cells: dict[str, Any]) -> None:
    """指标值类型, 权重 and 指标方向 from their columns (layout.extra_columns), where the framework has them:
    a 方向 or 类型 as chosen (spaces and a trailing 指标 aside), a 权重 as a number or the text typed (I19)."""
    for name in ("value_type", "direction"):
        text = _text(cells.get(name))
        if text is not None:
            setattr(ind, name, re.sub(r"\s|指标$", "", text) or None)
    weight = cells.get("weight")
    if _text(weight) is not None:
        number = parse_number(weight)
        ind.weight = _plain_number(number) if number is not None else _text(weight)


def _indicator(cells: dict[str, Any], level1: str, level2: str, percent_formatted: bool) -> Indicator:
    raw_value = cells["value"]
    op_text = _text(cells["operator"])
    operator = normalize_operator(op_text) if op_text else None
    unknown_operator = op_text.strip() if op_text and operator is None else None
    typed_unit = (_text(cells["unit"]) or "").strip() or None
    unit = normalize_unit(typed_unit)  # once, here: the rules only ever see "%" for "％" or "百分比"
    note = _text(cells["value_note"])
    ind = Indicator(level1=level1, level2=level2, name=(_text(cells["name"]) or "").strip(),
                    description=_text(cells["description"]), operator=operator, unit=unit, value_note=note,
                    basis=_text(cells["basis"]), raw_value=_plain_number(raw_value),
                    raw_operator=unknown_operator, explanation=_text(cells["explanation"]),
                    raw_unit=typed_unit if typed_unit != unit else None)
    _read_extras(ind, cells)
    # the one reading of a value, shared with unit JSON (model.interpret_value)
    interpret_value(ind, raw_value, op_text, typed_unit, unknown_operator=bool(unknown_operator),
                    percent_formatted=percent_formatted)
    return ind


def read_written(cells: dict[str, dict[tuple[int, int], Any]], fw: Framework, issued: UnitData,
                 sheets: list[str]) -> ReadResult:
    """The model the reader makes of a workbook holding ``cells`` (sheet -> (row, col) -> value), with
    the cells each value came from. The writer asks this about what it has just written, so the
    cached results of its live checks are the Python rules' verdict on that very state."""
    grid: Grid = {}
    for name, values in cells.items():
        rows = max((r for r, _ in values), default=-1) + 1
        cols = max((c for _, c in values), default=-1) + 1
        table: list[list[Any]] = [[None] * cols for _ in range(rows)]
        for (r, c), v in values.items():
            table[r][c] = v
        grid[name] = table
    r = ReadResult("<written>", framework=fw)
    unit = UnitData(budget_year=issued.budget_year, framework=fw.id, money_unit=issued.money_unit, unit=issued.unit)
    get = _getter(grid, {})
    unit.department_goals = _read_department(r, get, fw)
    r.locations[("unit",)] = (DEPARTMENT_SHEET, DepartmentLayout(fw).unit_line.a1)
    for pi, (sheet, p) in enumerate(zip(sheets, issued.projects)):
        unit.projects.append(_read_project(r, get, fw, sheet, pi, p.code))
    r.unit = unit
    return r


def json_locations(unit: UnitData, fw: Framework) -> Locations:
    """Where the writer puts each value of a unit's JSON, so findings on JSON name the cells of the
    workbook ``template --data`` makes from it."""
    from .layout import project_sheet_names

    loc: Locations = {}
    D = DepartmentLayout(fw)
    s = DEPARTMENT_SHEET
    loc[("unit",)] = (s, D.unit_line.a1)
    loc[("dept", "overall")] = (s, D.overall.a1)
    loc[("dept", "sections")] = (s, D.sections_label.a1)
    loc[("dept", "measures")] = (s, D.measures_label.a1)
    for i, row in enumerate(D.section_rows):
        loc[("section", i, "name")] = (s, D.section_name(row).a1)
        loc[("section", i, "goal")] = (s, D.section_goal(row).a1)
    for i, row in enumerate(D.measure_rows):
        loc[("measure", i)] = (s, D.measure(row).a1)
    if D.indicators_label is not None:
        loc[("dept", "indicators")] = (s, a1(D.indicator_header_row, D.columns.level1))
        for ii, row in enumerate(D.indicator_rows):
            for name, col in (*D.columns.items(), *D.extra_columns):
                loc[("dept_indicator", ii, name)] = (s, a1(row, col))
    L = ProjectLayout(fw)
    for pi, sheet in enumerate(project_sheet_names([p.name for p in unit.projects])):
        loc[("project", pi)] = (sheet, L.title.a1)
        for name, span in {"code": L.code, "name": L.name, "total": L.total, "fiscal": L.fiscal, "other": L.other,
                           "purpose": L.purpose, "goals": L.goals,
                           "indicators": Span(L.header_row, L.columns.level1)}.items():
            loc[("project", pi, name)] = (sheet, span.a1)
        for m, span in zip(fw.milestones, L.milestones):
            loc[("project", pi, f"spend:{m}")] = (sheet, span.a1)
        for ii, row in enumerate(L.indicator_rows):
            for name, col in (*L.columns.items(), *L.extra_columns):
                loc[("indicator", pi, ii, name)] = (sheet, a1(row, col))
        _v2_locations(loc, L, sheet, pi)
    return loc


def _v2_locations(loc: Locations, L: ProjectLayout, sheet: str, pi: int) -> None:
    """Where the writer puts a project's schema-v2 fields (as _read_project_v2 records them)."""
    for key, span in (("period_goals", L.period_goals), ("attribute", L.attribute), ("period_start", L.period_start),
                      ("period_end", L.period_end)):
        if span is not None:
            loc[("project", pi, key)] = (sheet, span.a1)
    if L.sources_header_row is not None:
        cols = L.SOURCE_COLUMNS
        loc[("project", pi, "sources")] = (sheet, a1(L.sources_header_row, cols["amount"]))
        for si, row in enumerate(L.source_rows):
            for k, c in cols.items():
                loc[("source", pi, si, k)] = (sheet, a1(row, c))
    if L.period_header_row is not None:
        loc[("project", pi, "period_indicators")] = (sheet, a1(L.period_header_row, L.columns.level1))
        for ii, row in enumerate(L.period_indicator_rows):
            for name, col in (*L.columns.items(), *L.extra_columns):
                loc[("period_indicator", pi, ii, name)] = (sheet, a1(row, col))
