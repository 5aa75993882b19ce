"""Reading in a sandbox (issue 11, attacks 3 and 9): a file that kills its reader is S01, the run goes on.

The worker processes of ``perfxl.sandbox`` are attacked directly (abort, memory, CPU, wall time) and
through the library and the CLI with the 1.8 KB workbook whose sharedStrings claims 2^31 strings,
which makes calamine ask for 51 GB and abort. Signals are sent to a real ``perfxl`` process.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import perfxl
from perfxl.check import check_file, check_paths
from perfxl.cli import main
from perfxl.consolidate import consolidate
from perfxl.errors import PerfxlError
from perfxl.export import export_unit
from perfxl.safe_open import open_workbook
from perfxl.sandbox import Crashed, Pool, SandboxLimits, run_isolated

import hostile as H
from conftest import SAMPLES

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sst_bomb(folder: Path, name: str = "115001_bomb.xlsx") -> Path:
    """1.8 KB: one cell pointing at a shared string; the part claims uniqueCount=2147483647."""
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData><row r="1">'
             '<c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>')
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="2147483647" '
           'uniqueCount="2147483647"><si><t>x</t></si></sst>')
    path = folder / name
    path.write_bytes(H.zip_bytes(H.minimal_xlsx_parts(sheet, shared_strings=sst)))
    return path


@pytest.fixture(scope="module")
def round_dir(tmp_path_factory):
    """Two units' clean workbooks and the bomb, in one folder."""
    d = tmp_path_factory.mktemp("round")
    fw = perfxl.load_framework("hebei-2023")
    for code in ("108001", "112001"):
        perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / f"{code}.json"), fw, d)
    sst_bomb(d)
    return d


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- the pool itself


def _task(item, shared):
    """What a test item asks the worker to do."""
    kind, arg = item
    if kind == "ok":
        return arg * 2
    if kind == "abort":
        os.abort()
    if kind == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if kind == "exit":
        os._exit(3)
    if kind == "memory":
        return len(bytearray(arg * 1024 * 1024))
    if kind == "cpu":
        while True:
            pass
    if kind == "sleep":
        time.sleep(arg)
        return "slept"
    if kind == "pid":
        return os.getpid()
    raise ValueError(kind)


def _results(items, **kw):
    with Pool(_task, None, **kw) as pool:
        return dict(pool.run(items))


def test_an_aborting_worker_is_crashed_and_the_others_go_on():
    items = [("ok", 1), ("abort", None), ("ok", 2), ("kill", None), ("ok", 3), ("exit", None), ("ok", 4)]
    for jobs in (1, 2, 3):
        got = _results(items, jobs=jobs)
        assert [got[i] for i in (0, 2, 4, 6)] == [2, 4, 6, 8]
        for i in (1, 3, 5):
            assert isinstance(got[i], Crashed) and got[i].reason_zh and got[i].reason_en
        assert "中止" in got[1].reason_zh and "SIGKILL" not in got[1].reason_zh
        assert "终止" in got[3].reason_zh and "3" in got[5].reason_zh


def test_memory_over_the_limit_is_crashed_not_a_dead_parent():
    got = _results([("memory", 400), ("ok", 1)], jobs=1, limits=SandboxLimits(memory_mb=200))
    assert isinstance(got[0], Crashed) and "200 MB" in got[0].reason_zh
    assert got[1] == 2


def test_cpu_time_over_the_limit_is_crashed():
    got = _results([("cpu", None), ("ok", 5)], jobs=1, limits=SandboxLimits(cpu_seconds=1, wall_seconds=60))
    assert isinstance(got[0], Crashed) and "CPU" in got[0].reason_zh
    assert got[1] == 10


def test_wall_time_over_the_limit_is_crashed():
    t0 = time.monotonic()
    got = _results([("sleep", 30), ("ok", 1)], jobs=2, limits=SandboxLimits(wall_seconds=0.5))
    assert time.monotonic() - t0 < 10
    assert isinstance(got[0], Crashed) and "0.5 秒" in got[0].reason_zh and got[1] == 2


def test_workers_are_long_lived_and_none_outlives_the_pool():
    got = _results([("pid", None)] * 12, jobs=2)
    assert 1 <= len(set(got.values())) <= 2  # two workers read twelve items
    assert multiprocessing.active_children() == []
    assert os.getpid() not in got.values()  # never in the caller's process


def test_run_isolated_gives_the_result_or_crashed():
    assert run_isolated(_task, ("ok", 21)) == 42
    assert isinstance(run_isolated(_task, ("abort", None)), Crashed)


def test_a_worker_abort_prints_nothing_on_the_terminal(capfd, round_dir):
    check_file(round_dir / "115001_bomb.xlsx")
    err = capfd.readouterr().err
    assert "memory allocation" not in err and "Fatal Python error" not in err and "backtrace" not in err


# ---------------------------------------------------------------- attack 3 through the library and the CLI


