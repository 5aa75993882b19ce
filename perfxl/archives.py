"""Inputs of a collection round: files, folders (recursive) and .zip archives, each file once.

Offices receive returns by email and often save them as zip archives made on Chinese Windows, whose
entry names are GBK bytes without the UTF-8 flag (Python's zipfile then shows them as cp437 mojibake).
Entries are extracted into a private temporary folder; an entry that tries to leave the archive
(absolute path, "..", a drive letter), a link, an encrypted entry or one over the size limits is
refused and listed with its reason, never silently skipped. The inputs themselves are only read.

Returns folders also hold what is not a return: the cover letter (报送说明.docx), a PDF of the signed
page, a README, a screenshot, an Office lock file (~$….xlsx). Each input is classified once here
(``InputFile.kind``): a *return* is anything named as a spreadsheet (.xlsx .xlsm .xls .xlsb .ods .et
.csv …), a unit's JSON data, an archive format perfxl cannot open (.rar, .7z: it must be reported, it may
hold returns), or a file of any other name whose content is a workbook (a misnamed one). Everything
else is an *other file*: listed, never checked, never a finding against a unit. A file named as a
spreadsheet stays a return whatever it contains, so a broken one still gets its S01.

Limits hold for the whole run, not per archive (:class:`RunLimits`): the bytes extracted from all
archives together (at most ``max_bytes``, and at most ``max_ratio`` times the size of the archives
given plus a little, so a small archive cannot fill the disk with entries each just under a per-entry
test), the entries (``max_entries``) and the nesting (an archive inside an archive, one level). An
entry past a limit is refused and listed, never silently dropped.

Every entry is extracted to a file of its own, numbered (``00001.xlsx``), never to its path inside
the archive: two entries of one name, ``a.xlsx`` beside ``a.xlsx/b.xlsx``, or a folder name longer
than the file system allows cannot collide or fail, and each is listed under its archive path (a
second entry of the same name as ``…!r.xlsx#2``). The same file given twice (by two names, or inside
a folder also given) is read once. What a desktop adds to every archive (``__MACOSX/``, ``Thumbs.db``)
is listed as an other file.

The temporary folder is removed when the ``with`` block ends, also on Ctrl-C or SIGTERM (which the CLI
turns into an exception); one left by a process killed outright (``kill -9``) is removed by the next
run, which finds its process gone.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterator, Sequence

from .errors import PerfxlError
from .i18n import t

__all__ = ["InputFile", "collect_inputs", "classify_input", "zip_entry_name", "write_gbk_zip", "MAX_ENTRY_BYTES",
           "MAX_ARCHIVE_BYTES", "SPREADSHEET_SUFFIXES", "RunLimits", "DEFAULT_RUN_LIMITS"]

MAX_ENTRY_BYTES = 50 * 1024 * 1024     # the same per-file ceiling the workbook reader applies
MAX_ARCHIVE_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200
_SKIP_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_TEMP_PREFIX = "perfxl-round-"


@dataclass(frozen=True)
class RunLimits:
    """What the archives of one run may extract, all archives together."""

    max_bytes: int = MAX_ARCHIVE_BYTES  # bytes written to the temporary folder
    max_ratio: int = 50  # ... and at most this many times the size of the archives given ...
    slack_bytes: int = 16 * 1024 * 1024  # ... plus this much
    max_entries: int = 20_000  # entries looked at (files and refused ones)
    max_depth: int = 1  # archives inside archives


DEFAULT_RUN_LIMITS = RunLimits()


@dataclass
class _Budget:
    """What the run has used of its :class:`RunLimits` so far."""

    limits: RunLimits
    archive_bytes: int = 0  # sizes of the archives given (the base of the ratio)
    extracted: int = 0
    entries: int = 0
    displays: dict[str, int] = field(default_factory=dict)
    serial: int = 0

    def room(self) -> int:
        """Bytes that may still be extracted in this run."""
        cap = min(self.limits.max_bytes, self.limits.max_ratio * self.archive_bytes + self.limits.slack_bytes)
        return max(0, cap - self.extracted)

    def unique(self, display: str) -> str:
        """``display``, or ``display#2``, ``#3``... for a second entry of the same name."""
        n = self.displays.get(display, 0) + 1
        self.displays[display] = n
        return display if n == 1 else f"{display}#{n}"

    def next_name(self, name: str) -> str:
        """A numbered file name keeping a short plain suffix (``.xlsx``, ``.json``): readers go by it."""
        self.serial += 1
        suffix = PurePosixPath(name).suffix
        if not re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix or ""):
            suffix = ""
        return f"{self.serial:05d}{suffix}"

