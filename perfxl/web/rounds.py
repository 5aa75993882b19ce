"""新建一轮: a round made from the office's register, its templates issued and recorded.

The library does the work (``generate.templates_from_register``, the same call as ``perfxl
template``); this module decides where things go in the round folder and records what was issued:
each template's file, SHA-256 and signature, read back from the workbook perfxl just wrote. Every
name on disk is made here (``goals-2024/register.xlsx``, ``templates/``), never taken from the upload:
the uploaded register keeps its name only as a label.

A self-evaluation round (绩效自评, ``form = 'selfeval'``) is made from a goals round of the same folder,
as a finance office has it in spring: the goals round's register (copied: the same units are asked),
its year and framework, and the goal tables it adopted (one per unit, as consolidation decides),
each made into the unit's blank self-evaluation by the library (``selfeval_from_goals`` and the
self-evaluation writer, as ``perfxl template --form selfeval`` does from returned goal workbooks).
A unit without an adopted goal table gets no template, and the round's notes say so.
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

__all__ = ["Round", "create_round", "create_selfeval_round", "get_round", "list_rounds", "templates_zip", "NotFound", "REGISTER_SUFFIXES",
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


def create_selfeval_round(db: Database, *, source_round: int, key_mode: str = "none", key_data: bytes | None = None,
                          password: str | None = None) -> Round:
    """A self-evaluation round from the goals round ``source_round``: its register, year and framework,
    and a template per unit from the goal table it adopted. PerfxlError when that round is not a goals
    round of this folder or has adopted nothing yet; nothing is left behind then."""
    from ..generate import write_all
    from ..selfeval_model import selfeval_from_goals
    from ..selfeval_writer import write_selfeval_workbook
    from .records import unit_from_json

    source = get_round(db, source_round)
    if source.form != "goals":
        raise PerfxlError(t(f"第 {source_round} 轮不是绩效目标轮次：绩效自评须由已收齐的绩效目标轮次生成",
                            f"round {source_round} is not a goals round: a self-evaluation is made from the approved goals"))
    adopted = db.all("SELECT unit_code, display, unit_json FROM files WHERE round_id = ? AND status = 'taken' "
                     "AND readable = 1 ORDER BY id", source.id)
    goals = {row["unit_code"]: row for row in adopted}
    if not goals:
        raise PerfxlError(t(f"{source.budget_year} 年度绩效目标轮次还没有采用的绩效目标表，无法生成绩效自评表",
                            f"the {source.budget_year} goals round has adopted no goal table yet: nothing to evaluate"))
    fw = source.framework
    name = _folder_name(db, "selfeval", source.budget_year)
    folder = db.folder / name
    folder.mkdir(parents=True)
    try:
        register = folder / f"register{source.register_file.suffix}"
        shutil.copyfile(source.register_file, register)
        key_file = _write_key(folder, key_mode, key_data)
        key = load_key(key_file) if key_file else None
        units = list(source.register.values())
        made = [selfeval_from_goals(unit_from_json(goals[u.unit.code]["unit_json"]), fw,
                                    source=goals[u.unit.code]["display"].rsplit("!", 1)[-1].rsplit("/", 1)[-1])
                for u in units if u.unit.code in goals]
        paths = write_all(made, fw, folder / "templates", password=password or None, key=key,
                          write=write_selfeval_workbook)
        missing = [u for u in units if u.unit.code not in goals]
        notes = [t(f"单位 {u.unit.code} {u.unit.name} 在 {source.budget_year} 年度绩效目标轮次中没有采用的绩效目标表，"
                   f"未生成绩效自评表", f"unit {u.unit.code} has no adopted goal table in the goals round: no template")
                 for u in missing]
        issued = list(zip((se.unit.code for se in made), paths))
        return _record(db, name, folder, register, source.register_name, key_file, "selfeval", source.budget_year,
                       source.framework_id, bool(password), units, issued, notes)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


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
                       bool(password), result.units, [(u.unit.code, p) for u, p in zip(result.units, result.paths)],
                       result.notes)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _record(db: Database, name: str, folder: Path, register: Path, register_name: str, key_file: Path | None,
            form: str, year: int, framework: str, password: bool, units: list[UnitData],
            issued: list[tuple[str, Path]], notes: list[str]) -> Round:
    """The round, its register's units (``units``, in order) and every template issued (unit code, file)."""
    base = db.folder
    method = "hmac-sha256" if key_file else "sha256"
    stamp = now()
    with db.connect() as con:
        rid = con.execute(
            "INSERT INTO rounds(form, budget_year, framework, folder, register_file, register_name, key_file, "
            "signature_method, password, notes, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (form, year, framework, name, str(register.relative_to(base)), register_name[:200],
             str(key_file.relative_to(base)) if key_file else None, method, int(password),
             json.dumps(notes, ensure_ascii=False), stamp)).lastrowid
        for pos, unit in enumerate(units):
            u = unit.unit
            con.execute("INSERT INTO register_units VALUES (?,?,?,?,?,?,?,?)",
                        (rid, u.code, u.name, u.department_code or "", u.department_name or "", len(unit.projects),
                         sum(p.funds.total for p in unit.projects if isinstance(p.funds.total, (int, float))), pos))
        for code, path in issued:
            ident = issued_identity(path)
            con.execute("INSERT INTO templates(round_id, unit_code, file, sha256, template_id, template_version, "
                        "signature_method, signature, issued_at) VALUES (?,?,?,?,?,?,?,?,?)",
                        (rid, code, str(path.relative_to(base)), _sha256(path), ident.get("template_id", ""),
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
