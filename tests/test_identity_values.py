"""The identity's values on their own: the canonical text a signature is computed over, the limits an
identity's fields are held to, and the signature's coverage, without a workbook (issue 9).

The limits come from Excel (16,384 columns, 1,048,576 rows, 31-character sheet names) and from the
writer (at most 2,000 projects of 255-character codes); each is tested on both sides.
"""
from __future__ import annotations

import json

import pytest

from perfxl.integrity import (HMAC_METHOD, SHA256_METHOD, Identity, LockedCell, canonical, identity_problems,
                              identity_rows, parse_identity_rows, sign, verify)


def fields(**over: str) -> dict[str, str]:
    base = {"unit_code": "101001", "budget_year": "2026", "project_codes": json.dumps(["P1", "P2"]),
            "project_sheets": json.dumps(["项目1", "项目2"])}
    base.update(over)
    return base


def problems(ident: Identity) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in identity_problems(ident):
        out.setdefault(p.field, []).append(p.zh)
    return out


# ---------------------------------------------------------------- canonical text

@pytest.mark.parametrize("value, text", [
    (None, ""), (True, "TRUE"), (False, "FALSE"),
    (5295, "5295"), (5295.0, "5295"), (-3.0, "-3"), (0.5, "0.5"), (0.1 + 0.2, "0.3"),
    (123456789012345.0, "123456789012345"),      # 15 digits: still an integer's text
    (1e15, "1000000000000000.0"),                  # at 10^15 the float's own text
    ("5295.0", "5295.0"),                          # a text stays as it was typed
    ("", ""),
])
def test_canonical_text_of_a_value(value, text):
    assert canonical(value) == text


def test_canonical_compares_numbers_at_excels_fifteen_digits():
    assert canonical(1234.5678901234567) == canonical(1234.56789012346)
    assert canonical(1234.5678901234567) != canonical(1234.5678901235)


# ---------------------------------------------------------------- identity rows

def test_identity_rows_round_trip_with_fields_marker_and_locked_cells():
    locked = [LockedCell("封面", "C3", "某单位"), LockedCell("项目1", "O4", "5295")]
    rows = identity_rows(fields(), locked)
    assert rows[len(fields())] == ["locked_cells", "2"]
    back = parse_identity_rows(rows)
    assert back.fields == fields() and back.locked == locked


def test_identity_rows_as_an_office_suite_gives_them_back():
    """Numbers for number-like texts, short rows, blank rows: read as the same identity."""
    rows = [["unit_code", 101001.0], [None, None], ["budget_year", 2026], ["locked_cells", 2.0],
            ["项目1", "O4", 5295.0], [None], ["项目1", "O5"]]
    back = parse_identity_rows(rows)
    assert back.fields == {"unit_code": "101001", "budget_year": "2026"}
    assert back.locked == [LockedCell("项目1", "O4", "5295"), LockedCell("项目1", "O5", "")]


def test_a_row_without_a_key_is_not_a_field():
    assert parse_identity_rows([[None, "x"], ["", "y"], ["k", "v"]]).fields == {"k": "v"}


# ---------------------------------------------------------------- the signature's coverage

@pytest.mark.parametrize("key", [None, b"office-key"])
def test_the_signature_covers_every_field_and_every_locked_cell(key):
    f = fields()
    locked = [LockedCell("项目1", "O4", "5295"), LockedCell("项目1", "C5", "名称")]
    _, digest = sign(f, locked, key)
    for name in f:
        assert sign({**f, name: f[name] + "x"}, locked, key)[1] != digest, name
    for i, c in enumerate(locked):
        for changed in (LockedCell(c.sheet + "x", c.cell, c.value), LockedCell(c.sheet, "Z9", c.value),
                        LockedCell(c.sheet, c.cell, c.value + "x")):
            assert sign(f, locked[:i] + [changed] + locked[i + 1:], key)[1] != digest
    assert sign(f, locked[:1], key)[1] != digest  # a dropped locked cell
    assert sign(f, locked[::-1], key)[1] != digest  # the cells' order is part of it


def test_the_signature_leaves_out_only_the_signature_fields():
    f, locked = fields(), [LockedCell("项目1", "O4", "5295")]
    _, digest = sign(f, locked, None)
    assert sign({**f, "signature": "abc", "signature_method": "sha256"}, locked, None)[1] == digest


