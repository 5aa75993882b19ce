"""perfxl.safe_open: hostile and broken workbooks are refused before any parser expands them.

Every hostile file is built by tests/hostile.py in a temporary directory. For each one the test
checks the finding code, that the Chinese reason names the problem, that nothing was raised, that
no sheets were returned, and that the file's bytes and mtime are unchanged afterwards.

Whether python-calamine really aborts the process on these files is confirmed only in child
processes (``test_calamine_alone_*``), never in the test process.
"""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

import hostile as H
from perfxl import safe_open
from perfxl.catalogue import CATALOGUE
from perfxl.safe_open import DEFAULT_LIMITS, Limits, OpenResult, open_workbook

from conftest import INSTALL_CALC, unavailable

TESTS_DIR = Path(__file__).resolve().parent
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _english(text: str | None) -> bool:
    """English words, with Chinese only inside the quoted names it cites (a sheet called '隐藏')."""
    bare = re.sub(r"'[^']*'", "", text or "")
    return bool(re.search(r"[A-Za-z]{3,}", bare)) and bare.isascii()


def _snapshot(p: Path) -> tuple[bytes, int]:
    return p.read_bytes(), os.stat(p).st_mtime_ns


def check(path: Path, code: str | None, *words: str, limits: Limits = DEFAULT_LIMITS) -> OpenResult:
    """Open ``path``; assert the finding code, the reason's words, and that the file is untouched."""
    before = _snapshot(path) if path.is_file() else None
    res = open_workbook(path, limits=limits)
    assert isinstance(res, OpenResult)
    assert res.problem == code, (res.problem, res.reason_en)
    assert res.path == str(path)
    assert res.kind in ("xlsx", "xlsm", "xls", "ods", "unknown")
    if code is None:
        assert res.reason_zh is None and res.reason_en is None
        assert res.sheets, "a readable workbook has at least one sheet"
        assert list(res.sheets) == list(res.sheet_states)
    else:
        assert code in CATALOGUE
        assert res.reason_zh and _CJK.search(res.reason_zh), res.reason_zh
        assert _english(res.reason_en), res.reason_en
        assert res.sheets == {}, "sheets are only filled when there is no problem"
        for w in words:
            assert w in res.reason_zh, (w, res.reason_zh)
    if before is not None:
        assert _snapshot(path) == before, "the input file must not be modified"
    return res


# ---------------------------------------------------------------------------------------------
# not a spreadsheet at all


def test_empty_file(tmp_path):
    check(H.empty_file(tmp_path), "S01", "空")


def test_random_bytes(tmp_path):
    check(H.random_bytes(tmp_path), "S01", "不是电子表格")


def test_text_file_renamed_xlsx(tmp_path):
    check(H.text_renamed_xlsx(tmp_path), "S01", "不是电子表格", "文本")


def test_word_document_renamed_xlsx(tmp_path):
    check(H.docx_renamed_xlsx(tmp_path), "S01", "不是电子表格", "Word")


def test_xlsb_is_refused_with_advice(tmp_path):
    check(H.xlsb_like(tmp_path), "S01", ".xlsb", "另存为")


def test_pdf_and_html_are_named(tmp_path):
    pdf = tmp_path / "a.xlsx"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    check(pdf, "S01", "不是电子表格", "PDF")
    html = tmp_path / "b.xls"
    html.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>", encoding="utf-8")
    check(html, "S01", "不是电子表格", "HTML")


def test_missing_file_and_directory(tmp_path):
    missing = tmp_path / "nope.xlsx"
    res = open_workbook(missing)
    assert res.problem == "S01" and "无法打开" in res.reason_zh
    res = open_workbook(tmp_path)
    assert res.problem == "S01" and "不是普通文件" in res.reason_zh


def test_file_size_limit_checked_before_reading(tmp_path):
    p = H.hidden_sheets_xlsx(tmp_path)
    check(p, "S01", "文件过大", limits=Limits(max_file_bytes=1000))


# ---------------------------------------------------------------------------------------------
# broken or hostile zip containers


def test_truncated_xlsx(tmp_path):
    check(H.truncated_xlsx(tmp_path), "S01", "截断")


def test_zip_bomb_refused_from_the_directory(tmp_path):
    p = H.zip_bomb(tmp_path)
    assert p.stat().st_size < 1024 * 1024  # 300 MB of zeros
    t = time.perf_counter()
    check(p, "S01", "压缩炸弹")
    assert time.perf_counter() - t < 1.0, "refused from declared sizes, nothing inflated"


def test_zip_bomb_ratio_limit(tmp_path):
    # with a total limit high enough, the per-member ratio still catches it
    p = H.zip_bomb(tmp_path, size=20 * 1024 * 1024)
    check(p, "S01", "压缩比", limits=Limits(max_uncompressed_bytes=10**10))


