"""What the database keeps of the library's objects, and the words the pages use for states.

A unit as read is kept whole (every field of the model's dataclasses, also those the interchange
JSON leaves out: 出错说明, the raw text typed), so the checks across files can run again without
reading the workbook, and an annotated return made later shows exactly what the unit wrote. The
form is plain JSON built from the dataclasses' own fields (``to_plain`` / ``from_plain``), with dates
tagged, never pickle: the database can be opened and read by anyone.
"""
from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime, time
from typing import Any

from ..consolidate import STATUS
from ..findings import Finding
from ..i18n import t
from ..model import UnitData
from ..selfeval_model import SelfEvalUnit

__all__ = ["to_plain", "from_plain", "unit_json", "unit_from_json", "finding_row", "finding_from_row",
           "file_status_label", "UNIT_STATUS", "unit_status_label", "FORMS", "form_label"]

_TAGS = {"$datetime": datetime.fromisoformat, "$date": date.fromisoformat, "$time": time.fromisoformat}


def to_plain(value: Any) -> Any:
    """A dataclass tree as JSON-ready values (dates tagged; anything else exotic as its text)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _untag(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (tag, text), = value.items()
        if tag in _TAGS and isinstance(text, str):
            return _TAGS[tag](text)
    if isinstance(value, dict):
        return {k: _untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untag(v) for v in value]
    return value


def _dataclass_in(hint: Any) -> type | None:
    """The dataclass a field's type names (``Unit``, ``Unit | None``), or None."""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            found = _dataclass_in(arg)
            if found is not None:
                return found
    return None


def from_plain(cls: type, data: dict) -> Any:
    """The dataclass ``cls`` rebuilt from ``to_plain``'s output, nested dataclasses and lists of them too."""
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value, hint = data[f.name], hints[f.name]
        inner = _dataclass_in(hint)
        if inner is not None and isinstance(value, dict):
            kwargs[f.name] = from_plain(inner, value)
        elif typing.get_origin(hint) is list and typing.get_args(hint) and _dataclass_in(typing.get_args(hint)[0]):
            item = _dataclass_in(typing.get_args(hint)[0])
            kwargs[f.name] = [from_plain(item, v) for v in value]
        else:
            kwargs[f.name] = _untag(value)
    return cls(**kwargs)


_FORM_KEY = "$form"  # beside the fields of a self-evaluation: which model to rebuild (a goal table has none)


def unit_json(unit: UnitData | SelfEvalUnit) -> str:
    """A unit as read, of either form (a self-evaluation tagged with its form)."""
    plain = to_plain(unit)
    if isinstance(unit, SelfEvalUnit):
        plain[_FORM_KEY] = unit.form
    return json.dumps(plain, ensure_ascii=False)


def unit_from_json(text: str) -> UnitData | SelfEvalUnit:
    data = json.loads(text)
    return from_plain(SelfEvalUnit if data.get(_FORM_KEY) == "selfeval" else UnitData, data)


def finding_row(f: Finding) -> dict:
    """A finding as the columns of the ``findings`` table."""
    return {"code": f.code, "severity": f.severity, "sheet": f.sheet, "cell": f.cell, "project_code": f.project_code,
            "message": f.message, "message_en": f.message_en,
            "value_json": json.dumps(to_plain(f.value), ensure_ascii=False), "explained": int(f.explained),
            "explanation": f.explanation, "params_json": json.dumps(to_plain(f.params), ensure_ascii=False)}


def finding_from_row(row: Any) -> Finding:
    return Finding(code=row["code"], severity=row["severity"], message=row["message"], message_en=row["message_en"],
                   sheet=row["sheet"], cell=row["cell"], project_code=row["project_code"],
                   value=_untag(json.loads(row["value_json"])) if row["value_json"] else None,
                   explained=bool(row["explained"]), explanation=row["explanation"],
                   params=_untag(json.loads(row["params_json"] or "{}")))


# What became of a received file: consolidate's words, and the web page's own for what it adds.
_FILE_STATUS_EN = {"taken": "taken", "superseded": "superseded (sent again)", "unreadable": "unreadable",
                   "not_in_register": "not in the register", "other_year": "another budget year",
                   "other_form": "another form", "other": "other file"}
_WEB_STATUS = {"pending": ("待审核", "waiting to be checked"), "duplicate": ("重复文件", "duplicate file"),
               "archive": ("压缩包", "archive"), "mail": ("邮件", "e-mail"), "refused": ("已拒绝", "refused")}


def file_status_label(status: str) -> str:
    if status in STATUS:
        return t(STATUS[status], _FILE_STATUS_EN[status])
    zh, en = _WEB_STATUS.get(status, (status, status))
    return t(zh, en)


# A register unit's state on the board, in the order the board counts them.
UNIT_STATUS = {"missing": ("未报送", "not sent"), "received": ("已报送", "received"),
               "failed": ("不通过", "not passed"), "passed": ("通过", "passed"), "returned": ("已退回", "returned")}


def unit_status_label(status: str) -> str:
    zh, en = UNIT_STATUS[status]
    return t(zh, en)


# The forms a round can collect (rounds.form): the goals in the autumn, the self-evaluation in spring.
FORMS = {"goals": ("绩效目标", "performance goals"), "selfeval": ("绩效自评", "self-evaluation")}


def form_label(form: str) -> str:
    zh, en = FORMS.get(form, (form, form))
    return t(zh, en)
