"""The language of everything perfxl says to a person: Chinese by default, English on request.

One switch for the whole process (and the worker processes it starts, which inherit the
environment): ``PERFXL_LANG=en`` or the CLI's ``--lang en``. Messages are written where they are
raised as a pair, ``t("中文", "English")``, so the two can never drift apart in different files.
"""
from __future__ import annotations

import os
from typing import Callable

__all__ = ["lang", "set_lang", "t", "both"]

_ENV = "PERFXL_LANG"


def lang() -> str:
    """``"en"`` when English was asked for, else ``"zh"``."""
    return "en" if os.environ.get(_ENV, "").strip().lower().startswith("en") else "zh"


def set_lang(value: str | None) -> None:
    """Set the language for this process and the workers it starts (None keeps the current one)."""
    if value:
        os.environ[_ENV] = "en" if value.lower().startswith("en") else "zh"


def t(zh: str, en: str) -> str:
    """The message in the current language."""
    return en if lang() == "en" else zh


def both(make: Callable[[], str]) -> tuple[str, str]:
    """(Chinese, English) of a message built by ``make`` in the current language: for records
    that keep both (a finding's ``message``/``message_en``) when the text comes from a
    message-building function, such as an exception's. ``make`` must have no side effects."""
    saved = os.environ.get(_ENV)
    try:
        out = []
        for code in ("zh", "en"):
            os.environ[_ENV] = code
            out.append(make())
        return out[0], out[1]
    finally:
        if saved is None:
            os.environ.pop(_ENV, None)
        else:
            os.environ[_ENV] = saved
