"""The self-evaluation's live 自查: rules E01, E02, E04–E08 inside the workbook, as perfxl.live does for
the goal table, with its machinery (helper cells, ``Part``, the mark text, its cached value, the
sheet's count and status, the workbook's status on 填报说明).

Each live rule is the Python check of :mod:`perfxl.selfeval_rules` written a second time as an Excel
2007 condition over the same readings, and each reading is declared once with both sides beside
each other: the 实际完成值 (:func:`perfxl.selfeval_scoring.actual_steps` / ``actual_formulas``, which
the 得分 formulas read too), amounts and 分值 (``perfxl.live._amount``, values.parse_number's
reading), the 实际完成情况 without numbering and punctuation (:func:`plain_steps` /
:func:`plain_formulas`, which E08's Python check calls). What is approved and locked (the target,
its kind, unit and name, the groups of 分值, the 预期目标) enters a formula as a literal, as the
framework's thresholds do. tests/differential.py (``selfeval``) writes generated fills, lets
LibreOffice recalculate them and compares every mark, count and score with ``perfxl check``.

Where a mark sits: the row of the finding's cell (``live.mark_row``): 项目资金's total line (E04 预算执行率
分值, E06), 年度总体目标 (E08), each indicator row (E01, E02, E04, E05, E07), the indicator table's
heading (E04 when the project has no indicator to score).

Not live, checked by the finance office on receipt: E03 (an 得分, 总分 or 等级 that differs from the
scoring: these cells are the scoring's own formulas, so only an overwritten formula differs) and
E09 (the total and grade, an info for the summary). E06's variant "rate" cannot arise in the
workbook for the same reason (执行率 is a formula); its condition is not written.
"""
from __future__ import annotations

from typing import Any, Iterable

from .findings import Finding
from .frameworks import Framework
from .layout import HELPER_COLS, a1
from .live import (_PUNCT, Formula, Part, _amount, _Live, _msg, expected_marks, p_digit, p_fold, p_isin, p_ws, q,
                   x_digit, x_fold, x_isin, x_strip, x_ws)
from .selfeval_layout import SelfEvalProjectLayout
from .selfeval_model import EvalProject
from .selfeval_scoring import Prefix, Scoring, Var, _literal, actual_formulas, actual_steps, expected_shares, group_of, kind_of

__all__ = ["SelfEvalLive", "plain_text", "plain_steps", "plain_formulas", "live_variant", "grades_text"]

# Hidden helper columns (k of live._Live.h; 0 is a row's body). Indicator rows: the actual's reading
# (selfeval_scoring.actual_steps), then the 分值 as a number (live._amount: text, digits, number).
_ACTUAL = {"T": 1, "D": 2, "UL": 3, "R": 4, "RD": 5, "N": 6, "PB": 7}
_POINTS = 8
# 项目资金's total line: 全年预算数, 全年执行数 and the 分值 of 预算执行率, each read by live._amount.
_BUDGET, _EXECUTED, _FUNDS_POINTS = 1, 4, 7
# 年度总体目标's row: the 实际完成情况 folded, its numbering's length, without punctuation (two steps).
_PLAIN = {"T": 1, "NB": 2, "S1": 3, "S2": 4}
# The 预期目标 as E08 compares them: constants, one per cell, down this helper column from that row.
_GOALS_K = 20
_STRIP = _PUNCT + "¤"
_HALF = len(_STRIP) // 2  # two SUBSTITUTE chains, each well within Excel's 64 nesting levels


# ------------------------------------------------------------------ 实际完成情况 as E08 compares it

def _c(t: str, i: int) -> str:
    """MID(t, i, 1) (1-based; "" beyond the end)."""
    return t[i - 1:i] if i >= 1 else ""


