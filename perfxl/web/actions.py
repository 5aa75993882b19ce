"""What a page's form and the API's POST both do: create a round, take an upload, record a decision.

Each checks the CSRF token first (security.require_csrf), reads the request's fields without using
any of them as a path, and calls the library through rounds.py and intake.py.
"""
from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from ..errors import PerfxlError
from ..frameworks import DEFAULT_FRAMEWORK
from ..generate import default_budget_year
from ..i18n import t
from .app import MAX_FILES, web
from .db import now
from .intake import receive
from .rounds import KEY_MODES, Round, create_round, create_selfeval_round
from .security import CSRF_HEADER, require_csrf

__all__ = ["create_from_form", "upload_from_form", "decide", "read_form", "DECISIONS"]

DECISIONS = {"returned": ("已退回", "returned"), "cancelled": ("撤销退回", "return cancelled")}
MAX_NOTE = 500
MAX_REGISTER_BYTES = 20 * 1024 * 1024


async def read_form(request: Request, *, max_files: int = MAX_FILES) -> Any:
    """The request's form, its CSRF token checked; a form the parser refuses is a clear message."""
    try:
        form = await request.form(max_files=max_files, max_fields=50)
    except HTTPException as e:
        raise PerfxlError(t(f"上传内容无法处理：文件过多（一次最多 {max_files} 个）或内容不完整，请分批上传",
                            f"the upload cannot be handled: too many files (at most {max_files}) or incomplete")) from e
    require_csrf(web(request).csrf, form.get("csrf") or request.headers.get(CSRF_HEADER))
    return form


def _year(value: Any) -> int:
    text = str(value or "").strip()
    if not text:
        return default_budget_year()
    if not text.isdigit() or len(text) != 4:
        raise PerfxlError(t(f"预算年度“{text[:20]}”须为四位数字，如 2025", f"the budget year '{text[:20]}' must be four digits"))
    return int(text)


async def create_from_form(request: Request) -> Round:
    """新建一轮 from the form's register, year, framework, key choice and optional password; a
    self-evaluation round (``form=selfeval``) from the goals round the form names (``source_round``)."""
    form = await read_form(request, max_files=2)
    if str(form.get("form") or "goals") == "selfeval":
        try:
            return await _selfeval_from_form(request, form)
        finally:
            await form.close()
    register = form.get("register")
    if not isinstance(register, UploadFile) or not register.filename:
        raise PerfxlError(t("请选择项目清单文件（.xlsx 或 .csv）", "choose the register file (.xlsx or .csv)"))
    key_mode, key_data = await _key_choice(form)
    if (register.size or 0) > MAX_REGISTER_BYTES:
        raise PerfxlError(t(f"{register.filename}：项目清单文件过大（超过 {MAX_REGISTER_BYTES >> 20} MB），请检查是否选错文件",
                            f"{register.filename}: the register is too large (over {MAX_REGISTER_BYTES >> 20} MB)"))
    data = await register.read()
    try:
        return await run_in_threadpool(
            create_round, web(request).db, register_name=register.filename, register_data=data,
            budget_year=_year(form.get("budget_year")), framework=str(form.get("framework") or DEFAULT_FRAMEWORK),
            form=str(form.get("form") or "goals"), key_mode=key_mode, key_data=key_data,
            password=str(form.get("password") or "") or None)
    finally:
        await form.close()


async def _key_choice(form: Any) -> tuple[str, bytes | None]:
    key_mode = str(form.get("key_mode") or "none")
    if key_mode not in KEY_MODES:
        raise PerfxlError(t(f"未知的密钥方式“{key_mode[:20]}”", f"unknown key mode '{key_mode[:20]}'"))
    key_file = form.get("key_file")
    return key_mode, (await key_file.read(8192) if isinstance(key_file, UploadFile) and key_mode == "upload" else None)


async def _selfeval_from_form(request: Request, form: Any) -> Round:
    """新建绩效自评: the goals round chosen (an id of this folder's rounds, never a path), key, password."""
    source = str(form.get("source_round") or "").strip()
    if not source.isdigit():
        raise PerfxlError(t("请选择由哪一轮绩效目标生成绩效自评", "choose the goals round the self-evaluation is made from"))
    key_mode, key_data = await _key_choice(form)
    return await run_in_threadpool(create_selfeval_round, web(request).db, source_round=int(source), key_mode=key_mode,
                                   key_data=key_data, password=str(form.get("password") or "") or None)


async def upload_from_form(request: Request, r: Round) -> tuple[int, list[int]]:
    """Store and record every file of the form's ``files`` field, then queue their check; (job, file ids)."""
    form = await read_form(request)
    st = web(request)
    jid: int | None = None
    try:
        uploads = [v for k, v in form.multi_items()
                   if k == "files" and isinstance(v, UploadFile) and (v.filename or (v.size or 0) > 0)]
        if not uploads:
            raise PerfxlError(t("没有选择文件", "no file was chosen"))
        jid = st.worker.submit(r.id, "check")
        ids = [await run_in_threadpool(receive, st.db, r, up.file, up.filename, jid) for up in uploads]
    finally:
        await form.close()
        if jid is not None:  # what was stored is checked, even when a later file failed
            st.worker.start_job(jid)
    return jid, ids


def decide(request: Request, r: Round, code: str, action: str, note: str) -> int:
    """Record the office's decision on a unit (已退回, or taking it back); the decision's id."""
    st = web(request)
    if action not in DECISIONS:
        raise PerfxlError(t(f"未知的操作“{action[:20]}”", f"unknown action '{action[:20]}'"))
    if st.db.one("SELECT 1 FROM register_units WHERE round_id = ? AND unit_code = ?", r.id, code) is None:
        from .rounds import NotFound

        raise NotFound(t(f"项目清单中没有单位 {code[:40]}", f"no unit {code[:40]} in the register"))
    latest = st.db.one("SELECT id FROM files WHERE round_id = ? AND unit_code = ? AND state != 'container' "
                       "ORDER BY (status = 'taken') DESC, id DESC LIMIT 1", r.id, code)
    clean = "".join(ch for ch in note if ch >= " " or ch == "\n")[:MAX_NOTE]
    return st.db.run("INSERT INTO decisions(round_id, unit_code, file_id, action, note, at) VALUES (?,?,?,?,?,?)",
                     r.id, code, latest["id"] if latest else None, action, clean, now())
