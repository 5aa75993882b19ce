import json

import pytest

import perfxl
from perfxl.model import SCHEMA_V1, dump_unit, unit_from_dict, unit_to_dict, validate_unit_dict

from conftest import SAMPLES, SHARED


def test_shipped_baseline_schema_is_the_spec():
    # perfxl's own schema (version 2) is the authority; tests/test_schema_v2.py proves it only adds to this one.
    spec = SHARED / "spec" / "unit-goals.schema.json"
    if not spec.is_file():
        pytest.skip("shared/spec not beside this checkout")
    assert SCHEMA_V1 == json.loads(spec.read_text("utf-8"))


def test_seed_json_round_trips_unchanged():
    raw = json.loads((SAMPLES / "units" / "115001.json").read_text("utf-8"))
    u = unit_from_dict(raw)
    assert unit_to_dict(u) == raw
    assert json.loads(dump_unit(u)) == raw
    validate_unit_dict(unit_to_dict(u))


def test_model_holds_seed_values(seed_unit):
    assert seed_unit.unit.code == "115001"
    assert [p.code for p in seed_unit.projects] == ["13081123P008047100028", "13081123P0054FF100030"]
    assert seed_unit.projects[0].funds.total == 5295
    assert len(seed_unit.department_goals.sections) == 4
    assert len(seed_unit.department_goals.measures) == 5


@pytest.mark.parametrize("mutate, where", [
    (lambda d: d.pop("unit"), "unit"),
    (lambda d: d["projects"][0]["indicators"][0].update(operator="approx"), "/projects/0/indicators/0/operator"),
    (lambda d: d["projects"][1]["funds"].pop("total"), "/projects/1/funds"),
    (lambda d: d.update(budget_year="2023"), "/budget_year"),
    (lambda d: d.update(extra=1), "extra"),
])
def test_nonconforming_json_names_path_and_problem(tmp_path, mutate, where):
    raw = json.loads((SAMPLES / "units" / "115001.json").read_text("utf-8"))
    mutate(raw)
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
    with pytest.raises(perfxl.UnitDataError) as e:
        perfxl.load_unit(f)
    assert str(f) in str(e.value) and where in str(e.value)


def test_broken_json_names_file_and_line(tmp_path):
    f = tmp_path / "broken.json"
    f.write_text('{"budget_year": 2023,\n "unit": }', "utf-8")
    with pytest.raises(perfxl.UnitDataError, match=r"broken\.json.*第 2 行"):
        perfxl.load_unit(f)
