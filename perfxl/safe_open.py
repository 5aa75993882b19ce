"""Decide whether a returned workbook can be read safely, before any parser expands it; then read it.

Budget units send their workbooks back by email, so the input is whatever arrived: empty files,
truncated downloads, a PDF renamed ``.xlsx``, a password-protected file, or something built to hurt
the reader. ``open_workbook`` never raises for any file content and never modifies the file. It
returns an :class:`OpenResult` whose ``problem`` is a finding code from the rule catalogue
(``perfxl.catalogue``): ``S01`` (cannot be read: empty, corrupt, not a spreadsheet, over a limit) or
``S02`` (password to open), with a reason in Chinese for the unit and in English for the log.

Why the checks come first, and mirror the parser
------------------------------------------------
Cell values are read with python-calamine (Rust; fast). Calamine trusts sizes found in the file and
allocates dense grids for them, and a failed allocation in Rust *aborts the whole process*, so no
``try``/``except`` can save us. Measured with python-calamine 0.9.1, each in a child process:

* an .xlsx of 4.9 KB with cells at A1 and XFD1048576 → SIGABRT (it asks for 512 GiB);
* an .xls whose DIMENSIONS record claims 2^32 rows → SIGABRT (44 TB), and one NUMBER record at
  row 65535, column 65535 → SIGABRT (128 GiB).

So every structure calamine will size an allocation from is read here first, with cheap streaming
parsers that follow calamine's own rules (which zip member it opens, how it positions a cell that has
no ``r`` attribute, which records it turns into cells), and the file is rejected (S01) before
calamine sees it if any of them goes past :class:`Limits`. Calamine then reads the very same bytes,
from memory, so nothing can change between the check and the read.

What is checked, by format
--------------------------
* Any file: a regular file, not empty, at most ``max_file_bytes``; read once, read-only.
* Zip (xlsx, xlsm, ods): one end-of-central-directory record at the very end; at most
  ``max_members`` members; no member names equal ignoring ASCII case (calamine looks names up
  case-insensitively, so two such members make "which one is the sheet" depend on the reader);
  only stored/deflated, unencrypted members; members do not overlap; declared sizes within
  ``max_uncompressed_bytes`` in total and, for members over ``ratio_min_bytes``, within ``max_ratio``
  of their compressed size (zip bombs are rejected from the directory, before inflating anything);
  then every member is inflated in bounded chunks and must produce exactly its declared size with
  the right CRC (a header that lies about the size is caught at the first byte past it).
  XML parts must be UTF-8 and contain no DTD (``<!DOCTYPE``/``<!ENTITY``): nothing in a workbook
  needs one, and it is how XML bombs and external entities (XXE) get in.
* xlsx/xlsm: ``xl/workbook.xml``, its relationships, ``[Content_Types].xml``, ``xl/styles.xml`` and
  ``docProps/*.xml`` are parsed with expat under defusedxml's guards (DTDs, entity declarations and
  external references forbidden; see :func:`_sax_parse`). Each worksheet is streamed with
  expat (DTDs forbidden) and every cell that can carry a value is positioned exactly as calamine
  positions it (``r`` attribute, or ``<row r>`` plus a column counter); a row past ``max_rows`` or a
  column past ``max_cols`` is S01. Cells with no child element (``<c r="A50000" s="3"/>``, what
  formatting a long range writes) are skipped, as calamine skips them (measured: such a file reads
  as 1×1). ``<dimension ref>`` is *not* trusted either way: calamine caps the reservation it makes
  from it at 100 000 cells, a lying ``A1:XFD1048576`` over three cells reads as a 2×2 grid
  (measured), while a small dimension does not stop a far cell. The streamed references are the
  truth; the dimension alone never rejects a file.
* xls: the compound file is walked with the same sector arithmetic calamine uses, and every chain
  it will follow must stay inside the file, end properly and not loop; then the BIFF records are
  scanned: FILEPASS (password) → S02; DIMENSIONS *is* enforced here (rows × columns at most
  ``max_rows × max_cols``) because calamine reserves that much memory from it; every cell record's
  row and column are checked; the SST's declared count must fit its bytes.
* ods: ``META-INF/manifest.xml`` with ``encryption-data`` → S02; ``content.xml`` is streamed and
  ``number-rows-repeated``/``number-columns-repeated`` are multiplied out the way calamine expands
  them (a 1 KB file can ask for 16384 × 1048576 cells; calamine's own guard only stops requests
  over 10^8 cells, which is still gigabytes).
* All formats: the dense grid handed back (rows × columns from A1, summed over sheets) is at most
  ``max_cells``, and the text the cells will hold (a shared string counts once per cell that uses
  it; a repeated ODS cell once per repeat) at most ``max_text_chars``: a 20 KB file can otherwise
  make a 1 MB string appear in a million cells.

Percent-formatted cells
-----------------------
Calamine does not report number formats, but someone who types "20%" into a General cell gets 0.2
stored under a percent format, and the reader must take it as 20. ``OpenResult.percent_cells`` lists
such cells. xlsx/xlsm: ``xl/styles.xml`` (optional) is parsed like the other small parts
(size-limited, defusedxml's guards) for the ``cellXfs`` entries whose number format is built-in 9 or 10 or a
custom code with a ``%`` outside "..." and not after a backslash; the worksheet scan above then
records numeric cells (no ``t`` or ``t="n"``, with a ``<v>``) whose ``s`` is one of them, at the
position it already computes (one set lookup per cell). ods: cells with
``office:value-type="percentage"``, every repeat. xls: not detected (the BIFF XF/FORMAT records are
not read), so ``percent_cells`` is always empty for .xls; a percent-formatted 0.2 reads as 0.2.
The set holds at most one entry per cell already charged to ``max_cells``.

Sandboxed reading (``open_workbook(..., sandboxed=True)``)
----------------------------------------------------------
A pre-scan cannot foresee every allocation of a native parser: a 1.8 KB sharedStrings part claiming
``uniqueCount="2147483647"`` made calamine reserve 51 GB and abort the process, past every check above
(the full scan now refuses that count too). So ``check``, ``export`` and consolidation read each file in
a worker process with resource limits (``perfxl.sandbox``) and call ``open_workbook`` with
``sandboxed=True``, which keeps only the checks that are cheap and still earn their cost, measured at
about 1.5 ms of a perfxl workbook's 5–6 ms open (calamine alone: about 4 ms):

* the file: regular, not empty, at most ``max_file_bytes`` (0.02 ms);
* the zip directory (one end record, member count, names unique ignoring case, methods, declared sizes
  and ratios, no overlapping members), without inflating anything (0.3 ms);
* every XML part's prolog only — the first kilobyte, where a DTD would have to be — for a DTD or an
  encoding other than UTF-8 (0.5 ms);
* the small parts parsed with expat under defusedxml's guards, as before: ``[Content_Types].xml``,
  ``xl/workbook.xml`` (sheet names unique and non-empty, states), its relationships (every sheet's part
  exists), ``xl/styles.xml`` (percent formats) and ``docProps`` (0.5–1 ms);
* after calamine has built each sheet, its extent against ``max_rows``/``max_cols``/``max_cells``
  (naming the farthest cell, before any Python object is made for a cell), and the text of the cells
  against ``max_text_chars``;
* percent-formatted cells, only when ``xl/styles.xml`` has a percent format, found by a regular
  expression over the sheet XML (cells without an ``r`` address are not seen);
* .ods and .xls: the same checks as without the sandbox (they cost only for those formats).

Dropped there: the cell-by-cell scan of every worksheet and of the shared strings, and the inflation of
every member for its CRC (calamine's zip reader checks the CRC of what it reads). What they guarded
against — an allocation calamine cannot make — now ends only the worker, which becomes S01.

Not covered (residual risk): calamine parses .xls formulas into text, and a hostile formula record
can expand about 60× (defined-name references); ``max_file_bytes`` bounds that cost but does not
remove it. Calamine may still *panic* on a malformed file that passes these checks (seen while
fuzzing: parse_sst slicing); a panic is a catchable PanicException and becomes S01, but Rust prints
its message to stderr. The checks cost about 3 µs per cell (expat callbacks): 1.4 s for a 400 000
cell sheet that calamine alone reads in 0.4 s. A reader that must survive arbitrary files unattended
runs this in a child process with resource limits: ``perfxl.sandbox`` (see "Sandboxed reading").
"""
from __future__ import annotations

import hashlib
import io
import itertools
import os
import re
import stat
import struct
import sys
import zipfile
import zlib
from array import array
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator
import xml.sax.handler
import xml.sax.xmlreader
from xml.parsers import expat

import python_calamine
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

__all__ = ["Limits", "DEFAULT_LIMITS", "OpenResult", "open_workbook"]

_MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much a workbook may ask of us. Defaults are far above any budget workbook (a few hundred
    rows a sheet) and far below what would hurt a small server; sizes are in bytes (MiB = 2**20)."""

    max_file_bytes: int = 50 * _MiB
    max_uncompressed_bytes: int = 200 * _MiB  # sum of all zip members, as declared and as inflated
    max_ratio: float = 200.0  # inflated / compressed, per zip member ...
    ratio_min_bytes: int = 1 * _MiB  # ... for members that inflate to more than this
    max_members: int = 10_000
    max_rows: int = 20_000  # per sheet, counted from row 1
    max_cols: int = 200  # per sheet, counted from column A
    max_cells: int = 5_000_000  # dense grid handed back, summed over sheets; also cell records
    max_text_chars: int = 50_000_000  # characters the cells will hold, summed over all cells
    max_xml_part_bytes: int = 16 * _MiB  # parts parsed into a DOM (workbook.xml, rels, docProps, ...)


DEFAULT_LIMITS = Limits()


@dataclass
class OpenResult:
    """What ``open_workbook`` found. ``sheets`` and ``percent_cells`` are filled only when
    ``problem`` is None; ``kind``, ``has_macros``, ``sheet_states`` and ``doc_props`` are kept as far
    as they were learnt before a problem was found (useful in a review note), so they may be partial
    when it is set.

    ``percent_cells`` holds (sheet name, A1 reference without ``$``) of every cell that stores a
    number under a percent number format: what Excel does when someone types "20%" into a General
    cell (it stores 0.2), so the reader can take 0.2 as 20. xlsx/xlsm: built-in formats 9 and 10
    and any custom format with a ``%`` outside quotes and not after a backslash, numeric cells only
    (no ``t`` or ``t="n"``). ods: cells with ``office:value-type="percentage"``. xls: not detected
    (always empty)."""

    path: str
    kind: str = "unknown"  # "xlsx" | "xlsm" | "xls" | "ods" | "unknown"
    problem: str | None = None  # a finding code: "S01" (unreadable/corrupt/not a spreadsheet/over limits), "S02" (password to open), or None
    reason_zh: str | None = None
    reason_en: str | None = None
    has_macros: bool = False
    sheets: dict[str, list[list]] = field(default_factory=dict)  # sheet name -> rows of cell values (None for blank)
    sheet_states: dict[str, str] = field(default_factory=dict)  # 'visible' | 'hidden' | 'veryHidden'
    doc_props: dict[str, str] = field(default_factory=dict)  # custom properties; 'dcterms:created'/'dcterms:modified'
    percent_cells: set[tuple[str, str]] = field(default_factory=set)  # (sheet, 'B7') of numbers in percent-formatted cells
    # Hidden sheets the caller asked not to read (``unread``): in ``sheets`` with no rows, named here.
    unread_sheets: list[str] = field(default_factory=list)
    unread: Callable[[str], bool] | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Finding(Exception):
    """Internal: carries a finding from deep inside a check up to ``open_workbook``."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


def _s01(zh: str, en: str) -> _Finding:
    return _Finding("S01", zh, en)


