"""A self-evaluation (绩效自评) round, consolidated: the summary's figures against score_project.

The round is built as staff make it: a blank self-evaluation per unit from the writer (from the
approved goals), actuals, amounts and reasons typed with openpyxl (no cached scores left: the summary
must compute them). The same values are kept in the Python model beside, so every figure of the
summary is checked against ``selfeval_rules.score_project`` on that model, never against the code
under test. Planted: a unit that meets everything, projects below 60 (one in each of two units,
with reasons), a target missed without a reason (E05) and one missed with a reason, a project left
incomplete (no 总分), a goal table sent by mistake, and units that sent nothing.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
from perfxl.cli import main
from perfxl.consolidate import consolidate
from perfxl.errors import RoundMismatch
from perfxl.selfeval_layout import SelfEvalProjectLayout, selfeval_sheet_names
from perfxl.selfeval_model import SelfEvalUnit, selfeval_from_goals
from perfxl.selfeval_rules import score_project
from perfxl.selfeval_scoring import scoring_of
from perfxl.selfeval_writer import write_selfeval_workbook
from perfxl.summary import csv_names, write_csv, write_parquet, write_summary

from conftest import SAMPLES
from units import filled

REGISTER = SAMPLES / "register.xlsx"
FW = perfxl.load_framework("hebei-2023")
L = SelfEvalProjectLayout(FW)
SCORING = scoring_of(FW)
SENT = ["101002", "101003", "108001", "108002"]
GOAL_TABLE_INSTEAD = "112001"  # sends its goal table again instead of the self-evaluation
# Projects whose targets are mostly missed (below 60), with how much of their budget was spent: the
# later unit's is lower, so "lowest first" is not the units' order.
LOW = {("101003", 0): 0.5, ("108002", 1): 0.2}
UNEXPLAINED = ("108001", 1, 1)  # (unit, project, row): missed, no reason
EXPLAINED = ("108001", 0, 2)  # missed, with a reason
INCOMPLETE = ("108002", 2, 0)  # an actual left blank: the project cannot be scored


def _type(ws, ref: str, value) -> None:
    ws[ref] = value


def _fill(code: str, se: SelfEvalUnit, path: Path) -> None:
    """Type a unit's return into its workbook and, value for value, into its model."""
    wb = load_workbook(path)
    for pi, (sheet, p) in enumerate(zip(selfeval_sheet_names([p.name for p in se.projects]), se.projects)):
        ws = wb[sheet]
        budget = p.funds.total.initial
        executed = round(budget * LOW.get((code, pi), 0.9), 2)
        p.funds.total.budget, p.funds.total.executed = budget, executed
        p.achievement = f"{p.name}：全年执行{executed}万元，主要任务完成。"
        _type(ws, L.fund("total", "budget").a1, budget)
        _type(ws, L.fund("total", "executed").a1, executed)
        _type(ws, L.achievement.a1, p.achievement)
        for ii, row in enumerate(p.indicators):
            target = row.target
            if (code, pi) in LOW:
                actual = "未达成" if target.operator == "定性" else executed if target.operator == "≤" else target.value * 0.3
                row.reason = "项目延期，次年继续实施"
            elif target.operator == "定性":
                actual = "达成"
            elif target.operator == "≤":
                actual = executed  # 年度支出 within its ceiling
            else:
                actual = target.value
            if (code, pi, ii) in (UNEXPLAINED, EXPLAINED):
                actual = target.value - 5
                row.reason = "受天气影响，验收延后" if (code, pi, ii) == EXPLAINED else None
            if (code, pi, ii) == INCOMPLETE:
                actual = None
            row.actual = actual
            r = L.indicator_rows.start + ii
            _type(ws, L.indicator(r, "actual").a1, actual)
            if row.reason:
                _type(ws, L.indicator(r, "reason").a1, row.reason)
    wb.save(path)


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    d = tmp_path_factory.mktemp("selfeval-round")
    inbox = d / "inbox"
    inbox.mkdir()
    units = {u.unit.code: u for u in perfxl.read_register(REGISTER, 2023)}
    models = {}
    for code in SENT:
        se = selfeval_from_goals(filled(units[code]), FW)
        _fill(code, se, write_selfeval_workbook(se, FW, inbox))
        models[code] = se
    (inbox / f"{GOAL_TABLE_INSTEAD}_绩效目标表.xlsx").write_bytes(
        perfxl.render_workbook(filled(units[GOAL_TABLE_INSTEAD]), FW))
    return {"inbox": inbox, "models": models, "units": units}


