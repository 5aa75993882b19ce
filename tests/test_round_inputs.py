"""What a returns folder really holds: nothing at all, a cover letter beside the returns, a broken return
named for its unit, a register that is the wrong one; and a round whose figures all count one set."""
from __future__ import annotations

import csv
import os
import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
from perfxl.archives import classify_input, write_gbk_zip
from perfxl.check import check_paths, unit_code_from_name
from perfxl.cli import main
from perfxl.consolidate import consolidate
from perfxl.errors import NothingToCheck, PerfxlError, RoundMismatch
from perfxl.layout import IDENTITY_SHEET
from perfxl.model import unit_from_dict
from perfxl.summary import write_csv, write_summary

from conftest import table_file
from units import clean

MISSING = "199001"  # a unit of the register that sends nothing


def _unit(code: str, **changes) -> dict:
    """The clean unit under another 单位编码 (and its own project codes, so X01 stays silent)."""
    d = clean()
    d["unit"].update(code=code, name=f"单位{code}")
    for k, p in enumerate(d["projects"]):
        p["code"] = f"13081123P{code}{k:06d}"
    d.update(changes)
    return d


def _workbook(d: dict) -> bytes:
    return perfxl.render_workbook(unit_from_dict(d), perfxl.load_framework(d["framework"]))


def _register(*units: dict) -> dict:
    """A register index (单位编码 -> unit) for these units, plus one unit that sends nothing."""
    reg = {d["unit"]["code"]: unit_from_dict(d) for d in units}
    quiet = _unit(MISSING)
    reg[MISSING] = unit_from_dict(quiet)
    return reg


