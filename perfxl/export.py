"""Export a filled workbook as the unit's JSON (the inverse of ``template --data``)."""
from __future__ import annotations

from pathlib import Path

from .errors import PerfxlError
from .findings import Finding
from .i18n import lang, t
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
        en = lang() == "en"
        reason = t("；", "; ").join(f.message_en if en else f.message for f in read.findings)
        raise PerfxlError(f"{path}{t('：', ': ')}{reason or t('无法读取', 'cannot be read')}")
    data = unit_to_dict(read.unit)
    validate_unit_dict(data, str(path))
    return data, read.findings
