"""Key policy and identity values, as a hostile sender attacks them (issue 11, attacks 1, 2, 10, 11).

Each forged workbook is the issued one edited with openpyxl, as a unit would edit it: locked cells
changed, the identity sheet rewritten and re-signed with whatever method the forger can compute.
"""
from __future__ import annotations

import json
import os
import time
from datetime import timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
from perfxl.check import check_file, check_paths, load_register_index, read_return, saved_time
from perfxl.cli import main
from perfxl.errors import PerfxlError
from perfxl.export import export_unit
from perfxl.integrity import LockedCell, canonical, identity_rows, parse_identity_rows, sign
from perfxl.layout import IDENTITY_SHEET, ProjectLayout

from conftest import SAMPLES

KEY = b"office-secret"
OTHER_KEY = b"another-office"
UNSIGNED = ("signature", "signature_method")
REGISTER = SAMPLES / "register.xlsx"


@pytest.fixture(scope="module")
def hebei_fw():
    return perfxl.load_framework("hebei-2023")


@pytest.fixture(scope="module")
def issued(tmp_path_factory, hebei_fw):
    """The seed unit's workbook issued with the office's key, and one issued without a key."""
    seed = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    folder = tmp_path_factory.mktemp("issued")
    keyed = perfxl.write_workbook(seed, hebei_fw, folder / "keyed", key=KEY)
    plain = perfxl.write_workbook(seed, hebei_fw, folder / "plain")
    return {"keyed": keyed, "plain": plain}


@pytest.fixture(scope="module")
def register():
    return load_register_index(REGISTER)


def _identity(wb) -> tuple[dict[str, str], list[LockedCell]]:
    ident = parse_identity_rows([[c.value for c in row] for row in wb[IDENTITY_SHEET].iter_rows()])
    return dict(ident.fields), list(ident.locked)


def forge(src: Path, dst: Path, *, cells: dict | None = None, fields: dict | None = None, drop_locked=None,
          resign: str | None = "sha256", key: bytes | None = None, raw_fields: dict | None = None) -> Path:
    """Edit ``src`` as a forger would: change cells (and their locked values), identity fields, drop a locked
    cell from the list, then re-sign (``sha256``: no key needed; ``hmac`` with ``key``; None: keep the old
    signature). ``raw_fields`` are written after signing (a method or signature of the forger's choice)."""
    wb = load_workbook(src)
    f, locked = _identity(wb)
    for (sheet, ref), value in (cells or {}).items():
        wb[sheet][ref] = value
        locked = [LockedCell(c.sheet, c.cell, canonical(value)) if (c.sheet, c.cell) == (sheet, ref) else c
                  for c in locked]
    f.update(fields or {})
    if drop_locked is not None:
        locked = [c for c in locked if (c.sheet, c.cell) != drop_locked]
    if resign is not None:
        method, digest = sign({k: v for k, v in f.items() if k not in UNSIGNED}, locked,
                              key if resign == "hmac" else None)
        f.update(signature_method=method, signature=digest)
    f.update(raw_fields or {})
    ws = wb[IDENTITY_SHEET]
    for row in ws.iter_rows():
        for c in row:
            c.value = None
    for r, row in enumerate(identity_rows(f, locked), start=1):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, v)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def _project_cells(path: Path, hebei_fw) -> tuple[str, ProjectLayout]:
    wb = load_workbook(path, read_only=True)
    f, _ = _identity(wb)
    return json.loads(f["project_sheets"])[0], ProjectLayout(hebei_fw)


def codes(checked) -> list[str]:
    return sorted(f.code for f in checked.report.findings)


def _s04_whats(checked) -> list[str]:
    return [f.message for f in checked.report.findings if f.code == "S04"]


# ---------------------------------------------------------------- attack 1: the key decides the method


def test_genuine_keyed_workbook_verifies_with_its_key(issued, register):
    got = check_file(issued["keyed"], key=KEY, register=register)
    assert "S04" not in codes(got) and "S08" not in codes(got) and "F03" not in codes(got)


