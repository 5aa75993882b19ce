"""The round's state in one SQLite file inside the round folder (stdlib ``sqlite3``, no server).

Why SQLite: the office's PC has no database server and must not need one; one file beside the
returns is copied, backed up and moved with the folder, and a restart of ``perfxl serve`` reads it
back as it was (every write is committed before the page answers). The files themselves stay in the
folder (``received/`` by content hash, ``templates/``, ``summary/``); the database records what they
are: the register's units, the issued templates with their signatures, every received file (its name
as the office saw it, SHA-256, time received, sender when it came by e-mail, what became of it), the
findings of each file, the office's decisions and the jobs.

One folder may hold several rounds side by side: ``rounds.form`` says which form a round collects
(``goals`` now, a self-evaluation form later), and every other table hangs off a round id.

Each call opens its own connection (``connect``): the pages, the API and the checking thread then
never share one across threads; WAL mode lets a page read while a check is being recorded.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

__all__ = ["DB_NAME", "SCHEMA_VERSION", "Database", "now"]

DB_NAME = "perfxl-round.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rounds (
    id INTEGER PRIMARY KEY,
    form TEXT NOT NULL,                 -- 'goals' (绩效目标); a self-evaluation form will sit beside it
    budget_year INTEGER NOT NULL,
    framework TEXT NOT NULL,
    folder TEXT NOT NULL UNIQUE,        -- relative to the round folder, made by perfxl (never from a request)
    register_file TEXT NOT NULL,        -- relative path of the stored register
    register_name TEXT NOT NULL,        -- the name it was uploaded under (shown only)
    key_file TEXT,                      -- relative path of the signing key, when the round has one
    signature_method TEXT NOT NULL,
    password INTEGER NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '[]',   -- JSON list: what the register left out, said when generating
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS register_units (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    unit_code TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    department_code TEXT NOT NULL DEFAULT '',
    department_name TEXT NOT NULL DEFAULT '',
    projects INTEGER NOT NULL,
    budget REAL NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (round_id, unit_code)
);
CREATE TABLE IF NOT EXISTS templates (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    unit_code TEXT NOT NULL,
    file TEXT NOT NULL,                 -- relative path of the issued workbook
    sha256 TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_version TEXT NOT NULL,
    signature_method TEXT NOT NULL,
    signature TEXT NOT NULL,
    issued_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    kind TEXT NOT NULL,                 -- 'check' or 'summary'
    state TEXT NOT NULL,                -- 'queued', 'running', 'done', 'failed'
    total INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    message_en TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    parent_id INTEGER REFERENCES files(id),   -- the archive or e-mail it came in
    job_id INTEGER REFERENCES jobs(id),
    name TEXT NOT NULL,                 -- as the office saw it (shown only, never a path)
    display TEXT NOT NULL,              -- name inside its archive or e-mail: "邮件附件.zip!报送/108001.xlsx"
    stored TEXT,                        -- relative path in the round folder (content hash), NULL for an entry
    sha256 TEXT,
    size INTEGER NOT NULL DEFAULT 0,
    received_at TEXT NOT NULL,
    via TEXT NOT NULL,                  -- 'upload', 'archive', 'mail'
    sender TEXT,
    mail_subject TEXT,
    mail_date TEXT,
    state TEXT NOT NULL,                -- 'pending', 'checked', 'other', 'container', 'duplicate', 'refused'
    status TEXT NOT NULL,               -- what became of it (see records.FILE_STATUS)
    note TEXT NOT NULL DEFAULT '',
    note_en TEXT NOT NULL DEFAULT '',
    duplicate_of INTEGER REFERENCES files(id),
    unit_code TEXT,
    attributed_by TEXT,
    budget_year INTEGER,
    framework TEXT,
    readable INTEGER NOT NULL DEFAULT 0,
    unit_json TEXT,                     -- the unit as read (records.to_plain), for the checks across files
    locations_json TEXT,
    modified TEXT,                      -- the workbook's own last-saved time
    cleaned_json TEXT NOT NULL DEFAULT '[]',
    errors INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS files_round ON files(round_id, unit_code);
CREATE INDEX IF NOT EXISTS files_sha ON files(round_id, sha256);
CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id),
    scope TEXT NOT NULL,                -- 'file' (the file alone) or 'round' (X01, X02, X04: across files)
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    sheet TEXT,
    cell TEXT,
    project_code TEXT,
    message TEXT NOT NULL,
    message_en TEXT NOT NULL,
    value_json TEXT,
    explained INTEGER NOT NULL DEFAULT 0,
    explanation TEXT,
    params_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS findings_file ON findings(file_id);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    unit_code TEXT NOT NULL,
    file_id INTEGER REFERENCES files(id),
    action TEXT NOT NULL,               -- 'returned' (退回), 'cancelled' (撤销退回)
    note TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS summaries (
    round_id INTEGER PRIMARY KEY REFERENCES rounds(id),
    made_at TEXT NOT NULL,
    files INTEGER NOT NULL,             -- how many stored files were read
    last_file INTEGER NOT NULL,         -- the newest file id then: a newer one means the summary is behind
    workbook TEXT NOT NULL,
    csv_folder TEXT NOT NULL,
    charts_json TEXT NOT NULL
);
"""


def now() -> str:
    """The time as stored: ISO 8601 in UTC, always to the microsecond, so that it sorts as text and two
    uploads a moment apart are told apart."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class Database:
    """The SQLite file of one round folder; created with its tables on first use."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = self.folder / DB_NAME
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.connect() as con:
            con.executescript(_SCHEMA)
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None:
                con.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one unit of work: committed when the block ends, rolled back on an error."""
        con = sqlite3.connect(self.path, timeout=30)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        try:
            with con:
                yield con
        finally:
            con.close()

    def one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        with self.connect() as con:
            return con.execute(sql, args).fetchone()

    def all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self.connect() as con:
            return con.execute(sql, args).fetchall()

    def run(self, sql: str, *args: Any) -> int:
        """Execute one statement; the new row's id for an INSERT."""
        with self.connect() as con:
            return int(con.execute(sql, args).lastrowid or 0)
