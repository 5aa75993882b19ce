"""The self-evaluation (绩效自评) workbook: the goal writer's machinery driven by the second form's layout.

One workbook per unit: 填报说明, 自评汇总 (one computed row per project) and one 项目支出绩效自评表 per
project (:mod:`perfxl.selfeval_layout`). Everything of the goal writer that is not about the goal
table is the goal writer's own (:mod:`perfxl.writer`): formats, the ``_Sheet`` bookkeeping (locked
cells signed, validations checked, review marks of an annotated return), the validation helpers,
page setup and protection, the identity and signature (``finish_workbook``), the rules table of
the 填报说明 (``rules_table``, the form's codes only).

What is approved is locked and signed: identity, 项目名称/编码, 年初预算数, 预期目标 and each target
(一级, 二级, 三级, 年度指标值, and in hidden columns its number and its JSON). The unit fills 全年预算数,
全年执行数, 实际完成情况, 实际完成值, 分值 (prefilled from the framework's spread) and 偏差原因, each
validated. 执行率, every 得分, 总分 and 自评等级 are live formulas written from the declarations of
:mod:`perfxl.selfeval_scoring`, the same the Python checks compute with; their cached results are
those declarations evaluated over the very values written, so Protected View shows what Excel
would compute.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import __version__
from .findings import Finding
from .formula_text import quote_sheet
from .frameworks import OPERATOR_FROM_JSON, Framework
from .integrity import LockedCell
from .layout import CHECK_COL, INSTRUCTIONS_SHEET, REVIEW_SHEET, InstructionsLayout, Span, a1
from .live import SELFEVAL_LIVE_CODES
from .model import indicator_to_dict
from .reader import split_goals
from .selfeval_layout import (FORM, FUND_COLUMNS, FUND_HEADINGS, FUND_LINE_LABELS, SUMMARY_SHEET, EvalColumns,
                              SelfEvalProjectLayout, SelfEvalSummaryLayout, selfeval_sheet_names)
from .selfeval_model import EvalProject, SelfEvalUnit
from .selfeval_live import SelfEvalLive
from .selfeval_rules import ProjectScores, run_selfeval_rules, score_project, with_scores
from .selfeval_scoring import Scoring, kind_of, scoring_of
from .text import filename_part
from .writer import (_PROTECT, NUM_FMT_MONEY, _as_written, _check_formats, _decimal_rule, _json_list, _list_rule,
                     _page_setup, _review_sheet, _Sheet, _text_rule, _unit_line, _write_live, finish_workbook,
                     new_workbook, rules_table, workbook_status)

__all__ = ["render_selfeval_workbook", "write_selfeval_workbook", "selfeval_filename"]

_WIDTHS = (12, 17, 14, 20, 14, 12, 9, 8, 30)  # A..I
_NUM_FMT_SCORE = "0.00"


def selfeval_filename(unit: SelfEvalUnit) -> str:
    """As the goal workbook's name: the 单位编码 first, so files sort and match by unit."""
    return f"{filename_part(unit.unit.code, 40)}_{filename_part(unit.unit.name)}_{unit.budget_year}年{FORM.title}.xlsx"


def _cell(v: Any) -> Any:
    """What a cell written with ``v`` holds, as a formula sees it: a number, a text, or None (blank)."""
    if v is None or v == "":
        return None
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


def _number(v: Any) -> Any:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _check_fits(unit: SelfEvalUnit, fw: Framework) -> None:
    """Refuse a project with more indicators than the framework's rows (nothing dropped in silence)."""
    from .errors import PerfxlError
    from .i18n import t

    over = [p for p in unit.projects if len(p.indicators) > fw.indicator_rows]
    if over:
        p = over[0]
        raise PerfxlError(t(
            f"单位 {unit.unit.code} 项目 {p.code}：有 {len(p.indicators)} 个指标，模板只有 {fw.indicator_rows} 行："
            "请在指标体系文件的 rows 中调大行数，或选用行数足够的指标体系。",
            f"unit {unit.unit.code} project {p.code}: {len(p.indicators)} indicators, the template has "
            f"{fw.indicator_rows} rows: raise the row counts under rows in the framework file, or use a framework "
            "with enough rows."))