def test_with_key_a_name_and_purpose_change_resigned_with_plain_sha256_is_s04(issued, register, hebei_fw, tmp_path):
    sheet, L = _project_cells(issued["keyed"], hebei_fw)
    forged = forge(issued["keyed"], tmp_path / "forged.xlsx",
                   cells={(sheet, L.name.a1): "别的项目", (sheet, L.purpose.a1): "别的用途"}, resign="sha256")
    got = check_file(forged, key=KEY, register=register)
    assert "S04" in codes(got) and not got.report.valid
    # the office's key fails it even without a register
    assert "S04" in codes(check_file(forged, key=KEY))


@pytest.mark.parametrize("raw", [{"signature_method": "md5"}, {"signature_method": ""}, {"signature": ""},
                                 {"signature_method": "hmac-sha256", "signature": "0" * 64}])
def test_with_key_another_method_or_a_missing_signature_is_s04(issued, tmp_path, raw):
    forged = forge(issued["keyed"], tmp_path / "f.xlsx", resign=None, raw_fields=raw)
    assert "S04" in codes(check_file(forged, key=KEY))


def test_with_key_an_hmac_made_with_another_key_is_s04(issued, tmp_path):
    forged = forge(issued["keyed"], tmp_path / "f.xlsx", fields={"unit_name": "别的单位"}, resign="hmac", key=OTHER_KEY)
    assert "S04" in codes(check_file(forged, key=KEY))


def test_with_key_a_changed_budget_year_or_a_dropped_locked_cell_is_s04(issued, hebei_fw, tmp_path):
    year = forge(issued["keyed"], tmp_path / "y.xlsx", fields={"budget_year": "2024"}, resign="sha256")
    assert "S04" in codes(check_file(year, key=KEY))
    sheet, L = _project_cells(issued["keyed"], hebei_fw)
    dropped = forge(issued["keyed"], tmp_path / "d.xlsx", drop_locked=(sheet, L.total.a1), resign="sha256")
    assert "S04" in codes(check_file(dropped, key=KEY))


def test_without_key_a_resigned_change_passes_the_signature_but_not_the_register(issued, register, hebei_fw,
                                                                                   tmp_path):
    """SHA-256 proves no more than an accident (README): the register is what catches a re-signed edit."""
    sheet, L = _project_cells(issued["plain"], hebei_fw)
    forged = forge(issued["plain"], tmp_path / "forged.xlsx",
                   cells={(sheet, L.name.a1): "别的项目", (sheet, L.purpose.a1): "别的用途"}, resign="sha256")
    assert "S04" not in codes(check_file(forged))
    got = check_file(forged, register=register)
    places = {(f.code, f.sheet, f.cell) for f in got.report.findings}
    assert ("S04", sheet, L.name.a1) in places and ("S04", sheet, L.purpose.a1) in places


def test_without_key_a_resigned_department_change_is_s08_against_the_register(issued, register, tmp_path):
    forged = forge(issued["plain"], tmp_path / "f.xlsx", fields={"department_name": "别的部门"}, resign="sha256")
    assert "S08" not in codes(check_file(forged))
    assert "S08" in codes(check_file(forged, register=register))


def test_without_key_a_resigned_amount_change_is_f03_against_the_register(issued, register, hebei_fw, tmp_path):
    sheet, L = _project_cells(issued["plain"], hebei_fw)
    forged = forge(issued["plain"], tmp_path / "f.xlsx", cells={(sheet, L.total.a1): 1, (sheet, L.fiscal.a1): 1})
    assert "F03" in codes(check_file(forged, register=register))


def test_hmac_workbook_without_the_key_is_s04(issued):
    assert "S04" in codes(check_file(issued["keyed"]))


# ---------------------------------------------------------------- attack 2: nothing from a workbook is a path


