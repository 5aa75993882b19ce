"""The Starlette application: shared state, responses, error handling; the routes are in pages.py and api.py.

Why Starlette (with uvicorn): a small, maintained ASGI toolkit with no framework conventions to
learn, whose multipart parser spools uploads to disk; the long work (checking, consolidating) runs in
a worker thread while the event loop keeps answering the progress bar's polls; its TestClient drives
the whole app in-process for the API tests. uvicorn is the ASGI server from the same maintainers and
runs on Windows and Linux alike. Pages are Jinja2 templates (autoescaped); the few scripts are a
static file, no CDN (the office PC may be offline) and no inline script (the CSP forbids it).
"""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from ..errors import PerfxlError
from ..i18n import lang, t
from .db import Database
from .jobs import Worker
from .rounds import NotFound
from .security import CsrfError, Guard

__all__ = ["create_app", "WebState", "MAX_UPLOAD_BYTES", "MAX_FILES"]

log = logging.getLogger("perfxl.web")

MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # one request; each file also at most intake.MAX_FILE_BYTES
MAX_FILES = 2000                       # files in one request
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".svg": "image/svg+xml"}


@dataclass
class WebState:
    """What every route needs: the round folder's database, the job thread, the page's CSRF token."""

    db: Database
    worker: Worker
    csrf: str
    env: Any
    static: dict[str, tuple[bytes, str, str]]


def _static_files() -> dict[str, tuple[bytes, str, str]]:
    """The static files, read once from the package: a request names one of these, never a path."""
    out = {}
    folder = resources.files("perfxl.web").joinpath("static")
    for entry in folder.iterdir():
        suffix = Path(entry.name).suffix
        if suffix in _STATIC_TYPES:
            data = entry.read_bytes()
            out[entry.name] = (data, _STATIC_TYPES[suffix], hashlib.sha256(data).hexdigest()[:12])
    return out


def _environment(static: dict) -> Any:
    import jinja2

    from .records import file_status_label, form_label, unit_status_label

    env = jinja2.Environment(loader=jinja2.PackageLoader("perfxl.web", "templates"),
                             autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.globals.update(t=t, lang=lang, file_status_label=file_status_label, unit_status_label=unit_status_label,
                       form_label=form_label,
                       static=lambda name: f"/static/{name}?v={static[name][2]}")
    env.filters["when"] = _when
    env.filters["money"] = lambda v: f"{float(v or 0):,.2f}"
    env.filters["short"] = lambda v, n=12: (v or "")[:n]
    return env


def _when(value: str | None) -> str:
    """A stored UTC time as the office's local time, to the minute."""
    if not value:
        return ""
    from datetime import datetime

    try:
        return datetime.fromisoformat(value).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return value


def web(request: Request) -> WebState:
    return request.app.state.web


def render(request: Request, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    st = web(request)
    html = st.env.get_template(template).render(csrf=st.csrf, request=request, **context)
    return HTMLResponse(html, status_code=http_status)


def json_response(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def download(data: bytes, filename: str, media_type: str) -> Response:
    """Bytes to save, under a file name (a label only: made safe, sent as RFC 5987 UTF-8)."""
    name = _UNSAFE_NAME.sub("_", filename).strip(" .") or "download"
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=media_type, headers={"content-disposition": disposition})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _error(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return json_response({"error": message}, status)
    return render(request, "error.html", http_status=status, message=message, round=None)


async def _on_not_found(request: Request, exc: Exception) -> Response:
    return _error(request, 404, str(exc))


async def _on_perfxl(request: Request, exc: Exception) -> Response:
    return _error(request, 400, str(exc))


async def _on_csrf(request: Request, exc: Exception) -> Response:
    return _error(request, 403, str(exc))


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: t("没有这个页面", "no such page"), 405: t("不支持此操作", "method not allowed"),
                400: t("请求无法处理（上传的内容不完整或文件过多）", "the request could not be handled")}
    return _error(request, exc.status_code, messages.get(exc.status_code, str(exc.detail)))


async def _on_bug(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s", request.url.path)
    return _error(request, 500, t(f"内部错误（{type(exc).__name__}）：请把所做操作与文件交给维护人员",
                                  f"Internal error ({type(exc).__name__}): please tell the maintainers what you did"))


def create_app(folder: str | Path, *, token: str | None = None, max_body: int = MAX_UPLOAD_BYTES,
               jobs: int | None = None, start_worker: bool = True) -> Any:
    """The web application over one round folder (created if missing). ``token`` None: loopback only;
    else every request needs it. The job thread starts with the application (its lifespan)."""
    from contextlib import asynccontextmanager

    from .api import api_routes
    from .pages import page_routes

    db = Database(folder)
    static = _static_files()
    state = WebState(db=db, worker=Worker(db, jobs), csrf=secrets.token_urlsafe(32), env=_environment(static),
                     static=static)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        if start_worker:
            state.worker.start()
        try:
            yield
        finally:
            state.worker.stop()

    app = Starlette(routes=[*api_routes(), *page_routes()], lifespan=lifespan,
                    exception_handlers={NotFound: _on_not_found, PerfxlError: _on_perfxl, CsrfError: _on_csrf,
                                        HTTPException: _on_http, Exception: _on_bug})
    app.state.web = state
    return Guard(app, token=token, max_body=max_body)
