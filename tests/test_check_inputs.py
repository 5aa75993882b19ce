"""What `check` makes of an input it cannot read: an archive entry refused before reading, a file whose
reading crashed. Each becomes one S01 that says why in both languages, keeps the file's size, and is
attributed to the unit its name carries, so the round still knows who sent it (issue 9's survivors)."""
from __future__ import annotations

import json
import zipfile

import pytest

import perfxl
from perfxl import check as check_mod
from perfxl.check import check_paths
from perfxl.model import unit_from_dict

from units import clean


def _register(code: str) -> dict:
    d = clean()
    d["unit"]["code"] = code
    return {code: unit_from_dict(d)}


def _only(run):
    assert len(run.files) == 1
    c = run.files[0]
    assert [f.code for f in c.report.findings] == ["S01"]
    return c, c.report.findings[0]


def test_a_refused_archive_entry_is_s01_with_its_reason_size_and_unit_by_name(tmp_path):
    archive = tmp_path / "报送.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../108001_教育局.xlsx", b"x" * 1234)
    run = check_paths([archive], register=_register("108001"))
    c, f = _only(run)
    assert c.path == c.report.path == f"{archive}!../108001_教育局.xlsx"
    assert "跳出压缩包" in f.message and "leaves the archive" in f.message_en and "跳出" not in f.message_en
    assert c.report.unit_code == "108001" and c.attributed_by == "name"
    assert c.size == 0  # nothing was extracted: the refusal records no bytes read


def test_a_refused_archive_entry_without_a_known_code_is_nobodys(tmp_path):
    archive = tmp_path / "报送.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("/etc/108001.xlsx", b"x")
    c, _ = _only(check_paths([archive], register=_register("112001")))
    assert c.report.unit_code is None and c.attributed_by is None


def test_a_bomb_entry_is_refused_with_its_announced_size(tmp_path):
    archive = tmp_path / "报送.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("108001.xlsx", b"\0" * (60 * 1024 * 1024))
    c, f = _only(check_paths([archive], register=_register("108001")))
    assert "压缩炸弹" in f.message and "zip bomb" in f.message_en
    assert c.size == 60 * 1024 * 1024 and c.report.unit_code == "108001"


def test_a_file_whose_reading_crashes_is_s01_with_the_sandboxs_reason_and_unit_by_name(tmp_path, monkeypatch):
    path = tmp_path / "108001_教育局.xlsx"
    path.write_bytes(perfxl.render_workbook(unit_from_dict(clean()), perfxl.load_framework("hebei-2023")))

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(check_mod, "_check_here", out_of_memory)  # the worker forks after this, or runs here
    c, f = _only(check_paths([path], register=_register("108001")))
    assert "内存超过上限" in f.message and "more memory than the limit" in f.message_en
    assert c.path == c.report.path == str(path)
    assert c.report.unit_code == "108001" and c.attributed_by == "name"
    assert c.size == path.stat().st_size and c.unit is None


def test_a_crashed_file_is_attributed_only_to_a_unit_of_the_register(tmp_path, monkeypatch):
    path = tmp_path / "199001_不在清单.xlsx"
    path.write_bytes(b"PK\x03\x04")

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(check_mod, "_check_here", out_of_memory)
    c, _ = _only(check_paths([path], register=_register("108001")))
    assert c.report.unit_code is None and c.attributed_by is None
    c, _ = _only(check_paths([path]))  # no register: the code the name carries
    assert c.report.unit_code == "199001" and c.attributed_by == "name"


def _others(n: int) -> list:
    from pathlib import Path

    from perfxl.archives import InputFile
    kinds = [("说明.docx", "Word 文档", "a Word document"), ("签字页.pdf", "PDF 文件", "a PDF file"),
             ("附件", None, None)]
    out = []
    for k in range(n):
        name, zh, en = kinds[k % 3]
        out.append(InputFile(f"/r/{k}{name}", Path(f"/r/{k}{name}"), kind="other", what_zh=zh, what_en=en))
    return out


