"""The parts of reading a round's inputs, one at a time (issue 9): what an entry's path may be, what its
name is in GBK or UTF-8, what the run's budget allows, what a file is by its name and its bytes."""
from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from perfxl.archives import (InputFile, RunLimits, _Budget, _copy_limited, _may_be_unit_json,
                             _safe_relative, _workbook_content, classify_input, zip_entry_name)


# ---------------------------------------------------------------- entry paths

@pytest.mark.parametrize("name, rel", [
    ("报送/108001.xlsx", "报送/108001.xlsx"),
    ("报送\\108001.xlsx", "报送/108001.xlsx"),     # a Windows separator
    ("./a//b/./c.xlsx", "a/b/c.xlsx"),
    ("a..b.xlsx", "a..b.xlsx"),                  # dots inside a name are a name
    ("x", "x"),
])
def test_an_entry_path_inside_the_archive_is_kept_relative(name, rel):
    assert _safe_relative(name) == PurePosixPath(rel)


@pytest.mark.parametrize("name", ["../a.xlsx", "a/../../b.xlsx", "..\\a.xlsx", "/etc/a.xlsx", "\\a.xlsx",
                                  "C:/a.xlsx", "c:a.xlsx", ".", "./", ""])
def test_an_entry_path_that_leaves_the_archive_or_names_nothing_is_refused(name):
    assert _safe_relative(name) is None


# ---------------------------------------------------------------- entry names

def _info(raw: bytes, utf8_flag: bool) -> zipfile.ZipInfo:
    """A ZipInfo as zipfile reads one: a name without the UTF-8 flag arrives decoded as cp437."""
    info = zipfile.ZipInfo(raw.decode("utf-8") if utf8_flag else raw.decode("cp437"))
    info.flag_bits = 0x800 if utf8_flag else 0
    return info


def test_a_flagged_name_is_utf8_and_an_unflagged_one_gbk_or_utf8_as_written():
    assert zip_entry_name(_info("报送/教育局.xlsx".encode("utf-8"), True)) == "报送/教育局.xlsx"
    assert zip_entry_name(_info("报送/教育局.xlsx".encode("gbk"), False)) == "报送/教育局.xlsx"
    assert zip_entry_name(_info("报送/教育局.xlsx".encode("utf-8"), False)) == "报送/教育局.xlsx"  # macOS tools
    assert zip_entry_name(_info(b"plain.xlsx", False)) == "plain.xlsx"


def test_a_name_neither_utf8_nor_gbk_is_kept_as_zipfile_read_it():
    raw = b"\x81\x30\xff.xlsx"  # not UTF-8, not GB18030
    assert zip_entry_name(_info(raw, False)) == raw.decode("cp437")


# ---------------------------------------------------------------- the run's budget

def test_room_is_the_smaller_of_the_cap_and_the_archives_ratio_plus_slack():
    b = _Budget(RunLimits(max_bytes=1000, max_ratio=3, slack_bytes=100))
    assert b.room() == 100                  # no archive yet: the slack
    b.archive_bytes = 200
    assert b.room() == 700                  # 3 × 200 + 100
    b.archive_bytes = 400
    assert b.room() == 1000                 # the cap
    b.extracted = 990
    assert b.room() == 10
    b.extracted = 1500
    assert b.room() == 0                    # never negative


def test_a_second_entry_of_one_name_is_numbered():
    b = _Budget(RunLimits())
    assert [b.unique("a!x.xlsx"), b.unique("a!x.xlsx"), b.unique("a!y.xlsx"), b.unique("a!x.xlsx")] == [
        "a!x.xlsx", "a!x.xlsx#2", "a!y.xlsx", "a!x.xlsx#3"]


@pytest.mark.parametrize("name, suffix", [("报送.xlsx", ".xlsx"), ("a.JSON", ".JSON"), ("a.12345678", ".12345678"),
                                          ("a.123456789", ""), ("a.x-y", ""), ("noext", ""), ("a.数据", "")])
def test_an_extracted_file_is_numbered_and_keeps_a_short_plain_suffix(name, suffix):
    b = _Budget(RunLimits())
    b.next_name("first")
    assert b.next_name(name) == f"00002{suffix}"