def p_numbering(t: str) -> int:
    """The length of a leading numbering "1." "12、" "（3）" "(4)." with the space after it, in a
    folded, trimmed text (spaces never come two in a row); 0 when there is none."""
    if p_digit(_c(t, 1)):
        n = 1 + (1 if p_digit(_c(t, 2)) else 0)
        j = n + 1 + (1 if _c(t, n + 1) == " " else 0)
        return j + (1 if _c(t, j + 1) == " " else 0) if p_isin(_c(t, j), ".、") else 0
    if p_isin(_c(t, 1), "(（") and p_digit(_c(t, 2)):
        k = 2 + (1 if p_digit(_c(t, 3)) else 0) + 1
        if not p_isin(_c(t, k), ")）"):
            return 0
        k += 1 if _c(t, k + 1) == " " else 0
        k += 1 if p_isin(_c(t, k + 1), ".、") else 0
        return k + (1 if _c(t, k + 1) == " " else 0)
    return 0


def x_numbering(T: str) -> str:
    """:func:`p_numbering` in Excel 2007 functions over the folded text ``T``."""
    mid = lambda i: f"MID({T},{i},1)"  # noqa: E731
    n_a = f"(1+IF({x_digit(mid(2))},1,0))"
    j_a = f"({n_a}+1+IF({mid(f'{n_a}+1')}=\" \",1,0))"
    a = f'IF({x_isin(mid(j_a), ".、")},{j_a}+IF({mid(f"{j_a}+1")}=" ",1,0),0)'
    k1 = f"(3+IF({x_digit(mid(3))},1,0))"
    k2 = f'({k1}+IF({mid(f"{k1}+1")}=" ",1,0))'
    k3 = f'({k2}+IF({x_isin(mid(f"{k2}+1"), ".、")},1,0))'
    k4 = f'({k3}+IF({mid(f"{k3}+1")}=" ",1,0))'
    b = f'IF({x_isin(mid(k1), ")）")},{k4},0)'
    return (f'IF({x_digit(mid(1))},{a},IF(AND({x_isin(mid(1), "(（")},{x_digit(mid(2))}),{b},0))')


def plain_steps(v: Any) -> dict[str, Any]:
    """The Python side of :func:`plain_formulas`: the text folded (live.p_ws, p_fold), its
    numbering's length, then without the numbering, spaces and common punctuation (live._PUNCT)."""
    t = p_fold(p_ws(v))
    nb = p_numbering(t)
    s1 = t[nb:]
    for ch in _STRIP[:_HALF]:
        s1 = s1.replace(ch, "")
    s2 = s1
    for ch in _STRIP[_HALF:]:
        s2 = s2.replace(ch, "")
    return {"T": t, "NB": nb, "S1": s1, "S2": s2}


def plain_formulas(cell: str, ref: dict[str, str]) -> dict[str, str]:
    T, NB, S1 = ref["T"], ref["NB"], ref["S1"]
    return {"T": x_fold(x_ws(cell)), "NB": x_numbering(T), "S1": x_strip(f"MID({T},{NB}+1,9999)", _STRIP[:_HALF]),
            "S2": x_strip(S1, _STRIP[_HALF:])}


def plain_text(v: Any) -> str:
    """A text without its numbering, spaces and punctuation: what makes two wordings the same (E08)."""
    return plain_steps(v)["S2"]


# ------------------------------------------------------------------ the marks' wording

def grades_text(scoring: Scoring) -> str:
    """"达成、部分达成或未达成"."""
    g = scoring.qualitative_grades
    return "、".join(g[:-1]) + "或" + g[-1] if len(g) > 1 else "".join(g)


def _g(x: float) -> str:
    return f"{x:g}"


_PROBLEM_ZH = {"is missing": "未填", "is not a number": "不是数字", "is negative": "为负数", "is 0": "为0"}


