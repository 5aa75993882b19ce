"""Exceptions mean "cannot run"; problems found in a unit's workbook are findings, never exceptions.

Every exception perfxl raises on purpose derives from PerfxlError and carries a message a finance
office operator can act on (it names the file, and the row or path inside it). The CLI turns these
into a one-line message and exit status 2.
"""
from __future__ import annotations

__all__ = ["PerfxlError", "FrameworkError", "RegisterError", "UnitDataError", "NothingToCheck", "RoundMismatch"]


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
