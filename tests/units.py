"""Unit data written inline for the rule tests: one clean unit on which no rule fires."""
from __future__ import annotations

import copy


def ind(level1, level2, name, operator, value, unit, basis="计划标准", description=None, note=None):
    return {"level1": level1, "level2": level2, "name": name, "description": description, "operator": operator,
            "value": value, "unit": unit, "value_note": note, "basis": basis}


CLEAN = {
    "budget_year": 2024,
    "framework": "hebei-2023",
    "money_unit": "万元",
    "unit": {"code": "115001", "name": "承德高新技术产业开发区土地收购储备中心本级",
             "department_code": "115", "department_name": "承德高新技术产业开发区土地收购储备中心"},
    "department_goals": {
        "overall": "2024年完成土地收储500亩，征收补偿资金按期足额拨付，信访案件办结率100%。",
        "sections": [{"name": "综合科", "goal": "全年组织业务培训4次，档案归档率100%。"},
                     {"name": "财务科", "goal": "预算执行率不低于95%，年度决算按期报送。"}],
        "measures": ["完善制度，加强支出管理。", "加强绩效运行监控，按季度开展自查。"],
    },
    "projects": [
        {"code": "13081123P008047100028", "name": "郭营子棚改本金利息",
         "funds": {"total": 100.0, "fiscal": 80.0, "other": 20.0}, "purpose": "用于归还棚改贷款本息",
         "spend_plan": {"3月底": 25, "6月底": 25, "10月底": 25, "12月底": 25},
         "goals": ["按期偿还全部到期本息，全年不发生逾期"],
         "indicators": [
             ind("产出指标", "数量指标", "按期还款笔数", "≥", 4, "次"),
             ind("产出指标", "质量指标", "还款准确率", "=", 100, "%", "行业标准"),
             ind("产出指标", "时效指标", "还款及时率", "≥", 95, "%", "历史标准"),
             ind("产出指标", "成本指标", "还款支出", "≤", 100, "万元", "预算支出标准", "按合同约定支出", "控制在预算内"),
             ind("效益指标", "社会效益指标", "安置住房保障情况", "定性", "保障到位", None, "其他标准"),
             ind("效益指标", "经济效益指标", "逾期罚息", "≤", 0, "万元"),
             ind("满意度指标", "服务对象满意度指标", "安置群众满意度", "≥", 90, "%"),
         ]},
        {"code": "13081123P0054FF100030", "name": "土地成本核算专项",
         "funds": {"total": 30.0, "fiscal": 30.0, "other": None}, "purpose": "按协议支付审计费",
         "spend_plan": {"3月底": 50, "6月底": 50, "10月底": None, "12月底": None},
         "goals": ["完成12宗地块成本审计，出具审计报告"],
         "indicators": [
             ind("产出指标", "数量指标", "审计地块数", "≥", 12, "个"),
             ind("产出指标", "时效指标", "审计报告出具时间", "≤", 6, "月"),
             ind("效益指标", "经济效益指标", "核减成本比例", "≥", 3, "%"),
             ind("满意度指标", "服务对象满意度指标", "委托方满意度", "≥", 85, "%"),
         ]},
    ],
}


def clean() -> dict:
    return copy.deepcopy(CLEAN)


def filled(unit, *, year: int = 2023):
    """A register unit (perfxl.UnitData with register fields only) filled the way a careful unit would."""
    from perfxl.model import DepartmentGoals, Indicator, Section

    u = copy.deepcopy(unit)
    u.budget_year = year
    u.framework = "hebei-2023"
    u.department_goals = DepartmentGoals(
        overall=f"{year}年全面完成年度预算项目，资金支付率达到95%以上。",
        sections=[Section("综合科", "按期完成年度工作计划，档案归档率100%。")],
        measures=["完善内部控制制度。", "按季度开展绩效运行监控。"])
    for p in u.projects:
        p.spend_plan = {"3月底": 20, "6月底": 30, "10月底": 30, "12月底": 20}
        p.goals = ["按计划完成年度任务，资金支付率达到95%以上"]
        total = p.funds.total if isinstance(p.funds.total, (int, float)) else 0
        p.indicators = [
            Indicator("产出指标", "数量指标", "年度任务完成数", None, "≥", 4, "项", None, "计划标准"),
            Indicator("产出指标", "质量指标", "验收合格率", None, "≥", 95, "%", None, "行业标准"),
            Indicator("产出指标", "时效指标", "资金支付及时率", None, "≥", 95, "%", None, "历史标准"),
            Indicator("产出指标", "成本指标", "年度支出", None, "≤", total, "万元", None, "预算支出标准"),
            Indicator("效益指标", "社会效益指标", "服务保障水平", None, "定性", "保障到位", None, None, "其他标准"),
            Indicator("满意度指标", "服务对象满意度指标", "服务对象满意度", None, "≥", 90, "%", None, "计划标准"),
        ]
    return u
