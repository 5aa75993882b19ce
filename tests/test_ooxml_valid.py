"""Every .xlsx and .docx perfxl writes is valid OOXML, checked by a schema validator.

Validator: ``openxml-audit`` (PyPI, pure Python over lxml). It is a port of the validation of
Microsoft's Open XML SDK (the validator Office's own developers use): package structure,
relationships and content types, every XML part against the ECMA-376/ISO 29500 schemas it ships as
data (so it runs offline), and the SDK's semantic checks, for xlsx and docx alike. The alternatives
were weaker: the .NET SDK itself reaches neither PyPI nor Debian here, and plain XSD validation
with ``xmlschema``/``lxml`` needs the ECMA-376 XSDs, which no PyPI or Debian package ships, and
would miss the package and semantic checks.

Two things it does not do, and this module adds:

- A part that is not well-formed XML is reported only for ``xl/workbook.xml``; for any other part
  (a worksheet holding a raw control character in a formula, say) the parse error is dropped and
  the file "validates". :func:`malformed_parts` parses every XML part strictly, so such a file fails.
- Its version level is chosen here: workbooks at Office 2007 (the oldest Excel the units use),
  documents at Office 2010 (python-docx's own base template writes Word 2010 table-look
  attributes, which every generated document inherits).

:func:`test_validator_catches_what_it_must` proves on mutated copies that both checks can fail.

Cases: templates of both shipped frameworks (from the register), prefilled templates
(``template --data``), annotated returns of both frameworks, the findings workbook, the summary,
the rendered document of both frameworks, a 150-project unit (workbook only: rendering its document
takes about 40 s), and hostile text handed straight to the writer and the renderer (control
characters in a project name or purpose, a 31-character name outside the BMP). A known defect is an
``xfail(strict=True)`` naming the error: when it is fixed the test XPASSes and fails, so the mark
must then be removed.
"""
from __future__ import annotations

import copy
import json
import warnings
import zipfile
from pathlib import Path
from typing import Callable

import pytest
from lxml import etree

import perfxl
from perfxl.check import annotate, check_file, check_paths
from perfxl.errors import PerfxlError
from perfxl.generate import templates_from_data, templates_from_register
from perfxl.model import unit_from_dict
from perfxl.render import render_document
from perfxl.report_out import findings_workbook
from perfxl.summary import write_summary

from conftest import SAMPLES
from units import clean

openxml_audit = pytest.importorskip("openxml_audit")  # the test extra; under CI a skip is a failure
from openxml_audit import FileFormat, OpenXmlValidator, ValidationSeverity  # noqa: E402

XLSX_VALIDATOR = OpenXmlValidator(file_format=FileFormat.OFFICE_2007, max_errors=0)
DOCX_VALIDATOR = OpenXmlValidator(file_format=FileFormat.OFFICE_2010, max_errors=0)


def malformed_parts(path: Path) -> list[str]:
    """Every XML part of the package that a strict XML 1.0 parser refuses (openxml-audit drops these)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    refused = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                try:
                    etree.fromstring(z.read(name), parser)
                except etree.XMLSyntaxError as e:
                    refused.append(f"[well-formed] /{name}: {e}")
    return refused


def problems(path: Path) -> list[str]:
    """Every error the validator reports for one produced file, plus every malformed part."""
    validator = DOCX_VALIDATOR if path.suffix == ".docx" else XLSX_VALIDATOR
    result = validator.validate(path)
    found = [str(e) for e in result.errors if e.severity == ValidationSeverity.ERROR]
    return found + malformed_parts(path)


def assert_valid(paths: list[Path]) -> None:
    assert paths, "the case produced no file"
    bad = {p.name: problems(p) for p in paths}
    bad = {name: errors[:10] for name, errors in bad.items() if errors}
    assert not bad, bad


# ---------------------------------------------------------------- the units the cases write

def unit_data(framework: str, *, projects: int | None = None) -> dict:
    """The clean unit of tests/units.py, its spend plan fitted to ``framework``; optionally with
    ``projects`` copies of its first project."""
    fw = perfxl.load_framework(framework)
    data = clean()
    data["framework"] = framework
    plan = [10, 40, 70, 100] if fw.spend_mode == "cumulative" else [10, 40, 30, 20]
    for p in data["projects"]:
        p["spend_plan"] = dict(zip(fw.milestones, plan))
    if projects:
        first = data["projects"][0]
        data["projects"] = []
        for i in range(projects):
            p = copy.deepcopy(first)
            p["code"], p["name"] = f"13081124P{i:012d}", f"项目{i:03d}"
            data["projects"].append(p)
    return data


def written(data: dict, out: Path) -> Path:
    """The unit's workbook, written by the library."""
    return perfxl.write_workbook(unit_from_dict(data), perfxl.load_framework(data["framework"]), out)


