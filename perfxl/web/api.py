"""The JSON API under /api: what the pages use, documented in the README.

Reports have the library's shapes: a file is ``FileReport.to_dict()`` (as in ``perfxl check --format
json``'s ``files``), the round's findings a ``Report.to_dict()``, the rules ``live.rules_catalogue``
(= ``perfxl rules --format json``); keys are added, never removed. A POST needs the CSRF token from
``GET /api/session`` in the ``X-CSRF-Token`` header (or a ``csrf`` form field).
"""
from __future__ import annotations

import json

from starlette.requests import Request
from starlette.routing import Route

from ..errors import PerfxlError
from ..frameworks import DEFAULT_FRAMEWORK, list_frameworks, load_framework
from ..i18n import t
from .actions import create_from_form, decide, upload_from_form
from .app import json_response, web
from .jobs import job_dict
from .records import UNIT_STATUS
from .rounds import NotFound, get_round, list_rounds
from .security import CSRF_HEADER, require_csrf
from .views import file_report, file_rows, round_report, round_status, unit_detail, unit_rows

__all__ = ["api_routes"]


def _round(request: Request):
    return get_round(web(request).db, request.path_params["rid"])


async def session(request: Request):
    return json_response({"csrf": web(request).csrf, "frameworks": list_frameworks(),
                          "default_framework": DEFAULT_FRAMEWORK})


async def rounds(request: Request):
    if request.method == "POST":
        r = await create_from_form(request)
        return json_response(round_status(web(request).db, r), 201)
    db = web(request).db
    return json_response({"rounds": [round_status(db, r) for r in list_rounds(db)]})


async def round_(request: Request):
    return json_response(round_status(web(request).db, _round(request)))


async def units(request: Request):
    q = request.query_params
    status = q.get("status") or None
    if status and status not in UNIT_STATUS:
        raise PerfxlError(t(f"未知的状态“{status[:20]}”：可用 {'、'.join(UNIT_STATUS)}",
                            f"unknown status '{status[:20]}': use {', '.join(UNIT_STATUS)}"))
    rows = unit_rows(web(request).db, _round(request), status=status, department=q.get("department") or None,
                     q=q.get("q") or None)
    return json_response({"units": rows})


async def unit(request: Request):
    fid = request.query_params.get("file")
    detail = unit_detail(web(request).db, _round(request), request.path_params["code"],
                         int(fid) if fid and fid.isdigit() else None)
    detail.pop("groups")
    return json_response(detail)


async def findings(request: Request):
    current = request.query_params.get("current") in ("1", "true", "yes")
    return json_response(round_report(web(request).db, _round(request), current=current))


async def files(request: Request):
    return json_response({"files": file_rows(web(request).db, _round(request))})


async def file_(request: Request):
    return json_response(file_report(web(request).db, _round(request), request.path_params["fid"]))


async def upload(request: Request):
    r = _round(request)
    jid, ids = await upload_from_form(request, r)
    db = web(request).db
    return json_response({"job": job_dict(db.one("SELECT * FROM jobs WHERE id = ?", jid)),
                          "files": [{k: row[k] for k in ("id", "display", "size", "sha256", "state", "status", "note")}
                                    for row in (db.one("SELECT * FROM files WHERE id = ?", i) for i in ids)]}, 202)


async def decisions(request: Request):
    r = _round(request)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise PerfxlError(t("请求内容不是有效的 JSON", "the request body is not valid JSON")) from None
    require_csrf(web(request).csrf, request.headers.get(CSRF_HEADER))
    if not isinstance(body, dict):
        raise PerfxlError(t("请求内容须为 JSON 对象", "the request body must be a JSON object"))
    did = decide(request, r, request.path_params["code"], str(body.get("action", "")), str(body.get("note", "")))
    return json_response({"id": did}, 201)


async def job(request: Request):
    row = web(request).db.one("SELECT * FROM jobs WHERE id = ?", request.path_params["jid"])
    if row is None:
        raise NotFound(t("没有这个任务", "no such job"))
    return json_response(job_dict(row))


async def summary(request: Request):
    r = _round(request)
    st = web(request)
    if request.method == "POST":
        require_csrf(st.csrf, request.headers.get(CSRF_HEADER))
        jid = st.worker.submit(r.id, "summary")
        st.worker.start_job(jid)
        return json_response({"job": job_dict(st.db.one("SELECT * FROM jobs WHERE id = ?", jid))}, 202)
    row = st.db.one("SELECT * FROM summaries WHERE round_id = ?", r.id)
    if row is None:
        return json_response({"summary": None})
    base = f"/r/{r.id}"
    return json_response({"summary": {"made_at": row["made_at"], "files": row["files"],
                                      "workbook": f"{base}/summary.xlsx", "csv": f"{base}/summary-csv.zip",
                                      "parquet": f"{base}/summary-parquet.zip", **json.loads(row["charts_json"])}})


async def rules(request: Request):
    from ..live import rules_catalogue

    fid = request.query_params.get("framework") or DEFAULT_FRAMEWORK
    if fid not in list_frameworks():
        raise NotFound(t(f"未知的指标体系“{fid[:40]}”", f"unknown framework '{fid[:40]}'"))
    return json_response(rules_catalogue(load_framework(fid)))


def api_routes() -> list[Route]:
    return [
        Route("/api/session", session),
        Route("/api/rules", rules),
        Route("/api/rounds", rounds, methods=["GET", "POST"]),
        Route("/api/rounds/{rid:int}", round_),
        Route("/api/rounds/{rid:int}/units", units),
        Route("/api/rounds/{rid:int}/units/{code}", unit),
        Route("/api/rounds/{rid:int}/units/{code}/decisions", decisions, methods=["POST"]),
        Route("/api/rounds/{rid:int}/findings", findings),
        Route("/api/rounds/{rid:int}/files", files),
        Route("/api/rounds/{rid:int}/files/{fid:int}", file_),
        Route("/api/rounds/{rid:int}/upload", upload, methods=["POST"]),
        Route("/api/rounds/{rid:int}/summary", summary, methods=["GET", "POST"]),
        Route("/api/jobs/{jid:int}", job),
    ]
