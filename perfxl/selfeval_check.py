"""``perfxl check`` on self-evaluations (绩效自评): the form's rules over what the reader made of a
workbook, or over a self-evaluation JSON (``"form": "selfeval"``), as :mod:`perfxl.check` does for
goal tables. :mod:`perfxl.check` dispatches here on the model (a workbook's identity decides it) or
on the JSON's ``form``; reading, sandboxing, reports and the checks across files stay there.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from .findings import Finding
from .frameworks import Framework
from .selfeval_layout import SelfEvalProjectLayout, selfeval_sheet_names
from .selfeval_model import SelfEvalUnit, is_selfeval_dict, load_selfeval
from .selfeval_rules import run_selfeval_rules

__all__ = ["is_selfeval", "is_selfeval_json", "check_selfeval", "selfeval_locations", "load_selfeval"]


def is_selfeval(unit: Any) -> bool:
    """Whether a model (what the reader or a loader made) is a self-evaluation."""
    return isinstance(unit, SelfEvalUnit)


def is_selfeval_json(path: Path) -> bool:
    """Whether a .json file says it is a self-evaluation; False for anything unreadable (the goals
    loader then names what is wrong with it)."""
    try:
        return is_selfeval_dict(json.loads(path.read_text(encoding="utf-8-sig")))
    except (OSError, ValueError):
        return False


def selfeval_locations(unit: SelfEvalUnit, fw: Framework) -> dict[tuple, tuple[str, str]]:
    """Where the writer puts each value of a self-evaluation, so findings on its JSON name the cells
    of the workbook ``template --form selfeval`` makes from it."""
    L = SelfEvalProjectLayout(fw)
    loc: dict[tuple, tuple[str, str]] = {}
    for pi, (sheet, p) in enumerate(zip(selfeval_sheet_names([p.name for p in unit.projects]), unit.projects)):
        loc.update(L.locations(sheet, pi, L.indicator_rows[:len(p.indicators)]))
    return loc


def check_selfeval(unit: SelfEvalUnit, fw: Framework, *, locations: dict | None = None,
                   skip: Iterable[str] = (), register: dict | None = None) -> list[Finding]:
    """Rules E01–E09 over one self-evaluation, each finding at its cell; with the ``register``
    (``check --register``) also the goal form's register checks, S08 (unit not in the register, or
    named otherwise) and X03 (projects not in the unit's register, or missing), which read only the
    unit's code and name and the projects' codes and names, as a self-evaluation has them."""
    from .rules import CHECKS, Context

    loc = locations if locations is not None else selfeval_locations(unit, fw)
    where = lambda key: loc.get(key, (None, None))  # noqa: E731
    findings = run_selfeval_rules(unit, fw, where=where, skip=skip)
    if register is not None:
        ctx = Context(unit, fw, where=where, register=register)  # type: ignore[arg-type]
        for code in ("S08", "X03"):
            if code not in skip and fw.rules.get(code, {}).get("enabled", True) is not False:
                findings += list(CHECKS[code](ctx))
    return findings
