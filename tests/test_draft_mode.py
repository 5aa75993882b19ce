"""Draft mode (``--mode draft``): exactly the structural and identity findings, nothing else.

A unit checks its draft before it has filled everything in; the content rules would drown the one
thing it must fix now, a damaged workbook. The workbook here has both kinds of problems, so a
draft that drops everything (or keeps everything) fails as surely as one that drops the wrong kind.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
from perfxl.check import check_file, check_paths, load_register_index
from perfxl.cli import main
from perfxl.layout import ProjectLayout
from perfxl.model import unit_from_dict

from conftest import SAMPLES, table_file
from units import clean

P1, P2 = "1.郭营子棚改本金利息", "2.土地成本核算专项"
STRUCTURAL = {"S04", "S07", "S08"}  # what the workbook below gets from the reader and from the register


def _register(tmp_path):
    """The register as the office has it, where the unit's name differs from the workbook's (S08)."""
    u = clean()
    rows = [["单位编码", "单位名称", "项目编码", "项目名称", "预算数", "财政资金", "其他资金", "资金用途"]]
    for p in u["projects"]:
        f = p["funds"]
        rows.append([u["unit"]["code"], "另一个单位名称", p["code"], p["name"], f["total"], f["fiscal"], f["other"],
                     p["purpose"]])
    return table_file(tmp_path / "register.xlsx", rows)


@pytest.fixture
def damaged(tmp_path):
    """A returned workbook with structural problems (a locked amount changed: S04; text typed
    outside the form: S07) and content problems (F01, G01, P01, I04...)."""
    data = clean()
    data["projects"][0]["funds"]["total"] = 101.0         # F01: 101 ≠ 80 + 20 (issued so, locked and signed)
    data["projects"][0]["goals"] = []                       # G01
    data["projects"][0]["spend_plan"]["3月底"] = 40        # P01: the periods add up to 115
    data["projects"][0]["indicators"][0]["unit"] = None     # I04
    src = perfxl.write_workbook(unit_from_dict(data), perfxl.load_framework("hebei-2023"), tmp_path / "issued")
    wb = load_workbook(src)
    wb[P2][ProjectLayout(perfxl.load_framework("hebei-2023")).fiscal.a1] = 29   # S04
    wb[P1].cell(60, 20, "多写的")                                                # S07
    out = tmp_path / "returned" / src.name
    out.parent.mkdir()
    wb.save(out)
    return out, load_register_index(_register(tmp_path))


def _codes(findings) -> set[str]:
    return {f.code for f in findings}


def _places(findings) -> list[tuple]:
    return sorted((f.code, f.sheet or "", f.cell or "", f.message) for f in findings)


def test_submit_mode_reports_structural_and_content_findings(damaged):
    path, register = damaged
    codes = _codes(check_file(path, register=register).report.findings)
    assert STRUCTURAL <= codes and {"F01", "G01", "P01", "I04"} <= codes


def test_draft_mode_reports_exactly_the_structural_findings_of_submit_mode(damaged):
    path, register = damaged
    submit = check_file(path, register=register).report.findings
    draft = check_file(path, register=register, mode="draft").report.findings
    assert _codes(draft) == STRUCTURAL
    assert _places(draft) == _places([f for f in submit if f.code.startswith("S")])


def test_draft_mode_over_a_folder_skips_the_rules_across_files(damaged):
    path, register = damaged
    copy = path.parent / "copy.xlsx"
    copy.write_bytes(path.read_bytes())  # the same unit twice: X04 (and X01) in submit mode only
    draft = check_paths([path.parent], register=register, mode="draft")
    assert [_codes(c.report.findings) for c in draft.files] == [STRUCTURAL, STRUCTURAL]
    submit = check_paths([path.parent], register=register)
    assert all({"X04"} <= _codes(c.report.findings) for c in submit.files)


def test_draft_mode_on_a_units_json_keeps_only_the_identity_findings(tmp_path):
    data = clean()
    data["projects"][0]["funds"]["total"] = 101.0
    src = tmp_path / "115001.json"
    src.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    register = load_register_index(_register(tmp_path))
    assert _codes(check_file(src, register=register, mode="draft").report.findings) == {"S08"}
    assert {"S08", "F01"} <= _codes(check_file(src, register=register).report.findings)


def test_draft_mode_through_the_cli_gives_the_same_structural_findings(damaged, tmp_path):
    path, _ = damaged
    register = _register(tmp_path)
    r = CliRunner().invoke(main, ["check", str(path), "--register", str(register), "--mode", "draft",
                                  "--format", "json"], catch_exceptions=False)
    assert r.exit_code == 1  # S04 and S07 are errors: a damaged draft is not valid
    (report,) = json.loads(r.stdout)["files"]
    assert {f["code"] for f in report["findings"]} == STRUCTURAL


def test_draft_mode_on_a_self_evaluation_keeps_only_the_structural_findings(tmp_path):
    """A self-evaluation's own rules (E codes) wait for submit mode, as the goal table's do."""
    fw = perfxl.load_framework("hebei-2023")
    se = perfxl.selfeval_from_goals(perfxl.load_unit(SAMPLES / "units" / "108001.json"), fw)
    path = perfxl.write_selfeval_workbook(se, fw, tmp_path)  # nothing filled in: E findings
    submit = {f.code for f in check_file(path).report.findings}
    assert any(code.startswith("E") for code in submit)
    draft = {f.code for f in check_file(path, mode="draft").report.findings}
    assert draft == {code for code in submit if code.startswith("S")}
