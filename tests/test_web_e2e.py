"""A whole round in a real browser: Debian's chromium, headless, driven by Playwright.

``perfxl serve`` runs as the clerk starts it (a process, ``--no-browser``); the browser creates the
round, downloads the templates, uploads the returns (a file with errors, a broken file, a zip made on
Chinese Windows, a saved e-mail, one more by drag and drop), watches the board change by itself,
opens a unit, downloads its annotated return, marks it returned, builds and downloads the summary,
and finds it all again after the server restarts.

Each page's screenshot is saved to ``$PERFXL_WEB_SHOTS`` (default: the test's tmp folder) and copied
to /tmp/web-shots/ for a person to look at. Browser builds cannot be downloaded here: the system
chromium is used (``apt-get install -y chromium``; .ci/run installs it); under CI=true a missing one
fails, locally it skips.
"""
from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from conftest import require_tool
from test_web_api import REGISTER, YEAR, broken_workbook, eml, fill_selfeval, gbk_zip, sample_workbook

playwright_api = pytest.importorskip("playwright.sync_api", reason="the test extra: pip install -e '.[test]'")

from openpyxl import load_workbook  # noqa: E402

INSTALL_CHROMIUM = "apt-get install -y chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--lang=zh-CN"]
SHARED_SHOTS = Path("/tmp/web-shots")


class Server:
    """``perfxl serve FOLDER --port 0 --no-browser`` as a process; ``url`` from what it prints."""

    def __init__(self, folder: Path):
        env = {k: v for k, v in os.environ.items() if k != "PERFXL_LANG"}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from perfxl.cli import main; main()", "serve", str(folder), "--port", "0",
             "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        first = self.proc.stdout.readline()
        found = re.search(r"http://[^\s]+", first)
        assert found, f"perfxl serve did not start: {first}{self.proc.stdout.read() if self.proc.poll() is not None else ''}"
        self.url = found.group().rstrip("/")
        assert "网页已启动" in first

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def chromium():
    return require_tool("chromium", INSTALL_CHROMIUM, "chromium-browser")


@pytest.fixture
def browser(chromium, tmp_path):
    with playwright_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="perfxl-chromium-", dir=tmp_path), executable_path=chromium, headless=True,
            args=CHROMIUM_ARGS, accept_downloads=True, locale="zh-CN", viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(60_000)
        try:
            yield ctx
        finally:
            ctx.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("PERFXL_WEB_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        try:
            SHARED_SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, SHARED_SHOTS / path.name)
        except OSError:
            pass  # the copy for a person to look at is a convenience, not part of the test
        return path

    return take


def _statuses(page) -> dict[str, str]:
    return page.eval_on_selector_all("#board tbody tr[data-unit]",
                                     "rows => Object.fromEntries(rows.map(r => [r.dataset.unit, r.dataset.status]))")


def _drop(page, name: str, data: bytes) -> None:
    """Drop a file on the drop zone the way a desktop does (a DataTransfer with the file in it)."""
    page.evaluate("""([name, b64]) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name));
        const zone = document.getElementById("drop");
        zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""", [name, base64.b64encode(data).decode()])


def _wait_for_check(page) -> None:
    page.wait_for_url(re.compile(r"/inbox\?job=\d+$"))
    page.wait_for_selector("#job-message.ok")


def _watched_page(browser) -> tuple:
    """A new page, and the list its script errors and console errors go to (a test ends with it empty)."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page, errors


def _fill_new_round(page) -> None:
    """新建一轮's form filled as the clerk does: the sample register, its year, the framework."""
    page.set_input_files("input[name=register]", str(REGISTER))
    page.fill("input[name=budget_year]", str(YEAR))
    page.select_option("select[name=framework]", "hebei-2023")


def _download(page, selector: str, path: Path):
    """Click what downloads a file and save it at ``path``; the download (its suggested name...)."""
    with page.expect_download() as got:
        page.click(selector)
    got.value.save_as(path)
    return got.value


