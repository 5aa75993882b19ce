"""The self-evaluation's model and interchange JSON: the schema's conventions, the round trip, and a
blank self-evaluation made from the approved goals."""
from __future__ import annotations

import json

import pytest

import perfxl
from perfxl.errors import UnitDataError
from perfxl.model import SCHEMA as GOALS_SCHEMA, FundSource, unit_from_dict
from perfxl.selfeval_model import (FORM, FUND_LINES, SCHEMA, dump_selfeval, goals_digest, is_selfeval_dict,
                                   load_selfeval, selfeval_from_dict, selfeval_from_goals, selfeval_to_dict,
                                   validate_selfeval_dict)
from perfxl.selfeval_scoring import scoring_of

from units import clean

HEBEI = perfxl.load_framework("hebei-2023")


def blank(data: dict | None = None, fw=HEBEI):
    return selfeval_from_goals(unit_from_dict(data or clean()), fw)


# ------------------------------------------------------------------ the schema file

def _objects(node, path="#"):
    """Every object schema (one with "properties") in a schema, with its path."""
    if isinstance(node, dict):
        if "properties" in node:
            yield path, node
        for k, v in node.items():
            yield from _objects(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _objects(v, f"{path}/{i}")


def test_schema_follows_the_goals_schemas_conventions():
    for key in ("$schema", "$id", "title", "description"):
        assert SCHEMA[key] and key in GOALS_SCHEMA
    assert SCHEMA["$schema"] == GOALS_SCHEMA["$schema"]
    assert SCHEMA["properties"]["schema_version"]["enum"] == [1]
    assert SCHEMA["properties"]["form"] == {"const": FORM, "description": SCHEMA["properties"]["form"]["description"]}
    for path, obj in _objects(SCHEMA):
        assert obj.get("additionalProperties") is False, path  # as in unit-goals.schema.json: no unknown key passes
    for name, prop in SCHEMA["$defs"]["indicator"]["properties"].items():
        assert prop.get("description"), name


def test_schema_refers_to_the_goals_schema_for_indicator_and_unit():
    assert SCHEMA["$defs"]["indicator"]["properties"]["indicator"]["$ref"] == "unit-goals.schema.json#/$defs/indicator"
    assert SCHEMA["properties"]["unit"]["$ref"] == "unit-goals.schema.json#/properties/unit"
    data = selfeval_to_dict(blank())
    data["projects"][0]["indicators"][0]["indicator"]["operator"] = "约"  # the goals schema's enum applies
    data["unit"]["code"] = 115001                                          # and its unit's types
    with pytest.raises(UnitDataError) as e:
        validate_selfeval_dict(data, "se.json")
    assert "/projects/0/indicators/0/indicator/operator" in str(e.value) and "/unit/code" in str(e.value)


@pytest.mark.parametrize("mutate, where", [
    (lambda d: d.pop("form"), "form"),
    (lambda d: d.update(form="goals"), "/form"),
    (lambda d: d["projects"][0]["funds"]["total"].update(spent=1), "/projects/0/funds/total"),
    (lambda d: d["projects"][0]["indicators"][0].update(actual=[1]), "/projects/0/indicators/0/actual"),
    (lambda d: d["approved_goals"].update(digest="md5:1"), "/approved_goals/digest"),
    (lambda d: d["projects"][1].pop("indicators"), "indicators"),
])
def test_bad_document_is_refused_naming_the_file_and_path(mutate, where):
    data = selfeval_to_dict(blank())
    mutate(data)
    with pytest.raises(UnitDataError) as e:
        selfeval_from_dict(data, "se.json")
    assert str(e.value).startswith("se.json") and where in str(e.value)


def test_schema_message_is_english_on_request(monkeypatch):
    monkeypatch.setenv("PERFXL_LANG", "en")
    data = selfeval_to_dict(blank())
    data["projects"][0]["funds"]["total"]["spent"] = 1
    with pytest.raises(UnitDataError, match="unknown key") as e:
        selfeval_from_dict(data, "se.json")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in str(e.value).split("selfeval.schema.json")[0])


def test_control_characters_are_refused_not_removed():
    data = selfeval_to_dict(blank())
    data["projects"][0]["name"] = "郭营子\t棚改"
    with pytest.raises(UnitDataError, match="/projects/0/name"):
        selfeval_from_dict(data, "se.json")


# ------------------------------------------------------------------ round trip

def _filled_dict() -> dict:
    d = selfeval_to_dict(blank())
    p = d["projects"][0]
    p["funds"]["total"].update(budget=100, executed="98.0")          # text kept as typed
    p["funds"].update(rate=98, score=9.8)
    p["achievement"] = "全年按期偿还本息4笔，未发生逾期。"
    p["indicators"][0].update(actual=4, score=12.5)
    p["indicators"][2].update(actual="96%", score=12.5)              # a percent typed with its sign
    p["indicators"][4].update(actual="部分达成，安置房交付延后", score=9, reason="安置房交付延至次年3月")
    p.update(total_score=96.8, grade="优")
    return d


def test_document_round_trips_unchanged():
    d = _filled_dict()
    assert selfeval_to_dict(selfeval_from_dict(d)) == d
    u = selfeval_from_dict(d)
    assert u.projects[0].indicators[2].actual == "96%" and u.projects[0].funds.total.executed == "98.0"


def test_file_round_trips_through_dump_and_load(tmp_path):
    u = selfeval_from_dict(_filled_dict())
    f = tmp_path / "115001-selfeval.json"
    f.write_text(dump_selfeval(u), "utf-8")
    assert load_selfeval(f) == u
    assert dump_selfeval(load_selfeval(f)) == f.read_text("utf-8")
    assert "部分达成" in f.read_text("utf-8")  # Chinese kept readable


