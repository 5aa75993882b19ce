"""收件: every received file stored, recorded, checked, and what became of it decided.

The route is the CLI's: ``archives.collect_inputs`` (folders, zips with their limits and GBK names)
and ``check.check_inputs`` (each file read in a sandboxed worker), then ``check.check_across`` for the
checks over the whole round (X01, X02, X04) with consolidation's rule for which copy of a unit is
taken. What the web page adds:

* a file is stored under its SHA-256 (``received/<hash>.xlsx``), never under the name it was sent
  with, which is kept only as a label; the suffix is kept when it is a short plain one, since readers
  go by it. The same content sent twice is recorded twice and checked once (``duplicate``);
* saved e-mails (.eml, .mbox) are opened (``mail``) and each attachment is stored and checked like
  an upload, with the mail's sender;
* the unit a file belongs to is also told from the name it was sent with (the stored name has none);
* the round's findings across files are kept apart (``scope = 'round'``) and recomputed after each
  batch from what was recorded, so the board never needs to read a workbook again.

Every file ends in one state: checked (taken, superseded, unreadable, not in the register, another
budget year), other (not a spreadsheet), duplicate, an archive or mail holding others, or refused
(too large) with its reason. Nothing received is dropped.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Callable

from ..archives import MAX_ENTRY_BYTES, InputFile, collect_inputs
from ..check import Checked, CheckRun, check_across, check_inputs, unit_code_from_name
from ..consolidate import FORMS, form_of_unit
from ..errors import FrameworkError
from ..findings import FileReport
from ..frameworks import shipped_framework
from ..i18n import t
from ..reader import ReadResult
from .db import Database, now
from .mail import Mail, looks_like_mail, mail_kind, read_eml, read_mbox
from .records import FORMS as ROUND_FORMS, finding_from_row, finding_row, unit_from_json, unit_json
from .rounds import Round

__all__ = ["MAX_FILE_BYTES", "receive", "receive_refused", "run_check_job", "recompute_round", "display_name",
           "framework_for"]

MAX_FILE_BYTES = MAX_ENTRY_BYTES  # the reader's own ceiling: a bigger file could not be read anyway
_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
_CHUNK = 1 << 20


def display_name(name: str | None) -> str:
    """The name a file was sent with, as a label: '/' separated, no control characters, not too long."""
    name = "".join(ch for ch in (name or "") if ch >= " " and ch != "\x7f").replace("\\", "/").strip()
    name = "/".join(part for part in name.split("/") if part not in ("", ".", ".."))
    if len(name) > 255:
        name = "…" + name[-254:]
    return name or t("（无名文件）", "(unnamed file)")


def _basename(display: str) -> str:
    return display.rsplit("!", 1)[-1].rsplit("/", 1)[-1]


def _stored_suffix(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    return suffix if _SUFFIX.fullmatch(suffix) else ""


def _received_dir(r: Round) -> Path:
    folder = r.folder / "received"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _store(db: Database, r: Round, source: IO[bytes], name: str) -> tuple[str, str, int] | None:
    """Copy the bytes into the round folder under their hash; (relative path, sha256, size), or None
    when the file is over MAX_FILE_BYTES (nothing is kept of it)."""
    folder = _received_dir(r)
    h, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = source.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    tmp.unlink(missing_ok=True)
                    return None
                h.update(chunk)
                out.write(chunk)
        digest = h.hexdigest()
        target = folder / f"{digest}{_stored_suffix(name)}"
        if target.exists():
            tmp.unlink()
        else:
            tmp.replace(target)
        return str(target.relative_to(db.folder)), digest, size
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _earlier_copy(con, round_id: int, sha: str) -> tuple[int, str] | None:
    row = con.execute("SELECT id, display FROM files WHERE round_id = ? AND sha256 = ? AND state NOT IN "
                      "('duplicate', 'refused') ORDER BY id LIMIT 1", (round_id, sha)).fetchone()
    return (row["id"], row["display"]) if row else None


def _insert(con, r: Round, *, job_id: int | None, name: str, display: str, stored: str | None, sha: str | None,
            size: int, via: str, parent: int | None = None, sender: str | None = None, subject: str | None = None,
            mail_date: str | None = None, state: str = "pending", status: str = "pending", note: str = "",
            received_at: str | None = None) -> int:
    """One files row; a copy of content already received is recorded as a duplicate of it."""
    unit = unit_code_from_name(_basename(display), r.register)
    duplicate_of = None
    if sha and state == "pending":
        earlier = _earlier_copy(con, r.id, sha)
        if earlier is not None:
            duplicate_of = earlier[0]
            state = status = "duplicate"
            note = t(f"与已收到的 #{earlier[0]}（{earlier[1]}）内容相同，未再审核",
                     f"the same content as #{earlier[0]} ({earlier[1]}), not checked again")
            found = con.execute("SELECT unit_code FROM files WHERE id = ?", (earlier[0],)).fetchone()
            unit = found["unit_code"] or unit
    return int(con.execute(
        "INSERT INTO files(round_id, parent_id, job_id, name, display, stored, sha256, size, received_at, via, "
        "sender, mail_subject, mail_date, state, status, note, duplicate_of, unit_code, attributed_by) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (r.id, parent, job_id, name, display, stored, sha, size, received_at or now(), via, sender, subject,
         mail_date, state, status, note, duplicate_of, unit, "name" if unit else None)).lastrowid)


def receive(db: Database, r: Round, source: IO[bytes], name: str | None, job_id: int) -> int:
    """Store one uploaded file and record it for the job (refused, with its reason, when too large)."""
    shown = display_name(name)
    stored = _store(db, r, source, shown)
    with db.connect() as con:
        if stored is None:
            return _insert(con, r, job_id=job_id, name=shown, display=shown, stored=None, sha=None, size=0,
                           via="upload", state="refused", status="refused", note=_too_large())
        path, sha, size = stored
        return _insert(con, r, job_id=job_id, name=shown, display=shown, stored=path, sha=sha, size=size,
                       via="upload")


def receive_refused(db: Database, r: Round, name: str | None, note: str, job_id: int | None = None) -> int:
    """Record a file that was sent but not taken (the reason says why)."""
    shown = display_name(name)
    with db.connect() as con:
        return _insert(con, r, job_id=job_id, name=shown, display=shown, stored=None, sha=None, size=0,
                       via="upload", state="refused", status="refused", note=note)


def _too_large() -> str:
    mb = MAX_FILE_BYTES // (1 << 20)
    return t(f"文件超过单个文件上限 {mb} MB，未保存；请检查是否选错文件", f"over the limit of {mb} MB per file; not kept")


# ------------------------------------------------------------------------------------------ the job


class _Progress:
    """The job's counters in the database, so the page's progress bar survives a reload."""

    def __init__(self, db: Database, job_id: int, tick: Callable[[int, int], None] | None):
        self.db, self.job_id, self.tick = db, job_id, tick
        self.total = self.done = 0

    def start(self, total: int) -> None:
        self.total = total
        self._save()

    def step(self, _item: object = None) -> None:
        self.done += 1
        self._save()

    def _save(self) -> None:
        self.db.run("UPDATE jobs SET total = ?, done = ? WHERE id = ?", self.total, self.done, self.job_id)
        if self.tick:
            self.tick(self.done, self.total)


def _open_mail(db: Database, r: Round, row, job_id: int) -> None:
    """The attachments of a saved e-mail (or of every message of an mbox), each stored and recorded."""
    path = db.folder / row["stored"]
    kind = mail_kind(row["name"])
    mails: list[Mail] | None
    try:
        if kind == "eml":
            data = path.read_bytes()
            mails = [read_eml(data)] if looks_like_mail(data) else None
        else:
            mails = list(read_mbox(path)) or None
    except (OSError, ValueError, UnicodeError):
        mails = None
    if mails is None:
        return  # not a mail after all: it is checked as what it is (an other file, most likely)
    count = 0
    with db.connect() as con:
        for m in mails:
            for a in m.attachments:
                display = f"{row['display']}!{display_name(a.name)}"
                common = dict(job_id=job_id, name=display_name(a.name), display=display, via="mail",
                              parent=row["id"], sender=m.sender, subject=m.subject, mail_date=m.date)
                if a.data is None:
                    _insert(con, r, stored=None, sha=None, size=0, state="refused", status="refused",
                            note=a.problem or "", **common)
                    continue
                stored = _store_bytes(db, r, a.data, a.name)
                _insert(con, r, stored=stored[0], sha=stored[1], size=stored[2], **common)
                count += 1
        sender = next((m.sender for m in mails if m.sender), None)
        note = (t(f"邮件，取出 {count} 个附件", f"an e-mail; {count} attachments taken") if count else
                t("邮件中没有附件", "the e-mail has no attachment"))
        con.execute("UPDATE files SET state = 'container', status = 'mail', note = ?, sender = ?, mail_subject = ?, "
                    "mail_date = ? WHERE id = ?",
                    (note, sender, mails[0].subject if len(mails) == 1 else None,
                     mails[0].date if len(mails) == 1 else None, row["id"]))


def _store_bytes(db: Database, r: Round, data: bytes, name: str) -> tuple[str, str, int]:
    import io

    stored = _store(db, r, io.BytesIO(data), display_name(name))
    assert stored is not None  # mail.py refuses attachments over the same limit
    return stored


def _sha256_file(path: Path | None) -> str | None:
    if path is None or not path.is_file():
        return None
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def run_check_job(db: Database, r: Round, job_id: int, *, jobs: int = 1,
                  tick: Callable[[int, int], None] | None = None) -> str:
    """Check the files of one upload (opening its e-mails and archives first), record every result,
    then recompute the round's decisions. Returns the job's closing message."""
    for row in db.all("SELECT * FROM files WHERE job_id = ? AND state = 'pending' AND stored IS NOT NULL", job_id):
        if mail_kind(row["name"]):
            _open_mail(db, r, row, job_id)
    pending = db.all("SELECT * FROM files WHERE job_id = ? AND state = 'pending' AND stored IS NOT NULL ORDER BY id",
                     job_id)
    progress = _Progress(db, job_id, tick)
    if not pending:
        progress.start(0)
        recompute_round(db, r)
        return _closing(db, job_id)
    by_path = {str(db.folder / row["stored"]): row for row in pending}
    with collect_inputs(list(by_path)) as inputs:
        ids = _entry_rows(db, r, inputs, by_path, job_id)
        todo = [i for i in inputs if ids[i.display][1]]
        progress.start(sum(i.kind == "return" for i in todo))
        run = check_inputs(todo, register=r.register, framework=r.framework, key=r.key, jobs=jobs, across=False,
                           progress=progress.step)
    names = {str(db.folder / row["stored"]): row["display"] for row in pending}
    for c in run.files:
        _record_checked(db, r, ids[c.path][0], c, names)
    for o in run.other_files:
        _record_other(db, r, ids[o.display][0], o)
    _account_for_rest(db, job_id)
    recompute_round(db, r)
    return _closing(db, job_id)


def _entry_rows(db: Database, r: Round, inputs: list[InputFile], by_path: dict, job_id: int) -> dict[str, tuple[int, bool]]:
    """Per input display: its files row (an archive entry gets a row of its own) and whether to check it
    (not when it is the same content as a file already received)."""
    out: dict[str, tuple[int, bool]] = {}
    archives: dict[int, int] = {}
    prefix = len(str(_received_dir(r)))  # the round folder's own path may hold a "!"; a stored name never does
    with db.connect() as con:
        for inp in inputs:
            cut = inp.display.find("!", prefix)
            base, sep, entry = (inp.display, "", "") if cut < 0 else (inp.display[:cut], "!", inp.display[cut + 1:])
            row = by_path[base]
            if not sep:
                out[inp.display] = (row["id"], True)
                continue
            sha = _sha256_file(inp.path)
            fid = _insert(con, r, job_id=job_id, name=display_name(entry), display=f"{row['display']}!{entry}",
                          stored=None, sha=sha, size=inp.size, via="archive", parent=row["id"], sender=row["sender"],
                          received_at=row["received_at"])
            dup = con.execute("SELECT state FROM files WHERE id = ?", (fid,)).fetchone()["state"] == "duplicate"
            out[inp.display] = (fid, not dup)
            archives[row["id"]] = archives.get(row["id"], 0) + 1
        for zid, n in archives.items():
            con.execute("UPDATE files SET state = 'container', status = 'archive', note = ? WHERE id = ?",
                        (t(f"压缩包，含 {n} 个文件", f"an archive of {n} files"), zid))
    return out


def _clean(text, stored_names: dict[str, str]):
    """A message or value with the stored file's path replaced by the name it was sent with."""
    if not isinstance(text, str):
        return text
    for path, shown in stored_names.items():
        if path in text:
            text = text.replace(path, shown)
    return text


