"""The command line end to end, as the office runs it: templates signed with the office's key,
re-saved by another office suite, checked with ``--key-file``; English output; the PDF document.

Each test drives ``perfxl`` through click's CliRunner (the console script's own entry point) and
compares with the library's results instead of copying message text.
"""
from __future__ import annotations

import json
import re
import subprocess

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
from perfxl.check import check_paths
from perfxl.cli import main
from perfxl.layout import IDENTITY_SHEET, ProjectLayout
from perfxl.model import unit_from_dict

from conftest import SAMPLES, libreoffice_convert, require_writer
from units import clean

HEBEI = perfxl.load_framework("hebei-2023")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def run(*args, env=None):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, env=env)
    assert "Traceback" not in result.output, result.output
    return result


def _json_findings(result) -> list[dict]:
    return [f for file in json.loads(result.stdout)["files"] for f in file["findings"]]


# ---------------------------------------------------------------- HMAC after a LibreOffice re-save

@pytest.fixture(scope="module")
def office_key(tmp_path_factory):
    path = tmp_path_factory.mktemp("key") / "office.key"
    path.write_bytes(b"office-secret-2024\n")
    return path


@pytest.fixture(scope="module")
def resaved(tmp_path_factory, soffice, office_key):
    """A filled workbook (template --data) and a blank one (template from the register), both made
    with the office's key through the CLI and then re-saved by LibreOffice."""
    d = tmp_path_factory.mktemp("hmac")
    data = d / "115001.json"
    data.write_text(json.dumps(clean(), ensure_ascii=False), "utf-8")
    assert run("template", "--data", data, "-o", d / "filled", "--key-file", office_key).exit_code == 0
    assert run("template", SAMPLES / "register.xlsx", "-o", d / "blank", "--year", 2024,
               "--key-file", office_key).exit_code == 0
    (filled,) = (d / "filled").glob("*.xlsx")
    blank = sorted((d / "blank").glob("*.xlsx"))[0]
    return {"filled": libreoffice_convert(soffice, filled, d / "lo-filled"),
            "blank": libreoffice_convert(soffice, blank, d / "lo-blank")}


@pytest.mark.parametrize("which", ["filled", "blank"])
def test_hmac_signature_still_verifies_after_libreoffice_resaved_the_workbook(resaved, office_key, which,
                                                                             monkeypatch):
    monkeypatch.delenv("PERFXL_KEY", raising=False)
    r = run("check", resaved[which], "--key-file", office_key, "--format", "json")
    codes = {f["code"] for f in _json_findings(r)}
    assert "S04" not in codes and not codes & {"S01", "S03", "S07"}
    if which == "filled":
        assert r.exit_code == 0 and codes == set()


def test_hmac_workbook_checked_without_the_key_is_s04(resaved, monkeypatch):
    monkeypatch.delenv("PERFXL_KEY", raising=False)
    r = run("check", resaved["filled"], "--format", "json")
    assert r.exit_code == 1
    assert [(f["code"], f["cell"]) for f in _json_findings(r)] == [("S04", None)]


def test_hmac_workbook_checked_with_the_key_in_perfxl_key_verifies(resaved, office_key, monkeypatch):
    monkeypatch.setenv("PERFXL_KEY", office_key.read_text().strip())
    assert run("check", resaved["filled"], "--format", "json").exit_code == 0


def test_a_locked_value_changed_after_the_resave_fails_with_s04_at_its_cell(resaved, office_key, tmp_path,
                                                                          monkeypatch):
    monkeypatch.delenv("PERFXL_KEY", raising=False)
    wb = load_workbook(resaved["filled"])
    sheet = wb.sheetnames[2]  # the first project's sheet
    total = ProjectLayout(HEBEI).total.a1
    wb[sheet][total] = 9999
    wb.save(tmp_path / "tampered.xlsx")
    r = run("check", tmp_path / "tampered.xlsx", "--key-file", office_key, "--format", "json")
    assert r.exit_code == 1
    assert [(f["code"], f["sheet"], f["cell"]) for f in _json_findings(r) if f["code"].startswith("S")] == [
        ("S04", sheet, total)]