def _s02(zh: str, en: str) -> _Finding:
    return _Finding("S02", zh, en)


# ==================================================================================================
# entry point


def open_workbook(path: str | os.PathLike, *, limits: Limits = DEFAULT_LIMITS, sandboxed: bool = False,
                  unread: Callable[[str], bool] | None = None) -> OpenResult:
    """Check ``path`` and, if it is safe, read every sheet as rows of cell values.

    Never raises because of what the file contains (any unexpected error becomes S01 naming it) and
    never writes to the file: it is opened read-only, read once into memory, and every later step,
    calamine included, works on that copy.

    ``sandboxed=True`` is for a caller that runs this in a process with resource limits
    (``perfxl.sandbox``: what ``check``, ``export`` and consolidation do): the xlsx pre-scans that
    mirror calamine cell by cell are skipped, since an allocation calamine cannot make now ends only
    that process (see "Sandboxed reading" below). MemoryError is then raised, not turned into S01, so
    the sandbox can retire the worker.

    ``unread(name)``: a sheet it accepts is not parsed when the file marks it hidden or very hidden
    (the checks of the zip and of the sheet list still cover it); it is in ``sheets`` with no rows
    and listed in ``unread_sheets``. The reader passes the goal table's calc sheets, which hold only
    the live checks' formulas (layout.calc_sheet_name); a visible sheet is always read.
    """
    spath = os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else str(path)
    res = OpenResult(path=spath, unread=unread)
    try:
        data = _read_input(spath, limits)
        _dispatch(data, res, limits, sandboxed)
    except _Finding as f:
        res.problem, res.reason_zh, res.reason_en = f.code, f.zh, f.en
        res.sheets, res.percent_cells = {}, set()
    except (KeyboardInterrupt, SystemExit):
        raise
    except MemoryError:
        if sandboxed:
            raise
        res.problem = "S01"
        res.reason_zh = "读取所需内存不足，文件可能已损坏或被恶意构造"
        res.reason_en = "out of memory while reading; the file may be corrupt or crafted"
        res.sheets, res.percent_cells = {}, set()
    except BaseException as e:  # noqa: BLE001 - includes pyo3's PanicException (a BaseException)
        res.problem = "S01"
        res.reason_zh = "读取时出现意外错误，文件可能已损坏；如确认文件完好，请把它交给 perfxl 维护人员"
        res.reason_en = f"unexpected error while reading ({type(e).__name__}: {_short(e)}); the file may be corrupt"
        res.sheets, res.percent_cells = {}, set()
    return res


def _os_s01(zh: str, en: str, e: OSError) -> _Finding:
    """S01 for an OS error on the file itself, each language on its own (the OS's text is English);
    without the file name, which the finding names already."""
    import copy

    from .outputs import os_error_texts

    bare = copy.copy(e)
    bare.filename = bare.filename2 = None
    what_zh, what_en = os_error_texts(bare)
    return _s01(f"{zh}：{what_zh}", f"{en}: {what_en}")


def _short(e: BaseException, n: int = 200) -> str:
    s = str(e).replace("\n", " ")
    return s if len(s) <= n else s[:n] + "…"


def _mb(n: int) -> str:
    return f"{n / _MiB:.1f} MB"


def _read_input(path: str, limits: Limits) -> bytes:
    """Read the whole file, read-only, refusing anything but a regular file of allowed size.

    O_NONBLOCK keeps a FIFO from blocking the open; the size is checked before reading and again
    while reading (the file may grow in between)."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise _os_s01("无法打开文件", "cannot open the file", e) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _s01("不是普通文件（可能是文件夹或设备）", "not a regular file (a directory or a device?)")
        if st.st_size > limits.max_file_bytes:
            raise _s01(f"文件过大：{_mb(st.st_size)}，上限 {_mb(limits.max_file_bytes)}",
                       f"file too large: {_mb(st.st_size)}, limit {_mb(limits.max_file_bytes)}")
        chunks, total = [], 0
        while True:
            try:
                b = os.read(fd, _MiB)
            except OSError as e:
                raise _os_s01("读取文件失败", "cannot read the file", e) from None
            if not b:
                break
            total += len(b)
            if total > limits.max_file_bytes:
                raise _s01(f"文件过大：超过 {_mb(limits.max_file_bytes)}", f"file larger than {_mb(limits.max_file_bytes)}")
            chunks.append(b)
    finally:
        os.close(fd)
    if total == 0:
        raise _s01("文件为空（0 字节）", "the file is empty (0 bytes)")
    return b"".join(chunks)


_OLE_MAGIC = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"


def _dispatch(data: bytes, res: OpenResult, limits: Limits, sandboxed: bool = False) -> None:
    if data[:8] == _OLE_MAGIC:
        _open_ole(data, res, limits)
    elif data[:4] == b"PK\x03\x04":
        _open_zip(data, res, limits, sandboxed)
    elif data[:4] == b"PK\x05\x06":
        raise _s01("不是电子表格：是一个空的压缩包", "not a spreadsheet: an empty zip archive")
    else:
        zh, en = _sniff(data)
        raise _s01(f"不是电子表格：{zh}", f"not a spreadsheet: {en}")


def _sniff(data: bytes) -> tuple[str, str]:
    """Name what a non-spreadsheet file probably is, so the unit knows what it sent."""
    head = data[:1024]
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%PDF"):
        return "是 PDF 文件", "a PDF file"
    if low.startswith((b"<!doctype html", b"<html")) or b"<table" in low:
        return "是网页（HTML）文件，可能是系统导出的“假 xls”，请用 Excel 打开后另存为 .xlsx", "an HTML file"
    if low.startswith(b"<?xml") or low.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in data[:4096]:
            return "是 Excel 2003 XML 表格，请另存为 .xlsx", "an Excel 2003 XML spreadsheet"
        return "是 XML 文本文件", "an XML text file"
    if head.startswith(b"Rar!"):
        return "是 RAR 压缩包", "a RAR archive"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "是 7z 压缩包", "a 7z archive"
    if head.startswith(b"\x1f\x8b"):
        return "是 gzip 压缩文件", "a gzip file"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "是图片", "an image"
    if head[:2] in (b"\x09\x00", b"\x09\x02", b"\x09\x04") and len(head) > 4:
        return "是 Excel 4.0 及更早版本的工作表，请另存为 .xlsx", "a pre-1995 Excel (BIFF2-4) file"
    for enc in ("utf-8", "gb18030"):
        try:
            text = data[:4096].decode(enc)
        except UnicodeDecodeError:
            continue
        if all(c.isprintable() or c in "\r\n\t" for c in text.rstrip("\x00")[:4000]):
            return "是纯文本文件（可能是 CSV 或改了扩展名的文档）", "a plain text file (CSV or a renamed document?)"
    return "无法识别的数据（可能是损坏的文件或改了扩展名）", "unrecognised data (corrupt, or a renamed file)"


# ==================================================================================================
# budgets shared by all formats


class _Budget:
    """Totals over the whole workbook: cells positioned, dense grid area, text characters."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.cells = 0
        self.area = 0
        self.text = 0

    def add_cells(self, n: int, sheet: str) -> None:
        self.cells += n
        if self.cells > self.limits.max_cells:
            raise _s01(f"单元格数量超过上限 {self.limits.max_cells}（在工作表“{sheet}”）",
                       f"more than {self.limits.max_cells} cells (sheet {sheet!r})")

    def add_area(self, rows: int, cols: int, sheet: str) -> None:
        self.area += rows * cols
        if self.area > self.limits.max_cells:
            raise _s01(f"表格总面积超过上限 {self.limits.max_cells} 个单元格（在工作表“{sheet}”，{rows} 行 × {cols} 列）",
                       f"grid area over {self.limits.max_cells} cells (sheet {sheet!r}: {rows} rows x {cols} columns)")

    def add_text(self, n: int, sheet: str) -> None:
        self.text += n
        if self.text > self.limits.max_text_chars:
            raise _s01(f"单元格文字总量超过上限 {self.limits.max_text_chars} 字（在工作表“{sheet}”）；"
                       "可能是一段长文字被大量单元格重复引用",
                       f"cell text over {self.limits.max_text_chars} characters (sheet {sheet!r}); "
                       "a long string referenced by many cells?")


@dataclass
class _Cost:
    """What one sheet part will cost once read: charged to the workbook's budget per sheet that
    uses the part (several <sheet> entries, or BOUNDSHEETs, may point at one part; the part is
    scanned once, but calamine materialises it once per sheet)."""

    cells: int = 0
    rows: int = 0
    cols: int = 0
    text: int = 0

    def charge(self, budget: _Budget, sheet: str) -> None:
        budget.add_cells(self.cells, sheet)
        budget.add_area(self.rows, self.cols, sheet)
        budget.add_text(self.text, sheet)


def _col_name(col0: int) -> str:
    s, n = "", col0 + 1
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _check_pos(row0: int, col0: int, sheet: str, limits: Limits) -> None:
    if row0 >= limits.max_rows or col0 >= limits.max_cols:
        near = col0 < 20000  # a column name past that is longer than the number it stands for
        cell = f"{_col_name(col0)}{row0 + 1}" if near else f"第 {row0 + 1} 行第 {col0 + 1} 列"
        cell_en = f"{_col_name(col0)}{row0 + 1}" if near else f"at row {row0 + 1}, column {col0 + 1}"
        raise _s01(f"工作表“{sheet}”的单元格 {cell} 超出范围（上限 {limits.max_rows} 行 × {limits.max_cols} 列）",
                   f"sheet {sheet!r}: cell {cell_en} is beyond {limits.max_rows} rows x {limits.max_cols} columns")


# ==================================================================================================
# zip container


@dataclass
class _Member:
    name: str
    key: str  # ASCII-lowercased name: how calamine matches part names
    method: int
    crc: int
    csize: int
    usize: int
    offset: int
    data_start: int = 0
    data_end: int = 0


def _akey(name: str) -> str:
    if name.isascii():
        return name.lower()
    return "".join(c.lower() if c.isascii() else c for c in name)