def live_variant(f: Finding, fw: Framework) -> tuple[str, dict]:
    """The LIVE_MESSAGES case of an E finding and its placeholders (live._variant for this form)."""
    from .selfeval_scoring import scoring_of

    p, code = f.params, f.code
    variant = p.get("variant")
    if code == "E01":
        return ("grade", {"grades": grades_text(scoring_of(fw))}) if variant == "grade" else ("", {})
    if code == "E02":
        return ("unit" if variant == "unit" else ""), {}
    if code == "E04":
        if variant in ("missing", "not_number", "total"):
            return variant, {}
        if variant == "execution":
            return "execution", {"expected": _g(p["expected"])}
        return "", {"level1": p.get("level1", ""), "expected": _g(p["expected"])}
    if code == "E06":
        if variant in ("above", "rate"):
            return variant, {}
        return ("budget" if variant == "budget" else "executed"), {"problem": _PROBLEM_ZH[p.get("problem_en", "")]}
    if code == "E07":
        return (variant or ""), ({} if variant else {"times": p.get("times", "")})
    if code == "E08":
        return ("copy" if variant == "copy" else ""), {}
    return "", {}


# ------------------------------------------------------------------ a project sheet's live cells

class SelfEvalLive(_Live):
    """One 项目支出绩效自评表's live 自查: helpers, marks and their cached results; ``refs`` says
    where the 得分/执行率 formulas find the numbers read (the actual, 分值, amounts)."""

    def __init__(self, fw: Framework, scoring: Scoring, money_unit: str):
        super().__init__(fw)
        self.L = SelfEvalProjectLayout(fw)
        self.scoring = scoring
        self.money_unit = money_unit
        self.refs: dict[Any, str] = {}
        self.constants: list[tuple[int, int, str]] = []  # (row, col, text): E08's 预期目标, locked

    def build(self, sheet: str, p: EvalProject, goals: list[str], findings: Iterable[Finding]) -> list[Formula]:
        marks = {row: items for (s, row), items in expected_marks(findings, self.fw).items() if s == sheet}
        executed = self._funds(p, marks)
        self._achievement(p, goals, marks)
        self._indicators(p, executed, marks)
        return self.cells

    def _put_steps(self, row: int, cols: dict[str, int], formulas: dict[str, str], values: dict[str, Any]) -> None:
        for name, k in cols.items():
            self.put(row, k, formulas[name], values[name])

    # -------------------------------------------------------------- 项目资金: E04 (预算执行率), E06

    def _funds(self, p: EvalProject, marks: dict) -> tuple[str, Any]:
        L, s = self.L, self.scoring
        row = L.fund_row("total")
        line = p.funds.total
        spans = {name: L.fund("total", name) for name in ("budget", "executed", "points")}
        b, b_now = _amount(self, row, _BUDGET, spans["budget"].a1, line.budget, percent=False)
        e, e_now = _amount(self, row, _EXECUTED, spans["executed"].a1, line.executed, percent=False)
        pt, _ = _amount(self, row, _FUNDS_POINTS, spans["points"].a1, p.funds.points, percent=False)
        self.refs.update(budget=b, executed=e, funds_points=pt)
        parts: list[Part] = []
        if self.on("E04"):
            be = s.budget_execution
            parts.append(Part("E04", self.sev("E04"), spans["points"].col,
                              f"OR(NOT(ISNUMBER({pt})),ABS(N({pt})-{_literal(be)})>{_literal(s.tolerance)})",
                              _msg("E04", "execution", expected=q(_g(be)))))
        if self.on("E06"):
            tol = _literal(self.fw.thresholds["funds_tolerance"])
            for name, ref, variant in (("executed", e, "executed"), ("budget", b, "budget")):
                span = spans[name]
                blank = f'{x_ws(span.a1)}=""'
                cases = [("未填", blank), ("不是数字", f"AND(NOT({blank}),NOT(ISNUMBER({ref})))"),
                         ("为负数", f"AND(ISNUMBER({ref}),N({ref})<0)")]
                if name == "budget":
                    cases.append(("为0", f"AND(ISNUMBER({ref}),N({ref})=0)"))
                for problem, cond in cases:
                    parts.append(Part("E06", self.sev("E06"), span.col, cond, _msg("E06", variant, problem=q(problem))))
            parts.append(Part("E06", self.sev("E06"), spans["executed"].col,
                              f"AND(ISNUMBER({e}),ISNUMBER({b}),N({e})>=0,N({b})>0,N({e})>N({b})+{tol})",
                              _msg("E06", "above")))
        self.mark(row, parts, marks)
        return e, e_now

    # -------------------------------------------------------------- 年度总体目标: E08

    def _achievement(self, p: EvalProject, goals: list[str], marks: dict) -> None:
        L = self.L
        span = L.achievement
        row = span.row
        ref = {name: self.h(row, k) for name, k in _PLAIN.items()}
        self._put_steps(row, _PLAIN, plain_formulas(span.a1, ref), plain_steps(p.achievement))
        plain = [plain_text(g) for g in goals if p_ws(g)]
        items = list(dict.fromkeys(x for x in [*plain, "".join(plain)] if x))
        parts: list[Part] = []
        if self.on("E08"):
            parts.append(Part("E08", self.sev("E08"), span.col, f'{x_ws(span.a1)}=""', _msg("E08")))
            if items:
                rows = range(row, row + len(items))
                col = self.h(row, _GOALS_K).rstrip("0123456789")
                for r, text in zip(rows, items):
                    self.constants.append((r, _col_index(self.h(r, _GOALS_K)), text))
                block = f"${col}${rows.start + 1}:${col}${rows.stop}"
                parts.append(Part("E08", self.sev("E08"), span.col,
                                  f'AND({ref["S2"]}<>"",SUMPRODUCT(--EXACT({block},{ref["S2"]}))>0)',
                                  _msg("E08", "copy")))
        self.mark(row, parts, marks)

    # -------------------------------------------------------------- 绩效指标: E01, E02, E04, E05, E07

    def _indicators(self, p: EvalProject, executed: tuple[str, Any], marks: dict) -> None:
        L, s, fw = self.L, self.scoring, self.fw
        cols = L.columns
        rows = list(L.indicator_rows)[:len(p.indicators)]
        groups = [group_of(fw, ind.target) for ind in p.indicators]
        shares = expected_shares(s, groups)
        parts_of: dict[int, list[Part]] = {r: [] for r in rows}
        for ii, (r, row) in enumerate(zip(rows, p.indicators)):
            target, kind = row.target, kind_of(row.target)
            actual = a1(r, cols.actual)
            if kind == "qualitative":
                n = actual  # the grade is read by the score's own Prefix
            else:
                ref = {name: self.h(r, k) for name, k in _ACTUAL.items()}
                self._put_steps(r, _ACTUAL, actual_formulas(actual, target.unit, ref), actual_steps(row.actual, target.unit))
                n = ref["N"]
            pts, _ = _amount(self, r, _POINTS, a1(r, cols.points), row.points, percent=False)
            self.refs[("actual", ii)], self.refs[("points", ii)] = n, pts
            parts_of[r] += self._row_parts(r, row, kind, n, pts, executed[0])
        if self.on("E04"):
            for g, share in shares.items():
                idx = [i for i, x in enumerate(groups) if x == g]
                refs = ",".join(self.refs[("points", i)] for i in idx)
                parts_of[rows[idx[0]]].append(Part(
                    "E04", self.sev("E04"), cols.points,
                    f"AND(COUNT({refs})={len(idx)},ABS(SUM({refs})-{_literal(share)})>{_literal(s.tolerance)})",
                    _msg("E04", "", level1=q(g), expected=q(_g(share)))))
            if not shares:  # nothing to score: the approved goals are locked, so this is known now
                self.mark(L.header_row, [Part("E04", self.sev("E04"), cols.level1, "TRUE", _msg("E04", "total"))], marks)
        for r in rows:
            self.mark(r, parts_of[r], marks)

    def _row_parts(self, r: int, row: Any, kind: str | None, n: str, pts: str, executed: str) -> list[Part]:
        L, s = self.L, self.scoring
        cols = L.columns
        actual = a1(r, cols.actual)
        blank = f'{x_ws(actual)}=""'
        parts: list[Part] = []
        if self.on("E01"):
            parts.append(Part("E01", self.sev("E01"), cols.actual, blank, _msg("E01")))
            if kind == "qualitative":
                grade = Prefix(Var("a"), s.qualitative).xl({"a": actual})
                parts.append(Part("E01", self.sev("E01"), cols.actual, f'AND(NOT({blank}),{grade}="")',
                                  _msg("E01", "grade", grades=q(grades_text(s)))))
        if self.on("E02") and kind != "qualitative":
            pb = self.h(r, _ACTUAL["PB"])
            parts.append(Part("E02", self.sev("E02"), cols.actual, f'{pb}="x"', _msg("E02")))
            parts.append(Part("E02", self.sev("E02"), cols.actual, f'{pb}="u"', _msg("E02", "unit")))
        if self.on("E04"):
            p_cell = a1(r, cols.points)
            p_blank = f'{x_ws(p_cell)}=""'
            parts.append(Part("E04", self.sev("E04"), cols.points, p_blank, _msg("E04", "missing")))
            parts.append(Part("E04", self.sev("E04"), cols.points, f"AND(NOT({p_blank}),NOT(ISNUMBER({pts})))",
                              _msg("E04", "not_number")))
        if self.on("E05"):
            score = a1(r, cols.score)
            parts.append(Part("E05", self.sev("E05"), cols.reason,
                              f'AND(ISNUMBER({pts}),ISNUMBER({score}),N({score})<N({pts})-{_literal(s.tolerance)},'
                              f'{x_ws(a1(r, cols.reason))}="")', _msg("E05")))
        if self.on("E07") and kind in ("positive", "negative", "equal"):
            parts += self._e07(row, kind, n, executed, cols.actual)
        return parts

    def _e07(self, row: Any, kind: str, n: str, executed: str, col: int) -> list[Part]:
        """selfeval_rules._e07's three cases, in its order (a rate, else a cost, else far beyond);
        which of them apply is known from the locked target."""
        s, fw, t = self.scoring, self.fw, row.target
        from .selfeval_rules import _MONEY, _is_cost

        a = f"ISNUMBER({n})"
        conds: list[tuple[str, str]] = []
        if t.unit == "%" or t.name.endswith("率"):
            conds.append(("rate", f"AND({a},N({n})>100)"))
        factor = _MONEY.get((t.unit or "", self.money_unit))
        if _is_cost(fw, row) and factor:
            tol = _literal(fw.thresholds["funds_tolerance"])
            conds.append(("cost", f"AND({a},ISNUMBER({executed}),N({n})*{_literal(factor)}>N({executed})+{tol})"))
        target = t.value if isinstance(t.value, (int, float)) and not isinstance(t.value, bool) else None
        if kind == "positive" and target is not None and target > 0:
            conds.append(("", f"AND({a},N({n})>={_literal(s.far_beyond * target)})"))
        parts, before = [], []
        for variant, cond in conds:
            full = f"AND({cond},{','.join(f'NOT({b})' for b in before)})" if before else cond
            extra = {"times": q(_g(s.far_beyond))} if variant == "" else {}
            parts.append(Part("E07", self.sev("E07"), col, full, _msg("E07", variant, **extra)))
            before.append(cond)
        return parts


def _col_index(ref: str) -> int:
    from .layout import rowcol

    return rowcol(ref)[1]


assert _GOALS_K + 1 < HELPER_COLS - 2  # the targets' two helpers stay clear (selfeval_layout.EvalColumns)