@pytest.mark.parametrize("value", ["/dev/zero", "/dev/stdin", "/etc/passwd", "../../etc/passwd", "hebei-2023.json"])
def test_framework_field_is_never_opened_as_a_path(issued, tmp_path, value, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shipped = Path(perfxl.frameworks.__file__).parent  # any framework file a path could reach
    (tmp_path / "hebei-2023.json").write_text((SAMPLES.parent / "workbook_templates" / "frameworks" /
                                               "hebei-2023.json").read_text("utf-8"), "utf-8")
    forged = forge(issued["plain"], tmp_path / "f.xlsx", fields={"framework": value}, resign="sha256")
    t0 = time.monotonic()
    got = check_file(forged)
    assert time.monotonic() - t0 < 20
    assert codes(got) == ["S05"] and got.unit is None
    assert value[:40] in got.report.findings[0].message
    assert shipped.exists()


def test_an_identity_without_a_unit_code_is_read_as_no_code_and_c03_says_so(issued, tmp_path):
    """Nothing stands in for a missing 单位编码: the report names no unit, and C03 says the code is
    missing (not that some placeholder code is malformed)."""
    forged = forge(issued["plain"], tmp_path / "f.xlsx", fields={"unit_code": ""}, resign="sha256")
    got = check_file(forged)
    assert got.unit is not None and got.unit.unit.code == "" and got.report.unit_code in ("", None)
    c03 = [f for f in got.report.findings if f.code == "C03"]
    assert len(c03) == 1 and c03[0].value in ("", None) and "缺失" in c03[0].message


@pytest.mark.parametrize("length", [60, 61])
def test_an_unknown_framework_id_is_shown_whole_up_to_sixty_characters_then_cut(issued, tmp_path, length):
    """A forged id can be any length: S05 shows it whole while it fits a message (60 characters),
    else its first 60 and "…"."""
    fid = "".join(chr(ord("a") + i % 26) for i in range(length))
    forged = forge(issued["plain"], tmp_path / "f.xlsx", fields={"framework": fid}, resign="sha256")
    found = check_file(forged).report.findings
    shown = fid if length <= 60 else fid[:60] + "…"
    assert [f.code for f in found] == ["S05"] and found[0].value == shown
    assert f"“{shown}”" in found[0].message


def test_the_office_framework_file_is_used_for_a_workbook_naming_its_id(issued, tmp_path):
    """A province's own framework is given by the office (--framework FILE), never found from the workbook."""
    data = json.loads((SAMPLES.parent / "workbook_templates" / "frameworks" / "hebei-2023.json").read_text("utf-8"))
    data["id"] = "province-x"
    own = tmp_path / "province-x.json"
    own.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    forged = forge(issued["plain"], tmp_path / "f.xlsx", fields={"framework": "province-x"})
    assert codes(check_file(forged)) == ["S05"]  # not shipped, and the office gave none
    got = check_file(forged, framework=perfxl.load_framework(own))
    assert got.framework.id == "province-x" and "S05" not in codes(got) and got.unit is not None


def test_unit_json_framework_is_an_id_never_a_path(tmp_path):
    data = json.loads((SAMPLES / "units" / "115001.json").read_text("utf-8"))
    data["framework"] = "/etc/passwd"
    path = tmp_path / "115001.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    got = check_file(path)
    assert codes(got) == ["S05"] and "/etc/passwd" in got.report.findings[0].message


def test_export_of_a_workbook_naming_a_device_as_framework_is_a_clear_error(issued, tmp_path):
    forged = forge(issued["plain"], tmp_path / "f.xlsx", fields={"framework": "/dev/zero"})
    with pytest.raises(PerfxlError, match="/dev/zero"):
        export_unit(forged)


# ---------------------------------------------------------------- attack 10: identity values are parsed

MALFORMED = {
    "budget_year_chinese": ({"budget_year": "二〇二三"}, None, "budget_year"),
    "budget_year_5000_digits": ({"budget_year": "9" * 5000}, None, "budget_year"),
    "project_codes_not_json": ({"project_codes": "[not json"}, None, "project_codes"),
    "project_sheets_not_a_list": ({"project_sheets": '{"a": 1}'}, None, "project_sheets"),
    "locked_cell_999999": (None, "999999", "locked_cells"),
}


def _malformed(issued, tmp_path, case: str) -> Path:
    fields, address, _ = MALFORMED[case]
    if address is None:
        return forge(issued["plain"], tmp_path / f"{case}.xlsx", fields=fields)
    wb = load_workbook(issued["plain"])
    f, locked = _identity(wb)
    locked[0] = LockedCell(locked[0].sheet, address, locked[0].value)
    method, digest = sign({k: v for k, v in f.items() if k not in UNSIGNED}, locked, None)
    f.update(signature_method=method, signature=digest)
    ws = wb[IDENTITY_SHEET]
    for r, row in enumerate(identity_rows(f, locked), start=1):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, float(v) if v == address else v)  # as an office suite stores a number-like text
    out = tmp_path / f"{case}.xlsx"
    wb.save(out)
    return out


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_identity_value_is_s04_naming_the_field_in_check(issued, tmp_path, case):
    got = check_file(_malformed(issued, tmp_path, case))
    field = MALFORMED[case][2]
    assert "S01" not in codes(got) and "S04" in codes(got) and got.unit is None
    assert any(field in m for m in _s04_whats(got))


