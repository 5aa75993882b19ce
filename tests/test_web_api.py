"""The web page's API and state (perfxl serve), driven in-process with Starlette's TestClient.

A round is made from the sample register; the returns are the sample units' workbooks as an office
receives them (one with errors, one broken, two in a zip made on Chinese Windows, one attached to a
saved e-mail with a cover letter). Each test asserts what the clerk relies on: every file accounted
for, the board's states, the library's report shapes, the summary, and what a request may not do.
"""
from __future__ import annotations

import hashlib
import io
import json
import socket
import time
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra: pip install -e .")
pytest.importorskip("httpx", reason="the test extra: pip install -e '.[test]'")

import warnings  # noqa: E402

from openpyxl import load_workbook  # noqa: E402

with warnings.catch_warnings():  # newer Starlette asks for httpx2; httpx still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

import perfxl  # noqa: E402
from perfxl.archives import write_gbk_zip  # noqa: E402
from perfxl.web import create_app  # noqa: E402
from perfxl.web.db import Database  # noqa: E402

from conftest import SAMPLES, table_file  # noqa: E402

YEAR = 2023  # the sample units' budget year, so their amounts match the register
REGISTER = SAMPLES / "register.xlsx"
BASE = "http://127.0.0.1:8765"


# ---------------------------------------------------------------------------------------------- helpers


def sample_workbook(code: str) -> tuple[str, bytes]:
    """A sample unit's filled workbook as the unit sends it: (file name, bytes)."""
    unit = perfxl.load_unit(SAMPLES / "units" / f"{code}.json")
    fw = perfxl.load_framework(unit.framework or "hebei-2023")
    return perfxl.workbook_filename(unit), perfxl.render_workbook(unit, fw)