def _zip_members(data: bytes, limits: Limits) -> list[_Member]:
    """Validate the zip directory without inflating anything; return its members."""
    n = len(data)
    eocd = data.rfind(b"PK\x05\x06", max(0, n - 22 - 0xFFFF))
    if eocd < 0 or eocd + 22 > n:
        raise _s01("压缩结构不完整（找不到目录，文件可能被截断或只下载了一部分）",
                   "zip directory not found (truncated or partial download?)")
    disk, cd_disk, n_disk, n_total, cd_size, cd_off, clen = struct.unpack_from("<HHHHIIH", data, eocd + 4)
    if eocd + 22 + clen != n:
        raise _s01("压缩结构不完整或尾部有多余数据（文件可能被截断或拼接）",
                   "zip end record does not end the file (truncated or concatenated?)")
    if disk or cd_disk or n_disk != n_total:
        raise _s01("是分卷压缩文件，不是电子表格", "a multi-volume zip, not a spreadsheet")
    count, cd_end = n_total, eocd
    if n_total == 0xFFFF or cd_size == 0xFFFFFFFF or cd_off == 0xFFFFFFFF:
        loc = eocd - 20
        if loc < 0 or data[loc:loc + 4] != b"PK\x06\x07":
            raise _s01("压缩结构损坏（ZIP64 目录缺失）", "broken zip64 directory")
        rec = struct.unpack_from("<Q", data, loc + 8)[0]
        if rec + 56 > loc or data[rec:rec + 4] != b"PK\x06\x06":
            raise _s01("压缩结构损坏（ZIP64 目录缺失）", "broken zip64 directory")
        count, cd_size, cd_off = struct.unpack_from("<QQQ", data, rec + 32)
        cd_end = rec
    if count > limits.max_members:
        raise _s01(f"压缩包内文件过多：{count} 个，上限 {limits.max_members}",
                   f"too many zip members: {count}, limit {limits.max_members}")
    if cd_off + cd_size != cd_end:
        raise _s01("压缩结构损坏（目录位置不符，文件可能被截断或拼接）",
                   "zip directory is not where the end record says (truncated or concatenated?)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except Exception as e:  # noqa: BLE001 - BadZipFile, NotImplementedError (zip version), ValueError ...
        raise _s01("压缩结构损坏或不受支持", f"corrupt or unsupported zip ({_short(e, 80)})") from None
    if len(infos) != count:
        raise _s01("压缩结构损坏（目录项数量不符）", "corrupt zip (entry count mismatch)")

    members: list[_Member] = []
    seen: dict[str, str] = {}
    total = 0
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x1:
            raise _s01(f"压缩包内容被加密（{name}）；不是 Excel 的打开密码，文件无法读取",
                       f"zip member {name!r} is zip-encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _s01(f"使用了不支持的压缩方式（{name}，方式 {info.compress_type}）",
                       f"unsupported compression method {info.compress_type} for {name!r}")
        key = _akey(name)
        if key in seen:
            raise _s01(f"压缩包内有重名文件：“{seen[key]}”与“{name}”（读取结果会因软件而异）",
                       f"duplicate member names {seen[key]!r} and {name!r}")
        seen[key] = name
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise _s01(f"解压后总大小超过上限 {_mb(limits.max_uncompressed_bytes)}（疑似压缩炸弹）",
                       f"declared uncompressed size over {_mb(limits.max_uncompressed_bytes)} (zip bomb?)")
        if info.file_size > limits.ratio_min_bytes and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise _s01(f"“{name}”的压缩比 {ratio:.0f}:1 异常（上限 {limits.max_ratio:.0f}:1，疑似压缩炸弹）",
                       f"member {name!r} compression ratio {ratio:.0f}:1 over {limits.max_ratio:.0f}:1 (zip bomb?)")
        members.append(_Member(name, key, info.compress_type, info.CRC, info.compress_size, info.file_size,
                               info.header_offset))

    # local headers: where each member's data really is; members must not overlap
    for m in members:
        o = m.offset
        if o + 30 > cd_off or data[o:o + 4] != b"PK\x03\x04":
            raise _s01(f"压缩结构损坏（“{m.name}”的数据头缺失）", f"missing local header for {m.name!r}")
        flags, method = struct.unpack_from("<HH", data, o + 6)
        nlen, elen = struct.unpack_from("<HH", data, o + 26)
        raw_name = data[o + 30:o + 30 + nlen]
        if method != m.method or raw_name != m.name.encode("utf-8" if flags & 0x800 else "cp437", "replace"):
            raise _s01(f"压缩结构损坏（“{m.name}”的目录与数据头不一致）",
                       f"local header of {m.name!r} disagrees with the directory")
        m.data_start = o + 30 + nlen + elen
        m.data_end = m.data_start + m.csize
        if m.data_end > cd_off:
            raise _s01(f"压缩数据不完整（“{m.name}”，文件可能被截断）", f"member {m.name!r} runs past the data area")
    ordered = sorted(members, key=lambda m: m.offset)
    for a, b in zip(ordered, ordered[1:]):
        if a.data_end > b.offset:
            raise _s01(f"压缩结构异常：“{a.name}”与“{b.name}”的数据重叠（疑似压缩炸弹）",
                       f"members {a.name!r} and {b.name!r} overlap (zip bomb?)")
    if ordered and ordered[0].offset != 0:
        raise _s01("压缩包前面有多余数据", "data before the first zip member")
    return members


def _member_chunks(data: bytes, m: _Member, chunk: int = _MiB) -> Iterator[bytes]:
    """Inflate one member in bounded pieces, verifying size and CRC; a lie is caught at the first
    byte past the declared size, not after inflating the rest."""
    raw = memoryview(data)[m.data_start:m.data_end]
    crc, produced = 0, 0
    if m.method == zipfile.ZIP_STORED:
        if m.csize != m.usize:
            raise _s01(f"压缩结构损坏（“{m.name}”大小不符）", f"stored member {m.name!r} size mismatch")
        for i in range(0, len(raw), chunk):
            piece = bytes(raw[i:i + chunk])
            crc = zlib.crc32(piece, crc)
            yield piece
        produced = len(raw)
    else:
        d = zlib.decompressobj(-15)
        pos = 0
        while not d.eof:
            if d.unconsumed_tail:
                inp = d.unconsumed_tail
            elif pos < len(raw):
                inp = bytes(raw[pos:pos + chunk])
                pos += len(inp)
            else:
                inp = b""
            try:
                out = d.decompress(inp, chunk)
            except zlib.error as e:
                raise _s01(f"压缩数据损坏（“{m.name}”）", f"corrupt deflate data in {m.name!r}: {e}") from None
            if out:
                produced += len(out)
                if produced > m.usize:
                    raise _s01(f"“{m.name}”解压后比声明的大小更大（疑似压缩炸弹）",
                               f"member {m.name!r} inflates past its declared size (zip bomb?)")
                crc = zlib.crc32(out, crc)
                yield out
            elif not inp:
                break
        if not d.eof:
            raise _s01(f"压缩数据不完整（“{m.name}”，文件可能被截断）", f"member {m.name!r} is truncated")
    if produced != m.usize:
        raise _s01(f"“{m.name}”解压后大小与声明不符（文件损坏）", f"member {m.name!r} size differs from its header")
    if crc != m.crc:
        raise _s01(f"“{m.name}”校验失败（CRC 错误，文件损坏）", f"CRC error in {m.name!r}")


def _is_xml_name(key: str) -> bool:
    return key.endswith((".xml", ".rels", ".vml"))


def _verify_members(data: bytes, members: list[_Member]) -> None:
    """Inflate everything once (CRC, sizes) and look at every XML part for a DTD or a non-UTF-8
    encoding. Calamine treats XML as UTF-8, so a part it would read differently is refused."""
    for m in members:
        xml = _is_xml_name(m.key)
        tail, first = b"", True
        for piece in _member_chunks(data, m):
            if not xml:
                continue
            if first:
                first = False
                if piece[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in piece[:4]:
                    raise _s01(f"XML 部件“{m.name}”不是 UTF-8 编码", f"XML part {m.name!r} is not UTF-8")
            window = (tail + piece).lower()
            if b"<!doctype" in window or b"<!entity" in window:
                raise _s01(f"XML 部件“{m.name}”含有 DTD/实体声明（可能是 XML 炸弹或外部实体攻击），拒绝读取",
                           f"XML part {m.name!r} contains a DTD/entity declaration (XML bomb or XXE?)")
            tail = piece[-16:]


def _read_member(data: bytes, m: _Member, limit: int) -> bytes:
    if m.usize > limit:
        raise _s01(f"“{m.name}”过大（{_mb(m.usize)}，上限 {_mb(limit)}）",
                   f"part {m.name!r} too large ({_mb(m.usize)}, limit {_mb(limit)})")
    return b"".join(_member_chunks(data, m))


_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


def _open_zip(data: bytes, res: OpenResult, limits: Limits, sandboxed: bool = False) -> None:
    members = _zip_members(data, limits)
    by_key = {m.key: m for m in members}
    if sandboxed:
        _check_prologs(data, members)
    else:
        _verify_members(data, members)

    mt = by_key.get("mimetype")
    mime = _read_member(data, mt, 4096).strip() if mt is not None else b""
    is_ods = mime.startswith(_ODS_MIME)
    has_ct = "[content_types].xml" in by_key
    if is_ods and (has_ct or any(k.startswith("xl/") for k in by_key)):
        raise _s01("文件同时像 ODS 和 Excel 工作簿（不同软件会读出不同内容），拒绝读取",
                   "package is both ODS and OOXML; readers would disagree")
    if is_ods:
        _read_ods(data, by_key, res, limits)
        return
    if has_ct:
        if "xl/workbook.bin" in by_key:
            raise _s01("是 Excel 二进制工作簿（.xlsb），不支持，请另存为 .xlsx", "an .xlsb workbook (not supported)")
        if "xl/workbook.xml" not in by_key:
            if "word/document.xml" in by_key:
                raise _s01("不是电子表格：是 Word 文档", "not a spreadsheet: a Word document")
            if "ppt/presentation.xml" in by_key:
                raise _s01("不是电子表格：是 PowerPoint 演示文稿", "not a spreadsheet: a PowerPoint file")
            raise _s01("不是电子表格：Office 文件中没有工作簿（xl/workbook.xml）",
                       "not a spreadsheet: no xl/workbook.xml in the package")
        _read_ooxml(data, by_key, res, limits, sandboxed)
        return
    if mime.startswith(b"application/vnd.oasis.opendocument."):
        kind = mime.decode("ascii", "replace").rpartition(".")[2]
        zh = {"text": "文字文档（.odt）", "presentation": "演示文稿（.odp）", "graphics": "图形（.odg）"}.get(kind, "文件")
        raise _s01(f"不是电子表格：是 OpenDocument {zh}", f"not a spreadsheet: {mime.decode('ascii', 'replace')}")
    raise _s01("不是电子表格：是普通压缩包（zip）", "not a spreadsheet: a plain zip archive")


# ==================================================================================================
# XML helpers


class _Collector(xml.sax.handler.ContentHandler):
    """Collect (qualified name, attributes, text) of the elements whose local name is wanted.

    Names and attributes stay raw qualified names (no namespace processing), as calamine's quick-xml
    sees them: calamine finds a sheet's relationship by the literal attribute name ``r:id``."""

    def __init__(self, wanted: set[str], cap: int, part: str):
        super().__init__()
        self.wanted, self.cap, self.part = wanted, cap, part
        self.out: list[tuple[str, dict[str, str], list[str]]] = []
        self.stack: list[int | None] = []
        self.innermost: list[int] = []

    def startElement(self, name, attrs):  # noqa: N802 - SAX API
        if name.rpartition(":")[2] in self.wanted:
            if len(self.out) >= self.cap:
                raise _s01(f"“{self.part}”中的条目过多（上限 {self.cap}）", f"{self.part!r}: more than {self.cap} entries")
            self.out.append((name, dict(attrs.items()), []))
            self.stack.append(len(self.out) - 1)
            self.innermost.append(len(self.out) - 1)
        else:
            self.stack.append(None)

    def endElement(self, name):  # noqa: N802 - SAX API
        if self.stack and self.stack.pop() is not None:
            self.innermost.pop()

    def characters(self, content):
        if self.innermost:
            self.out[self.innermost[-1]][2].append(content)


def _sax_elements(data: bytes, m: _Member, limits: Limits, wanted: set[str]) -> list[tuple[str, dict[str, str], str]]:
    """Stream a small part through expat with defusedxml's guards (see :func:`_sax_parse`) and return the
    wanted elements. Callers only read the result: it may be shared (:func:`_parsed_once`)."""
    def parse(raw: bytes) -> list[tuple[str, dict[str, str], str]]:
        handler = _Collector(wanted, limits.max_members, m.name)
        _sax_parse(raw, m, handler)
        return [(qn, attrs, "".join(text)) for qn, attrs, text in handler.out]

    return _parsed_once(_read_member(data, m, limits.max_xml_part_bytes), m.name,
                        (frozenset(wanted), limits.max_members), parse)


# What a part's bytes parsed to, by a cryptographic digest of the bytes: the small parts of a round's
# workbooks (content types, workbook.xml, its relationships, styles) are mostly the same bytes, written
# by the same template, and a worker reads hundreds of them. Equal digests mean equal bytes, so a
# cached result is exactly what parsing would give, also for a file made to look like another; a part
# that failed to parse is never cached (it raises every time).
_PARSED: dict[tuple, Any] = {}
_PARSED_MAX = 256


def _parsed_once(raw: bytes, name: str, how: tuple, parse: Callable[[bytes], Any]) -> Any:
    key = (how, name, hashlib.blake2b(raw, digest_size=20).digest())
    got = _PARSED.get(key)
    if got is None:
        got = parse(raw)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = got
    return got


def _sax_parse(raw: bytes, m: _Member, handler: xml.sax.handler.ContentHandler) -> None:
    """Feed a small part's inflated bytes (read with ``_read_member`` under ``max_xml_part_bytes``) to
    ``handler`` through expat with defusedxml's guards: DTDs, entity declarations and external
    references forbidden, encoding forced to UTF-8, as calamine reads it. A DTD or malformed XML is S01.

    This is what ``defusedxml.sax.parse(..., forbid_dtd=True, forbid_entities=True,
    forbid_external=True)`` does, without its import path: ``defusedxml.sax`` loads
    ``xml.sax.expatreader`` → ``xml.sax.saxutils`` → ``urllib.request`` → ``ssl``, 20–40 ms at every
    start of ``perfxl check``. The same handlers raise the same defusedxml exceptions."""
    p = expat.ParserCreate(encoding="UTF-8")
    p.buffer_text = True
    p.StartDoctypeDeclHandler = _forbid_dtd
    p.EntityDeclHandler = _forbid_entity
    p.UnparsedEntityDeclHandler = _forbid_unparsed_entity
    p.ExternalEntityRefHandler = _forbid_external
    p.StartElementHandler = lambda name, attrs: handler.startElement(name, xml.sax.xmlreader.AttributesImpl(attrs))
    p.EndElementHandler = handler.endElement
    p.CharacterDataHandler = handler.characters
    try:
        p.Parse(raw, True)
    except DefusedXmlException as e:
        raise _s01(f"“{m.name}”含有 DTD/实体声明（可能是 XML 炸弹或外部实体攻击），拒绝读取",
                   f"{m.name!r}: {type(e).__name__} (XML bomb or XXE?)") from None
    except expat.ExpatError as e:
        raise _xml_error(m.name, e) from None


def _forbid_dtd(name, sysid, pubid, has_internal_subset):
    raise DTDForbidden(name, sysid, pubid)


def _forbid_entity(name, is_parameter_entity, value, base, sysid, pubid, notation_name):
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)


def _forbid_unparsed_entity(name, base, sysid, pubid, notation_name):
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)