def test_nothing_found_names_what_was_given_and_each_other_file_with_what_it_is(monkeypatch):
    from perfxl.check import nothing_found
    msg = nothing_found(["returns", "more.zip"], _others(3))
    assert msg == ("returns、more.zip：没有可审核的文件（找到 0 个工作簿，3 个其他文件："
                   "0说明.docx（Word 文档）、1签字页.pdf（PDF 文件）、2附件）。请检查给出的文件或文件夹是否正确。")
    monkeypatch.setenv("PERFXL_LANG", "en")
    assert nothing_found(["returns", "more.zip"], _others(3)) == (
        "returns, more.zip: nothing to check (found 0 workbooks, 3 other file(s): 0说明.docx (a Word document), "
        "1签字页.pdf (a PDF file), 2附件). Are these the right files or folder?")


def test_nothing_found_lists_five_other_files_then_an_ellipsis_and_says_what_the_command_does(monkeypatch):
    from perfxl.check import nothing_found
    five, six = nothing_found([], _others(5)), nothing_found([], _others(6))
    assert five.startswith(".：") and "4签字页.pdf（PDF 文件））" in five and "…" not in five
    assert "6 个其他文件" in six and "5附件" not in six and "4签字页.pdf（PDF 文件）…）" in six
    assert "没有可汇总的报送文件（找到 0 个工作簿，0 个其他文件）" in nothing_found(["r"], [], consolidating=True)
    monkeypatch.setenv("PERFXL_LANG", "en")
    assert "r: no returns to consolidate (found 0 workbooks, 0 other file(s))." in nothing_found(
        ["r"], [], consolidating=True)
    assert "(a PDF file)…)" in nothing_found([], _others(6))


@pytest.mark.parametrize("path, name", [
    ("/r/108001 教育局.xlsx", "108001 教育局_审核意见.xlsx"),             # a space is kept
    ("/r/报送.zip!单位 甲/108001 教育局.xlsx", "108001 教育局_审核意见.xlsx"),  # an entry: its own name only
    ("C:\\r\\a:b*c?.xlsx", "a_b_c__审核意见.xlsx"),                     # Windows path, unsafe characters
    ("/r/报送. .xlsx", "报送_审核意见.xlsx"),                            # no trailing dot or space (Windows)
    ("/r/...xlsx", "return_审核意见.xlsx"),                             # nothing left of the name
    ("/r/报送.zip!108001.xlsx", "108001_审核意见.xlsx"),                  # an entry at the archive's root
    ("/r/TAX.xlsx", "TAX_审核意见.xlsx"),                               # only dots and spaces are trimmed
    ("/r/" + "长" * 101 + ".xlsx", "长" * 60 + "_审核意见.xlsx"),          # at most 180 bytes of stem
    ("/r/a" + "长" * 60 + ".xlsx", "a" + "长" * 59 + "_审核意见.xlsx"),      # 181 bytes: one character off
])
def test_an_annotated_return_is_named_after_the_return_safely(path, name, tmp_path):
    from perfxl.check import Checked, _annotated_name
    from perfxl.findings import FileReport
    used: set[str] = set()
    assert _annotated_name(Checked(path, FileReport(path, None, [])), used, set(), tmp_path) == name
    assert used == {name.casefold()}


def test_annotated_returns_are_signed_with_the_offices_key_and_locked_with_its_password(tmp_path):
    from openpyxl import load_workbook

    from perfxl.check import annotate_all
    from perfxl.reader import read_workbook

    returns = tmp_path / "returns"
    returns.mkdir()
    fw = perfxl.load_framework("hebei-2023")
    (returns / "108001.xlsx").write_bytes(perfxl.render_workbook(unit_from_dict(clean()), fw))
    (returns / "broken.xlsx").write_bytes(b"PK\x03\x04 cut short")
    run = check_paths([returns])
    written = annotate_all(run, tmp_path / "out" / "deep", key=b"office-key", password="s3cret")
    assert [w.path.name for w in written] == ["108001_审核意见.xlsx"]  # the unreadable one has nothing to mark
    path = written[0].path
    assert "S04" not in {f.code for f in read_workbook(path, key=b"office-key").findings}
    assert "S04" in {f.code for f in read_workbook(path, key=b"another-key").findings}
    wb = load_workbook(path)
    assert wb.security.workbookPassword and all(ws.protection.password for ws in wb.worksheets)
    plain = annotate_all(run, tmp_path / "plain")[0].path
    assert not load_workbook(plain).security.workbookPassword