def _docx() -> bytes:
    """A Word document as Word writes it: an OOXML package with word/document.xml."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                                           'content-types"><Override PartName="/word/document.xml" ContentType='
                                           '"application/vnd.openxmlformats-officedocument.wordprocessingml.'
                                           'document.main+xml"/></Types>')
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# ------------------------------------------------------------------ point 5: nothing to check, wrong register

def test_check_empty_folder_is_input_error(tmp_path):
    empty = tmp_path / "returned"
    empty.mkdir()
    with pytest.raises(NothingToCheck, match="0 个工作簿，0 个其他文件") as e:
        check_paths([empty])
    assert str(empty) in str(e.value)
    r = _run("check", empty)
    assert r.exit_code == 2 and str(empty) in r.output and "Traceback" not in r.output


def test_check_folder_of_other_files_only_is_input_error_naming_them(tmp_path):
    folder = tmp_path / "returned"
    folder.mkdir()
    (folder / "报送说明.docx").write_bytes(_docx())
    (folder / "README.md").write_text("# 说明\n", "utf-8")
    with pytest.raises(NothingToCheck) as e:
        check_paths([folder])
    message = str(e.value)
    assert "0 个工作簿，2 个其他文件" in message and "报送说明.docx" in message and "README.md" in message


def test_consolidate_empty_folder_is_input_error(tmp_path):
    empty = tmp_path / "returned"
    empty.mkdir()
    reg = _register(_unit("108001"))
    with pytest.raises(NothingToCheck, match="没有可汇总") as e:
        consolidate([empty], reg)
    assert str(empty) in str(e.value)
    register = table_file(tmp_path / "清单.xlsx", [["单位编码", "单位名称", "项目编码", "项目名称", "预算数", "财政资金", "其他资金",
                                                  "资金用途"],
                                                 ["108001", "单位108001", "13081123P108001000000000", "项目", 10, 10, 0,
                                                  "用途"]])
    r = _run("consolidate", empty, "-r", register, "-o", tmp_path / "s.xlsx")
    assert r.exit_code == 2 and "None" not in r.output and "Traceback" not in r.output
    assert not (tmp_path / "s.xlsx").exists()


def test_consolidate_register_matching_no_file_is_input_error(tmp_path):
    folder = tmp_path / "returned"
    folder.mkdir()
    (folder / "115001.xlsx").write_bytes(_workbook(_unit("115001")))
    (folder / "115002.xlsx").write_bytes(_workbook(_unit("115002")))
    rows = [["单位编码", "单位名称", "项目编码", "项目名称", "预算数", "财政资金", "其他资金", "资金用途"],
            ["108001", "教育局", "13081123P108001000000001", "校舍维修", 10, 10, 0, "维修"]]
    register = table_file(tmp_path / "other-county.xlsx", rows)
    with pytest.raises(RoundMismatch) as e:
        consolidate([folder], register)
    message = str(e.value)
    assert str(folder) in message and str(register) in message  # both may be the wrong one: name both
    assert "115001" in message and "115002" in message
    r = _run("consolidate", folder, "-r", register, "-o", tmp_path / "s.xlsx")
    assert r.exit_code == 2 and "None" not in r.output and "other-county.xlsx" in r.output


@pytest.mark.parametrize("lang, wording", [("zh", "都不属于项目清单中的"), ("en", "units of the register (their unit codes")])
def test_a_register_given_as_data_is_called_the_register_once(tmp_path, monkeypatch, lang, wording):
    """A Python caller hands the register as data: there is no file to name, and the message says
    "the register" once, in the language in use."""
    monkeypatch.setenv("PERFXL_LANG", lang)
    folder = tmp_path / "returned"
    folder.mkdir()
    (folder / "115001.xlsx").write_bytes(_workbook(_unit("115001")))
    with pytest.raises(RoundMismatch) as e:
        consolidate([folder], _register(_unit("108001")))
    assert wording in str(e.value) and "项目清单 项目清单" not in str(e.value)


def test_consolidate_without_a_readable_workbook_needs_the_year(tmp_path):
    """The budget year is never None: a round of only unreadable returns must be told its year."""
    folder = tmp_path / "returned"
    folder.mkdir()
    d = _unit("108001")
    raw = _workbook(d)
    (folder / perfxl.workbook_filename(unit_from_dict(d))).write_bytes(raw[: len(raw) // 2])
    reg = _register(d)
    with pytest.raises(RoundMismatch, match="--year"):
        consolidate([folder], reg)
    result = consolidate([folder], reg, budget_year=2024)
    assert result.budget_year == 2024
    assert dict(zip(result.overview["项目"], result.overview["数值"]))["预算年度"] == 2024


def test_missing_path_message_is_in_one_language(tmp_path, monkeypatch):
    with pytest.raises(PerfxlError, match="文件或文件夹不存在"):
        check_paths([tmp_path / "nope"])
    monkeypatch.setenv("PERFXL_LANG", "en")
    with pytest.raises(PerfxlError, match="no such file or folder") as e:
        check_paths([tmp_path / "nope"])
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in str(e.value))
    letters = tmp_path / "letters"
    letters.mkdir()
    (letters / "cover.docx").write_bytes(_docx())
    with pytest.raises(NothingToCheck, match=r"nothing to check .*cover\.docx \(a Word document\)") as e:
        check_paths([letters])
    assert not any("\u4e00" <= ch <= "\u9fff" or ch in "（）：" for ch in str(e.value))


# ------------------------------------------------------------------ point 6: other files in a returns folder

@pytest.fixture
def folder_with_cover_letter(tmp_path):
    """One clean return and what else people put in a returns folder: a cover letter, a README, a PDF of
    the signed page, a photo, Excel's lock file, a check report saved there, and a zip holding a return
    with its own cover letter."""
    folder = tmp_path / "returned"
    folder.mkdir()
    d = _unit("108001")
    (folder / perfxl.workbook_filename(unit_from_dict(d))).write_bytes(_workbook(d))
    (folder / "报送说明.docx").write_bytes(_docx())
    (folder / "README.txt").write_text("报送文件说明\n", "utf-8")
    (folder / "108001_盖章页.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n")
    (folder / "截图.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    (folder / "~$108001_单位108001_2024年绩效目标表.xlsx").write_bytes(b"\x07wangli" + b" " * 50)
    (folder / "上次审核.json").write_text('{"valid": false, "files": []}', "utf-8")
    e = _unit("108002")
    write_gbk_zip(folder / "邮件.zip", {"108002/108002.xlsx": _workbook(e),
                                                      "108002/说明.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" +
                                                      "WordDocument".encode("utf-16-le") + b"\0" * 64})
    return folder, {d["unit"]["code"]: d, e["unit"]["code"]: e}


OTHER_NAMES = {"报送说明.docx", "README.txt", "108001_盖章页.pdf", "截图.png", "~$108001_单位108001_2024年绩效目标表.xlsx",
               "上次审核.json", "说明.doc"}


def test_cover_letter_in_returns_is_other_file_not_finding(folder_with_cover_letter):
    folder, units = folder_with_cover_letter
    run = check_paths([folder])
    assert len(run.files) == 2 and run.report.valid  # only the two workbooks were checked
    assert run.skipped == len(OTHER_NAMES)
    assert {Path(o.display.rsplit("!", 1)[-1]).name for o in run.other_files} == OTHER_NAMES
    assert {Path(p.rsplit("!", 1)[-1]).name for p in run.report.to_dict()["other_files"]} == OTHER_NAMES
    r = _run("check", folder)
    assert r.exit_code == 0, r.output


def test_other_files_listed_in_file_list_without_findings(folder_with_cover_letter):
    folder, units = folder_with_cover_letter
    result = consolidate([folder], _register(*units.values()))
    files = result.tables["files"]
    others = files[files["状态"] == "其他文件"]
    assert {Path(p.rsplit("!", 1)[-1]).name for p in others["文件"]} == OTHER_NAMES
    assert (others["错误"] == 0).all() and (others["提示"] == 0).all() and others["说明"].str.contains("不是电子表格").all()
    assert all(len(h) == 64 for h in others["SHA-256"])
    pdf = others[others["文件"].str.endswith("108001_盖章页.pdf")].iloc[0]
    assert pdf["单位编码"] == "108001" and "PDF" in pdf["说明"]
    unnamed = others[others["文件"].str.endswith("截图.png")].iloc[0]
    assert unnamed["单位编码"] == ""  # a name that tells no unit: no unit, not a placeholder
    assert not result.tables["findings"]["文件"].isin(others["文件"]).any()
    o = dict(zip(result.overview["项目"], result.overview["数值"]))
    assert o["文件：其他文件"] == len(OTHER_NAMES) and o["收到文件"] == len(OTHER_NAMES) + 2
    assert o["已报送单位"] == 2 and o["未报送"] == 1 and result.report.valid


@pytest.mark.parametrize("name, content, kind", [
    ("115001.xlsx", b"not a workbook at all", "return"),         # named a spreadsheet: S01 tells the unit
    ("115001.csv", "单位,项目\n".encode(), "return"),
    ("115001.rar", b"Rar!\x1a\x07\x00", "return"),                  # may hold returns: reported, not skipped
    ("115001_绩效目标表", "workbook", "return"),                     # a workbook that lost its extension
    ("115001.docx", "workbook", "return"),                          # a workbook misnamed .docx
    ("115001.json", '{"unit": {"code": "115001"}}'.encode(), "return"),
    ("115001.json", b"{not json", "return"),
    ("report.json", b'{"valid": true, "files": []}', "other"),
    ("说明.docx", "docx", "other"),
    ("notes.md", b"# notes", "other"),
    ("scan.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 16, "other"),
    ("mail.eml", b"From: a@b\r\nSubject: x\r\n\r\nhi", "other"),
    ("~$115001.xlsx", b"\x07wangli", "other"),
    ("data.bin", b"\x00\x01\x02", "other"),
])
def test_what_counts_as_a_return(tmp_path, name, content, kind):
    if content == "workbook":
        content = _workbook(_unit("115001"))
    elif content == "docx":
        content = _docx()
    (tmp_path / name).write_bytes(content)
    assert classify_input(tmp_path / name)[0] == kind


def test_misnamed_workbook_is_read_by_its_content(tmp_path):
    folder = tmp_path / "returned"
    folder.mkdir()
    (folder / "108001_绩效目标表").write_bytes(_workbook(_unit("108001")))  # the extension got lost
    run = check_paths([folder])
    assert [c.report.unit_code for c in run.files] == ["108001"] and run.report.valid


# ------------------------------------------------------------------ point 7: a broken return named for its unit

@pytest.mark.parametrize("name, codes, expected", [
    ("108001_单位108001_2024年绩效目标表.xlsx", None, "108001"),   # workbook_filename's form
    ("108001.xlsx", None, "108001"),
    ("１０８００１.xlsx", None, "108001"),                         # full-width digits
    ("2024年绩效目标表.xlsx", None, None),
    ("教育局108001.xlsx", None, None),                             # not at the start, no register: unknown
    ("教育局108001.xlsx", {"108001", "108002"}, "108001"),
    ("108001_108002.xlsx", {"108002"}, "108002"),
    ("1080011.xlsx", {"108001"}, None),
])
def test_unit_code_from_file_name(name, codes, expected):
    assert unit_code_from_name(name, codes) == expected


def test_broken_return_named_for_unit_counts_as_submitted_unreadable(tmp_path):
    folder = tmp_path / "returned"
    folder.mkdir()
    good, broken = _unit("108001"), _unit("108002")
    (folder / perfxl.workbook_filename(unit_from_dict(good))).write_bytes(_workbook(good))
    raw = _workbook(broken)
    name = perfxl.workbook_filename(unit_from_dict(broken))
    (folder / name).write_bytes(raw[: len(raw) // 2])  # cut short in transit
    run = check_paths([folder])
    by_name = {Path(c.path).name: c for c in run.files}
    assert by_name[name].report.unit_code == "108002" and by_name[name].attributed_by == "name"
    assert [f.code for f in by_name[name].report.findings] == ["S01"]

    result = consolidate([folder], _register(good, broken))
    s = result.tables["submissions"].set_index("单位编码")
    assert s.loc["108002", "状态"] == "已报送（无法读取）" and s.loc["108002", "是否报送"] == "是"
    assert s.loc["108002", "报送份数"] == 1 and name in s.loc["108002", "说明"]
    assert s.loc[MISSING, "状态"] == "未报送" and s.loc["108001", "状态"] == "通过"
    files = result.tables["files"].set_index("文件")
    row = files.loc[str(folder / name)]
    assert row["单位编码"] == "108002" and row["状态"] == "无法读取" and "108002" in row["说明"]
    o = dict(zip(result.overview["项目"], result.overview["数值"]))
    assert (o["已报送单位"], o["通过（无错误）"], o["已报送（无法读取）"], o["未报送"]) == (2, 1, 1, 1)


def test_unreadable_workbook_attributed_by_its_identity(tmp_path):
    """A workbook read as far as its identity (here: a framework this office does not know) names its unit
    even under a name that does not."""
    d = _unit("108002")
    wb = load_workbook(io.BytesIO(_workbook(d)))
    ident = wb[IDENTITY_SHEET]
    for row in ident.iter_rows():
        if row[0].value == "framework":
            row[1].value = "某省-2030"
    path = tmp_path / "附件1.xlsx"
    wb.save(path)
    (checked,) = check_paths([path]).files
    assert checked.unit is None and "S05" in {f.code for f in checked.report.findings}
    assert checked.report.unit_code == "108002" and checked.attributed_by == "identity"


# ------------------------------------------------------------------ point 8: 汇总 counts one set

@pytest.fixture
def resent_round(tmp_path):
    """Unit 108001 sent twice: the first copy with errors and warnings, the later one clean. Unit 108002 sent
    one return lacking its 满意度指标 in one project (I01 as a warning); unit 108003 one lacking its 效益指标
    (I01 as an error). Plus a broken file."""
    folder = tmp_path / "returned"
    folder.mkdir()
    first = _unit("108001")
    first["projects"][0]["spend_plan"]["3月底"] = 60  # adds up to 135: an error
    first["projects"][0]["goals"] = []                   # another error
    later = _unit("108001")
    (folder / "108001_第一次.xlsx").write_bytes(_workbook(first))
    os.utime(folder / "108001_第一次.xlsx", (1_600_000_000,) * 2)
    (folder / "108001_更正.xlsx").write_bytes(_workbook(later))
    no_satisfaction = _unit("108002")
    no_satisfaction["projects"][1]["indicators"] = [i for i in no_satisfaction["projects"][1]["indicators"]
                                                    if i["level1"] != "满意度指标"]
    (folder / "108002.xlsx").write_bytes(_workbook(no_satisfaction))
    no_benefit = _unit("108003")
    no_benefit["projects"][1]["indicators"] = [i for i in no_benefit["projects"][1]["indicators"]
                                               if i["level1"] != "效益指标"]
    (folder / "108003.xlsx").write_bytes(_workbook(no_benefit))
    (folder / "108004.xlsx").write_bytes(b"broken")
    return folder, [later, no_satisfaction, no_benefit, _unit("108004")]


def test_summary_counts_adopted_files_only(resent_round):
    folder, units = resent_round
    result = consolidate([folder], _register(*units))
    o = dict(zip(result.overview["项目"], result.overview["数值"]))
    findings = result.tables["findings"]
    adopted = findings[findings["文件状态"] == "采用"]
    rest = findings[findings["文件状态"] != "采用"]
    assert o["错误合计"] == (adopted["类别"] == "必须修改").sum()
    assert o["提示合计"] == (adopted["类别"] == "提示").sum()
    assert o["未采用文件的错误"] == (rest["类别"] == "必须修改").sum() >= 3  # the superseded copy's two, S01
    rules = result.rules
    assert rules["次数"].sum() == len(adopted) and rules["未采用文件中"].sum() == len(rest)
    s = result.tables["submissions"]
    assert s["错误"].sum() == o["错误合计"] and s["提示"].sum() == o["提示合计"]
    assert s.set_index("单位编码").loc["108001", "错误"] == 0  # the adopted copy is clean
    superseded = findings[findings["文件状态"] == "作废（重复报送）"]
    assert {"P01", "G01"} <= set(superseded["代码"])
    for code in set(superseded["代码"]) - set(adopted["代码"]):  # found only in the superseded copy
        row = rules.set_index("代码").loc[code]
        assert row["次数"] == 0 and row["未采用文件中"] > 0


def test_rule_row_severity_reflects_findings(resent_round):
    folder, units = resent_round
    warning_only = consolidate([folder / "108002.xlsx"], _register(*units))
    row = warning_only.rules.set_index("代码").loc["I01"]
    assert (row["类别"], row["次数"]) == ("提示", 1)
    mixed = consolidate([folder / "108002.xlsx", folder / "108003.xlsx"], _register(*units))
    row = mixed.rules.set_index("代码").loc["I01"]
    assert (row["类别"], row["次数"]) == ("必须修改、提示", 2)  # both severities present, the worst first
    error_only = consolidate([folder / "108003.xlsx"], _register(*units))
    assert error_only.rules.set_index("代码").loc["I01", "类别"] == "必须修改"


# ------------------------------------------------------------------ point 13: counts as integers

def test_csv_counts_are_integers(resent_round, tmp_path):
    folder, units = resent_round
    result = consolidate([folder], _register(*units))
    write_csv(result, tmp_path / "csv")

    def rows(name):
        with open(tmp_path / "csv" / f"{name}.csv", encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))

    submissions = {r["单位编码"]: r for r in rows("提交情况")}
    for r in submissions.values():
        for col in ("清单项目数", "报送份数", "错误", "提示", "已说明"):
            assert r[col].isdigit(), (col, r[col])  # "1", never "1.0"; "0", never blank
    assert (submissions[MISSING]["报送份数"], submissions[MISSING]["错误"], submissions[MISSING]["提示"]) == ("0", "0", "0")
    assert submissions["108001"]["报送份数"] == "2"
    for r in rows("文件清单"):
        assert r["大小(字节)"].isdigit() and r["错误"].isdigit() and r["提示"].isdigit()
    for r in rows("问题按规则"):
        assert r["次数"].isdigit() and r["未采用文件中"].isdigit()
    for r in rows("项目"):
        assert r["指标数"].isdigit() and r["错误"].isdigit()
        assert all(r[m] == "" or r[m].isdigit() for m in ("3月底(%)", "6月底(%)", "10月底(%)", "12月底(%)"))
    for r in rows("汇总"):
        if r["项目"] in ("应报单位", "已报送单位", "未报送", "收到文件", "错误合计", "预算年度"):
            assert r["数值"].isdigit(), r

    path = write_summary(result, tmp_path / "汇总.xlsx")
    ws = load_workbook(path)["提交情况"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2, values_only=True):
        for col in ("报送份数", "错误", "提示", "已说明"):
            v = row[header.index(col)]
            assert isinstance(v, int) and not isinstance(v, bool), (col, v)


def test_summary_pie_covers_every_unit_state(resent_round, tmp_path):
    folder, units = resent_round
    result = consolidate([folder], _register(*units))
    path = write_summary(result, tmp_path / "汇总.xlsx")
    charts = {n: zipfile.ZipFile(path).read(n).decode() for n in zipfile.ZipFile(path).namelist()
              if n.startswith("xl/charts/chart")}
    pie = next(x for x in charts.values() if "<c:pieChart>" in x)
    ws = load_workbook(path)["汇总"]
    labels = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    first, last = labels["通过（无错误）"], labels["未报送"]
    assert f"$A${first}:$A${last}" in pie and last - first == 3
    assert [ws.cell(r, 1).value for r in range(first, last + 1)] == ["通过（无错误）", "有错误", "已报送（无法读取）", "未报送"]
    assert sum(ws.cell(r, 2).value for r in range(first, last + 1)) == ws.cell(labels["应报单位"], 2).value
