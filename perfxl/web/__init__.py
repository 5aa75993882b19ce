"""``perfxl serve``: the whole collection round in a browser on the office's own PC.

Built on the library (never on the CLI): ``rounds`` (新建一轮: register → templates), ``intake``
(收件: store, open e-mails and archives, check in the sandbox, decide across the round), ``summarize``
(汇总: the library's consolidation), ``views`` (what pages and API show), ``db`` (the round's SQLite
file), ``mail`` (attachments of .eml and .mbox), ``security`` (loopback, token, CSRF, sizes), ``app``,
``pages`` and ``api`` (Starlette routes), ``charts`` (SVG).

Imported only by ``perfxl serve``: the other commands never load Starlette.
"""
from __future__ import annotations

import secrets
import socket
import threading
import webbrowser
from pathlib import Path
from typing import Callable

from ..errors import PerfxlError
from ..i18n import t

__all__ = ["serve", "create_app", "bind"]


def create_app(*args, **kwargs):
    """See :func:`perfxl.web.app.create_app`."""
    from .app import create_app as make

    return make(*args, **kwargs)


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, opened before the server starts so that a port in use is a clear message."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as e:
        sock.close()
        import errno

        if e.errno == errno.EADDRINUSE:
            raise PerfxlError(t(f"端口 {port} 已被占用（可能 perfxl serve 已在运行）；请用 --port 换一个端口",
                                f"port {port} is in use (is perfxl serve already running?); choose another with --port"))
        if e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) or isinstance(e, socket.gaierror):
            raise PerfxlError(t(f"--host {host}：本机没有这个地址", f"--host {host}: not an address of this machine"))
        if e.errno == errno.EACCES:
            raise PerfxlError(t(f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限）；请用 --port 换一个端口",
                                f"no permission to use port {port}; choose another with --port"))
        raise
    sock.listen(128)
    return sock


def _browser_address(host: str, port: int) -> str:
    from .security import is_loopback

    shown = host if is_loopback(host) or host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(folder: str | Path, *, host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True,
          announce: Callable[[str], None] = print, jobs: int | None = None) -> None:
    """Run the web page over a round folder until interrupted (Ctrl-C).

    On loopback no token is needed; with any other ``host`` a token is made, printed and required for
    every request. Raises PerfxlError when the port or address cannot be used.
    """
    import uvicorn

    from .security import is_loopback

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise PerfxlError(t(f"{folder}：不是文件夹", f"{folder}: not a folder"))
    token = None if is_loopback(host) else secrets.token_urlsafe(24)
    sock = bind(host, port)
    port = sock.getsockname()[1]
    app = create_app(folder, token=token, jobs=jobs)
    url = _browser_address(host, port) + (f"?token={token}" if token else "")
    announce(t(f"perfxl 网页已启动：{url}", f"perfxl is serving at {url}"))
    announce(t(f"本轮文件夹：{folder.resolve()}", f"Round folder: {folder.resolve()}"))
    if token:
        announce(t(f"访问令牌：{token}（监听 {host}，其他电脑须使用含令牌的网址）",
                   f"Token: {token} (listening on {host}; other computers need the address with the token)"))
    announce(t("按 Ctrl-C 停止。", "Press Ctrl-C to stop."))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    if open_browser:
        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
