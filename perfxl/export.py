"""Export a filled workbook as the unit's JSON (the inverse of ``template --data``).

The workbook is read as ``check`` reads it: in a sandboxed worker process (``perfxl.sandbox``), with
the identity parsed and the framework found by id (``check.read_return``). A file that cannot be read
into a unit, for whatever reason (corrupt, hostile, a malformed identity), is a PerfxlError naming the
file and the reason: ``export`` and ``render`` end with a message, never a traceback.
"""
from __future__ import annotations

from pathlib import Path

from .errors import PerfxlError
from .findings import Finding
from .i18n import lang, t
from .model import UnitData, unit_to_dict, validate_unit_dict

__all__ = ["export_unit", "read_unit"]


def read_unit(path: str | Path, *, key: bytes | None = None) -> tuple[UnitData, list[Finding]]:
    """(the unit a filled workbook holds, the reader's structural findings), read in a sandbox.

    Raises PerfxlError when the file cannot be read into a unit at all (S01/S02/S03/S04/S05), since
    there is then nothing to export or render.
    """
    from .check import read_return_isolated  # here: a JSON export needs no rules

    read = read_return_isolated(path, key=key)
    if read.unit is None:
        en = lang() == "en"
        reason = t("；", "; ").join(f.message_en if en else f.message for f in read.findings)
        raise PerfxlError(f"{path}{t('：', ': ')}{reason or t('无法读取', 'cannot be read')}")
    return read.unit, read.findings


def export_unit(path: str | Path, *, key: bytes | None = None) -> tuple[dict, list[Finding]]:
    """(the unit's schema-conformant dict, the reader's structural findings).

    Raises PerfxlError when the file cannot be read into a unit at all (S01/S02/S03/S04/S05), since
    there is then nothing to export.
    """
    unit, findings = read_unit(path, key=key)
    if isinstance(unit, UnitData):
        data = unit_to_dict(unit)
        validate_unit_dict(data, str(path))
    else:  # a self-evaluation workbook (绩效自评): its own interchange form, data/selfeval.schema.json
        from .selfeval_model import selfeval_to_dict, validate_selfeval_dict

        data = selfeval_to_dict(unit)
        validate_selfeval_dict(data, str(path))
    return data, findings
