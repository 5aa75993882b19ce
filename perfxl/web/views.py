"""What the pages and the API show, read from the database: the same dicts for both.

A file's report is the library's own ``FileReport.to_dict()`` (the shape ``perfxl check --format
json`` prints per file), rebuilt from the recorded findings, with keys added, never removed: ``id``,
``name``, ``received_at``, ``status``… Its ``path`` is the name the file was sent with, never where
it is stored. The round's findings are a ``Report.to_dict()``.

A register unit's state on the board:

* 未报送 (missing): nothing received that belongs to it;
* 已报送 (received): a file of it is waiting to be checked;
* 已退回 (returned): the office marked it returned, and nothing came from the unit since;
* 通过 (passed) / 不通过 (failed): the file taken for it (the newest, as consolidation decides) has no
  error / has errors; a unit whose files could all not be read, or are of another year, has not passed.
"""
from __future__ import annotations

import json
from typing import Any

from ..findings import FileReport, Report
from ..i18n import lang, t
from .db import Database
from .records import (UNIT_STATUS, file_status_label, finding_from_row, form_label, unit_status_label)
from .rounds import NotFound, Round

__all__ = ["round_status", "unit_rows", "unit_detail", "file_report", "round_report", "file_rows",
           "findings_by_sheet", "departments", "job_row"]

# Files that are a unit's submission (not its cover letter, not an archive or mail holding them).
_SUBMISSION_STATES = ("pending", "checked", "duplicate", "refused")


def _file_extra(row: Any) -> dict:
    return {"id": row["id"], "name": row["display"], "received_at": row["received_at"], "via": row["via"],
            "sender": row["sender"], "sha256": row["sha256"], "size": row["size"], "state": row["state"],
            "status": row["status"], "status_label": file_status_label(row["status"]), "note": row["note"],
            "parent_id": row["parent_id"], "duplicate_of": row["duplicate_of"], "budget_year": row["budget_year"],
            "readable": bool(row["readable"]), "attributed_by": row["attributed_by"]}


def _findings(db: Database, file_ids: list[int]) -> dict[int, list]:
    out: dict[int, list] = {fid: [] for fid in file_ids}
    if not file_ids:
        return out
    marks = ",".join("?" * len(file_ids))
    for row in db.all(f"SELECT * FROM findings WHERE file_id IN ({marks}) ORDER BY file_id, position", *file_ids):
        out[row["file_id"]].append(finding_from_row(row))
    return out


def _report(row: Any, found: list) -> FileReport:
    cleaned = [tuple(x) for x in json.loads(row["cleaned_json"] or "[]")]
    return FileReport(row["display"], row["unit_code"], list(found), cleaned_cells=cleaned)


def file_report(db: Database, r: Round, fid: int) -> dict:
    """One file: ``FileReport.to_dict()`` plus what the round knows of it."""
    row = db.one("SELECT * FROM files WHERE id = ? AND round_id = ?", fid, r.id)
    if row is None:
        raise NotFound(t(f"本轮没有编号为 {fid} 的文件", f"no file {fid} in this round"))
    found = _findings(db, [fid])[fid]
    return {**_report(row, found).to_dict(), **_file_extra(row)}


def round_report(db: Database, r: Round, *, current: bool = False) -> dict:
    """Every checked file's report as one ``Report.to_dict()`` (the JSON of ``perfxl check``), other
    files listed by name; ``current`` keeps only the file taken for each unit."""
    where = "status = 'taken'" if current else "state = 'checked'"
    rows = db.all(f"SELECT * FROM files WHERE round_id = ? AND {where} ORDER BY id", r.id)
    found = _findings(db, [row["id"] for row in rows])
    reports = [_report(row, found[row["id"]]) for row in rows]
    others = [] if current else [row["display"] for row in db.all(
        "SELECT display FROM files WHERE round_id = ? AND state = 'other' ORDER BY id", r.id)]
    out = Report(reports, others).to_dict()
    for d, row in zip(out["files"], rows):
        d.update(_file_extra(row))
    return out


