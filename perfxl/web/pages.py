"""The pages, in Chinese: 新建一轮, 概况, 收件, 看板, a unit's page, 汇总, 规则; and the downloads.

Every page works without script (forms post, then redirect); ``static/app.js`` adds drag and drop,
the progress bars and the board's live refresh. A download is found by ids in the database, never
by a path or name from the request.
"""
from __future__ import annotations

import io
import json
import zipfile

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..consolidate import FORMS as FORM_TITLES
from ..frameworks import DEFAULT_FRAMEWORK, list_frameworks, load_framework
from ..generate import default_budget_year
from ..i18n import t
from .actions import create_from_form, decide, read_form, upload_from_form
from .app import XLSX, download, render, web
from .charts import PALETTE, donut, grouped_hbars, hbars
from .jobs import job_dict
from .records import FORMS, UNIT_STATUS, finding_from_row, unit_from_json
from .rounds import KEY_MODES, NotFound, get_round, list_rounds, templates_zip
from .summarize import SUMMARY_NAME, csv_path, parquet_path
from .views import departments, file_rows, round_status, unit_detail, unit_rows

__all__ = ["page_routes"]


def _round(request: Request):
    return get_round(web(request).db, request.path_params["rid"])


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def index(request: Request):
    db = web(request).db
    rounds = list_rounds(db)
    if not rounds:
        return _see("/new")
    return render(request, "index.html", round=None, rounds=[round_status(db, r) for r in rounds])


async def new(request: Request):
    error = None
    if request.method == "POST":
        from ..errors import PerfxlError

        try:
            r = await create_from_form(request)
            return _see(f"/r/{r.id}")
        except PerfxlError as e:  # shown on the form, the clerk's choices kept
            error = str(e)
    db = web(request).db
    return render(request, "new.html", http_status=400 if error else 200, round=None, error=error,
                  frameworks=list_frameworks(), default_framework=DEFAULT_FRAMEWORK, year=default_budget_year(),
                  forms=FORMS, key_modes=KEY_MODES, goal_rounds=goal_rounds(db))


def goal_rounds(db) -> list[dict]:
    """The goals rounds a self-evaluation can be made from, newest first, with how many units they adopted."""
    out = []
    for r in reversed(list_rounds(db)):
        if r.form == "goals":
            adopted = db.one("SELECT COUNT(DISTINCT unit_code) AS n FROM files WHERE round_id = ? AND status = 'taken'",
                             r.id)["n"]
            out.append({**round_status(db, r), "adopted": adopted})
    return out


async def overview(request: Request):
    r = _round(request)
    db = web(request).db
    templates = db.all("SELECT templates.*, register_units.unit_name FROM templates JOIN register_units ON "
                       "register_units.round_id = templates.round_id AND register_units.unit_code = templates.unit_code "
                       "WHERE templates.round_id = ? ORDER BY register_units.position", r.id)
    return render(request, "round.html", round=r, page="round", status=round_status(db, r), templates=templates)


async def templates_download(request: Request):
    r = _round(request)
    data = await run_in_threadpool(templates_zip, web(request).db, r)
    return download(data, f"{r.budget_year}年{FORM_TITLES.get(r.form, '')}模板.zip", "application/zip")


async def inbox(request: Request):
    r = _round(request)
    st = web(request)
    if request.method == "POST":
        jid, _ = await upload_from_form(request, r)
        return _see(f"/r/{r.id}/inbox?job={jid}")
    job = None
    jid = request.query_params.get("job", "")
    if jid.isdigit():
        row = st.db.one("SELECT * FROM jobs WHERE id = ? AND round_id = ?", int(jid), r.id)
        job = job_dict(row) if row else None
    files = file_rows(st.db, r)
    unassigned = [f for f in files if not f["unit_code"] and f["state"] in ("checked", "refused")]
    return render(request, "inbox.html", round=r, page="inbox", job=job, files=files, unassigned=unassigned,
                  status=round_status(st.db, r))


async def board(request: Request):
    r = _round(request)
    db = web(request).db
    q = request.query_params
    status = q.get("status") if q.get("status") in UNIT_STATUS else ""
    rows = unit_rows(db, r, status=status or None, department=q.get("department") or None, q=q.get("q") or None)
    return render(request, "board.html", round=r, page="board", units=rows, status=round_status(db, r),
                  chosen={"status": status, "department": q.get("department", ""), "q": q.get("q", "")},
                  departments=departments(db, r), statuses=UNIT_STATUS)


