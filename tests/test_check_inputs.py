"""What `check` makes of an input it cannot read: an archive entry refused before reading, a file whose
reading crashed. Each becomes one S01 that says why in both languages, keeps the file's size, and is
attributed to the unit its name carries, so the round still knows who sent it (issue 9's survivors)."""
from __future__ import annotations

import zipfile

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
    assert c.path == f"{archive}!../108001_教育局.xlsx"
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
    assert c.report.unit_code == "108001" and c.attributed_by == "name"
    assert c.size == path.stat().st_size and c.unit is None