def file_rows(db: Database, r: Round) -> list[dict]:
    """Every received file with what became of it (收件's list): newest upload first, each followed by
    the files its archive or e-mail held."""
    rows = [{**_file_extra(row), "unit_code": row["unit_code"], "errors": row["errors"], "warnings": row["warnings"]}
            for row in db.all("SELECT * FROM files WHERE round_id = ? ORDER BY id", r.id)]
    children: dict[int, list[dict]] = {}
    for row in rows:
        if row["parent_id"] is not None:
            children.setdefault(row["parent_id"], []).append(row)
    out: list[dict] = []

    def put(row: dict, depth: int) -> None:
        out.append({**row, "depth": depth, "short_name": row["name"].rsplit("!", 1)[-1] if depth else row["name"]})
        for child in children.get(row["id"], []):
            put(child, depth + 1)

    for row in reversed(rows):  # newest upload first, each followed by what it held
        if row["parent_id"] is None:
            put(row, 0)
    return out


def _unit_states(db: Database, r: Round) -> dict[str, dict]:
    marks = ",".join("?" * len(_SUBMISSION_STATES))
    files: dict[str, list] = {}
    for row in db.all(f"SELECT id, unit_code, state, status, errors, warnings, received_at, display, note FROM files "
                      f"WHERE round_id = ? AND unit_code IS NOT NULL AND state IN ({marks}) ORDER BY id",
                      r.id, *_SUBMISSION_STATES):
        files.setdefault(row["unit_code"], []).append(row)
    decisions: dict[str, Any] = {}
    for row in db.all("SELECT * FROM decisions WHERE round_id = ? ORDER BY id", r.id):
        decisions[row["unit_code"]] = row
    out = {}
    for code, rows in files.items():
        last = max(row["received_at"] for row in rows)
        taken = next((row for row in rows if row["status"] == "taken"), None)
        shown = taken or rows[-1]
        decision = decisions.get(code)
        if any(row["state"] == "pending" for row in rows):
            status = "received"
        elif decision is not None and decision["action"] == "returned" and decision["at"] >= last:
            status = "returned"
        elif taken is not None:
            status = "passed" if taken["errors"] == 0 else "failed"
        else:
            status = "failed"
        out[code] = {"status": status, "errors": shown["errors"], "warnings": shown["warnings"], "last_received": last,
                     "files": len(rows), "taken_file": taken["id"] if taken else None,
                     "note": "" if taken else shown["note"]}
    return out


def unit_rows(db: Database, r: Round, *, status: str | None = None, department: str | None = None,
              q: str | None = None) -> list[dict]:
    """Every unit of the register with its state, filtered (status key, 主管部门 code, text in the code
    or name)."""
    states = _unit_states(db, r)
    rows = []
    for u in db.all("SELECT * FROM register_units WHERE round_id = ? ORDER BY position", r.id):
        s = states.get(u["unit_code"], {"status": "missing", "errors": 0, "warnings": 0, "last_received": None,
                                        "files": 0, "taken_file": None, "note": ""})
        row = {"unit_code": u["unit_code"], "unit_name": u["unit_name"], "department_code": u["department_code"],
               "department_name": u["department_name"], "projects": u["projects"], "budget": u["budget"], **s,
               "status_label": unit_status_label(s["status"])}
        rows.append(row)
    if status:
        rows = [x for x in rows if x["status"] == status]
    if department:
        rows = [x for x in rows if x["department_code"] == department or x["department_name"] == department]
    if q and q.strip():
        needle = q.strip().casefold()
        rows = [x for x in rows if needle in x["unit_code"].casefold() or needle in x["unit_name"].casefold()
                or needle in x["department_name"].casefold()]
    return rows


def departments(db: Database, r: Round) -> list[dict]:
    return [dict(row) for row in db.all(
        "SELECT department_code AS code, department_name AS name, COUNT(*) AS units FROM register_units "
        "WHERE round_id = ? GROUP BY department_code, department_name ORDER BY MIN(position)", r.id)]