def test_the_method_follows_the_key_and_hmac_depends_on_it():
    f, locked = fields(), []
    assert sign(f, locked, None)[0] == SHA256_METHOD
    assert sign(f, locked, b"k1")[0] == HMAC_METHOD
    assert sign(f, locked, b"k1")[1] != sign(f, locked, b"k2")[1] != sign(f, locked, None)[1]


def _signed(key: bytes | None, method: str | None = None) -> Identity:
    f, locked = fields(), [LockedCell("项目1", "O4", "5295")]
    m, digest = sign(f, locked, key)
    return Identity({**f, "signature_method": method or m, "signature": digest}, locked)


def test_verify_compares_every_locked_cell_with_the_workbook_now():
    ident = _signed(None)
    ok = verify(ident, lambda sheet, a1: 5295.0, None)
    assert ok.ok and ok.signature_ok and ok.changed == [] and ok.method == SHA256_METHOD
    changed = verify(ident, lambda sheet, a1: 5296, None)
    assert changed.signature_ok and not changed.ok
    assert changed.changed == [(ident.locked[0], "5296")]
    assert verify(ident, lambda sheet, a1: None, None).changed == [(ident.locked[0], "")]


def test_verify_trusts_the_offices_key_never_the_workbooks_method():
    assert verify(_signed(b"k"), lambda s, a: 5295, b"k").signature_ok
    assert not verify(_signed(b"k"), lambda s, a: 5295, None).signature_ok      # needs the key
    assert not verify(_signed(None), lambda s, a: 5295, b"k").signature_ok       # a plain hash, key given
    assert not verify(_signed(b"other"), lambda s, a: 5295, b"k").signature_ok
    claims_hmac = _signed(None, method=HMAC_METHOD)                               # sha256 digest, hmac claim
    assert not verify(claims_hmac, lambda s, a: 5295, b"k").signature_ok
    non_ascii = Identity({**_signed(None).fields, "signature": "签名"}, _signed(None).locked)
    assert not verify(non_ascii, lambda s, a: 5295, None).signature_ok


# ---------------------------------------------------------------- identity problems, both sides of each limit

def test_a_well_formed_identity_has_no_problems():
    assert identity_problems(Identity(fields(), [LockedCell("项目1", "XFD1048576", "")])) == []


@pytest.mark.parametrize("year, bad", [("2026", False), ("0000", False), ("202", True), ("20260", True),
                                       ("２０２６", True), ("20a6", True), (None, True)])
def test_budget_year_is_four_ascii_digits(year, bad):
    f = fields()
    if year is None:
        del f["budget_year"]
    else:
        f["budget_year"] = year
    assert ("budget_year" in problems(Identity(f))) is bad


@pytest.mark.parametrize("cell, bad", [
    ("A1", False), ("XFD1", False), ("XFE1", True), ("ZZZ1", True), ("A1048576", False), ("A1048577", True),
    ("A0", True), ("a1", True), ("AAAA1", True), ("A12345678", True), ("1A", True), ("", True)])
def test_a_locked_cell_is_an_address_inside_an_excel_sheet(cell, bad):
    assert ("locked_cells" in problems(Identity(fields(), [LockedCell("项目1", cell, "")]))) is bad


@pytest.mark.parametrize("sheet, bad", [("x" * 31, False), ("x" * 32, True), ("", True), ("项", False)])
def test_a_locked_cells_sheet_has_an_excel_sheet_name_length(sheet, bad):
    assert ("locked_cells" in problems(Identity(fields(), [LockedCell(sheet, "A1", "")]))) is bad


def test_only_the_first_bad_locked_cell_is_reported():
    got = identity_problems(Identity(fields(), [LockedCell("项目1", "A1", ""), LockedCell("项目1", "A0", ""),
                                                LockedCell("项目1", "B0", "")]))
    assert [p.value for p in got] == ["项目1!A0"]


def test_locked_cells_up_to_the_limit_are_checked_one_by_one_and_beyond_it_refused_by_count():
    from perfxl.integrity import _MAX_LOCKED
    many = [LockedCell("项目1", "A1", "")] * _MAX_LOCKED
    assert identity_problems(Identity(fields(), many)) == []
    got = identity_problems(Identity(fields(), many + [LockedCell("项目1", "A1", "")]))
    assert [(p.field, p.value) for p in got] == [("locked_cells", str(_MAX_LOCKED + 1))]