def test_zip_member_lying_about_its_size(tmp_path):
    check(H.zip_size_lie(tmp_path), "S01", "xl/styles.xml", "比声明的大小更大")


def test_zip_overlapping_members(tmp_path):
    check(H.zip_overlapping_members(tmp_path), "S01", "重叠")


def test_zip_names_equal_ignoring_case(tmp_path):
    check(H.zip_duplicate_names(tmp_path), "S01", "重名")


def test_crc_error(tmp_path):
    p = H.lying_dimension_xlsx(tmp_path)
    data = bytearray(p.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    data[info.header_offset + 14] ^= 0xFF  # the CRC in the local header ...
    pos = bytes(data).find(b"PK\x01\x02")
    while True:  # ... and in the central directory
        n = int.from_bytes(data[pos + 28:pos + 30], "little")
        if bytes(data[pos + 46:pos + 46 + n]) == b"xl/worksheets/sheet1.xml":
            data[pos + 16] ^= 0xFF
            break
        pos = bytes(data).find(b"PK\x01\x02", pos + 4)
    p.write_bytes(bytes(data))
    check(p, "S01", "CRC")


def test_zip_version_python_cannot_read(tmp_path):
    p = H.lying_dimension_xlsx(tmp_path)
    data = bytearray(p.read_bytes())
    pos = bytes(data).find(b"PK\x01\x02")
    data[pos + 6:pos + 8] = (99).to_bytes(2, "little")  # "version needed to extract" 9.9
    p.write_bytes(bytes(data))
    res = check(p, "S01", "压缩结构")
    assert "unexpected" not in res.reason_en


def test_package_that_is_both_ods_and_xlsx(tmp_path):
    check(H.ods_and_xlsx(tmp_path), "S01", "ODS", "Excel")


# ---------------------------------------------------------------------------------------------
# hostile XML


def test_billion_laughs_in_workbook_xml(tmp_path):
    check(H.xml_bomb_xlsx(tmp_path), "S01", "xl/workbook.xml", "XML 炸弹")


def test_external_entity_in_workbook_xml(tmp_path):
    res = check(H.xxe_xlsx(tmp_path), "S01", "xl/workbook.xml", "外部实体")
    assert "root:" not in (res.reason_zh + res.reason_en)


def test_external_entity_in_custom_properties(tmp_path):
    check(H.xxe_custom_props(tmp_path), "S01", "docProps/custom.xml")


def test_dtd_in_a_worksheet(tmp_path):
    check(H.doctype_in_sheet_xlsx(tmp_path), "S01", "xl/worksheets/sheet1.xml", "DTD")


def test_dtd_in_a_worksheet_is_refused_by_its_prolog_when_sandboxed(tmp_path):
    """A sandboxed open leaves the worksheets to calamine and looks only at each part's prolog: the
    DTD is named there, not left for calamine to fail on as a damaged sheet."""
    res = open_workbook(H.doctype_in_sheet_xlsx(tmp_path), sandboxed=True)
    assert res.problem == "S01" and "xl/worksheets/sheet1.xml" in res.reason_zh and "DTD" in res.reason_zh


@pytest.mark.parametrize("builder, part", [(H.xml_bomb_xlsx, "xl/workbook.xml"),
                                           (H.xxe_custom_props, "docProps/custom.xml"),
                                           (H.doctype_in_sheet_xlsx, "xl/worksheets/sheet1.xml")])
def test_parsers_refuse_dtds_on_their_own(tmp_path, monkeypatch, builder, part):
    """Defence in depth: with the byte scan for <!DOCTYPE switched off, defusedxml (small parts)
    and the expat sheet scanner still refuse the DTD before declaring a single entity."""
    monkeypatch.setattr(safe_open, "_verify_members", lambda data, members: None)
    check(builder(tmp_path), "S01", part, "DTD")


def test_xml_part_not_utf8(tmp_path):
    check(H.utf16_workbook_xml(tmp_path), "S01", "UTF-8")


# ---------------------------------------------------------------------------------------------
# sizes that make calamine abort the process


def test_giant_cell_openpyxl_5kb(tmp_path):
    p = H.giant_cell_xlsx(tmp_path)
    assert p.stat().st_size < 6 * 1024
    res = check(p, "S01", "XFD1048576", "超出范围")
    assert res.kind == "xlsx"


def test_giant_cell_without_dimension(tmp_path):
    check(H.giant_cell_nodim_xlsx(tmp_path), "S01", "XFD1048576")


def test_cell_positioned_by_counting_not_by_reference(tmp_path):
    # 300 <c/> then a value, no r attributes: calamine puts the value in column 301 (KO)
    check(H.implicit_far_cell_xlsx(tmp_path), "S01", "KO2")


def test_lying_dimension_is_not_trusted_either_way(tmp_path):
    """<dimension ref="A1:XFD1048576"> over three cells: decided to trust the streamed cell
    references (calamine caps what it reserves from the dimension; measured 2×2 grid)."""
    res = check(H.lying_dimension_xlsx(tmp_path), None)
    assert res.sheets == {"Sheet1": [[1.0, "预算数"], [2.5, None]]}


def test_far_formatted_empty_cell_is_not_a_value(tmp_path):
    res = check(H.far_formatted_cell_xlsx(tmp_path), None)
    assert res.sheets == {"Sheet1": [[1.0]]}


def test_row_and_column_limits(tmp_path):
    p = H.hidden_sheets_xlsx(tmp_path)
    check(p, "S01", "B1", limits=Limits(max_cols=1))
    big = tmp_path / "rows.xlsx"
    big.write_bytes(H.zip_bytes(H.minimal_xlsx_parts(
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 31))
        + "</sheetData></worksheet>")))
    check(big, "S01", "A21", limits=Limits(max_rows=20))
    res = check(big, None, limits=Limits(max_rows=30))
    assert [r[0] for r in res.sheets["Sheet1"]] == [float(i) for i in range(1, 31)]


