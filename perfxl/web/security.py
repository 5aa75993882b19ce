"""Who may use the page, and what a request may carry: one ASGI middleware in front of every route.

* **Where it listens.** ``127.0.0.1`` unless ``--host`` says otherwise. On loopback the ``Host`` header
  must name the loopback too, so a web page elsewhere cannot reach the server through a name that
  resolves to 127.0.0.1 (DNS rebinding).
* **The token.** With any other host every request needs the token printed at start: in the address
  (``?token=…``, then kept in an HttpOnly, SameSite=Strict cookie and removed from the address), or as
  ``Authorization: Bearer …`` for scripts.
* **Cross-site requests.** Every request that changes something (POST) must carry the page's CSRF
  token (a form field ``csrf`` or the header ``X-CSRF-Token``; routes check it with
  :func:`require_csrf`), and a request whose ``Origin`` is another site is refused outright.
* **Size.** A request body over the limit is refused with 413 before it is read, also when it comes
  without a Content-Length.
* **Headers.** A Content-Security-Policy allowing this server only (no inline script), no framing,
  no sniffing, no referrer.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
from http.cookies import SimpleCookie
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl, urlencode

from ..i18n import t

__all__ = ["Guard", "is_loopback", "require_csrf", "CsrfError", "TOKEN_COOKIE", "CSRF_HEADER"]

TOKEN_COOKIE = "perfxl_token"
CSRF_HEADER = "x-csrf-token"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}
_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                 b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
    # not no-referrer: with it a browser sends "Origin: null" on the page's own form posts
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]

Scope = dict[str, Any]
ASGI = Callable[[Scope, Callable, Callable], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """True for a name or address of this machine only (what needs no token)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class CsrfError(Exception):
    """A changing request without the page's CSRF token."""


def require_csrf(expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise CsrfError(t("请求缺少有效的表单令牌（可能来自其他网站），已拒绝；请刷新页面后重试",
                          "the request lacks a valid form token (it may come from another site); reload the page"))


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", []):
        if k == name:
            return v.decode("latin-1")
    return None


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class _TooLarge(Exception):
    pass


class Guard:
    """The middleware; ``token`` None means loopback only (Host checked), else the token is required."""

    def __init__(self, app: ASGI, *, token: str | None, max_body: int):
        self.app, self.token, self.max_body = app, token, max_body

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._refusal(scope)
        if problem is not None:
            await _plain(send, scope, *problem)
            return
        if self.token is not None and scope["method"] == "GET" and _query_token(scope) is not None:
            await self._drop_token_from_address(scope, send)
            return
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await _plain(send, scope, 413, self._too_large())
            return
        received = 0
        started = False

        async def limited_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _TooLarge()
            return message

        async def send_with_headers(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in _HEADERS if h[0] not in names]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _TooLarge:
            if not started:
                await _plain(send, scope, 413, self._too_large())

    def _too_large(self) -> str:
        mb = self.max_body // (1 << 20)
        return t(f"上传内容超过 {mb} MB 的上限，请分批上传", f"the upload is over the limit of {mb} MB; upload in batches")

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        host = _host_name(_header(scope, b"host") or "")
        if self.token is None:
            if host.lower() not in _LOOPBACK_NAMES and not is_loopback(host):
                return 400, t("此地址不能访问本机的 perfxl 网页（Host 不是本机）", "this host name may not reach perfxl here")
        elif not self._has_token(scope):
            return 401, t("需要访问令牌：请使用 perfxl serve 启动时显示的完整网址（含 token=…）",
                          "a token is needed: use the full address perfxl serve printed (with token=…)")
        if scope["method"] in _UNSAFE:
            origin = _header(scope, b"origin")
            if origin and origin != "null" and _origin_host(origin) != (_header(scope, b"host") or "").lower():
                return 403, t("拒绝来自其他网站的请求", "a request from another site was refused")
            if origin == "null":
                return 403, t("拒绝来自其他网站的请求", "a request from another site was refused")
        return None

    def _has_token(self, scope: Scope) -> bool:
        assert self.token is not None
        candidates = [_query_token(scope), _cookie(scope, TOKEN_COOKIE)]
        auth = _header(scope, b"authorization") or ""
        if auth.lower().startswith("bearer "):
            candidates.append(auth[7:].strip())
        return any(c and hmac.compare_digest(c.encode(), self.token.encode()) for c in candidates)

    async def _drop_token_from_address(self, scope: Scope, send: Callable) -> None:
        """``?token=…`` once: set the cookie and send the browser to the same address without it."""
        query = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1")) if k != "token"]
        location = scope.get("path", "/") + (f"?{urlencode(query)}" if query else "")
        cookie = f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode("utf-8")), (b"set-cookie", cookie.encode("latin-1")),
                                *_HEADERS]})
        await send({"type": "http.response.body", "body": b""})


def _origin_host(origin: str) -> str:
    return origin.split("://", 1)[-1].rstrip("/").lower()


def _query_token(scope: Scope) -> str | None:
    for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
        if k == "token":
            return v
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # noqa: BLE001 - a malformed cookie header is no cookie
        return None
    return jar[name].value if name in jar else None


async def _plain(send: Callable, scope: Scope, status: int, message: str) -> None:
    """A refusal: JSON for the API, a short page otherwise."""
    if scope.get("path", "").startswith("/api/"):
        body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
        kind = b"application/json"
    else:
        from html import escape

        body = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>perfxl</title>'
                f"<p>{escape(message)}</p></html>").encode("utf-8")
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()), *_HEADERS]})
    await send({"type": "http.response.body", "body": body})
