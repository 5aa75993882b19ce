"""The rules issue 13 adds or widens (I18, I19, G03 and G04 on indicator values, I05 for a declared 定量,
framework variants in I02), in the table style of test_rules.py: each case breaks clean data one way
and names the rule and the cell it must be reported at. Codes, never message texts."""
import pytest

import perfxl
from perfxl.check import check_unit
from perfxl.frameworks import framework_from_dict
from perfxl.model import unit_from_dict

from units import clean

P1, P2 = "1.郭营子棚改本金利息", "2.土地成本核算专项"


def run(data, fw="hebei-2023"):
    framework = perfxl.load_framework(fw) if isinstance(fw, str) else fw
    return check_unit(unit_from_dict(data), framework)


def p(d, i=0):
    return d["projects"][i]


def i_(d, pi, ii):
    return d["projects"][pi]["indicators"][ii]


def weights(d, pi, values):
    for ind, w in zip(p(d, pi)["indicators"], values):
        ind["weight"] = w


CASES = [
    # I18: a process or fund-execution measure filed under 效益指标, at its 三级指标 cell
    ("I18", lambda d: i_(d, 0, 4).update(name="支出的合规性"), P1, "C14"),
    ("I18", lambda d: i_(d, 0, 5).update(name="资金使用率"), P1, "C15"),
    ("I18", lambda d: i_(d, 1, 2).update(name="项目完成情况"), P2, "C12"),
    ("I18", lambda d: i_(d, 0, 4).update(name="补助资金按时发放"), P1, "C14"),
    ("I18", lambda d: i_(d, 1, 2).update(name="预算执行率"), P2, "C12"),
    # I19: weights given but not adding up to 100 (hebei has no weight column: the indicator table)
    ("I19", lambda d: weights(d, 1, [30, 30, 20, 10]), P2, "A9"),
    ("I19", lambda d: weights(d, 1, [30, 30, 30]), P2, "A9"),            # one indicator without a weight
    ("I19", lambda d: weights(d, 1, [30, "三十", 30, 10]), P2, "A9"),     # not a number
    # G04 reads indicator values and notes
    ("G04", lambda d: i_(d, 0, 4).update(value="稳步提高"), P1, "F14"),
    ("G04", lambda d: i_(d, 0, 4).update(value="按月安排"), P1, "F14"),
    ("G04", lambda d: i_(d, 0, 3).update(value_note="不超预算"), P1, "H13"),
    # G03: an annual value running past the budget year
    ("G03", lambda d: i_(d, 1, 1).update(operator="定性", value="2024.07-2025.01", unit=None), P2, "F11"),
    ("G03", lambda d: i_(d, 0, 2).update(value_note="2025年6月前完成"), P1, "H12"),
    # I05: a value declared 定量 that is not a number, even where it would read as 定性 text
    ("I05", lambda d: i_(d, 0, 4).update(value_type="定量"), P1, "F14"),
    ("I05", lambda d: i_(d, 0, 0).update(value="四次", value_type="定量", operator=None), P1, "F10"),
]


@pytest.mark.parametrize("code, mutate, sheet, cell", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_at_its_cell(code, mutate, sheet, cell):
    data = clean()
    mutate(data)
    hits = [f for f in run(data) if f.code == code]
    assert hits, code
    assert (hits[0].sheet, hits[0].cell) == (sheet, cell)
    assert hits[0].message.startswith(f"【{sheet} {cell}】")
    assert "{" not in hits[0].message and "{" not in hits[0].message_en


QUIET = [
    ("I18 under 产出", lambda d: i_(d, 0, 2).update(name="资金支付及时率")),          # a process measure where it belongs
    ("I18 effect words", lambda d: i_(d, 0, 4).update(name="场馆使用人次")),
    ("I19 adds up", lambda d: weights(d, 1, [30, 30, 20, 20])),
    ("I19 as text", lambda d: weights(d, 1, ["30", "30", "20.0", 20])),
    ("I19 none", lambda d: None),
    ("G03 same year", lambda d: i_(d, 1, 1).update(operator="定性", value="2024.03-2024.10", unit=None)),
    ("G04 precise", lambda d: i_(d, 0, 4).update(value="全部安置到位")),
    ("I05 declared 定性", lambda d: i_(d, 0, 4).update(value_type="定性")),
    ("I05 declared 定量 number", lambda d: i_(d, 0, 0).update(value_type="定量")),
]


@pytest.mark.parametrize("what, mutate", QUIET, ids=[q[0] for q in QUIET])
def test_rule_is_quiet_where_nothing_is_wrong(what, mutate):
    data = clean()
    mutate(data)
    assert run(data) == []


def test_i19_scope_per_level1_follows_the_framework(hebei_dict):
    hebei_dict["thresholds"]["weights_scope"] = "level1"
    fw = framework_from_dict(hebei_dict)
    data = clean()
    weights(data, 1, [60, 40, 100, 100])  # 产出 60+40, 效益 100, 满意度 100: each 一级 adds up
    assert not [f for f in run(data, fw) if f.code == "I19"]
    assert [f.code for f in run(data) if f.code == "I19"] == ["I19"]  # per table (hebei's default) it is 300
    weights(data, 1, [60, 30, 100, 100])
    (hit,) = [f for f in run(data, fw) if f.code == "I19"]
    assert "产出指标" in hit.message and "90" in hit.message


def test_i18_word_list_is_the_frameworks(hebei_dict):
    data = clean()
    i_(data, 0, 4)["name"] = "支出的合规性"
    hebei_dict["thresholds"]["benefit_process_words"] = []
    assert not [f for f in run(data, framework_from_dict(hebei_dict)) if f.code == "I18"]


def test_variant_files_satisfaction_under_benefit():
    """mof-2013 declares 满意度 as an 二级 under 效益指标: accepted there, an I02 (saying where it belongs) elsewhere."""
    data = clean()
    data["framework"] = "mof-2013"
    for proj in data["projects"]:
        proj["spend_plan"] = {"一季度": 25, "二季度": 25, "三季度": 25, "四季度": 25}
        proj["indicators"][-1].update(level1="效益指标", level2="社会公众或服务对象满意度指标")
    assert run(data, "mof-2013") == []
    data["projects"][0]["indicators"][-1].update(level1="满意度指标")  # the newer layout, under this framework
    (hit,) = [f for f in run(data, "mof-2013") if f.code == "I02"]
    assert hit.cell == "A25" and "效益指标" in hit.message  # the 7th row of the 年度 table (rows 19..)
    old = clean()
    i_(old, 0, 6).update(level1="效益指标")  # the older layout under hebei-2023: I02 names the right 一级
    (hit,) = [f for f in run(old) if f.code == "I02"]
    assert hit.cell == "B16" and "满意度指标" in hit.message


@pytest.fixture
def hebei_dict():
    import json
    from importlib import resources
    return json.loads(resources.files("perfxl.templates").joinpath("frameworks", "hebei-2023.json").read_text("utf-8"))
