"""Build hostile and broken workbooks in a temporary directory, for tests/test_safe_open.py.

Nothing binary is committed: every file is made here, from code, when a test asks for it. Each public
builder takes a directory, writes exactly one file into it and returns the file's path.

The low-level helpers (``zip_bytes``, ``cfb_bytes``, ``biff_workbook``, ``minimal_xlsx_parts``,
``minimal_ods_parts``) are also used by the tests to make variants.
"""
from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import tempfile
import zipfile
from pathlib import Path

__all__ = [
    # generic helpers
    "zip_bytes", "rezip", "cfb_bytes", "biff_workbook", "biff_sheet", "minimal_xlsx_parts",
    "minimal_ods_parts", "soffice_convert",
    # builders: one file each
    "empty_file", "random_bytes", "text_renamed_xlsx", "truncated_xlsx", "zip_bomb", "zip_size_lie",
    "zip_overlapping_members", "zip_duplicate_names", "xml_bomb_xlsx", "xxe_xlsx", "xxe_custom_props",
    "giant_cell_xlsx", "giant_cell_nodim_xlsx", "implicit_far_cell_xlsx", "lying_dimension_xlsx",
    "far_formatted_cell_xlsx", "shared_string_amplifier_xlsx", "encrypted_ole", "encrypted_ods",
    "xlsm_with_macros", "hidden_sheets_xlsx", "valid_xls", "xls_giant_dimension", "xls_far_cell",
    "xls_sst_count_bomb", "xls_filepass", "xls_bad_sector_chain", "ods_repeat_bomb", "minimal_ods",
    "docx_renamed_xlsx", "xlsb_like", "utf16_workbook_xml", "ods_and_xlsx", "doctype_in_sheet_xlsx",
    "many_sheets_pointing_at_one_part", "property_set", "xls_property_streams",
]

# --------------------------------------------------------------------------------------------------
# zip helpers