def test_shared_string_amplification(tmp_path):
    p = H.shared_string_amplifier_xlsx(tmp_path)  # 1 MB string × 80 cells, a few KB on disk
    assert p.stat().st_size < 64 * 1024
    check(p, "S01", "文字总量")
    res = check(p, None, limits=Limits(max_text_chars=100_000_000))
    assert len(res.sheets["Sheet1"]) == 80 and len(res.sheets["Sheet1"][0][0]) == 1_000_000


def test_shared_string_amplification_read_in_the_sandbox_counts_the_text_it_builds(tmp_path):
    """Sandboxed reading has no pre-scan: the text is counted on the grid calamine gave, at the limit."""
    p = H.shared_string_amplifier_xlsx(tmp_path)  # 80 cells of a 1,000,000-character string
    res = open_workbook(p, sandboxed=True)
    assert res.problem == "S01" and "文字总量" in res.reason_zh and not res.sheets
    assert open_workbook(p, sandboxed=True, limits=Limits(max_text_chars=80_000_000)).problem is None
    res = open_workbook(p, sandboxed=True, limits=Limits(max_text_chars=79_999_999))
    assert res.problem == "S01" and "Sheet1" in res.reason_zh


def test_many_sheets_sharing_one_part_is_scanned_once(tmp_path):
    p = H.many_sheets_pointing_at_one_part(tmp_path)
    t = time.perf_counter()
    check(p, "S01", "单元格数量超过上限")
    assert time.perf_counter() - t < 2.0


def test_many_sheets_sharing_one_part_within_limits(tmp_path):
    p = H.many_sheets_pointing_at_one_part(tmp_path, copies=3)
    res = check(p, None)
    assert list(res.sheets) == ["S1", "S2", "S3"]
    assert res.sheets["S1"] == res.sheets["S3"] and len(res.sheets["S1"]) == 300


# ---------------------------------------------------------------------------------------------
# passwords and macros


def test_encrypted_ooxml_in_ole_container(tmp_path):
    res = check(H.encrypted_ole(tmp_path), "S02", "密码")
    assert res.kind == "xlsx"


def test_encrypted_ods(tmp_path):
    res = check(H.encrypted_ods(tmp_path), "S02", "密码")
    assert res.kind == "ods"


def test_xls_with_password_to_open(tmp_path):
    res = check(H.xls_filepass(tmp_path), "S02", "密码")
    assert res.kind == "xls"


def test_xlsm_with_vba_project(tmp_path):
    res = check(H.xlsm_with_macros(tmp_path), None)
    assert res.kind == "xlsm" and res.has_macros
    assert res.sheets == {"项目": [["项目名称", "预算数"], ["办公设备购置", 12.5]]}


# ---------------------------------------------------------------------------------------------
# valid workbooks: states, values, properties


def test_hidden_and_very_hidden_sheets(tmp_path):
    p = H.hidden_sheets_xlsx(tmp_path)
    res = check(p, None)
    assert res.kind == "xlsx" and not res.has_macros
    assert res.sheet_states == {"填报说明": "visible", "隐藏": "hidden", "_perfxl": "veryHidden"}
    assert res.sheets == {"填报说明": [["请填写"]], "隐藏": [["h", 1.0]], "_perfxl": [["template_id", "perfxl-goals"]]}
    assert res.doc_props["perfxl.unit_code"] == "115001"
    assert res.doc_props["dcterms:created"] == "2024-03-01T08:30:00Z"


