"""A person types "30%" into a spend-plan cell in LibreOffice Calc's window (issue 10).

Calc runs with its real window under Xvfb and gets keystrokes from xdotool, as practices.md
describes; the file it saves is then read back and checked. What this pins (docs/percent-entry.md):

* the spend-plan cells are text (``@``): "20%" typed stays the text "20%" (no fraction, no percent
  format), passes the validation, and both sides read it as 20, so the plan adds up to 100 and
  neither the live 自查 nor ``perfxl check`` reports P01;
* typing 30 into that cell afterwards stores 30 (no percent format was left behind), and both sides
  report P01 with 合计 110;
* the 合计 cell keeps its own number format (it once showed "8030.00%").

Needs LibreOffice with its X11 window (Debian's ``libreoffice-calc``, not only ``-nogui``), ``Xvfb``
and ``xdotool``; ``PERFXL_GUI_SOFFICE`` may name another soffice to use. Under CI=true a missing
one is a failure (.ci/run installs them).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

import perfxl
from perfxl.check import check_file
from perfxl.layout import CHECK_COL, ProjectLayout, a1

from conftest import SAMPLES, unavailable
from test_live import assert_live_equals_check

pytestmark = pytest.mark.libreoffice

HEBEI = perfxl.load_framework("hebei-2023")
P1 = "1.郭营子棚改本金利息"
INSTALL_GUI = "apt-get install -y --no-install-recommends libreoffice-calc xvfb xdotool"
_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="ShowTipOfTheDay" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>7.4</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Save/Document"><prop oor:name="WarnAlienFormat" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


def gui_soffice() -> str:
    """A soffice that can open a window: PERFXL_GUI_SOFFICE, else the installed one if it has the
    X11 ("gen") plug-in (the -nogui packages have none)."""
    named = os.environ.get("PERFXL_GUI_SOFFICE")
    if named:
        return named
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found and (Path(found).resolve().parent / "libvclplug_genlo.so").exists():
        return found
    unavailable("LibreOffice Calc with its window (not -nogui)", INSTALL_GUI)


class Desktop:
    """Xvfb on a free display, Calc on it, and the keys a person presses; everything started here
    is stopped here, by its process id."""

    def __init__(self, soffice: str, tmp: Path):
        self.xvfb_bin = shutil.which("Xvfb") or unavailable("Xvfb", INSTALL_GUI)
        self.xdotool = shutil.which("xdotool") or unavailable("xdotool", INSTALL_GUI)
        self.soffice, self.tmp = soffice, tmp
        self.procs: list[subprocess.Popen] = []
        display = next(n for n in range(90, 140) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                       and not Path(f"/tmp/.X{n}-lock").exists())
        self.env = {**os.environ, "DISPLAY": f":{display}", "SAL_USE_VCLPLUGIN": "gen"}
        self.procs.append(subprocess.Popen([self.xvfb_bin, f":{display}", "-screen", "0", "1600x1000x24", "-nolisten",
                                            "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self._wait(lambda: Path(f"/tmp/.X11-unix/X{display}").exists(), 20, "Xvfb did not start")

    def open(self, path: Path) -> None:
        profile = self.tmp / "gui-profile"
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE, "utf-8")
        self.procs.append(subprocess.Popen([self.soffice, "--calc", "--norestore", "--nologo",
                                            f"-env:UserInstallation=file://{profile}", str(path)],
                                           env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self._wait(lambda: self._window(path.name), 90, "Calc's window did not open")
        time.sleep(3)  # the window is there before the sheet takes keystrokes

    def _window(self, title: str) -> bool:
        found = subprocess.run([self.xdotool, "search", "--name", title], env=self.env, capture_output=True, text=True)
        return bool(found.stdout.strip())

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run([self.xdotool, "key", key], env=self.env, check=True)
            time.sleep(0.6)

    def type(self, text: str) -> None:
        subprocess.run([self.xdotool, "type", "--delay", "80", text], env=self.env, check=True)
        time.sleep(0.5)

    def go_to(self, ref: str) -> None:
        """The Name Box (ctrl+shift+F5), as a person jumps to a cell."""
        self.keys("ctrl+shift+F5", "ctrl+a")
        self.type(ref)
        self.keys("Return")

    def save(self, path: Path) -> None:
        before = path.stat().st_mtime_ns
        self.keys("ctrl+s")
        self._wait(lambda: path.stat().st_mtime_ns != before, 60, "Calc did not save (no \"keep format\" dialog expected)")
        time.sleep(2)

    @staticmethod
    def _wait(done, seconds: float, what: str) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if done():
                return
            time.sleep(0.5)
        raise AssertionError(what)

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def typed_in_calc(tmp_path_factory):
    """The seed unit's template (project 1 plans 20 + 80); in Calc's window "20%" typed into project
    1's first spend-plan cell and saved (copy kept), then 30 typed into the same cell and saved again."""
    soffice = gui_soffice()
    tmp = tmp_path_factory.mktemp("gui")
    unit = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    assert sum(unit.projects[0].spend_plan.values()) == 100 and list(unit.projects[0].spend_plan.values())[0] == 20
    path = perfxl.write_workbook(unit, HEBEI, tmp / "src")
    desk = Desktop(soffice, tmp)
    try:
        desk.open(path)
        cell = ProjectLayout(HEBEI).milestones[0].a1
        desk.keys("ctrl+Next", "ctrl+Next")  # 填报说明 → 部门整体绩效目标 → the first project
        desk.go_to(cell)
        desk.type("20%")
        desk.keys("Return")
        desk.save(path)
        first = tmp / "after-20-percent.xlsx"
        shutil.copy(path, first)
        desk.go_to(cell)
        desk.type("30")
        desk.keys("Return")
        desk.save(path)
        desk.keys("ctrl+q")
    finally:
        desk.close()
    return cell.replace("$", ""), first, path


def test_typed_percent_stays_text_in_the_text_formatted_cell(typed_in_calc):
    cell, first, _ = typed_in_calc
    c = load_workbook(first)[P1][cell]
    assert c.value == "20%" and c.number_format == "@"


def test_typed_percent_means_20_to_both_sides_so_the_plan_adds_up(typed_in_calc):
    _, first, _ = typed_in_calc
    assert not [f for f in check_file(first).report.findings if f.code == "P01"]
    ws = load_workbook(first, data_only=True)[P1]
    L = ProjectLayout(HEBEI)
    assert ws[L.plan_sum.a1.replace("$", "")].value == 100
    assert not str(ws[a1(L.plan_check.row, CHECK_COL).replace("$", "")].value or "").startswith("✗")
    assert_live_equals_check(first)


def test_no_percent_format_is_left_so_typing_30_stores_30(typed_in_calc):
    cell, _, again = typed_in_calc
    wb = load_workbook(again)
    c = wb[P1][cell]
    assert c.value in ("30", 30) and "%" not in c.number_format
    assert "%" not in wb[P1][ProjectLayout(HEBEI).plan_sum.a1.replace("$", "")].number_format


def test_live_check_and_check_agree_on_the_retyped_share(typed_in_calc):
    _, _, again = typed_in_calc
    p01 = [f for f in check_file(again).report.findings if f.code == "P01" and f.sheet == P1]
    assert len(p01) == 1 and "110" in p01[0].message
    mark = load_workbook(again, data_only=True)[P1][a1(ProjectLayout(HEBEI).plan_check.row, CHECK_COL).replace("$", "")].value
    assert mark.startswith("✗ P01") and "110" in mark
    assert_live_equals_check(again)  # and every other row, sheet count and the workbook's status