def zip_bytes(parts: dict[str, bytes | str], *, stored_first: str | None = None) -> bytes:
    """A deflated zip of ``parts`` in insertion order; ``stored_first`` (ODF's mimetype) is stored."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            if isinstance(data, str):
                data = data.encode("utf-8")
            method = zipfile.ZIP_STORED if name == stored_first else zipfile.ZIP_DEFLATED
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, compress_type=method)
    return buf.getvalue()


def rezip(data: bytes, replace: dict[str, bytes | str]) -> bytes:
    """Copy a zip, replacing (or adding) the members named in ``replace``."""
    parts: dict[str, bytes | str] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            parts[info.filename] = z.read(info)
    parts.update(replace)
    return zip_bytes(parts)


def _write(directory, name: str, data: bytes) -> Path:
    p = Path(directory) / name
    p.write_bytes(data)
    return p


# --------------------------------------------------------------------------------------------------
# minimal hand-written OOXML package

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def minimal_xlsx_parts(sheet_xml: str | bytes, *, workbook_xml: str | None = None,
                       shared_strings: str | None = None) -> dict[str, bytes | str]:
    """The smallest package Excel and calamine accept: one sheet whose XML is given verbatim."""
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
          '</Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb = workbook_xml or (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_R}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
    wbrels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
              'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    parts: dict[str, bytes | str] = {
        "[Content_Types].xml": ct, "_rels/.rels": rels, "xl/workbook.xml": wb,
        "xl/_rels/workbook.xml.rels": wbrels, "xl/worksheets/sheet1.xml": sheet_xml,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    return parts


def _sheet(cells: str, dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_NS_MAIN}">{dim}<sheetData>{cells}</sheetData></worksheet>')


def _xlsxwriter_book(path: Path, build) -> Path:
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path))
    build(wb)
    wb.close()
    return path


def _simple_valid_xlsx_bytes() -> bytes:
    import xlsxwriter
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("数据")
    for r in range(200):
        ws.write_row(r, 0, [f"项目{r}", r * 1.5, "预算绩效目标" * 3])
    wb.close()
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------
# OLE2 / CFB writer (MS-CFB version 3, 512-byte sectors)

_END, _FREE, _FATSECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def cfb_bytes(streams: dict[str, bytes], *, storages: tuple[str, ...] = ()) -> bytes:
    """A compound file holding ``streams`` (flat, under the root) and empty ``storages``.

    Streams under 4096 bytes go to the mini stream, as the format requires. The directory is a
    right-leaning chain of black nodes sorted the CFB way (length, then upper case), which every
    reader accepts.
    """
    ss = 512
    names = sorted(list(streams) + list(storages), key=lambda n: (len(n), n.upper()))
    mini = bytearray()
    minifat: list[int] = []
    info: dict[str, tuple[int, int]] = {}
    big: list[str] = []
    for n in names:
        if n in storages:
            info[n] = (0, 0)
            continue
        data = streams[n]
        if len(data) >= 4096:
            big.append(n)
            continue
        if not data:
            info[n] = (_END, 0)
            continue
        start, count = len(mini) // 64, -(-len(data) // 64)
        mini += data + b"\0" * (count * 64 - len(data))
        minifat += [start + i + 1 for i in range(count - 1)] + [_END]
        info[n] = (start, len(data))

    def nsec(nbytes: int) -> int:
        return -(-nbytes // ss)

    n_dir = nsec((len(names) + 1) * 128)
    n_minifat = nsec(len(minifat) * 4)
    n_mini = nsec(len(mini))
    n_big = [nsec(len(streams[n])) for n in big]
    n_fat = 1
    while n_fat * (ss // 4) < n_fat + n_dir + n_minifat + n_mini + sum(n_big):
        n_fat += 1
    total = n_fat + n_dir + n_minifat + n_mini + sum(n_big)
    fat = [_FREE] * (n_fat * (ss // 4))
    cursor = 0

    def chain(count: int) -> int:
        nonlocal cursor
        if count == 0:
            return _END
        start = cursor
        for i in range(count):
            fat[start + i] = start + i + 1 if i < count - 1 else _END
        cursor += count
        return start

    for i in range(n_fat):
        fat[i] = _FATSECT
    cursor = n_fat
    dir_start = chain(n_dir)
    minifat_start = chain(n_minifat)
    mini_start = chain(n_mini)
    for n, k in zip(big, n_big):
        info[n] = (chain(k), len(streams[n]))
    assert cursor == total

    def entry(name: str, typ: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16le") if name else b""
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), typ, 1)
                + struct.pack("<III", _NOSTREAM, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    dirs = [entry("Root Entry", 5, 1 if names else _NOSTREAM, _NOSTREAM,
                  mini_start if mini else _END, len(mini))]
    for i, n in enumerate(names, start=1):
        right = i + 1 if i < len(names) else _NOSTREAM
        if n in storages:
            dirs.append(entry(n, 1, _NOSTREAM, right, 0, 0))
        else:
            dirs.append(entry(n, 2, _NOSTREAM, right, *info[n]))
    dir_bytes = b"".join(dirs).ljust(n_dir * ss, b"\0")
    for k in range(len(names) + 1, n_dir * ss // 128):  # unused entries: empty, no siblings
        off = k * 128
        dir_bytes = dir_bytes[:off + 68] + struct.pack("<III", _NOSTREAM, _NOSTREAM, _NOSTREAM) + dir_bytes[off + 80:]

    difat = list(range(n_fat)) + [_FREE] * (109 - n_fat)
    header = (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, 4096,
                            minifat_start if n_minifat else _END, n_minifat, _END, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == 512
    body = bytearray()
    body += struct.pack(f"<{len(fat)}I", *fat)
    body += dir_bytes
    body += struct.pack(f"<{len(minifat)}I", *minifat).ljust(n_minifat * ss, b"\xff") if n_minifat else b""
    body += bytes(mini).ljust(n_mini * ss, b"\0")
    for n, k in zip(big, n_big):
        body += streams[n].ljust(k * ss, b"\0")
    return header + bytes(body)


# --------------------------------------------------------------------------------------------------
# BIFF8 (.xls) writer: just enough records for calamine and Excel to read values


def _rec(typ: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", typ, len(data)) + data


def biff_sheet(cells: list[tuple[int, int, object]], *, dimension: tuple[int, int, int, int] | None = None,
               extra: bytes = b"") -> bytes:
    """A worksheet substream. ``cells`` are (row, col, value): float → NUMBER, ("sst", i) → LABELSST,
    str → LABEL. ``dimension`` is (first row, last row + 1, first col, last col + 1) as Excel writes it."""
    if dimension is None:
        if cells:
            dimension = (min(c[0] for c in cells), max(c[0] for c in cells) + 1,
                         min(c[1] for c in cells), max(c[1] for c in cells) + 1)
        else:
            dimension = (0, 0, 0, 0)
    out = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06))
    out += _rec(0x0200, struct.pack("<IIHHH", *dimension, 0))
    for r, c, v in cells:
        if isinstance(v, tuple):
            out += _rec(0x00FD, struct.pack("<HHHI", r, c, 15, v[1]))
        elif isinstance(v, str):
            raw = v.encode("utf-16le")
            out += _rec(0x0204, struct.pack("<HHHHB", r, c, 15, len(v), 1) + raw)
        else:
            out += _rec(0x0203, struct.pack("<HHHd", r, c, 15, float(v)))
    out += extra
    return out + _rec(0x000A)


def biff_workbook(sheets: list[tuple[str, bytes, int]], *, sst: list[str] | None = None,
                  sst_unique_override: int | None = None, filepass: bool = False) -> bytes:
    """A Workbook stream: globals (BOF, [FILEPASS], CODEPAGE, BOUNDSHEETs, [SST], EOF) + substreams.

    ``sheets`` are (name, substream from ``biff_sheet``, hsState: 0 visible, 1 hidden, 2 very hidden).
    """
    def boundsheet(pos: int, name: str, state: int) -> bytes:
        return _rec(0x0085, struct.pack("<IBB", pos, state, 0) + bytes([len(name), 1]) + name.encode("utf-16le"))

    head = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
    if filepass:  # RC4 CryptoAPI header, truncated: only its presence matters to a reader
        head += _rec(0x002F, struct.pack("<HHH", 1, 4, 2) + b"\0" * 48)
    head += _rec(0x0042, struct.pack("<H", 1200))
    tail = b""
    if sst is not None:
        body = b"".join(struct.pack("<HB", len(s), 1) + s.encode("utf-16le") for s in sst)
        unique = len(sst) if sst_unique_override is None else sst_unique_override
        tail += _rec(0x00FC, struct.pack("<ii", len(sst), unique) + body)
    tail += _rec(0x000A)
    bs_len = sum(len(boundsheet(0, n, s)) for n, _, s in sheets)
    pos = len(head) + bs_len + len(tail)
    bounds = b""
    for name, sub, state in sheets:
        bounds += boundsheet(pos, name, state)
        pos += len(sub)
    return head + bounds + tail + b"".join(sub for _, sub, _ in sheets)


def _xls(sheets, *, extra_streams: dict[str, bytes] | None = None, **kw) -> bytes:
    wb = biff_workbook(sheets, **kw)
    return cfb_bytes({"Workbook": wb.ljust(4096, b"\0") if len(wb) < 4096 else wb, **(extra_streams or {})})


# OLE property sets (MS-OLEPS): what Excel keeps document properties in


def property_set(sections: list[tuple[bytes, dict[int, bytes]]]) -> bytes:
    """A property set stream; each section is (FMTID, {property id: value bytes incl. the type})."""
    head = struct.pack("<HHI16sI", 0xFFFE, 0, 0x00020006, b"\0" * 16, len(sections))
    blobs = []
    for _fmtid, props in sections:
        entries, values = b"", b""
        base = 8 + 8 * len(props)
        for pid, val in props.items():
            val += b"\0" * (-len(val) % 4)
            entries += struct.pack("<II", pid, base + len(values))
            values += val
        blobs.append(struct.pack("<II", base + len(values), len(props)) + entries + values)
    pos = len(head) + 20 * len(sections)
    listing = b""
    for (fmtid, _), blob in zip(sections, blobs):
        listing += fmtid + struct.pack("<I", pos)
        pos += len(blob)
    return head + listing + b"".join(blobs)


def _vt_i2(v: int) -> bytes:
    return struct.pack("<Ih", 2, v)


def _vt_filetime(when) -> bytes:
    from datetime import datetime, timezone
    ticks = int((when - datetime(1601, 1, 1, tzinfo=timezone.utc)).total_seconds()) * 10_000_000
    return struct.pack("<IQ", 0x40, ticks)


def _vt_lpwstr(text: str) -> bytes:
    raw = (text + "\0").encode("utf-16le")
    return struct.pack("<II", 0x1F, len(text) + 1) + raw


def _dictionary_utf16(names: dict[int, str]) -> bytes:
    out = struct.pack("<I", len(names))
    for pid, name in names.items():
        raw = (name + "\0").encode("utf-16le")
        out += struct.pack("<II", pid, len(name) + 1) + raw + b"\0" * (-len(raw) % 4)
    return out


_FMTID_SUMMARY = bytes.fromhex("E0859FF2F94F6810AB9108002B27B3D9")
_FMTID_DOCSUMMARY = bytes.fromhex("02D5CDD59C2E1B10939708002B2CF9AE")
_FMTID_USER = bytes.fromhex("05D5CDD59C2E1B10939708002B2CF9AE")


def xls_property_streams(custom: dict[str, str], created) -> dict[str, bytes]:
    """SummaryInformation (created, last saved) and DocumentSummaryInformation (user-defined)."""
    si = property_set([(_FMTID_SUMMARY, {1: _vt_i2(1252), 12: _vt_filetime(created), 13: _vt_filetime(created)})])
    user = {0: _dictionary_utf16({i + 2: k for i, k in enumerate(custom)}), 1: _vt_i2(1200)}
    for i, v in enumerate(custom.values()):
        user[i + 2] = _vt_lpwstr(v)
    dsi = property_set([(_FMTID_DOCSUMMARY, {1: _vt_i2(1200)}), (_FMTID_USER, user)])
    return {"\x05SummaryInformation": si, "\x05DocumentSummaryInformation": dsi}


# --------------------------------------------------------------------------------------------------
# minimal hand-written ODS package

_ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"


def minimal_ods_parts(table_xml: str, *, manifest_extra: str = "") -> dict[str, bytes | str]:
    """An ODS package whose single table body (rows) is given verbatim."""
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
               f'{table_xml}</table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
                'manifest:version="1.2">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODS_MIME}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
                f'{manifest_extra}</manifest:file-entry></manifest:manifest>')
    return {"mimetype": _ODS_MIME, "META-INF/manifest.xml": manifest, "content.xml": content}


# --------------------------------------------------------------------------------------------------
# LibreOffice


def soffice_convert(src: Path, fmt: str, outdir: Path) -> Path | None:
    """Convert with LibreOffice (headless, private profile); None if it is missing or fails."""
    exe = shutil.which("soffice") or ("/usr/bin/soffice" if os.path.exists("/usr/bin/soffice") else None)
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as profile:
        try:
            subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                            "--outdir", str(outdir), str(src)],
                           check=True, capture_output=True, timeout=180)
        except (OSError, subprocess.SubprocessError):
            return None
    out = Path(outdir) / (Path(src).stem + "." + fmt.split(":")[0])
    return out if out.exists() else None


# ==================================================================================================
# builders: each writes one file into ``d`` and returns its path


def empty_file(d) -> Path:
    return _write(d, "empty.xlsx", b"")


def random_bytes(d) -> Path:
    import random
    rnd = random.Random(1234)
    data = bytes(rnd.getrandbits(8) for _ in range(4096))
    return _write(d, "random.xlsx", b"\x13\x37" + data)  # never starts with a zip or OLE signature


def text_renamed_xlsx(d) -> Path:
    return _write(d, "说明.xlsx", "单位名称,项目名称,预算数\n某单位,某项目,100\n".encode("utf-8"))


def truncated_xlsx(d) -> Path:
    data = _simple_valid_xlsx_bytes()
    return _write(d, "truncated.xlsx", data[: len(data) // 2])


def zip_bomb(d, size: int = 300 * 1024 * 1024) -> Path:
    """One member of ``size`` zero bytes, deflated by streaming 1 MB chunks (fast, little memory)."""
    p = Path(d) / "bomb.xlsx"
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in minimal_xlsx_parts(_sheet('<row r="1"><c r="A1"><v>1</v></c></row>')).items():
            z.writestr(name, data)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            left = size
            while left > 0:
                n = min(left, len(chunk))
                f.write(chunk[:n])
                left -= n
    return p


def zip_size_lie(d) -> Path:
    """A member whose headers claim 1 000 bytes but whose deflate stream inflates to 20 MB.

    The CRC is that of the first 1 000 bytes, so a reader that stops at the declared size sees a
    valid member, while one that inflates the stream to its end gets 20 MB.
    """
    import zlib
    payload = b"<x/>" + b" " * (20 * 1024 * 1024)
    parts = minimal_xlsx_parts(_sheet('<row r="1"><c r="A1"><v>1</v></c></row>'))
    parts["xl/styles.xml"] = payload
    data = bytearray(zip_bytes(parts))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/styles.xml")
    crc = zlib.crc32(payload[:1000])
    # local header: crc at +14, uncompressed size at +22; central entry: crc at +16, size at +24
    struct.pack_into("<I", data, info.header_offset + 14, crc)
    struct.pack_into("<I", data, info.header_offset + 22, 1000)
    _patch_central(data, "xl/styles.xml", 16, "<I", crc)
    _patch_central(data, "xl/styles.xml", 24, "<I", 1000)
    return _write(d, "size_lie.xlsx", bytes(data))


def _patch_central(data: bytearray, name: str, offset_in_entry: int, fmt: str, value: int) -> None:
    pos = bytes(data).find(b"PK\x01\x02")
    while pos != -1:
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46: pos + 46 + n]) == name.encode():
            struct.pack_into(fmt, data, pos + offset_in_entry, value)
            return
        pos = bytes(data).find(b"PK\x01\x02", pos + 4)
    raise KeyError(name)


def zip_overlapping_members(d) -> Path:
    """A member whose compressed size reaches into the next member's local header: the shape of
    the 'overlapping files' zip bomb, where many entries share one highly compressed kernel."""
    parts = minimal_xlsx_parts(_sheet('<row r="1"><c r="A1"><v>1</v></c></row>'))
    parts["xl/media/a.bin"] = b"\0" * 50000
    data = bytearray(zip_bytes(parts))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        victim = z.getinfo("xl/worksheets/sheet1.xml")
    bigger = victim.compress_size + 20  # into the next local header, not past it
    struct.pack_into("<I", data, victim.header_offset + 18, bigger)
    _patch_central(data, victim.filename, 20, "<I", bigger)
    return _write(d, "overlap.xlsx", bytes(data))


def zip_duplicate_names(d) -> Path:
    """Two members whose names differ only in case: which one a reader takes is up to the reader."""
    parts = minimal_xlsx_parts(_sheet('<row r="1"><c r="A1"><v>1</v></c></row>'))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
        z.writestr("XL/Worksheets/Sheet1.xml",
                   _sheet('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    return _write(d, "duplicate.xlsx", buf.getvalue())


_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                     for i in range(1, 10))
           + ']>')


def xml_bomb_xlsx(d) -> Path:
    """Billion laughs in xl/workbook.xml of an otherwise valid workbook."""
    data = _simple_valid_xlsx_bytes()
    wb = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + _LAUGHS
          + f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_R}"><sheets>'
          '<sheet name="&lol9;" sheetId="1" r:id="rId1"/></sheets></workbook>')
    return _write(d, "laughs.xlsx", rezip(data, {"xl/workbook.xml": wb}))


def xxe_xlsx(d) -> Path:
    """An external entity in xl/workbook.xml that would pull /etc/passwd into a sheet name."""
    data = _simple_valid_xlsx_bytes()
    wb = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
          f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_R}"><sheets>'
          '<sheet name="&xxe;" sheetId="1" r:id="rId1"/></sheets></workbook>')
    return _write(d, "xxe.xlsx", rezip(data, {"xl/workbook.xml": wb}))


def xxe_custom_props(d) -> Path:
    """An external entity in docProps/custom.xml (a part calamine never reads, but we do)."""
    data = _simple_valid_xlsx_bytes()
    custom = ('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<!DOCTYPE Properties [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
              '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
              'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
              '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="perfxl.unit_code">'
              '<vt:lpwstr>&xxe;</vt:lpwstr></property></Properties>')
    return _write(d, "xxe_custom.xlsx", rezip(data, {"docProps/custom.xml": custom}))


def giant_cell_xlsx(d) -> Path:
    """openpyxl's own output for a workbook with A1 and one cell at XFD1048576 (a few KB)."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "单位名称"
    ws["XFD1048576"] = 1
    p = Path(d) / "giant.xlsx"
    wb.save(p)
    return p


