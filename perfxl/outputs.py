"""Where a command writes, and how: one convention for every ``-o`` (and ``--annotate``, ``--csv``).

An operator types an output path in many shapes; each shape means one thing, the same for every
command, decided *before* the work starts so a typing mistake costs seconds, not a whole round:

- ``out/x.json``: that file; a missing parent folder is created;
- ``out/`` (ends in a separator) or an existing folder: into that folder, under the command's
  default name (``审核报告.json``, ``汇总.xlsx``…);
- a suffix that does not match what the command writes (``-o 汇总.csv`` for a workbook) or no
  suffix at all is refused with a message that says what to type instead; nothing is written;
- a file is written under a temporary name in its own folder and renamed over the target only
  when complete (``os.replace``), so a failed run leaves the previous file intact, and the message
  says when an existing file was replaced.

Commands that write a set of files (``template``, ``demo``, ``--annotate``, ``--csv``) take a folder,
created if missing; a path that is an existing file, or that looks like a file name, is refused.

Outputs never touch inputs (:func:`check_outputs`, called before any work): every output path is
resolved (symbolic links followed) and refused when it is an input, lies inside an input folder, would
write a file of the same name as an input, or cannot be written (its nearest existing folder is a file,
read-only, or not ours). A set of files is staged in a hidden sibling folder and moved into place with
SIGINT and SIGTERM held back, so an interrupted command leaves either the previous files or the new
ones, never half a set.
"""
from __future__ import annotations

import errno
import os
import shutil
import signal
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from .errors import PerfxlError
from .i18n import t

__all__ = ["OutputError", "FileTarget", "file_target", "folder_target", "replacing", "write_bytes", "write_text",
           "write_file", "write_folder_files", "Written", "written_message", "existing_files", "replaced_in",
           "os_error_message", "os_error_texts", "FILE_SUFFIXES", "check_outputs", "held_signals"]

# Suffixes that name a file, never a folder: `-o report.json` where a folder is expected is a mistake.
FILE_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".json", ".csv", ".txt", ".docx", ".doc", ".pdf",
                           ".zip", ".md"})


class OutputError(PerfxlError):
    """An output path that cannot mean what the command writes (a usage problem: exit status 2)."""


def _ends_with_separator(text: str) -> bool:
    return text.endswith("/") or text.endswith(os.sep) or bool(os.altsep and text.endswith(os.altsep))


@dataclass(frozen=True)
class FileTarget:
    """Where one output file goes: ``given`` itself, or ``given/<default name>`` for a folder."""

    given: Path
    into_folder: bool

    def path(self, default_name: str) -> Path:
        """The file to write; ``default_name`` is used only when the user named a folder."""
        return self.given / default_name if self.into_folder else self.given


def file_target(given: str | os.PathLike, suffixes: Sequence[str], default_name: str, *,
                option: str = "-o") -> FileTarget:
    """Check an output path for a command that writes one file with one of ``suffixes``.

    ``default_name`` is the name used inside a folder (it appears in the message too, so for a
    name known only later, such as ``<单位编码>.json``, pass that pattern).
    """
    text = os.fspath(given)
    path = Path(text)
    if _ends_with_separator(text) or path.is_dir():
        if path.exists() and not path.is_dir():
            raise OutputError(t(f"{option} {text}：{path} 是文件，不是文件夹",
                                f"{option} {text}: {path} is a file, not a folder"))
        return FileTarget(path, True)
    wanted = "、".join(suffixes)
    wanted_en = ", ".join(suffixes)
    if path.suffix.lower() not in {s.lower() for s in suffixes}:
        if path.suffix:
            raise OutputError(t(
                f"{option} {text}：扩展名 {path.suffix} 与输出内容不符，应为 {wanted}"
                f"（或以 / 结尾，写入该文件夹中的 {default_name}）",
                f"{option} {text}: the suffix {path.suffix} does not match what is written, which needs {wanted_en}"
                f" (or end the path with / to write {default_name} into that folder)"))
        raise OutputError(t(
            f"{option} {text}：没有扩展名。写入文件请给出 {path.name}{suffixes[0]}；"
            f"写入文件夹请以 / 结尾（{text}/，文件名为 {default_name}）",
            f"{option} {text}: no suffix. For a file give {path.name}{suffixes[0]}; for a folder end the path "
            f"with / ({text}/, the file is named {default_name})"))
    return FileTarget(path, False)


def folder_target(given: str | os.PathLike, *, option: str = "-o") -> Path:
    """Check an output path for a command that writes a set of files into a folder."""
    text = os.fspath(given)
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise OutputError(t(f"{option} {text}：这是一个已有的文件；此处需要文件夹",
                            f"{option} {text}: this is an existing file; a folder is needed here"))
    if not path.exists() and not _ends_with_separator(text) and path.suffix.lower() in FILE_SUFFIXES:
        raise OutputError(t(f"{option} {text}：此处需要文件夹（写入多个文件），而这是一个文件名",
                            f"{option} {text}: a folder is needed here (several files are written), "
                            "and this is a file name"))
    return path


