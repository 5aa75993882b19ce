"""What each finding says, not only where it is: the value it quotes, the project it names, and the
figures its message gives the unit to act on (issue 9: mutation testing showed that a rule could
drop its value, its project or a number of its message without any test noticing).

The cases are those of ``tests/test_rules.py`` (one mistake each in the clean seed unit); for each,
the table below states the finding's ``value``, the project it belongs to and the facts its Chinese
message must carry: the offending value and, where the rule has one, the figure it should be.
The wording around them is the catalogue's and is not copied here.
"""
from __future__ import annotations

import pytest

from test_rules import CASES, DEPT, P1, P2, clean, register_of, run

PROJECT_1 = "13081123P008047100028"
PROJECT_2 = "13081123P0054FF100030"
PROJECT_OF_SHEET = {P1: PROJECT_1, P2: PROJECT_2, DEPT: None}

# case id -> (finding.value, facts its message carries).  Numbers are written as a unit reads
# them: 101, not 101.0.
DETAILS: dict[str, tuple[object, list[str]]] = {
    "F01-0": (101.0, ["101", "80", "20", "100"]),
    "F02-1": ("一百", ["“一百”", "预算数", "万元"]),
    "F02-2": (-20.0, ["-20", "其他资金"]),
    "F02-3": (None, ["预算数", "未填"]),
    "P01-4": (105, ["105", "100"]),
    "P01-5": (None, ["3月底、6月底、10月底、12月底"]),
    "P02-6": ("三成", ["6月底", "“三成”"]),
    "P02-7": (150, ["3月底", "“150”", "0–100"]),
    "G01-8": (None, ["郭营子棚改本金利息"]),
    "G01-9": (None, ["部门总体绩效目标"]),
    "G02-10": ("目标内容1完成审计", ["“目标内容1”"]),
    "G02-11": ("请输入指标名称", ["“请输入”"]),
    "G03-12": ("2023年完成土地收储500亩。", ["2023年", "2024"]),
    "G03-13": ("2022年已建立制度。", ["2022年", "2024"]),
    "G04-14": ("进一步提高还款效率", ["“进一步提高”"]),
    "G05-15": ("按协议支付审计费。", ["资金用途"]),
    "G05-16": ("1.土地成本核算专项", ["项目名称"]),
    "G06-17": (None, ["分项绩效目标"]),
    "I01-18": (None, ["效益指标"]),
    "I02-19": ("社会效益指标", ["“社会效益指标”", "“产出指标”", "“效益指标”", "数量指标、质量指标、时效指标、成本指标"]),
    "I02-20": ("产出", ["“产出”", "产出指标、效益指标、满意度指标", "“数量指标”"]),
    "I03-21": ("-", ["“-”"]),
    "I03-22": (None, ["未填"]),
    "I04-23": (4, ["计量单位"]),
    "I04-24": (4, ["符号"]),
    "I04-25": (None, ["指标值"]),
    "I05-26": ("四次", ["“四次”"]),
    "I06-27": (120, ["还款及时率", "120", "0–100"]),
    "I07-28": ("≤", ["“≤”", "“达到”"]),
    "I07-29": ("≥", ["“≥”", "“不超过”"]),
    "I08-30": ("≥", ["“还款支出”", "“≥”"]),
    "I08-31": (150, ["150万元", "100万元"]),
    "I09-32": (70, ["70", "80%"]),
    "I09-33": (100, ["100", "100%"]),
    "I10-34": ("按期还款笔数", ["“按期还款笔数”", "C10"]),
    "I11-35": (None, ["计划标准、历史标准、行业标准、预算支出标准、其他标准"]),
    "I12-36": (2, ["2 个", "3 个"]),
    "I13-37": ("数量指标", ["“数量指标”"]),
    "I14-38": (3, ["3 个", "75%", "50%"]),
    "I15-39": ("效益指标", ["“安置群众满意度情况”", "“满意度指标”"]),
    "I17-40": ("保障到位" * 10, ["80 字节", "60 字节"]),
    "C01-41": ("P0001", ["“P0001”"]),
    "C02-42": ("13081125P008047100028", ["2025", "2024"]),
    "C03-43": ("11500A", ["“11500A”", "格式不对"]),
    "C03-44": (None, ["缺失"]),
    "X01-45": (PROJECT_1, [PROJECT_1, "第 1 个项目"]),
    "X02-46": ("审计地块数 按合同归还棚改贷款", ["“归还棚改”", "“郭营子棚改本金利息”"]),
}

IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


def test_every_rule_case_has_its_details_stated():
    assert set(IDS) <= set(DETAILS), sorted(set(IDS) - set(DETAILS))