@pytest.mark.parametrize("codes, bad", [
    (["P"] * 2000, False), (["P"] * 2001, True), (["x" * 255], False), (["x" * 256], True), ([], False),
    ([""], False), ([1], True), ([["P"]], True)])
def test_project_codes_are_a_json_list_of_short_texts(codes, bad):
    f = fields(project_codes=json.dumps(codes), project_sheets=json.dumps(["s"] * len(codes)))
    assert ("project_codes" in problems(Identity(f))) is bad


@pytest.mark.parametrize("sheets, bad", [(["x" * 31], False), (["x" * 32], True), ([""], True), (["项目"], False)])
def test_project_sheets_are_a_json_list_of_sheet_names(sheets, bad):
    f = fields(project_codes=json.dumps(["P"] * len(sheets)), project_sheets=json.dumps(sheets))
    assert ("project_sheets" in problems(Identity(f))) is bad


@pytest.mark.parametrize("raw", ["[not json", '{"a": 1}', '"P1"', "[" * 100_000 + "]" * 100_000])
def test_project_codes_that_are_not_a_list_are_a_problem_and_read_as_none(raw):
    ident = Identity(fields(project_codes=raw))
    assert "project_codes" in problems(ident)
    assert ident.project_codes == []


def test_a_project_list_too_long_to_be_one_is_refused_before_it_is_parsed():
    raw = json.dumps(["x" * 255] * 2000)
    assert Identity(fields(project_codes=raw, project_sheets=json.dumps(["s"] * 2000))).project_codes != []
    assert "project_codes" in problems(Identity(fields(project_codes=raw + " " * 2000)))


def test_codes_and_sheets_of_different_lengths_are_a_problem_of_the_sheets():
    ident = Identity(fields(project_codes=json.dumps(["P1", "P2"]), project_sheets=json.dumps(["s"])))
    got = problems(ident)
    assert list(got) == ["project_sheets"] and "1 个工作表" in got["project_sheets"][0]
    assert "2 个" in got["project_sheets"][0]
    # the finding shows the list the office would look at: the sheets as the identity holds them
    assert [p.value for p in identity_problems(ident)] == [json.dumps(["s"])]


def test_missing_project_lists_mean_no_projects():
    f = fields()
    del f["project_codes"], f["project_sheets"]
    ident = Identity(f)
    assert identity_problems(ident) == [] and ident.project_codes == [] and ident.project_sheets == []


def test_a_shown_value_is_cut_at_forty_characters():
    got = identity_problems(Identity(fields(budget_year="9" * 50)))
    assert got[0].value == "9" * 40 + "…"
    assert identity_problems(Identity(fields(budget_year="9" * 40)))[0].value == "9" * 40


def test_a_list_field_is_refused_unparsed_only_past_the_longest_text_2000_items_can_take():
    """The length guard before json.loads: 2,000 items of 255 characters fit in 518,002 characters
    however they are spaced; one more character is refused without being parsed."""
    from perfxl.integrity import _text_list

    limit = 2000 * (255 + 4) + 2
    fits = "[" + " " * (limit - len('["a"]')) + '"a"]'
    assert len(fits) == limit and _text_list(fits) == ["a"]
    assert _text_list(fits[:1] + " " + fits[1:]) is None


def test_the_signed_form_of_an_identity_never_changes_so_issued_workbooks_keep_verifying():
    """Workbooks are issued in one month and come back in another, perhaps after perfxl was updated:
    the bytes a signature covers (JSON of the fields and the locked cells: its keys, compact
    separators, Chinese kept as UTF-8) are a contract with every workbook in circulation. These
    digests were recorded with perfxl 0.1.0; a change of the signed form fails here before it turns
    every returned workbook into S04."""
    f = {"unit_code": "115001", "unit_name": "承德市双滦区财政局", "budget_year": "2024",
         "project_codes": '["13081123P000000000001"]'}
    locked = [LockedCell("1.郭营子棚改本金利息", "B3", "郭营子棚改本金利息"), LockedCell("1.郭营子棚改本金利息", "H4", "5295")]
    assert sign(f, locked, None) == (SHA256_METHOD, "76fff3e6b5decb85f2530b8b0ff295b3288ea7265b0731eb83bfe363401c011d")
    assert sign(f, locked, b"office-key") == (
        HMAC_METHOD, "1569cc1e63d408a7a9fe193838bf4a9bd215aa477b54b1040671b336ceaca780")