def test_copy_stops_past_its_limit_and_writes_nothing_beyond_it():
    out = io.BytesIO()
    assert _copy_limited(io.BytesIO(b"x" * 10), out, 10) == 10 and out.getvalue() == b"x" * 10
    out = io.BytesIO()
    assert _copy_limited(io.BytesIO(b"x" * 11), out, 10) is None and out.getvalue() == b""
    big = io.BytesIO(b"y" * ((1 << 20) + 5))
    out = io.BytesIO()
    assert _copy_limited(big, out, 1 << 20) is None and len(out.getvalue()) == 1 << 20  # the first chunk fitted
    assert _copy_limited(io.BytesIO(b""), io.BytesIO(), 0) == 0


# ---------------------------------------------------------------- what a file is

@pytest.mark.parametrize("content, is_unit", [
    ({"unit": {}}, True), ({"projects": []}, True), ({"budget_year": 2026}, True),
    ([1, 2], True),                      # not an object: meant as data, S01 will say why
    ({"files": [], "valid": True}, False),  # a check report saved beside the returns
    (None, True),                        # not JSON at all
])
def test_a_json_file_is_unit_data_unless_it_is_clearly_something_else(tmp_path, content, is_unit):
    p = tmp_path / "x.json"
    p.write_text("{not json" if content is None else json.dumps(content), "utf-8")
    assert _may_be_unit_json(p) is is_unit
    assert classify_input(p)[0] == ("return" if is_unit else "other")


def test_a_json_file_too_big_to_look_into_is_a_return(tmp_path, monkeypatch):
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"files": []}), "utf-8")
    monkeypatch.setattr("perfxl.archives.MAX_ENTRY_BYTES", 5)
    assert _may_be_unit_json(p) is True