def _the_finding(case_id: str):
    code, mutate, sheet, cell = CASES[IDS.index(case_id)]
    data = clean()
    mutate(data)
    found = [f for f in run(data) if f.code == code and f.sheet == sheet and f.cell == cell]
    assert len(found) == 1, [(f.code, f.sheet, f.cell) for f in run(data)]
    return found[0], sheet


@pytest.mark.parametrize("case_id", IDS)
def test_a_finding_quotes_its_value_names_its_project_and_gives_the_figures(case_id):
    f, sheet = _the_finding(case_id)
    value, facts = DETAILS[case_id]
    assert f.value == value and type(f.value) is type(value)
    if not case_id.startswith(("C01", "C02", "X01")):  # those name the project by its code as written
        assert f.project_code == PROJECT_OF_SHEET[sheet]
    for fact in facts:
        assert fact in f.message, (fact, f.message)
    # where first, then what: the message opens with the place the finding names
    assert f.message.startswith(f"【{sheet} {f.cell}】")
    assert f.message_en.startswith(f"[{sheet}!{f.cell}] ")
    assert "None" not in f.message and "None" not in f.message_en


def test_a_code_finding_names_the_project_by_the_code_as_written():
    """C01/C02/X01 are about the code itself: the finding names the project by the code its sheet has."""
    for case_id, code in (("C01-41", "P0001"), ("C02-42", "13081125P008047100028"), ("X01-45", PROJECT_1)):
        f, _ = _the_finding(case_id)
        assert f.project_code == code


# ------------------------------------------------------------ against the register (F03, X03, S08)

def _against(mutate) -> list:
    data = clean()
    return run(data, register=register_of(data, mutate))


def test_f03_quotes_the_workbooks_amount_and_the_registers():
    [f] = _against(lambda r: setattr(r.projects[0].funds, "fiscal", 70.0))
    assert (f.code, f.sheet, f.cell, f.project_code, f.value) == ("F03", P1, "E4", PROJECT_1, 80.0)
    assert "财政资金 80" in f.message and "70" in f.message and "None" not in f.message


def test_f03_checks_every_amount_of_a_project_not_only_the_first_that_differs():
    def both(r):
        r.projects[0].funds.total, r.projects[0].funds.fiscal, r.projects[0].funds.other = 100.0, 70.0, 30.0
    assert [(f.code, f.cell) for f in _against(both)] == [("F03", "E4"), ("F03", "G4")]


def test_f03_a_difference_of_exactly_the_tolerance_is_rounding():
    tol = 0.005
    assert _against(lambda r: setattr(r.projects[0].funds, "fiscal", 80.0 + tol)) == []
    assert [f.code for f in _against(lambda r: setattr(r.projects[0].funds, "fiscal", 80.0 + 2 * tol))] == ["F03"]


def test_f03_still_checks_later_projects_after_one_missing_from_the_register():
    def first_gone_second_differs(r):
        r.projects.pop(0)
        r.projects[0].funds.fiscal = 1.0
    found = _against(first_gone_second_differs)
    assert ("X03", P1) in [(f.code, f.sheet) for f in found]
    assert [(f.code, f.sheet, f.cell) for f in found if f.code == "F03"] == [("F03", P2, "E4")]


def test_f03_a_blank_other_amount_against_a_register_zero_still_checks_the_rest():
    data = clean()
    data["projects"][0]["funds"].update(other=None, total=80.0, fiscal=80.0)
    reg = register_of(data, lambda r: setattr(r.projects[0].funds, "other", 0.0))
    assert [f.code for f in run(data, register=reg) if f.code.startswith("F")] == []
    data["projects"][0]["funds"].update(fiscal=79.0)
    found = run(data, register=register_of(clean(), lambda r: (
        setattr(r.projects[0].funds, "other", 0.0), setattr(r.projects[0].funds, "total", 80.0),
        setattr(r.projects[0].funds, "fiscal", 80.0))))
    assert ("F03", "E4") in [(f.code, f.cell) for f in found]
    assert ("F03", "G4") not in [(f.code, f.cell) for f in found]


def test_x03_names_the_project_missing_from_the_register_and_the_one_missing_from_the_workbook():
    [f] = _against(lambda r: r.projects.pop(1))
    assert (f.value, f.project_code) == (PROJECT_2, PROJECT_2) and PROJECT_2 in f.message
    assert "土地成本核算专项" in f.message


def test_s08_quotes_both_names():
    [f] = _against(lambda r: setattr(r.unit, "name", "别的单位"))
    assert "别的单位" in f.message and "115001" in f.message
