import json

import pytest

import perfxl
from perfxl.frameworks import framework_from_dict


def test_shipped_frameworks(hebei, mof):
    assert perfxl.list_frameworks() == ["hebei-2023", "mof-2013", "mof-2021"]
    assert hebei.level2_of("产出指标") == ("数量指标", "质量指标", "时效指标", "成本指标")
    assert hebei.level1_names == ["产出指标", "效益指标", "满意度指标"]
    assert hebei.spend_mode == "per_period" and hebei.milestones == ("3月底", "6月底", "10月底", "12月底")
    assert "成本指标" in mof.level1_names and mof.level2_of("成本指标") == ("经济成本指标", "社会成本指标", "生态环境成本指标")
    assert "成本指标" not in mof.level2_of("产出指标")
    assert mof.spend_mode == "cumulative"
    for fw in (hebei, mof):
        assert set(fw.operators) == {"≥", "≤", "＝", "＞", "＜", "定性"}
        assert set(fw.basis_suggestions) == {"计划标准", "历史标准", "行业标准", "预算支出标准", "其他标准"}
        assert "%" in fw.units and fw.indicator_rows >= 10


def _base(hebei_path):
    return json.loads(hebei_path.read_text("utf-8"))


@pytest.fixture
def hebei_dict():
    from importlib import resources
    return json.loads(resources.files("perfxl.templates").joinpath("frameworks", "hebei-2023.json").read_text("utf-8"))


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d.pop("levels"), "levels"),
    (lambda d: d["spend_plan"].update(mode="monthly"), "spend_plan/mode"),
    (lambda d: d["rows"].update(indicators=0), "rows/indicators"),
    (lambda d: d["levels"][1]["level2"].append("数量指标"), "重复"),
    (lambda d: d.update(cost_level2=["不存在指标"]), "cost_level2"),
    (lambda d: d["thresholds"].update(project_code_pattern="(["), "project_code_pattern"),
    (lambda d: d["units"].__setitem__(0, "％"), "units"),  # read data says "%": "％" would never match
])
def test_broken_framework_file_names_file_and_key(tmp_path, hebei_dict, mutate, expected):
    mutate(hebei_dict)
    f = tmp_path / "province.json"
    f.write_text(json.dumps(hebei_dict, ensure_ascii=False), "utf-8")
    with pytest.raises(perfxl.FrameworkError) as e:
        perfxl.load_framework(f)
    assert str(f) in str(e.value) and expected in str(e.value)


def test_framework_not_json_or_unknown(tmp_path):
    f = tmp_path / "x.json"
    f.write_text("{ not json", "utf-8")
    with pytest.raises(perfxl.FrameworkError, match="不是有效的 JSON"):
        perfxl.load_framework(f)
    with pytest.raises(perfxl.FrameworkError, match="hebei-2023"):
        perfxl.load_framework("guangdong-2099")


def test_province_framework_from_file(tmp_path, hebei_dict):
    hebei_dict.update(id="shandong-2024")
    hebei_dict["rows"]["indicators"] = 12
    f = tmp_path / "sd.json"
    f.write_text(json.dumps(hebei_dict, ensure_ascii=False), "utf-8")
    fw = perfxl.load_framework(f)
    assert fw.id == "shandong-2024" and fw.indicator_rows == 12
    assert framework_from_dict(hebei_dict).source == "<framework>"
