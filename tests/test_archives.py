"""Round inputs from folders and zip archives: names in any encoding, nothing escapes, nothing lost."""
import io
import os
import re
import stat
import subprocess
import sys
import tempfile
import zipfile

import pytest

from perfxl.archives import collect_inputs, write_gbk_zip
from perfxl.errors import PerfxlError


def _utf8_zip(path, files):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def test_names_in_gbk_and_utf8_and_nested_archives(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("内层/115001.xlsx", b"inner")
    write_gbk_zip(tmp_path / "gbk.zip", {"报送/108001_教育局.xlsx": b"a", "报送/嵌套.zip": inner.getvalue()})
    _utf8_zip(tmp_path / "utf8.zip", {"财政局/112001.xlsx": b"b", "__MACOSX/._112001.xlsx": b"", "Thumbs.db": b""})
    with collect_inputs([tmp_path]) as inputs:
        shown = {i.display.split(str(tmp_path) + "/", 1)[1]: i for i in inputs}
        returns = {k for k, i in shown.items() if i.kind == "return"}
        assert returns == {"gbk.zip!报送/108001_教育局.xlsx", "gbk.zip!报送/嵌套.zip!内层/115001.xlsx",
                           "utf8.zip!财政局/112001.xlsx"}
        # what a desktop adds to archives is accounted for (listed as other files), never checked
        assert {k for k, i in shown.items() if i.kind == "other"} == {"utf8.zip!__MACOSX/._112001.xlsx",
                                                                     "utf8.zip!Thumbs.db"}
        assert shown["gbk.zip!报送/嵌套.zip!内层/115001.xlsx"].path.read_bytes() == b"inner"
        extracted = shown["utf8.zip!财政局/112001.xlsx"].path
        assert extracted.read_bytes() == b"b" and tmp_path not in extracted.parents
    assert not extracted.exists()  # extracted entries live only as long as the round


def test_escaping_linked_and_oversized_entries_are_refused_and_listed(tmp_path):
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../up.xlsx", b"x")
        zf.writestr("/abs.xlsx", b"x")
        zf.writestr("C:/win.xlsx", b"x")
        link = zipfile.ZipInfo("link.xlsx")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr(zipfile.ZipInfo("big.xlsx"), b"\0" * (60 * 1024 * 1024), compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("ok.xlsx", b"fine")
    with collect_inputs([path]) as inputs:
        problems = {i.display.rsplit("!", 1)[1]: i.problem for i in inputs}
    assert problems["ok.xlsx"] is None
    for name in ("../up.xlsx", "/abs.xlsx", "C:/win.xlsx"):
        assert "跳出压缩包" in problems[name]
    assert "符号链接" in problems["link.xlsx"] and "压缩炸弹" in problems["big.xlsx"]
    assert not list(tmp_path.glob("*.xlsx")) and not (tmp_path.parent / "up.xlsx").exists()


def test_broken_zip_and_missing_path(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    with collect_inputs([tmp_path / "broken.zip"]) as inputs:
        assert len(inputs) == 1 and "压缩包无法打开" in inputs[0].problem
    with pytest.raises(PerfxlError, match="不存在"):
        with collect_inputs([tmp_path / "nope"]):
            pass


def test_entries_are_classified_returns_and_other_files(tmp_path):
    """A cover letter inside an archive is an other file, as beside it; a misnamed workbook is a return."""
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    xlsx = io.BytesIO()
    with zipfile.ZipFile(xlsx, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    write_gbk_zip(tmp_path / "mail.zip", {"报送/115001.xlsx": b"broken", "报送/报送说明.docx": docx.getvalue(),
                                         "报送/115002附件": xlsx.getvalue(), "报送/签字页.pdf": b"%PDF-1.7"})
    (tmp_path / "说明.txt").write_text("见附件", "utf-8")
    with collect_inputs([tmp_path]) as inputs:
        kinds = {i.name: (i.kind, i.what_zh) for i in inputs}
    assert kinds == {"115001.xlsx": ("return", None), "报送说明.docx": ("other", "Word 文档"),
                     "115002附件": ("return", None), "签字页.pdf": ("other", "PDF 文件"), "说明.txt": ("other", "文本文件")}


def test_refused_entries_say_why_in_one_language(tmp_path, monkeypatch):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    _utf8_zip(tmp_path / "up.zip", {"../up.xlsx": b"x"})
    with collect_inputs([tmp_path]) as inputs:
        for i in inputs:
            assert not re.search(r"[A-Za-z]{4,}", i.problem), i.problem  # no English OS text in the Chinese
            assert not re.search(r"[\u4e00-\u9fff]", i.problem_en), i.problem_en
    monkeypatch.setenv("PERFXL_LANG", "en")
    with pytest.raises(PerfxlError, match="no such file or folder"):
        with collect_inputs([tmp_path / "nope"]):
            pass


def test_a_run_killed_outright_has_its_temporary_folder_removed_by_the_next(tmp_path, monkeypatch):
    """Only the folders of runs whose process is gone: this run's, a live one's and odd names stay."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"perfxl-round-{dead.pid}-abc"
    (stale / "x").mkdir(parents=True)
    mine = tmp_path / f"perfxl-round-{os.getpid()}-keep"
    alive = subprocess.Popen([sys.executable, "-c",  # SIGHUP as it is by default, even under nohup
                              "import signal, time; signal.signal(signal.SIGHUP, signal.SIG_DFL); time.sleep(30)"])
    try:
        theirs = tmp_path / f"perfxl-round-{alive.pid}-running"
        odd = tmp_path / "perfxl-round-notapid-x"
        for d in (mine, theirs, odd):
            d.mkdir()
        (tmp_path / "a.xlsx").write_bytes(b"x")
        with collect_inputs([tmp_path / "a.xlsx"]):
            pass
        assert not stale.exists() and mine.exists() and theirs.exists() and odd.exists()
        with pytest.raises(subprocess.TimeoutExpired):  # asked whether it lives, not sent a signal that ends it
            alive.wait(timeout=0.5)
    finally:
        alive.kill()
        alive.wait()


def test_a_process_that_cannot_be_signalled_counts_as_alive(monkeypatch):
    """Another user's run (its folder in a shared temporary folder) is never taken for a dead one."""
    from perfxl import archives

    def refuse(pid, sig):
        raise PermissionError(1, "Operation not permitted")

    def gone(pid, sig):
        raise ProcessLookupError(3, "No such process")

    monkeypatch.setattr(archives.os, "kill", refuse)
    assert archives._alive(4242) is True
    monkeypatch.setattr(archives.os, "kill", gone)
    assert archives._alive(4242) is False


def test_sizes_in_messages_are_whole_mebibytes():
    from perfxl.archives import _mb
    assert (_mb(1000 * 1024 * 1024), _mb(1024 * 1024 + 1), _mb(0)) == ("1000 MB", "1 MB", "0 MB")