def _temp_name(path: Path) -> Path:
    """A name in the target's own folder (so the rename is atomic), hidden, unique to this process."""
    return path.with_name(f".{path.name}.{os.getpid()}.part")


@contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write; on success move it over ``path``, on failure remove it.

    The parent folder is created. Whatever the writer does with the temporary path (write it, or
    write ``tmp.part`` then rename it to ``tmp`` as ``summary.write_summary`` does) is fine, as
    long as the file exists at ``tmp`` when the block ends.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Written:
    """A file written by a command, and whether it replaced one that was there."""

    path: Path
    replaced: bool


def write_file(path: str | os.PathLike, write: Callable[[Path], object]) -> Written:
    """Write ``path`` through ``write(tmp)`` and the temporary-name-then-rename of :func:`replacing`."""
    path = Path(path)
    existed = path.is_file()
    with replacing(path) as tmp:
        write(tmp)
    return Written(path, existed)


def write_bytes(path: str | os.PathLike, data: bytes) -> Written:
    return write_file(path, lambda tmp: tmp.write_bytes(data))


def write_text(path: str | os.PathLike, text: str) -> Written:
    """UTF-8, newlines as given (the JSON and text reports are the same bytes on every system)."""
    return write_file(path, lambda tmp: tmp.write_bytes(text.encode("utf-8")))