async def unit(request: Request):
    r = _round(request)
    fid = request.query_params.get("file", "")
    detail = unit_detail(web(request).db, r, request.path_params["code"], int(fid) if fid.isdigit() else None)
    return render(request, "unit.html", round=r, page="board", **detail)


async def decision(request: Request):
    r = _round(request)
    code = request.path_params["code"]
    form = await read_form(request, max_files=0)
    decide(request, r, code, str(form.get("action", "")), str(form.get("note", "")))
    return _see(f"/r/{r.id}/units/{code}")


async def annotated(request: Request):
    """The annotated return of one readable file: the unit's data as read (of its form), every finding marked."""
    from ..check import _writer_of as writer_of  # the form's writer, as check --annotate uses
    from .intake import framework_for

    r = _round(request)
    db = web(request).db
    row = db.one("SELECT * FROM files WHERE id = ? AND round_id = ?", request.path_params["fid"], r.id)
    if row is None or not row["readable"]:
        raise NotFound(t("此文件无法读取，没有标注退回工作簿；请让单位重新报送",
                         "this file could not be read: there is no annotated return"))
    found = [finding_from_row(f) for f in db.all("SELECT * FROM findings WHERE file_id = ? ORDER BY position", row["id"])]
    unit_data = unit_from_json(row["unit_json"])
    data = await run_in_threadpool(writer_of(unit_data), unit_data, framework_for(r, row["framework"]), key=r.key,
                                   findings=found)
    stem = row["display"].rsplit("!", 1)[-1].rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return download(data, f"{stem}_审核意见.xlsx", XLSX)


async def original(request: Request):
    r = _round(request)
    db = web(request).db
    row = db.one("SELECT * FROM files WHERE id = ? AND round_id = ? AND stored IS NOT NULL", request.path_params["fid"], r.id)
    if row is None:
        raise NotFound(t("没有保存此文件（压缩包中的文件请下载压缩包）", "this file is not kept on its own (download its archive)"))
    name = row["display"].rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    data = await run_in_threadpool((db.folder / row["stored"]).read_bytes)
    return download(data, name, "application/octet-stream")


def _charts(charts: dict) -> dict:
    """The page's charts from the summary's figures: a goals round's, or a self-evaluation round's
    (自评等级分布 and 执行率 by 主管部门 in place of the budget by 主管部门)."""
    overview = {row["项目"]: row["数值"] for row in charts["overview"]}
    states = [(t("通过", "passed"), overview.get("通过（无错误）", 0) or 0, PALETTE["passed"]),
              (t("有错误", "with errors"), overview.get("有错误", 0) or 0, PALETTE["failed"]),
              (t("无法读取", "unreadable"), overview.get("已报送（无法读取）", 0) or 0, PALETTE["unreadable"]),
              (t("未报送", "not sent"), overview.get("未报送", 0) or 0, PALETTE["missing"])]
    depts = charts["departments"]
    rules = [(f"{row['代码']} {row['规则']}", row["次数"] or 0) for row in charts["rules"] if row["次数"]][:15]
    shown = {"states": donut(t("应报单位", "units"), states), "rules": hbars(t("问题按规则", "Findings by rule"), rules),
             "overview": charts["overview"]}
    if "grades" in charts:  # a self-evaluation round
        colours = [PALETTE["passed"], PALETTE["blue"], PALETTE["unreadable"], PALETTE["failed"]]
        grades = charts["grades"]
        shown["grades"] = donut(t("项目", "projects"), [
            (g["自评等级"], g["项目数"] or 0, PALETTE["missing"] if i == len(grades) - 1 else colours[min(i, 3)])
            for i, g in enumerate(grades)])
        shown["rates"] = hbars(t("各主管部门预算执行率（%）", "Budget execution by department (%)"),
                               [(d["主管部门名称"] or t("（未填主管部门）", "(no department)"), d["执行率(%)"])
                                for d in depts if d["执行率(%)"] is not None],  # a 主管部门 with no return: no bar
                               full=100)
        return shown
    return {
        **shown,
        "departments": grouped_hbars(
            t("各主管部门预算数（万元）", "Budget by department"),
            [d["主管部门名称"] or t("（未填主管部门）", "(no department)") for d in depts],
            [(t("清单预算数", "register"), [d["清单预算数"] or 0 for d in depts], PALETTE["blue"]),
             (t("已报送预算数", "sent"), [d["已报送预算数"] or 0 for d in depts], PALETTE["orange"])]),
    }


