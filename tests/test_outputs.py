"""The one output convention (perfxl/outputs.py): folder or file, suffix checked first, write then rename."""
import errno
import os

import pytest

from perfxl.errors import PerfxlError
from perfxl.outputs import (OutputError, existing_files, file_target, folder_target, os_error_message, replaced_in,
                            replacing, write_bytes, write_folder_files, write_text, written_message)


def test_output_into_missing_folder_is_created(tmp_path):
    target = file_target(tmp_path / "new" / "deeper" / "report.json", (".json",), "审核报告.json")
    w = write_text(target.path("审核报告.json"), "{}\n")
    assert w.path == tmp_path / "new" / "deeper" / "report.json"
    assert w.path.read_text("utf-8") == "{}\n" and not w.replaced


def test_output_ending_in_separator_means_folder_and_default_name(tmp_path):
    target = file_target(f"{tmp_path / 'reports'}{os.sep}", (".xlsx",), "问题清单.xlsx")
    assert target.into_folder
    w = write_bytes(target.path("问题清单.xlsx"), b"data")
    assert w.path == tmp_path / "reports" / "问题清单.xlsx" and w.path.read_bytes() == b"data"
    assert not (tmp_path / "reports.xlsx").exists()


def test_output_existing_folder_means_default_name(tmp_path):
    (tmp_path / "out").mkdir()
    target = file_target(tmp_path / "out", (".xlsx",), "汇总.xlsx")  # no trailing separator: it exists
    assert target.path("汇总.xlsx") == tmp_path / "out" / "汇总.xlsx"


def test_output_suffix_mismatch_is_error_naming_the_expected_suffix(tmp_path):
    with pytest.raises(OutputError) as e:
        file_target(tmp_path / "summary.csv", (".xlsx",), "汇总.xlsx")
    assert isinstance(e.value, PerfxlError)  # the CLI turns it into exit status 2
    assert "summary.csv" in str(e.value) and ".csv" in str(e.value) and ".xlsx" in str(e.value)
    assert not (tmp_path / "summary.csv").exists()


def test_output_without_suffix_is_error_that_shows_both_spellings(tmp_path):
    with pytest.raises(OutputError) as e:
        file_target(tmp_path / "report", (".json",), "审核报告.json")
    assert "report.json" in str(e.value) and "report/" in str(e.value)


def test_output_suffix_is_case_insensitive(tmp_path):
    assert file_target(tmp_path / "A.XLSX", (".xlsx",), "x.xlsx").path("x.xlsx") == tmp_path / "A.XLSX"


def test_output_folder_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(OutputError):
        folder_target(tmp_path / "taken")
    with pytest.raises(OutputError):
        folder_target(tmp_path / "returns.xlsx")  # a file name where a folder of files is written
    assert folder_target(tmp_path / "returns") == tmp_path / "returns"
    assert folder_target(f"{tmp_path / 'v1.xlsx'}/") == tmp_path / "v1.xlsx"  # a trailing / says folder


def test_output_replaced_only_when_the_writer_succeeds(tmp_path):
    path = tmp_path / "汇总.xlsx"
    path.write_bytes(b"last week's summary")

    def failing(tmp):
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full halfway")

    with pytest.raises(RuntimeError):
        with replacing(path) as tmp:
            failing(tmp)
    assert path.read_bytes() == b"last week's summary"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["汇总.xlsx"]  # no temporary file left behind


def test_output_temporary_file_is_beside_the_target(tmp_path):
    seen = []
    with replacing(tmp_path / "sub" / "a.json") as tmp:
        seen.append(tmp)
        tmp.write_text("{}")
    assert seen[0].parent == tmp_path / "sub" and seen[0].name != "a.json"
    assert (tmp_path / "sub" / "a.json").read_text() == "{}" and not seen[0].exists()


def test_output_existing_file_replaced_is_reported(tmp_path):
    path = tmp_path / "report.json"
    first = write_text(path, "1")
    second = write_text(path, "2")
    assert (first.replaced, second.replaced) == (False, True) and path.read_text() == "2"
    assert str(path) in written_message(second) and "已替换原有文件" in written_message(second)
    assert "已替换" not in written_message(first, "问题清单", "Findings")


def test_output_replaced_message_in_english(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFXL_LANG", "en")
    path = tmp_path / "r.json"
    write_text(path, "1")
    assert written_message(write_text(path, "2")) == f"Replaced the existing file: {path}"


def test_output_folder_files_moved_in_only_after_all_are_written(tmp_path):
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "汇总.csv").write_text("old")

    def half(tmp):
        tmp.mkdir(parents=True)
        (tmp / "汇总.csv").write_text("new")
        raise RuntimeError("failed before the second table")

    with pytest.raises(RuntimeError):
        write_folder_files(folder, half)
    assert (folder / "汇总.csv").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tables"]  # the staging folder is gone

    def both(tmp):
        tmp.mkdir(parents=True)
        for name in ("汇总.csv", "项目.csv"):
            (tmp / name).write_text("new")
        return [tmp / "汇总.csv", tmp / "项目.csv"]

    written = write_folder_files(folder, both)
    assert [(w.path.name, w.replaced) for w in written] == [("汇总.csv", True), ("项目.csv", False)]
    assert (folder / "汇总.csv").read_text() == "new"


def test_output_replaced_count_for_a_folder_of_files(tmp_path):
    (tmp_path / "a.xlsx").write_text("x")
    before = existing_files(tmp_path)
    assert replaced_in([tmp_path / "a.xlsx", tmp_path / "b.xlsx"], before) == 1


def test_os_error_message_names_the_file_in_chinese_only(tmp_path, monkeypatch):
    monkeypatch.delenv("PERFXL_LANG", raising=False)
    e = FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(tmp_path / "x.xlsx"))
    text = os_error_message(e)
    assert str(tmp_path / "x.xlsx") in text and "不存在" in text and "No such file" not in text
    assert "没有权限" in os_error_message(PermissionError(errno.EACCES, "Permission denied", "a.xlsx"))
    monkeypatch.setenv("PERFXL_LANG", "en")
    assert os_error_message(e) == f"{tmp_path / 'x.xlsx'}: no such file or folder"