def _forbid_external(context, base, sysid, pubid):
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


# expat's messages (English) for the malformations a damaged or hand-made part shows, in Chinese.
_EXPAT_ZH = {
    "syntax error": "语法错误",
    "no element found": "内容不完整（文件可能被截断）",
    "not well-formed (invalid token)": "含有非法字符或标记",
    "unclosed token": "标记没有结束",
    "partial character": "字符不完整",
    "mismatched tag": "开始与结束标签不匹配",
    "duplicate attribute": "属性重复",
    "junk after document element": "根元素后还有多余内容",
    "undefined entity": "使用了未定义的实体",
    "unclosed CDATA section": "CDATA 段没有结束",
    "XML or text declaration not at start of entity": "XML 声明不在开头",
    "unbound prefix": "使用了未声明的命名空间前缀",
    "reference to invalid character number": "引用了无效的字符编码",
    "encoding specified in XML declaration is incorrect": "XML 声明中的编码不正确",
    "unknown encoding": "未知的编码",
    "XML declaration not well-formed": "XML 声明格式错误",
}


def _xml_error(name: str, e: expat.ExpatError) -> _Finding:
    """S01 for malformed XML: the part, the line and what is wrong, each language on its own."""
    what = expat.ErrorString(e.code)
    return _s01(f"“{name}”不是合法的 XML（第 {e.lineno} 行：{_EXPAT_ZH.get(what, '格式错误')}）",
                f"{name!r} is not well-formed XML (line {e.lineno}: {what})")


def _local(qname: str) -> str:
    return qname.rpartition(":")[2]


def _stream_xml(data: bytes, m: _Member, start, end, chars) -> None:
    """Feed one member through expat in chunks. Names are raw qualified names, as calamine's
    quick-xml sees them; the document's encoding is overridden to UTF-8 (what calamine assumes);
    any DTD stops the parse before a single entity could be declared."""
    def forbid_dtd(*_args) -> None:
        raise _s01(f"XML 部件“{m.name}”含有 DTD 声明（可能是 XML 炸弹或外部实体攻击），拒绝读取",
                   f"XML part {m.name!r} contains a DTD (XML bomb or XXE?)")

    p = expat.ParserCreate(encoding="UTF-8")
    p.buffer_text = True
    p.StartDoctypeDeclHandler = forbid_dtd
    p.EntityDeclHandler = forbid_dtd
    p.StartElementHandler = start
    p.EndElementHandler = end
    if chars is not None:
        p.CharacterDataHandler = chars
    try:
        for piece in _member_chunks(data, m):
            p.Parse(piece, False)
        p.Parse(b"", True)
    except expat.ExpatError as e:
        raise _xml_error(m.name, e) from None


# ==================================================================================================
# xlsx / xlsm


_REF_RE = re.compile(r"([A-Za-z]{1,6})([0-9]{1,9})")
_COLS: dict[str, int] = {}


def _ref(ref: str) -> tuple[int, int] | None:
    """'B7' → (6, 1), 0-based; None if it is not a plain cell reference (as calamine reads them).
    Longer letter or digit runs than these would overflow calamine's u32 arithmetic; they are
    refused rather than wrapped."""
    m = _REF_RE.fullmatch(ref)
    if m is None:
        return None
    letters, digits = m.groups()
    col = _COLS.get(letters)
    if col is None:
        col = 0
        for ch in letters.upper():
            col = col * 26 + ord(ch) - 64
        if len(_COLS) < 65536:
            _COLS[letters] = col
    row = int(digits)
    return (row - 1, col - 1) if row else None


def _row_number(ref: str) -> int | None:
    """A row's r attribute ('7', or calamine also takes 'B7'): 0-based row, or None if invalid."""
    digits = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 9 or int(digits) == 0:
        return None
    return int(digits) - 1


