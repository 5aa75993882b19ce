"""perfxl: budget performance goal tables (预算绩效目标表) in Excel workbooks.

The library does the work; ``perfxl.cli`` is a thin layer over these functions.

The public names are imported on first use (PEP 562): ``import perfxl`` costs almost nothing, so
``perfxl --help`` does not pay for pandas, openpyxl and jsonschema, and each command loads only
what it needs. ``perfxl.X`` and ``from perfxl import X`` behave as before.
"""
from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> submodule that defines it (order = the order of __all__)
_EXPORTS: dict[str, str] = {
    "PerfxlError": "errors", "FrameworkError": "errors", "RegisterError": "errors", "UnitDataError": "errors",
    "Framework": "frameworks", "load_framework": "frameworks", "list_frameworks": "frameworks",
    "UnitData": "model", "Unit": "model", "DepartmentGoals": "model", "Section": "model", "Project": "model",
    "Funds": "model", "Indicator": "model",
    "load_unit": "model", "dump_unit": "model", "unit_from_dict": "model", "unit_to_dict": "model",
    "read_register": "register", "render_workbook": "writer", "write_workbook": "writer",
    "write_templates": "writer", "workbook_filename": "writer",
    "Finding": "findings", "FileReport": "findings", "Report": "findings",
    "ReadResult": "reader", "read_workbook": "reader",
    "Checked": "check", "CheckRun": "check", "check_unit": "check", "check_file": "check",
    "check_paths": "check", "annotate": "check", "load_register_index": "check",
    "export_unit": "export", "Consolidation": "consolidate", "consolidate": "consolidate",
    "summary_workbook": "summary", "write_summary": "summary", "write_csv": "summary",
    # the year-end self-evaluation (绩效自评), the second form of the same machinery
    "SelfEvalUnit": "selfeval_model", "selfeval_from_goals": "selfeval_model", "load_selfeval": "selfeval_model",
    "dump_selfeval": "selfeval_model", "render_selfeval_workbook": "selfeval_writer",
    "write_selfeval_workbook": "selfeval_writer", "check_selfeval": "selfeval_check",
    "run_selfeval_rules": "selfeval_rules",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` the first time it is asked for."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """Keeps ``perfxl.consolidate`` the function when the submodule of the same name is imported.

    Importing a submodule sets it as an attribute of its package; the eager ``__init__`` used to
    overwrite that with the function, and ``perfxl.consolidate(...)`` must keep working now that
    the function is only looked up on demand.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name:
            self.__dict__.pop(name, None)  # the next look-up goes through __getattr__: the function
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .check import CheckRun, Checked, annotate, check_file, check_paths, check_unit, load_register_index
    from .consolidate import Consolidation, consolidate
    from .errors import FrameworkError, PerfxlError, RegisterError, UnitDataError
    from .export import export_unit
    from .findings import FileReport, Finding, Report
    from .frameworks import Framework, list_frameworks, load_framework
    from .model import (DepartmentGoals, Funds, Indicator, Project, Section, Unit, UnitData, dump_unit,
                        load_unit, unit_from_dict, unit_to_dict)
    from .reader import ReadResult, read_workbook
    from .register import read_register
    from .selfeval_check import check_selfeval
    from .selfeval_model import SelfEvalUnit, dump_selfeval, load_selfeval, selfeval_from_goals
    from .selfeval_rules import run_selfeval_rules
    from .selfeval_writer import render_selfeval_workbook, write_selfeval_workbook
    from .summary import summary_workbook, write_csv, write_summary
    from .writer import render_workbook, workbook_filename, write_templates, write_workbook
