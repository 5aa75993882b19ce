"""The rule catalogue (审核规则): codes, severities and titles, as in shared/spec/rules.md.

Codes are a public contract: offices quote them in review notes and scripts, so a code is never
renamed, reused or given another meaning; new rules get new codes. The titles here are printed into
every template's 填报说明 sheet, so units see the same codes the reviewer will quote.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RuleInfo", "CATALOGUE", "SEVERITY_ZH", "rule"]

SEVERITY_ZH = {"error": "必须修改", "warning": "提示", "info": "信息"}


@dataclass(frozen=True)
class RuleInfo:
    code: str
    severity: str
    title_zh: str
    title_en: str


_ROWS = [
    ("S01", "error", "文件无法作为工作簿读取（空文件、损坏、截断、不是表格或超过大小限制）", "file cannot be read as a workbook"),
    ("S02", "error", "工作簿设置了打开密码，请去掉密码后重新报送", "workbook is encrypted"),
    ("S03", "error", "不是本系统下发的模板（缺少模板标识）", "not a perfxl workbook"),
    ("S04", "error", "锁定或预填的内容被改动，或签名不符", "locked value changed or signature does not verify"),
    ("S05", "warning", "模板版本或指标体系不是本年度使用的版本", "older template version or other framework"),
    ("S06", "warning", "工作簿带有宏（宏不会被运行，只读取数据）", "workbook carries macros"),
    ("S07", "error", "表样结构被改动（工作表缺失或改名、插入或删除行列、在填报区外填写）", "structure changed"),
    ("S08", "error", "工作簿所属单位与下发单位不符或不在项目清单中", "unit not the one issued to / not in register"),
    ("F01", "error", "预算数不等于财政资金与其他资金之和", "total ≠ fiscal + other"),
    ("F02", "error", "金额未填、不是数字或为负数", "amount missing, not a number or negative"),
    ("F03", "error", "金额与项目清单不一致", "amount differs from the register"),
    ("P01", "error", "资金支出计划合计不等于100%（分期）或最后一期不是100%（累计）", "spend plan does not reach 100"),
    ("P02", "error", "支出计划比例不是数字或不在0–100之间", "percentage not a number or outside 0–100"),
    ("P03", "error", "累计支出计划中某期低于上一期", "cumulative milestone lower than the one before"),
    ("G01", "error", "项目绩效目标或部门总体绩效目标未填", "goal missing"),
    ("G02", "error", "留有模板占位文字（如“目标内容1”“请输入”“XXX”“待定”）", "placeholder text left in"),
    ("G03", "warning", "目标中写有非本预算年度的年份（可能照抄上年）", "another year written in a goal"),
    ("G04", "warning", "目标表述笼统、无法衡量（如“进一步提高”“明显改善”）", "vague wording"),
    ("G05", "warning", "绩效目标只是重复资金用途或项目名称", "goal restates purpose or name"),
    ("G06", "warning", "部门整体绩效目标缺少分项绩效目标或工作保障措施", "department goals lack sections or measures"),
    ("I01", "error", "缺少必填的一级指标（产出指标、效益指标；满意度指标为提示）", "required level-1 indicator missing"),
    ("I02", "error", "一级/二级指标不在指标体系中，或二级指标不属于所填一级指标", "unknown or mismatched level-1/2"),
    ("I03", "error", "三级指标名称未填或无意义（如“-”“null”）", "level-3 name missing or junk"),
    ("I04", "error", "定量指标缺少符号、指标值或计量单位", "quantitative indicator incomplete"),
    ("I05", "error", "定量指标的指标值不是数字", "quantitative value not a number"),
    ("I06", "warning", "百分比或“率”类指标值不在0–100之间", "percentage outside 0–100"),
    ("I07", "warning", "符号与文字表述矛盾（如“≥”配“不超过”）", "operator contradicts wording"),
    ("I08", "warning", "成本指标用了“≥/＞”，或金额超过项目预算数", "cost indicator with ≥ or above budget"),
    ("I09", "warning", "满意度目标低于下限（默认80%）或恰为100%", "satisfaction target too low or 100%"),
    ("I10", "warning", "同一项目中三级指标重复", "duplicate level-3 indicator"),
    ("I11", "warning", "指标值确定依据未填或不是规定类别", "basis missing or not a category"),
    ("I12", "warning", "指标个数少于最低要求（默认3个）", "too few indicators"),
    ("I13", "warning", "把类别名称（如“社会效益指标”）当作三级指标名称", "category name used as level-3 name"),
    ("I14", "warning", "定性指标过多（默认超过一半）", "too many qualitative indicators"),
    ("I15", "warning", "满意度类指标放在了满意度指标之外", "satisfaction indicator outside 满意度指标"),
    ("I16", "warning", "指标值中写的单位与计量单位不一致（如“28.8万元”配“%”）", "unit in value conflicts with 计量单位"),
    ("I17", "warning", "指标值过长，超出预算系统交换字段（60字节）", "value too long for the exchange field"),
    ("C01", "warning", "项目编码不符合21位编码规则", "project code pattern"),
    ("C02", "warning", "项目编码中的年份晚于预算年度", "year in project code later than budget year"),
    ("C03", "error", "单位编码缺失或格式不对", "unit code missing or malformed"),
    ("X01", "error", "同一项目编码出现在两个单位的工作簿中，或在一个工作簿中出现两次", "same project code twice"),
    ("X02", "warning", "指标文字照抄了其他项目的内容", "indicator text copied from another project"),
    ("X03", "error", "工作簿中的项目不在项目清单中，或清单中的项目未填报", "project not in register / register project missing"),
    ("X04", "info", "同一单位多次报送：已采用其中一份，其余作废", "unit submitted more than once"),
]

CATALOGUE: dict[str, RuleInfo] = {code: RuleInfo(code, sev, zh, en) for code, sev, zh, en in _ROWS}


def rule(code: str) -> RuleInfo:
    return CATALOGUE[code]