@pytest.fixture(scope="module")
def summary(round_, tmp_path_factory):
    out = tmp_path_factory.mktemp("selfeval-summary")
    with consolidate([round_["inbox"]], REGISTER, jobs=2) as c:
        path = write_summary(c, out / "汇总.xlsx")
        csv = write_csv(c, out / "csv")
        parquet = write_parquet(c, out / "parquet")
        tables = {key: c.tables[key].copy() for key in c.table_keys()}
        yield {"c": c, "path": path, "wb": load_workbook(path), "csv": csv, "parquet": parquet, "tables": tables}


def sheet_rows(wb, sheet: str) -> list[dict]:
    rows = list(wb[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def scores(round_) -> dict[tuple[str, str], object]:
    """(unit code, project code) -> score_project on the model of what was typed."""
    return {(code, p.code): score_project(SCORING, p) for code, se in round_["models"].items() for p in se.projects}


# ------------------------------------------------------------------ the round

def test_the_round_is_recognised_as_a_selfeval_round_from_its_workbooks(summary):
    c, wb = summary["c"], summary["wb"]
    assert c.form == "selfeval" and c.budget_year == 2023
    assert wb.sheetnames == ["汇总", "重点关注", "单位自评", "提交情况", "项目", "指标", "问题清单", "文件清单"]
    assert wb["汇总"]["A1"].value == "2023年绩效自评汇总"


def test_every_projects_score_grade_and_rate_are_score_projects(summary, round_):
    expected = scores(round_)
    rows = sheet_rows(summary["wb"], "项目")
    assert len(rows) == len(expected)
    for row in rows:
        s = expected[(row["单位编码"], row["项目编码"])]
        assert row["总分"] == pytest.approx(s.total) if s.total is not None else row["总分"] is None
        assert row["自评等级"] == s.grade
        assert row["执行率(%)"] == pytest.approx(s.rate)
        assert row["预算执行率得分"] == pytest.approx(s.funds_score)
    low = [r for r in rows if (r["单位编码"], r["项目编码"]) in {(u, round_["models"][u].projects[pi].code) for u, pi in LOW}]
    assert low and all(r["总分"] < 60 and r["自评等级"] == "差" for r in low)


def test_the_scores_are_computed_not_the_workbooks_cached_ones(round_):
    """openpyxl leaves no cached 得分 in the workbooks: the summary still has every 总分."""
    wb = load_workbook(next(round_["inbox"].glob("101002_*.xlsx")), data_only=True)
    sheet = selfeval_sheet_names([p.name for p in round_["models"]["101002"].projects])[0]
    assert wb[sheet][L.total_score.a1].value is None


def test_every_indicator_row_has_target_actual_points_score_and_reason(summary, round_):
    rows = sheet_rows(summary["wb"], "指标")
    assert len(rows) == sum(len(p.indicators) for se in round_["models"].values() for p in se.projects)
    by_key = {(r["单位编码"], r["项目编码"], r["序号"]): r for r in rows}
    for code, se in round_["models"].items():
        for p in se.projects:
            computed = score_project(SCORING, p).scores
            for ii, ind in enumerate(p.indicators):
                row = by_key[(code, p.code, ii + 1)]
                assert row["三级指标"] == ind.target.name
                assert row["实际完成值"] == ind.actual
                assert row["分值"] == pytest.approx(ind.points)
                assert row["得分"] == (pytest.approx(computed[ii]) if computed[ii] is not None else None)
                assert (row["偏差原因分析及改进措施"] or None) == ind.reason
    u, pi, ii = EXPLAINED
    assert by_key[(u, round_["models"][u].projects[pi].code, ii + 1)]["年度指标值"] == "≥95%"


def test_units_and_departments_add_up_the_projects_scores(summary, round_):
    expected = scores(round_)
    units = {r["单位编码"]: r for r in sheet_rows(summary["wb"], "单位自评")}
    assert len(units) == len(round_["units"])
    for code, se in round_["models"].items():
        s = [expected[(code, p.code)] for p in se.projects]
        totals = [x.total for x in s if x.total is not None]
        row = units[code]
        assert row["项目数"] == len(se.projects) and row["已评分项目"] == len(totals)
        assert row["平均总分"] == pytest.approx(round(sum(totals) / len(totals), 2))
        for grade in ("优", "良", "中", "差"):
            assert row[grade] == sum(x.grade == grade for x in s)
        assert row["未能评分"] == len(s) - len(totals)
        budget = sum(p.funds.total.budget for p in se.projects)
        executed = sum(p.funds.total.executed for p in se.projects)
        assert row["执行率(%)"] == pytest.approx(round(executed / budget * 100, 2))
    departments = summary["tables"]["departments"].set_index("主管部门编码")
    for dept in ("101", "108"):
        mine = [u for u in units.values() if u["主管部门编码"] == dept]
        assert departments.loc[dept, "项目数"] == sum(u["项目数"] for u in mine)
        assert departments.loc[dept, "差"] == sum(u["差"] for u in mine)
        assert departments.loc[dept, "已报送单位"] == sum(u["状态"] != "未报送" for u in mine)
    assert "执行率(%)" in departments.columns


def test_the_grade_distribution_counts_every_project_once(summary, round_):
    grades = summary["tables"]["grades"].set_index("自评等级")["项目数"]
    s = list(scores(round_).values())
    assert grades.sum() == len(s)
    assert grades["差"] == len(LOW) and grades["未能评分"] == 1


def test_the_problem_list_gives_low_projects_lowest_first_then_misses_without_a_reason(summary, round_):
    rows = sheet_rows(summary["wb"], "重点关注")
    models = round_["models"]
    low = sorted((score_project(SCORING, models[u].projects[pi]).total, models[u].projects[pi].code) for u, pi in LOW)
    assert [(r["总分"], r["项目编码"]) for r in rows[:len(low)]] == [(pytest.approx(t), code) for t, code in low]
    assert all(r["问题"].startswith("总分低于60") for r in rows[:len(low)])
    rest = rows[len(low):]
    u, pi, ii = UNEXPLAINED
    p = models[u].projects[pi]
    assert [(r["单位编码"], r["项目编码"], r["三级指标"]) for r in rest] == [(u, p.code, p.indicators[ii].target.name)]
    assert rest[0]["问题"] == "未达目标且未说明原因"
    sheet = selfeval_sheet_names([x.name for x in models[u].projects])[pi]
    assert (rest[0]["工作表"], rest[0]["单元格"]) == (sheet, L.indicator(L.indicator_rows.start + ii, "reason").a1)
    e05 = [f for r in summary["c"].report.files for f in r.findings if f.code == "E05"]
    assert len(e05) == 1 and e05[0].cell == rest[0]["单元格"]


def test_the_summary_has_native_charts_of_grades_and_of_execution_by_department(summary):
    with zipfile.ZipFile(summary["path"]) as z:
        charts = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart")]
    titled = {title: xml for xml in charts for title in ("自评等级分布", "各主管部门预算执行率", "单位报送情况", "问题按规则")
              if title in xml}
    assert set(titled) == {"自评等级分布", "各主管部门预算执行率", "单位报送情况", "问题按规则"}
    wb = summary["wb"]
    grade_heading = next(c.row for c in wb["汇总"]["A"] if c.value == "三、自评等级分布")
    assert f"汇总!$A${grade_heading + 2}:$A$" in titled["自评等级分布"]  # categories: the 等级 column below
    assert "<c:barDir val=\"bar\"/>" in titled["各主管部门预算执行率"]


def test_a_unit_that_sent_nothing_is_not_sent_and_scores_nothing(summary, round_):
    submissions = {r["单位编码"]: r for r in sheet_rows(summary["wb"], "提交情况")}
    units = {r["单位编码"]: r for r in sheet_rows(summary["wb"], "单位自评")}
    for code in set(round_["units"]) - set(SENT) - {GOAL_TABLE_INSTEAD}:
        assert submissions[code]["状态"] == "未报送" and submissions[code]["是否报送"] == "否"
        assert units[code]["项目数"] == 0 and units[code]["平均总分"] is None
    overview = dict(zip(summary["tables"]["overview"]["项目"], summary["tables"]["overview"]["数值"]))
    assert overview["已报送单位"] == len(SENT)
    assert overview["未报送"] == len(round_["units"]) - len(SENT)


def test_a_goal_table_in_a_selfeval_round_is_another_form_and_not_taken(summary):
    files = {Path(r["文件"]).name: r for r in sheet_rows(summary["wb"], "文件清单")}
    row = files[f"{GOAL_TABLE_INSTEAD}_绩效目标表.xlsx"]
    assert row["状态"] == "其他表样" and "绩效目标表" in row["说明"]
    assert "本轮汇总的是" in row["说明"] and "绩效自评表" in row["说明"], row["说明"]  # what it is, what the round takes
    submissions = {r["单位编码"]: r for r in sheet_rows(summary["wb"], "提交情况")}
    assert submissions[GOAL_TABLE_INSTEAD]["状态"] == "未报送"


def test_csv_and_parquet_hold_every_table_of_the_selfeval_round(summary):
    assert {p.stem for p in summary["csv"]} == set(csv_names("selfeval").values())
    assert {p.stem for p in summary["parquet"]} == set(csv_names("selfeval").values())
    by_name = {p.stem: p for p in summary["parquet"]}
    projects = pq.read_table(by_name["项目"])
    assert str(projects.schema.field("总分").type) == "double"
    assert projects.num_rows == len(summary["tables"]["projects"])
    csv = pd.read_csv(next(p for p in summary["csv"] if p.stem == "重点关注"), encoding="utf-8-sig")
    assert list(csv["问题"]) == list(summary["tables"]["attention"]["问题"])


def test_a_streamed_table_of_the_selfeval_round_is_counted_without_being_built(round_):
    """The summary asks each table's length before streaming it: the self-evaluation's own tables are
    counted from the round, never built into a DataFrame to be counted (memory, issue 12)."""
    with consolidate([round_["inbox"]], REGISTER) as c:
        n = {key: c.length(key) for key in ("attention", "units")}
        assert all(c.tables.built(key) is None for key in n)
        assert n == {key: len(c.tables[key]) for key in n} and n["units"] == len(round_["units"])


def test_a_goals_round_takes_no_selfeval_workbook(round_, tmp_path):
    with consolidate([round_["inbox"]], REGISTER, form="goals") as c:
        assert c.form == "goals"
        status = {Path(p).name: s for p, s in c.status.items()}
        assert status[f"{GOAL_TABLE_INSTEAD}_绩效目标表.xlsx"] == "taken"
        assert sorted(s for n, s in status.items() if "绩效自评表" in n) == ["other_form"] * len(SENT)
        assert list(c.sheets.values()) == ["提交情况", "项目", "指标", "问题清单", "文件清单"]


@pytest.mark.parametrize("lang, words", [("zh", ("绩效自评表", "绩效目标表", "报送文件夹是否选错")),
                                         ("en", ("selfeval forms", "goals form", "returns folder the wrong one"))])
def test_a_round_of_the_wrong_form_only_is_a_clear_message(round_, tmp_path, monkeypatch, lang, words):
    monkeypatch.setenv("PERFXL_LANG", lang)
    only = tmp_path / "only-selfeval"
    only.mkdir()
    for path in round_["inbox"].glob("*绩效自评表.xlsx"):
        (only / path.name).write_bytes(path.read_bytes())
    with pytest.raises(RoundMismatch) as e:
        consolidate([only], REGISTER, form="goals")
    message = str(e.value)
    assert message.startswith(str(only)) and all(w in message for w in words), message


def test_cli_consolidates_a_selfeval_round(round_, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["consolidate", str(round_["inbox"]), "-r", str(REGISTER), "-o", str(out / "汇总.xlsx"),
                                       "--csv", str(out / "csv"), "--parquet", str(out / "pq"), "--jobs", "2"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"已报送 {len(SENT)} 个" in result.output and "其他表样 1 个" in result.output
    wb = load_workbook(out / "汇总.xlsx")
    assert "重点关注" in wb.sheetnames and wb["汇总"]["A1"].value == "2023年绩效自评汇总"
    assert {p.stem for p in (out / "csv").glob("*.csv")} == set(csv_names("selfeval").values())