def test_values_agree_with_openpyxl(tmp_path):
    """calamine (through open_workbook) and openpyxl read the same values, hidden sheets included."""
    from openpyxl import load_workbook
    import xlsxwriter
    from datetime import date, datetime
    p = tmp_path / "mixed.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    a = wb.add_worksheet("项目1")
    a.write_row(0, 0, ["项目名称", "预算数", "财政资金", "日期", "是否"])
    a.write_row(1, 0, ["办公设备购置", 12.5, 10])
    a.write_datetime(1, 3, datetime(2025, 1, 1), wb.add_format({"num_format": "yyyy-mm-dd"}))
    a.write_boolean(1, 4, True)
    a.write(3, 1, "=B2*2", None, 25)
    b = wb.add_worksheet("说明")
    b.write(2, 2, "目标内容")
    b.very_hidden()
    wb.close()
    res = check(p, None)
    ox = load_workbook(p, data_only=True)
    for name, rows in res.sheets.items():
        ws = ox[name]
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                expect = ws.cell(r, c).value
                if isinstance(expect, (int, float)) and not isinstance(expect, bool):
                    assert v == pytest.approx(expect), (name, r, c)
                elif isinstance(expect, datetime) and type(v) is date:
                    # calamine gives a date for a date-only number format; openpyxl a datetime
                    assert expect == datetime.combine(v, datetime.min.time()), (name, r, c)
                else:
                    assert v == expect, (name, r, c, v, expect)
    assert res.sheet_states == {"项目1": "visible", "说明": "veryHidden"}


def test_legacy_xls(tmp_path):
    res = check(H.valid_xls(tmp_path), None)
    assert res.kind == "xls" and not res.has_macros
    assert res.sheet_states == {"项目": "visible", "隐藏": "hidden", "_perfxl": "veryHidden"}
    assert res.sheets["项目"] == [["项目名称", "预算数", None], ["办公设备", 12.5, None],
                                [None, None, None], [None, None, 7.0]]
    assert res.sheets["_perfxl"] == [["项目名称"]]
    assert res.doc_props == {"perfxl.unit_code": "115001", "dcterms:created": "2024-03-01T08:30:00Z",
                             "dcterms:modified": "2024-03-01T08:30:00Z"}


def test_minimal_ods_repeats_expanded(tmp_path):
    res = check(H.minimal_ods(tmp_path), None)
    assert res.kind == "ods"
    assert res.sheets == {"Sheet1": [["项目", 2.0, 2.0, 2.0], [None] * 4, [None] * 4, [None, None, 5.0, None]]}