def test_the_sst_bomb_is_small_and_aborts_calamine_alone(tmp_path):
    """The regression itself: run in a child, calamine on the bomb dies (this is why the sandbox exists)."""
    path = sst_bomb(tmp_path)
    assert path.stat().st_size < 2048
    code = ("import python_calamine, sys; wb = python_calamine.CalamineWorkbook.from_path(sys.argv[1]); "
            "[wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]")
    r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, timeout=120,
                       preexec_fn=lambda: __import__("resource").setrlimit(
                           __import__("resource").RLIMIT_AS, (4 << 30, 4 << 30)))
    assert r.returncode != 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_sst_bomb_is_s01_and_the_round_goes_on_in_check(round_dir, jobs):
    before = _digest(round_dir)
    run = check_paths([round_dir], jobs=jobs)
    by_name = {Path(c.path).name: c for c in run.files}
    bomb = by_name["115001_bomb.xlsx"]
    assert [f.code for f in bomb.report.findings] == ["S01"] and bomb.report.unit_code == "115001"
    assert sum(c.unit is not None for c in run.files) == 2
    assert _digest(round_dir) == before


def test_sst_bomb_is_s01_in_check_file_and_a_message_in_export(round_dir):
    got = check_file(round_dir / "115001_bomb.xlsx")
    assert [f.code for f in got.report.findings] == ["S01"]
    with pytest.raises(PerfxlError, match="115001_bomb.xlsx"):
        export_unit(round_dir / "115001_bomb.xlsx")


def test_sst_bomb_in_consolidate_with_two_jobs_ends_with_a_summary(round_dir, tmp_path):
    result = consolidate([round_dir], SAMPLES / "register.xlsx", jobs=2)
    files = result.tables["files"].set_index("文件")
    bomb = files.loc[str(round_dir / "115001_bomb.xlsx")]
    assert bomb["状态"] == "无法读取" and bomb["单位编码"] == "115001"
    out = tmp_path / "汇总.xlsx"
    r = CliRunner().invoke(main, ["consolidate", str(round_dir), "-r", str(SAMPLES / "register.xlsx"),
                                  "-o", str(out), "--jobs", "2"])
    assert r.exit_code == 0, r.output
    assert out.is_file()


@pytest.mark.parametrize("args", [["check"], ["check", "--jobs", "2"], ["export"]])
def test_sst_bomb_through_the_cli_is_a_report_not_a_crash(round_dir, args, tmp_path):
    target = [str(round_dir / "115001_bomb.xlsx")] if args[0] == "export" else [str(round_dir)]
    r = CliRunner().invoke(main, [*args, *target])
    assert r.exit_code == (2 if args[0] == "export" else 1), r.output
    assert "S01" in r.output or "无法读取" in r.output
    assert "Traceback" not in r.output and "内部错误" not in r.output


@pytest.mark.parametrize("builder", [H.giant_cell_xlsx, H.giant_cell_nodim_xlsx, H.implicit_far_cell_xlsx,
                                     H.shared_string_amplifier_xlsx, H.many_sheets_pointing_at_one_part,
                                     H.xls_giant_dimension, H.ods_repeat_bomb, H.zip_bomb, H.xml_bomb_xlsx,
                                     H.doctype_in_sheet_xlsx, H.utf16_workbook_xml, H.zip_duplicate_names])
def test_hostile_files_are_s01_when_read_in_the_sandbox(tmp_path, builder):
    got = check_file(builder(tmp_path))
    assert [f.code for f in got.report.findings] == ["S01"]


def _sandboxed_open(path, shared):
    r = open_workbook(path, sandboxed=True)
    return r.problem, r.sheets, r.sheet_states, r.percent_cells, r.doc_props


def test_sandboxed_open_reads_what_the_full_scan_reads(tmp_path):
    """The lighter pre-checks change nothing for files that pass: same sheets, states, percent cells."""
    fw = perfxl.load_framework("hebei-2023")
    files = [perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / "115001.json"), fw, tmp_path),
             H.hidden_sheets_xlsx(tmp_path), H.xlsm_with_macros(tmp_path), H.valid_xls(tmp_path),
             H.minimal_ods(tmp_path), H.lying_dimension_xlsx(tmp_path), H.far_formatted_cell_xlsx(tmp_path)]
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for ref, value, fmt in (("A1", 0.25, "0%"), ("B2", 0.5, "0.00%"), ("C3", 7, "General"), ("D4", 0.1, '0.0"%"'),
                            ("E5", "text", "0%")):
        ws[ref] = value
        ws[ref].number_format = fmt
    wb.save(tmp_path / "percent.xlsx")
    files.append(tmp_path / "percent.xlsx")
    for f in files:
        full = open_workbook(f)
        light = run_isolated(_sandboxed_open, f)
        assert light == (full.problem, full.sheets, full.sheet_states, full.percent_cells, full.doc_props), f.name
    assert run_isolated(_sandboxed_open, tmp_path / "percent.xlsx")[3] == {("Sheet", "A1"), ("Sheet", "B2")}


# ---------------------------------------------------------------- attack 9: signals


def _many_returns(folder: Path, n: int) -> None:
    fw = perfxl.load_framework("hebei-2023")
    src = perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / "108001.json"), fw, folder)
    for i in range(n):
        shutil.copy(src, folder / f"108001_{i:03d}.xlsx")


