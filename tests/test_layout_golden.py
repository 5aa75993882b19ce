"""Every address of the layout, per shipped framework, held against a recorded copy of version
``TEMPLATE_VERSION`` (tests/data/layout-golden.json).

Why: the reader refuses a workbook whose layout version it does not know, and reads one it knows at
the addresses of that version. An address that moves without ``TEMPLATE_VERSION`` being bumped would
have every return made from the previous templates read at the wrong cells, and every round-trip
test would still pass, since the writer and the reader move together. So a change of address must
come with a new version, and then with a new recording:

    PERFXL_RECORD_LAYOUT=1 python -m pytest tests/test_layout_golden.py

The recording is version 1's layout as the templates issued so far have it; it changes only together
with the version, never to make this test pass.
"""
from __future__ import annotations

import json
import os
from pathlib import Path


import perfxl
from perfxl import layout
from perfxl.layout import (DepartmentLayout, IndicatorColumns, InstructionsLayout, ProjectLayout, Span,
                           extra_columns, project_sheet_names)

GOLDEN = Path(__file__).with_name("data") / "layout-golden.json"
FRAMEWORKS = ("hebei-2023", "mof-2013", "mof-2021")
# Methods of a layout that take a row: the rows they are asked about.
ROW_METHODS = {"measure": "measure_rows", "measure_number": "measure_rows", "section_name": "section_rows",
               "section_goal": "section_rows"}
# Sheet names as units really give them: duplicates, forbidden characters, quotes, long names, a TAB.
NAMES = ["教育经费", "教育经费", "a[b]c:d*e?f/g\\h", "'引号'", "  前后空格  ", "长" * 40, "𠀀" * 20, "制表\t符", "",
         "1.已编号"]


def _plain(v):
    """A layout value as JSON: spans with their A1 address and extent, ranges as [start, stop]."""
    if isinstance(v, Span):
        return {"a1": v.a1, "row": v.row, "col": v.col, "end": list(v.end), "merged": v.merged}
    if isinstance(v, IndicatorColumns):
        return dict(v.items())
    if isinstance(v, range):
        return [v.start, v.stop]
    if isinstance(v, (frozenset, set)):
        return sorted(v)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return v


def _members(obj) -> dict:
    out = {}
    for name in dir(type(obj)):
        if name.startswith("_") or name == "HEADINGS":
            continue
        value = getattr(obj, name)
        if name in ROW_METHODS:
            out[name] = {str(r): _plain(value(r)) for r in getattr(obj, ROW_METHODS[name])}
        elif not callable(value) or isinstance(value, Span):
            out[name] = _plain(value)
    return out


def snapshot() -> dict:
    shot: dict = {"constants": {name: getattr(layout, name) for name in (
        "TEMPLATE_ID", "INSTRUCTIONS_SHEET", "DEPARTMENT_SHEET", "LISTS_SHEET", "IDENTITY_SHEET", "REVIEW_SHEET",
        "HELPER_COL", "HELPER_COLS", "PRINT_LAST_COL", "LAST_COL", "EXPLAIN_COL", "CHECK_COL", "WIDTHS")}}
    shot["constants"]["WIDTHS"] = list(shot["constants"]["WIDTHS"])
    shot["headings"] = dict(IndicatorColumns.HEADINGS)
    for fid in FRAMEWORKS:
        fw = perfxl.load_framework(fid)
        shot[fid] = {"project": _members(ProjectLayout(fw)), "department": _members(DepartmentLayout(fw)),
                     "extra_columns": _plain(extra_columns(fw))}
    shot["instructions"] = {str(n): _members(InstructionsLayout(n)) for n in (1, 3, 12)}
    shot["sheet_names"] = project_sheet_names(NAMES)
    return shot


def _leaves(tree, path: str = "") -> dict:
    """{"hebei-2023.project.name.a1": "E3", ...}: a difference is shown as the addresses that moved."""
    if isinstance(tree, dict):
        out: dict = {}
        for k, v in tree.items():
            out.update(_leaves(v, f"{path}.{k}" if path else str(k)))
        return out
    return {path: tree}


def test_the_layout_is_the_recorded_one_of_its_version():
    current = snapshot()
    if os.environ.get("PERFXL_RECORD_LAYOUT") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps({"template_version": layout.TEMPLATE_VERSION, "layout": current},
                                     ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    golden = json.loads(GOLDEN.read_text("utf-8"))
    assert golden["template_version"] == layout.TEMPLATE_VERSION, (
        "TEMPLATE_VERSION changed: record the new layout (PERFXL_RECORD_LAYOUT=1, module docstring)")
    recorded, now = _leaves(golden["layout"]), _leaves(current)
    details = [f"{k}: {recorded.get(k)!r} -> {now.get(k)!r}" for k in sorted(set(recorded) | set(now))
               if recorded.get(k) != now.get(k)]
    assert not details, ("addresses moved without a new TEMPLATE_VERSION (returns of the old templates would be "
                         "read at the wrong cells):\n" + "\n".join(details[:20]))


def test_sheet_names_are_unique_valid_and_numbered():
    names = project_sheet_names(NAMES)
    assert len(set(names)) == len(NAMES)
    for n, name in zip(range(1, len(NAMES) + 1), names):
        assert name.startswith(f"{n}.") and len(name.encode("utf-16-le")) // 2 <= 31
        assert not set(name) & set("[]:*?/\\\t") and name[-1] not in "' "