def _record_checked(db: Database, r: Round, fid: int, c: Checked, stored_names: dict[str, str]) -> None:
    row = db.one("SELECT display, stored FROM files WHERE id = ?", fid)
    code = c.report.unit_code
    attributed = c.attributed_by if c.unit is None else "identity"
    if c.unit is None and not code:
        code = unit_code_from_name(_basename(row["display"]), r.register)
        attributed = "name" if code else None
    readable = c.unit is not None
    locations = [[list(k), s, cell] for k, (s, cell) in (c.read.locations.items() if c.read else ())]
    with db.connect() as con:
        con.execute("DELETE FROM findings WHERE file_id = ?", (fid,))
        for pos, f in enumerate(c.report.findings):
            f.message, f.message_en = _clean(f.message, stored_names), _clean(f.message_en, stored_names)
            f.value = _clean(f.value, stored_names)
            values = finding_row(f)
            con.execute("INSERT INTO findings(file_id, scope, position, " + ", ".join(values) + ") VALUES (?,?,?,"
                        + ",".join("?" * len(values)) + ")", (fid, "file", pos, *values.values()))
        con.execute(
            "UPDATE files SET state = 'checked', status = ?, unit_code = ?, attributed_by = ?, budget_year = ?, "
            "framework = ?, readable = ?, unit_json = ?, locations_json = ?, modified = ?, cleaned_json = ?, "
            "errors = ?, warnings = ? WHERE id = ?",
            ("taken" if readable else "unreadable", code, attributed, c.unit.budget_year if readable else None,
             c.framework.id if readable and c.framework else None, int(readable),
             unit_json(c.unit) if readable else None, json.dumps(locations, ensure_ascii=False),
             c.read.modified if c.read else None, json.dumps(c.report.cleaned_cells, ensure_ascii=False),
             c.report.errors, c.report.warnings, fid))