def _submit_new_round(page, button: str = "form.form button[type=submit]") -> int:
    page.click(button)
    page.wait_for_url(re.compile(r"/r/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_a_whole_round_in_the_browser(browser, shots, tmp_path):
    folder = tmp_path / "round"
    server = Server(folder)
    try:
        page, errors = _watched_page(browser)

        # 新建一轮
        page.goto(server.url + "/")
        page.wait_for_url(re.compile(r"/new$"))
        _fill_new_round(page)
        shots(page, "01-新建一轮")
        rid = _submit_new_round(page)
        assert page.locator("table.grid tbody tr").count() == 9
        shots(page, "02-概况")

        # every template in one zip
        templates = tmp_path / "templates.zip"
        _download(page, "a[href$='templates.zip']", templates)
        names = zipfile.ZipFile(templates).namelist()
        assert len(names) == 9 and all(n.endswith(f"_{YEAR}年绩效目标表.xlsx") for n in names)

        # the board, open beside the inbox, before anything arrives
        board = browser.new_page()
        board.goto(f"{server.url}/r/{rid}/board")
        assert set(_statuses(board).values()) == {"missing"}
        shots(board, "03-看板-未收件")

        # 收件: files chosen, then one dropped
        returns = tmp_path / "returns"
        returns.mkdir()
        name, data = sample_workbook("112001")
        uploads = [sample_workbook("115001"), broken_workbook(), gbk_zip(tmp_path),
                   ("财政局报送.eml", eml("财政局 <caizheng@example.cn>", [(name, data), ("报送说明.docx", b"PK cover")]))]
        for n, d in uploads:
            (returns / n).write_bytes(d)
        page.goto(f"{server.url}/r/{rid}/inbox")
        shots(page, "04-收件")
        page.set_input_files("#pick-files", [str(returns / n) for n, _ in uploads])
        page.wait_for_selector("#progress:not([hidden])")
        shots(page, "05-收件-审核中")
        _wait_for_check(page)
        assert page.locator("#progress").is_hidden()  # the bar goes once the check is done
        shots(page, "06-收件-审核完成")
        rows = page.locator("#files tbody tr")
        assert rows.count() == 4 + 2 + 2  # the four uploads, the zip's two entries, the mail's two attachments
        assert page.locator("#files .pill.st-unreadable").count() == 1
        assert page.locator("#files .pill.st-other").count() == 1  # the cover letter: listed, not checked

        # the board has changed by itself (it polls the round's status). The waits are selectors:
        # a string predicate would be eval'd by the page, which its CSP (script-src 'self') forbids.
        board.wait_for_selector('#board tr[data-unit="115001"][data-status="failed"]', state="attached")
        board.wait_for_selector('#board tr[data-unit="112001"][data-status="passed"]', state="attached")
        states = _statuses(board)
        assert states["108001"] == states["108002"] == "passed" and states["112002"] == "failed"
        assert states["101003"] == "missing"

        name, data = sample_workbook("101003")
        page.goto(f"{server.url}/r/{rid}/inbox")
        _drop(page, name, data)
        _wait_for_check(page)
        board.wait_for_selector('#board tr[data-unit="101003"]:not([data-status="missing"])', state="attached")
        shots(board, "07-看板")

        # filters and search
        board.fill("input[name=q]", "教育")
        board.click("form.filters button[type=submit]")
        board.wait_for_url(re.compile(r"q="))
        assert set(_statuses(board)) == {"108001", "108002", "108003"}
        board.select_option("select[name=status]", "missing")
        board.click("form.filters button[type=submit]")
        board.wait_for_url(re.compile(r"status=missing"))
        assert set(_statuses(board)) == {"108003"}
        shots(board, "08-看板-筛选")

        # a unit's page: findings by sheet, the annotated return, the decision, the history
        board.goto(f"{server.url}/r/{rid}/board")
        board.click("#board a:text('115001')")
        board.wait_for_url(re.compile(r"/units/115001$"))
        assert board.locator("h3.sheet").count() >= 2 and board.locator("table.findings td.mono").count() > 10
        shots(board, "09-单位")
        annotated = tmp_path / "annotated.xlsx"
        got = _download(board, "#annotated", annotated)
        assert got.suggested_filename.endswith("_审核意见.xlsx")
        review = load_workbook(annotated)["审核意见"]
        assert review.max_row > 10
        board.fill("input[name=note]", "已邮件退回标注工作簿")
        board.click("button[value=returned]")
        board.wait_for_selector("h1 .pill.st-returned")
        assert "已邮件退回标注工作簿" in board.inner_text("ul.decisions")
        shots(board, "10-单位-已退回")

        # 汇总: built with a progress bar, charts on the page, the workbook downloaded
        page.goto(f"{server.url}/r/{rid}/summary")
        page.click("#build-summary button")
        page.wait_for_selector("#summary-xlsx")
        assert page.locator(".charts svg").count() == 3
        shots(page, "11-汇总")
        summary = tmp_path / "summary.xlsx"
        _download(page, "#summary-xlsx", summary)
        wb = load_workbook(summary)
        state = {row[2]: row[12] for row in wb["提交情况"].iter_rows(min_row=2, values_only=True)}
        assert state["112002"] == "已报送（无法读取）" and state["108001"] == "通过" and state["101001"] == "未报送"

        # 规则
        page.goto(f"{server.url}/r/{rid}/rules")
        assert page.locator("table.rules tbody tr").count() > 30
        shots(page, "12-规则")
        assert errors == [], errors
    finally:
        server.stop()

    # a restart loses nothing
    server = Server(folder)
    try:
        page = browser.new_page()
        page.goto(f"{server.url}/r/{rid}/board")
        states = _statuses(page)
        assert states["115001"] == "returned" and states["108001"] == "passed" and states["101001"] == "missing"
        shots(page, "13-重启后看板")
    finally:
        server.stop()


def test_a_selfeval_round_beside_the_goals_round_in_the_browser(browser, shots, tmp_path):
    """Spring: the self-evaluation round made from the goals round's adopted returns, its templates
    downloaded, filled and uploaded, the board, a unit, and the summary with its grade and execution charts."""
    folder = tmp_path / "round"
    server = Server(folder)
    try:
        page, errors = _watched_page(browser)

        # the autumn's goals round, two returns adopted
        page.goto(server.url + "/new")
        _fill_new_round(page)
        goals = _submit_new_round(page)
        returns = tmp_path / "goal-returns"
        returns.mkdir()
        for code in ("108001", "112001"):
            name, data = sample_workbook(code)
            (returns / name).write_bytes(data)
        page.goto(f"{server.url}/r/{goals}/inbox")
        page.set_input_files("#pick-files", [str(p) for p in returns.iterdir()])
        _wait_for_check(page)

        # 新建绩效自评 from it
        page.goto(server.url + "/new")
        page.select_option("#new-selfeval select[name=source_round]", str(goals))
        shots(page, "se-01-新建绩效自评")
        rid = _submit_new_round(page, "#new-selfeval button[type=submit]")
        assert rid != goals and "绩效自评" in page.inner_text("h1")
        assert page.locator("table.grid tbody tr").count() == 2
        shots(page, "se-02-绩效自评概况")
        templates = tmp_path / "selfeval-templates.zip"
        _download(page, "a[href$='templates.zip']", templates)
        z = zipfile.ZipFile(templates)
        assert sorted(n.split("_", 1)[0] for n in z.namelist()) == ["108001", "112001"]
        assert all(n.endswith(f"_{YEAR}年绩效自评表.xlsx") for n in z.namelist())

        # the units fill them in (112001 misses every target) and send them back
        filled = tmp_path / "selfeval-returns"
        filled.mkdir()
        for n in z.namelist():
            (filled / n).write_bytes(fill_selfeval(z.read(n), low=n.startswith("112001_")))
        page.goto(f"{server.url}/r/{rid}/inbox")
        page.set_input_files("#pick-files", [str(p) for p in filled.iterdir()])
        _wait_for_check(page)
        shots(page, "se-03-绩效自评收件")
        page.goto(f"{server.url}/r/{rid}/board")
        states = _statuses(page)
        assert states["108001"] == "passed" and states["112001"] in ("passed", "failed")
        assert states["101001"] == "missing"
        shots(page, "se-04-绩效自评看板")
        page.click("#board a:text('112001')")
        page.wait_for_url(re.compile(r"/units/112001$"))
        assert page.locator("table.findings td.mono").count() > 0
        shots(page, "se-05-绩效自评单位")

        # 汇总: the self-evaluation's sheets and charts
        page.goto(f"{server.url}/r/{rid}/summary")
        page.click("#build-summary button")
        page.wait_for_selector("#summary-xlsx")
        assert page.locator("#chart-grades svg").count() == 1 and page.locator("#chart-rates svg").count() == 1
        shots(page, "se-06-绩效自评汇总")
        summary = tmp_path / "selfeval-summary.xlsx"
        _download(page, "#summary-xlsx", summary)
        wb = load_workbook(summary)
        assert wb.sheetnames[:3] == ["汇总", "重点关注", "单位自评"]
        first = next(wb["重点关注"].iter_rows(min_row=2, values_only=True))
        assert first[0].startswith("总分低于60") and first[2] == "112001"

        # the goals round is untouched beside it
        page.goto(server.url + "/")
        assert page.locator("table.grid tbody tr").count() == 2
        shots(page, "se-07-两轮并列")
        assert errors == [], errors
    finally:
        server.stop()
