"""Inputs of a collection round: files, folders (recursive) and .zip archives, each file once.

Offices receive returns by email and often save them as zip archives made on Chinese Windows, whose
entry names are GBK bytes without the UTF-8 flag (Python's zipfile then shows them as cp437 mojibake).
Entries are extracted into a private temporary folder; an entry that tries to leave the archive
(absolute path, "..", a drive letter), a link, an encrypted entry or one over the size limits is
refused and listed with its reason, never silently skipped. The inputs themselves are only read.
"""
from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator, Sequence

from .errors import PerfxlError

__all__ = ["InputFile", "collect_inputs", "zip_entry_name", "write_gbk_zip", "MAX_ENTRY_BYTES", "MAX_ARCHIVE_BYTES"]

MAX_ENTRY_BYTES = 50 * 1024 * 1024     # the same per-file ceiling the workbook reader applies
MAX_ARCHIVE_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200
_SKIP_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass
class InputFile:
    """One input as the office knows it (``display``: path, or "archive.zip!entry") and where to read it."""

    display: str
    path: Path | None           # None when the entry was refused
    problem: str | None = None  # why it was refused (Chinese), for 文件清单
    size: int = 0


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


def _from_zip(archive: Path, workdir: Path, depth: int = 0, label: str | None = None) -> Iterator[InputFile]:
    label = label or str(archive)
    try:
        zf = zipfile.ZipFile(archive)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        yield InputFile(label, None, f"压缩包无法打开（{e}）")
        return
    total = 0
    target_root = workdir / f"zip{len(list(workdir.iterdir()))}"
    target_root.mkdir()
    with zf:
        for info in infos:
            name = zip_entry_name(info)
            shown = f"{label}!{name}"
            if info.is_dir():
                continue
            rel = _safe_relative(name)
            mode = info.external_attr >> 16
            if rel is None:
                yield InputFile(shown, None, "压缩包内的路径试图跳出压缩包（含“..”或绝对路径），已拒绝")
                continue
            if rel.name in _SKIP_NAMES or rel.parts[0] == "__MACOSX":
                continue  # metadata a desktop adds to every archive, not a return
            if stat.S_ISLNK(mode):
                yield InputFile(shown, None, "压缩包内的符号链接，已拒绝")
                continue
            if info.flag_bits & 0x1:
                yield InputFile(shown, None, "压缩包内的文件设置了密码，无法读取")
                continue
            total += info.file_size
            if info.file_size > MAX_ENTRY_BYTES or total > MAX_ARCHIVE_BYTES or (
                    info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1 << 20):
                yield InputFile(shown, None, f"解压后过大（{info.file_size} 字节），疑似压缩炸弹，已拒绝", info.file_size)
                continue
            out = target_root / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(out, "wb") as dst:
                    copied = _copy_limited(src, dst, MAX_ENTRY_BYTES)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as e:
                yield InputFile(shown, None, f"压缩包内的文件损坏，无法解压（{e}）")
                continue
            if copied is None:
                yield InputFile(shown, None, "解压后超过大小上限，疑似压缩炸弹，已拒绝")
                continue
            if out.suffix.lower() == ".zip" and depth < 1:  # one level of archives inside archives
                yield from _from_zip(out, workdir, depth + 1, label=shown)
                continue
            yield InputFile(shown, out, None, copied)


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
def collect_inputs(paths: Sequence[str | Path]) -> Iterator[list[InputFile]]:
    """Every input file of a round; extracted archive entries live until the ``with`` block ends.

    Raises PerfxlError for a path that does not exist (a usage error, not a finding).
    """
    paths = [Path(p) for p in paths]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise PerfxlError(f"{missing[0]}: 文件或文件夹不存在")
    tmp = Path(tempfile.mkdtemp(prefix="perfxl-round-"))
    try:
        out: list[InputFile] = []
        for p in paths:
            files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
            for f in files:
                if f.name in _SKIP_NAMES:
                    continue
                if f.suffix.lower() == ".zip":
                    out.extend(_from_zip(f, tmp))
                else:
                    out.append(InputFile(str(f), f, None, f.stat().st_size))
        yield out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
