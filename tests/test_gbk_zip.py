"""Archives as Chinese Windows' built-in zipper (发送到 → 压缩(zipped)文件夹) writes them.

Its entry names are the GBK bytes of the file names, with general-purpose flag bit 11 (UTF-8)
clear and the "made by" system MS-DOS (0). The archive here is built byte by byte with ``struct``
(local file headers, central directory, end record), independently of perfxl's own
``write_gbk_zip`` and of Python's ``zipfile`` writer, so the test proves the reader copes with what
offices really receive. A second test holds ``write_gbk_zip`` (which the demo and other tests use)
to the same bytes on the points that matter.
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

from perfxl.archives import collect_inputs, write_gbk_zip

UTF8_FLAG = 0x800
MS_DOS = 0
DOS_TIME = (9 << 11) | (30 << 5)                    # 09:30:00
DOS_DATE = ((2024 - 1980) << 9) | (3 << 5) | 15     # 2024-03-15

ENTRIES = {
    "报送材料/": None,                                     # the folder entry Windows writes first
    "报送材料/108001_教育局本级.xlsx": b"workbook of 108001",
    "报送材料/115001_土地收购储备中心（修改版）.xlsx": b"workbook of 115001",
    "财政局绩效目标表.xlsx": b"workbook at the top",
}


def windows_zip(entries: dict[str, bytes | None]) -> bytes:
    """A zip as Windows Explorer writes it: GBK names, no UTF-8 flag, MS-DOS attributes, deflate."""
    body, central = b"", b""
    for name, data in entries.items():
        raw_name = name.encode("gbk")
        is_dir = data is None
        data = data or b""
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = b"" if is_dir else packer.compress(data) + packer.flush()
        method = 0 if is_dir else 8
        crc = zlib.crc32(data)
        offset = len(body)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, DOS_TIME, DOS_DATE, crc, len(packed),
                            len(data), len(raw_name), 0) + raw_name + packed
        attributes = 0x10 if is_dir else 0x20      # FILE_ATTRIBUTE_DIRECTORY / FILE_ATTRIBUTE_ARCHIVE
        central += struct.pack("<IBBHHHHHIIIHHHHHII", 0x02014B50, 20, MS_DOS, 20, 0, method, DOS_TIME, DOS_DATE,
                               crc, len(packed), len(data), len(raw_name), 0, 0, 0, 0, attributes, offset) + raw_name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(body), 0)
    return body + central + end


def central_directory(archive: bytes) -> list[tuple[int, int, bytes]]:
    """(made-by system, flags, raw name bytes) of each central directory entry, read with struct."""
    (count, size, start) = struct.unpack("<HII", archive[archive.rindex(b"PK\x05\x06") + 10:][:10])
    out, pos = [], start
    for _ in range(count):
        (_, _, system, _, flags, _, _, _, _, _, _, n, extra, comment) = struct.unpack(
            "<IBBHHHHHIIIHHH", archive[pos:pos + 34])
        out.append((system, flags, archive[pos + 46:pos + 46 + n]))
        pos += 46 + n + extra + comment
    return out


def local_headers(archive: bytes) -> list[tuple[int, bytes]]:
    """(flags, raw name bytes) of each local file header."""
    out, pos = [], 0
    while archive[pos:pos + 4] == b"PK\x03\x04":
        (_, _, flags, _, _, _, _, packed, _, n, extra) = struct.unpack("<IHHHHHIIIHH", archive[pos:pos + 30])
        out.append((flags, archive[pos + 30:pos + 30 + n]))
        pos += 30 + n + extra + packed
    return out


def test_the_hand_built_archive_is_what_windows_writes():
    archive = windows_zip(ENTRIES)
    cd = central_directory(archive)
    assert [raw for _, _, raw in cd] == [n.encode("gbk") for n in ENTRIES]
    assert all(system == MS_DOS and not flags & UTF8_FLAG for system, flags, _ in cd)
    assert [raw for _, raw in local_headers(archive)] == [n.encode("gbk") for n in ENTRIES]
    assert any(b >= 0x80 for n in ENTRIES for b in n.encode("gbk"))  # names Python would show as cp437 mojibake


def test_reader_gets_the_chinese_names_and_contents_of_a_windows_zip(tmp_path):
    (tmp_path / "报送.zip").write_bytes(windows_zip(ENTRIES))
    with collect_inputs([tmp_path / "报送.zip"]) as inputs:
        got = {i.display.split("!", 1)[1]: (i.path.read_bytes() if i.path else i.problem) for i in inputs}
    assert got == {name: data for name, data in ENTRIES.items() if data is not None}


def test_reader_gets_names_from_a_windows_zip_inside_a_folder_and_next_to_a_utf8_one(tmp_path):
    import zipfile

    (tmp_path / "gbk.zip").write_bytes(windows_zip({"教育局.xlsx": b"g"}))
    with zipfile.ZipFile(tmp_path / "utf8.zip", "w") as zf:
        zf.writestr("财政局.xlsx", b"u")  # Python flags its non-ASCII names as UTF-8
    with collect_inputs([tmp_path]) as inputs:
        shown = sorted(Path(i.display).name for i in inputs)
    assert shown == ["gbk.zip!教育局.xlsx", "utf8.zip!财政局.xlsx"]


def test_write_gbk_zip_writes_gbk_names_without_the_utf8_flag(tmp_path):
    """The helper the demo and the tests use must write what Windows writes, or they prove nothing."""
    names = [n for n, d in ENTRIES.items() if d is not None]
    archive = write_gbk_zip(tmp_path / "a.zip", {n: ENTRIES[n] for n in names}).read_bytes()
    assert [raw for _, _, raw in central_directory(archive)] == [n.encode("gbk") for n in names]
    assert [raw for _, raw in local_headers(archive)] == [n.encode("gbk") for n in names]
    assert not any(flags & UTF8_FLAG for _, flags, _ in central_directory(archive))
    assert not any(flags & UTF8_FLAG for flags, _ in local_headers(archive))
    with collect_inputs([tmp_path / "a.zip"]) as inputs:
        assert [i.display.split("!", 1)[1] for i in inputs] == names
