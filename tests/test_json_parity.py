"""``check`` of a unit's JSON and ``check`` of the workbook written from it give the same findings.

Both paths read a 指标值 through the one value parser (model.interpret_value over values.py): "100%",
"≥90%", "≥80财政拨入资金支付80%以上", "28.8万元" under 计量单位 "%" mean the same on both, so I04, I05, I06,
I16 and the rest agree. Hypothesis generates the units from the values staff really type.
"""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from perfxl.check import check_file
from perfxl.model import unit_from_dict
from perfxl.writer import write_workbook
from perfxl.frameworks import load_framework

from units import clean

VALUES = [None, 90, 100, 0.5, 120, "100%", "≥90%", "≥ 95", "＞＝８０", "不低于85%", "80%以上", "≤20万元", "28.8万元", "28.8%",
          "≥80财政拨入资金支付80%以上", "稳步提高", "按月安排", "四次", "达标", "2023.07-2024.01", "80-90%", "=100%",
          "≥8080%以上群众满意", "12个", "#N/A", "保障到位" * 9]
OPERATORS = [None, "≥", "≤", "=", ">", "<", "定性"]
UNITS = [None, "%", "万元", "个", "次", "％", "百分比"]
NOTES = [None, "财政拨入资金支付80%以上", "不超预算", "资金使用不超过年初预算的20%"]
LEVELS = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "成本指标"), ("效益指标", "社会效益指标"),
          ("效益指标", "经济效益指标"), ("满意度指标", "服务对象满意度指标")]
NAMES = ["按期还款笔数", "还款准确率", "资金支付及时率", "群众满意度", "项目完成情况", "支出的合规性", "核减成本比例"]

indicator = st.fixed_dictionaries({
    "level": st.sampled_from(LEVELS), "name": st.sampled_from(NAMES), "operator": st.sampled_from(OPERATORS),
    "value": st.sampled_from(VALUES), "unit": st.sampled_from(UNITS), "value_note": st.sampled_from(NOTES),
})


def _unit(indicators: list[dict]) -> dict:
    d = clean()
    d["projects"] = d["projects"][:1]
    d["projects"][0]["indicators"] = [
        {"level1": i["level"][0], "level2": i["level"][1], "name": i["name"], "description": None,
         "operator": i["operator"], "value": i["value"], "unit": i["unit"], "value_note": i["value_note"],
         "basis": "计划标准"}
        for i in indicators]
    return d


def _findings(path) -> list[tuple]:
    return sorted((f.code, f.severity, f.sheet, f.cell) for f in check_file(path).report.findings)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(indicator, min_size=1, max_size=6))
def test_json_and_its_workbook_give_the_same_findings(tmp_path, indicators):
    data = _unit(indicators)
    folder = tmp_path / f"case{abs(hash(json.dumps(data, ensure_ascii=False, sort_keys=True)))}"
    folder.mkdir(exist_ok=True)
    src = folder / "unit.json"
    src.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    book = write_workbook(unit_from_dict(data), load_framework("hebei-2023"), folder)
    assert _findings(src) == _findings(book)


@pytest.mark.parametrize("operator, value, unit, codes", [
    ("=", "100%", "%", set()),                  # was I05 on JSON
    (None, "100%", "%", {"I04"}),               # no operator anywhere: I04, not I05
    (None, "≥90%", "%", set()),                 # was I05 and I04 on JSON
    (None, "≥120%", "%", {"I06"}),              # was missed on JSON
    ("≥", "28.8万元", "%", {"I16"}),            # was missed on JSON
])
def test_values_once_misread_on_json(tmp_path, operator, value, unit, codes):
    data = clean()
    data["projects"][0]["indicators"][2].update(operator=operator, value=value, unit=unit)
    src = tmp_path / "unit.json"
    src.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    found = {f.code for f in check_file(src).report.findings}
    assert found == codes
    book = write_workbook(unit_from_dict(data), load_framework("hebei-2023"), tmp_path)
    assert {f.code for f in check_file(book).report.findings} == codes


