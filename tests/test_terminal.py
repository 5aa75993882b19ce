"""Every command as a clerk runs it: the installed ``perfxl`` in a pseudo-terminal, and piped.

A command can behave differently at a console: stderr is a terminal, so progress bars start,
and click adapts its output. The first release passed every in-process test and failed every
``check`` at a real console. Here each command runs as a separate process, once in a pty
(``pexpect``) and once with its output piped; a "Traceback" anywhere fails, as does an
unexpected exit status. One demo round, made once for the module, supplies the inputs.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from conftest import SAMPLES

pexpect = pytest.importorskip("pexpect")

TIMEOUT = 300


def perfxl_command() -> list[str]:
    """The console script installed beside this Python (as a clerk types it), else the same entry point."""
    script = Path(sys.executable).parent / ("perfxl.exe" if os.name == "nt" else "perfxl")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from perfxl.cli import main; sys.exit(main())"]


def _env(columns: int = 120, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PERFXL_LANG", "PERFXL_DEBUG", "PERFXL_KEY")}
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm", COLUMNS=str(columns))
    env.update(extra)
    return env


def in_terminal(args: list, cwd: Path, columns: int = 120, **env: str) -> tuple[str, int]:
    """Output (stdout and stderr, as the terminal shows them) and exit status of one command in a pty."""
    cmd = perfxl_command() + [str(a) for a in args]
    child = pexpect.spawn(cmd[0], cmd[1:], cwd=str(cwd), env=_env(columns, **env), encoding="utf-8",
                          timeout=TIMEOUT, dimensions=(40, columns))
    out = child.read()
    child.close()
    assert "Traceback" not in out, out
    return out, child.exitstatus


def piped(args: list, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    cmd = perfxl_command() + [str(a) for a in args]
    done = subprocess.run(cmd, cwd=cwd, env=_env(**env), capture_output=True, text=True, encoding="utf-8",
                          timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    """A demo round made once, in a terminal: its templates, returns and register feed every command."""
    root = tmp_path_factory.mktemp("terminal")
    out, status = in_terminal(["demo", root / "demo"], root)
    assert status == 0, out
    assert "5. 汇总" in out
    demo = root / "demo"
    seed = next((demo / "2-returned").glob("115001_*.xlsx"))
    clean = next((demo / "2-returned").glob("108001_*.xlsx"), None) or next((demo / "1-templates").glob("*.xlsx"))
    return {"root": root, "demo": demo, "returned": demo / "2-returned", "seed": seed, "clean": clean,
            "register": SAMPLES / "register.xlsx", "unit_json": SAMPLES / "units" / "108001.json"}


COMMANDS = ["template", "check", "export", "consolidate", "import", "render", "demo"]


def _command_lines(r: dict, out: Path) -> dict[str, tuple[list, tuple[int, ...]]]:
    """Each command line a clerk types in a round, with the exit statuses it may end with."""
    docx = out / "docs" / "108001.docx"
    return {
        "template": (["template", r["register"], "-o", out / "templates", "--year", "2024"], (0,)),
        "template --data": (["template", "--data", r["unit_json"], "-o", f"{out / 'prefilled'}/"], (0,)),
        "check table": (["check", r["returned"], "--register", r["register"]], (1,)),
        "check json": (["check", r["returned"], "--format", "json", "-o", out / "new" / "审核报告.json"], (1,)),
        "check xlsx --annotate": (["check", r["returned"], "--format", "xlsx", "-o", f"{out / 'x'}/",
                                   "--annotate", out / "returns"], (1,)),
        "check draft": (["check", r["seed"], "--mode", "draft"], (0,)),
        "export": (["export", r["seed"], "-o", f"{out / 'json'}/"], (0,)),
        "export to screen": (["export", r["seed"]], (0,)),
        "consolidate": (["consolidate", r["returned"], "-r", r["register"], "-o", out / "汇总.xlsx",
                         "--csv", out / "tables"], (0,)),
        "render": (["render", r["unit_json"], "-o", docx], (0,)),
        "import": (["import", docx, "-o", f"{out / 'last-year'}/"], (0,)),  # the document rendered just before
        "usage error": (["check", r["returned"], "--jobs", "abc"], (2,)),
        "missing file": (["export", out / "nope.xlsx"], (2,)),
        "bad output": (["consolidate", r["returned"], "-r", r["register"], "-o", out / "summary.csv"], (2,)),
        "english": (["--lang", "en", "check", r["seed"]], (1,)),
    }


@pytest.mark.parametrize("how", ["terminal", "piped"])
def test_every_command_works_in_terminal_and_piped(round_, how, tmp_path):
    """Every command line of a round, in order, as a process; no traceback, the expected exit status."""
    for name, (args, statuses) in _command_lines(round_, tmp_path).items():
        if how == "terminal":
            out, status = in_terminal(args, tmp_path)
        else:
            done = piped(args, tmp_path)
            out, status = done.stdout + done.stderr, done.returncode
        assert status in statuses, (name, status, out)
        assert out.strip(), name  # every command says what it did
    assert (tmp_path / "new" / "审核报告.json").is_file() and (tmp_path / "x" / "问题清单.xlsx").is_file()
    assert (tmp_path / "json" / "115001.json").is_file() and (tmp_path / "last-year" / "108001.json").is_file()
    assert len(list((tmp_path / "returns").glob("*_审核意见.xlsx"))) >= 6
    assert (tmp_path / "汇总.xlsx").is_file() and (tmp_path / "tables" / "提交情况.csv").is_file()


def _columns(line: str) -> int:
    """Terminal columns a line takes: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_help_in_terminal_is_chinese(round_, command):
    args = ([command] if command else []) + ["--help"]
    out, status = in_terminal(args, round_["root"], columns=80)
    assert status == 0 and "用法：" in out and "选项：" in out and "显示本帮助并退出。" in out
    assert "Usage:" not in out and "Show this message" not in out
    widest = max(out.replace("\r", "").splitlines(), key=_columns)
    assert _columns(widest) <= 80, widest  # fits an 80-column console, Chinese characters counted as two


