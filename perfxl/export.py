"""Export a filled workbook as the unit's JSON (the inverse of ``template --data``)."""
from __future__ import annotations

from pathlib import Path

from .errors import PerfxlError
from .findings import Finding
from .model import unit_to_dict, validate_unit_dict
from .reader import read_workbook

__all__ = ["export_unit"]


def export_unit(path: str | Path, *, key: bytes | None = None) -> tuple[dict, list[Finding]]:
    """(the unit's schema-conformant dict, the reader's structural findings).

    Raises PerfxlError when the file cannot be read into a unit at all (S01/S02/S03), since there is
    then nothing to export.
    """
    read = read_workbook(path, key=key)
    if read.unit is None:
        reason = "；".join(f.message for f in read.findings) or "无法读取"
        raise PerfxlError(f"{path}: {reason}")
    data = unit_to_dict(read.unit)
    validate_unit_dict(data, str(path))
    return data, read.findings