def _zip_bytes(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, d in entries.items():
            zf.writestr(n, d)
    return buf.getvalue()


def _ole(*streams: str) -> bytes:
    return b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 504 + b"".join(s.encode("utf-16-le") for s in streams)


WORKBOOK_BYTES = [
    (_zip_bytes({"xl/workbook.xml": b"<workbook/>"}), True),
    (_zip_bytes({"xl/workbook.bin": b""}), True),                                   # .xlsb
    (_zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), True),
    (_zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text"}), False),   # .odt
    (_zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet" + b" " * 100}), False),
    (_zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet".ljust(99)}), True),
    (_zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet".ljust(100)}), False),  # not read
    (_zip_bytes({"word/document.xml": b"<w/>"}), False),
    (_ole("Workbook"), True), (_ole("Book\0"), True),                                 # .xls (BIFF8, BIFF5)
    (_ole("WordDocument", "Workbook"), False), (_ole("PowerPoint Document", "Book\0"), False),
    (_ole("Other"), False),
    (b"PK\x03\x04 broken", False), (b"%PDF-1.7", False), (b"", False),
]


@pytest.mark.parametrize("data, workbook", WORKBOOK_BYTES, ids=[f"bytes{i}" for i in range(len(WORKBOOK_BYTES))])
def test_a_workbook_is_known_by_its_bytes_whatever_its_name(tmp_path, data, workbook):
    p = tmp_path / "附件"
    p.write_bytes(data)
    assert _workbook_content(p) is workbook
    assert classify_input(p)[0] == ("return" if workbook else "other")


def test_a_file_that_cannot_be_opened_is_no_workbook(tmp_path):
    assert _workbook_content(tmp_path / "gone") is False


@pytest.mark.parametrize("name, kind, what", [
    ("108001.xlsx", "return", None), ("108001.XLS", "return", None), ("108001.et", "return", None),
    ("108001.csv", "return", None), ("报送.rar", "return", None), ("报送.7z", "return", None),
    ("~$108001.xlsx", "other", "Office 打开文件时留下的临时文件"),
    ("说明.docx", "other", "Word 文档"), ("签字.PDF", "other", "PDF 文件"), ("扫描.jpg", "other", "图片"),
    ("转发.eml", "other", "邮件"), ("汇报.pptx", "other", "演示文稿"), ("页面.html", "other", "网页"),
    ("notes.txt", "other", "文本文件"), ("README", "other", "文本文件"), ("LICENSE", "other", "文本文件"),
    ("说明", "other", "文本文件"), ("readme", "other", "文本文件"), ("data.bin", "other", "不是电子表格的文件"),
])
def test_what_a_file_is_by_its_name(tmp_path, name, kind, what):
    p = tmp_path / "f"
    p.write_bytes(b"not a workbook")
    assert classify_input(p, name)[:2] == (kind, what)


def test_the_name_the_office_sees_decides_not_the_extracted_files_name(tmp_path):
    p = tmp_path / "00001"
    p.write_bytes(b"x")
    assert classify_input(p, "108001.xlsx")[0] == "return"
    assert classify_input(p)[0] == "other"


def test_an_input_files_name_and_what_it_is_in_the_current_language(monkeypatch):
    f = InputFile("C:\\收件\\报送.zip!单位/说明.docx", None, kind="other", what_zh="Word 文档", what_en="a Word document")
    assert f.name == "说明.docx" and f.what == "Word 文档"
    monkeypatch.setenv("PERFXL_LANG", "en")
    assert f.what == "a Word document"
    assert InputFile("/r/108001.xlsx", Path("/r/108001.xlsx")).what is None
    assert InputFile("/r/x", None, what_zh="图片").what == ""  # no English given: nothing rather than Chinese



# ---------------------------------------------------------------- one archive entry

def _collect(archive: Path, limits: RunLimits | None = None) -> dict[str, InputFile]:
    from perfxl.archives import collect_inputs
    with collect_inputs([archive], **({"limits": limits} if limits else {})) as inputs:
        return {i.display.split("!", 1)[1]: i for i in inputs}


def _raw_zip(path: Path, name: str, data: bytes, *, flag_bits: int = 0, declared_size: int | None = None,
             bad_crc: bool = False, compress: int = zipfile.ZIP_STORED) -> Path:
    """A one-entry zip whose header says what a damaged or crafted archive says."""
    with zipfile.ZipFile(path, "w", compress) as zf:
        zf.writestr(name, data)
    raw = bytearray(path.read_bytes())
    local, central = raw.find(b"PK\x03\x04"), raw.find(b"PK\x01\x02")
    if flag_bits:
        for at in (local + 6, central + 8):
            raw[at:at + 2] = (int.from_bytes(raw[at:at + 2], "little") | flag_bits).to_bytes(2, "little")
    if declared_size is not None:
        for at in (local + 22, central + 24):
            raw[at:at + 4] = declared_size.to_bytes(4, "little")
    if bad_crc:
        for at in (local + 14, central + 16):
            raw[at:at + 4] = b"\0\0\0\0"
    path.write_bytes(bytes(raw))
    return path


def test_a_password_protected_entry_is_refused_saying_so(tmp_path):
    got = _collect(_raw_zip(tmp_path / "a.zip", "108001.xlsx", b"x" * 100, flag_bits=0x1))["108001.xlsx"]
    assert got.path is None and "设置了密码" in got.problem and "password-protected" in got.problem_en


def test_a_damaged_entry_is_refused_and_leaves_no_file(tmp_path):
    got = _collect(_raw_zip(tmp_path / "a.zip", "108001.xlsx", b"x" * 100, bad_crc=True))["108001.xlsx"]
    assert got.path is None and "损坏" in got.problem and "damaged" in got.problem_en


def test_an_entry_larger_than_its_header_says_is_refused_and_not_extracted(tmp_path):
    """The header is what the budget is planned on; an entry that inflates past it is refused (zipfile
    stops at the declared size and the checksum then fails), and nothing of it is left on disk."""
    archive = _raw_zip(tmp_path / "a.zip", "108001.xlsx", b"\0" * (3 << 20), declared_size=1000,
                       compress=zipfile.ZIP_DEFLATED)
    from perfxl.archives import collect_inputs
    with collect_inputs([archive]) as inputs:
        (got,) = inputs
        work = Path(tempfile.gettempdir())
        extracted = [p for d in work.glob(f"perfxl-round-{os.getpid()}-*") for p in d.iterdir()]
    assert got.path is None and "无法解压" in got.problem and "cannot be extracted" in got.problem_en
    assert extracted == []


@pytest.mark.parametrize("size, refused", [((1 << 20) + 1024, True), (1 << 20, False)])
def test_a_highly_compressed_entry_is_refused_only_past_a_mebibyte(tmp_path, size, refused):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("108001.xlsx", b"\0" * size)  # zeros: far more than 200 to 1
    got = _collect(archive)["108001.xlsx"]
    assert (got.path is None) is refused
    if refused:
        assert f"（{size} 字节）" in got.problem and got.size == size


def test_an_entry_that_compresses_little_is_extracted_however_large(tmp_path):
    """The zip-bomb guard is a ratio (inflated / compressed past 200 to 1), not a size: 2 MiB of bytes
    that do not compress is an ordinary attachment."""
    data = os.urandom(2 << 20)
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("附件.pdf", data)
    from perfxl.archives import collect_inputs
    with collect_inputs([archive]) as inputs:
        (got,) = inputs
        assert got.problem is None and got.path is not None and Path(got.path).read_bytes() == data


@pytest.mark.parametrize("extra, refused", [(0, False), (1, True)])
def test_an_entry_is_refused_only_past_the_per_file_ceiling(tmp_path, monkeypatch, extra, refused):
    monkeypatch.setattr("perfxl.archives.MAX_ENTRY_BYTES", 4096)
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("附件.pdf", os.urandom(4096 + extra))
    got = _collect(archive)["附件.pdf"]
    assert (got.path is None) is refused
    if refused:
        assert f"解压后过大（{4096 + extra} 字节）" in got.problem and "too large once extracted" in got.problem_en


def test_an_entry_that_leaves_the_archive_is_refused_saying_why(tmp_path):
    archive = _raw_zip(tmp_path / "a.zip", "../108001.xlsx", b"x" * 10)
    (got,) = _collect(archive).values()
    assert got.path is None
    assert got.problem == "压缩包内的路径试图跳出压缩包（含“..”或绝对路径），已拒绝"
    assert got.problem_en == 'the entry\'s path leaves the archive (".." or an absolute path): refused'


def test_an_entry_past_the_runs_extraction_budget_is_refused_under_its_own_name(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("报送/108001.xlsx", os.urandom(3000))
        zf.writestr("报送/112001.xlsx", os.urandom(3000))
    got = _collect(archive, RunLimits(max_bytes=4000, max_ratio=100, slack_bytes=0))
    assert sorted(got) == ["报送/108001.xlsx", "报送/112001.xlsx"]
    second = got["报送/112001.xlsx"]
    assert second.display == f"{archive}!报送/112001.xlsx" and second.path is None
    assert "解压总量已达上限" in second.problem and "（3000 字节）未解压" in second.problem
    assert got["报送/108001.xlsx"].problem is None


def test_an_entry_in_a_compression_method_python_cannot_read_is_refused_as_damaged(tmp_path):
    """zipfile refuses such an entry before anything is written (NotImplementedError): refused as
    damaged, and the run goes on (the cleanup must not trip over a file that never was)."""
    archive = _raw_zip(tmp_path / "a.zip", "108001.xlsx", b"x" * 100)
    raw = bytearray(archive.read_bytes())
    local, central = raw.find(b"PK\x03\x04"), raw.find(b"PK\x01\x02")
    for at in (local + 8, central + 10):
        raw[at:at + 2] = (98).to_bytes(2, "little")  # PPMd, which zipfile does not implement
    archive.write_bytes(bytes(raw))
    (got,) = _collect(archive).values()
    assert got.path is None and "损坏" in got.problem and "damaged" in got.problem_en


def test_files_a_desktop_adds_are_listed_as_such_never_extracted(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("__MACOSX/报送/._108001.xlsx", "报送/.DS_Store", "Thumbs.db", "desktop.ini"):
            zf.writestr(name, b"x" * 7)
    got = _collect(archive)
    assert set(got) == {"__MACOSX/报送/._108001.xlsx", "报送/.DS_Store", "Thumbs.db", "desktop.ini"}
    for f in got.values():
        assert (f.kind, f.path, f.problem, f.size) == ("other", None, None, 7)
        assert f.what_zh == "电脑系统自动生成的附属文件" and f.what_en == "a file the desktop adds to archives"


def test_an_archive_inside_an_archive_inside_an_archive_is_refused_naming_the_depth(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("108001.xlsx", b"x")
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w") as zf:
        zf.writestr("inner.zip", inner.getvalue())
    archive = tmp_path / "outer.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("middle.zip", middle.getvalue())
    got = _collect(archive)
    assert list(got) == ["middle.zip!inner.zip"]
    f = got["middle.zip!inner.zip"]
    assert f.path is None and "嵌套超过 1 层" in f.problem and "nested deeper than 1 level" in f.problem_en
    assert f.size == len(inner.getvalue())
    assert list(_collect(archive, RunLimits(max_depth=2))) == ["middle.zip!inner.zip!108001.xlsx"]