def write_folder_files(folder: str | os.PathLike, write_all: Callable[[Path], Iterable[Path]], *,
                       protected: Iterable[str | os.PathLike | None] = (),
                       staging: str | os.PathLike | None = None) -> list[Written]:
    """Write a set of files into ``folder``: ``write_all(tmp_folder)`` writes them all into a
    temporary sibling folder; only then is each moved into place, replacing a file of that name,
    with SIGINT/SIGTERM held back until the whole set is in place. A file that would replace one of
    ``protected`` (the run's inputs) stops everything before the first move (OutputError).
    ``staging``: the temporary folder, when another process has written the files there already
    (``table_files``); removed at the end either way."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(staging) if staging is not None else folder.parent / f".{folder.name}.{os.getpid()}.part"
    guarded = {_real(p) for p in protected if p is not None}
    try:
        made = list(write_all(staging))
        clash = next((folder / Path(p).name for p in made if _real(folder / Path(p).name) in guarded), None)
        if clash is not None:
            raise OutputError(t(f"{clash}：这是本次的输入文件，不会被覆盖；请换一个输出文件夹",
                                f"{clash}: this is one of the inputs and is never overwritten; choose another "
                                "output folder"))
        out = []
        with held_signals():
            for p in made:
                target = folder / Path(p).name
                existed = target.is_file()
                os.replace(p, target)
                out.append(Written(target, existed))
        return out
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def held_signals() -> Iterator[None]:
    """SIGINT and SIGTERM wait (blocked, not lost) while a few renames complete a set of outputs."""
    wanted = {getattr(signal, n) for n in ("SIGINT", "SIGTERM") if hasattr(signal, n)}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    except (AttributeError, ValueError, OSError):  # Windows, or not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _real(path: str | os.PathLike) -> Path:
    """The path with symbolic links and ".." resolved, as far as it exists (the rest kept as given)."""
    return Path(os.path.realpath(os.path.abspath(os.fspath(path))))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _first_existing(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def _writable(option: str, path: Path, folder: bool) -> None:
    """Refuse an output that cannot be written, before the run: a file in the way of a folder, or a
    place without write permission (read-only disk, another user's folder)."""
    real = _real(path)
    start = real if folder else real.parent
    here = _first_existing(start)
    if not here.is_dir():
        raise OutputError(t(f"{option} {path}：路径中的 {here} 是文件，不是文件夹，无法写入",
                            f"{option} {path}: {here} on the way is a file, not a folder; cannot write there"))
    if not os.access(here, os.W_OK | os.X_OK):
        raise OutputError(t(f"{option} {path}：没有写入 {here} 的权限（只读或属于其他用户），请换一个位置",
                            f"{option} {path}: no permission to write in {here} (read-only, or another user's); "
                            "choose another place"))


def check_outputs(inputs: Iterable[str | os.PathLike | None], *,
                  files: Iterable[tuple[str, str | os.PathLike]] = (),
                  folders: Iterable[tuple[str, str | os.PathLike, Iterable[str]]] = ()) -> None:
    """Refuse, before any work, every output that would touch an input or cannot be written.

    ``inputs``: every path the command reads (returns, folders, the register, the key file...; None is
    skipped). ``files``: (option, file) written; ``folders``: (option, folder, names known in advance)
    for commands writing a set of files. An output is refused (OutputError, exit status 2) when it is an
    input, lies inside an input folder (the next run would read it as a return), a name known in advance
    in an output folder is an input, or its place cannot be written.
    """
    reals = [(_real(p), Path(p)) for p in inputs if p is not None]
    for option, given in files:
        _refuse_overlap(option, Path(given), reals)
        _writable(option, Path(given), folder=False)
    for option, given, names in folders:
        _refuse_overlap(option, Path(given), reals)
        for name in names:
            _refuse_overlap(option, Path(given) / name, reals)
        _writable(option, Path(given), folder=True)


def _refuse_overlap(option: str, given: Path, inputs: list[tuple[Path, Path]]) -> None:
    """OutputError when ``given`` is an input or lies inside an input folder."""
    out = _real(given)
    for real, shown in inputs:
        if out == real:
            zh, en = ("就是输入文件夹", "is an input folder") if real.is_dir() else ("就是输入文件", "is an input file")
        elif real.is_dir() and _inside(out, real):
            zh, en = f"在输入文件夹 {shown} 之内（下次审核会把它当作报送文件）", \
                f"lies inside the input folder {shown} (the next run would read it as a return)"
        else:  # an input inside an output folder is fine: the names written are checked against it
            continue
        raise OutputError(t(f"{option} {given}：输出位置{zh}，不会覆盖输入；请换一个位置",
                            f"{option} {given}: the output {en}; inputs are never overwritten, choose another place"))


def written_message(w: Written, what_zh: str = "", what_en: str = "") -> str:
    """"问题清单：x.xlsx", or "已替换原有文件：x.xlsx" when a file of that name was there before."""
    if w.replaced:
        return t(f"已替换原有文件：{w.path}", f"Replaced the existing file: {w.path}")
    if what_zh:
        return t(f"{what_zh}：{w.path}", f"{what_en}: {w.path}")
    return t(f"已写入：{w.path}", f"Written: {w.path}")


def existing_files(folder: str | os.PathLike, *, recursive: bool = False) -> set[Path]:
    """The files already in ``folder`` (to tell afterwards which outputs replaced one)."""
    folder = Path(folder)
    if not folder.is_dir():
        return set()
    found = folder.rglob("*") if recursive else folder.iterdir()
    return {p for p in found if p.is_file()}


def replaced_in(paths: Iterable[str | os.PathLike], before: set[Path]) -> int:
    """How many of the files just written were there before (and so were replaced)."""
    return sum(Path(p) in before for p in paths)


_ERRNO_NAMES = {
    "ENOENT": ("文件或文件夹不存在", "no such file or folder"),
    "EACCES": ("没有权限", "permission denied"),
    "EPERM": ("没有权限", "operation not permitted"),
    "ENOSPC": ("磁盘空间不足", "no space left on the disk"),
    "EISDIR": ("这是文件夹，不是文件", "this is a folder, not a file"),
    "ENOTDIR": ("路径中有一段是文件而不是文件夹", "a part of the path is a file, not a folder"),
    "EEXIST": ("已存在", "already exists"),
    "EROFS": ("只读的磁盘或文件夹", "read-only file system"),
    "ENAMETOOLONG": ("文件名太长", "file name too long"),
    "EBUSY": ("文件正被占用（可能在 Excel 或 WPS 中打开着）", "the file is busy (open in Excel or WPS?)"),
    "EDQUOT": ("超出磁盘配额", "disk quota exceeded"),
    "EIO": ("读写磁盘出错", "input/output error"),
}
# by number; not every errno exists on every system (Windows has no EDQUOT)
_ERRNO_TEXT = {getattr(errno, name): text for name, text in _ERRNO_NAMES.items() if hasattr(errno, name)}


def os_error_message(e: OSError) -> str:
    """An OSError in the user's language only: the file, and the common errno cases named in words
    (the OS's own text is English, and a Chinese message must not embed it)."""
    return t(*os_error_texts(e))


def os_error_texts(e: OSError) -> tuple[str, str]:
    """(Chinese, English) of :func:`os_error_message`, for messages that carry both (S01 reasons)."""
    zh, en = _ERRNO_TEXT.get(e.errno or -1, (f"系统错误（{errno.errorcode.get(e.errno or -1, e.errno)}）",
                                             f"system error ({errno.errorcode.get(e.errno or -1, e.errno)})"))
    names = [str(n) for n in (e.filename, e.filename2) if n]
    where = " → ".join(names)
    if getattr(e, "winerror", None) == 32:  # Windows: the file is open in another program
        zh, en = _ERRNO_TEXT.get(errno.EBUSY, (zh, en))
    return (f"{where}：{zh}" if where else zh, f"{where}: {en}" if where else en)