def _record_other(db: Database, r: Round, fid: int, o: InputFile) -> None:
    what = o.what or t("不是电子表格的文件", "not a spreadsheet")
    note = t(f"不是电子表格（{what}），未作审核", f"not a spreadsheet ({what}); not checked")
    db.run("UPDATE files SET state = 'other', status = 'other', note = ? WHERE id = ?", note, fid)


def _account_for_rest(db: Database, job_id: int) -> None:
    """A file the run did not return (it never should): recorded as unreadable, never left waiting."""
    db.run("UPDATE files SET state = 'checked', status = 'unreadable', note = ? WHERE job_id = ? AND state = 'pending'",
           t("未能读取，请重新上传", "could not be read; upload it again"), job_id)


def _closing(db: Database, job_id: int) -> str:
    rows = db.all("SELECT status, COUNT(*) AS n FROM files WHERE job_id = ? GROUP BY status", job_id)
    counts = {row["status"]: row["n"] for row in rows}
    from .records import file_status_label

    shown = t("，", ", ").join(f"{file_status_label(k)} {n}" for k, n in sorted(counts.items()))
    total = sum(counts.values())
    return t(f"审核完成：共 {total} 个文件（{shown}）", f"Checked: {total} files ({shown})")


# ------------------------------------------------------------------------------------------ the round