def test_an_identity_edited_after_the_resave_fails_the_signature(resaved, office_key, tmp_path, monkeypatch):
    monkeypatch.delenv("PERFXL_KEY", raising=False)
    wb = load_workbook(resaved["filled"])
    for row in wb[IDENTITY_SHEET].iter_rows():
        if row[0].value == "unit_name":
            row[1].value = "别的单位"
    wb.save(tmp_path / "forged.xlsx")
    r = run("check", tmp_path / "forged.xlsx", "--key-file", office_key, "--format", "json")
    assert r.exit_code == 1
    assert [(f["code"], f["cell"]) for f in _json_findings(r) if f["code"].startswith("S")] == [("S04", None)]


# ---------------------------------------------------------------- English

@pytest.fixture(scope="module")
def seed_workbook(tmp_path_factory):
    return perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / "115001.json"), HEBEI,
                                 tmp_path_factory.mktemp("seed"))


def _assert_english_table(output: str, path) -> None:
    findings = check_paths([path]).report.files[0].sorted_findings()
    assert findings, "the seed has findings to show"
    for f in findings:
        assert f.message_en in output, f.code
        assert f.message not in output, f.code
    # Outside the cited cells and values (sheet names, the unit's own text), the table is English.
    assert len(_CJK.findall(output)) < len(output) // 4


def test_check_lang_en_gives_english_findings(seed_workbook):
    r = run("check", seed_workbook, "--lang", "en")
    assert r.exit_code == 1
    _assert_english_table(r.stdout, seed_workbook)


def test_perfxl_lang_en_in_the_environment_gives_english_findings(seed_workbook):
    r = run("check", seed_workbook, env={"PERFXL_LANG": "en"})
    assert r.exit_code == 1
    _assert_english_table(r.stdout, seed_workbook)


def test_check_without_lang_gives_chinese_findings(seed_workbook, monkeypatch):
    monkeypatch.delenv("PERFXL_LANG", raising=False)
    r = run("check", seed_workbook)
    for f in check_paths([seed_workbook]).report.files[0].findings:
        assert f.message in r.stdout, f.code


# ---------------------------------------------------------------- render --pdf

def test_render_pdf_through_the_cli_shows_the_units_tables(tmp_path, soffice, pdftotext, seed_workbook):
    require_writer(soffice)
    out = tmp_path / "文本.docx"
    r = run("render", seed_workbook, "-o", out, "--pdf", "--reviewer", "承德市高新区")
    assert r.exit_code == 0, r.output
    pdf = out.with_suffix(".pdf")
    assert out.is_file() and pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run([pdftotext, "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    seed = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    expected = [seed.unit.name, "承德市高新区", *(p.code for p in seed.projects), *(p.name for p in seed.projects),
                *(s.name for s in seed.department_goals.sections),
                *(i.name for p in seed.projects for i in p.indicators)]
    missing = [s for s in expected if "".join(s.split()) not in flat]
    assert missing == []


# ---------------------------------------------------------------- the template the CLI writes

def test_every_input_cell_of_a_cli_template_prompts_in_chinese(tmp_path):
    from test_validations import MESSAGE_MAX, TITLE_MAX, _unlocked_cells, validation_at

    assert run("template", SAMPLES / "register.xlsx", "-o", tmp_path, "--year", 2024).exit_code == 0
    path = sorted(tmp_path.glob("*.xlsx"))[0]
    wb = load_workbook(path)
    inputs = 0
    for ws in wb.worksheets:
        for ref in _unlocked_cells(ws):
            dv = validation_at(ws, ref)
            assert dv.showInputMessage and _CJK.search(dv.promptTitle or "") and _CJK.search(dv.prompt or ""), ref
            assert len(dv.promptTitle) <= TITLE_MAX and len(dv.prompt) <= MESSAGE_MAX
            inputs += 1
    assert inputs > 100