async def summary(request: Request):
    r = _round(request)
    st = web(request)
    if request.method == "POST":
        await read_form(request, max_files=0)
        jid = st.worker.submit(r.id, "summary")
        st.worker.start_job(jid)
        return _see(f"/r/{r.id}/summary?job={jid}")
    row = st.db.one("SELECT * FROM summaries WHERE round_id = ?", r.id)
    job_row = st.db.one("SELECT * FROM jobs WHERE round_id = ? AND kind = 'summary' ORDER BY id DESC LIMIT 1", r.id)
    from ..summary import csv_names

    return render(request, "summary.html", round=r, page="summary", summary=row,
                  charts=_charts(json.loads(row["charts_json"])) if row else None,
                  job=job_dict(job_row) if job_row else None, csv_names=csv_names(r.form), status=round_status(st.db, r))


def _summary_row(request: Request):
    r = _round(request)
    row = web(request).db.one("SELECT * FROM summaries WHERE round_id = ?", r.id)
    if row is None:
        raise NotFound(t("尚未生成汇总：请在“汇总”页点击“生成汇总”", "no summary yet: build it on the summary page"))
    return r, row


async def summary_workbook(request: Request):
    r, row = _summary_row(request)
    data = await run_in_threadpool((web(request).db.folder / row["workbook"]).read_bytes)
    return download(data, f"{r.budget_year}年{SUMMARY_NAME}", XLSX)


async def summary_csv(request: Request):
    r, row = _summary_row(request)
    path = csv_path(web(request).db, row, request.path_params["table"], r.form)
    if path is None:
        raise NotFound(t("没有这个表", "no such table"))
    return download(path.read_bytes(), path.name, "text/csv; charset=utf-8")


def _tables_zip(request: Request, path_of, label: str):
    """Every table of the round's summary in one zip: the CSV or the Parquet files."""
    from ..summary import csv_names

    r, row = _summary_row(request)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for key in csv_names(r.form):
            path = path_of(web(request).db, row, key, r.form)
            zf.write(path, path.name)
    return download(buf.getvalue(), f"{r.budget_year}年汇总表{label}.zip", "application/zip")


async def summary_csv_zip(request: Request):
    return _tables_zip(request, csv_path, "CSV")


async def summary_parquet_zip(request: Request):
    return _tables_zip(request, parquet_path, "Parquet")


async def rules(request: Request):
    from ..catalogue import SEVERITY_ZH
    from ..live import rules_catalogue

    r = None
    if "rid" in request.path_params:
        r = _round(request)
        fid = r.framework_id
    else:
        fid = request.query_params.get("framework") or DEFAULT_FRAMEWORK
        if fid not in list_frameworks():
            fid = DEFAULT_FRAMEWORK
    entries = rules_catalogue(load_framework(fid))
    for e in entries:
        e["setting_text"] = "" if not e["setting"] else (
            t("停用", "off") if e["setting"] == "off" else json.dumps(e["setting"], ensure_ascii=False))
    return render(request, "rules.html", round=r, page="rules", entries=entries, framework=fid,
                  frameworks=list_frameworks(), severity=SEVERITY_ZH)


async def static(request: Request):
    item = web(request).static.get(request.path_params["name"])
    if item is None:
        raise NotFound(t("没有这个文件", "no such file"))
    data, kind, _ = item
    return Response(data, media_type=kind, headers={"cache-control": "public, max-age=86400"})


def page_routes() -> list[Route]:
    return [
        Route("/", index),
        Route("/new", new, methods=["GET", "POST"]),
        Route("/rules", rules),
        Route("/static/{name}", static),
        Route("/r/{rid:int}", overview),
        Route("/r/{rid:int}/templates.zip", templates_download),
        Route("/r/{rid:int}/inbox", inbox, methods=["GET", "POST"]),
        Route("/r/{rid:int}/board", board),
        Route("/r/{rid:int}/units/{code}", unit),
        Route("/r/{rid:int}/units/{code}/decision", decision, methods=["POST"]),
        Route("/r/{rid:int}/files/{fid:int}/annotated", annotated),
        Route("/r/{rid:int}/files/{fid:int}/original", original),
        Route("/r/{rid:int}/summary", summary, methods=["GET", "POST"]),
        Route("/r/{rid:int}/summary.xlsx", summary_workbook),
        Route("/r/{rid:int}/summary-csv.zip", summary_csv_zip),
        Route("/r/{rid:int}/summary-parquet.zip", summary_parquet_zip),
        Route("/r/{rid:int}/summary/csv/{table}", summary_csv),
        Route("/r/{rid:int}/rules", rules),
    ]