def render_selfeval_workbook(unit: SelfEvalUnit, framework: Framework, *, password: str | None = None,
                             key: bytes | None = None, findings: list[Finding] | None = None) -> bytes:
    """The unit's self-evaluation workbook as .xlsx bytes; with ``findings`` an annotated return
    (each finding marked at its cell, a first sheet 审核意见). Raises PerfxlError when a project has
    more indicators than the framework's rows, FrameworkError when the framework cannot score."""
    scoring = scoring_of(framework)
    _check_fits(unit, framework)
    buf, wb, fmt = new_workbook(f"{unit.budget_year}年度项目支出{FORM.title}", unit,
                                f"{FORM.template_id} v{FORM.template_version}")
    locked: list[LockedCell] = []
    names = selfeval_sheet_names([p.name for p in unit.projects])
    marks: dict[tuple[str, str], list[Finding]] = {}
    for f in findings or []:
        if f.sheet and f.cell:
            marks.setdefault((f.sheet, f.cell), []).append(f)
    review = wb.add_worksheet(REVIEW_SHEET) if findings is not None else None
    instructions = wb.add_worksheet(INSTRUCTIONS_SHEET)
    summary = wb.add_worksheet(SUMMARY_SHEET)
    sheets = [wb.add_worksheet(n) for n in names]
    for ws in (instructions, summary, *sheets):
        ws._prepare_formula = _as_written
    live = _live_findings(unit, framework, scoring, names)
    results = [_project_sheet(_Sheet(ws, fmt, locked, marks), unit, p, i, framework, scoring, live)
               for i, (ws, p) in enumerate(zip(sheets, unit.projects), start=1)]
    _summary_sheet(_Sheet(summary, fmt, locked, marks), unit, names, results)
    _instructions_sheet(_Sheet(instructions, fmt, locked), unit, framework, scoring, [r["count"] for r in results])
    if review is not None:
        _review_sheet(review, fmt, unit, findings or [])
    fields = {
        "template_id": FORM.template_id, "template_version": FORM.template_version, "form": FORM.name,
        "perfxl_version": __version__, "framework": framework.id, "framework_version": framework.version,
        "budget_year": str(unit.budget_year), "money_unit": unit.money_unit, "unit_code": unit.unit.code,
        "unit_name": unit.unit.name, "department_code": unit.unit.department_code or "",
        "department_name": unit.unit.department_name or "",
        "project_codes": _json_list([p.code for p in unit.projects]), "project_sheets": _json_list(names),
    }
    ref = unit.approved_goals
    if ref is not None:
        fields.update(approved_goals=ref.digest, approved_goals_source=ref.source or "")
    if review is not None:
        fields["review_sheet"] = "1"
    return finish_workbook(buf, wb, fields, locked, [p.code for p in unit.projects], review or instructions,
                           key=key, password=password)


def write_selfeval_workbook(unit: SelfEvalUnit, framework: Framework, out_dir: str | Path, **options: Any) -> Path:
    """Render one unit's self-evaluation into ``out_dir`` (created if needed); returns the path."""
    from .outputs import write_bytes

    return write_bytes(Path(out_dir) / selfeval_filename(unit), render_selfeval_workbook(unit, framework, **options)).path


# ---------------------------------------------------------------- one project's sheet

def _live_findings(unit: SelfEvalUnit, fw: Framework, scoring: Scoring, names: list[str]) -> list[Finding]:
    """The live rules' findings on what is written, as ``perfxl check`` will report them: the
    cached results of the 自查 marks."""
    from .selfeval_check import selfeval_locations

    written = with_scores(unit, scoring)  # what the reader will find
    loc = selfeval_locations(written, fw)
    return run_selfeval_rules(written, fw, where=lambda key: loc.get(key, (None, None)), select=SELFEVAL_LIVE_CODES)


def target_text(ind: Any) -> str:
    """年度指标值 as the approved table shows it: "≥95%", "≤100万元", or the 定性 text."""
    value = "" if ind.value is None else _plain(ind.value) if isinstance(ind.value, float) else str(ind.value)
    if ind.operator in (None, "定性"):
        return value
    return f"{OPERATOR_FROM_JSON.get(ind.operator, ind.operator)}{value}{ind.unit or ''}"