def test_check_in_terminal_shows_findings_not_traceback(round_):
    out, status = in_terminal(["check", round_["returned"]], round_["root"])
    assert status == 1
    assert "不通过：错误" in out and "共 " in out and " 个文件" in out  # the table, file by file, and the total
    assert "必须修改" in out and "【" in out  # findings with their place
    report = json.loads(piped(["check", round_["returned"], "--format", "json"], round_["root"]).stdout)
    assert sum(f["errors"] for f in report["files"]) > 0


def test_piped_output_has_no_progress_bar(round_):
    done = piped(["check", round_["returned"], "--jobs", "2"], round_["root"])
    assert done.returncode == 1
    assert "\r" not in done.stderr + done.stdout and "个文件/s" not in done.stderr
    done = piped(["check", round_["returned"], "--format", "json"], round_["root"])
    json.loads(done.stdout)  # stdout is the report alone, nothing else mixed in


def test_click_errors_in_terminal_are_chinese_and_exit_2(round_):
    out, status = in_terminal(["check", round_["returned"], "--jobs", "abc"], round_["root"])
    assert status == 2 and "错误：'--jobs' 的值无效：'abc' 不是有效的整数。" in out
    out, status = in_terminal(["consolidate", round_["returned"]], round_["root"])
    assert status == 2 and "缺少选项" in out and "Missing option" not in out


def test_lang_en_in_terminal_gives_english(round_):
    out, status = in_terminal(["check", "--help"], round_["root"], PERFXL_LANG="en")
    assert status == 0 and "Usage:" in out and "Exit status:" in out and "用法" not in out
    out, status = in_terminal(["check", round_["seed"], "--jobs", "x", "--lang", "en"], round_["root"])
    assert status == 2 and "Error: Invalid value for '--jobs': 'x' is not a valid integer" in out
