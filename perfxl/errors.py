"""Exceptions mean "cannot run"; problems found in a unit's workbook are findings, never exceptions.

Every exception perfxl raises on purpose derives from PerfxlError and carries a message a finance
office operator can act on (it names the file, and the row or path inside it). The CLI turns these
into a one-line message and exit status 2.
"""
from __future__ import annotations

__all__ = ["PerfxlError", "FrameworkError", "RegisterError", "UnitDataError"]


class PerfxlError(Exception):
    """Base class: perfxl cannot do what was asked with this input."""


class FrameworkError(PerfxlError):
    """A framework definition (workbook_templates/frameworks/*.json) is missing or broken."""


class RegisterError(PerfxlError):
    """The register (项目清单) cannot be used; ``problems`` lists every bad row, not just the first."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  … 另有 {len(problems) - 50} 处" if len(problems) > 50 else ""
        super().__init__(f"{path}: 项目清单有 {len(problems)} 处问题，未生成任何文件：\n{shown}{more}")


class UnitDataError(PerfxlError):
    """A unit's JSON data does not conform to unit-goals.schema.json."""
