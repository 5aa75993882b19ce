"""Findings are records, never exceptions: one run lists every problem of every file.

A Finding carries its place (file, sheet, A1 cell, project) and its message says where first, then
what is wrong, then how to fix it. A FileReport holds one file's findings; a Report merges many.
``valid`` means no error-severity finding; explained warnings stay in the report, marked explained.
The dict forms are the JSON report of shared/spec/rules.md (keys may be added, never removed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .catalogue import CATALOGUE

__all__ = ["Finding", "FileReport", "Report", "finding", "SEVERITY_ORDER"]

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass
class Finding:
    code: str
    severity: str
    message: str
    message_en: str = ""
    sheet: str | None = None
    cell: str | None = None
    project_code: str | None = None
    value: Any = None
    explained: bool = False
    explanation: str | None = None
    # The placeholders the message was made from, so the workbook's live 自查 mark (perfxl.live) can
    # word the same finding briefly; not part of the report's dict.
    params: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def to_dict(self) -> dict:
        value = self.value if isinstance(self.value, (int, float, str, type(None))) else str(self.value)
        return {"code": self.code, "severity": self.severity, "sheet": self.sheet, "cell": self.cell,
                "project_code": self.project_code, "message": self.message, "message_en": self.message_en,
                "title": CATALOGUE[self.code].title_zh, "value": value, "explained": self.explained,
                "explanation": self.explanation}


def finding(code: str, /, *, sheet: str | None = None, cell: str | None = None, project_code: str | None = None,
            value: Any = None, severity: str | None = None, **placeholders: Any) -> Finding:
    """Build a finding from the catalogue: the message names the place first, then what and how."""
    info = CATALOGUE[code]
    where_zh = f"【{sheet}{' ' + cell if cell else ''}】" if sheet else ""
    where_en = f"[{sheet}{'!' + cell if cell else ''}] " if sheet else ""
    shown = {k: _show(v) for k, v in {"value": value, **placeholders}.items()}
    return Finding(code=code, severity=severity or info.severity,
                   message=where_zh + info.render("zh", **shown), message_en=where_en + info.render("en", **shown),
                   sheet=sheet, cell=cell, project_code=project_code, value=value,
                   params={"value": value, **placeholders})


def _show(v: Any) -> Any:
    """Numbers as people write them (5295, not 5295.0); blanks as （空）."""
    if v is None or v == "":
        return "（空）"
    if isinstance(v, float):
        return f"{v:.2f}".rstrip("0").rstrip(".") if not v.is_integer() else str(int(v))
    return v


@dataclass(slots=True)
class FileReport:
    """One input file's findings (and, when it was readable, what unit it belongs to). Slots: a
    round keeps one for each of its thousands of files."""

    path: str
    unit_code: str | None = None
    findings: list[Finding] = field(default_factory=list)
    # Cells whose typed text held control characters the reader removed (no rule covers it; it is
    # reported so that nothing read is changed silently): (sheet, cell).
    cleaned_cells: list[tuple[str, str]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.sheet or "", _cell_key(f.cell), f.code))

    def to_dict(self) -> dict:
        return {"path": self.path, "unit_code": self.unit_code, "valid": self.valid,
                "errors": self.errors, "warnings": self.warnings,
                "findings": [f.to_dict() for f in self.sorted_findings()],
                "cleaned_cells": [{"sheet": sheet, "cell": cell} for sheet, cell in self.cleaned_cells]}


def _cell_key(cell: str | None) -> tuple[int, str]:
    if not cell:
        return (0, "")
    letters = cell.rstrip("0123456789")
    return (int(cell[len(letters):] or 0), letters.rjust(3))


@dataclass
class Report:
    """Many files' reports merged; the CLI exits int(not report.valid).

    ``other_files`` are the inputs that are not returns (a cover letter, a PDF, a README): listed so
    nothing is silently dropped, never checked, so they cannot make a report invalid.
    """

    files: list[FileReport] = field(default_factory=list)
    other_files: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return all(f.valid for f in self.files)

    def to_dict(self) -> dict:
        return {"valid": self.valid, "files": [f.to_dict() for f in self.files], "other_files": list(self.other_files)}
