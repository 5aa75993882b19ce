"""Click's own words (usage, help, errors) and perfxl's help texts in the user's language.

Why: a clerk at a Chinese console must not meet "Usage:", "Show this message and exit." or
"Error: Invalid value for '--year'" between perfxl's Chinese messages, and ``--lang en`` must give
English everywhere, click's words included.

How: click marks every word it prints with gettext, bound in each module as
``from gettext import gettext as _`` (and ``ngettext``). :func:`install` rebinds those names to
:func:`gettext` here, which looks the English text up in :data:`CLICK_ZH` while a perfxl command
runs (:func:`active`) and the language is Chinese; outside perfxl's own ``main`` it returns the
text unchanged, so another click program in the same process is not affected. Click formats
some words into its messages (``{name} {filename!r} does not exist.`` with name = "File"), so the
returned template translates those arguments too.

Some texts are fixed before the language is known (option help is given when ``cli.py`` is
imported; the help option is made once per command), so help is translated again when it is
rendered (:func:`localize`, used by the command classes of ``cli.py``), in both directions:
English click text to Chinese, and perfxl's Chinese help to its English twin registered with
:func:`pair`.

Click measures text width in characters; a Chinese character takes two columns on a terminal,
so help text wrapped by character count runs off an 80-column console, and text without spaces
cannot be wrapped at all. :func:`install` also gives click's wrapper a width function that counts
East Asian wide characters as two, and lets it break Chinese text between any two characters.
"""
from __future__ import annotations

import inspect
import re
import unicodedata
from contextlib import contextmanager
from typing import Any, Iterator

from .i18n import lang

__all__ = ["CLICK_ZH", "pair", "localize", "localize_metavar", "gettext", "ngettext", "install", "active",
           "display_width"]

# click 8.1-8.4's user-facing texts (developer errors, such as a badly declared option, are left alone)
CLICK_ZH: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "用 '{command} {option}' 查看帮助。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Did you mean {possibility}?": "是不是要用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是要用其中之一：{possibilities}？）",
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 后面需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 后面需要 {nargs} 个值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的是/否值。可用：{states}",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选值之一：{choices}。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，此处需要文件夹。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，此处需要文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取（没有权限）。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入（没有权限）。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "required": "必填",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "Aborted!": "已中止。",
    "unknown error": "未知错误",
    # not gettext-marked in click: the usage line's placeholders
    "[OPTIONS]": "[选项]",
    "COMMAND [ARGS]...": "命令 [参数]...",
}

# words click formats into the texts above (Path type names, number types, parameter kinds)
_ARGS_ZH = {"File": "文件", "Directory": "文件夹", "Path": "路径", "integer": "整数", "float": "数字",
            "integer range": "整数", "float range": "数字", "argument": "参数", "option": "选项",
            "parameter": "参数", "boolean": "是/否值"}

# placeholders in usage lines and option lists, word by word
_METAVARS_ZH = {"PATHS": "文件或文件夹", "REGISTER": "项目清单", "OUT_DIR": "输出文件夹", "SOURCE": "源文件",
                "WORKBOOK": "工作簿", "FILE": "文件", "DIRECTORY": "文件夹", "PATH": "路径", "TEXT": "文本",
                "INTEGER": "整数", "OPTIONS": "选项", "COMMAND": "命令", "ARGS": "参数", "ID": "ID",
                "FOLDER": "文件夹"}
_METAVAR_WORD = re.compile(r"\b[A-Z][A-Z_]*\b")

# Chinese -> English: perfxl's help texts (pair) and click's texts fixed in Chinese before --lang en was seen
_EN: dict[str, str] = {zh: en for en, zh in CLICK_ZH.items()}

_active = 0


def _key(text: str) -> str:
    return inspect.cleandoc(text) if "\n" in text else text


def pair(zh: str, en: str) -> str:
    """A help text written in both languages: returns the Chinese, remembers the English for
    ``--lang en`` (help is given to click once, when the commands are declared)."""
    _EN[_key(zh)] = _key(en)
    return zh