mof_indicator = st.fixed_dictionaries({
    "level": st.sampled_from([("产出指标", "数量指标"), ("产出指标", "成本指标"), ("效益指标", "社会效益指标"),
                              ("效益指标", "社会公众或服务对象满意度指标")]),
    "name": st.sampled_from(NAMES), "operator": st.sampled_from(OPERATORS), "value": st.sampled_from(VALUES),
    "unit": st.sampled_from(UNITS), "value_note": st.sampled_from(NOTES),
    "value_type": st.sampled_from([None, "定量", "定性"]), "weight": st.sampled_from([None, 20, 25, 50.5, "三十"]),
    "direction": st.sampled_from([None, "正向", "反向", "区间"]),
})


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(mof_indicator, min_size=1, max_size=5))
def test_declared_fields_give_the_same_findings_on_json_and_workbook(tmp_path, indicators):
    """mof-2013 declares 指标值类型, 权重 and 指标方向: a 定量 text value (I05), weights (I19) agree too."""
    data = _unit(indicators)
    data.update(framework="mof-2013", schema_version=2)
    project = data["projects"][0]
    project["spend_plan"] = {"一季度": 25, "二季度": 25, "三季度": 25, "四季度": 25}
    for ind, spec in zip(project["indicators"], indicators):
        ind.update({k: spec[k] for k in ("value_type", "weight", "direction") if spec[k] is not None})
    folder = tmp_path / f"mof{abs(hash(json.dumps(data, ensure_ascii=False, sort_keys=True)))}"
    folder.mkdir(exist_ok=True)
    src = folder / "unit.json"
    src.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    book = write_workbook(unit_from_dict(data), load_framework("mof-2013"), folder)
    assert _findings(src) == _findings(book)


source = st.fixed_dictionaries({
    "source": st.sampled_from(["本级财政", "上级补助", "上年结转", "其他"]), "level": st.sampled_from([None, "中央", "省", "县"]),
    "amount": st.sampled_from([None, 0, 40, 60, 100, 12.5, "六十", -5]),
})
period = st.sampled_from([None, {"start": "2023-01", "end": "2023-12"}, {"start": "2022-07", "end": "2024-06"},
                          {"start": "2024-01", "end": "2025-12"}, {"start": "2023-07", "end": "2023-03"},
                          {"start": "2023-03-15", "end": None}, {"start": None, "end": "2024-06"}])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(mof_indicator, min_size=1, max_size=4), st.lists(mof_indicator, max_size=3),
       st.lists(mof_indicator, max_size=3), st.lists(source, max_size=4), period,
       st.sampled_from([None, "新增", "延续"]), st.lists(st.sampled_from(["2022—2024年累计建成6万亩", "稳步提高服务水平",
                                                                         "目标内容1"]), max_size=2))
def test_every_v2_field_gives_the_same_findings_on_json_and_workbook(tmp_path, annual, dept, periodic, sources,
                                                                      span, attribute, period_goals):
    """mof-2013 declares every schema-v2 field: the department's and the 实施期 indicator tables, funds by
    source (F02, F04), 项目属性 and 实施期 (G07), 实施期目标 (G02, G04) agree too."""
    data = _unit(annual)
    data.update(framework="mof-2013", schema_version=2)
    project = data["projects"][0]
    project["spend_plan"] = {"一季度": 25, "二季度": 25, "三季度": 25, "四季度": 25}

    def rows(specs: list[dict]) -> list[dict]:
        out = _unit(specs)["projects"][0]["indicators"] if specs else []
        for ind, spec in zip(out, specs):
            ind.update({k: spec[k] for k in ("value_type", "weight", "direction") if spec[k] is not None})
        return out

    project["indicators"] = rows(annual)
    if dept:
        data["department_goals"]["indicators"] = rows(dept)
    if periodic:
        project["period_indicators"] = rows(periodic)
    if sources:
        project["funds"]["sources"] = [{k: v for k, v in s.items() if v is not None or k == "amount"} for s in sources]
    if span is not None:
        project["period"] = span
    if attribute is not None:
        project["attribute"] = attribute
    if period_goals:
        project["period_goals"] = period_goals
    folder = tmp_path / f"v2{abs(hash(json.dumps(data, ensure_ascii=False, sort_keys=True)))}"
    folder.mkdir(exist_ok=True)
    src = folder / "unit.json"
    src.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    book = write_workbook(unit_from_dict(data), load_framework("mof-2013"), folder)
    assert _findings(src) == _findings(book)