def test_check_file_leaves_out_the_rules_it_is_told_to_skip(tmp_path, hebei):
    data = clean()
    data["projects"][0]["funds"]["total"] = 101.0                  # F01
    data["projects"][0]["indicators"][0]["basis"] = None           # I11
    path = perfxl.write_workbook(unit_from_dict(data), hebei, tmp_path)
    assert {"F01", "I11"} <= {f.code for f in check_mod.check_file(path).report.findings}
    codes = {f.code for f in check_mod.check_file(path, skip=["F01"]).report.findings}
    assert "F01" not in codes and "I11" in codes


def test_register_values_a_workbook_changed_are_named_in_each_language():
    """主管部门 (S08) and a project's name and purpose (S04) against the register: the message quotes
    both values, says "empty" for a blank one, and the English one is English throughout."""
    from perfxl.check import register_findings

    issued = unit_from_dict(clean())
    data = clean()
    data["unit"]["department_name"] = "某某局"
    data["projects"][0]["name"] = "改过的名字"
    data["projects"][0]["purpose"] = ""
    where = {("unit",): ("封面", "B4"), ("project", 0, "name"): ("1.项目", "B3"), ("project", 0, "purpose"): ("1.项目", "B7")}
    got = register_findings(unit_from_dict(data), {issued.unit.code: issued}, where)
    by = {(f.code, f.value): f for f in got}
    assert sorted(by) == [("S04", ""), ("S04", "改过的名字"), ("S08", "某某局")]
    s08 = by[("S08", "某某局")]
    assert (s08.sheet, s08.cell) == ("封面", "B4")
    assert [(f.sheet, f.cell) for f in (by[("S04", "改过的名字")], by[("S04", "")])] == [("1.项目", "B3"), ("1.项目", "B7")]
    assert f"主管部门名称“某某局”与清单的“{issued.unit.department_name}”不符" in s08.message
    assert f"its department name '某某局' differs from the register's '{issued.unit.department_name}'" \
        in s08.message_en
    name = by[("S04", "改过的名字")]
    assert f"The project name differs from the register: '{issued.projects[0].name}' there, '改过的名字' here" \
        in name.message_en
    purpose = by[("S04", "")]
    assert "工作簿中为“（空）”" in purpose.message
    assert f"The purpose differs from the register: '{issued.projects[0].purpose}' there, '' here" in purpose.message_en
    for f in got:  # the Chinese labels stay out of the English message
        assert not any(label in f.message_en for label in ("主管部门", "项目名称", "资金用途")), f.message_en


def test_check_paths_holds_every_file_to_the_framework_given(tmp_path, hebei):
    """The round's framework is passed to every file's reading: a workbook made from another is S05."""
    path = perfxl.write_workbook(unit_from_dict(clean()), hebei, tmp_path)
    assert "S05" not in [f.code for f in check_paths([path]).files[0].report.findings]
    other = perfxl.load_framework("mof-2021")
    assert "S05" in [f.code for f in check_paths([path], framework=other).files[0].report.findings]


def test_a_unit_json_naming_an_unknown_framework_is_s05_under_its_own_file(tmp_path):
    data = clean()
    data["framework"] = "no-such-framework"
    path = tmp_path / f"{data['unit']['code']}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    checked = check_mod.check_file(path)
    assert [f.code for f in checked.report.findings] == ["S05"]
    assert checked.report.path == str(path) and checked.report.unit_code == data["unit"]["code"]
    assert "no-such-framework" in checked.report.findings[0].message