def test_a_document_that_leaves_blanks_out_reads_as_blank():
    d = _filled_dict()
    row = d["projects"][1]["indicators"][0]
    for key in ("actual", "points", "score", "reason"):
        row.pop(key)
    d["projects"][1]["funds"] = {"total": {"initial": 30}}
    u = selfeval_from_dict(d)
    assert u.projects[1].indicators[0].actual is None and u.projects[1].funds.other.initial is None
    assert selfeval_to_dict(u)["projects"][1]["funds"]["fiscal"] == {"initial": None, "budget": None, "executed": None}


def test_targets_are_read_as_the_goals_model_reads_them():
    d = selfeval_to_dict(blank())
    target = d["projects"][0]["indicators"][6]["indicator"]
    target.update(operator="＞＝", value="≥90%", unit="％")
    t = selfeval_from_dict(d).projects[0].indicators[6].target
    assert (t.operator, t.value, t.unit, t.raw_value, t.raw_unit) == ("≥", 90, "%", "≥90%", "％")
    assert d["projects"][0]["indicators"][6]["indicator"]["operator"] == "＞＝"  # the caller's dict is untouched


def test_load_names_the_file_for_bad_json(tmp_path):
    f = tmp_path / "se.json"
    f.write_text('{"form": "selfeval",', "utf-8")
    with pytest.raises(UnitDataError, match="se.json.*第 1 行"):
        load_selfeval(f)
    with pytest.raises(UnitDataError, match="无法读取"):
        load_selfeval(tmp_path / "missing.json")


def test_the_form_is_told_from_the_document():
    assert is_selfeval_dict(selfeval_to_dict(blank()))
    assert not is_selfeval_dict(clean()) and not is_selfeval_dict([])


# ------------------------------------------------------------------ from the approved goals

def test_blank_self_evaluation_carries_the_approved_goals():
    goals = unit_from_dict(clean())
    se = selfeval_from_goals(goals, HEBEI, source="115001.xlsx")
    assert (se.budget_year, se.unit, se.framework, se.money_unit) == (2024, goals.unit, "hebei-2023", "万元")
    assert se.approved_goals.digest == goals_digest(goals) and se.approved_goals.source == "115001.xlsx"
    assert se.approved_goals.unit_code == "115001" and se.approved_goals.budget_year == 2024
    for p, g in zip(se.projects, goals.projects):
        assert (p.code, p.name, p.goals) == (g.code, g.name, g.goals)
        assert [row.target for row in p.indicators] == g.indicators  # the goal model's indicators, unchanged
        assert (p.funds.total.initial, p.funds.fiscal.initial, p.funds.other.initial) == \
            (g.funds.total, g.funds.fiscal, g.funds.other)
        assert p.funds.carryover.initial is None
        assert p.funds.points == 10
        assert round(sum(row.points for row in p.indicators), 6) == 90
    assert [row.points for row in se.projects[1].indicators] == [25, 25, 30, 10]


def test_what_the_unit_fills_is_left_blank():
    se = blank()
    for p in se.projects:
        assert p.achievement is None and p.total_score is None and p.grade is None
        assert (p.funds.rate, p.funds.score) == (None, None)
        assert all(p.funds.line(k).budget is None and p.funds.line(k).executed is None for k in FUND_LINES)
        assert all((row.actual, row.score, row.reason) == (None, None, None) for row in p.indicators)


def test_prefill_from_the_seed_document(seed_unit, hebei):
    se = selfeval_from_goals(seed_unit, hebei)
    assert [len(p.indicators) for p in se.projects] == [len(p.indicators) for p in seed_unit.projects]
    assert se.projects[0].funds.total.initial == 5295
    s = scoring_of(hebei)
    for p in se.projects:
        assert round(sum(r.points for r in p.indicators) + p.funds.points, 6) == s.total
    assert selfeval_from_dict(selfeval_to_dict(se)) == se  # the seed's defects (no 计量单位) round-trip too


def test_digest_changes_when_the_approved_goals_do():
    a, b = unit_from_dict(clean()), unit_from_dict(clean())
    assert goals_digest(a) == goals_digest(b)
    b.projects[0].indicators[0].value = 5
    assert goals_digest(a) != goals_digest(b)


def test_funds_by_source_fill_the_source_lines():
    """Schema v2's 资金来源: 本级财政 and 上级补助 are this year's appropriation, 上年结转 the carry-over."""
    goals = unit_from_dict(clean())
    goals.projects[0].funds.sources = [FundSource("本级财政", 50), FundSource("上级补助", 20, "省"),
                                       FundSource("上年结转", 25), FundSource("其他", 5)]
    f = selfeval_from_goals(goals, perfxl.load_framework("mof-2013")).projects[0].funds
    assert (f.total.initial, f.fiscal.initial, f.carryover.initial, f.other.initial) == (100, 70, 25, 5)


def test_weights_of_the_approved_goals_set_the_points():
    d = clean()
    for ind, w in zip(d["projects"][1]["indicators"], [40, 10, 30, 20]):
        ind["weight"] = w
    se = blank(d, perfxl.load_framework("mof-2013"))
    assert [row.points for row in se.projects[1].indicators] == [40, 10, 30, 10]  # 产出 50 by 40:10


def test_dump_of_a_prefilled_unit_validates_and_says_its_form():
    data = json.loads(dump_selfeval(blank()))
    validate_selfeval_dict(data)
    assert data["form"] == "selfeval" and data["schema_version"] == 1
