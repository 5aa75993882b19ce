"""Exceptions mean "cannot run"; problems found in a unit's workbook are findings, never exceptions.

Every exception perfxl raises on purpose derives from PerfxlError and carries a message a finance
office operator can act on (it names the file, and the row or path inside it). The CLI turns these
into a one-line message and exit status 2.
"""
from __future__ import annotations

from typing import Any

__all__ = ["PerfxlError", "FrameworkError", "RegisterError", "UnitDataError", "NothingToCheck", "RoundMismatch",
           "schema_error_text", "schema_error_lines"]


class PerfxlError(Exception):
    """Base class: perfxl cannot do what was asked with this input."""


class FrameworkError(PerfxlError):
    """A framework definition (workbook_templates/frameworks/*.json) is missing or broken."""


class RegisterError(PerfxlError):
    """The register (项目清单) cannot be used; ``problems`` lists every bad row, not just the first."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        from .i18n import t

        shown = "\n".join(f"  - {p}" for p in problems[:50])
        rest = len(problems) - 50
        more = t(f"\n  … 另有 {rest} 处", f"\n  … and {rest} more") if rest > 0 else ""
        head = t(f"{path}：项目清单有 {len(problems)} 处问题，未生成任何文件：",
                 f"{path}: the register has {len(problems)} problem(s); no file was written:")
        super().__init__(f"{head}\n{shown}{more}")


class UnitDataError(PerfxlError):
    """A unit's JSON data does not conform to unit-goals.schema.json."""


class NothingToCheck(PerfxlError):
    """The paths given hold no file to check or consolidate (empty, or only other files such as a cover
    letter): an input problem, never a clean result, so a wrong folder cannot pass for an empty round."""


class RoundMismatch(PerfxlError):
    """The returns and the register do not belong together (no return is of a register unit), or the
    round's budget year cannot be told: the folder or the register is probably the wrong one."""


# ---------------------------------------------------------------------------------------------------
# jsonschema's findings in the user's language
#
# jsonschema words its messages in English ("'unit' is a required property"); a Chinese message must
# not embed them. Each error is described here from its keyword and values, naming the JSON path,
# in Chinese with an English twin. Nothing here imports jsonschema: it reads the error's attributes.

_TYPE_NAMES = {
    "string": ("文本", "a string"), "integer": ("整数", "an integer"), "number": ("数字", "a number"),
    "object": ("对象（{…}）", "an object"), "array": ("列表（[…]）", "a list"),
    "boolean": ("true 或 false", "true or false"), "null": ("空值（null）", "null"),
}
_FORMAT_NAMES = {"date": ("日期", "date"), "date-time": ("日期时间", "date-time"), "email": ("电子邮件地址", "e-mail address"),
                 "uri": ("网址", "URI"), "regex": ("正则表达式", "regular expression")}


def _json(value: object, limit: int = 60) -> str:
    """A value as JSON text (Chinese kept readable), shortened."""
    import json

    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _type_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def _type_words(types: object, en: bool) -> str:
    names = [types] if isinstance(types, str) else list(types or [])
    words = [_TYPE_NAMES.get(n, (n, n))[1 if en else 0] for n in names]
    return (" or ".join(words)) if en else "或".join(words)


