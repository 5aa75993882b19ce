"""Schema version 2: perfxl's own unit-goals schema is the authority; it only adds optional fields to the
baseline (shared/spec/unit-goals.schema.json), so every version-1 document stays valid, and the model
carries the new fields through JSON, and through the workbook where the framework declares them."""
from __future__ import annotations

import json

import jsonschema
import pytest

import perfxl
from perfxl.errors import PerfxlError, UnitDataError
from perfxl.model import SCHEMA, SCHEMA_V1, dump_unit, unit_from_dict, unit_to_dict, validate_unit_dict
from perfxl.reader import read_workbook
from perfxl.writer import render_workbook, write_workbook

from conftest import SAMPLES, SHARED
from units import clean

ADDED_PROPERTIES = {
    ("properties",): {"schema_version"},
    ("properties", "department_goals", "properties"): {"indicators"},
    ("$defs", "project", "properties"): {"attribute", "period", "period_goals", "period_indicators"},
    ("$defs", "project", "properties", "funds", "properties"): {"sources"},
    ("$defs", "indicator", "properties"): {"value_type", "weight", "direction"},
    ("$defs",): {"fund_source"},
}


def _only_adds(v1, v2, path=()):
    """Every keyword of v1 is in v2 with the same meaning; v2's extra keys are the listed optional
    properties (never required) and their $defs. Texts for people (title, description) may differ."""
    if isinstance(v1, dict):
        assert isinstance(v2, dict), path
        extra = set(v2) - set(v1)
        assert extra <= ADDED_PROPERTIES.get(path, set()), (path, extra)
        for k in v1:
            if k in ("title", "description", "$id"):
                continue
            _only_adds(v1[k], v2[k], path + (k,))
    else:
        assert v1 == v2, path


def test_v2_only_adds_optional_fields_to_the_baseline():
    _only_adds(SCHEMA_V1, SCHEMA)
    assert SCHEMA["$defs"]["project"]["required"] == SCHEMA_V1["$defs"]["project"]["required"]
    assert SCHEMA["required"] == SCHEMA_V1["required"]


def test_the_kept_baseline_is_the_shared_spec():
    spec = SHARED / "spec" / "unit-goals.schema.json"
    if not spec.is_file():
        pytest.skip("shared/spec not beside this checkout")
    assert SCHEMA_V1 == json.loads(spec.read_text("utf-8"))


def _v1_documents():
    docs = [json.loads(f.read_text("utf-8")) for f in sorted((SAMPLES / "units").glob("*.json"))]
    docs.append(json.loads((SAMPLES / "frameworks" / "mof-2021.json").read_text("utf-8")))
    docs.append(clean())
    odd = clean()  # the edges of the baseline: nulls, text values, an empty department part, 元
    odd.update(money_unit="元", department_goals={})
    odd["projects"][0].update(funds={"total": "一百"}, spend_plan={"3月底": None, "任意": "三成"}, goals=[])
    odd["projects"][0]["indicators"][0].update(operator=None, value="≥90%", unit=None, basis=None, description=None)
    docs.append(odd)
    return docs


@pytest.mark.parametrize("doc", _v1_documents(), ids=lambda d: d["unit"]["code"] + str(d.get("money_unit")))
def test_every_baseline_document_is_valid_under_v2(doc):
    jsonschema.Draft202012Validator(SCHEMA_V1).validate(doc)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert "schema_version" not in unit_to_dict(unit_from_dict(doc))  # and is written back as version 1


