"""新建一轮: a round made from the office's register, its templates issued and recorded.

The library does the work (``generate.templates_from_register``, the same call as ``perfxl
template``); this module decides where things go in the round folder and records what was issued:
each template's file, SHA-256 and signature, read back from the workbook perfxl just wrote. Every
name on disk is made here (``goals-2024/register.xlsx``, ``templates/``), never taken from the upload:
the uploaded register keeps its name only as a label.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import PerfxlError, RegisterError
from ..frameworks import Framework, list_frameworks, load_framework
from ..i18n import t
from ..integrity import load_key
from ..model import UnitData
from .db import Database, now
from .records import FORMS

__all__ = ["Round", "create_round", "get_round", "list_rounds", "templates_zip", "NotFound", "REGISTER_SUFFIXES",
           "KEY_MODES"]

REGISTER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
KEY_MODES = ("none", "generate", "upload")
MAX_KEY_BYTES = 4096


class NotFound(PerfxlError):
    """A round, unit or file id that this folder does not have."""


@dataclass
class Round:
    """One round of the folder, with what checking its returns needs (loaded once, then kept)."""

    id: int
    form: str
    budget_year: int
    framework_id: str
    folder: Path
    register_file: Path
    register_name: str
    key_file: Path | None
    signature_method: str
    created_at: str
    notes: list[str] = field(default_factory=list)
    _register: dict[str, UnitData] | None = field(default=None, repr=False)

    @property
    def framework(self) -> Framework:
        return load_framework(self.framework_id)

    @property
    def key(self) -> bytes | None:
        return load_key(self.key_file) if self.key_file else None

    @property
    def register(self) -> dict[str, UnitData]:
        if self._register is None:
            from ..check import load_register_index

            self._register = load_register_index(self.register_file) or {}
        return self._register


def _round(db: Database, row: Any) -> Round:
    base = db.folder
    return Round(id=row["id"], form=row["form"], budget_year=row["budget_year"], framework_id=row["framework"],
                 folder=base / row["folder"], register_file=base / row["register_file"],
                 register_name=row["register_name"], key_file=base / row["key_file"] if row["key_file"] else None,
                 signature_method=row["signature_method"], created_at=row["created_at"],
                 notes=json.loads(row["notes"] or "[]"))


_CACHE: dict[tuple[str, int], Round] = {}


def get_round(db: Database, round_id: int) -> Round:
    """The round of this id; NotFound when the folder has none."""
    cached = _CACHE.get((str(db.path), round_id))
    if cached is not None:
        return cached
    row = db.one("SELECT * FROM rounds WHERE id = ?", round_id)
    if row is None:
        raise NotFound(t(f"没有编号为 {round_id} 的一轮", f"no round {round_id}"))
    r = _CACHE[(str(db.path), round_id)] = _round(db, row)
    return r


def list_rounds(db: Database) -> list[Round]:
    return [_round(db, row) for row in db.all("SELECT * FROM rounds ORDER BY id")]


def _folder_name(db: Database, form: str, year: int) -> str:
    """``goals-2024``, or ``goals-2024-2`` when that exists (a second round of the same year)."""
    base, n = f"{form}-{year}", 1
    while True:
        name = base if n == 1 else f"{base}-{n}"
        if not (db.folder / name).exists() and db.one("SELECT 1 FROM rounds WHERE folder = ?", name) is None:
            return name
        n += 1


def _register_suffix(name: str) -> str:
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if suffix not in REGISTER_SUFFIXES:
        raise PerfxlError(t(f"{name or '（未选择文件）'}：项目清单须为 .xlsx、.xls 或 .csv 表格",
                            f"{name or '(no file)'}: the register must be an .xlsx, .xls or .csv table"))
    return suffix


def _check_choice(form: str, framework: str, year: int) -> None:
    if form not in FORMS:
        raise PerfxlError(t(f"未知的表样“{form[:40]}”", f"unknown form '{form[:40]}'"))
    if framework not in list_frameworks():
        raise PerfxlError(t(f"未知的指标体系“{framework[:40]}”：可用的有 {'、'.join(list_frameworks())}",
                            f"unknown framework '{framework[:40]}': shipped are {', '.join(list_frameworks())}"))
    if not 2000 <= year <= 2100:
        raise PerfxlError(t(f"预算年度 {year} 不在 2000–2100 之间", f"budget year {year} is not between 2000 and 2100"))


def _write_key(folder: Path, mode: str, uploaded: bytes | None) -> Path | None:
    """The round's signing key file (owner-only), generated or as uploaded; None without a key."""
    if mode == "none":
        return None
    if mode == "generate":
        data = secrets.token_hex(32).encode("ascii")
    elif mode == "upload":
        data = (uploaded or b"").strip()
        if not data:
            raise PerfxlError(t("密钥文件为空或未选择", "the key file is empty or was not given"))
        if len(data) > MAX_KEY_BYTES:
            raise PerfxlError(t(f"密钥文件过大（超过 {MAX_KEY_BYTES} 字节），请选择正确的密钥文件",
                                f"the key file is too large (over {MAX_KEY_BYTES} bytes); is it the right file?"))
    else:
        raise PerfxlError(t(f"未知的密钥方式“{mode[:20]}”", f"unknown key mode '{mode[:20]}'"))
    path = folder / "signing.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def issued_identity(path: Path) -> dict[str, str]:
    """The identity perfxl wrote into a template's custom properties (its own file, just written)."""
    from defusedxml import ElementTree

    with zipfile.ZipFile(path) as zf:
        root = ElementTree.fromstring(zf.read("docProps/custom.xml"))
    out = {}
    for prop in root:
        name = prop.get("name") or ""
        if name.startswith("perfxl.") and len(prop):
            out[name[len("perfxl."):]] = prop[0].text or ""
    return out