def giant_cell_nodim_xlsx(d) -> Path:
    """Same cell, but no <dimension>: only the streamed cell references can catch it."""
    return _write(d, "giant_nodim.xlsx", zip_bytes(minimal_xlsx_parts(_sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>hi</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))))


def implicit_far_cell_xlsx(d) -> Path:
    """No r on the cell: its position comes from <row r> and the column counter (as calamine does)."""
    cells = "".join("<c/>" for _ in range(300))
    return _write(d, "implicit.xlsx", zip_bytes(minimal_xlsx_parts(_sheet(
        f'<row r="1"><c><v>1</v></c></row><row r="2">{cells}<c><v>2</v></c></row>'))))


def lying_dimension_xlsx(d) -> Path:
    """<dimension ref="A1:XFD1048576"> but only three cells near A1."""
    return _write(d, "lying_dimension.xlsx", zip_bytes(minimal_xlsx_parts(_sheet(
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="inlineStr"><is><t>预算数</t></is></c></row>'
        '<row r="2"><c r="A2"><v>2.5</v></c></row>', dimension="A1:XFD1048576"))))


def far_formatted_cell_xlsx(d) -> Path:
    """A value at A1 and a styled but empty cell at A50000 (what formatting a long range produces)."""
    return _write(d, "far_formatted.xlsx", zip_bytes(minimal_xlsx_parts(_sheet(
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="50000"><c r="A50000" s="0"/></row>'))))


def shared_string_amplifier_xlsx(d, *, length: int = 1_000_000, cells: int = 80) -> Path:
    """One long shared string referenced by many cells: a few KB on disk, length × cells in memory."""
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_NS_MAIN}" count="{cells}" uniqueCount="1">'
           f'<si><t>{"x" * length}</t></si></sst>')
    rows = "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>0</v></c></row>' for i in range(1, cells + 1))
    return _write(d, "amplifier.xlsx", zip_bytes(minimal_xlsx_parts(_sheet(rows), shared_strings=sst)))


def encrypted_ole(d) -> Path:
    """What Excel writes for a password-to-open .xlsx: a compound file with EncryptionInfo and
    EncryptedPackage streams (agile encryption; the XML descriptor is realistic, the package random)."""
    import random
    rnd = random.Random(7)
    descriptor = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                  '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
                  'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
                  '<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
                  'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
                  '<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
                  '<p:encryptedKey spinCount="100000" saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
                  'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
                  'saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></keyEncryptor></keyEncryptors></encryption>')
    info = struct.pack("<HHI", 4, 4, 0x40) + descriptor.encode("utf-8")
    package = struct.pack("<Q", 6000) + bytes(rnd.getrandbits(8) for _ in range(6016))
    data = cfb_bytes({"EncryptionInfo": info, "EncryptedPackage": package,
                      "\x06DataSpaces": b""}, storages=())
    return _write(d, "加密.xlsx", data)


def encrypted_ods(d) -> Path:
    parts = minimal_ods_parts(
        '<table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row>',
        manifest_extra='<manifest:encryption-data manifest:checksum-type="SHA1/1K" '
                       'manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" '
                       'manifest:initialisation-vector="AAAA"/></manifest:encryption-data>')
    return _write(d, "encrypted.ods", zip_bytes(parts, stored_first="mimetype"))


def xlsm_with_macros(d) -> Path:
    """xlsxwriter's .xlsm with a vbaProject.bin (a compound file; no real VBA needed for the test)."""
    vba = Path(d) / "vbaProject.bin"
    vba.write_bytes(cfb_bytes({"PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\n'}))

    def build(wb):
        ws = wb.add_worksheet("项目")
        ws.write_row(0, 0, ["项目名称", "预算数"])
        ws.write_row(1, 0, ["办公设备购置", 12.5])
        wb.add_vba_project(str(vba))

    p = _xlsxwriter_book(Path(d) / "宏.xlsm", build)
    vba.unlink()
    return p


def hidden_sheets_xlsx(d) -> Path:
    def build(wb):
        a = wb.add_worksheet("填报说明")
        a.write(0, 0, "请填写")
        b = wb.add_worksheet("隐藏")
        b.write_row(0, 0, ["h", 1])
        b.hide()
        c = wb.add_worksheet("_perfxl")
        c.write_row(0, 0, ["template_id", "perfxl-goals"])
        c.very_hidden()
        wb.set_custom_property("perfxl.unit_code", "115001")
        wb.set_properties({"created": __import__("datetime").datetime(2024, 3, 1, 8, 30, 0)})
    return _xlsxwriter_book(Path(d) / "hidden.xlsx", build)


def valid_xls(d) -> Path:
    """A hand-made BIFF8 workbook: a visible sheet with numbers and strings, a hidden and a very
    hidden sheet, and document properties (created; custom perfxl.unit_code) in property sets."""
    from datetime import datetime, timezone
    s1 = biff_sheet([(0, 0, ("sst", 0)), (0, 1, ("sst", 1)), (1, 0, "办公设备"), (1, 1, 12.5), (3, 2, 7.0)])
    s2 = biff_sheet([(0, 0, 1.0)])
    s3 = biff_sheet([(0, 0, ("sst", 0))])
    props = xls_property_streams({"perfxl.unit_code": "115001"}, datetime(2024, 3, 1, 8, 30, tzinfo=timezone.utc))
    return _write(d, "legacy.xls", _xls([("项目", s1, 0), ("隐藏", s2, 1), ("_perfxl", s3, 2)],
                                        sst=["项目名称", "预算数"], extra_streams=props))


def xls_giant_dimension(d) -> Path:
    """A DIMENSIONS record claiming 4 294 967 295 rows × 256 columns; calamine reserves that much."""
    s1 = biff_sheet([(0, 0, 1.0)], dimension=(0, 0xFFFFFFFF, 0, 256))
    return _write(d, "giant_dimension.xls", _xls([("Sheet1", s1, 0)]))


def xls_far_cell(d) -> Path:
    """A NUMBER record at row 65535, column 65535 (beyond BIFF8's 256 columns)."""
    s1 = biff_sheet([(0, 0, 1.0), (65535, 65535, 2.0)], dimension=(0, 1, 0, 1))
    return _write(d, "far_cell.xls", _xls([("Sheet1", s1, 0)]))


def xls_sst_count_bomb(d) -> Path:
    """An SST claiming 2 147 483 647 unique strings while holding two: a reader that trusts the
    count reserves ~50 GB up front."""
    s1 = biff_sheet([(0, 0, ("sst", 0))])
    return _write(d, "sst_bomb.xls", _xls([("Sheet1", s1, 0)], sst=["a", "b"], sst_unique_override=0x7FFFFFFF))


def xls_filepass(d) -> Path:
    """A legacy .xls with a password to open (FILEPASS record in the globals substream)."""
    s1 = biff_sheet([(0, 0, 1.0)])
    return _write(d, "password.xls", _xls([("Sheet1", s1, 0)], filepass=True))


def xls_bad_sector_chain(d) -> Path:
    """A compound file whose directory starts at sector 0x7FFFFFFF (far past the end of the file)."""
    data = bytearray(Path(valid_xls(d)).read_bytes())
    struct.pack_into("<I", data, 0x30, 0x7FFFFFFF)
    return _write(d, "bad_chain.xls", bytes(data))


def ods_repeat_bomb(d) -> Path:
    """One value repeated over 16 384 columns and 1 048 576 rows by two attributes: 1 KB on disk."""
    return _write(d, "repeat.ods", zip_bytes(minimal_ods_parts(
        '<table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/>'
        '</table:table-row>'), stored_first="mimetype"))


def minimal_ods(d) -> Path:
    """A hand-made ODS with a value repeated a few times (within limits) and trailing empty rows."""
    return _write(d, "minimal.ods", zip_bytes(minimal_ods_parts(
        '<table:table-row><table:table-cell office:value-type="string"><text:p>项目</text:p></table:table-cell>'
        '<table:table-cell table:number-columns-repeated="3" office:value-type="float" office:value="2"/>'
        '</table:table-row>'
        '<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell table:number-columns-repeated="2"/>'
        '<table:table-cell office:value-type="float" office:value="5"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'),
        stored_first="mimetype"))


def docx_renamed_xlsx(d) -> Path:
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          'content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.wordprocessingml.document.main+xml"/></Types>')
    return _write(d, "report.xlsx", zip_bytes({"[Content_Types].xml": ct, "word/document.xml": "<w:document/>"}))


def xlsb_like(d) -> Path:
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          'content-types"><Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.'
          'sheet.binary.macroEnabled.main"/></Types>')
    return _write(d, "binary.xlsb", zip_bytes({"[Content_Types].xml": ct, "xl/workbook.bin": b"\0" * 64}))


def utf16_workbook_xml(d) -> Path:
    """xl/workbook.xml saved as UTF-16: legal XML, but calamine reads every part as UTF-8."""
    parts = minimal_xlsx_parts(_sheet('<row r="1"><c r="A1"><v>1</v></c></row>'))
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    return _write(d, "utf16.xlsx", zip_bytes(parts))


def ods_and_xlsx(d) -> Path:
    """One package that is both an ODS (mimetype) and an xlsx (xl/workbook.xml)."""
    parts = minimal_xlsx_parts(_sheet('<row r="1"><c r="A1"><v>1</v></c></row>'))
    parts = {"mimetype": _ODS_MIME, **parts, **{k: v for k, v in minimal_ods_parts("").items() if k != "mimetype"}}
    return _write(d, "both.xlsx", zip_bytes(parts, stored_first="mimetype"))


def doctype_in_sheet_xlsx(d) -> Path:
    """An internal DTD subset in a worksheet part (calamine would read this part)."""
    sheet = ('<?xml version="1.0" encoding="UTF-8"?>' + _LAUGHS
             + f'<worksheet xmlns="{_NS_MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t>'
             '</is></c></row></sheetData></worksheet>')
    return _write(d, "sheet_dtd.xlsx", zip_bytes(minimal_xlsx_parts(sheet)))


def many_sheets_pointing_at_one_part(d, copies: int = 400) -> Path:
    """Hundreds of <sheet> entries sharing one worksheet part: each is read (and held) separately."""
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{_col(c)}{r}"><v>{r * c}</v></c>' for c in range(1, 51))
                   + "</row>" for r in range(1, 301))
    sheets = "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId1"/>' for i in range(1, copies + 1))
    wb = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_R}"><sheets>{sheets}</sheets></workbook>')
    return _write(d, "many_views.xlsx", zip_bytes(minimal_xlsx_parts(_sheet(rows), workbook_xml=wb)))


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s