def full_v2() -> dict:
    d = clean()
    d["schema_version"] = 2
    d["department_goals"]["indicators"] = [
        {"level1": "产出指标", "level2": "数量指标", "name": "收储土地面积", "description": None, "operator": "≥",
         "value": 500, "unit": "亩", "value_note": None, "basis": "计划标准", "value_type": "定量", "weight": 100,
         "direction": "正向"}]
    p = d["projects"][0]
    p["funds"]["sources"] = [{"source": "上级补助", "level": "省", "amount": 60.0}, {"source": "本级财政", "amount": 40.0}]
    p.update(attribute="延续", period={"start": "2022-07", "end": "2024-06"}, period_goals=["三年内还清全部本息"],
             period_indicators=[dict(p["indicators"][0], name="累计还款笔数", value=12)])
    for ind, w in zip(p["indicators"], (20, 10, 10, 20, 20, 10, 10)):
        ind.update(weight=w, direction="正向", value_type="定性" if ind["operator"] == "定性" else "定量")
    return d


def test_v2_document_round_trips_and_says_its_version(tmp_path):
    d = full_v2()
    validate_unit_dict(d)
    u = unit_from_dict(d)
    assert u.projects[0].funds.sources[0].level == "省" and u.projects[0].period.end == "2024-06"
    assert u.department_goals.indicators[0].weight == 100
    assert unit_to_dict(u) == d
    f = tmp_path / "v2.json"
    f.write_text(dump_unit(u), "utf-8")
    assert perfxl.load_unit(f) == u
    u.schema_version = None  # a v2 field in use: written as version 2 whatever the model said
    assert unit_to_dict(u)["schema_version"] == 2


@pytest.mark.parametrize("mutate, where", [
    (lambda d: d["projects"][0].update(attribute="持续"), "/projects/0/attribute"),
    (lambda d: d["projects"][0]["indicators"][0].update(direction="up"), "/projects/0/indicators/0/direction"),
    (lambda d: d["projects"][0]["period"].update(start="2023/07"), "/projects/0/period/start"),
    (lambda d: d["projects"][0]["funds"]["sources"][0].update(source="专项债"), "/projects/0/funds/sources/0/source"),
    (lambda d: d.update(schema_version=3), "/schema_version"),
])
def test_v2_values_outside_the_schema_are_named(mutate, where):
    d = full_v2()
    mutate(d)
    with pytest.raises(UnitDataError) as e:
        unit_from_dict(d, "x.json")
    assert where in str(e.value)


def test_hebei_workbook_refuses_fields_it_has_no_cells_for():
    u = unit_from_dict(full_v2())
    with pytest.raises(PerfxlError) as e:
        render_workbook(u, perfxl.load_framework("hebei-2023"))
    for name in ("部门整体绩效指标", "资金来源", "权重", "指标方向", "项目属性", "实施期"):
        assert name in str(e.value)


def test_value_type_the_operator_already_says_is_no_obstacle():
    d = clean()
    for ind in d["projects"][0]["indicators"]:
        ind["value_type"] = "定性" if ind["operator"] == "定性" else "定量"
    render_workbook(unit_from_dict(d), perfxl.load_framework("hebei-2023"))  # nothing lost: no error


def test_declared_fields_go_through_the_workbook(tmp_path):
    u = perfxl.load_unit(SAMPLES / "frameworks" / "mof-2013.json")
    fw = perfxl.load_framework("mof-2013")
    read = read_workbook(write_workbook(u, fw, tmp_path), framework=fw)
    assert read.findings == []
    assert [p.indicators for p in read.unit.projects] == [p.indicators for p in u.projects]
    assert {i.weight for p in read.unit.projects for i in p.indicators} >= {10, 20}
    # right of the hidden helper columns, on the 年度 table's first row (below mof-2013's schema-v2 blocks)
    assert read.where(("indicator", 0, 0, "weight"))[1] == "AS19"


def test_a_weight_typed_as_text_reaches_i19(tmp_path):
    u = perfxl.load_unit(SAMPLES / "frameworks" / "mof-2013.json")
    u.projects[0].indicators[0].weight = "二十"
    fw = perfxl.load_framework("mof-2013")
    path = write_workbook(u, fw, tmp_path)
    from perfxl.check import check_file
    hits = [(f.code, f.cell) for f in check_file(path).report.findings if f.code == "I19"]
    assert hits == [("I19", "AS19")]
