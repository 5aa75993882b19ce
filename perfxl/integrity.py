"""Template identity and the signature over every locked value.

A workbook carries who it was issued to and what it was made from twice: in a very hidden sheet
(``_perfxl``) and in custom document properties. LibreOffice turns very hidden sheets into hidden
ones on re-save and drops the structure lock, so nothing here depends on either; the signature is
computed over values only, in a canonical text form that survives a re-save by any office suite.

With the office's key (``--key-file`` or ``PERFXL_KEY``) the signature is HMAC-SHA256: a unit cannot
forge it. Without a key it is a plain SHA-256, which catches accidental edits but not a determined
forger; the method is recorded so the reader knows which one to expect.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import PerfxlError
from .i18n import t

__all__ = ["Identity", "LockedCell", "canonical", "sign", "load_key", "identity_rows", "parse_identity_rows",
           "verify", "Verification"]

LOCKED_MARKER = "locked_cells"


def canonical(value: Any) -> str:
    """One text per value whatever the office suite stored: 5295, 5295.0 and '5295.0' differ as
    cells but 5295 and 5295.0 are one number, so numbers are written in shortest round-trip form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        # Excel keeps 15 significant digits (and XlsxWriter writes no more), so compare at that precision.
        f = float(f"{float(value):.15g}")
        if math.isfinite(f) and f.is_integer() and abs(f) < 1e15:
            return str(int(f))
        return repr(f)
    return str(value)


@dataclass(frozen=True)
class LockedCell:
    sheet: str
    cell: str
    value: str  # canonical text


@dataclass
class Identity:
    """What a workbook says about itself; ``fields`` keeps every key for forward compatibility."""

    fields: dict[str, str]
    locked: list[LockedCell] = field(default_factory=list)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.fields.get(key, default)

    @property
    def project_codes(self) -> list[str]:
        return json.loads(self.fields.get("project_codes", "[]"))

    @property
    def project_sheets(self) -> list[str]:
        return json.loads(self.fields.get("project_sheets", "[]"))


def load_key(key_file: str | Path | None = None) -> bytes | None:
    """The office's signing key: the key file's bytes, else $PERFXL_KEY, else None (plain SHA-256)."""
    if key_file is not None:
        try:
            data = Path(key_file).read_bytes().strip()
        except OSError as e:
            from .outputs import os_error_message

            e.filename = e.filename2 = None  # the message names the key file first
            raise PerfxlError(t(f"{key_file}：无法读取密钥文件：{os_error_message(e)}",
                                f"{key_file}: cannot read the key file: {os_error_message(e)}")) from None
        if not data:
            raise PerfxlError(t(f"{key_file}：密钥文件为空", f"{key_file}: the key file is empty"))
        return data
    env = os.environ.get("PERFXL_KEY")
    return env.encode("utf-8") if env else None


def _payload(fields: dict[str, str], locked: list[LockedCell]) -> bytes:
    signed = {k: v for k, v in sorted(fields.items()) if k not in ("signature", "signature_method")}
    body = {"fields": signed, "locked": [[c.sheet, c.cell, c.value] for c in locked]}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(fields: dict[str, str], locked: list[LockedCell], key: bytes | None) -> tuple[str, str]:
    """(method, hex digest) over the identity fields and the locked cells."""
    data = _payload(fields, locked)
    if key:
        return "hmac-sha256", hmac.new(key, data, hashlib.sha256).hexdigest()
    return "sha256", hashlib.sha256(data).hexdigest()


def identity_rows(fields: dict[str, str], locked: list[LockedCell]) -> list[list[str]]:
    """The rows of the identity sheet: key/value pairs, then a marker row, then sheet/cell/value."""
    rows = [[k, v] for k, v in fields.items()]
    rows.append([LOCKED_MARKER, str(len(locked))])
    rows.extend([c.sheet, c.cell, c.value] for c in locked)
    return rows


def parse_identity_rows(rows: list[list[Any]]) -> Identity:
    """Inverse of identity_rows; tolerant of cells an office suite turned into numbers."""
    fields: dict[str, str] = {}
    locked: list[LockedCell] = []
    it = iter(rows)
    for row in it:
        row = list(row) + [None, None, None]
        key = canonical(row[0])
        if not key:
            continue
        if key == LOCKED_MARKER:
            for cell_row in it:
                cell_row = list(cell_row) + [None, None, None]
                if canonical(cell_row[0]):
                    locked.append(LockedCell(canonical(cell_row[0]), canonical(cell_row[1]), canonical(cell_row[2])))
            break
        fields[key] = canonical(row[1])
    return Identity(fields, locked)


@dataclass
class Verification:
    """Outcome of checking a workbook's locked values and signature."""

    signature_ok: bool
    changed: list[tuple[LockedCell, str]]  # (what was issued, what the workbook holds now)
    method: str | None

    @property
    def ok(self) -> bool:
        return self.signature_ok and not self.changed


def verify(identity: Identity, get: Callable[[str, str], Any], key: bytes | None) -> Verification:
    """Compare every signed cell with the workbook's value now, and check the signature itself.

    ``get(sheet, a1)`` returns the cell's current value (None when the sheet or cell is gone).
    The signature is checked with the method the workbook names; an HMAC workbook read without
    the key cannot be verified and counts as not ok.
    """
    changed = [(c, canonical(get(c.sheet, c.cell))) for c in identity.locked]
    changed = [(c, now) for c, now in changed if now != c.value]
    method = identity.get("signature_method")
    expected = identity.get("signature")
    if method == "hmac-sha256" and not key:
        return Verification(False, changed, method)
    _, digest = sign(identity.fields, identity.locked, key if method == "hmac-sha256" else None)
    ok = expected is not None and hmac.compare_digest(digest, expected)
    return Verification(ok, changed, method)
