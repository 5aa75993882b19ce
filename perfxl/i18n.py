"""The language of everything perfxl says to a person: Chinese by default, English on request.

One switch for the whole process (and the worker processes it starts, which inherit the
environment): ``PERFXL_LANG=en`` or the CLI's ``--lang en``. Messages are written where they are
raised as a pair, ``t("中文", "English")``, so the two can never drift apart in different files.
"""
from __future__ import annotations

import os

__all__ = ["lang", "set_lang", "t"]

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