# Names that mean "a spreadsheet": Excel (also templates, macro and binary forms), LibreOffice, WPS, CSV.
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".xlsb", ".xlam",
                                  ".ods", ".ots", ".fods", ".et", ".ett", ".csv"})
# Archives perfxl cannot open: they may hold returns, so they are reported (S01 names the format), not skipped.
_UNOPENED_ARCHIVES = frozenset({".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".cab", ".arj"})
# What an other file is, by its name, for 文件清单's 说明 (Chinese, English).
_OTHER_KINDS = {
    (".doc", ".docx", ".docm", ".dot", ".dotx", ".wps", ".wpt", ".rtf", ".odt"): ("Word 文档", "a Word document"),
    (".pdf", ".ofd"): ("PDF 文件", "a PDF file"),
    (".txt", ".md", ".log", ".ini"): ("文本文件", "a text file"),
    (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic"): ("图片", "an image"),
    (".eml", ".msg"): ("邮件", "an e-mail"),
    (".ppt", ".pptx", ".dps", ".odp"): ("演示文稿", "a presentation"),
    (".htm", ".html", ".mht", ".mhtml"): ("网页", "a web page"),
}
_OLE_MAGIC = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"


@dataclass
class InputFile:
    """One input as the office knows it (``display``: path, or "archive.zip!entry") and where to read it."""

    display: str
    path: Path | None           # None when the entry was refused
    problem: str | None = None  # why it was refused (Chinese), for 文件清单
    size: int = 0
    kind: str = "return"        # "return" (checked) or "other" (listed only: a cover letter, a PDF...)
    what_zh: str | None = None  # for an other file: what it is ("Word 文档"; 文件清单 is in Chinese)
    problem_en: str | None = None
    what_en: str | None = None

    @property
    def what(self) -> str | None:
        """What an other file is, in the current language (None for a return)."""
        return t(self.what_zh, self.what_en or "") if self.what_zh else None

    @property
    def name(self) -> str:
        """The file's own name (the last part of a path or of an archive entry)."""
        return self.display.replace("\\", "/").rsplit("!", 1)[-1].rsplit("/", 1)[-1]


_RETURN: tuple[str, None, None] = ("return", None, None)


def classify_input(path: Path, name: str | None = None) -> tuple[str, str | None, str | None]:
    """("return", None, None) for what must be checked; ("other", what it is in Chinese, in English) for a
    file that is no return.

    ``name`` is the name the office sees (an archive entry's), ``path`` where the bytes are.
    """
    name = name or path.name
    suffix = Path(name).suffix.lower()
    if name.startswith("~$"):
        return "other", "Office 打开文件时留下的临时文件", "an Office lock file"
    if suffix in SPREADSHEET_SUFFIXES or suffix in _UNOPENED_ARCHIVES:
        return _RETURN
    if suffix == ".json":
        return _RETURN if _may_be_unit_json(path) else ("other", "JSON 文件（不是单位数据）",
                                                        "a JSON file that is not unit data")
    if _workbook_content(path):
        return _RETURN  # a workbook under another name: read it (the reader goes by content)
    for suffixes, (zh, en) in _OTHER_KINDS.items():
        if suffix in suffixes:
            return "other", zh, en
    if name.upper().startswith(("README", "LICENSE", "说明")):
        return "other", "文本文件", "a text file"
    return "other", "不是电子表格的文件", "not a spreadsheet"


def _may_be_unit_json(path: Path) -> bool:
    """A .json is the unit's data unless it is clearly something else (e.g. a check report saved in the
    folder): valid JSON whose top level has none of the keys unit data has. Invalid JSON is a return
    (the unit meant to send data; S01 tells it what is wrong)."""
    try:
        if path.stat().st_size > MAX_ENTRY_BYTES:
            return True
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return True
    return not isinstance(data, dict) or bool({"unit", "projects", "budget_year"} & set(data))


def _workbook_content(path: Path) -> bool:
    """True when the bytes are a workbook whatever the name: an OOXML or ODF spreadsheet package (listed,
    not inflated), or an OLE file with a Workbook stream (legacy .xls, not a .doc)."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            if head[:4] == b"PK\x03\x04":
                with zipfile.ZipFile(f) as zf:
                    names = set(zf.namelist())
                    if {"xl/workbook.xml", "xl/workbook.bin"} & names:
                        return True
                    if "mimetype" in names and zf.getinfo("mimetype").file_size < 100:
                        return zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet")
                    return False
            if head == _OLE_MAGIC:
                f.seek(0)
                data = f.read(MAX_ENTRY_BYTES)
                book = "Workbook".encode("utf-16-le") in data or "Book\0".encode("utf-16-le") in data
                return book and not any(other.encode("utf-16-le") in data
                                        for other in ("WordDocument", "PowerPoint Document"))
    except (OSError, zipfile.BadZipFile, ValueError, KeyError, RuntimeError, NotImplementedError):
        return False
    return False


def zip_entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's real name: UTF-8 when flagged, else the bytes a Chinese Windows tool wrote (GBK)."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


def _safe_relative(name: str) -> PurePosixPath | None:
    """The entry's path inside the archive, or None when it would leave it."""
    name = name.replace("\\", "/")
    p = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or any(part == ".." for part in p.parts):
        return None
    parts = [x for x in p.parts if x not in ("", ".")]
    return PurePosixPath(*parts) if parts else None


def _from_zip(archive: Path, workdir: Path, budget: _Budget, depth: int = 0,
              label: str | None = None) -> Iterator[InputFile]:
    label = label or str(archive)
    try:
        zf = zipfile.ZipFile(archive)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        yield _refused(budget.unique(label), "压缩包无法打开（不是 zip 格式，或已损坏、截断）",
                       "the archive cannot be opened (not a zip file, or damaged or cut short)")
        return
    with zf:
        files = [info for info in infos if not info.is_dir()]
        for k, info in enumerate(files):
            if budget.entries >= budget.limits.max_entries:
                left = len(files) - k
                yield _refused(budget.unique(f"{label}!…"),
                               f"压缩包内另有 {left} 个文件未解压：本次读取的文件数已达上限 {budget.limits.max_entries} 个",
                               f"{left} more entries not extracted: this run reached its limit of "
                               f"{budget.limits.max_entries} files")
                return
            budget.entries += 1
            yield from _entry(zf, info, workdir, budget, depth, label)


def _entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, workdir: Path, budget: _Budget, depth: int,
           label: str) -> Iterator[InputFile]:
    """One archive entry: refused with its reason, listed, or extracted and classified."""
    name = zip_entry_name(info)
    shown = budget.unique(f"{label}!{name}")
    rel = _safe_relative(name)
    mode = info.external_attr >> 16
    if rel is None:
        yield _refused(shown, "压缩包内的路径试图跳出压缩包（含“..”或绝对路径），已拒绝",
                       "the entry's path leaves the archive (\"..\" or an absolute path): refused")
        return
    if rel.name in _SKIP_NAMES or rel.parts[0] == "__MACOSX":
        yield InputFile(shown, None, None, info.file_size, "other", "电脑系统自动生成的附属文件",
                        what_en="a file the desktop adds to archives")
        return
    if stat.S_ISLNK(mode):
        yield _refused(shown, "压缩包内的符号链接，已拒绝", "a symbolic link inside the archive: refused")
        return
    if info.flag_bits & 0x1:
        yield _refused(shown, "压缩包内的文件设置了密码，无法读取", "the entry is password-protected")
        return
    room = budget.room()
    if info.file_size > MAX_ENTRY_BYTES or (
            info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1 << 20):
        yield _refused(shown, f"解压后过大（{info.file_size} 字节），疑似压缩炸弹，已拒绝",
                       f"too large once extracted ({info.file_size} bytes), probably a zip bomb: refused",
                       info.file_size)
        return
    if info.file_size > room:
        yield _refused(shown, f"本次读取的压缩包解压总量已达上限（{_mb(budget.room() + budget.extracted)}），"
                              f"疑似压缩炸弹，此文件（{info.file_size} 字节）未解压",
                       f"the archives of this run reached their extraction limit "
                       f"({_mb(budget.room() + budget.extracted)}), probably a zip bomb: this entry "
                       f"({info.file_size} bytes) was not extracted", info.file_size)
        return
    out = workdir / budget.next_name(rel.name)
    try:
        with zf.open(info) as src, open(out, "xb") as dst:
            copied = _copy_limited(src, dst, min(MAX_ENTRY_BYTES, room))
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
        out.unlink(missing_ok=True)
        yield _refused(shown, "压缩包内的文件损坏，无法解压", "the entry is damaged and cannot be extracted")
        return
    if copied is None:
        out.unlink(missing_ok=True)
        budget.extracted += min(MAX_ENTRY_BYTES, room)
        yield _refused(shown, "解压后超过大小上限，疑似压缩炸弹，已拒绝",
                       "larger than the size limit once extracted, probably a zip bomb: refused")
        return
    budget.extracted += copied
    if out.suffix.lower() == ".zip":
        if depth < budget.limits.max_depth:  # archives inside archives, to the depth allowed
            yield from _from_zip(out, workdir, budget, depth + 1, label=shown)
        else:
            yield _refused(shown, f"压缩包嵌套超过 {budget.limits.max_depth} 层，未解压；请解压后再报送",
                           f"an archive nested deeper than {budget.limits.max_depth} level(s): not extracted",
                           copied)
        return
    yield _input(shown, out, copied, rel.name)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def _refused(display: str, zh: str, en: str, size: int = 0) -> InputFile:
    return InputFile(display, None, zh, size, problem_en=en)


def _input(display: str, path: Path, size: int, name: str) -> InputFile:
    kind, what_zh, what_en = classify_input(path, name)
    return InputFile(display, path, None, size, kind, what_zh, what_en=what_en)


def _copy_limited(src, dst, limit: int) -> int | None:
    """Copy at most ``limit`` bytes; None when the entry inflates past it (its header lied)."""
    n = 0
    while True:
        chunk = src.read(1 << 20)
        if not chunk:
            return n
        n += len(chunk)
        if n > limit:
            return None
        dst.write(chunk)


@contextmanager
def collect_inputs(paths: Sequence[str | Path], *, limits: RunLimits = DEFAULT_RUN_LIMITS) -> Iterator[list[InputFile]]:
    """Every input file of a round, each classified (``kind``) and each once; extracted archive entries
    live until the ``with`` block ends.

    Raises PerfxlError for a path that does not exist (a usage error, not a finding).
    """
    paths = [Path(p) for p in paths]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise PerfxlError(t(f"{missing[0]}：文件或文件夹不存在", f"{missing[0]}: no such file or folder"))
    _remove_stale_folders()
    tmp = Path(tempfile.mkdtemp(prefix=f"{_TEMP_PREFIX}{os.getpid()}-"))
    try:
        out: list[InputFile] = []
        budget = _Budget(limits)
        seen: set[tuple[int, int]] = set()
        for p in paths:
            files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
            for f in files:
                if not _first_time(f, seen):
                    continue  # the same file named twice (or inside a folder also given): read once
                if f.suffix.lower() == ".zip":
                    budget.archive_bytes += _file_size(f)
                    out.extend(_from_zip(f, tmp, budget))
                elif f.name in _SKIP_NAMES:
                    out.append(InputFile(str(f), None, None, _file_size(f), "other", "电脑系统自动生成的附属文件",
                                         what_en="a file the desktop adds to folders"))
                else:
                    out.append(_input(str(f), f, _file_size(f), f.name))
        yield out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _file_size(f: Path) -> int:
    try:
        return f.stat().st_size
    except OSError:
        return 0


def _first_time(f: Path, seen: set[tuple[int, int]]) -> bool:
    """True the first time this file (by device and inode, so links and two spellings agree) is met."""
    try:
        st = f.stat()
    except OSError:
        return True  # unreadable: listed, and its S01 says why
    key = (st.st_dev, st.st_ino)
    if st.st_ino and key in seen:
        return False
    seen.add(key)
    return True


def _remove_stale_folders() -> None:
    """Temporary folders of runs whose process is gone (killed outright): their extracted returns."""
    root = Path(tempfile.gettempdir())
    try:
        names = [n for n in os.listdir(root) if n.startswith(_TEMP_PREFIX)]
    except OSError:
        return
    for name in names:
        pid = name[len(_TEMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(root / name, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def write_gbk_zip(path: str | Path, files: dict[str, bytes]) -> Path:
    """A zip as Chinese Windows' built-in tool writes it: names in GBK without the UTF-8 flag.

    Python's zipfile always flags non-ASCII names as UTF-8, so the encoded name is supplied per entry;
    the demo and the tests use this to produce what offices actually receive.
    """
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = _GbkInfo(name.encode("gbk").decode("cp437"), date_time=(2023, 3, 1, 9, 0, 0))
            info.raw_name = name.encode("gbk")
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


class _GbkInfo(zipfile.ZipInfo):
    __slots__ = ("raw_name",)

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own hook
        return self.raw_name, self.flag_bits & ~0x800