def round_status(db: Database, r: Round) -> dict:
    """The round at a glance (the API's round status)."""
    units = unit_rows(db, r)
    by_status = {k: 0 for k in UNIT_STATUS}
    for u in units:
        by_status[u["status"]] += 1
    files = {row["status"]: row["n"] for row in db.all(
        "SELECT status, COUNT(*) AS n FROM files WHERE round_id = ? GROUP BY status", r.id)}
    received = db.one("SELECT COUNT(*) FILTER (WHERE parent_id IS NULL) AS n, MAX(id) AS last FROM files "
                      "WHERE round_id = ?", r.id)
    running = db.all("SELECT * FROM jobs WHERE round_id = ? AND state IN ('queued', 'running') ORDER BY id", r.id)
    summary = db.one("SELECT made_at, files, last_file FROM summaries WHERE round_id = ?", r.id)
    register = db.one("SELECT COUNT(*) AS units, SUM(projects) AS projects, SUM(budget) AS budget FROM register_units "
                      "WHERE round_id = ?", r.id)
    templates = db.one("SELECT COUNT(*) AS n FROM templates WHERE round_id = ?", r.id)["n"]
    last_job = db.one("SELECT MAX(id) AS id FROM jobs WHERE round_id = ? AND state IN ('done', 'failed')", r.id)["id"]
    decisions = db.one("SELECT COUNT(*) AS n FROM decisions WHERE round_id = ?", r.id)["n"]
    return {
        "id": r.id, "form": r.form, "form_label": form_label(r.form), "budget_year": r.budget_year,
        "framework": r.framework_id, "signature_method": r.signature_method, "created_at": r.created_at,
        "register": {"name": r.register_name, "units": register["units"], "projects": register["projects"] or 0,
                     "budget": register["budget"] or 0},
        "templates": templates, "notes": r.notes,
        "units": {"expected": len(units), "by_status": by_status,
                  "labels": {k: unit_status_label(k) for k in UNIT_STATUS}},
        "files": {"received": received["n"], "pending": files.get("pending", 0), "by_status": files},
        "jobs": {"running": [job_row(j) for j in running]},
        "summary": {**dict(summary), "behind": (received["last"] or 0) > summary["last_file"]} if summary else None,
        # changes whenever something the board shows changes: the page reloads when it does
        "version": f"{received['last'] or 0}.{last_job or 0}.{decisions}.{len(running)}",
    }


def job_row(row: Any) -> dict:
    from .jobs import job_dict

    return job_dict(row)


def findings_by_sheet(report: dict) -> list[dict]:
    """A file's findings grouped by sheet (the whole file first, then sheets by their worst finding)."""
    order = {"error": 0, "warning": 1, "info": 2}
    groups: dict[str, list] = {}
    for f in report["findings"]:
        text = f["message"] if lang() != "en" else f["message_en"]
        for prefix in (f"【{f['sheet']}{' ' + f['cell'] if f['cell'] else ''}】", f"[{f['sheet']}{'!' + f['cell'] if f['cell'] else ''}] "):
            if f["sheet"] and text.startswith(prefix):
                text = text[len(prefix):]  # the group and the cell column say where
        groups.setdefault(f["sheet"] or "", []).append({**f, "text": text})
    out = [{"sheet": sheet or t("整个文件", "the whole file"), "findings": items,
            "errors": sum(f["severity"] == "error" for f in items),
            "warnings": sum(f["severity"] == "warning" for f in items)}
           for sheet, items in groups.items()]
    return sorted(out, key=lambda g: (g["sheet"] != t("整个文件", "the whole file"),
                                      min(order[f["severity"]] for f in g["findings"]), g["sheet"]))


def unit_detail(db: Database, r: Round, code: str, file_id: int | None = None) -> dict:
    """One unit: its state, the report of its taken file (or of ``file_id``), every file it sent and
    the office's decisions."""
    units = {u["unit_code"]: u for u in unit_rows(db, r)}
    unit = units.get(code)
    if unit is None:
        raise NotFound(t(f"项目清单中没有单位 {code[:40]}", f"no unit {code[:40]} in the register"))
    history = [{**_file_extra(row), "errors": row["errors"], "warnings": row["warnings"]} for row in db.all(
        "SELECT * FROM files WHERE round_id = ? AND unit_code = ? AND state != 'container' ORDER BY id DESC", r.id, code)]
    shown = file_id if file_id is not None else unit["taken_file"]
    if shown is None and history:
        shown = next((h["id"] for h in history if h["state"] == "checked"), None)
    report = None
    if shown is not None:
        if not any(h["id"] == shown for h in history):
            raise NotFound(t(f"单位 {code} 没有编号为 {shown} 的文件", f"unit {code} has no file {shown}"))
        report = file_report(db, r, shown)
    decisions = [dict(row) for row in db.all(
        "SELECT * FROM decisions WHERE round_id = ? AND unit_code = ? ORDER BY id DESC", r.id, code)]
    return {"unit": unit, "report": report, "groups": findings_by_sheet(report) if report else [],
            "submissions": history, "decisions": decisions}