def docx_of(unit, path: Path) -> Path:
    path.write_bytes(render_document(unit))
    return path


# ---------------------------------------------------------------- the cases

def templates(framework: str) -> Callable[[Path], list[Path]]:
    return lambda tmp: templates_from_register(SAMPLES / "register.csv", tmp, budget_year=2024,
                                               framework=framework).paths


def prefilled_samples(tmp: Path) -> list[Path]:
    """``template --data`` over the shipped sample units (hebei-2023, with their planted mistakes)."""
    return templates_from_data(sorted((SAMPLES / "units").glob("*.json")), tmp).paths


def prefilled_mof(tmp: Path) -> list[Path]:
    src = tmp / "115001.json"
    src.write_text(json.dumps(unit_data("mof-2021"), ensure_ascii=False), encoding="utf-8")
    return templates_from_data([src], tmp / "out").paths


def prefilled_from_last_year(tmp: Path) -> list[Path]:
    """``template --prefill``: this year's register, continuing projects from last year's units."""
    return templates_from_register(SAMPLES / "register.csv", tmp, budget_year=2024,
                                   prefill=SAMPLES / "units", roll_year=True).paths


def annotated_seed(tmp: Path) -> list[Path]:
    """The seed unit (hebei-2023, 20-odd findings), returned annotated."""
    seed = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    checked = check_file(perfxl.write_workbook(seed, perfxl.load_framework("hebei-2023"), tmp / "in"))
    assert checked.report.findings
    return [annotate(checked, tmp / "out")]


def annotated_mof(tmp: Path) -> list[Path]:
    data = unit_data("mof-2021")
    data["projects"][0]["indicators"][0]["unit"] = None  # a finding to mark
    checked = check_file(written(data, tmp / "in"))
    assert checked.report.findings
    return [annotate(checked, tmp / "out")]


def findings(tmp: Path) -> list[Path]:
    run = check_paths(sorted((SAMPLES / "units").glob("*.json")))
    assert not run.report.valid  # the planted mistakes, listed
    paths = []
    for lang in ("zh", "en"):
        paths.append(tmp / f"findings_{lang}.xlsx")
        paths[-1].write_bytes(findings_workbook(run.report, lang))
    return paths


def summary(tmp: Path) -> list[Path]:
    returns = templates_from_data(sorted((SAMPLES / "units").glob("*.json")), tmp / "returns").paths
    round_ = perfxl.consolidate(returns, SAMPLES / "register.csv", budget_year=2023)
    return [write_summary(round_, tmp / "汇总.xlsx")]


def document_seed(tmp: Path) -> list[Path]:
    return [docx_of(perfxl.load_unit(SAMPLES / "units" / "115001.json"), tmp / "seed.docx")]


def document_mof(tmp: Path) -> list[Path]:
    return [docx_of(unit_from_dict(unit_data("mof-2021")), tmp / "mof.docx")]