def _plain(x: float) -> str:
    """95.0 → "95", 0.5 → "0.5", 1234567.0 → "1234567": a number as staff write it, never "1e+06"."""
    text = format(x, ".15g")
    if "e" in text and abs(x) >= 1:  # a tiny number keeps its exponent rather than read as 0
        text = format(x, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _project_sheet(sh: _Sheet, unit: SelfEvalUnit, p: EvalProject, number: int, fw: Framework,
                   scoring: Scoring, findings: list[Finding]) -> dict[str, Any]:
    """Write one 项目支出绩效自评表 with its live 自查; returns the cells the summary refers to, with
    their cached values, and the sheet's count for 填报说明."""
    L = SelfEvalProjectLayout(fw)
    ws, fmt = sh.ws, sh.fmt
    lim = fw.text_limits
    sh.register(L.title, f"{number}.{p.name}绩效自评表", bold=True, font_size=14, align="center", border=0,
                bg_color="#FFFFFF")
    sh.register(L.year_line, f"（{unit.budget_year}年度）", border=0, align="center", bg_color="#FFFFFF")
    sh.put(L.money_unit, f"单位：{unit.money_unit}", fmt(align="right", border=0))
    for label_span, label, span, value in ((L.name_label, "项目名称", L.name, p.name), (L.code_label, "项目编码", L.code, p.code),
                                           (L.department_label, "主管部门", L.department, unit.unit.department_name or ""),
                                           (L.unit_label, "实施单位", L.unit, unit.unit.name)):
        sh.label(label_span, label)
        sh.register(span, value, align="left")
    goals = "\n".join(f"{i}.{g}" for i, g in enumerate(p.goals, start=1))
    live = SelfEvalLive(fw, scoring, unit.money_unit)
    cells = live.build(ws.name, p, split_goals(goals), findings)
    computed = score_project(scoring, p)
    funds = _funds(sh, unit, p, L, scoring, live.refs, computed)
    sh.label(L.goals_label, "年度总体目标")
    sh.label(L.expected_label, "预期目标")
    sh.label(L.achievement_label, "实际完成情况")
    sh.register(L.goals, goals, align="left", valign="top")
    sh.input(L.achievement, p.achievement, _text_rule(
        lim["goal"], "实际完成情况", "对照预期目标，写明全年实际完成的数量、质量、时效和效果，不要照抄预期目标。"),
        align="left", valign="top")
    ws.set_row(L.achievement.row, 75)
    _indicator_table(sh, p, L, fw, scoring, live.refs, computed)
    refs = ",".join([L.fund("total", "score").a1, f"{a1(L.indicator_rows.start, L.columns.score)}:"
                     f"{a1(L.indicator_rows.stop - 1, L.columns.score)}"])
    sh.label(L.total_label, "总分")
    points = [live.refs["funds_points"], *(live.refs[("points", i)] for i in range(len(p.indicators)))]
    shown = [number_of(x) for x in (p.funds.points, *(r.points for r in p.indicators))]
    sh.formula(L.total_points.row, L.total_points.col, f"=SUM({','.join(points)})",
               sum(x for x in shown if x is not None) + 0.0, fmt(align="center", num_format=_NUM_FMT_SCORE))
    total_decl = scoring.total_score()
    parts = 1 + len(p.indicators)
    sh.formula(L.total_score.row, L.total_score.col, total_decl.formula(parts=refs, count=str(parts)),
               _shown(computed.total), fmt(bold=True, align="center", num_format=_NUM_FMT_SCORE))
    sh.label(L.grade_label, "自评等级")
    sh.formula(L.grade.row, L.grade.col, scoring.grade().formula(total=L.total_score.a1), computed.grade or "",
               fmt(bold=True, align="center"))
    hidden = fmt(border=0, font_size=9, text_wrap=False)
    for row, col, text in live.constants:
        ws.write_string(row, col, text, hidden)
    ws.set_column(CHECK_COL, CHECK_COL, 30)
    count = _write_live(sh, cells, {}, L)
    _check_formats(sh, 0, L.status_row - 1)
    sh.label(L.check_header, "自查")
    _page_setup(ws, L.print_last_row, (L.header_row, L.header_row))
    for c, w in enumerate(_WIDTHS):
        ws.set_column(c, c, w)
    ws.freeze_panes(L.header_row + 1, 0)
    ws.protect("", _PROTECT)
    return {"budget": (L.fund("total", "budget"), _cell(p.funds.total.budget)),
            "executed": (L.fund("total", "executed"), _cell(p.funds.total.executed)),
            "rate": (L.fund("total", "rate"), funds["rate"]), "total_score": (L.total_score, computed.total),
            "grade": (L.grade, computed.grade), "count": count}


def number_of(v: Any) -> float | None:
    from .selfeval_scoring import number

    return number(v)


def _shown(v: Any) -> Any:
    """A formula's cached result: "" where the scoring gives nothing (a blank cell to Excel)."""
    return "" if v is None else v


def _funds(sh: _Sheet, unit: SelfEvalUnit, p: EvalProject, L: SelfEvalProjectLayout, scoring: Scoring,
           refs: dict, computed: ProjectScores) -> dict[str, Any]:
    """项目资金: 年初预算数 locked, 全年预算数 and 全年执行数 inputs, 分值 prefilled, 执行率 and 得分 formulas
    over the amounts as the live 自查 reads them (text that is a number counts, as for check)."""
    fmt = sh.fmt
    sh.label(L.funds_label, "项目资金")
    sh.label(L.funds_money_unit, f"单位：{unit.money_unit}")
    for column, c in FUND_COLUMNS.items():
        sh.label(Span(L.funds_header_row, c), FUND_HEADINGS[column])
    money = _decimal_rule("金额（万元）" if unit.money_unit == "万元" else "金额（元）",
                          f"填写数字，单位：{unit.money_unit}，保留两位小数。全年执行数不超过全年预算数。", 0)
    dash = fmt(align="center", bg_color="#EDEDED")
    sh.ws.set_row(L.funds_header_row, 30)
    for line, label in FUND_LINE_LABELS.items():
        fl = p.funds.line(line)
        sh.ws.set_row(L.fund_row(line), 20)
        sh.label(L.fund_label(line), label)
        sh.register(L.fund(line, "initial"), fl.initial, num_format=NUM_FMT_MONEY)
        sh.input(L.fund(line, "budget"), fl.budget, money, num_format=NUM_FMT_MONEY)
        sh.input(L.fund(line, "executed"), fl.executed, money, num_format=NUM_FMT_MONEY)
        if line != "total":
            for column in ("points", "rate", "score"):
                sh.put(L.fund(line, column), "—", dash)
    sh.input(L.fund("total", "points"), p.funds.points, _decimal_rule(
        "预算执行率分值", f"按指标体系为 {scoring.budget_execution:g} 分，一般无需修改。", 0, 100), align="center")
    rate_decl, score_decl = scoring.execution_rate(), scoring.execution_score()
    rate_at, score_at = L.fund("total", "rate"), L.fund("total", "score")
    sh.formula(rate_at.row, rate_at.col, rate_decl.formula(executed=refs["executed"], budget=refs["budget"]),
               _shown(computed.rate), fmt(align="center", num_format=_NUM_FMT_SCORE))
    sh.formula(score_at.row, score_at.col, score_decl.formula(rate=rate_at.a1, points=refs["funds_points"]),
               _shown(computed.funds_score), fmt(align="center", num_format=_NUM_FMT_SCORE))
    return {"rate": computed.rate, "score": computed.funds_score}


def _indicator_table(sh: _Sheet, p: EvalProject, L: SelfEvalProjectLayout, fw: Framework, scoring: Scoring,
                     refs: dict, computed: ProjectScores) -> None:
    """绩效指标: the approved targets locked, the unit's inputs validated, 得分 a formula per row (the
    kind chosen from the locked operator) over the actual and 分值 as the live 自查 reads them;
    unused rows locked and empty."""
    fmt = sh.fmt
    cols = L.columns
    lim = fw.text_limits
    sh.label(L.indicators_label, "绩效指标")
    for name, c in cols.items():
        sh.label(Span(L.header_row, c), EvalColumns.HEADINGS[name])
    grades = scoring.qualitative_grades
    for ii, (r, row) in enumerate(zip(L.indicator_rows, p.indicators + [None] * len(L.indicator_rows))):
        sh.ws.set_row(r, 30)
        if row is None:
            for name, c in cols.items():
                sh.put(Span(r, c), None, fmt.prefilled)
            continue
        ind = row.target
        for name, value in (("level1", ind.level1), ("level2", ind.level2), ("name", ind.name),
                            ("target", target_text(ind))):
            sh.register(L.indicator(r, name), value, align="left" if name == "name" else "center")
        number = ind.value if _number(ind.value) is not None else None
        sh.register(Span(r, cols.target_number), number, **{"border": 0, "font_size": 9, "text_wrap": False})
        sh.register(Span(r, cols.target_json), json.dumps(indicator_to_dict(ind), ensure_ascii=False,
                                                          sort_keys=True), border=0, font_size=9, text_wrap=False)
        kind = kind_of(ind)
        # a quantitative actual's cell is text ("@"): "96%" typed stays "96%" and means 96 against a %
        # target to the formulas and to check alike (selfeval_scoring.actual_reading), never 0.96
        text = {} if kind == "qualitative" else {"num_format": "@"}
        sh.input(L.indicator(r, "actual"), row.actual, _actual_rule(ind, kind, grades, L.indicator(r, "actual")),
                 align="center", **text)
        sh.input(L.indicator(r, "points"), row.points, _decimal_rule(
            "分值", "按指标体系预填；可在同一一级指标内调整，一级指标合计不变。", 0, 100), align="center")
        sh.input(L.indicator(r, "reason"), row.reason, _text_rule(
            lim["explanation"], "偏差原因分析及改进措施", "未完成目标（得分低于分值）时必填：写明原因和改进措施。"),
            align="left")
        _score_cell(sh, L, r, kind, {"actual": refs[("actual", ii)], "points": refs[("points", ii)],
                                     "target": a1(r, cols.target_number)}, computed.scores[ii], scoring)


def _score_cell(sh: _Sheet, L: SelfEvalProjectLayout, r: int, kind: str | None, refs: dict[str, str], value: Any,
                scoring: Scoring) -> None:
    """得分 of one row: the declaration of its kind as a formula, cached as Python's scoring computes
    it (score_project, the same declaration over the same readings); a target that says no kind
    scores nothing (blank)."""
    span = L.indicator(r, "score")
    f = sh.fmt(align="center", num_format=_NUM_FMT_SCORE, bg_color="#EDEDED")
    if kind is None:
        sh.put(span, None, f)
        return
    decl = scoring.indicator_score(kind)
    sh.formula(span.row, span.col, decl.formula(**{k: v for k, v in refs.items() if k in decl.params}), _shown(value), f)


def _actual_rule(ind: Any, kind: str | None, grades: list[str], span: Span) -> dict:
    """实际完成值: a grade from the list for a 定性 indicator (a warning, so a comment may follow the
    grade); for a quantitative one a number, with or without the 计量单位 after it (a warning only:
    the live 自查 says E02 where it cannot be read, and pasted values pass validation anyway)."""
    if kind == "qualitative":
        return _list_rule(grades, "实际完成值（定性）",
                          f"选择{'、'.join(grades)}之一；其后可写明完成情况，如“部分达成，因……”。", strict=False)
    unit = f"，单位：{ind.unit}" if ind.unit else ""
    pct = "（96% 可填 96 或 96%）" if ind.unit == "%" else ""
    x = f'VALUE(TRIM(SUBSTITUTE({span.a1.replace("$", "")},"%","")))'
    return {"validate": "custom", "value": f"=NOT(ISERROR({x}))", "error_type": "warning",
            "input_title": "实际完成值", "input_message": f"只填数字{unit}{pct}。年度指标值：{target_text(ind)}。"[:255],
            "error_title": "请填写数字", "error_message": "实际完成值只填数字，不要带文字；说明写在偏差原因分析及改进措施栏。"}


# ---------------------------------------------------------------- 自评汇总 and 填报说明

def _summary_sheet(sh: _Sheet, unit: SelfEvalUnit, names: list[str], results: list[dict[str, Any]]) -> None:
    """One row per project: its 全年预算数, 全年执行数, 执行率, 总分 and 等级, as formulas on its sheet."""
    S = SelfEvalSummaryLayout(len(names))
    ws, fmt = sh.ws, sh.fmt
    sh.register(S.title, f"{unit.budget_year}年度项目支出绩效自评汇总", bold=True, font_size=14, align="center",
                border=0, bg_color="#FFFFFF")
    sh.register(S.unit_line, f"{_unit_line(unit)}（金额单位：{unit.money_unit}）", border=0)
    for key, c in S.COLUMNS.items():
        sh.label(Span(S.header_row, c), S.HEADINGS[key])
        ws.set_column(c, c, S.WIDTHS[c])
    link = fmt(font_color="#0563C1", underline=1, align="left")
    for i, (r, name, p, res) in enumerate(zip(S.rows, names, unit.projects, results), start=1):
        ws.write_number(r, S.COLUMNS["number"], i, fmt(align="center"))
        ws.write_string(r, S.COLUMNS["code"], p.code, fmt(align="left"))
        ws.write_url(r, S.COLUMNS["name"], f"internal:{quote_sheet(name)}!A1", link, p.name)
        for key in ("budget", "executed", "rate", "total_score", "grade"):
            span, value = res[key]
            ref = f"{quote_sheet(name)}!{span.a1}"
            numeric = key != "grade"
            sh.formula(r, S.COLUMNS[key], f'=IF({ref}="","",{ref})', "" if value is None else value,
                       fmt(align="center", **({"num_format": _NUM_FMT_SCORE} if numeric else {})))
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(S.header_row, S.header_row)
    ws.protect("", _PROTECT)


def _instructions_sheet(sh: _Sheet, unit: SelfEvalUnit, fw: Framework, scoring: Scoring,
                        counts: list[tuple[str, Span, int]]) -> None:
    """填报说明: the workbook's 自查 status with a row per project sheet (the goal workbook's own,
    writer.workbook_status), the steps, the scoring as the framework sets it, and the rules of this
    form, each said to run in the 自查 column or on receipt."""
    ws, fmt = sh.ws, sh.fmt
    L = InstructionsLayout(len(counts))
    wide = len(L.widths) - 1
    for c, w in enumerate(L.widths):
        ws.set_column(c, c, w)
    sh.register(L.title, f"{unit.budget_year}年度项目支出绩效自评填报说明", bold=True, font_size=16,
                align="center", border=0, bg_color="#FFFFFF")
    sh.register(L.unit_line, f"填报单位：{_unit_line(unit)}", border=0)
    workbook_status(sh, L, counts)
    body, head = fmt(border=0, align="left"), fmt(bold=True, border=0, font_size=12)
    shares = "、".join(f"{g} {v:g} 分" for g, v in scoring.shares)
    bands = "，".join(f"{n} ≥ {m:g}" for n, m in scoring.grades[:-1]) + f"，其余为{scoring.grades[-1][0]}"
    steps = (
        "1. 每个项目一张“项目支出绩效自评表”（表名以序号开头）；“自评汇总”表自动汇总各项目的执行率、总分和等级，无需填写。",
        "2. 灰色单元格为批复的绩效目标（项目名称、年初预算数、预期目标、各项指标的年度指标值），已锁定，不能修改；浅黄色单元格为填报区。",
        f"3. 项目资金：填写全年预算数和全年执行数（单位：{unit.money_unit}），执行率和预算执行率得分自动计算。",
        "4. 年度总体目标：对照预期目标，写明实际完成情况，不要照抄预期目标。",
        "5. 绩效指标：定量指标的实际完成值只填数字（单位见年度指标值，可带该单位，如 96%）；定性指标从下拉列表选择"
        f"{'、'.join(scoring.qualitative_grades)}，其后可写明情况。得分、总分和自评等级自动计算。",
        "6. 未完成目标（得分低于分值）的指标，必须填写偏差原因分析及改进措施。",
        "7. 每张表右侧“自查”列实时检查：✗ 为必须修改，△ 为提示，✓ 为通过，后面是规则代码和说明（与财政部门审核的代码相同）。"
        "本页上方显示全工作簿自查结果和各表需修改处数（点表名可跳转），显示“自查通过”后再报送。",
        "8. 请勿增删工作表、插入或删除行列、修改表名；直接保存本文件（.xlsx）报送。",
    )
    method = (
        f"分值：{shares}，预算执行率 {scoring.budget_execution:g} 分，合计 100 分；一级指标的分值平均分配到其下各指标（已预填）。",
        "正向指标（≥、＞）：达到目标得满分，否则按 实际完成值÷目标值×分值；反向指标（≤、＜）：不超过目标得满分，否则按 目标值÷实际完成值×分值；"
        "等于指标（＝）：等于目标得满分，否则按两者中较小值÷较大值×分值。",
        "定性指标：" + "、".join(f"{g}得分值的 {f * 100:g}%" for g, f in scoring.qualitative) + "。",
        f"预算执行率得分 = 执行率（不超过 100%）× {scoring.budget_execution:g} 分。自评等级：{bands}。",
    )
    r = L.body_start_row
    for heading, texts in (("一、填报步骤", steps), ("二、评分方法（按指标体系的设置）", method),
                           ("三、审核规则（报送后财政部门将逐条审核；“表内自查”的规则在各表“自查”列即时显示，代码相同）", ())):
        r = _lines(ws, r, wide, [heading], head, None)
        r = _lines(ws, r, wide, texts, body, 30) + 1
    rules_table(ws, fmt, fw, r - 1, wide, FORM.name)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.protect("", _PROTECT)


def _lines(ws: Any, r: int, wide: int, texts: Any, f: Any, height: int | None) -> int:
    """Each text on a row of its own from row ``r``, merged across the sheet; returns the next row."""
    for text in texts:
        ws.merge_range(r, 0, r, wide, None, f)
        ws.write_string(r, 0, text, f)
        if height:
            ws.set_row(r, height)
        r += 1
    return r
