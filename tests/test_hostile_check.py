"""The hostile-input corpus through the whole check: expected codes, no traceback, inputs untouched."""
import hashlib

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
from perfxl.check import annotate, check_paths
from perfxl.cli import main
from perfxl.layout import ProjectLayout, Span
from perfxl.model import unit_from_dict

import hostile
from units import clean

EXPECTED = {
    hostile.empty_file: ["S01"], hostile.random_bytes: ["S01"], hostile.text_renamed_xlsx: ["S01"],
    hostile.truncated_xlsx: ["S01"], hostile.zip_bomb: ["S01"], hostile.zip_size_lie: ["S01"],
    hostile.zip_overlapping_members: ["S01"], hostile.zip_duplicate_names: ["S01"],
    hostile.xml_bomb_xlsx: ["S01"], hostile.xxe_xlsx: ["S01"], hostile.xxe_custom_props: ["S01"],
    hostile.giant_cell_xlsx: ["S01"], hostile.giant_cell_nodim_xlsx: ["S01"], hostile.implicit_far_cell_xlsx: ["S01"],
    hostile.shared_string_amplifier_xlsx: ["S01"], hostile.many_sheets_pointing_at_one_part: ["S01"],
    hostile.encrypted_ole: ["S02"], hostile.encrypted_ods: ["S02"], hostile.xls_filepass: ["S02"],
    hostile.xls_giant_dimension: ["S01"], hostile.xls_far_cell: ["S01"], hostile.xls_sst_count_bomb: ["S01"],
    hostile.xls_bad_sector_chain: ["S01"], hostile.ods_repeat_bomb: ["S01"], hostile.docx_renamed_xlsx: ["S01"],
    hostile.xlsb_like: ["S01"], hostile.utf16_workbook_xml: ["S01"], hostile.ods_and_xlsx: ["S01"],
    hostile.doctype_in_sheet_xlsx: ["S01"],
    # Readable spreadsheets that perfxl did not issue: a workbook from elsewhere.
    hostile.hidden_sheets_xlsx: ["S03"], hostile.valid_xls: ["S03"], hostile.minimal_ods: ["S03"],
    hostile.lying_dimension_xlsx: ["S03"], hostile.far_formatted_cell_xlsx: ["S03"],
    hostile.xlsm_with_macros: ["S03", "S06"],
}
P1 = "1.郭营子棚改本金利息"


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    expected = {}
    for build, codes in EXPECTED.items():
        expected[build(d).name] = codes
    fw = perfxl.load_framework()
    good = perfxl.write_workbook(unit_from_dict(clean()), fw, d / "good")
    L = ProjectLayout(fw)
    # A locked amount changed, and formula text typed into a value cell as text.
    wb = load_workbook(good)
    wb[P1][L.total.a1] = 99999
    wb[P1][Span(L.first_indicator_row, L.columns.value).a1] = '=HYPERLINK("http://evil.example","点我")'
    wb[P1][Span(L.first_indicator_row, L.columns.value).a1].data_type = "s"
    wb.save(d / "tampered.xlsx")
    # The same unit twice: each copy also says which one was taken (X04).
    expected["tampered.xlsx"] = ["I05", "S04", "X04"]
    expected[good.name] = ["X04"]
    return d, expected


def test_every_file_gets_its_codes_and_inputs_stay_byte_identical(corpus):
    d, expected = corpus
    before = _digest(d)
    run = check_paths([d])
    assert _digest(d) == before
    got = {c.path.rsplit("/", 1)[-1]: sorted(f.code for f in c.report.findings) for c in run.files}
    assert got == {name: sorted(codes) for name, codes in expected.items()}
    for c in run.files:
        for f in c.report.findings:
            assert f.message and "Traceback" not in f.message


def test_formula_text_is_kept_as_text_and_never_becomes_a_formula(corpus, tmp_path):
    d, _ = corpus
    (checked,) = [c for c in check_paths([d / "tampered.xlsx"]).files]
    fw = perfxl.load_framework()
    L = ProjectLayout(fw)
    ind = checked.unit.projects[0].indicators[0]
    assert ind.value == ind.raw_value == '=HYPERLINK("http://evil.example","点我")'
    assert checked.unit.projects[0].funds.total == 100  # the issued amount, the change reported as S04
    out = annotate(checked, tmp_path)
    cell = load_workbook(out)[P1][Span(L.first_indicator_row, L.columns.value).a1]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_cli_over_the_corpus_never_shows_a_traceback(corpus, tmp_path):
    d, expected = corpus
    before = _digest(d)
    r = CliRunner().invoke(main, ["check", str(d), "--annotate", str(tmp_path / "returns"), "--jobs", "2"])
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    for name in expected:
        assert name in r.output
    assert _digest(d) == before