def localize(text: str | None) -> str | None:
    """``text`` in the current language (unknown text is returned as is)."""
    if not text:
        return text
    key = _key(text)
    if lang() == "zh":
        return CLICK_ZH.get(key, text)
    return _EN.get(key, text)


def localize_metavar(text: str) -> str:
    """``PATHS...`` -> ``文件或文件夹...`` in Chinese; unchanged in English."""
    if lang() != "zh":
        return text
    return CLICK_ZH.get(text) or _METAVAR_WORD.sub(lambda m: _METAVARS_ZH.get(m.group(0), m.group(0)), text)


def _tidy_zh(message: str) -> str:
    """Click assembles some messages itself ("Missing argument 'X'." + " Did you mean…"): Chinese
    punctuation for the pieces it joins."""
    message = re.sub(r"(?<=['\")\]])\.$", "。", message)
    return message.replace("。 ", "。")


class _Template(str):
    """A translated click text that also translates the words click formats into it."""

    def format(self, *args: Any, **kwargs: Any) -> str:
        if lang() == "zh":
            kwargs = {k: (_tidy_zh(v) if k == "message" else _ARGS_ZH.get(v, v)) if isinstance(v, str) else v
                      for k, v in kwargs.items()}
        return str.format(self, *args, **kwargs)


def gettext(message: str) -> str:
    """What click's ``_()`` becomes: the text in the user's language while perfxl runs."""
    if not _active:
        return message
    return _Template(localize(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


@contextmanager
def active() -> Iterator[None]:
    """Translate click's texts for the duration of one perfxl command line."""
    global _active
    _active += 1
    try:
        yield
    finally:
        _active -= 1


def _char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: a Chinese character takes two (ANSI colours none)."""
    from click._compat import strip_ansi

    return sum(_char_width(c) for c in strip_ansi(text))


def _truncate_visible(text: str, n: int) -> str:
    """The longest prefix of ``text`` taking at most ``n`` columns (at least one character, so
    wrapping always moves on)."""
    if n <= 0:
        return ""
    width = 0
    for i, ch in enumerate(text):
        width += _char_width(ch)
        if width > n:
            return text[:max(i, 1)]
    return text


_CLOSING = set("，。、；：？！）》」』”’％")
_OPENING = set("（《「『“‘")


def _cjk_chunks(chunk: str) -> list[str]:
    """Split a chunk at every wide character, so Chinese text (which has no spaces) wraps anywhere,
    keeping closing punctuation with the character before it and opening punctuation with the one after."""
    out: list[str] = []
    for ch in chunk:
        wide = _char_width(ch) == 2
        if out and (ch in _CLOSING or out[-1][-1] in _OPENING
                    or (not wide and _char_width(out[-1][-1]) == 1)):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _wrapper_class() -> type | None:
    """Click's TextWrapper, splitting Chinese text into characters (None for a click without it)."""
    try:
        from click._textwrap import TextWrapper
    except ImportError:  # pragma: no cover
        return None

    class CJKTextWrapper(TextWrapper):  # type: ignore[misc, valid-type]
        def _split(self, text: str) -> list[str]:
            chunks: list[str] = []
            for chunk in super()._split(text):
                chunks.extend(_cjk_chunks(chunk) if any(_char_width(c) == 2 for c in chunk) else [chunk])
            return chunks

    return CJKTextWrapper


_installed = False


def install() -> None:
    """Rebind click's gettext names and width functions (once; click's import already happened)."""
    global _installed
    if _installed:
        return
    import importlib

    for name in ("core", "exceptions", "types", "formatting", "decorators", "parser", "termui", "utils"):
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # pragma: no cover - a click without this module
            continue
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
    for name in ("formatting", "_textwrap"):
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # pragma: no cover
            continue
        if hasattr(module, "term_len"):
            module.term_len = display_width
        if hasattr(module, "_truncate_visible"):
            module._truncate_visible = _truncate_visible
    wrapper = _wrapper_class()
    if wrapper is not None:
        import click._textwrap
        click._textwrap.TextWrapper = wrapper  # click.formatting.wrap_text imports it when it wraps
    _installed = True