def many_projects(tmp: Path) -> list[Path]:
    """150 projects: the longest status formula, 152 sheets, the longest custom properties."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # XlsxWriter's warning on the project-code property (issue 11, 12)
        return [written(unit_data("hebei-2023", projects=150), tmp)]


def hostile_unit(field: str, text: str):
    """The clean unit with ``text`` put straight into its first project's ``field``: past the entry
    points' hygiene (register, JSON, import refuse it), so the writer's own defence is what is tested."""
    unit = unit_from_dict(unit_data("hebei-2023"))
    setattr(unit.projects[0], field, text)
    return unit


def hostile_text(field: str, text: str) -> Callable[[Path], list[Path]]:
    """Control characters, or a 31-character name outside the BMP (62 UTF-16 units): the writer either
    writes a valid workbook or refuses with a PerfxlError; anything else fails the case."""
    def case(tmp: Path) -> list[Path]:
        try:
            return [perfxl.write_workbook(hostile_unit(field, text), perfxl.load_framework("hebei-2023"), tmp)]
        except PerfxlError:
            return []
    return case


def hostile_text_document(field: str, text: str) -> Callable[[Path], list[Path]]:
    """The same for the rendered document."""
    def case(tmp: Path) -> list[Path]:
        try:
            return [docx_of(hostile_unit(field, text), tmp / "hostile.docx")]
        except PerfxlError:
            return []
    return case


CASES = [
    pytest.param(templates("hebei-2023"), id="template-hebei-2023"),
    pytest.param(templates("mof-2021"), id="template-mof-2021"),
    pytest.param(prefilled_samples, id="prefilled-data-hebei-2023"),
    pytest.param(prefilled_mof, id="prefilled-data-mof-2021"),
    pytest.param(prefilled_from_last_year, id="prefilled-from-last-year"),
    pytest.param(annotated_seed, id="annotated-hebei-2023"),
    pytest.param(annotated_mof, id="annotated-mof-2021"),
    pytest.param(findings, id="findings"),
    pytest.param(summary, id="summary"),
    pytest.param(document_seed, id="document-hebei-2023"),
    pytest.param(document_mof, id="document-mof-2021"),
    pytest.param(many_projects, id="150-projects"),
    pytest.param(hostile_text("name", "项目\x07名称"), id="control-bel-name"),
    pytest.param(hostile_text("name", "项目\t名称"), id="control-tab-name"),
    pytest.param(hostile_text("name", "项目\r\n名称"), id="control-crlf-name"),
    pytest.param(hostile_text("purpose", "用途\x07\x1b说明"), id="control-purpose"),
    pytest.param(hostile_text("name", "\U00020000" * 31), id="astral-31-name"),
    pytest.param(hostile_text_document("name", "项目\x07名称"), id="control-bel-document"),
]


@pytest.mark.parametrize("produce", CASES)
def test_every_produced_file_is_valid_ooxml(produce, tmp_path, request):
    paths = produce(tmp_path)
    if not paths and request.node.callspec.id.startswith(("control-", "astral-")):
        return  # the writer refused the hostile text with a clear error: no file, nothing to validate
    assert_valid(paths)


def test_rendered_document_carries_no_stale_styles_copy(tmp_path):
    """python-docx's stylesWithEffects.xml would disagree with the styles render.py sets (Word may call
    that unreadable content); the document leaves it out, and Word rebuilds it."""
    (path,) = document_seed(tmp_path)
    with zipfile.ZipFile(path) as z:
        assert "word/stylesWithEffects.xml" not in z.namelist()
        assert b"stylesWithEffects" not in z.read("word/_rels/document.xml.rels")
        assert b"stylesWithEffects" not in z.read("[Content_Types].xml")


# ---------------------------------------------------------------- the guard itself can fail

def _mutated(src: Path, dst: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, change(data) if info.filename == part else data)
    return dst


def test_validator_catches_what_it_must(tmp_path):
    """An unknown element, an undeclared attribute and a raw control character in a worksheet: each fails."""
    good = written(unit_data("hebei-2023"), tmp_path / "good")
    assert problems(good) == []
    sheet = "xl/worksheets/sheet2.xml"
    unknown = _mutated(good, tmp_path / "unknown.xlsx", sheet, lambda d: d.replace(b"<sheetData>", b"<sheetData><x/>", 1))
    assert any("Unexpected element 'x'" in p for p in problems(unknown))
    attribute = _mutated(good, tmp_path / "attr.xlsx", "xl/styles.xml", lambda d: d.replace(b"<fonts", b'<fonts z="1"', 1))
    assert any("'z' attribute is not declared" in p for p in problems(attribute))
    bel = _mutated(good, tmp_path / "bel.xlsx", sheet, lambda d: d.replace(b"<v>", b"<v>\x07", 1))
    assert XLSX_VALIDATOR.validate(bel).is_valid  # openxml-audit alone lets it through ...
    assert [p for p in problems(bel) if p.startswith(f"[well-formed] /{sheet}")]  # ... the strict parse does not
