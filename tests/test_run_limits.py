"""Limits per run and archives that lie about their layout (issue 11, attacks 4, 5 and 6).

Every archive entry is accounted for (checked, refused with its reason, or listed as an other file),
two entries never share one extracted file, the same input given twice is read once, and the bytes,
entries and nesting extracted are counted over the whole run.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

import perfxl
from perfxl.archives import RunLimits, collect_inputs
from perfxl.check import check_paths
from perfxl.consolidate import consolidate

from conftest import SAMPLES

REGISTER = SAMPLES / "register.xlsx"


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> dict[str, bytes]:
    """Two units' workbooks as bytes."""
    d = tmp_path_factory.mktemp("returns")
    fw = perfxl.load_framework("hebei-2023")
    return {code: perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / f"{code}.json"), fw, d).read_bytes()
            for code in ("108001", "112001")}


def _zip(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    """A zip holding ``entries`` in order; a name may repeat (zipfile warns, as real tools do not)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            with pytest.warns(UserWarning) if name in zf.NameToInfo else _nothing():
                zf.writestr(name, data)
    return path


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _shown(inputs, archive: Path) -> list[str]:
    return [i.display.split(str(archive) + "!", 1)[1] for i in inputs]


# ---------------------------------------------------------------- attack 4: names that clash on disk


def test_a_file_and_a_folder_of_the_same_name_are_both_read(tmp_path, returns):
    archive = _zip(tmp_path / "mail.zip", [("a.xlsx", returns["108001"]), ("a.xlsx/b.xlsx", returns["112001"])])
    run = check_paths([archive])
    assert sorted(c.path.split("!", 1)[1] for c in run.files) == ["a.xlsx", "a.xlsx/b.xlsx"]
    assert sorted(c.unit.unit.code for c in run.files) == ["108001", "112001"]


def test_a_folder_name_longer_than_the_file_system_allows_is_read(tmp_path, returns):
    long = "单位" * 60  # 360 bytes in UTF-8, over the 255 of most file systems
    archive = _zip(tmp_path / "mail.zip", [(f"{long}/108001.xlsx", returns["108001"]),
                                           (f"x/{long}{long}.xlsx", returns["112001"])])
    run = check_paths([archive])
    assert sorted(c.unit.unit.code for c in run.files) == ["108001", "112001"]
    assert any(long in c.path for c in run.files)


# ---------------------------------------------------------------- attack 5: one name, two returns


def test_two_entries_of_one_name_are_both_checked_under_their_own_names(tmp_path, returns):
    archive = _zip(tmp_path / "mail.zip", [("r.xlsx", returns["108001"]), ("r.xlsx", returns["112001"])])
    with collect_inputs([archive]) as inputs:
        assert _shown(inputs, archive) == ["r.xlsx", "r.xlsx#2"]
        assert inputs[0].path != inputs[1].path
        assert inputs[0].path.read_bytes() == returns["108001"] and inputs[1].path.read_bytes() == returns["112001"]


def test_two_entries_of_one_name_in_consolidation_are_two_units_taken(tmp_path, returns):
    archive = _zip(tmp_path / "mail.zip", [("r.xlsx", returns["108001"]), ("r.xlsx", returns["112001"])])
    result = consolidate([archive], REGISTER)
    files = result.tables["files"]
    assert len(files) == 2 and list(files["状态"]) == ["采用", "采用"]
    sub = result.tables["submissions"].set_index("单位编码")
    assert sub.loc["108001", "是否报送"] == "是" and sub.loc["112001", "是否报送"] == "是"
    assert "None" not in " ".join(files["说明"])


def test_the_same_file_named_twice_counts_once(tmp_path, returns):
    f = tmp_path / "in" / "108001.xlsx"
    f.parent.mkdir()
    f.write_bytes(returns["108001"])
    run = check_paths([f, f, tmp_path / "in", tmp_path / "in" / ".." / "in" / "108001.xlsx"])
    assert len(run.files) == 1
    assert not any(x.code == "X04" for x in run.files[0].report.findings)
    result = consolidate([f, f], REGISTER)
    assert list(result.tables["files"]["状态"]) == ["采用"]


def test_every_entry_is_accounted_for_in_the_file_list(tmp_path, returns):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("deep.zip", b"PK\x05\x06" + b"\0" * 18)
    entries = [("a.xlsx", returns["108001"]), ("a.xlsx/b.xlsx", returns["112001"]), ("../evil.xlsx", b"x"),
               ("__MACOSX/._a.xlsx", b""), ("说明.docx", b"PK"), ("inner.zip", inner.getvalue())]
    archive = _zip(tmp_path / "mail.zip", entries)
    result = consolidate([archive], REGISTER)
    listed = [p.split(str(archive) + "!", 1)[1] for p in result.tables["files"]["文件"]]
    assert sorted(listed) == sorted(["a.xlsx", "a.xlsx/b.xlsx", "../evil.xlsx", "__MACOSX/._a.xlsx", "说明.docx",
                                     "inner.zip!deep.zip"])
    reasons = dict(zip(listed, result.tables["files"]["说明"]))
    assert "嵌套" in reasons["inner.zip!deep.zip"]


# ---------------------------------------------------------------- attack 6: limits over the whole run


def _zeros_zip(path: Path, n: int, size: int = 1 << 20) -> Path:
    """``n`` entries of ``size`` zero bytes: each under the per-entry ratio test (1 MB), together a bomb."""
    return _zip(path, [(f"{i:03d}.csv", b"\0" * size) for i in range(n)])


def _extracted_bytes(inputs) -> int:
    return sum(i.path.stat().st_size for i in inputs if i.path is not None and i.path.exists())


def test_small_entries_cannot_add_up_past_the_run_limit(tmp_path):
    archive = _zeros_zip(tmp_path / "bomb.zip", 60)
    limits = RunLimits(max_ratio=50, slack_bytes=4 << 20)
    cap = 50 * archive.stat().st_size + (4 << 20)
    with collect_inputs([archive], limits=limits) as inputs:
        assert len(inputs) == 60  # every entry listed
        assert _extracted_bytes(inputs) <= cap
        refused = [i for i in inputs if i.path is None]
        assert refused and all("上限" in i.problem for i in refused)
        # the limit is named in MB as it stands for this run (50 × the archive + 4 MB)
        assert all(f"（{cap / (1 << 20):.0f} MB）" in i.problem and f"({cap / (1 << 20):.0f} MB)" in i.problem_en
                   for i in refused)


def test_the_limit_is_shared_by_every_archive_of_the_run(tmp_path):
    a = _zeros_zip(tmp_path / "a.zip", 10)
    b = _zeros_zip(tmp_path / "b.zip", 10)
    limits = RunLimits(max_ratio=1, slack_bytes=12 << 20)
    with collect_inputs([a], limits=limits) as alone:
        assert all(i.path is not None for i in alone)  # one archive fits
    with collect_inputs([a, b], limits=limits) as both:
        assert _extracted_bytes(both) <= (12 << 20) + a.stat().st_size + b.stat().st_size
        assert sum(i.path is None for i in both) >= 8


def test_archives_inside_archives_share_the_limit_and_nest_one_level(tmp_path):
    inner = _zeros_zip(tmp_path / "inner.zip", 8).read_bytes()
    outer = _zip(tmp_path / "outer.zip", [(f"z{i}.zip", inner) for i in range(3)])
    limits = RunLimits(max_ratio=1, slack_bytes=10 << 20)
    with collect_inputs([outer], limits=limits) as inputs:
        assert len(inputs) == 24
        assert _extracted_bytes(inputs) <= (10 << 20) + outer.stat().st_size


def test_entries_past_the_run_count_are_listed_as_one_refusal(tmp_path):
    archive = _zip(tmp_path / "many.zip", [(f"{i}.xlsx", b"x") for i in range(10)])
    with collect_inputs([archive], limits=RunLimits(max_entries=4)) as inputs:
        assert len(inputs) == 5
        assert inputs[-1].path is None and "另有 6 个" in inputs[-1].problem
