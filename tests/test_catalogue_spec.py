"""Severities against the spec (shared/spec/rules.md), not against the catalogue they were built from.

A finding's severity comes from the catalogue, so comparing the two proves nothing. The spec is
the independent source: what offices were promised is an error must be one, in the catalogue and in
the findings each rule produces.
"""
from __future__ import annotations

import re

import pytest

import perfxl
from perfxl.catalogue import CATALOGUE
from perfxl.check import check_unit
from perfxl.findings import finding
from perfxl.model import unit_from_dict

from conftest import require_shared
from units import clean


@pytest.fixture(scope="module")
def spec_severity() -> dict[str, str]:
    text = require_shared("spec", "rules.md").read_text("utf-8")
    rows = re.findall(r"^\|\s*([A-Z]\d{2})\s*\|\s*(error|warning|info)\s*\|", text, flags=re.M)
    assert len(rows) >= 40, "the spec's rule tables were not found"
    return dict(rows)


# Codes the project added after the spec's last revision (rules.md: the catalogue "holds at least all of
# them"; new rules get new codes): each must not be one the spec reserves. The spec should reserve them.
PROJECT_CODES = {"F04": "error", "G07": "error"}  # issue 13: 资金来源, 项目属性/实施期


def test_every_catalogue_code_is_in_the_spec_with_the_same_severity(spec_severity):
    assert not set(PROJECT_CODES) & set(spec_severity)  # never a reserved code
    assert set(CATALOGUE) <= set(spec_severity) | set(PROJECT_CODES)
    known = {**spec_severity, **PROJECT_CODES}
    assert {c: r.severity for c, r in CATALOGUE.items()} == {c: known[c] for c in CATALOGUE}


def test_a_finding_built_without_a_severity_takes_the_specs(spec_severity):
    known = {**spec_severity, **PROJECT_CODES}
    for code in CATALOGUE:
        assert finding(code).severity == known[code], code


# Data that makes each rule fire, as in test_rules.py; severities asserted against the spec.
def _broken() -> dict:
    d = clean()
    p0, p1 = d["projects"]
    p0["funds"]["total"] = 101.0                                    # F01
    p1["funds"]["fiscal"] = -1                                       # F02
    p0["spend_plan"]["3月底"] = 30                                   # P01
    p1["spend_plan"]["6月底"] = "三成"                               # P02
    p0["goals"] = ["进一步提高还款效率，2023年完成"]                 # G03, G04
    p1["goals"] = ["目标内容1完成审计"]                              # G02
    d["department_goals"]["sections"] = []                          # G06
    p0["indicators"][0].update(name="-")                             # I03
    p0["indicators"][1].update(level2="社会效益指标")                # I02
    p0["indicators"][2].update(value="四次")                         # I05
    p0["indicators"][6].update(value=70)                             # I09
    p0["indicators"][3].update(operator="≥")                         # I08
    p1["indicators"][0].update(name="数量指标")                      # I13
    p1["indicators"][3].update(value=120)                            # I06 (满意度 in %), I09
    p1["code"] = "P0001"                                             # C01
    d["unit"]["code"] = "11500A"                                     # C03
    return d


def test_findings_of_each_rule_carry_the_specs_severity(spec_severity):
    findings = check_unit(unit_from_dict(_broken()), perfxl.load_framework("hebei-2023"))
    fired = {f.code for f in findings}
    assert fired >= {"F01", "F02", "P01", "P02", "G02", "G03", "G04", "G06", "I02", "I03", "I05", "I06", "I08",
                     "I09", "I13", "C01", "C03"}
    for f in findings:
        if f.code in ("I01", "I04"):
            continue  # their severity is the framework's setting (tested in test_rules.py)
        assert f.severity == spec_severity[f.code], (f.code, f.severity)


def test_a_message_is_chinese_unless_english_is_asked_for():
    info = CATALOGUE["I12"]
    assert info.render(count=2, minimum=3) == info.render("zh", count=2, minimum=3) == info.message_zh.format(
        count=2, minimum=3)
    assert info.render("en", count=2, minimum=3) == info.message_en.format(count=2, minimum=3)


def test_a_placeholder_a_check_did_not_fill_renders_as_nothing():
    info = CATALOGUE["I12"]
    assert info.render("zh", count=2) == info.message_zh.format(count=2, minimum="")


def test_an_entry_without_a_message_renders_its_title():
    from perfxl.catalogue import RuleInfo

    info = RuleInfo("Z99", "warning", "中文标题", "English title")
    assert (info.render(), info.render("zh"), info.render("en")) == ("中文标题", "中文标题", "English title")
