"""The tables beside the summary (table_files.TableFiles): written by a forked process while the parent
writes the summary, the same files as written in one process, and nothing placed when either fails."""
from __future__ import annotations

import errno
import os
import signal
import sys

import pyarrow.parquet as pq
import pytest

from perfxl import summary
from perfxl.outputs import OutputError
from perfxl.table_files import TableFiles
from test_scale_consolidate import compact_round

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the tables are forked on Linux only")


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _write(c, tmp_path, name, *, fork, also=None):
    csv_to, pq_to = tmp_path / name / "csv", tmp_path / name / "parquet"
    with TableFiles(c, csv_to, pq_to, fork=fork) as tables:
        summary.write_summary(c, tmp_path / name / "汇总.xlsx")
        if also:
            also()
        written = tables.place()
    return csv_to, pq_to, written, tables


@linux_only
def test_forked_tables_are_the_files_one_process_writes(tmp_path):
    with compact_round(30, 3, 4, formula="=1+1") as c:
        here_csv, here_pq, (csv_w, pq_w), here = _write(c, tmp_path, "here", fork=False)
        forked_csv, forked_pq, (fcsv_w, fpq_w), forked = _write(c, tmp_path, "forked", fork=True)
    assert here.child_peak_kb is None and forked.child_peak_kb  # the second was written by another process
    assert _files(forked_csv) == _files(here_csv)
    assert set(_files(forked_csv)) == {f"{n}.csv" for n in summary.csv_names(c).values()}
    assert [w.path.name for w in fcsv_w] == [w.path.name for w in csv_w]
    assert sorted(p.name for p in forked_pq.iterdir()) == sorted(p.name for p in here_pq.iterdir())
    for p in here_pq.iterdir():
        assert pq.read_table(forked_pq / p.name).equals(pq.read_table(p))
    assert len(pq.read_table(forked_pq / "指标.parquet")) == 30 * 3 * 4
    assert "'=1+1" in (forked_csv / "指标.csv").read_text(encoding="utf-8-sig")  # neutralised there too
    # nothing left behind: no staging folder beside the outputs
    assert sorted(p.name for p in (tmp_path / "forked").iterdir()) == ["csv", "parquet", "汇总.xlsx"]


@linux_only
def test_one_folder_for_both_gets_both_sets(tmp_path):
    with compact_round(5, 2, 3) as c:
        with TableFiles(c, tmp_path / "t", tmp_path / "t") as tables:
            csv_w, pq_w = tables.place()
    names = set(summary.csv_names(c).values())
    assert {p.name for p in (tmp_path / "t").iterdir()} == {f"{n}.csv" for n in names} | {f"{n}.parquet" for n in names}
    assert len(csv_w) == len(pq_w) == len(names)


@linux_only
def test_a_disk_error_in_the_forked_process_is_raised_here_and_the_old_tables_stay(tmp_path, monkeypatch):
    csv_to = tmp_path / "csv"
    csv_to.mkdir()
    (csv_to / "指标.csv").write_text("last round's", encoding="utf-8")

    def full_disk(c, folder):
        raise OSError(errno.ENOSPC, "No space left on device", str(folder))

    monkeypatch.setattr(summary, "write_csv", full_disk)  # before the fork: the child has it too
    with compact_round(5, 2, 3) as c:
        with pytest.raises(OSError) as e:
            _write(c, tmp_path, "out", fork=True)
    assert e.value.errno == errno.ENOSPC
    assert (csv_to / "指标.csv").read_text(encoding="utf-8") == "last round's"
    assert not [p for p in tmp_path.rglob("*.part")]


@linux_only
def test_a_killed_table_writer_is_a_clear_error_not_a_hang(tmp_path, monkeypatch):
    monkeypatch.setattr(summary, "write_csv", lambda c, folder: os.kill(os.getpid(), signal.SIGKILL))
    with compact_round(5, 2, 3) as c:
        with pytest.raises(OutputError, match="-9"):
            _write(c, tmp_path, "out", fork=True)
    assert not (tmp_path / "out" / "csv").exists() or not any((tmp_path / "out" / "csv").iterdir())
    assert not [p for p in tmp_path.rglob("*.part")]


@linux_only
def test_a_failed_summary_ends_the_table_writer_and_places_nothing(tmp_path):
    def fail():
        raise RuntimeError("the summary failed")

    with compact_round(5, 2, 3) as c:
        with pytest.raises(RuntimeError, match="summary failed"):
            _write(c, tmp_path, "out", fork=True, also=fail)
        # the parent still reads its spill after the child ended (the child left the folder alone)
        assert summary.write_csv(c, tmp_path / "after")
    assert not (tmp_path / "out" / "csv").exists() or not any((tmp_path / "out" / "csv").iterdir())
    assert not [p for p in tmp_path.rglob("*.part")]


def test_without_fork_everything_is_written_in_place(tmp_path):
    with compact_round(5, 2, 3) as c:
        csv_to, pq_to, (csv_w, pq_w), tables = _write(c, tmp_path, "here", fork=False)
    assert tables.child_peak_kb is None
    assert {w.path for w in csv_w} == set(csv_to.iterdir()) and {w.path for w in pq_w} == set(pq_to.iterdir())


@linux_only
def test_the_forked_writer_never_moves_the_parents_read_position(tmp_path):
    """An inherited file handle shares its position with the parent's: the parent, writing the summary
    meanwhile, would read another file's rows. The forked process opens the spill files anew."""
    with compact_round(20, 2, 3) as c:
        c.store.projects(c.taken[0])  # the parent has the spill file open
        (handle,) = c.store._files.values()
        before = handle.tell()
        with TableFiles(c, tmp_path / "csv", None) as tables:
            tables.place()
        assert handle.tell() == before
        assert c.store.projects(c.taken[-1])[0][0].endswith("000000")  # still reads right