def _stamp(text: str) -> float:
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return 0.0


def recompute_round(db: Database, r: Round) -> None:
    """The checks across the round (X04 which copy is taken, X01, X02) over every checked file, as
    ``consolidate`` decides them, and each file's status; the round's findings replaced."""
    rows = db.all("SELECT * FROM files WHERE round_id = ? AND state = 'checked' ORDER BY id", r.id)
    file_findings: dict[int, list] = {}
    for f in db.all("SELECT findings.* FROM findings JOIN files ON files.id = findings.file_id "
                    "WHERE files.round_id = ? AND scope = 'file' ORDER BY file_id, position", r.id):
        file_findings.setdefault(f["file_id"], []).append(finding_from_row(f))
    checked: list[tuple[int, Checked, int]] = []
    for row in rows:
        found = file_findings.get(row["id"], [])
        report = FileReport(row["display"], row["unit_code"], list(found))
        c = Checked(row["display"], report, mtime=_stamp(row["received_at"]))
        if row["readable"]:
            c.unit = unit_from_json(row["unit_json"])
            c.framework = framework_for(r, row["framework"])
            locations = {tuple(k): (s, cell) for k, s, cell in json.loads(row["locations_json"] or "[]")}
            c.read = ReadResult(row["display"], unit=c.unit, locations=locations, modified=row["modified"])
        checked.append((row["id"], c, len(found)))
    run = CheckRun(files=[c for _, c, _ in checked])
    reg = r.register

    def eligible(c: Checked) -> bool:
        return (c.unit is not None and c.unit.unit.code in reg and c.unit.budget_year == r.budget_year
                and form_of_unit(c.unit) == r.form)

    taken = {id(c) for c in check_across(run, eligible)}
    with db.connect() as con:
        con.execute("DELETE FROM findings WHERE scope = 'round' AND file_id IN (SELECT id FROM files WHERE round_id = ?)",
                    (r.id,))
        for fid, c, n in checked:
            for pos, f in enumerate(c.report.findings[n:], start=n):
                values = finding_row(f)
                con.execute("INSERT INTO findings(file_id, scope, position, " + ", ".join(values) + ") VALUES (?,?,?,"
                            + ",".join("?" * len(values)) + ")", (fid, "round", pos, *values.values()))
            con.execute("UPDATE files SET status = ?, note = ?, errors = ?, warnings = ? WHERE id = ?",
                        (*_status(c, taken, reg, r.budget_year, r.form), c.report.errors, c.report.warnings, fid))


