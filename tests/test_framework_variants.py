"""Frameworks declare their layout variants and the schema-v2 fields their table carries, as data; the
third shipped framework (mof-2013, an older MoF-style table) files 满意度 as an 二级 under 效益指标."""
from __future__ import annotations

import json
from importlib import resources

import pytest
from openpyxl import load_workbook

import perfxl
from perfxl.check import check_file
from perfxl.errors import FrameworkError
from perfxl.frameworks import V2_FIELDS, framework_from_dict
from perfxl.layout import ProjectLayout

from conftest import SAMPLES


def _dict(fid: str) -> dict:
    return json.loads(resources.files("perfxl.templates").joinpath("frameworks", f"{fid}.json").read_text("utf-8"))


def test_a_province_declares_its_variant_in_data():
    d = _dict("hebei-2023")
    d["variants"] = [{"id": "old-satisfaction", "level2": ["服务对象满意度指标"], "under": "效益指标",
                      "instead_of": "满意度指标"}]
    fw = framework_from_dict(d)
    assert fw.level1_names == ["产出指标", "效益指标"]  # 满意度指标 is left empty, so it goes
    assert fw.level2_of("效益指标")[-1] == "服务对象满意度指标"
    assert "满意度指标" not in fw.required
    assert fw.moved_level2("服务对象满意度指标") == ("效益指标", "满意度指标")


@pytest.mark.parametrize("variant, where", [
    ({"id": "x", "level2": ["服务对象满意度指标"], "under": "效果指标", "instead_of": "满意度指标"}, "/variants/0/under"),
    ({"id": "x", "level2": ["满意程度"], "under": "效益指标", "instead_of": "满意度指标"}, "/variants/0/level2"),
    ({"id": "x", "level2": ["服务对象满意度指标"], "under": "效益指标"}, "instead_of"),
])
def test_a_variant_naming_what_the_framework_lacks_is_refused(variant, where):
    d = _dict("hebei-2023")
    d["variants"] = [variant]
    with pytest.raises(FrameworkError) as e:
        framework_from_dict(d, "province.json")
    assert "province.json" in str(e.value) and where in str(e.value)


def test_hebei_keeps_the_seed_layout():
    fw = perfxl.load_framework("hebei-2023")
    assert fw.fields == () and fw.variants == () and ProjectLayout(fw).extra_columns == []
    assert fw.level1_names == ["产出指标", "效益指标", "满意度指标"]


def test_mof_2013_files_satisfaction_under_benefit_and_declares_its_fields():
    fw = perfxl.load_framework("mof-2013")
    assert fw.level1_names == ["产出指标", "效益指标"]
    assert "社会公众或服务对象满意度指标" in fw.level2_of("效益指标")
    assert set(fw.fields) == set(V2_FIELDS)  # every schema-v2 field: the MoF table carries them all
    assert fw.document == {"body_font": "仿宋", "heading_font": "黑体"}


def test_mof_2013_workbook_has_the_declared_columns(tmp_path):
    u = perfxl.load_unit(SAMPLES / "frameworks" / "mof-2013.json")
    fw = perfxl.load_framework("mof-2013")
    path = perfxl.write_workbook(u, fw, tmp_path)
    ws = load_workbook(path)["1.高标准农田建设项目"]
    L = ProjectLayout(fw)
    assert [ws.cell(L.header_row + 1, c + 1).value for _, c in L.extra_columns] == ["指标值类型", "权重", "指标方向"]
    assert ws.cell(L.first_indicator_row + 1, L.extra_columns[1][1] + 1).value == 20
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert '"定量,定性"' in lists and '"正向,反向,区间"' in lists


@pytest.mark.parametrize("name", ["mof-2013", "mof-2021"])
def test_each_framework_sample_is_clean_as_json_and_as_its_workbook(tmp_path, name):
    src = SAMPLES / "frameworks" / f"{name}.json"
    unit = perfxl.load_unit(src)
    assert unit.framework == name
    assert check_file(src).report.findings == []
    book = perfxl.write_workbook(unit, perfxl.load_framework(name), tmp_path)
    assert check_file(book).report.findings == []


def test_every_shipped_framework_has_a_sample():
    samples = {perfxl.load_unit(f).framework for f in [*(SAMPLES / "units").glob("*.json"),
                                                      *(SAMPLES / "frameworks").glob("*.json")]}
    assert set(perfxl.list_frameworks()) <= samples


def test_demo_shows_the_other_frameworks_and_the_flat_import(tmp_path):
    from perfxl.demo import _other_formats, find_samples

    written = _other_formats(find_samples(), tmp_path)
    names = {p.name for p in written}
    assert {"101002.json", "101003.json", "108001.json", "预算系统导出.xlsx", "导入提示.txt"} <= names
    assert {"mof-2013-审核报告.json", "mof-2021-审核报告.json"} <= names
    assert len([n for n in names if n.endswith("部门预算绩效文本.docx")]) == 2
    report = json.loads((tmp_path / "mof-2013-审核报告.json").read_text("utf-8"))
    assert report["files"][0]["valid"] is True
