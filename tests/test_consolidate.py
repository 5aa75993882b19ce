"""A generated collection round, consolidated: every count, row and file against what was put in."""
from __future__ import annotations

import os
import zipfile

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
from perfxl.archives import write_gbk_zip
from perfxl.cli import main
from perfxl.consolidate import consolidate
from perfxl.summary import write_csv, write_summary

import hostile
from conftest import SAMPLES, libreoffice_convert
from units import filled

REGISTER = SAMPLES / "register.xlsx"


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    """Units of the sample register: most send a clean return; one sends twice (the later copy with
    a mistake); one sends a broken file; two are missing; two arrive in a zip; plus a workbook of a
    unit not in the register, one of another year, an archive entry that tries to escape, and a
    hostile file."""
    d = tmp_path_factory.mktemp("round")
    inbox = d / "inbox"
    inbox.mkdir()
    fw = perfxl.load_framework()
    units = perfxl.read_register(REGISTER, 2023)
    by_code = {u.unit.code: u for u in units}
    missing = {"101001", "108003"}
    broken, twice = "112002", "101002"
    zipped = ("108001", "108002")
    sent = {}
    for u in units:
        code = u.unit.code
        if code in missing:
            continue
        data = filled(u)
        if code == broken:
            raw = perfxl.render_workbook(data, fw)
            (inbox / f"{code}.xlsx").write_bytes(raw[: len(raw) // 2])
            continue
        if code == twice:
            early = perfxl.render_workbook(data, fw)
            (inbox / f"{code}_第一次.xlsx").write_bytes(early)
            os.utime(inbox / f"{code}_第一次.xlsx", (1_600_000_000, 1_600_000_000))
            data.projects[0].spend_plan["3月底"] = 30  # the later copy adds up to 110: an error
            data.projects[0].indicators[5].value_note = '=HYPERLINK("http://x.example","点我")'
        sent[code] = data
        if code in zipped:
            continue
        (inbox / f"{code}.xlsx").write_bytes(perfxl.render_workbook(data, fw))
    write_gbk_zip(inbox / "邮件附件.zip", {**{f"报送/{c}_{by_code[c].unit.name}.xlsx": perfxl.render_workbook(sent[c], fw)
                                     for c in zipped}, "../../逃逸.xlsx": b"x"})
    stranger = filled(perfxl.UnitData(2023, perfxl.Unit("999001", "外单位"),
                                      [perfxl.Project("13081123P999000000001", "外单位项目", perfxl.Funds(1.0, 1.0))]))
    (inbox / "999001.xlsx").write_bytes(perfxl.render_workbook(stranger, fw))
    last_year = filled(by_code["112001"], year=2022)
    (inbox / "112001_2022.xlsx").write_bytes(perfxl.render_workbook(last_year, fw))
    bomb = hostile.zip_bomb(d)
    return {"inbox": inbox, "bomb": bomb, "sent": sent, "units": units, "missing": missing, "broken": broken,
            "twice": twice}


@pytest.fixture(scope="module")
def result(round_):
    return consolidate([round_["inbox"], round_["bomb"]], REGISTER, jobs=2)


def test_round_at_a_glance(result, round_):
    o = dict(zip(result.overview["项目"], result.overview["数值"]))
    units, sent = round_["units"], round_["sent"]
    assert o["预算年度"] == 2023 and result.budget_year == 2023
    assert o["应报单位"] == len(units)
    assert o["已报送单位"] == len(sent) + 1  # the broken return, named for its unit, counts as sent
    assert o["已报送（无法读取）"] == 1
    assert o["未报送"] == len(units) - len(sent) - 1 == len(round_["missing"])
    assert o["有错误"] == 1 and o["通过（无错误）"] == len(sent) - 1  # only the resent unit has an error
    assert o["通过（无错误）"] + o["有错误"] + o["已报送（无法读取）"] + o["未报送"] == o["应报单位"]
    inputs = len(list(round_["inbox"].iterdir())) - 1 + 3 + 1  # zip replaced by its 3 entries, plus the bomb
    assert o["收到文件"] == inputs
    assert o["文件：采用"] == len(sent) and o["文件：作废（重复报送）"] == 1
    assert o["文件：无法读取"] == 3  # the broken return, the escaping entry, the bomb
    assert o["文件：不在清单"] == 1 and o["文件：其他年度"] == 1
    assert o["清单预算数合计"] == pytest.approx(sum(p.funds.total for u in units for p in u.projects))
    assert o["已报送项目预算数合计"] == pytest.approx(sum(p.funds.total for u in sent.values() for p in u.projects))
    dept = result.departments.set_index("主管部门编码")
    for code, group in dept.iterrows():
        expected = [u for u in units if u.unit.department_code == code]
        assert group["应报单位"] == len(expected)
        assert group["已报送单位"] == sum(u.unit.code in sent or u.unit.code == round_["broken"] for u in expected)
    rules = result.rules.set_index("代码")
    assert rules.loc["P01", "次数"] == 1 and rules.loc["P01", "未采用文件中"] == 0
    assert (rules.loc["X04", "次数"], rules.loc["X04", "未采用文件中"]) == (1, 1)  # the taken copy, the superseded one
    assert (rules.loc["S01", "次数"], rules.loc["S01", "未采用文件中"]) == (0, 3)  # unreadable files are not adopted


def test_submissions_sheet(result, round_):
    s = result.tables["submissions"].set_index("单位编码")
    assert list(s.index) == [u.unit.code for u in round_["units"]]
    for code in round_["sent"]:
        assert s.loc[code, "是否报送"] == "是"
    for code in round_["missing"]:
        assert s.loc[code, "是否报送"] == "否" and s.loc[code, "状态"] == "未报送" and s.loc[code, "报送份数"] == 0
    broken = round_["broken"]
    assert s.loc[broken, "是否报送"] == "是" and s.loc[broken, "状态"] == "已报送（无法读取）"
    assert s.loc[broken, "报送份数"] == 1 and s.loc[broken, "采用文件"] == "" and f"{broken}.xlsx" in s.loc[broken, "说明"]
    twice = round_["twice"]
    assert s.loc[twice, "报送份数"] == 2 and s.loc[twice, "采用文件"].endswith(f"{twice}.xlsx")
    assert s.loc[twice, "状态"] == "有错误" and s.loc[twice, "错误"] == 1
    assert s.loc["108001", "采用文件"].endswith("!报送/108001_承德高新技术产业开发区教育局本级.xlsx")


def test_counts_and_whole_shares_are_integers_in_the_tables(result):
    """So a summary cell says 2, not 2.0, and a filter on 报送份数 = 0 finds the missing units."""
    s = result.tables["submissions"]
    assert all(str(s[c].dtype) == "Int64" for c in ("清单项目数", "报送份数", "错误", "提示", "已说明"))
    assert str(result.tables["indicators"]["序号"].dtype) == "Int64"
    projects = result.tables["projects"]
    for col in ("3月底(%)", "6月底(%)", "10月底(%)", "12月底(%)", "指标数", "产出指标"):
        assert str(projects[col].dtype) == "Int64", col
    assert str(projects["预算数"].dtype) == "float64"  # money keeps its cents


def test_projects_and_indicators_match_what_was_sent(result, round_):
    projects = result.tables["projects"].set_index("项目编码")
    sent = round_["sent"]
    assert sorted(projects.index) == sorted(p.code for u in sent.values() for p in u.projects)
    for u in sent.values():
        for p in u.projects:
            row = projects.loc[p.code]
            assert (row["单位编码"], row["项目名称"], row["预算数"], row["资金用途"]) == (
                u.unit.code, p.name, p.funds.total, p.purpose or "")
            assert [row[f"{m}(%)"] for m in ("3月底", "6月底", "10月底", "12月底")] == list(p.spend_plan.values())
            assert row["绩效目标"] == "1." + p.goals[0]
            assert (row["产出指标"], row["效益指标"], row["满意度指标"], row["指标数"]) == (4, 1, 1, 6)
    ind = result.tables["indicators"]
    assert len(ind) == sum(len(p.indicators) for u in sent.values() for p in u.projects)
    got = {(r["项目编码"], r["序号"]): r for _, r in ind.iterrows()}
    for u in sent.values():
        for p in u.projects:
            for n, i in enumerate(p.indicators, start=1):
                r = got[(p.code, n)]
                assert (r["一级指标"], r["二级指标"], r["三级指标"], r["指标值"], r["计量单位"]) == (
                    i.level1, i.level2, i.name, i.value, i.unit or "")


def test_every_input_file_listed_once(result, round_):
    files = result.tables["files"]
    assert files["文件"].is_unique
    status = dict(zip(files["文件"].map(lambda p: p.rsplit("/", 1)[-1]), files["状态"]))
    assert status["101002_第一次.xlsx"] == "作废（重复报送）" and status["101002.xlsx"] == "采用"
    assert status["112002.xlsx"] == "无法读取" and status["999001.xlsx"] == "不在清单"
    units = dict(zip(files["文件"].map(lambda p: p.rsplit("/", 1)[-1]), files["单位编码"]))
    assert units["112002.xlsx"] == "112002" and units[round_["bomb"].name] == ""
    assert status["112001_2022.xlsx"] == "其他年度" and status["112001.xlsx"] == "采用"
    assert status[round_["bomb"].name] == "无法读取"
    escaped = files[files["文件"].str.endswith("!../../逃逸.xlsx")]
    assert len(escaped) == 1 and "跳出压缩包" in escaped.iloc[0]["说明"]
    assert all(len(h) == 64 for h in files.loc[files["状态"] == "采用", "SHA-256"])
    # Findings: every one with its file, and the hostile file's reason.
    findings = result.tables["findings"]
    assert set(findings["文件"]) <= set(files["文件"])
    assert "压缩炸弹" in findings[findings["文件"] == str(round_["bomb"])].iloc[0]["问题与修改建议"]


def test_summary_workbook(result, tmp_path, soffice):
    path = write_summary(result, tmp_path / "汇总.xlsx")
    assert not list(tmp_path.glob("*.part"))
    wb = load_workbook(path)
    assert wb.sheetnames == ["汇总", "提交情况", "项目", "指标", "问题清单", "文件清单"]
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert len(ws.tables) == 1 and ws.freeze_panes == "A2"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    ind = wb["指标"]
    notes = [c for c in ind["M"] if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert notes and all(c.data_type == "s" for c in notes)  # text stays text, never a formula
    charts = [n for n in zipfile.ZipFile(path).namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3
    resaved = libreoffice_convert(soffice, path, tmp_path / "lo")
    wb2 = load_workbook(resaved)
    assert wb2.sheetnames == wb.sheetnames
    assert all(len(wb2[n].tables) == 1 for n in wb.sheetnames[1:])
    assert len([n for n in zipfile.ZipFile(resaved).namelist() if n.startswith("xl/charts/chart")]) == 3


def test_csv_and_cli(result, round_, tmp_path):
    paths = write_csv(result, tmp_path / "csv")
    assert {p.name for p in paths} >= {"提交情况.csv", "项目.csv", "指标.csv", "问题清单.csv", "文件清单.csv"}
    assert (tmp_path / "csv" / "项目.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    r = CliRunner().invoke(main, ["consolidate", str(round_["inbox"]), "-r", str(REGISTER),
                                  "-o", str(tmp_path / "s.xlsx"), "--csv", str(tmp_path / "c"), "--jobs", "1"])
    assert r.exit_code == 0, r.output
    assert f"已报送 {len(round_['sent']) + 1} 个" in r.output and (tmp_path / "s.xlsx").is_file()
    r = CliRunner().invoke(main, ["consolidate", str(tmp_path / "none"), "-r", str(REGISTER), "-o", str(tmp_path / "x.xlsx")])
    assert r.exit_code == 2 and "不存在" in r.output


def test_resubmission_taken_by_the_workbooks_own_saved_time(tmp_path):
    """Excel stamps dcterms:modified when staff save; that beats the file's time (mail tools reset it)."""
    fw = perfxl.load_framework()
    unit = filled(next(u for u in perfxl.read_register(REGISTER, 2023) if u.unit.code == "108001"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def saved_at(name: str, when: str, file_time: int):
        data = perfxl.render_workbook(unit, fw)
        core = zipfile.ZipFile(__import__("io").BytesIO(data)).read("docProps/core.xml").decode()
        core = core.replace("<dcterms:modified xsi:type=\"dcterms:W3CDTF\">2000-01-01T00:00:00Z",
                            f"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{when}")
        (inbox / name).write_bytes(hostile.rezip(data, {"docProps/core.xml": core}))
        os.utime(inbox / name, (file_time, file_time))

    saved_at("later-saved.xlsx", "2023-03-02T09:00:00Z", 1_600_000_000)   # older file time
    saved_at("earlier-saved.xlsx", "2023-03-01T09:00:00Z", 1_700_000_000)
    result = consolidate([inbox], REGISTER)
    status = dict(zip(result.tables["files"]["文件"].map(lambda p: p.rsplit("/", 1)[-1]), result.tables["files"]["状态"]))
    assert status == {"later-saved.xlsx": "采用", "earlier-saved.xlsx": "作废（重复报送）"}
