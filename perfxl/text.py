"""Text hygiene: the one place that decides what text may enter a workbook, a document or a name.

Excel's XML parts (workbook.xml, formulas, defined names, document properties) cannot hold control
characters, and python-docx refuses them; a TAB or line break in a sheet name leaves formulas and
defined names pointing at sheets that do not exist. Every entry point (register, unit JSON, import,
the reader) passes its text through :func:`clean_text` and reports what it changed, so nothing is
modified in silence. Line breaks are kept in free text (CR LF and CR become LF); TAB becomes a
space; other control characters (C0, DEL, C1), lone surrogates and U+FFFE/U+FFFF are removed.
Names (codes, unit and project names) are one line: a line break in one becomes a space.
"""
from __future__ import annotations

import copy
import re
from dataclasses import fields, is_dataclass
from typing import Any

__all__ = ["clean_text", "needs_cleaning", "clean_unit", "utf16_len", "truncate_utf16", "NAME_FIELDS"]

_REMOVED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Fields of Unit and Project that are names: one line, shown in sheet names, file names, properties.
NAME_FIELDS = frozenset({"code", "name", "department_code", "department_name"})


def _line_breaks(s: str) -> str:
    return s.replace("\r\n", "\n").replace("\r", "\n")


def clean_text(s: str, *, name: bool = False) -> str:
    """``s`` fit for XML, Excel and Word: see the module docstring."""
    s = _REMOVED.sub("", _line_breaks(s).replace("\t", " "))
    return " ".join(s.split("\n")) if name else s


def needs_cleaning(s: str, *, name: bool = False) -> bool:
    """True when :func:`clean_text` changes more than the spelling of line breaks: something the
    caller must report (a removed control character, a TAB, a line break in a name)."""
    return clean_text(s, name=name) != _line_breaks(s)


def clean_unit(unit: Any) -> tuple[Any, list[str]]:
    """``unit`` (UnitData or any model object) with every text cleaned, and the dotted paths of the
    fields that changed (e.g. ``projects.0.name``). The object itself comes back when nothing needs
    cleaning (line-break spelling aside), else a cleaned copy: the caller's model is never changed."""
    changed: list[str] = []
    _walk(unit, "", False, changed, fix=False)
    if not changed:
        return unit, []
    fixed = copy.deepcopy(unit)
    return _walk(fixed, "", False, [], fix=True), changed


def _walk(obj: Any, path: str, is_name: bool, changed: list[str], fix: bool) -> Any:
    if isinstance(obj, str):
        if not fix:
            if needs_cleaning(obj, name=is_name):
                changed.append(path)
            return obj
        return clean_text(obj, name=is_name)
    if isinstance(obj, list):
        out = [_walk(v, f"{path}.{i}", False, changed, fix) for i, v in enumerate(obj)]
        if fix:
            obj[:] = out
        return obj
    if isinstance(obj, dict):
        items = [(_walk(k, f"{path}.{k}", True, changed, fix), _walk(v, f"{path}.{k}", False, changed, fix))
                 for k, v in obj.items()]
        if fix:
            obj.clear()
            obj.update(items)
        return obj
    if is_dataclass(obj) and not isinstance(obj, type):
        names = NAME_FIELDS if type(obj).__name__ in ("Unit", "Project") else frozenset()
        for f in fields(obj):
            value = _walk(getattr(obj, f.name), f"{path}.{f.name}".lstrip("."), f.name in names, changed, fix)
            if fix:
                setattr(obj, f.name, value)
        return obj
    return obj


def utf16_len(s: str) -> int:
    """Length as Excel counts it: UTF-16 code units (a character outside the BMP counts 2)."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def truncate_utf16(s: str, limit: int) -> str:
    """The longest prefix of ``s`` of at most ``limit`` UTF-16 units (never half a character)."""
    out, used = [], 0
    for ch in s:
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            break
        out.append(ch)
    return "".join(out)


_FILENAME_BAD = re.compile(r'[\\/:*?"<>|\s]+')


def filename_part(s: str, limit: int = 50) -> str:
    """``s`` as part of a file name that Windows and Linux accept: no control characters, none of
    \\/:*?"<>| or white space (each run becomes "_"), no leading or trailing dot or "_", and at most
    ``limit`` characters, so the whole name stays under the 255 bytes of most file systems."""
    return _FILENAME_BAD.sub("_", clean_text(s, name=True)).strip("_.")[:limit].strip("_.")