def test_zip_written_by_streaming_writers(tmp_path):
    """Data descriptors (sizes after the data) and zip64 extra fields are legitimate."""
    parts = H.minimal_xlsx_parts('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                 '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>')

    class NoSeek(io.RawIOBase):
        def __init__(self):
            self.buf = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.buf += b
            return len(b)

    for force_zip64 in (False, True):
        sink = NoSeek()
        with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                with z.open(name, "w", force_zip64=force_zip64) as f:
                    f.write(data.encode() if isinstance(data, str) else data)
        p = tmp_path / f"stream{int(force_zip64)}.xlsx"
        p.write_bytes(bytes(sink.buf))
        assert check(p, None).sheets == {"Sheet1": [[1.0]]}


def test_perfxl_generated_template(tmp_path):
    """What units receive from perfxl reads back whole: hidden list sheet, very hidden identity
    sheet, and the custom properties the integrity check relies on."""
    from perfxl.generate import templates_from_data
    samples = Path(__file__).resolve().parent.parent / "samples"
    templates_from_data([samples / "units" / "115001.json"], tmp_path / "out")
    (p,) = list((tmp_path / "out").rglob("*.xlsx"))
    res = check(p, None)
    assert res.sheet_states["_perfxl"] == "veryHidden" and res.sheet_states["_lists"] == "hidden"
    assert res.doc_props["perfxl.unit_code"] == "115001"
    assert res.doc_props["perfxl.template_id"]
    assert any(row and row[0] == "template_id" for row in res.sheets["_perfxl"])


# ---------------------------------------------------------------------------------------------
# percent-formatted cells (calamine reports no number formats; the reader needs them)


def _percent_xlsx(d: Path) -> Path:
    """What staff type: '20%' into a cell makes Excel store 0.2 under a percent format."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "项目1"
    for ref, value, fmt in [("A1", 0.2, "0%"), ("B1", 0.25, "0.00%"),
                            ("C1", 0.3, '0.0"%"'),  # a literal percent sign: not a percent format
                            ("D1", 0.5, "General"),
                            ("E1", "20%", "0%")]:  # text in a percent cell: not a number
        ws[ref] = value
        ws[ref].number_format = fmt
    p = Path(d) / "percent.xlsx"
    wb.save(p)
    return p


def test_percent_formatted_cells_xlsx(tmp_path):
    res = check(_percent_xlsx(tmp_path), None)
    assert res.sheets["项目1"] == [[0.2, 0.25, 0.3, 0.5, "20%"]]
    assert res.percent_cells == {("项目1", "A1"), ("项目1", "B1")}


def test_small_parts_are_parsed_once_by_their_bytes(tmp_path):
    """A worker parses the small parts it has seen before only once (safe_open._parsed_once): by a
    digest of their bytes, so a file whose styles differ gets its own answer, and a part that is
    refused is refused every time, also after the same file opened cleanly elsewhere."""
    src = _percent_xlsx(tmp_path)
    first, again = (open_workbook(src, sandboxed=True) for _ in range(2))
    assert first.percent_cells == again.percent_cells == {("项目1", "A1"), ("项目1", "B1")}
    data = src.read_bytes()
    styles = zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode()
    assert 'numFmtId="9"' in styles
    other = tmp_path / "other-styles.xlsx"
    other.write_bytes(H.rezip(data, {"xl/styles.xml": styles.replace('numFmtId="9"', 'numFmtId="0"')}))
    assert open_workbook(other, sandboxed=True).percent_cells == {("项目1", "B1")}  # 0% is General now
    assert open_workbook(src, sandboxed=True).percent_cells == first.percent_cells
    workbook = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml").decode()
    bad = tmp_path / "dtd.xlsx"
    bad.write_bytes(H.rezip(data, {"xl/workbook.xml": workbook.replace("<workbook", '<!DOCTYPE w [<!ENTITY e "x">]><workbook', 1)}))
    for _ in range(2):
        res = open_workbook(bad, sandboxed=True)
        assert res.problem == "S01" and "DTD" in res.reason_zh and "xl/workbook.xml" in res.reason_zh


@pytest.mark.parametrize("code, percent", [
    ("0%", True), ("0.00%", True), ("#,##0.0%;[Red]-0.0%", True), ("0.0;-0.0%", True),
    ('"Rate "0%', True), ('0.0"%"', False), ("0.0\\%", False), ('"%"0', False), ("0.00", False),
    ("General", False), ("", False), ('0.0"%', False),  # an unclosed quote runs to the end
    ("\\\\%", True),  # an escaped backslash, then a real percent sign
])
def test_percent_format_codes(code, percent):
    assert safe_open._is_percent_format(code) is percent


_STYLES = (
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="0.0%"/>'
    '<numFmt numFmtId="165" formatCode="0.0&quot;%&quot;"/>'
    '<numFmt numFmtId="10" formatCode="0.00"/></numFmts>'  # a file may redefine a built-in id
    '<cellStyleXfs count="2"><xf numFmtId="0"/><xf numFmtId="9"/></cellStyleXfs>'  # not cell formats
    '<cellXfs count="6">{xf0}<xf numFmtId="9" xfId="1"/><xf numFmtId="164"/><xf numFmtId="165"/>'
    '<xf numFmtId="10"/><xf numFmtId="bad"/></cellXfs></styleSheet>')


def _styled_xlsx(d: Path, rows: str, *, xf0: str = '<xf numFmtId="0"/>', styles: bool = True) -> Path:
    parts = H.minimal_xlsx_parts('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                 f'<sheetData>{rows}</sheetData></worksheet>',
                                 shared_strings='<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                                                '2006/main"><si><t>x</t></si></sst>')
    if styles:
        parts["xl/styles.xml"] = _STYLES.format(xf0=xf0)
    p = Path(d) / "styled.xlsx"
    p.write_bytes(H.zip_bytes(parts))
    return p


def test_percent_cells_by_cell_xf_index(tmp_path):
    rows = ('<row r="1"><c r="A1" s="1"><v>0.2</v></c>'  # built-in 9
            '<c r="B1" s="2" t="n"><v>0.25</v></c>'  # custom 0.0%
            '<c r="C1" s="3"><v>0.3</v></c>'  # custom 0.0"%": literal
            '<c r="D1" s="4"><v>0.4</v></c>'  # id 10 redefined as 0.00
            '<c r="E1" s="5"><v>0.5</v></c>'  # invalid numFmtId
            '<c r="F1" s="1" t="s"><v>0</v></c>'  # shared string
            '<c r="G1" s="1" t="b"><v>1</v></c>'  # boolean
            '<c r="H1" s="1" t="str"><f>"a"</f><v>a</v></c>'  # formula giving text
            '<c r="I1" s="2"><f>1/4</f><v>0.25</v></c>'  # formula giving a number
            '<c r="J1" s="1"/>'  # formatted but empty
            '<c r="K1"><v>0.6</v></c></row>'  # no s: cellXfs[0] (General here)
            '<row r="2"><c s="2"><v>1</v></c><c s="2"><v>2</v></c></row>'  # positioned by counting: A2, B2
            '<row r="3"><c r="C3" s="2"><v>1</v></c><c r="C3"><v>2</v></c>'  # the last cell at C3 wins
            '<c r="D3"><v>1</v></c><c r="D3" s="1"><v>2</v></c></row>')
    res = check(_styled_xlsx(tmp_path, rows), None)
    assert res.percent_cells == {("Sheet1", a1) for a1 in ("A1", "B1", "I1", "A2", "B2", "D3")}
    assert res.sheets["Sheet1"][0][:3] == [0.2, 0.25, 0.3]


def test_percent_cells_default_style_and_missing_styles(tmp_path):
    rows = '<row r="1"><c r="A1"><v>0.2</v></c><c r="B1" s="3"><v>0.3</v></c></row>'
    d1, d2 = tmp_path / "a", tmp_path / "b"
    d1.mkdir(), d2.mkdir()
    res = check(_styled_xlsx(d1, rows, xf0='<xf numFmtId="9"/>'), None)  # a cell without s is style 0
    assert res.percent_cells == {("Sheet1", "A1")}
    res = check(_styled_xlsx(d2, rows, styles=False), None)  # no xl/styles.xml at all
    assert res.percent_cells == set() and res.sheets == {"Sheet1": [[0.2, 0.3]]}


def test_percent_cells_of_a_part_shared_by_two_sheets(tmp_path):
    wb = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
          '<sheet name="甲" sheetId="1" r:id="rId1"/><sheet name="乙" sheetId="2" r:id="rId1"/></sheets></workbook>')
    parts = H.minimal_xlsx_parts('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                 '<sheetData><row r="2"><c r="AB2" s="1"><v>0.5</v></c></row></sheetData>'
                                 '</worksheet>', workbook_xml=wb)
    parts["xl/styles.xml"] = _STYLES.format(xf0='<xf numFmtId="0"/>')
    p = tmp_path / "shared.xlsx"
    p.write_bytes(H.zip_bytes(parts))
    assert check(p, None).percent_cells == {("甲", "AB2"), ("乙", "AB2")}


def test_styles_part_is_parsed_safely(tmp_path, monkeypatch):
    """xl/styles.xml goes through the size limit and defusedxml like the other small parts."""
    rows = '<row r="1"><c r="A1" s="1"><v>0.2</v></c></row>'
    p = _styled_xlsx(tmp_path, rows)
    assert check(p, None).percent_cells == {("Sheet1", "A1")}
    big = _STYLES.format(xf0='<xf numFmtId="0"/>').replace("<cellXfs", " " * 20_000 + "<cellXfs")
    p.write_bytes(H.rezip(p.read_bytes(), {"xl/styles.xml": big}))
    check(p, "S01", "xl/styles.xml", "过大", limits=Limits(max_xml_part_bytes=10_000))
    bomb = ('<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            + _STYLES.format(xf0='<xf numFmtId="0"/>').replace("<cellXfs", "<x>&b;</x><cellXfs"))
    p.write_bytes(H.rezip(p.read_bytes(), {"xl/styles.xml": bomb}))
    check(p, "S01", "xl/styles.xml", "DTD")
    monkeypatch.setattr(safe_open, "_verify_members", lambda data, members: None)
    check(p, "S01", "xl/styles.xml", "DTD")
    p.write_bytes(H.rezip(p.read_bytes(), {"xl/styles.xml": "<styleSheet><cellXfs></styleSheet>"}))
    check(p, "S01", "xl/styles.xml", "XML")


def test_problem_leaves_no_percent_cells(tmp_path):
    rows = '<row r="1"><c r="A1" s="1"><v>0.2</v></c><c r="IV1"><v>1</v></c></row>'  # column 256 > 200
    res = check(_styled_xlsx(tmp_path, rows), "S01", "超出范围")
    assert res.percent_cells == set()


def test_perfxl_template_has_no_percent_cells(tmp_path):
    import perfxl
    root = Path(__file__).resolve().parent.parent
    p = tmp_path / "template.xlsx"
    p.write_bytes(perfxl.render_workbook(perfxl.load_unit(root / "samples" / "units" / "115001.json"),
                                         perfxl.load_framework()))
    res = check(p, None)
    assert res.percent_cells == set()


def test_percent_cells_ods(tmp_path):
    p = tmp_path / "pct.ods"
    p.write_bytes(H.zip_bytes(H.minimal_ods_parts(
        '<table:table-row><table:table-cell office:value-type="string"><text:p>率</text:p></table:table-cell>'
        '<table:table-cell office:value-type="percentage" office:value="0.2"><text:p>20%</text:p></table:table-cell>'
        '<table:table-cell office:value-type="float" office:value="0.3"><text:p>0.3</text:p></table:table-cell>'
        '</table:table-row>'
        '<table:table-row table:number-rows-repeated="2"><table:table-cell/>'
        '<table:table-cell table:number-columns-repeated="2" office:value-type="percentage" office:value="0.5">'
        '<text:p>50%</text:p></table:table-cell></table:table-row>'), stored_first="mimetype"))
    res = check(p, None)
    assert res.sheets == {"Sheet1": [["率", 0.2, 0.3], [None, 0.5, 0.5], [None, 0.5, 0.5]]}
    assert res.percent_cells == {("Sheet1", a1) for a1 in ("B1", "B2", "C2", "B3", "C3")}


# ---------------------------------------------------------------------------------------------
# hostile .xls and .ods


def test_xls_dimensions_record_is_enforced(tmp_path):
    check(H.xls_giant_dimension(tmp_path), "S01", "4294967295 行")


def test_xls_far_cell_record(tmp_path):
    check(H.xls_far_cell(tmp_path), "S01", "超出范围")


def test_xls_sst_count_that_cannot_fit(tmp_path):
    check(H.xls_sst_count_bomb(tmp_path), "S01", "共享字符串")


def test_xls_sector_chain_past_end_of_file(tmp_path):
    check(H.xls_bad_sector_chain(tmp_path), "S01", "OLE")


def test_ods_repeat_bomb(tmp_path):
    p = H.ods_repeat_bomb(tmp_path)
    assert p.stat().st_size < 2048
    check(p, "S01", "超出范围")


def test_ods_text_space_amplification(tmp_path):
    p = tmp_path / "spaces.ods"
    p.write_bytes(H.zip_bytes(H.minimal_ods_parts(
        '<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="999999999999"/>'
        '</text:p></table:table-cell></table:table-row>'), stored_first="mimetype"))
    check(p, "S01", "文字总量")


# ---------------------------------------------------------------------------------------------
# LibreOffice round trips (real .ods and .xls writers)


@pytest.fixture(scope="module")
def lo_files(tmp_path_factory, soffice):
    d = tmp_path_factory.mktemp("lo")
    src = H.hidden_sheets_xlsx(d)
    out = {fmt: H.soffice_convert(src, fmt, d) for fmt in ("ods", "xls")}
    if not all(out.values()):
        unavailable("LibreOffice (it could not convert the workbook)", INSTALL_CALC)
    return out


@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_libreoffice_output(lo_files, fmt):
    res = check(lo_files[fmt], None)
    assert res.kind == fmt
    # LibreOffice has no "very hidden": it writes the sheet as hidden
    assert res.sheet_states == {"填报说明": "visible", "隐藏": "hidden", "_perfxl": "hidden"}
    assert res.sheets["填报说明"] == [["请填写"]]
    assert res.sheets["隐藏"][0][0] == "h" and res.sheets["隐藏"][0][1] == 1
    assert res.sheets["_perfxl"] == [["template_id", "perfxl-goals"]]
    assert res.doc_props["perfxl.unit_code"] == "115001"
    assert res.doc_props["dcterms:created"].startswith("2024-03-01T08:30:00")


@pytest.fixture(scope="module")
def lo_percent_files(tmp_path_factory, soffice):
    d = tmp_path_factory.mktemp("lo_pct")
    src = _percent_xlsx(d)
    out = {fmt: H.soffice_convert(src, fmt, d) for fmt in ("ods", "xls")}
    if not all(out.values()):
        unavailable("LibreOffice (it could not convert the workbook)", INSTALL_CALC)
    return out


def test_libreoffice_percent_cells(lo_percent_files):
    res = check(lo_percent_files["ods"], None)
    assert res.sheets["项目1"] == [[0.2, 0.25, 0.3, 0.5, "20%"]]
    assert res.percent_cells == {("项目1", "A1"), ("项目1", "B1")}
    # .xls: percent formats are not detected (documented); the values still read
    res = check(lo_percent_files["xls"], None)
    assert res.sheets["项目1"][0][:2] == [0.2, 0.25]
    assert res.percent_cells == set()


# ---------------------------------------------------------------------------------------------
# what calamine does alone (child processes only)

_CALAMINE_ALONE = textwrap.dedent("""
    import sys, python_calamine as pc
    wb = pc.CalamineWorkbook.from_path(sys.argv[1])
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    print("read")
""")


@pytest.mark.ci_may_skip  # the skip below reports news about calamine, not a broken machine
@pytest.mark.parametrize("builder", [H.giant_cell_xlsx, H.giant_cell_nodim_xlsx, H.xls_giant_dimension,
                                     H.xls_far_cell])
def test_calamine_alone_aborts_the_process(tmp_path, builder):
    """The premise of this module, measured: calamine given these few-KB files kills its process
    (SIGABRT after a failed allocation of 128 GiB .. 44 TB), so catching exceptions cannot help."""
    p = builder(tmp_path)
    r = subprocess.run([sys.executable, "-c", _CALAMINE_ALONE, str(p)], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "RUST_BACKTRACE": "0"})
    assert "read" not in r.stdout
    assert r.returncode != 0
    if r.returncode > 0:  # a future calamine may turn the abort into an error: still not a read
        pytest.skip(f"calamine no longer aborts (exit {r.returncode}): {r.stderr.strip()[-200:]}")
    assert "memory allocation" in r.stderr, r.stderr[-500:]
    # ... and open_workbook refuses the same file without ever handing it to calamine
    assert open_workbook(p).problem == "S01"


# ---------------------------------------------------------------------------------------------
# mutation fuzzing, in a child process (an abort must fail the test, not kill pytest)

_FUZZ = textwrap.dedent("""
    import io, json, random, sys, zipfile
    sys.path.insert(0, sys.argv[1])
    import hostile as H
    from perfxl.safe_open import open_workbook
    out, seed, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rnd = random.Random(seed)
    seeds = {"xlsx": H.hidden_sheets_xlsx(out).read_bytes(), "xls": H.valid_xls(out).read_bytes(),
             "ods": H.minimal_ods(out).read_bytes(), "lie": H.lying_dimension_xlsx(out).read_bytes()}
    alphabet = b'0123456789ABXYZ<>/"= :rtcsv'

    def mutate_text(b):
        b = bytearray(b)
        for _ in range(rnd.randint(1, 8)):
            op = rnd.random()
            i = rnd.randrange(len(b))
            if op < 0.5:
                b[i] = rnd.choice(alphabet)
            elif op < 0.7:
                del b[i:i + rnd.randint(1, 20)]
            elif op < 0.85:
                b[i:i] = b[rnd.randrange(len(b)):][:rnd.randint(1, 60)]
            else:
                b[i:i] = rnd.choice([b'<c r="XFD1048576"><v>1</v></c>', b'r="A99999"', b'<c><v>1</v></c>',
                                     b'table:number-columns-repeated="99999"', b'<row>', b'</row>'])
        return bytes(b)

    for k in range(n):
        name = rnd.choice(list(seeds))
        data = seeds[name]
        if name == "xls" or rnd.random() < 0.15:
            b = bytearray(data)
            for _ in range(rnd.randint(1, 12)):
                b[rnd.randrange(len(b))] = rnd.randrange(256)
            data = bytes(b)
        else:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                parts = {i.filename: z.read(i) for i in z.infolist()}
            victim = rnd.choice([p for p in parts if p.endswith(".xml")])
            parts[victim] = mutate_text(parts[victim])
            data = H.zip_bytes(parts, stored_first="mimetype")
        p = f"{out}/m{k}." + ("xls" if name == "xls" else "ods" if name == "ods" else "xlsx")
        with open(p, "wb") as f:
            f.write(data)
        print(json.dumps([k, name], ensure_ascii=False), flush=True)
        r = open_workbook(p)
        assert r.problem in (None, "S01", "S02"), r
        assert (r.problem is None) == bool(r.sheets)
        print(json.dumps([k, r.problem, (r.reason_en or "")[:80]]), flush=True)
""")


def test_mutation_fuzz_never_raises_never_aborts(tmp_path):
    r = subprocess.run([sys.executable, "-c", _FUZZ, str(TESTS_DIR), str(tmp_path), "20240301", "400"],
                       capture_output=True, text=True, timeout=600, env={**os.environ, "RUST_BACKTRACE": "0"})
    lines = r.stdout.strip().splitlines()
    assert r.returncode == 0, f"child died (exit {r.returncode}) after {lines[-2:]}\n{r.stderr[-2000:]}"
    results = [json.loads(x) for x in lines if len(json.loads(x)) == 3]
    assert len(results) == 400
    codes = {res[1] for res in results}
    assert None in codes and "S01" in codes  # some mutants stay readable, many do not