def create_round(db: Database, *, register_name: str, register_data: bytes, budget_year: int,
                 framework: str, form: str = "goals", key_mode: str = "none", key_data: bytes | None = None,
                 password: str | None = None) -> Round:
    """Store the register, generate every unit's template and record the round; nothing is left behind
    when the register cannot be used (its PerfxlError names the uploaded file and every bad row)."""
    from ..generate import templates_from_register

    _check_choice(form, framework, budget_year)
    suffix = _register_suffix(register_name)
    if not register_data:
        raise PerfxlError(t(f"{register_name}：文件为空", f"{register_name}: the file is empty"))
    name = _folder_name(db, form, budget_year)
    folder = db.folder / name
    folder.mkdir(parents=True)
    try:
        register = folder / f"register{suffix}"
        register.write_bytes(register_data)
        key_file = _write_key(folder, key_mode, key_data)
        key = load_key(key_file) if key_file else None
        try:
            result = templates_from_register(register, folder / "templates", budget_year=budget_year,
                                             framework=framework, password=password or None, key=key)
        except RegisterError as e:
            raise PerfxlError(str(e).replace(str(register), register_name)) from None
        return _record(db, name, folder, register, register_name, key_file, form, budget_year, framework,
                       bool(password), result)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _record(db: Database, name: str, folder: Path, register: Path, register_name: str, key_file: Path | None,
            form: str, year: int, framework: str, password: bool, result: Any) -> Round:
    base = db.folder
    method = "hmac-sha256" if key_file else "sha256"
    stamp = now()
    with db.connect() as con:
        rid = con.execute(
            "INSERT INTO rounds(form, budget_year, framework, folder, register_file, register_name, key_file, "
            "signature_method, password, notes, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (form, year, framework, name, str(register.relative_to(base)), register_name[:200],
             str(key_file.relative_to(base)) if key_file else None, method, int(password),
             json.dumps(result.notes, ensure_ascii=False), stamp)).lastrowid
        for pos, (unit, path) in enumerate(zip(result.units, result.paths)):
            u = unit.unit
            con.execute("INSERT INTO register_units VALUES (?,?,?,?,?,?,?,?)",
                        (rid, u.code, u.name, u.department_code or "", u.department_name or "", len(unit.projects),
                         sum(p.funds.total for p in unit.projects if isinstance(p.funds.total, (int, float))), pos))
            ident = issued_identity(path)
            con.execute("INSERT INTO templates(round_id, unit_code, file, sha256, template_id, template_version, "
                        "signature_method, signature, issued_at) VALUES (?,?,?,?,?,?,?,?,?)",
                        (rid, u.code, str(path.relative_to(base)), _sha256(path), ident.get("template_id", ""),
                         ident.get("template_version", ""), ident.get("signature_method", method),
                         ident.get("signature", ""), stamp))
    return get_round(db, int(rid))


def templates_zip(db: Database, r: Round) -> bytes:
    """Every issued template of the round in one zip (names as the writer made them)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for row in db.all("SELECT file FROM templates WHERE round_id = ? ORDER BY id", r.id):
            path = db.folder / row["file"]
            zf.write(path, path.name)
    return buf.getvalue()