@pytest.mark.parametrize("command", ["export", "render", "check-annotate"])
@pytest.mark.parametrize("case", ["budget_year_chinese", "project_codes_not_json", "locked_cell_999999"])
def test_malformed_identity_value_is_a_message_not_a_traceback(issued, tmp_path, case, command):
    path = _malformed(issued, tmp_path, case)
    field = MALFORMED[case][2]
    args = {"export": ["export", str(path)], "render": ["render", str(path), "-o", str(tmp_path / "out") + "/"],
            "check-annotate": ["check", str(path), "--annotate", str(tmp_path / "ann")]}[command]
    r = CliRunner().invoke(main, args)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert "Traceback" not in r.output and "内部错误" not in r.output
    assert field in r.output
    assert r.exit_code == (1 if command == "check-annotate" else 2)


# ---------------------------------------------------------------- attack 11: dates are parsed


@pytest.mark.parametrize("text,expected", [
    ("2024-03-01T08:00:00Z", (2024, 3, 1, 8, 0)),
    ("2024-03-01T16:00:00+08:00", (2024, 3, 1, 8, 0)),
    ("2024-03-01", (2024, 3, 1, 0, 0)),
    ("2024-03-01T08:00:00.123Z", (2024, 3, 1, 8, 0)),
])
def test_saved_time_is_parsed_as_a_utc_datetime(text, expected):
    got = saved_time(text)
    assert got.tzinfo == timezone.utc and (got.year, got.month, got.day, got.hour, got.minute) == expected


@pytest.mark.parametrize("text", ["x", "", None, "2024-02-31T00:00:00Z", "9999999-01-01", "２０２４-01-01"])
def test_unparseable_saved_time_ranks_oldest(text):
    assert saved_time(text) < saved_time("1900-01-01T00:00:00Z")


def _set_modified(src: Path, dst: Path, modified: str) -> Path:
    import re
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + modified.encode() + rb"\g<2>", data)
            zout.writestr(info, data)
    return dst


def test_a_copy_with_an_unparseable_saved_time_never_beats_the_genuine_one(issued, tmp_path):
    folder = tmp_path / "round"
    folder.mkdir()
    genuine = _set_modified(issued["plain"], folder / "a_genuine.xlsx", "2023-03-01T09:00:00Z")
    tampered = _set_modified(issued["plain"], folder / "z_tampered.xlsx", "x")
    os.utime(tampered, (time.time() + 3600, time.time() + 3600))  # newer on disk, too
    run = check_paths([folder])
    taken = [c for c in run.files if c.superseded_by is None]
    assert [Path(c.path).name for c in taken] == [genuine.name]
    assert read_return(genuine).modified == "2023-03-01T09:00:00Z"


def test_read_workbook_called_directly_never_opens_the_framework_field(issued, tmp_path):
    """The library's reader, called without check's guard, looks the framework up by id too: a workbook
    naming a real framework file by its path gets S05, and the file is not used."""
    data = json.loads((SAMPLES.parent / "workbook_templates" / "frameworks" / "hebei-2023.json").read_text("utf-8"))
    path = tmp_path / "planted.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    forged = forge(issued["plain"], tmp_path / "f.xlsx", fields={"framework": str(path)}, resign="sha256")
    got = perfxl.read_workbook(forged)
    assert [f.code for f in got.findings] == ["S05"] and got.unit is None