@pytest.fixture(scope="module")
def big_round(tmp_path_factory):
    d = tmp_path_factory.mktemp("big")
    _many_returns(d, 400)
    return d


def _temp_folders(tmp: Path) -> list[Path]:
    return [p for p in tmp.iterdir() if p.name.startswith("perfxl-round-")]


@pytest.mark.parametrize("sig,status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("command", ["consolidate", "check"])
def test_a_signal_ends_the_run_within_two_seconds_leaving_nothing_behind(big_round, tmp_path, sig, status, command):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    previous = out / ("汇总.xlsx" if command == "consolidate" else "审核报告.json")
    previous.write_bytes(b"the previous summary")
    args = (["consolidate", str(big_round), "-r", str(SAMPLES / "register.xlsx"), "-o", str(previous), "--jobs", "2"]
            if command == "consolidate" else
            ["check", str(big_round), "--format", "json", "-o", str(previous), "--jobs", "2"])
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}
    # Ctrl-C as in a terminal: SIGINT at its default in the run, whatever this pytest process inherited or
    # was left with (an ignored signal stays ignored across exec, and Python then installs no handler)
    proc = subprocess.Popen([sys.executable, "-c", "from perfxl.cli import main; main()", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while not _temp_folders(tmp) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        time.sleep(0.3)  # workers busy reading (400 files take seconds even at 200 workbooks/s)
        assert proc.poll() is None
        t0 = time.monotonic()
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole foreground group, workers too
        else:
            proc.send_signal(sig)
        proc.wait(timeout=10)
        assert time.monotonic() - t0 < 2.0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == status, proc.stderr.read().decode()
    assert _temp_folders(tmp) == []
    assert previous.read_bytes() == b"the previous summary"
    assert sorted(p.name for p in out.iterdir()) == [previous.name]  # no partial or temporary file
    time.sleep(0.2)
    ps = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True)
    assert ps.stdout.strip() == ""  # no worker left behind


def _pid_or_fail(item, shared):
    if item == "boom":
        raise ValueError("a bug in the task")
    return os.getpid()


def test_in_process_mode_for_mutation_testing_runs_tasks_here_with_the_same_results(monkeypatch):
    """PERFXL_SANDBOX_IN_PROCESS=1 (set only by tools/mutation.py): the tasks run in this process,
    where mutmut sees them; a task's exception is the same Crashed a worker would send back."""
    from perfxl.sandbox import IN_PROCESS_ENV, Crashed, Pool

    with Pool(_pid_or_fail, None, jobs=2) as pool:
        forked = dict(pool.run(["a", "boom"]))
    monkeypatch.setenv(IN_PROCESS_ENV, "1")
    with Pool(_pid_or_fail, None, jobs=2) as pool:
        here = dict(pool.run(["a", "boom"]))
    assert forked[0] != os.getpid() and here[0] == os.getpid()
    assert isinstance(forked[1], Crashed) and isinstance(here[1], Crashed)
    assert (here[1].reason_zh, here[1].reason_en) == (forked[1].reason_zh, forked[1].reason_en)


def test_the_limits_given_hold_for_every_file_of_a_run_of_several(tmp_path):
    """check_paths hands its SandboxLimits to the pool that reads many files, not only to a lone
    file's worker: with no time allowed, each file of the run is S01, and the run still ends."""
    d = tmp_path / "in"
    for code in ("108001", "112001"):
        perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / f"{code}.json"),
                              perfxl.load_framework("hebei-2023"), d)
    assert all(c.report.valid for c in check_paths([d], jobs=2).files)
    run = check_paths([d], jobs=2, sandbox=SandboxLimits(wall_seconds=0.01))
    assert len(run.files) == 2 and all([f.code for f in c.report.findings] == ["S01"] for c in run.files)


# ---------------------------------------------------------------- the pool keeps a worker's next item in hand (issue 12)


def test_the_item_a_worker_holds_behind_a_dying_one_goes_to_another_worker():
    with Pool(_task, None, jobs=1, depth=3) as pool:
        got = dict(pool.run([("ok", 1), ("abort", None), ("ok", 2), ("ok", 3), ("abort", None), ("ok", 4)]))
    assert [got[i] for i in (0, 2, 3, 5)] == [2, 4, 6, 8]
    assert isinstance(got[1], Crashed) and isinstance(got[4], Crashed)


def test_the_item_a_worker_holds_behind_a_timed_out_one_is_not_blamed():
    with Pool(_task, None, jobs=1, depth=2, limits=SandboxLimits(wall_seconds=0.5)) as pool:
        got = dict(pool.run([("sleep", 30), ("ok", 5)]))
    assert isinstance(got[0], Crashed) and got[1] == 10


def test_a_worker_is_given_its_next_item_before_it_answers_the_last():
    # depth 2: two items sent to the one worker at once, so one worker reads them all
    with Pool(_task, None, jobs=1, depth=2) as pool:
        got = dict(pool.run([("pid", None)] * 6))
        assert all(len(w.sent) <= 2 for w in pool._workers)
    assert len(set(got.values())) == 1