def broken_workbook(code: str = "112002") -> tuple[str, bytes]:
    """A register unit's template cut short in transit (no unit JSON needed)."""
    unit = next(u for u in perfxl.read_register(REGISTER, YEAR) if u.unit.code == code)
    data = perfxl.render_workbook(unit, perfxl.load_framework())
    return perfxl.workbook_filename(unit), data[: len(data) // 3]


def gbk_zip(tmp: Path, codes: tuple[str, ...] = ("108001", "108002")) -> tuple[str, bytes]:
    path = write_gbk_zip(tmp / "邮件附件.zip", {f"报送/{n}": d for n, d in map(sample_workbook, codes)})
    return path.name, path.read_bytes()


def eml(sender: str, attachments: list[tuple[str, bytes]], subject: str = "报送绩效目标表") -> bytes:
    """A message as a mail client saves it (.eml): text body, then the attachments (RFC 2231 names)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "czj@example.cn", subject
    msg["Date"] = "Mon, 02 Oct 2023 09:00:00 +0800"
    msg.set_content("请查收附件。")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes()


def standard_returns(tmp: Path) -> list[tuple[str, bytes]]:
    """What the office receives in the tests: the files as uploaded (name, bytes)."""
    name, data = sample_workbook("112001")
    mail = eml("财政局 <caizheng@example.cn>", [(name, data), ("报送说明.docx", b"PK\x03\x04 not really a docx")])
    return [sample_workbook("115001"), sample_workbook("101003"), broken_workbook(), gbk_zip(tmp),
            ("财政局报送.eml", mail)]


class Client:
    """A TestClient on one round folder, with the API calls the tests make."""

    def __init__(self, http: TestClient, folder: Path):
        self.http, self.folder = http, folder
        self.csrf = http.get("/api/session").json()["csrf"]

    def new_round(self, year: int = YEAR, register: Path = REGISTER, name: str | None = None, **fields) -> dict:
        data = {"budget_year": str(year), "framework": "hebei-2023", "key_mode": "none", **fields}
        r = self.http.post("/api/rounds", data=data, headers={"X-CSRF-Token": self.csrf},
                           files={"register": (name or register.name, register.read_bytes())})
        assert r.status_code == 201, r.text
        return r.json()

    def upload(self, rid: int, files: list[tuple[str, bytes]], wait: bool = True) -> dict:
        r = self.http.post(f"/api/rounds/{rid}/upload", files=[("files", f) for f in files],
                           headers={"X-CSRF-Token": self.csrf})
        assert r.status_code == 202, r.text
        return self.wait(r.json()["job"]["id"]) if wait else r.json()

    def wait(self, jid: int, timeout: float = 180) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            job = self.http.get(f"/api/jobs/{jid}").json()
            if job["state"] in ("done", "failed"):
                return job
            time.sleep(0.2)
        raise AssertionError(f"job {jid} did not finish")

    def units(self, rid: int, **query) -> dict[str, dict]:
        return {u["unit_code"]: u for u in self.http.get(f"/api/rounds/{rid}/units", params=query).json()["units"]}

    def files(self, rid: int) -> list[dict]:
        return self.http.get(f"/api/rounds/{rid}/files").json()["files"]


def open_client(folder: Path, **options):
    app = create_app(folder, jobs=1, **options)
    return TestClient(app, base_url=BASE)


@pytest.fixture
def client(tmp_path):
    with open_client(tmp_path / "round") as http:
        yield Client(http, tmp_path / "round")


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """One round with the standard returns checked; read-only tests share it. Its folder's name holds
    a "!" (the separator of archive entries in reports) and Chinese, as an office's folder may."""
    tmp = tmp_path_factory.mktemp("web") / "2023年!收件"
    tmp.mkdir()
    with open_client(tmp / "round") as http:
        c = Client(http, tmp / "round")
        rid = c.new_round()["id"]
        job = c.upload(rid, standard_returns(tmp))
        yield c, rid, job


# ------------------------------------------------------------------------------------------ new round


def test_new_round_records_every_template_with_the_signature_it_carries(client):
    status = client.new_round()
    assert status["templates"] == status["register"]["units"] == 9
    assert status["budget_year"] == YEAR and status["form"] == "goals"
    db = Database(client.folder)
    rows = db.all("SELECT * FROM templates WHERE round_id = ?", status["id"])
    assert len(rows) == 9
    for row in rows:
        path = client.folder / row["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row["sha256"]
        read = perfxl.read_workbook(path)
        assert read.identity.get("signature") == row["signature"] and row["signature_method"] == "sha256"
        assert read.identity.get("unit_code") == row["unit_code"]


def test_templates_zip_holds_every_issued_workbook_byte_for_byte(client):
    rid = client.new_round()["id"]
    r = client.http.get(f"/r/{rid}/templates.zip")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    z = zipfile.ZipFile(io.BytesIO(r.content))
    db = Database(client.folder)
    issued = {Path(row["file"]).name: row["sha256"] for row in db.all("SELECT * FROM templates")}
    assert {n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()} == issued


def test_generated_key_signs_templates_with_hmac_and_is_kept_owner_only(client):
    status = client.new_round(key_mode="generate")
    assert status["signature_method"] == "hmac-sha256"
    key = client.folder / f"goals-{YEAR}" / "signing.key"
    assert key.stat().st_mode & 0o077 == 0
    row = Database(client.folder).one("SELECT file FROM templates LIMIT 1")
    read = perfxl.read_workbook(client.folder / row["file"], key=key.read_bytes())
    assert read.identity.get("signature_method") == "hmac-sha256"
    assert not any(f.code == "S04" for f in read.findings)  # the round's key verifies its own templates


def test_bad_register_is_refused_naming_the_uploaded_file_and_nothing_is_kept(client, tmp_path):
    bad = table_file(tmp_path / "bad.xlsx", [["单位编码", "单位名称", "项目编码", "项目名称"], ["1", "a", "p", "q"]])
    r = client.http.post("/api/rounds", data={"budget_year": "2024", "key_mode": "none"},
                         files={"register": ("坏清单.xlsx", bad.read_bytes())}, headers={"X-CSRF-Token": client.csrf})
    assert r.status_code == 400
    message = r.json()["error"]
    assert "坏清单.xlsx" in message and "预算数" in message and str(client.folder) not in message
    assert client.http.get("/api/rounds").json()["rounds"] == []
    assert not (client.folder / "goals-2024").exists()


@pytest.mark.parametrize("fields, words", [({"budget_year": "二〇二四"}, "四位数字"), ({"framework": "../../etc"}, "未知的指标体系"),
                                           ({"key_mode": "upload"}, "密钥文件")])
def test_bad_choices_on_the_new_round_form_get_a_clear_message(client, fields, words):
    data = {"budget_year": "2024", "key_mode": "none", **fields}
    r = client.http.post("/api/rounds", data=data, files={"register": ("r.xlsx", REGISTER.read_bytes())},
                         headers={"X-CSRF-Token": client.csrf})
    assert r.status_code == 400 and words in r.json()["error"]


def test_two_rounds_sit_side_by_side_in_one_folder(client, tmp_path):
    first = client.new_round(YEAR)["id"]
    second = client.new_round(YEAR + 1)["id"]
    client.upload(first, [sample_workbook("108001")])
    assert client.units(first)["108001"]["status"] == "passed"
    assert {u["status"] for u in client.units(second).values()} == {"missing"}
    assert (client.folder / f"goals-{YEAR}").is_dir() and (client.folder / f"goals-{YEAR + 1}").is_dir()
    forms = [row["form"] for row in Database(client.folder).all("SELECT form FROM rounds")]
    assert forms == ["goals", "goals"]


# ------------------------------------------------------------------------------------------ the inbox


def test_every_received_file_is_accounted_for(checked):
    c, rid, job = checked
    assert job["state"] == "done", job
    files = {f["name"]: f for f in c.files(rid)}
    assert all(f["state"] != "pending" for f in files.values())
    zip_row = files["邮件附件.zip"]
    entries = [f for f in files.values() if f["parent_id"] == zip_row["id"]]
    assert zip_row["status"] == "archive" and len(entries) == 2
    assert all(e["name"].startswith("邮件附件.zip!报送/10800") and e["status"] == "taken" for e in entries)
    mail = files["财政局报送.eml"]
    attached = [f for f in files.values() if f["parent_id"] == mail["id"]]
    assert mail["status"] == "mail" and sorted(a["status"] for a in attached) == ["other", "taken"]
    assert all(a["sender"] == "财政局 <caizheng@example.cn>" and a["via"] == "mail" for a in attached)
    broken = next(f for f in files.values() if f["name"].startswith("112002_"))
    assert broken["status"] == "unreadable" and broken["unit_code"] == "112002" and broken["attributed_by"] == "name"
    stored = list((c.folder / f"goals-{YEAR}" / "received").iterdir())
    assert all(p.name.split(".")[0] in {f["sha256"] for f in files.values()} for p in stored)  # by hash, never by name


def test_board_shows_each_units_state_and_counts(checked):
    c, rid, _ = checked
    units = c.units(rid)
    assert units["115001"]["status"] == "failed" and units["115001"]["errors"] > 0
    assert units["108001"]["status"] == units["112001"]["status"] == "passed"
    assert units["112002"]["status"] == "failed" and "无法读取" in units["112002"]["note"]
    assert units["101001"]["status"] == "missing" and units["101001"]["files"] == 0
    assert units["108002"]["last_received"] and units["108002"]["files"] == 1
    status = c.http.get(f"/api/rounds/{rid}").json()
    assert status["units"]["by_status"] == {"missing": 3, "received": 0, "failed": 3, "passed": 3, "returned": 0}
    assert status["files"]["pending"] == 0


def test_board_filters_by_status_department_and_search(checked):
    c, rid, _ = checked
    assert set(c.units(rid, status="missing")) == {"101001", "101002", "108003"}
    assert set(c.units(rid, department="108")) == {"108001", "108002", "108003"}
    assert set(c.units(rid, q="财政局")) == {"112001", "112002"}  # the 主管部门's name matches too
    assert set(c.units(rid, q="115001")) == {"115001"}
    assert c.http.get(f"/api/rounds/{rid}/units", params={"status": "nonsense"}).status_code == 400
    page = c.http.get(f"/r/{rid}/board", params={"status": "passed"}).text
    assert "108001" in page and "115001" not in page.split('id="board"')[1]


def test_file_report_has_the_shape_and_findings_of_check_json(checked, tmp_path):
    c, rid, _ = checked
    name, data = sample_workbook("115001")
    (tmp_path / name).write_bytes(data)
    expected = perfxl.check_paths([tmp_path / name], register=perfxl.load_register_index(REGISTER)).report.to_dict()
    file = expected["files"][0]
    got = c.http.get(f"/api/rounds/{rid}/units/115001").json()["report"]
    assert set(file) <= set(got) and got["path"] == name  # keys added, never removed; the name sent with
    within = [{k: f[k] for k in ("code", "severity", "sheet", "cell", "message")} for f in got["findings"]
              if not f["code"].startswith("X")]
    assert within == [{k: f[k] for k in ("code", "severity", "sheet", "cell", "message")} for f in file["findings"]
                      if not f["code"].startswith("X")]
    report = c.http.get(f"/api/rounds/{rid}/findings").json()
    assert set(report) == set(expected) and report["valid"] is False
    assert "财政局报送.eml!报送说明.docx" in report["other_files"]
    current = c.http.get(f"/api/rounds/{rid}/findings", params={"current": "1"}).json()
    assert {f["unit_code"] for f in current["files"]} == {"115001", "101003", "108001", "108002", "112001"}


def test_same_content_sent_twice_is_recorded_and_not_checked_again(client):
    rid = client.new_round()["id"]
    name, data = sample_workbook("108001")
    client.upload(rid, [(name, data)])
    client.upload(rid, [("再次发送.xlsx", data)])
    rows = client.files(rid)
    again = next(f for f in rows if f["name"] == "再次发送.xlsx")
    first = next(f for f in rows if f["name"] == name)
    assert again["status"] == "duplicate" and again["duplicate_of"] == first["id"] and first["status"] == "taken"
    assert client.units(rid)["108001"]["files"] == 2
    checked_ids = [f["id"] for f in client.http.get(f"/api/rounds/{rid}/findings").json()["files"]]
    assert checked_ids == [first["id"]]


def test_a_later_submission_is_taken_and_the_earlier_superseded(client):
    rid = client.new_round()["id"]
    unit = perfxl.load_unit(SAMPLES / "units" / "108001.json")
    fw = perfxl.load_framework()
    unit.projects[0].goals = ["请输入绩效目标"]  # a placeholder left in: G02
    client.upload(rid, [("108001_第一次.xlsx", perfxl.render_workbook(unit, fw))])
    assert client.units(rid)["108001"]["status"] == "failed"
    client.upload(rid, [sample_workbook("108001")])
    u = client.units(rid)["108001"]
    assert u["status"] == "passed" and u["files"] == 2
    files = {f["name"]: f for f in client.files(rid)}
    assert files["108001_第一次.xlsx"]["status"] == "superseded"
    first = client.http.get(f"/api/rounds/{rid}/files/{files['108001_第一次.xlsx']['id']}").json()
    assert "X04" in [f["code"] for f in first["findings"]]


def test_returned_until_the_unit_sends_again(client):
    rid = client.new_round()["id"]
    client.upload(rid, [sample_workbook("115001")])
    r = client.http.post(f"/api/rounds/{rid}/units/115001/decisions", json={"action": "returned", "note": "已邮件退回"},
                         headers={"X-CSRF-Token": client.csrf})
    assert r.status_code == 201
    assert client.units(rid)["115001"]["status"] == "returned"
    detail = client.http.get(f"/api/rounds/{rid}/units/115001").json()
    assert detail["decisions"][0]["note"] == "已邮件退回"
    unit = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    unit.projects[0].goals = ["改过的绩效目标：完成棚改本金付息"]
    client.upload(rid, [("115001_修改后.xlsx", perfxl.render_workbook(unit, perfxl.load_framework()))])
    assert client.units(rid)["115001"]["status"] == "failed"  # checked again: the board says what the new file is


def test_restart_loses_nothing_and_checks_what_was_waiting(tmp_path):
    folder = tmp_path / "round"
    with open_client(folder, start_worker=False) as http:  # the server stops before it checks
        c = Client(http, folder)
        rid = c.new_round()["id"]
        c.upload(rid, [sample_workbook("108001"), broken_workbook()], wait=False)
        assert c.units(rid)["108001"]["status"] == "received"  # received, waiting to be checked
    with open_client(folder) as http:
        c = Client(http, folder)
        deadline = time.monotonic() + 120
        while c.http.get(f"/api/rounds/{rid}").json()["files"]["pending"] and time.monotonic() < deadline:
            time.sleep(0.2)
        units = c.units(rid)
        assert units["108001"]["status"] == "passed" and units["112002"]["status"] == "failed"
        assert c.http.get(f"/api/rounds/{rid}").json()["templates"] == 9


# ------------------------------------------------------------------------------------------ e-mail


def test_eml_attachments_are_taken_with_chinese_names_in_every_encoding():
    from perfxl.web.mail import read_eml

    name = "108001_教育局本级_2023年绩效目标表.xlsx"
    gbk_word = "=?GBK?B?" + __import__("base64").b64encode(name.encode("gbk")).decode() + "?="
    raw = (b"From: =?GBK?B?" + __import__("base64").b64encode("教育局".encode("gbk")) + b"?= <jyj@example.cn>\r\n"
           b"Subject: test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
           b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"
           b"--XX\r\nContent-Type: application/octet-stream; name=\"" + gbk_word.encode() + b"\"\r\n"
           b"Content-Disposition: attachment; filename=\"" + gbk_word.encode() + b"\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + __import__("base64").b64encode(b"data1") + b"\r\n"
           b"--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\""
           + "说明.docx".encode("gbk") + b"\"\r\n\r\nraw\r\n"
           b"--XX\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\nContent-ID: <logo>\r\n\r\npng\r\n--XX--\r\n")
    mail = read_eml(raw)
    assert mail.sender == "教育局 <jyj@example.cn>"
    assert [(a.name, a.data) for a in mail.attachments] == [(name, b"data1"), ("说明.docx", b"raw")]  # logo: the body's


def test_forwarded_message_attachments_are_taken_too():
    from perfxl.web.mail import read_eml

    inner = EmailMessage()
    inner["From"], inner["Subject"] = "单位 <u@example.cn>", "原邮件"
    inner.set_content("见附件")
    inner.add_attachment(b"xlsx", maintype="application", subtype="octet-stream", filename="115001_报送.xlsx")
    outer = EmailMessage()
    outer["From"], outer["Subject"] = "转发人 <f@example.cn>", "转发"
    outer.set_content("转发")
    outer.add_attachment(inner)
    mail = read_eml(outer.as_bytes())
    assert [(a.name, a.data) for a in mail.attachments] == [("115001_报送.xlsx", b"xlsx")]


def test_eml_without_attachment_and_mbox_of_many_are_recorded(client, tmp_path):
    import mailbox

    rid = client.new_round()["id"]
    box = mailbox.mbox(tmp_path / "inbox.mbox")
    for code, sender in (("108001", "教育局 <a@example.cn>"), ("112001", "财政局 <b@example.cn>")):
        box.add(eml(sender, [sample_workbook(code)]))
    box.flush()
    box.close()
    client.upload(rid, [("收件箱.mbox", (tmp_path / "inbox.mbox").read_bytes()), ("空邮件.eml", eml("x <x@example.cn>", []))])
    files = {f["name"]: f for f in client.files(rid)}
    assert files["空邮件.eml"]["status"] == "mail" and "没有附件" in files["空邮件.eml"]["note"]
    senders = {f["unit_code"]: f["sender"] for f in files.values() if f["via"] == "mail"}
    assert senders == {"108001": "教育局 <a@example.cn>", "112001": "财政局 <b@example.cn>"}
    assert {u: s["status"] for u, s in client.units(rid).items() if s["files"]} == {"108001": "passed", "112001": "passed"}


# ------------------------------------------------------------------------------------------ downloads


def test_annotated_return_marks_every_finding(checked):
    c, rid, _ = checked
    report = c.http.get(f"/api/rounds/{rid}/units/115001").json()["report"]
    r = c.http.get(f"/r/{rid}/files/{report['id']}/annotated")
    assert r.status_code == 200 and "_%E5%AE%A1%E6%A0%B8%E6%84%8F%E8%A7%81.xlsx" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    review = wb["审核意见"]
    codes = [row[2] for row in review.iter_rows(min_row=5, values_only=True) if row[2]]
    assert sorted(codes) == sorted(f["code"] for f in report["findings"])


def test_no_annotated_return_for_an_unreadable_file(checked):
    c, rid, _ = checked
    broken = next(f for f in c.files(rid) if f["status"] == "unreadable")
    r = c.http.get(f"/r/{rid}/files/{broken['id']}/annotated")
    assert r.status_code == 404 and "无法读取" in r.text


def test_summary_names_files_as_they_were_sent(checked):
    c, rid, _ = checked
    r = c.http.post(f"/api/rounds/{rid}/summary", headers={"X-CSRF-Token": c.csrf})
    assert r.status_code == 202
    job = c.wait(r.json()["job"]["id"])
    assert job["state"] == "done", job
    wb = load_workbook(io.BytesIO(c.http.get(f"/r/{rid}/summary.xlsx").content))
    listed = [row[0] for row in wb["文件清单"].iter_rows(min_row=2, values_only=True)]
    assert "邮件附件.zip!报送/108001_承德高新技术产业开发区教育局本级_2023年绩效目标表.xlsx" in listed
    assert not [n for n in listed if len(Path(n.split("!")[0]).stem) >= 16 and Path(n.split("!")[0]).stem.isalnum()]
    states = {row[2]: row[12] for row in wb["提交情况"].iter_rows(min_row=2, values_only=True)}
    assert states["112002"] == "已报送（无法读取）" and states["108001"] == "通过" and states["101001"] == "未报送"
    z = zipfile.ZipFile(io.BytesIO(c.http.get(f"/r/{rid}/summary-csv.zip").content))
    assert "提交情况.csv" in z.namelist() and len(z.namelist()) == 8
    charts = c.http.get(f"/api/rounds/{rid}/summary").json()["summary"]
    assert {row["项目"]: row["数值"] for row in charts["overview"]}["应报单位"] == 9
    page = c.http.get(f"/r/{rid}/summary").text
    assert page.count("<svg") == 3 and charts["parquet"] in page


def test_summary_tables_come_as_parquet_with_the_rows_of_the_csv(checked):
    import csv

    import pyarrow.parquet as pq

    c, rid, _ = checked
    job = c.wait(c.http.post(f"/api/rounds/{rid}/summary", headers={"X-CSRF-Token": c.csrf}).json()["job"]["id"])
    assert job["state"] == "done", job
    url = c.http.get(f"/api/rounds/{rid}/summary").json()["summary"]["parquet"]
    pz = zipfile.ZipFile(io.BytesIO(c.http.get(url).content))
    cz = zipfile.ZipFile(io.BytesIO(c.http.get(f"/r/{rid}/summary-csv.zip").content))
    assert sorted(n.removesuffix(".parquet") for n in pz.namelist()) == sorted(n.removesuffix(".csv") for n in cz.namelist())
    for name in pz.namelist():
        table = pq.read_table(io.BytesIO(pz.read(name)))
        rows = list(csv.reader(io.StringIO(cz.read(name.replace(".parquet", ".csv")).decode("utf-8-sig"))))
        assert table.num_rows == len(rows) - 1, name
        assert table.column_names == rows[0], name


def test_rules_api_is_the_rules_catalogue(client):
    from perfxl.live import rules_catalogue

    got = client.http.get("/api/rules", params={"framework": "mof-2021"}).json()
    assert got == json.loads(json.dumps(rules_catalogue(perfxl.load_framework("mof-2021")), ensure_ascii=False))
    assert client.http.get("/api/rules", params={"framework": "/etc/passwd"}).status_code == 404


# ------------------------------------------------------------------------------------------ safety


def test_names_from_a_request_never_become_paths(client):
    rid = client.new_round()["id"]
    name, data = sample_workbook("108001")
    client.upload(rid, [("../../../../outside.xlsx", data), ("C:\\Windows\\evil.json", b"{}"),
                        ("送审/教育局/108001.xlsx", data + b"")])
    assert not (client.folder.parent / "outside.xlsx").exists()
    received = client.folder / f"goals-{YEAR}" / "received"
    assert sorted(p.suffix for p in received.iterdir()) == [".json", ".xlsx"]
    names = {f["name"] for f in client.files(rid)}
    assert names == {"outside.xlsx", "evil.json", "送审/教育局/108001.xlsx"}  # labels only, without ".."


def test_archive_entry_leaving_the_archive_is_refused_and_listed(client, tmp_path):
    rid = client.new_round()["id"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../escape.xlsx", b"x")
        zf.writestr("ok/108001.xlsx", sample_workbook("108001")[1])
    client.upload(rid, [("evil.zip", buf.getvalue())])
    entries = {f["name"]: f for f in client.files(rid) if f["via"] == "archive"}
    assert entries["evil.zip!../escape.xlsx"]["status"] == "unreadable"
    assert "跳出压缩包" in client.http.get(f"/api/rounds/{rid}/files/{entries['evil.zip!../escape.xlsx']['id']}").text
    assert entries["evil.zip!ok/108001.xlsx"]["status"] == "taken"
    assert not (client.folder / f"goals-{YEAR}" / "escape.xlsx").exists()


def test_request_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    with open_client(tmp_path / "round", max_body=200_000) as http:
        c = Client(http, tmp_path / "round")
        rid = c.new_round()["id"]
        r = http.post(f"/api/rounds/{rid}/upload", files=[("files", ("big.xlsx", b"x" * 300_000))],
                      headers={"X-CSRF-Token": c.csrf})
        assert r.status_code == 413 and "分批上传" in r.json()["error"]
        assert c.files(rid) == []


def test_file_over_the_per_file_limit_is_recorded_as_refused(client, monkeypatch):
    import perfxl.web.intake as intake

    monkeypatch.setattr(intake, "MAX_FILE_BYTES", 1000)
    rid = client.new_round()["id"]
    client.upload(rid, [("115001_巨大.xlsx", b"x" * 5000)])
    (row,) = client.files(rid)
    assert row["status"] == "refused" and "上限" in row["note"] and row["sha256"] is None
    assert client.units(rid)["115001"]["status"] == "failed"  # the unit sent something; it was not taken


def test_changing_request_without_the_csrf_token_is_refused(client):
    rid = client.new_round()["id"]
    r = client.http.post(f"/api/rounds/{rid}/upload", files=[("files", sample_workbook("108001"))])
    assert r.status_code == 403 and "令牌" in r.json()["error"]
    r = client.http.post(f"/r/{rid}/units/108001/decision", data={"action": "returned", "csrf": "forged"})
    assert r.status_code == 403
    assert client.files(rid) == [] and Database(client.folder).all("SELECT * FROM decisions") == []


def test_request_from_another_site_is_refused(client):
    rid = client.new_round()["id"]
    r = client.http.post(f"/r/{rid}/units/108001/decision", data={"action": "returned", "csrf": client.csrf},
                         headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    r = client.http.post(f"/r/{rid}/units/108001/decision", data={"action": "returned", "csrf": client.csrf},
                         headers={"Origin": BASE}, follow_redirects=False)
    assert r.status_code == 303  # the page's own origin is fine


def test_foreign_host_name_cannot_reach_the_local_server(client):
    r = client.http.get("/api/session", headers={"Host": "attacker.example:8765"})
    assert r.status_code == 400 and "csrf" not in r.text


def test_off_loopback_every_request_needs_the_token(tmp_path):
    app = create_app(tmp_path / "round", token="s3cret-token", jobs=1)
    with TestClient(app, base_url="http://192.0.2.10:8765") as http:
        assert http.get("/api/session").status_code == 401
        assert http.get("/", follow_redirects=False).status_code == 401
        r = http.get("/?token=s3cret-token", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/" and "HttpOnly" in r.headers["set-cookie"]
        assert "SameSite=Strict" in r.headers["set-cookie"]
        assert http.get("/api/session").status_code == 200  # the cookie now
    with TestClient(app, base_url="http://192.0.2.10:8765") as http:
        assert http.get("/api/session", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
        assert http.get("/api/session", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_unknown_ids_are_not_found_with_a_message(client):
    rid = client.new_round()["id"]
    for url in (f"/api/rounds/{rid + 5}", f"/api/rounds/{rid}/units/999999", f"/api/rounds/{rid}/files/77",
                "/api/jobs/999", f"/r/{rid}/files/77/annotated", f"/r/{rid}/summary.xlsx",
                f"/r/{rid}/summary/csv/..%2F..%2Fetc", "/static/..%2Fapp.py"):
        r = client.http.get(url)
        assert r.status_code == 404, url


def test_pages_set_a_strict_content_security_policy(client):
    r = client.http.get("/new")
    assert r.status_code == 200 and "新建一轮" in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"] and r.headers["x-frame-options"] == "DENY"
    assert "<script>" not in r.text  # no inline script: the policy would block it


def test_pages_follow_the_language(checked, monkeypatch):
    c, rid, _ = checked
    assert "看板" in c.http.get(f"/r/{rid}/board").text
    monkeypatch.setenv("PERFXL_LANG", "en")
    page = c.http.get(f"/r/{rid}/board").text
    assert "Board" in page and "看板" not in page and "not sent" in page


def test_unit_json_kept_in_the_database_is_the_unit_as_read(tmp_path):
    from perfxl.web.records import to_plain, unit_from_json, unit_json

    name, data = sample_workbook("115001")
    (tmp_path / name).write_bytes(data)
    read = perfxl.read_workbook(tmp_path / name)
    back = unit_from_json(unit_json(read.unit))
    assert back == read.unit and to_plain(back) == to_plain(read.unit)  # also the fields eq() leaves out


# ------------------------------------------------------------------------------------------ perfxl serve


def test_serve_refuses_a_port_in_use_with_a_clear_message(tmp_path):
    from click.testing import CliRunner

    from perfxl.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = CliRunner().invoke(main, ["serve", str(tmp_path / "round"), "--port", str(port), "--no-browser"])
    assert r.exit_code == 2 and f"端口 {port} 已被占用" in r.output and "Traceback" not in r.output


def test_other_commands_do_not_load_the_web_server():
    import subprocess
    import sys

    code = "import sys, perfxl.cli; assert not any(m.startswith(('starlette', 'uvicorn', 'perfxl.web')) for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# ------------------------------------------------------------------------------------------ a self-evaluation round


def fill_selfeval(data: bytes, *, low: bool = False) -> bytes:
    """A blank self-evaluation workbook as a unit returns it in spring, typed with openpyxl (no cached
    scores left): every target met (``low``: every quantitative actual 0 and every 定性 未达成, no
    reason given), the funds 90% spent, 实际完成情况 written."""
    from perfxl.layout import INSTRUCTIONS_SHEET, a1
    from perfxl.selfeval_layout import SUMMARY_SHEET, SelfEvalProjectLayout

    lay = SelfEvalProjectLayout(perfxl.load_framework("hebei-2023"))
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title in (INSTRUCTIONS_SHEET, SUMMARY_SHEET):
            continue
        initial = ws[lay.fund("total", "initial").a1].value or 0
        ws[lay.fund("total", "budget").a1] = initial
        ws[lay.fund("total", "executed").a1] = round(initial * 0.9, 2)
        ws[lay.achievement.a1] = "全年各项任务按计划完成。"
        for r in lay.indicator_rows:
            if ws[lay.indicator(r, "target").a1].value in (None, ""):
                continue
            target = ws[a1(r, lay.columns.target_number)].value
            if isinstance(target, (int, float)):
                ws[lay.indicator(r, "actual").a1] = 0 if low else target
            else:
                ws[lay.indicator(r, "actual").a1] = "未达成" if low else "达成"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def new_selfeval_round(c: Client, source: int, **fields) -> dict:
    r = c.http.post("/api/rounds", data={"form": "selfeval", "source_round": str(source), "key_mode": "none", **fields},
                    headers={"X-CSRF-Token": c.csrf})
    assert r.status_code == 201, r.text
    return r.json()


ADOPTED = ("115001", "101003", "108001")  # the goals round's returns that the self-evaluation starts from


@pytest.fixture(scope="module")
def selfeval_checked(tmp_path_factory):
    """A goals round with three returns adopted; the self-evaluation round made from it; its templates
    downloaded and returned: 108001 filled, 101003 filled with every target missed, 115001 sent back
    blank, and 108002's goal table sent again by mistake."""
    tmp = tmp_path_factory.mktemp("web-selfeval")
    with open_client(tmp / "round") as http:
        c = Client(http, tmp / "round")
        goals = c.new_round()["id"]
        c.upload(goals, [sample_workbook(code) for code in ADOPTED])
        status = new_selfeval_round(c, goals)
        rid = status["id"]
        z = zipfile.ZipFile(io.BytesIO(c.http.get(f"/r/{rid}/templates.zip").content))
        templates = {n.split("_", 1)[0]: (n, z.read(n)) for n in z.namelist()}
        sent = {"108001": (templates["108001"][0], fill_selfeval(templates["108001"][1])),
                "101003": (templates["101003"][0], fill_selfeval(templates["101003"][1], low=True)),
                "115001": templates["115001"]}
        job = c.upload(rid, [*sent.values(), sample_workbook("108002")])
        yield c, rid, goals, status, job, sent, z


def test_a_selfeval_round_is_made_from_the_goals_rounds_adopted_returns(selfeval_checked):
    c, rid, goals, status, _, _, z = selfeval_checked
    assert status["form"] == "selfeval" and status["budget_year"] == YEAR and status["framework"] == "hebei-2023"
    assert status["register"]["units"] == 9 and status["templates"] == len(ADOPTED)
    assert len(status["notes"]) == 9 - len(ADOPTED) and all("没有采用的绩效目标表" in n for n in status["notes"])
    assert sorted(n.split("_", 1)[0] for n in z.namelist()) == sorted(ADOPTED)
    assert all(n.endswith(f"_{YEAR}年绩效自评表.xlsx") for n in z.namelist())
    assert (c.folder / f"selfeval-{YEAR}").is_dir() and (c.folder / f"goals-{YEAR}").is_dir()
    rounds = {r["id"]: r["form"] for r in c.http.get("/api/rounds").json()["rounds"]}
    assert rounds == {goals: "goals", rid: "selfeval"}
    disposition = c.http.get(f"/r/{rid}/templates.zip").headers["content-disposition"]
    assert "%E7%BB%A9%E6%95%88%E8%87%AA%E8%AF%84%E8%A1%A8" in disposition  # 绩效自评表


def test_the_selfeval_templates_carry_the_adopted_goals_targets(selfeval_checked, tmp_path):
    from perfxl.check import check_file

    *_, z = selfeval_checked
    name = next(n for n in z.namelist() if n.startswith("108001_"))
    (tmp_path / name).write_bytes(z.read(name))
    se = check_file(tmp_path / name).unit
    goals = perfxl.load_unit(SAMPLES / "units" / "108001.json")
    assert type(se).__name__ == "SelfEvalUnit"
    assert [[(r.target.name, r.target.operator, r.target.value) for r in p.indicators] for p in se.projects] == \
        [[(i.name, i.operator, i.value) for i in p.indicators] for p in goals.projects]
    assert se.approved_goals.source.startswith("108001_")


@pytest.mark.parametrize("source, words", [("goals-without-returns", "还没有采用"), ("selfeval", "不是绩效目标轮次"),
                                           ("", "请选择")])
def test_a_selfeval_round_needs_a_goals_round_with_adopted_returns(client, source, words):
    empty = client.new_round()["id"]
    ids = {"goals-without-returns": str(empty), "": ""}
    if source == "selfeval":
        client.upload(empty, [sample_workbook("108001")])
        ids["selfeval"] = str(new_selfeval_round(client, empty)["id"])
    before = sorted(p.name for p in client.folder.iterdir())
    r = client.http.post("/api/rounds", data={"form": "selfeval", "source_round": ids[source], "key_mode": "none"},
                         headers={"X-CSRF-Token": client.csrf})
    assert r.status_code == 400 and words in r.json()["error"]
    assert sorted(p.name for p in client.folder.iterdir()) == before  # nothing left behind


def test_selfeval_returns_are_checked_and_shown_on_the_board(selfeval_checked):
    c, rid, _, _, job, _, _ = selfeval_checked
    assert job["state"] == "done", job
    units = c.units(rid)
    assert units["108001"]["status"] == "passed" and units["115001"]["status"] == "failed"
    assert units["115001"]["errors"] > 0 and units["101003"]["status"] in ("passed", "failed")
    assert units["101001"]["status"] == "missing"
    files = {f["name"]: f for f in c.files(rid)}
    goal_table = next(f for n, f in files.items() if n.startswith("108002_"))
    assert goal_table["status"] == "other_form" and "绩效目标表" in goal_table["note"]
    assert units["108002"]["status"] == "failed" and "绩效目标表" in units["108002"]["note"]
    report = c.http.get(f"/api/rounds/{rid}/units/115001").json()["report"]
    assert "E01" in {f["code"] for f in report["findings"]}
    page = c.http.get(f"/r/{rid}/units/115001").text
    assert "E01" in page and "实际完成值" in page


def test_a_selfeval_annotated_return_is_a_selfeval_workbook(selfeval_checked):
    c, rid, *_ = selfeval_checked
    report = c.http.get(f"/api/rounds/{rid}/units/115001").json()["report"]
    r = c.http.get(f"/r/{rid}/files/{report['id']}/annotated")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[0] == "审核意见" and "自评汇总" in wb.sheetnames
    codes = [row[2] for row in wb["审核意见"].iter_rows(min_row=5, values_only=True) if row[2]]
    assert sorted(codes) == sorted(f["code"] for f in report["findings"])


def test_a_selfeval_summary_scores_as_score_project_and_draws_its_charts(selfeval_checked, tmp_path):
    from perfxl.check import check_file
    from perfxl.selfeval_rules import score_project
    from perfxl.selfeval_scoring import scoring_of

    c, rid, _, _, _, sent, _ = selfeval_checked
    job = c.wait(c.http.post(f"/api/rounds/{rid}/summary", headers={"X-CSRF-Token": c.csrf}).json()["job"]["id"])
    assert job["state"] == "done", job
    wb = load_workbook(io.BytesIO(c.http.get(f"/r/{rid}/summary.xlsx").content))
    assert wb.sheetnames[:3] == ["汇总", "重点关注", "单位自评"]
    rows = list(wb["项目"].iter_rows(values_only=True))
    shown = {(r[2], r[4]): dict(zip(rows[0], r)) for r in rows[1:]}
    scoring = scoring_of(perfxl.load_framework("hebei-2023"))
    for code in ("108001", "101003", "115001"):
        (tmp_path / sent[code][0]).write_bytes(sent[code][1])
        for p in check_file(tmp_path / sent[code][0]).unit.projects:
            s = score_project(scoring, p)
            assert shown[(code, p.code)]["总分"] == (pytest.approx(s.total) if s.total is not None else None)
            assert shown[(code, p.code)]["自评等级"] == s.grade
    attention = [r[0] for r in wb["重点关注"].iter_rows(min_row=2, values_only=True)]
    assert attention and attention[0].startswith("总分低于60")
    charts = c.http.get(f"/api/rounds/{rid}/summary").json()["summary"]
    assert {g["自评等级"] for g in charts["grades"]} >= {"优", "差"}
    page = c.http.get(f"/r/{rid}/summary").text
    assert 'id="chart-grades"' in page and 'id="chart-rates"' in page and page.count("<svg") == 4
    z = zipfile.ZipFile(io.BytesIO(c.http.get(f"/r/{rid}/summary-csv.zip").content))
    assert {"重点关注.csv", "单位自评.csv", "等级分布.csv"} <= set(z.namelist())
    assert c.http.get(f"/r/{rid}/summary/csv/attention").status_code == 200
