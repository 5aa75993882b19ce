"""Reading a returned self-evaluation (绩效自评) workbook into :class:`~perfxl.selfeval_model.SelfEvalUnit`.

The goal reader (:mod:`perfxl.reader`) recognises the form from the identity's template id and hands
the grid here; everything that is not about the form's cells is the goal reader's own and is used
as it is: the framework looked up by id (S05), the identity versions (S05), the signature and the
locked cells (S04, the issued value kept in the model), missing or extra sheets (S07), headings
where the layout puts them (S07: a moved row is never misread), text cleaned of control
characters, anything typed outside the template (S07).

Values are kept as typed (an actual "96%" stays text, a number stays a number); 执行率, 得分, 总分 and
自评等级 are what the workbook computed (the rules recompute them, E03/E06). Each approved target is
rebuilt from the signed JSON beside its row, so it means what it meant when it was approved; every
value's cell goes into ``ReadResult.locations`` under the logical keys of :mod:`perfxl.selfeval_rules`.
"""
from __future__ import annotations

import json
from typing import Any

from .frameworks import Framework
from .integrity import Identity
from .layout import IDENTITY_SHEET, INSTRUCTIONS_SHEET
from .model import Indicator, Unit, indicator_from_dict, interpret_value
from .reader import (Grid, ReadResult, _anchors_ok, _check_identity_versions, _check_sheets, _framework_of, _getter,
                     _money, _outside, _plain_number, _text, _verify, split_goals)
from .selfeval_layout import FORM, FUND_LINE_LABELS, SUMMARY_SHEET, SelfEvalProjectLayout
from .selfeval_model import SCHEMA_VERSION, EvalFunds, EvalIndicator, EvalProject, FundLine, GoalsRef, SelfEvalUnit

__all__ = ["read_selfeval_grid"]


def read_selfeval_grid(grid: Grid, r: ReadResult, ident: Identity, *, key: bytes | None = None,
                       framework: Framework | None = None) -> ReadResult:
    """The self-evaluation a grid holds, with its structural findings and the cell of every value;
    never raises for the workbook's content."""
    fw = _framework_of(r, ident, framework)
    if fw is None:
        return r
    r.framework = fw
    _check_identity_versions(r, ident, fw, framework, FORM.template_version)
    issued = _verify(r, grid, ident, key)
    _check_sheets(r, grid, ident, (INSTRUCTIONS_SHEET, SUMMARY_SHEET), (IDENTITY_SHEET,))
    digest = ident.get("approved_goals")
    year = int(ident.get("budget_year") or 0)
    code = ident.get("unit_code") or ""
    unit = SelfEvalUnit(
        budget_year=year, framework=fw.id, money_unit=ident.get("money_unit") or "万元", schema_version=SCHEMA_VERSION,
        unit=Unit(code=code, name=ident.get("unit_name") or "", department_code=ident.get("department_code") or None,
                  department_name=ident.get("department_name") or None),
        approved_goals=GoalsRef(digest, year, code, ident.get("approved_goals_source") or None) if digest else None)
    get = _getter(grid, issued, r.control_cells)
    L = SelfEvalProjectLayout(fw)
    codes = ident.project_codes
    issued_cells = {(c.sheet, c.cell): c.value for c in ident.locked}
    for pi, sheet in enumerate(ident.project_sheets):
        issued_code = codes[pi] if pi < len(codes) else None
        if sheet in grid and _anchors_ok(r, grid, sheet, L.anchors):
            unit.projects.append(_read_project(r, get, L, sheet, pi, issued_code))
            _outside(r, grid, sheet, L.last_row)
        else:  # gone or shifted (S07 says so): the approved project stays, with nothing the unit typed
            unit.projects.append(_read_project(r, _getter({}, issued_cells), L, sheet, pi, issued_code))
    r.unit = unit  # type: ignore[assignment]  # ReadResult.unit holds either form's model
    return r


def _as_typed(v: Any) -> Any:
    """A cell's value as typed: a number (12.0 as 12), a text, or None for a blank."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _plain_number(v)
    return _text(v)


def _read_project(r: ReadResult, get, L: SelfEvalProjectLayout, sheet: str, pi: int,
                  issued_code: str | None) -> EvalProject:
    funds = EvalFunds(**{line: FundLine(*(_plain_number(_money(get(sheet, L.fund(line, column))))
                                          for column in ("initial", "budget", "executed")))
                         for line in FUND_LINE_LABELS})
    funds.points, funds.rate, funds.score = (_as_typed(get(sheet, L.fund("total", c))) for c in ("points", "rate", "score"))
    p = EvalProject(code=_text(get(sheet, L.code)) or issued_code or "", name=_text(get(sheet, L.name)) or "",
                    funds=funds, goals=split_goals(_text(get(sheet, L.goals))),
                    achievement=_text(get(sheet, L.achievement)),
                    total_score=_as_typed(get(sheet, L.total_score)), grade=_text(get(sheet, L.grade)))
    rows = []
    cols = L.columns
    for row in L.indicator_rows:
        shown = {name: get.rc(sheet, row, getattr(cols, name)) for name in ("level1", "level2", "name", "target")}
        approved = _text(get.rc(sheet, row, cols.target_json))
        if approved is None and all(_text(v) is None for v in shown.values()):
            continue  # a row the approved goals left empty (locked)
        rows.append(row)
        p.indicators.append(EvalIndicator(
            target=_target(approved, shown), actual=_as_typed(get.rc(sheet, row, cols.actual)),
            points=_as_typed(get.rc(sheet, row, cols.points)), score=_as_typed(get.rc(sheet, row, cols.score)),
            reason=_text(get.rc(sheet, row, cols.reason))))
    r.locations.update(L.locations(sheet, pi, rows))
    return p


def _target(approved: str | None, shown: dict[str, Any]) -> Indicator:
    """The approved indicator from its signed JSON; where that is gone or broken (S04 says so), the
    indicator the visible cells show, read as the goal reader reads a 指标值 ("≥95%")."""
    if approved is not None:
        try:
            return indicator_from_dict(json.loads(approved))
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
    ind = Indicator(level1=_text(shown["level1"]) or "", level2=_text(shown["level2"]) or "",
                    name=(_text(shown["name"]) or "").strip())
    interpret_value(ind, _as_typed(shown["target"]), None, None)
    return ind