def schema_error_text(error: object) -> tuple[str, str]:
    """(Chinese, English) sentences for one ``jsonschema.ValidationError``, each naming the JSON path
    ("/projects/0/indicators/2/operator"; the whole document is "（根）"/"(root)")."""
    e: Any = error
    parts = [str(p) for p in e.absolute_path]
    path_zh = "/" + "/".join(parts) if parts else "（根）"
    path_en = "/" + "/".join(parts) if parts else "(root)"
    kw, want, value = e.validator, e.validator_value, e.instance
    shown = _json(value)
    if kw == "required":
        missing = [k for k in want if isinstance(value, dict) and k not in value] or list(want)
        names_zh, names_en = "、".join(f"“{k}”" for k in missing), ", ".join(f'"{k}"' for k in missing)
        return f"{path_zh}：缺少必填项{names_zh}", f"{path_en}: missing required key(s) {names_en}"
    if kw == "type":
        return (f"{path_zh}：应为{_type_words(want, False)}，实际是{_type_words(_type_of(value), False)} {shown}",
                f"{path_en}: must be {_type_words(want, True)}, not {_type_words(_type_of(value), True)} {shown}")
    if kw in ("enum", "const"):
        allowed = list(want) if kw == "enum" else [want]
        more = "…" if len(allowed) > 12 else ""
        zh_list = "、".join(_json(a, 30) for a in allowed[:12]) + more
        en_list = ", ".join(_json(a, 30) for a in allowed[:12]) + more
        return (f"{path_zh}：{shown} 不是允许的值，可用的有 {zh_list}",
                f"{path_en}: {shown} is not allowed; allowed are {en_list}")
    bounds = {"minimum": ("不能小于", "must be at least"), "maximum": ("不能大于", "must be at most"),
              "exclusiveMinimum": ("必须大于", "must be greater than"),
              "exclusiveMaximum": ("必须小于", "must be less than")}
    if kw in bounds:
        zh, en = bounds[kw]
        return f"{path_zh}：{shown} {zh} {want}", f"{path_en}: {shown} {en} {want}"
    if kw == "pattern":
        return (f"{path_zh}：{shown} 的写法不符合要求（须匹配正则表达式“{want}”）",
                f"{path_en}: {shown} does not match the pattern \"{want}\"")
    if kw in ("additionalProperties", "unevaluatedProperties"):
        known = set((e.schema or {}).get("properties", {}))
        extra = [k for k in (value if isinstance(value, dict) else {}) if k not in known]
        names_zh, names_en = "、".join(f"“{k}”" for k in extra), ", ".join(f'"{k}"' for k in extra)
        return (f"{path_zh}：不认识的键{names_zh}（请检查拼写或删除）",
                f"{path_en}: unknown key(s) {names_en} (check the spelling or remove them)")
    sizes = {"minItems": ("至少要有 {n} 项", "needs at least {n} item(s)"),
             "maxItems": ("最多 {n} 项", "takes at most {n} item(s)"),
             "minLength": ("至少要有 {n} 个字符", "needs at least {n} character(s)"),
             "maxLength": ("最多 {n} 个字符", "takes at most {n} character(s)"),
             "minProperties": ("至少要有 {n} 个键", "needs at least {n} key(s)"),
             "maxProperties": ("最多 {n} 个键", "takes at most {n} key(s)")}
    if kw in sizes:
        zh, en = sizes[kw]
        count = len(value) if isinstance(value, (str, list, dict)) else 0
        return (f"{path_zh}：{zh.format(n=want)}（现有 {count}）", f"{path_en}: {en.format(n=want)} (has {count})")
    if kw == "format":
        zh, en = _FORMAT_NAMES.get(want, (f"“{want}”格式", f"{want}"))
        return f"{path_zh}：{shown} 不是有效的{zh}", f"{path_en}: {shown} is not a valid {en}"
    if kw == "uniqueItems":
        return f"{path_zh}：列表中有重复的项", f"{path_en}: the list has repeated items"
    if kw == "multipleOf":
        return f"{path_zh}：{shown} 应为 {want} 的倍数", f"{path_en}: {shown} must be a multiple of {want}"
    if kw in ("oneOf", "anyOf"):
        return (f"{path_zh}：{shown} 不符合任何一种允许的写法", f"{path_en}: {shown} matches none of the allowed forms")
    return f"{path_zh}：{shown} 不符合数据格式的规定", f"{path_en}: {e.message}"


def schema_error_lines(errors: list, limit: int) -> tuple[list[str], int]:
    """The first ``limit`` distinct descriptions of ``errors`` in the current language, and how many
    more there are (jsonschema reports each missing key of one object as its own error)."""
    from .i18n import lang

    en = lang() == "en"
    lines: list[str] = []
    for err in errors:
        text = schema_error_text(err)[1 if en else 0]
        if text not in lines:
            lines.append(text)
    return lines[:limit], max(0, len(lines) - limit)