def framework_for(r: Round, fid: str | None):
    """The framework a recorded file was read with: the round's, or a shipped one by its id (never a path)."""
    if fid == r.framework_id or not fid:
        return r.framework
    try:
        return shipped_framework(fid)
    except FrameworkError:
        return r.framework


def _status(c: Checked, taken: set[int], reg: dict, year: int, form: str = "goals") -> tuple[str, str]:
    """What became of a checked file, as consolidation says it (status key, note)."""
    if c.unit is None:
        reason = next((f.message for f in c.report.findings if f.code.startswith("S")), "")
        return "unreadable", reason
    if c.unit.unit.code not in reg:
        return "not_in_register", t(f"单位 {c.unit.unit.code} 不在项目清单中", f"unit {c.unit.unit.code} is not in the register")
    sent = form_of_unit(c.unit)
    if sent != form:
        en = {k: names[1] for k, names in ROUND_FORMS.items()}
        return "other_form", t(f"这是{FORMS.get(sent, sent)}，本轮收的是{FORMS.get(form, form)}",
                               f"a {en.get(sent, sent)} workbook; this round collects {en.get(form, form)} workbooks")
    if c.unit.budget_year != year:
        return "other_year", t(f"{c.unit.budget_year} 年度的工作簿，本轮为 {year} 年度",
                               f"a workbook of {c.unit.budget_year}; this round is {year}")
    if id(c) in taken:
        return "taken", ""
    return "superseded", t(f"已采用较新的 {c.superseded_by}", f"the newer {c.superseded_by} was taken") if c.superseded_by else ""
