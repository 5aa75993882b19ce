"""Template identity and the signature over every locked value.

A workbook carries who it was issued to and what it was made from twice: in a very hidden sheet
(``_perfxl``) and in custom document properties. LibreOffice turns very hidden sheets into hidden
ones on re-save and drops the structure lock, so nothing here depends on either; the signature is
computed over values only, in a canonical text form that survives a re-save by any office suite.

With the office's key (``--key-file`` or ``PERFXL_KEY``) the signature is HMAC-SHA256: a unit cannot
forge it. Without a key it is a plain SHA-256, which catches accidental edits but not a determined
forger: anyone can recompute it after changing a locked value.

Key policy: the method written in the workbook is the *sender's* claim and is never trusted. With a
key, only an HMAC made with that key verifies; a workbook that says "sha256", names another method or
has no signature fails (S04), whatever it contains. Without a key, only a SHA-256 can be checked; an
HMAC workbook then fails with a note that the key is needed.

Every identity value is parsed, never used as it stands (:func:`identity_problems`): a budget year
that is not four ASCII digits, project lists that are not JSON lists of short texts, or a locked
cell whose address is not a cell of an Excel sheet make the identity unusable (S04 naming the field),
before any of them reaches the reader.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import PerfxlError
from .i18n import t

__all__ = ["Identity", "LockedCell", "canonical", "sign", "load_key", "identity_rows", "parse_identity_rows",
           "verify", "Verification", "identity_problems", "IdentityProblem", "HMAC_METHOD", "SHA256_METHOD"]

HMAC_METHOD = "hmac-sha256"
SHA256_METHOD = "sha256"

LOCKED_MARKER = "locked_cells"


def canonical(value: Any) -> str:
    """One text per value whatever the office suite stored: 5295, 5295.0 and '5295.0' differ as
    cells but 5295 and 5295.0 are one number, so numbers are written in shortest round-trip form."""
    if value.__class__ is str:  # most values (every identity field and signed text): first, and as they are
        return value
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
        """The issued project codes; [] when the field is not a JSON list of texts (identity_problems says so)."""
        return _text_list(self.fields.get("project_codes", "[]")) or []

    @property
    def project_sheets(self) -> list[str]:
        """The issued project sheet names; [] when the field is not a JSON list of texts."""
        return _text_list(self.fields.get("project_sheets", "[]"), max_len=31, min_len=1) or []


def _text_list(raw: str | None, max_items: int = 2000, max_len: int = 255, min_len: int = 0) -> list[str] | None:
    """A JSON list of short texts, or None for anything else (not JSON, nested, too long, huge)."""
    if raw is None or len(raw) > max_items * (max_len + 4) + 2:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list) or len(value) > max_items:
        return None
    if not all(isinstance(x, str) and min_len <= len(x) <= max_len for x in value):
        return None
    return value


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
    With ``key`` only an HMAC-SHA256 made with that key verifies; without one only a SHA-256 does
    (an HMAC workbook read without the key cannot be verified and counts as not ok). The method the
    workbook names is the sender's claim: it only has to agree.
    """
    changed = [(c, canonical(get(c.sheet, c.cell))) for c in identity.locked]
    changed = [(c, now) for c, now in changed if now != c.value]
    method = identity.get("signature_method")
    expected = identity.get("signature") or ""
    wanted = HMAC_METHOD if key else SHA256_METHOD  # the office's key decides, never the workbook
    if method != wanted or not expected.isascii():
        return Verification(False, changed, method)
    _, digest = sign(identity.fields, identity.locked, key or None)
    return Verification(hmac.compare_digest(digest, expected), changed, method)


@dataclass(frozen=True)
class IdentityProblem:
    """One identity value that is not what perfxl writes: the field, and why, in both languages."""

    field: str
    value: str
    zh: str
    en: str


_A1 = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_MAX_LOCKED = 200_000


def _cell_ok(ref: str) -> bool:
    """An A1 address inside an Excel sheet (XFD1048576 at most), as the writer records them."""
    m = _A1.fullmatch(ref)
    if m is None:
        return False
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return col <= 16384 and int(m.group(2)) <= 1048576


def identity_problems(identity: Identity) -> list[IdentityProblem]:
    """Every identity value that cannot be what perfxl wrote: checked before any of them is used.

    budget_year: four ASCII digits; project_codes and project_sheets: JSON lists of texts (at most 2000,
    each at most 255 characters; sheet names 1–31), of equal length; locked cells: a sheet name of at
    most 31 characters and an A1 address inside an Excel sheet, at most 200 000 of them.
    """
    out: list[IdentityProblem] = []

    def bad(name: str, value: str | None, zh: str, en: str) -> None:
        shown = (value or "")[:40] + ("…" if value and len(value) > 40 else "")
        out.append(IdentityProblem(name, shown, zh, en))

    year = identity.get("budget_year")
    if year is None or not (len(year) == 4 and year.isascii() and year.isdigit()):
        bad("budget_year", year, "应为 4 位数字的年份", "should be a year of four digits")
    codes = _text_list(identity.get("project_codes", "[]"))
    sheets = _text_list(identity.get("project_sheets", "[]"), max_len=31, min_len=1)
    if codes is None:
        bad("project_codes", identity.get("project_codes"), "应为项目编码的列表（JSON）", "should be a JSON list of project codes")
    if sheets is None:
        bad("project_sheets", identity.get("project_sheets"), "应为工作表名称的列表（JSON，每个不超过 31 个字符）",
            "should be a JSON list of sheet names (31 characters at most each)")
    if codes is not None and sheets is not None and len(codes) != len(sheets):
        bad("project_sheets", identity.get("project_sheets"), f"有 {len(sheets)} 个工作表，而项目编码有 {len(codes)} 个",
            f"lists {len(sheets)} sheets for {len(codes)} project codes")
    if len(identity.locked) > _MAX_LOCKED:
        bad(LOCKED_MARKER, str(len(identity.locked)), f"锁定单元格过多（上限 {_MAX_LOCKED}）",
            f"too many locked cells (at most {_MAX_LOCKED})")
    else:
        for c in identity.locked:
            if not _cell_ok(c.cell) or not c.sheet or len(c.sheet) > 31:
                bad(LOCKED_MARKER, f"{c.sheet}!{c.cell}", f"锁定单元格“{c.sheet[:31]}!{c.cell[:20]}”不是有效的单元格地址",
                    f"locked cell '{c.sheet[:31]}!{c.cell[:20]}' is not a valid cell address")
                break
    return out