class _SharedStrings:
    """Length of each shared string, indexed as calamine indexes them.

    Calamine pushes an <si> only if it holds a <t> (outside a phonetic <rPh>) or a rich run <r>;
    an <si> with neither is skipped and shifts every later index, so it is skipped here too. The
    length counted is all text inside the <si> (an upper bound of what calamine keeps)."""

    def __init__(self, data: bytes, m: _Member | None, limits: Limits):
        self.lengths = array("q")
        if m is None:
            return
        self.limits = limits
        self.depth_si = 0
        self.rph = 0
        self.has_t = False
        self.cur = 0
        _stream_xml(data, m, self._start, self._end, self._chars)

    def _start(self, name: str, attrs) -> None:
        local = name.rpartition(":")[2]
        if local == "sst":
            self._declared(attrs)
        elif local == "si":
            self.depth_si += 1
            if self.depth_si == 1:
                self.has_t, self.cur, self.rph = False, 0, 0
        elif self.depth_si:
            if local == "rPh":
                self.rph += 1
            elif (local == "t" and not self.rph) or local == "r":
                self.has_t = True

    def _declared(self, attrs) -> None:
        """Calamine reserves room for ``uniqueCount`` strings before reading one (24 bytes each: a
        1.8 KB file saying 2147483647 asks for 51 GB and aborts the process), so the declared
        count is held to the same limit as the strings themselves."""
        for attr in ("uniqueCount", "count"):
            v = (attrs.get(attr) or "").strip()
            if v and (not v.isascii() or not v.isdigit() or len(v) > 12 or int(v) > self.limits.max_cells):
                raise _s01(f"共享字符串数量声明异常（{attr}=“{v[:20]}”，上限 {self.limits.max_cells}），文件可能被恶意构造",
                           f"shared strings declare {attr}={v[:20]!r}, over {self.limits.max_cells} (crafted file?)")

    def _end(self, name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "si" and self.depth_si:
            self.depth_si -= 1
            if self.depth_si == 0 and self.has_t:
                self.lengths.append(self.cur)
                if len(self.lengths) > self.limits.max_cells:
                    raise _s01(f"共享字符串数量超过上限 {self.limits.max_cells}",
                               f"more than {self.limits.max_cells} shared strings")
        elif local == "rPh" and self.rph:
            self.rph -= 1

    def _chars(self, text: str) -> None:
        if self.depth_si:
            self.cur += len(text)


_STRING_TYPES = frozenset({"s", "str", "inlineStr"})
_PERCENT_BUILTIN_FMTS = frozenset({9, 10})  # '0%', '0.00%'


def _is_percent_format(code: str) -> bool:
    """True if an Excel number format code holds a ``%`` that Excel acts on (it multiplies the
    value by 100): one outside a "..." literal and not escaped by a backslash. ``0.0"%"`` and
    ``0.0\\%`` only print a percent sign."""
    quoted = escaped = False
    for ch in code:
        if escaped:
            escaped = False
        elif quoted:
            quoted = ch != '"'
        elif ch == '"':
            quoted = True
        elif ch == "\\":
            escaped = True
        elif ch == "%":
            return True
    return False


class _PercentStyles(xml.sax.handler.ContentHandler):
    """Which ``cellXfs`` indexes (a cell's ``s``) carry a percent number format.

    Only ``<xf>`` directly inside ``<cellXfs>`` count (``cellStyleXfs`` has its own ``xf``s); a
    ``<numFmt>`` anywhere defines or redefines an id, else ids 9 and 10 are the built-in percent
    formats. Names are compared by local name; ids that are not plain integers are ignored."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.xfs_depth = 0  # depth of the open <cellXfs>, 0 outside
        self.n_xf = 0
        self.xf_fmts: list[int] = []  # cellXfs index -> numFmtId, -1 if none/invalid
        self.custom: dict[int, bool] = {}  # numFmtId -> is percent

    @staticmethod
    def _id(v: str | None) -> int:
        v = (v or "").strip()
        return int(v) if v.isascii() and v.isdigit() and len(v) <= 9 else -1

    def startElement(self, name, attrs):  # noqa: N802 - SAX API
        self.depth += 1
        local = name.rpartition(":")[2]
        if local == "xf" and self.xfs_depth and self.depth == self.xfs_depth + 1:
            self.xf_fmts.append(self._id(attrs.get("numFmtId")))
        elif local == "cellXfs" and not self.xfs_depth:
            self.xfs_depth = self.depth
        elif local == "numFmt":
            fid = self._id(attrs.get("numFmtId"))
            if fid >= 0:
                self.custom[fid] = _is_percent_format(attrs.get("formatCode", ""))

    def endElement(self, name):  # noqa: N802 - SAX API
        if self.depth == self.xfs_depth:
            self.xfs_depth = 0
        self.depth -= 1

    def percent_xfs(self) -> frozenset[str]:
        """The percent cellXfs indexes, as the ``s`` attribute strings that name them."""
        def pct(fid: int) -> bool:
            return self.custom[fid] if fid in self.custom else fid in _PERCENT_BUILTIN_FMTS
        return frozenset(str(i) for i, fid in enumerate(self.xf_fmts) if fid >= 0 and pct(fid))


def _percent_styles(data: bytes, m: _Member | None, limits: Limits) -> frozenset[str]:
    """The ``s`` values of percent-formatted cells, from xl/styles.xml (none if the part is missing).
    Parsed like the other small parts: size-limited, defusedxml's guards, a DTD or malformed XML is S01."""
    if m is None:
        return frozenset()

    def parse(raw: bytes) -> frozenset[str]:
        handler = _PercentStyles()
        _sax_parse(raw, m, handler)
        return handler.percent_xfs()

    return _parsed_once(_read_member(data, m, limits.max_xml_part_bytes), m.name, ("percent styles",), parse)


def _scan_xlsx_sheet(data: bytes, m: _Member, sheet: str, sst: array, limits: Limits,
                     pct_styles: frozenset[str] = frozenset(), pct_cells: set[int] | None = None) -> _Cost:
    """Stream one worksheet part and position every cell exactly as calamine's XlsxCellReader:

    * only inside <sheetData>; element names compared by local name, attributes by raw name 'r'/'t';
    * <row r="N"> sets the current row; the end of a row moves to the next row and column 0;
    * a cell's position is its r attribute, else (current row, column counter); after every cell,
      with or without a value, the column counter is that column + 1;
    * a cell with no child element can only be Empty, and calamine drops Empty cells, so it is not
      checked against the limits (formatting a long range must not reject a workbook).
    Text is counted for string cells only (t="s" by the shared string's length); a number's few
    digits cannot amplify anything.

    Numeric cells (no ``t``, or ``t="n"``) with a ``<v>`` whose ``s`` (0 when absent) is in
    ``pct_styles`` are added to ``pct_cells`` as ``row << 32 | col`` (0-based); a later cell at the
    same position that is not one removes it, as calamine keeps the last. One frozenset lookup per
    cell, and only when the workbook has a percent style at all.

    Written as closures over plain locals: this runs once per XML element of the largest part.
    """
    budget = _Budget(limits)  # this part alone; the caller charges the workbook per sheet
    max_rows, max_cols = limits.max_rows, limits.max_cols
    local_names: dict[str, str] = {}
    in_data = 0
    row = col = 0
    max_row = max_col = -1
    cells = 0
    in_cell = False
    pos_r = pos_c = 0
    cell_t: str | None = None
    children = 0
    in_v = 0
    v_text: list[str] = []
    text_len = 0
    pct_cell = False
    if pct_cells is None:
        pct_cells = set()

    def bad(what_zh: str, what_en: str, value: str) -> _Finding:
        return _s01(f"工作表“{sheet}”中{what_zh}“{value[:40]}”格式错误", f"sheet {sheet!r}: malformed {what_en} {value[:40]!r}")

    def start(name: str, attrs: dict) -> None:
        nonlocal in_data, row, col, in_cell, pos_r, pos_c, cell_t, children, in_v, text_len, pct_cell
        local = local_names.get(name)
        if local is None:
            local = local_names[name] = name.rpartition(":")[2]
        if in_cell:
            children += 1
            if local == "v":
                in_v += 1
            elif local == "c":
                raise _s01(f"工作表“{sheet}”中单元格嵌套（XML 结构错误）", f"sheet {sheet!r}: nested cells")
            return
        if not in_data:
            if local == "sheetData":
                in_data = 1
            return
        if local == "c":
            r = attrs.get("r")
            if r is not None:
                pos = _ref(r)
                if pos is None:
                    raise bad("单元格引用", "cell reference", r)
                pos_r, pos_c = pos
                col = pos_c
            else:
                pos_r, pos_c = row, col
            in_cell = True
            cell_t = attrs.get("t")
            pct_cell = bool(pct_styles) and (cell_t is None or cell_t == "n") and attrs.get("s", "0") in pct_styles
            children = 0
            text_len = 0
            if v_text:
                v_text.clear()
        elif local == "row":
            r = attrs.get("r")
            if r is not None:
                n = _row_number(r)
                if n is None:
                    raise bad("行号", "row number", r)
                row = n
        elif local == "sheetData":
            in_data += 1

    def end(name: str) -> None:
        nonlocal in_data, row, col, in_cell, in_v, max_row, max_col, cells
        if not in_data:
            return
        local = local_names[name]
        if in_cell:
            if local == "v":
                in_v -= 1
            elif local == "c":
                in_cell = False
                col += 1
                if not children:
                    return
                if pos_r >= max_rows or pos_c >= max_cols:
                    _check_pos(pos_r, pos_c, sheet, limits)
                if pos_r > max_row:
                    max_row = pos_r
                if pos_c > max_col:
                    max_col = pos_c
                cells += 1
                if not cells & 4095:
                    budget.add_cells(4096, sheet)
                if pct_cell and v_text:
                    pct_cells.add(pos_r << 32 | pos_c)
                elif pct_cells:
                    pct_cells.discard(pos_r << 32 | pos_c)
                if cell_t in _STRING_TYPES:
                    cost = text_len
                    if cell_t == "s":
                        v = "".join(v_text).strip()
                        if not v.isascii() or not v.isdigit() or len(v) > 12:
                            raise bad("共享字符串序号", "shared string index", v)
                        idx = int(v)
                        if idx >= len(sst):
                            raise _s01(f"工作表“{sheet}”引用了不存在的共享字符串 {idx}（文件损坏）",
                                       f"sheet {sheet!r}: shared string {idx} does not exist")
                        cost = sst[idx]
                    if cost:
                        budget.add_text(cost, sheet)
            return
        if local == "row":
            row += 1
            col = 0
        elif local == "sheetData":
            in_data -= 1

    def chars(text: str) -> None:
        nonlocal text_len
        if in_cell:
            if in_v:
                v_text.append(text)
            text_len += len(text)

    _stream_xml(data, m, start, end, chars)
    budget.add_cells(cells & 4095, sheet)
    return _Cost(cells, max_row + 1, max_col + 1, budget.text)


def _calamine_sheet_path(target: str) -> str:
    """How calamine turns a relationship target into a part name (xlsx.rs read_workbook)."""
    if target.startswith("/xl/"):
        return target[1:]
    if target.startswith("xl/"):
        return target
    return "xl/" + target


_STATES = {"visible": "visible", "hidden": "hidden", "veryHidden": "veryHidden"}


def _read_ooxml(data: bytes, by_key: dict[str, _Member], res: OpenResult, limits: Limits,
                sandboxed: bool = False) -> None:
    keys = list(by_key)
    res.has_macros = any(k.rsplit("/", 1)[-1] == "vbaproject.bin" for k in keys) or any(
        k.startswith("xl/macrosheets/") for k in keys)
    wb_type = ""
    for _, a, _ in _sax_elements(data, by_key["[content_types].xml"], limits, {"Override"}):
        if _akey(a.get("PartName", "")) == "/xl/workbook.xml":
            wb_type = a.get("ContentType", "").lower()
    res.kind = "xlsm" if ("macroenabled" in wb_type or res.has_macros) else "xlsx"

    # sheets as calamine reads them: <sheet> anywhere, raw 'r:id'/'relationships:id' (last wins)
    sheets: list[tuple[str, str, str | None]] = []
    for _, a, _ in _sax_elements(data, by_key["xl/workbook.xml"], limits, {"sheet"}):
        rid = None
        for qname, value in a.items():
            if qname in ("r:id", "relationships:id"):
                rid = value
        sheets.append((a.get("name", ""), a.get("state", "visible"), rid))
    if not sheets:
        raise _s01("工作簿中没有工作表", "the workbook has no sheets")
    names_seen: dict[str, str] = {}
    for name, state, _ in sheets:
        if not name:
            raise _s01("工作表名称为空（文件损坏）", "a sheet has no name")
        if name.casefold() in names_seen:
            raise _s01(f"工作表名称重复：“{name}”", f"duplicate sheet name {name!r}")
        names_seen[name.casefold()] = name
        if state not in _STATES:
            raise _s01(f"工作表“{name}”的可见性“{state}”无效", f"sheet {name!r}: invalid state {state!r}")
        res.sheet_states[name] = _STATES[state]

    rels_m = by_key.get("xl/_rels/workbook.xml.rels")
    if rels_m is None:
        raise _s01("缺少 xl/_rels/workbook.xml.rels（文件损坏）", "xl/_rels/workbook.xml.rels is missing")
    rels: dict[str, str] = {}
    for _, a, _ in _sax_elements(data, rels_m, limits, {"Relationship"}):
        if "Id" in a:
            rels[a["Id"]] = a.get("Target", "")

    parts: list[tuple[str, _Member]] = []
    for name, _, rid in sheets:
        target = rels.get(rid) if rid is not None else None
        if target is None:
            raise _s01(f"工作表“{name}”找不到对应的数据部件（文件损坏）", f"sheet {name!r} has no relationship")
        m = by_key.get(_akey(_calamine_sheet_path(target)))
        if m is None:
            raise _s01(f"工作表“{name}”的数据部件“{target}”不存在（文件损坏）",
                       f"sheet {name!r}: part {target!r} is missing")
        parts.append((name, m))

    pct_styles = _percent_styles(data, by_key.get("xl/styles.xml"), limits)
    pct_by_part: dict[str, set[int]] = {}
    if sandboxed:
        for name, m in parts:
            if _unread(res, name):
                pct_by_part.setdefault(m.key, set())
            elif m.key not in pct_by_part:
                pct_by_part[m.key] = _quick_percent_cells(data, m, limits, pct_styles) if pct_styles else set()
    else:
        budget = _Budget(limits)
        sst = _SharedStrings(data, by_key.get("xl/sharedstrings.xml"), limits)
        costs: dict[str, _Cost] = {}
        for name, m in parts:
            if m.key not in costs:
                pct_by_part[m.key] = set()
                costs[m.key] = _scan_xlsx_sheet(data, m, name, sst.lengths, limits, pct_styles, pct_by_part[m.key])
            costs[m.key].charge(budget, name)
    col_names: dict[int, str] = {}
    percent_cells = set()
    for name, m in parts:
        for k in pct_by_part[m.key]:
            c = k & 0xFFFFFFFF
            col = col_names.get(c) or col_names.setdefault(c, _col_name(c))
            percent_cells.add((name, f"{col}{(k >> 32) + 1}"))

    custom = by_key.get("docprops/custom.xml")
    if custom is not None:
        for _, a, text in _sax_elements(data, custom, limits, {"property"}):
            if "name" in a:
                res.doc_props[a["name"]] = text
    core = by_key.get("docprops/core.xml")
    if core is not None:
        for qn, _, text in _sax_elements(data, core, limits, {"created", "modified"}):
            res.doc_props[f"dcterms:{_local(qn)}"] = text.strip()

    _calamine_read(data, res, [n for n, _, _ in sheets], states_from_calamine=False,
                   grid_limits=limits if sandboxed else None)
    res.percent_cells = percent_cells


# ==================================================================================================
# ods


_ODS_VALUE_ATTRS = frozenset({"value", "string-value", "date-value", "time-value", "boolean-value", "value-type",
                              "formula"})


class _OdsScan:
    """Stream content.xml and multiply out repeats the way calamine's ods reader expands them:

    * a cell with a value (or a formula) is materialised ``number-columns-repeated`` times, and the
      empty cells before it in the row are materialised too;
    * a row holding such a cell is materialised ``number-rows-repeated`` times, and empty rows
      before it as well (to_python pads from A1);
    * trailing empty cells and rows, however repeated (LibreOffice writes 1 048 000 of them), cost
      nothing.
    Element and attribute names are compared by local name (a superset of calamine's raw names).
    Cells with ``value-type="percentage"`` are collected in ``percent_cells`` (table name, A1), every
    repeat of them, once the row's cells have been charged to the budget.
    """

    def __init__(self, data: bytes, m: _Member, budget: _Budget, limits: Limits):
        self.budget, self.limits = budget, limits
        self.tables: list[str] = []
        self.table_depth = 0
        self.name = ""
        self.row_pos = 0
        self.max_row = 0
        self.max_col = 0
        self.in_row = False
        self.row_rep = 1
        self.col_pos = 0
        self.row_end_col = 0
        self.row_cells = 0
        self.row_text = 0
        self.in_cell = 0
        self.cell_rep = 1
        self.cell_value = False
        self.cell_text = 0
        self.cell_pct = False
        self.row_pct: list[tuple[int, int]] = []  # (first column, repeat) of percentage cells in this row
        self.percent_cells: set[tuple[str, str]] = set()
        _stream_xml(data, m, self._start, self._end, self._chars)

    def _int(self, attrs, local: str) -> int:
        for k, v in attrs.items():
            if k.rpartition(":")[2] == local:
                v = v.strip()
                if not v.isascii() or not v.isdigit():
                    raise _s01(f"工作表“{self.name}”中 {local}=“{v[:20]}”格式错误",
                               f"sheet {self.name!r}: malformed {local}={v[:20]!r}")
                return int(v) if len(v) <= 12 else 10 ** 12
        return 1

    def _start(self, name: str, attrs) -> None:
        local = name.rpartition(":")[2]
        if self.in_cell:
            self.in_cell += 1
            if local == "s":
                for k, v in attrs.items():
                    v = v.strip()
                    if k.rpartition(":")[2] == "c" and v.isascii() and v.isdigit():
                        self.cell_text += int(v) if len(v) <= 12 else 10 ** 12
            return
        if local == "table":
            self.table_depth += 1
            if self.table_depth == 1:
                self.name = next((v for k, v in attrs.items() if k.rpartition(":")[2] == "name"), "")
                self.tables.append(self.name)
                self.row_pos = self.max_row = self.max_col = 0
        elif not self.table_depth:
            return
        elif local == "table-row":
            self.in_row = True
            self.row_rep = self._int(attrs, "number-rows-repeated")
            self.col_pos = self.row_end_col = self.row_cells = self.row_text = 0
            self.row_pct.clear()
        elif local in ("table-cell", "covered-table-cell"):
            self.in_cell = 1
            self.cell_rep = self._int(attrs, "number-columns-repeated")
            self.cell_value = False
            self.cell_pct = False
            self.cell_text = 0
            for k, v in attrs.items():
                lk = k.rpartition(":")[2]
                if lk in _ODS_VALUE_ATTRS:
                    self.cell_value = True
                    if lk in ("formula", "string-value"):
                        self.cell_text += len(v)
                    elif lk == "value-type" and v == "percentage":
                        self.cell_pct = True

    def _end(self, name: str) -> None:
        if self.in_cell:
            self.in_cell -= 1
            if self.in_cell:
                return
            self.col_pos += self.cell_rep
            if self.cell_value:
                self.row_end_col = self.col_pos
                if self.col_pos > self.limits.max_cols:
                    _check_pos(self.row_pos, self.col_pos - 1, self.name, self.limits)
                self.row_cells += self.cell_rep
                self.row_text += self.cell_text * self.cell_rep
                if self.cell_pct:
                    self.row_pct.append((self.col_pos - self.cell_rep, self.cell_rep))
            return
        local = name.rpartition(":")[2]
        if local == "table-row" and self.in_row and self.table_depth:
            self.in_row = False
            if self.row_end_col:
                end = self.row_pos + self.row_rep
                if end > self.limits.max_rows:
                    _check_pos(end - 1, 0, self.name, self.limits)
                self.max_row = end
                self.max_col = max(self.max_col, self.row_end_col)
                self.budget.add_cells(self.row_cells * self.row_rep, self.name)
                if self.row_text:
                    self.budget.add_text(self.row_text * self.row_rep, self.name)
                for c0, rep in self.row_pct:  # bounded: these cells were just charged to the budget
                    cols = [_col_name(c) for c in range(c0, c0 + rep)]
                    self.percent_cells.update((self.name, f"{col}{r + 1}")
                                              for r in range(self.row_pos, end) for col in cols)
            self.row_pos += self.row_rep
        elif local == "table" and self.table_depth:
            self.table_depth -= 1
            if self.table_depth == 0 and self.max_row:
                self.budget.add_area(self.max_row, self.max_col, self.name)

    def _chars(self, text: str) -> None:
        if self.in_cell:
            self.cell_text += len(text)


def _read_ods(data: bytes, by_key: dict[str, _Member], res: OpenResult, limits: Limits) -> None:
    res.kind = "ods"
    manifest = by_key.get("meta-inf/manifest.xml")
    if manifest is None:
        raise _s01("ODS 文件缺少 META-INF/manifest.xml（文件损坏）", "ODS without META-INF/manifest.xml")
    if _sax_elements(data, manifest, limits, {"encryption-data"}):
        raise _s02("ODS 文件设置了打开密码，请去掉密码后重新报送", "the ODS file is password-protected")
    content = by_key.get("content.xml")
    if content is None:
        raise _s01("ODS 文件缺少 content.xml（文件损坏）", "ODS without content.xml")
    scan = _OdsScan(data, content, _Budget(limits), limits)
    seen: set[str] = set()
    for name in scan.tables:
        if name.casefold() in seen:
            raise _s01(f"工作表名称重复：“{name}”", f"duplicate sheet name {name!r}")
        seen.add(name.casefold())
    meta = by_key.get("meta.xml")
    if meta is not None:
        for qn, a, text in _sax_elements(data, meta, limits, {"user-defined", "creation-date", "date"}):
            local = _local(qn)
            if local == "user-defined":
                key = next((v for k, v in a.items() if _local(k) == "name"), None)
                if key:
                    res.doc_props[key] = text
            elif local == "creation-date":
                res.doc_props["dcterms:created"] = text.strip()
            else:  # dc:date: last modified
                res.doc_props["dcterms:modified"] = text.strip()
    _calamine_read(data, res, scan.tables, states_from_calamine=True)
    res.percent_cells = scan.percent_cells


# ==================================================================================================
# OLE2 compound files: encrypted OOXML, legacy .xls

_ENDOFCHAIN = 0xFFFFFFFE
_RESERVED = 0xFFFFFFFA
_DIFSECT = 0xFFFFFFFC


def _u32s(b: bytes) -> array:
    a = array("I")
    a.frombytes(b[: len(b) // 4 * 4])
    if sys.byteorder == "big":
        a.byteswap()
    return a


@dataclass
class _DirEntry:
    name: str
    typ: int
    start: int
    size: int


class _Cfb:
    """A compound file read the way calamine's cfb.rs reads it, refusing everything that would make
    calamine allocate from a number in the file rather than from the file's size.

    Calamine sizes buffers from header counts and directory sizes and follows sector chains without
    bounds or loop checks (``Sectors::get`` grows its buffer to ``sector_id × sector_size``), so here
    every header count must fit the file, every sector id on every chain it will follow must be
    inside the file and inside the FAT, chains must end with ENDOFCHAIN and never revisit a sector.
    """

    def __init__(self, data: bytes):
        self.data = data
        if len(data) < 512:
            raise self._bad("文件头不完整", "header truncated")
        major = struct.unpack_from("<H", data, 26)[0]
        shift, mshift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mshift != 6:
            raise self._bad("扇区大小无效", "invalid sector shift")
        ss = self.ss = 1 << shift
        if len(data) < ss:
            raise self._bad("文件头不完整", "header truncated")
        self.nsec = (len(data) - ss + ss - 1) // ss
        (ndir, nfat, dir_start, _txn, _cutoff, self.minifat_start, self.nminifat, difat_start,
         _ndifat) = struct.unpack_from("<9I", data, 40)
        if nfat > self.nsec or ndir > self.nsec or self.nminifat > self.nsec:
            raise self._bad("文件头中的数量超出文件大小", "header counts exceed the file")
        if struct.unpack_from("<I", data, 62)[0] > 16 * _MiB:  # calamine reserves this many u32 (sic)
            raise self._bad("文件头字段异常", "header field out of range")

        difat = list(struct.unpack_from("<109I", data, 76))
        sid, seen = difat_start, set()
        while sid < _RESERVED:
            if sid >= self.nsec or sid in seen:
                raise self._bad("DIFAT 链无效", "bad DIFAT chain")
            seen.add(sid)
            difat.extend(_u32s(self._sector(sid)))
            sid = difat.pop()
        fat_ids = [i for i in difat if i < _DIFSECT]
        if any(i >= self.nsec for i in fat_ids) or len(set(fat_ids)) != len(fat_ids):
            raise self._bad("FAT 扇区表无效", "bad FAT sector list")
        self.fat = array("I")
        for i in fat_ids:
            self.fat.extend(_u32s(self._sector(i)))

        raw = self._chain(dir_start, self.fat, self.nsec, self._sector)
        if ndir:
            raw = raw[: ndir * ss]
        if not raw or len(raw) % 128:
            raise self._bad("目录不完整", "directory truncated")
        self.entries: list[_DirEntry] = []
        for off in range(0, len(raw), 128):
            e = raw[off:off + 128]
            name = e[:64].decode("utf-16le", "replace").split("\x00", 1)[0]
            size = struct.unpack_from("<I" if ss == 512 else "<Q", e, 120)[0]
            self.entries.append(_DirEntry(name, e[66], struct.unpack_from("<I", e, 116)[0], size))
        if major != 3 and self.entries[0].start == _ENDOFCHAIN:
            raise self._bad("根目录为空", "empty root directory")
        self._mini: tuple[bytes, array] | None = None

    @staticmethod
    def _bad(zh: str, en: str) -> _Finding:
        return _s01(f"OLE 复合文件结构损坏：{zh}", f"corrupt OLE compound file: {en}")

    def _sector(self, sid: int) -> bytes:
        off = self.ss + sid * self.ss
        return self.data[off:off + self.ss]

    def _chain(self, start: int, fat, limit: int, read) -> bytes:
        out, sid, seen = [], start, set()
        while sid != _ENDOFCHAIN:
            if sid >= limit or sid >= len(fat) or sid in seen:
                raise self._bad("扇区链越界或循环", "sector chain out of range or looping")
            seen.add(sid)
            out.append(read(sid))
            sid = fat[sid]
        return b"".join(out)

    def names(self) -> set[str]:
        return {e.name for e in self.entries if e.typ in (1, 2, 5)}

    def find(self, name: str) -> _DirEntry | None:
        """The first directory entry with this name, whatever its type: calamine's lookup."""
        return next((e for e in self.entries if e.name == name), None)

    def _mini_stream(self) -> tuple[bytes, array]:
        if self._mini is None:
            if self.nminifat:
                root = self.entries[0]
                if root.size > self.nsec * self.ss:
                    raise self._bad("迷你流大小超出文件", "mini stream larger than the file")
                ms = self._chain(root.start, self.fat, self.nsec, self._sector)
                if root.size:
                    ms = ms[: root.size]
                mf = self._chain(self.minifat_start, self.fat, self.nsec, self._sector)[: self.nminifat * self.ss]
                self._mini = (ms, _u32s(mf))
            else:
                self._mini = (b"", array("I"))
        return self._mini

    def stream(self, e: _DirEntry) -> bytes:
        if e.size < 4096:
            ms, mf = self._mini_stream()
            nmini = len(ms) // 64
            out = self._chain(e.start, mf, nmini, lambda i: ms[i * 64:(i + 1) * 64])
        else:
            if e.size > self.nsec * self.ss:
                raise self._bad(f"流“{e.name}”的大小超出文件", f"stream {e.name!r} larger than the file")
            out = self._chain(e.start, self.fat, self.nsec, self._sector)
        return out[: e.size] if e.size else out


def _open_ole(data: bytes, res: OpenResult, limits: Limits) -> None:
    cfb = _Cfb(data)
    names = cfb.names()
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        res.kind = "xlsm" if res.path.lower().endswith(".xlsm") else "xlsx"
        raise _s02("工作簿设置了打开密码（文件已加密），请去掉密码后重新报送",
                   "the workbook is encrypted (password to open)")
    entry = cfb.find("Workbook") or cfb.find("Book")
    if entry is None:
        if "WordDocument" in names:
            raise _s01("不是电子表格：是 Word 97-2003 文档", "not a spreadsheet: a Word 97-2003 document")
        if "PowerPoint Document" in names:
            raise _s01("不是电子表格：是 PowerPoint 97-2003 演示文稿", "not a spreadsheet: a PowerPoint 97-2003 file")
        raise _s01("不是电子表格：OLE 文件中没有工作簿", "not a spreadsheet: no Workbook stream in the OLE file")
    res.kind = "xls"
    res.has_macros = "_VBA_PROJECT_CUR" in names
    stream = cfb.stream(entry)
    _scan_biff(stream, res, limits)
    try:
        res.doc_props.update(_ole_doc_props(cfb))
    except Exception:  # noqa: BLE001 - document properties are optional; never a reason to refuse
        pass
    _calamine_read(data, res, None, states_from_calamine=True)
    # res.percent_cells stays empty: percent formats of .xls (XF/FORMAT records) are not detected


# ---- BIFF8 (.xls) records -----------------------------------------------------------------------

_FILEPASS, _SST, _BOUNDSHEET, _EOF, _CONTINUE, _DIMENSIONS = 0x002F, 0x00FC, 0x0085, 0x000A, 0x003C, 0x0200
_LABEL, _LABELSST, _STRING, _MULRK, _FORMULA = 0x0204, 0x00FD, 0x0207, 0x00BD, 0x0006
_POS_RECORDS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006})  # records calamine turns into cells


def _records(stream: bytes, pos: int) -> Iterator[tuple[int, int, bytes]]:
    """(type, offset, data) for each record from ``pos`` (CONTINUE records come as their own)."""
    n = len(stream)
    while pos < n:
        if pos + 4 > n:
            raise _s01("xls 记录被截断（文件损坏）", "truncated BIFF record")
        typ, length = struct.unpack_from("<HH", stream, pos)
        if pos + 4 + length > n:
            raise _s01("xls 记录被截断（文件损坏）", "truncated BIFF record")
        yield typ, pos, stream[pos + 4:pos + 4 + length]
        pos += 4 + length


def _sst_lengths(first: bytes, conts: list[bytes]) -> array:
    """Character count of every SST string, walked as calamine's read_rich_extended_string walks
    them (a string may continue in the next CONTINUE record after a fresh option byte)."""
    if len(first) < 8:
        raise _s01("xls 共享字符串表损坏", "corrupt SST record")
    unique = struct.unpack_from("<i", first, 4)[0]
    total_bytes = len(first) - 8 + sum(len(c) for c in conts)
    if unique < 0 or unique * 3 > total_bytes:
        raise _s01(f"xls 共享字符串表声明 {unique} 个字符串，与其大小不符（文件损坏或恶意构造）",
                   f"SST claims {unique} strings, more than its {total_bytes} bytes can hold")
    bufs = [first[8:]] + conts
    bi, off = 0, 0
    out = array("q")

    def take(k: int) -> bytes:
        nonlocal bi, off
        if off + k > len(bufs[bi]):
            raise _s01("xls 共享字符串表损坏", "corrupt SST record")
        b = bufs[bi][off:off + k]
        off += k
        return b

    def next_buf() -> bool:
        nonlocal bi, off
        if bi + 1 >= len(bufs):
            return False
        bi, off = bi + 1, 0
        return True

    def skip(k: int) -> None:
        nonlocal off
        while k > 0:
            if off >= len(bufs[bi]) and not next_buf():
                raise _s01("xls 共享字符串表损坏", "corrupt SST record")
            step = min(k, len(bufs[bi]) - off)
            off += step
            k -= step

    for _ in range(unique):
        if off >= len(bufs[bi]) and not next_buf():
            raise _s01("xls 共享字符串表损坏", "corrupt SST record")
        cch, flags = struct.unpack("<HB", take(3))
        runs = struct.unpack("<H", take(2))[0] if flags & 0x8 else 0
        ext = struct.unpack("<I", take(4))[0] if flags & 0x4 else 0
        wide, left = flags & 1, cch
        while left > 0:
            avail = len(bufs[bi]) - off
            k = min(left, avail // 2 if wide else avail)
            off += k * (2 if wide else 1)
            left -= k
            if left > 0:
                if not next_buf():
                    raise _s01("xls 共享字符串表损坏", "corrupt SST record")
                wide = take(1)[0] & 1
        skip(runs * 4)
        skip(ext)
        out.append(cch)
    return out


def _scan_biff(stream: bytes, res: OpenResult, limits: Limits) -> None:
    """The globals substream (FILEPASS, SST, BOUNDSHEETs), then each sheet's substream from its
    BOUNDSHEET offset, as calamine's parse_workbook reads them."""
    sst = array("q")
    bounds: list[tuple[int, str]] = []
    recs = list(_records_until_eof(stream, 0))
    for i, (typ, _, rec) in enumerate(recs):
        if typ == _FILEPASS:
            raise _s02("工作簿设置了打开密码（xls 文件已加密），请去掉密码后重新报送",
                       "the .xls workbook is encrypted (password to open)")
        if typ == _SST:
            conts = []
            for t2, _, d2 in recs[i + 1:]:
                if t2 != _CONTINUE:
                    break
                conts.append(d2)
            sst = _sst_lengths(rec, conts)
        elif typ == _BOUNDSHEET:
            if len(rec) < 8:
                raise _s01("xls 工作表目录记录损坏", "corrupt BOUNDSHEET record")
            pos, state, dt = struct.unpack_from("<IBB", rec, 0)
            if dt in (1, 6):
                res.has_macros = True
            cch, wide = rec[6], rec[7] & 1
            name = rec[8:8 + cch * (2 if wide else 1)].decode("utf-16le" if wide else "latin-1", "replace")
            bounds.append((pos, name or f"#{len(bounds) + 1}"))
    if not bounds:
        raise _s01("xls 工作簿中没有工作表", "the .xls workbook has no sheets")
    budget = _Budget(limits)
    costs: dict[int, _Cost] = {}
    for pos, name in bounds:
        if pos >= len(stream):
            raise _s01(f"xls 工作表“{name}”的位置超出文件（文件损坏）", f"sheet {name!r} starts past the stream")
        if pos not in costs:
            costs[pos] = _scan_biff_sheet(stream, pos, name, sst, limits)
        costs[pos].charge(budget, name)


def _records_until_eof(stream: bytes, pos: int) -> Iterator[tuple[int, int, bytes]]:
    for rec in _records(stream, pos):
        yield rec
        if rec[0] == _EOF:
            return


def _scan_biff_sheet(stream: bytes, pos: int, name: str, sst: array, limits: Limits) -> _Cost:
    budget = _Budget(limits)  # this substream alone; the caller charges the workbook per sheet
    max_row = max_col = -1
    cells = 0
    area_cap = limits.max_rows * limits.max_cols
    for typ, _, rec in _records_until_eof(stream, pos):
        if typ == _DIMENSIONS:
            if len(rec) == 10:
                rf, rl, cf, cl = struct.unpack_from("<HHHH", rec)
            elif len(rec) == 14:
                rf, rl, cf, cl = struct.unpack_from("<IIHH", rec)
            else:
                raise _s01(f"xls 工作表“{name}”的 DIMENSIONS 记录损坏", f"sheet {name!r}: bad DIMENSIONS")
            end_r, end_c = (rl - 1, cl - 1) if rl >= 1 and cl >= 1 else (rf, cf)
            rows = (end_r - rf + 1) & 0xFFFFFFFF  # u32 arithmetic, as calamine's release build wraps
            cols = (end_c - cf + 1) & 0xFFFFFFFF
            if rows * cols > area_cap:
                raise _s01(f"xls 工作表“{name}”声明的范围为 {rows} 行 × {cols} 列，超出上限 "
                           f"{limits.max_rows} 行 × {limits.max_cols} 列",
                           f"sheet {name!r}: DIMENSIONS claims {rows} rows x {cols} columns")
            continue
        if typ in _POS_RECORDS or typ == _MULRK:
            if len(rec) < 6:
                raise _s01(f"xls 工作表“{name}”的单元格记录损坏", f"sheet {name!r}: truncated cell record")
            row, col = struct.unpack_from("<HH", rec)
            last = col
            n = 1
            if typ == _MULRK:
                last = struct.unpack_from("<H", rec, len(rec) - 2)[0]
                n = (len(rec) - 6) // 6
                if last < col or len(rec) != 6 + 6 * (last - col + 1):
                    raise _s01(f"xls 工作表“{name}”的单元格记录损坏", f"sheet {name!r}: bad MULRK record")
            _check_pos(row, last, name, limits)
            max_row = max(max_row, row)
            max_col = max(max_col, last)
            cells += n
            if cells > limits.max_cells:
                budget.add_cells(cells, name)
            if typ == _LABELSST and len(rec) >= 10:
                idx = struct.unpack_from("<I", rec, 6)[0]
                if idx < len(sst):
                    budget.add_text(sst[idx], name)
            elif typ == _LABEL and len(rec) >= 8:
                budget.add_text(struct.unpack_from("<H", rec, 6)[0], name)
        elif typ == _STRING and len(rec) >= 2:
            budget.add_text(struct.unpack_from("<H", rec)[0], name)
    budget.add_cells(cells, name)
    return _Cost(cells, max_row + 1, max_col + 1, budget.text)


# ---- OLE property sets (document properties of .xls) ----------------------------------------------


def _filetime(v: int) -> str:
    t = datetime(1601, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=v // 10)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _propset_sections(raw: bytes) -> list[dict[int, object]]:
    """Property values of each section of an OLE property set stream (MS-OLEPS), best effort."""
    nsec = struct.unpack_from("<I", raw, 24)[0]
    out = []
    for i in range(min(nsec, 4)):
        off = struct.unpack_from("<I", raw, 28 + 20 * i + 16)[0]
        _size, count = struct.unpack_from("<II", raw, off)
        ids = [struct.unpack_from("<II", raw, off + 8 + 8 * k) for k in range(min(count, 4096))]
        props: dict[int, object] = {}
        codepage = 1252
        for pid, poff in ids:  # codepage first: it decodes the strings
            if pid == 1:
                codepage = struct.unpack_from("<H", raw, off + poff + 4)[0]
        enc = "utf-16le" if codepage == 1200 else ("utf-8" if codepage == 65001 else f"cp{codepage}")
        try:
            "".encode(enc)
        except LookupError:
            enc = "latin-1"
        for pid, poff in ids:
            p = off + poff
            if pid == 0:  # dictionary: names of user-defined properties
                n = struct.unpack_from("<I", raw, p)[0]
                q, names = p + 4, {}
                for _ in range(min(n, 4096)):
                    dpid, ln = struct.unpack_from("<II", raw, q)
                    q += 8
                    if enc == "utf-16le":
                        names[dpid] = raw[q:q + 2 * ln].decode(enc, "replace").rstrip("\x00")
                        q += 2 * ln + (-(2 * ln) % 4)
                    else:
                        names[dpid] = raw[q:q + ln].decode(enc, "replace").rstrip("\x00")
                        q += ln
                props[0] = names
                continue
            vt = struct.unpack_from("<H", raw, p)[0]
            if vt == 0x1E:
                ln = struct.unpack_from("<I", raw, p + 4)[0]
                props[pid] = raw[p + 8:p + 8 + min(ln, 65536)].decode(enc, "replace").rstrip("\x00")
            elif vt == 0x1F:
                ln = struct.unpack_from("<I", raw, p + 4)[0]
                props[pid] = raw[p + 8:p + 8 + 2 * min(ln, 65536)].decode("utf-16le", "replace").rstrip("\x00")
            elif vt == 0x40:
                props[pid] = _filetime(struct.unpack_from("<Q", raw, p + 4)[0])
            elif vt == 0x03:
                props[pid] = str(struct.unpack_from("<i", raw, p + 4)[0])
            elif vt == 0x02:
                props[pid] = str(struct.unpack_from("<h", raw, p + 4)[0])
            elif vt == 0x05:
                props[pid] = repr(struct.unpack_from("<d", raw, p + 4)[0])
            elif vt == 0x0B:
                props[pid] = "true" if struct.unpack_from("<h", raw, p + 4)[0] else "false"
        out.append(props)
    return out


def _ole_doc_props(cfb: _Cfb) -> dict[str, str]:
    out: dict[str, str] = {}
    e = cfb.find("\x05DocumentSummaryInformation")
    if e is not None and e.size <= 4 * _MiB:
        secs = _propset_sections(cfb.stream(e))
        if len(secs) >= 2:
            names = secs[1].get(0, {})
            for pid, value in secs[1].items():
                if pid > 1 and pid in names and isinstance(value, str):
                    out[names[pid]] = value
    e = cfb.find("\x05SummaryInformation")
    if e is not None and e.size <= 4 * _MiB:
        secs = _propset_sections(cfb.stream(e))
        if secs:
            for pid, key in ((12, "dcterms:created"), (13, "dcterms:modified")):
                if isinstance(secs[0].get(pid), str):
                    out[key] = secs[0][pid]
    return out


# ==================================================================================================
# calamine

_VISIBLE = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}


def _calamine_read(data: bytes, res: OpenResult, expected: list[str] | None, *, states_from_calamine: bool,
                   grid_limits: Limits | None = None) -> None:
    """Read values with calamine from the bytes already checked.

    ``grid_limits`` (sandboxed reading, where no pre-scan counted the cells): each sheet's extent,
    known once calamine has built it, is held to ``max_rows``/``max_cols`` and the sheets' total area
    to ``max_cells`` before any Python object is made for a cell, so a file within the sandbox's
    memory but far beyond any budget workbook is refused by name, as the pre-scan would.

    Values are calamine's: str, float (xlsx numbers, even whole ones), int (some .xls numbers),
    bool, datetime.date/datetime/time/timedelta by the cell's number format (a date-only format
    gives a date, where openpyxl gives a datetime). Blank cells come back from calamine as '' and
    are returned as None (an empty text cell is indistinguishable from a blank one). Every sheet is
    a rectangle from A1 to its last value (skip_empty_area=False), so row/column indexes match Excel.
    """
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise _s02("工作簿设置了打开密码，请去掉密码后重新报送", "the workbook is password-protected") from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # noqa: BLE001 - CalamineError, XmlError, ZipError, PanicException ...
        raise _s01("工作簿内容损坏，无法解析", f"calamine cannot parse the workbook: {_short(e, 120)}") from None
    try:
        metas = list(wb.sheets_metadata)
        names = [m.name for m in metas]
        if not names:
            raise _s01("工作簿中没有工作表", "the workbook has no sheets")
        if expected is not None and names != expected:
            # only sheets whose parts were checked may be read
            raise _s01("工作表列表与检查结果不一致，拒绝读取", f"calamine sees sheets {names!r}, checked {expected!r}")
        if states_from_calamine:
            res.sheet_states = {m.name: _VISIBLE.get(str(m.visible).rpartition(".")[2], "visible") for m in metas}
        sheets: dict[str, list[list]] = {}
        area = text = 0
        for name in names:
            if _unread(res, name):
                sheets[name] = []
                res.unread_sheets.append(name)
                continue
            try:
                sheet = wb.get_sheet_by_name(name)
                if grid_limits is not None:
                    area += _extent_ok(sheet, name, grid_limits, area)
                rows = sheet.to_python(skip_empty_area=False)
            except (KeyboardInterrupt, SystemExit, _Finding, MemoryError):
                raise
            except BaseException as e:  # noqa: BLE001
                raise _s01(f"工作表“{name}”内容损坏，无法读取",
                           f"sheet {name!r} cannot be read: {_short(e, 120)}") from None
            grid = sheets[name] = [[None if (v.__class__ is str and not v) else v for v in row] for row in rows]
            if grid_limits is not None:  # len mapped in C over the texts: half the time of a generator
                text += sum(map(len, [v for row in grid for v in row if v.__class__ is str]))
                if text > grid_limits.max_text_chars:
                    raise _s01(f"单元格文字总量超过上限 {grid_limits.max_text_chars} 字（在工作表“{name}”）；"
                               "可能是一段长文字被大量单元格重复引用",
                               f"cell text over {grid_limits.max_text_chars} characters (sheet {name!r}); "
                               "a long string referenced by many cells?")
        res.sheets = sheets
    finally:
        try:
            wb.close()
        except Exception:  # noqa: BLE001
            pass


def _unread(res: OpenResult, name: str) -> bool:
    """A sheet the caller asked not to read, and the file hides (OpenResult.unread)."""
    return (res.unread is not None and res.sheet_states.get(name, "visible") in ("hidden", "veryHidden")
            and res.unread(name))


def _extent_ok(sheet, name: str, limits: Limits, area_so_far: int) -> int:
    """The sheet's area from A1 to its last cell, after checking it against the limits (S01 naming
    the farthest cell, as the pre-scan does)."""
    end = sheet.end
    if not end:
        return 0
    rows, cols = int(end[0]) + 1, int(end[1]) + 1
    if rows > limits.max_rows or cols > limits.max_cols:
        _check_pos(rows - 1 if rows > limits.max_rows else 0, cols - 1 if cols > limits.max_cols else 0, name, limits)
    if area_so_far + rows * cols > limits.max_cells:
        raise _s01(f"单元格数量超过上限 {limits.max_cells}（在工作表“{name}”，{rows} 行 × {cols} 列）",
                   f"more than {limits.max_cells} cells (sheet {name!r}: {rows} rows x {cols} columns)")
    return rows * cols


# ==================================================================================================
# sandboxed reading: the cheap checks that stay


def _check_prologs(data: bytes, members: list[_Member]) -> None:
    """Every XML part is UTF-8 and has no DTD, looking only at its prolog (what precedes the root
    element, the only place a document type declaration, and so an entity declaration, can be): the
    first kilobyte of a normal part, never the whole part. Calamine inflates the parts itself."""
    for m in members:
        if _is_xml_name(m.key):
            _prolog_ok(data, m)


_PROLOG_MAX = 1 << 20


# The prolog every writer of the formats puts first (an XML declaration, then the root element's
# name), matched in the first inflated bytes: the common case, decided without the loop below.
_PLAIN_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml[^<>?]*\?>)?\s*<[A-Za-z_]")


def _prolog_ok(data: bytes, m: _Member) -> None:
    chunks = _member_head_chunks(data, m)
    first = next(chunks, b"")
    if _PLAIN_PROLOG.match(first):
        return
    buf = b""
    pos = 0
    for piece in itertools.chain((first,), chunks):
        if not buf and (piece[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in piece[:4]):
            raise _s01(f"XML 部件“{m.name}”不是 UTF-8 编码", f"XML part {m.name!r} is not UTF-8")
        buf += piece
        while True:
            while pos < len(buf) and buf[pos] in b" \t\r\n\xef\xbb\xbf":
                pos += 1
            if pos >= len(buf):
                break
            if buf[pos:pos + 1] != b"<":
                return  # not XML at all: the parser reports it
            head = buf[pos:pos + 9]
            if len(head) < 9 and len(buf) - pos < 9:
                break  # need more bytes to tell
            if head.startswith(b"<?"):
                end = buf.find(b"?>", pos + 2)
                if end < 0:
                    break
                pos = end + 2
            elif head.startswith(b"<!--"):
                end = buf.find(b"-->", pos + 4)
                if end < 0:
                    break
                pos = end + 3
            elif head.upper().startswith(b"<!DOCTYPE") or head.upper().startswith(b"<!ENTITY"):
                raise _s01(f"XML 部件“{m.name}”含有 DTD/实体声明（可能是 XML 炸弹或外部实体攻击），拒绝读取",
                           f"XML part {m.name!r} contains a DTD/entity declaration (XML bomb or XXE?)")
            else:
                return  # the root element: the prolog is over
        if len(buf) > _PROLOG_MAX:
            raise _s01(f"XML 部件“{m.name}”开头的声明过长（文件异常）", f"XML part {m.name!r} has an oversized prolog")


def _member_head_chunks(data: bytes, m: _Member, chunk: int = 1024) -> Iterator[bytes]:
    """The member's inflated bytes, a kilobyte at a time, as far as the caller reads (no CRC: the
    caller stops early; calamine's zip reader checks it)."""
    raw = memoryview(data)[m.data_start:m.data_end]
    if m.method == zipfile.ZIP_STORED:
        for i in range(0, min(len(raw), _PROLOG_MAX + chunk), chunk):
            yield bytes(raw[i:i + chunk])
        return
    d = zlib.decompressobj(-15)
    pos, produced = 0, 0
    while not d.eof and produced <= _PROLOG_MAX:
        inp = d.unconsumed_tail or bytes(raw[pos:pos + 2048])
        if not d.unconsumed_tail:
            pos += len(inp)
        try:
            out = d.decompress(inp, chunk)
        except zlib.error as e:
            raise _s01(f"压缩数据损坏（“{m.name}”）", f"corrupt deflate data in {m.name!r}: {e}") from None
        if out:
            produced += len(out)
            yield out
        elif not inp:
            return


def _quick_percent_cells(data: bytes, m: _Member, limits: Limits, pct_styles: frozenset[str]) -> set[int]:
    """Numeric cells with a percent style, found by regular expressions over the sheet's XML (one C-level
    search for the styled cells, a few attribute lookups for each hit): what ``_scan_xlsx_sheet`` records,
    for cells that carry their ``r`` address, as Excel, WPS, LibreOffice and XlsxWriter always write
    them. A cell positioned by counting (no ``r``) is not seen: it is then read as typed (0.2, not 20).
    The part is inflated here under the usual size limit."""
    xml = _read_member(data, m, max(limits.max_xml_part_bytes, limits.max_uncompressed_bytes))
    out: set[int] = set()
    if "0" in pct_styles:
        finder = _ANY_CELL
    else:
        alts = b"|".join(re.escape(s.encode()) for s in sorted(pct_styles))
        finder = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?c\s[^>]*?(?<=\s)s\s*=\s*[\"'](?:" + alts + rb")[\"'][^>]*>")
    for hit in finder.finditer(xml):
        tag = hit.group(0)
        if tag.endswith(b"/>"):
            continue
        attrs = {k: (v1 if v1 or not v2 else v2) for k, v1, v2 in _ATTR.findall(tag)}
        if attrs.get(b"s", b"0").decode("ascii", "replace") not in pct_styles or attrs.get(b"t", b"n") != b"n":
            continue
        r = attrs.get(b"r")
        if r is None:
            continue
        end = _CELL_END.search(xml, hit.end())
        if end is None or not _V_START.search(xml, hit.end(), end.start()):
            continue
        pos = _ref(r.decode("ascii", "replace"))
        if pos is not None:
            out.add(pos[0] << 32 | pos[1])
    return out


_ANY_CELL = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?c(?:\s[^>]*)?/?>")
_ATTR = re.compile(rb"([A-Za-z_][\w:.\-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_CELL_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?c\s*>")
_V_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?v[\s>/]")
