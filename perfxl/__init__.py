"""perfxl: budget performance goal tables (预算绩效目标表) in Excel workbooks.

The library does the work; ``perfxl.cli`` is a thin layer over these functions.
"""
__version__ = "0.1.0"

from .errors import FrameworkError, PerfxlError, RegisterError, UnitDataError  # noqa: E402
from .frameworks import Framework, list_frameworks, load_framework  # noqa: E402
from .model import (DepartmentGoals, Funds, Indicator, Project, Section, Unit, UnitData,  # noqa: E402
                    dump_unit, load_unit, unit_from_dict, unit_to_dict)
from .register import read_register  # noqa: E402
from .writer import render_workbook, workbook_filename, write_templates, write_workbook  # noqa: E402
from .findings import FileReport, Finding, Report  # noqa: E402
from .reader import ReadResult, read_workbook  # noqa: E402
from .check import (Checked, CheckRun, annotate, check_file, check_paths, check_unit,  # noqa: E402
                    load_register_index)
from .export import export_unit  # noqa: E402
from .consolidate import Consolidation, consolidate  # noqa: E402
from .summary import summary_workbook, write_csv, write_summary  # noqa: E402

__all__ = [
    "__version__", "PerfxlError", "FrameworkError", "RegisterError", "UnitDataError",
    "Framework", "load_framework", "list_frameworks",
    "UnitData", "Unit", "DepartmentGoals", "Section", "Project", "Funds", "Indicator",
    "load_unit", "dump_unit", "unit_from_dict", "unit_to_dict",
    "read_register", "render_workbook", "write_workbook", "write_templates", "workbook_filename",
    "Finding", "FileReport", "Report", "ReadResult", "read_workbook",
    "Checked", "CheckRun", "check_unit", "check_file", "check_paths", "annotate", "load_register_index",
    "export_unit", "Consolidation", "consolidate", "summary_workbook", "write_summary", "write_csv",
]
