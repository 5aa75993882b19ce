"""The rule catalogue (审核规则): codes, severities and titles, as in shared/spec/rules.md.

Codes are a public contract: offices quote them in review notes and scripts, so a code is never
renamed, reused or given another meaning; new rules get new codes. The titles here are printed into
every template's 填报说明 sheet, so units see the same codes the reviewer will quote.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RuleInfo", "CATALOGUE", "SEVERITY_ZH", "LIVE_MESSAGES", "rule"]

SEVERITY_ZH = {"error": "必须修改", "warning": "提示", "info": "信息"}


@dataclass(frozen=True)
class RuleInfo:
    """One catalogue entry; ``message_*`` are templates with named placeholders, saying what is wrong
    and how to fix it (the finding puts where first)."""

    code: str
    severity: str
    title_zh: str
    title_en: str
    message_zh: str = ""
    message_en: str = ""
    settings: tuple[str, ...] = ()
    variants: tuple[tuple[str, str, str], ...] = ()  # (name, message_zh, message_en) for special cases

    def render(self, lang: str = "zh", **values: object) -> str:
        """The message in ``lang``; a ``variant`` value picks one of the code's other wordings, for
        cases where the general one would mislead (an empty plan is "not filled", not "adjust")."""
        zh, en = self.message_zh, self.message_en
        for name, v_zh, v_en in self.variants:
            if name == values.get("variant"):
                zh, en = v_zh, v_en
        template = en if lang == "en" else zh
        return template.format_map(_Blank(values)) if template else (self.title_en if lang == "en" else self.title_zh)


class _Blank(dict):
    """format_map helper: a placeholder a check did not fill shows as empty, never as a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


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

# code -> (message_zh, message_en, framework settings the rule reads)
_MESSAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "S01": ("文件无法读取：{reason}。请用 Excel 或 WPS 打开确认文件完好，另存为 .xlsx 后重新报送。",
            "The file cannot be read: {reason_en}. Open it in Excel or WPS, save as .xlsx and send it again.", ()),
    "S02": ("工作簿设置了打开密码，无法读取。请在 Excel 中“文件→信息→保护工作簿→用密码进行加密”清除密码后重新报送。",
            "The workbook is encrypted with a password to open. Remove the password and send it again.", ()),
    "S03": ("这不是本次下发的填报模板（找不到模板标识）。请使用财政部门下发的模板填报，不要另建表格或复制到新工作簿。",
            "This is not a perfxl workbook (no template identity). Fill in the workbook that was issued.", ()),
    "S04": ("{what}。请使用财政部门下发的原模板，恢复被改动的内容；如清单有误请联系财政部门。",
            "{what_en}. Use the workbook as issued and restore what was changed; ask the office if the register is wrong.", ()),
    "S05": ("工作簿用的是{what}，本次要求{expected}。请使用本次下发的模板重新填报。",
            "The workbook uses {what_en}; this round requires {expected}. Use the template issued for this round.", ()),
    "S06": ("工作簿带有宏。宏不会被运行，只读取数据；请另存为不含宏的 .xlsx 后报送。",
            "The workbook carries macros. They are never run; please save as a macro-free .xlsx.", ()),
    "S07": ("表样被改动：{what}。请使用下发的模板，不要增删工作表、改表名或插入删除行列。",
            "The structure was changed: {what_en}. Use the issued template without adding, removing or renaming sheets, rows or columns.", ()),
    "S08": ("工作簿属于单位 {unit_code}，{what}。请确认报送的是本单位的工作簿。",
            "The workbook belongs to unit {unit_code}, {what_en}. Make sure the unit's own workbook is sent.", ()),
    "F01": ("预算数 {total} 不等于财政资金 {fiscal} 与其他资金 {other} 之和 {sum}。请核对金额。",
            "预算数 {total} is not 财政资金 {fiscal} + 其他资金 {other} = {sum}. Check the amounts.", ("funds_tolerance",)),
    "F02": ("{field}{problem}。请填写不小于 0 的数字（单位：{money_unit}）。",
            "{field} {problem_en}. Enter a non-negative number ({money_unit}).", ()),
    "F03": ("{field} {actual} 与项目清单的 {expected} 不一致。请按清单填写，或联系财政部门更正清单。",
            "{field} {actual} differs from the register's {expected}.", ()),
    "P01": ("{what}。请调整各期支出比例。", "{what_en}. Adjust the spend plan.", ("spend_plan_tolerance",)),
    "P02": ("{milestone}支出比例“{value}”{problem}。请填写 0 到 100 之间的数字（填 30 表示 30%）。",
            "Spend plan {milestone} '{value}' {problem_en}. Enter a number from 0 to 100.", ()),
    "P03": ("累计支出比例{milestone} {value} 低于上一期{previous} {previous_value}。累计比例应逐期不减少。",
            "Cumulative {milestone} {value} is lower than {previous} {previous_value}.", ()),
    "G01": ("{what}未填。请填写具体、可衡量的绩效目标。", "{what_en} is missing. Write a specific, measurable goal.", ()),
    "G02": ("“{text}”是模板占位文字。请删除并写明实际内容。", "'{text}' is placeholder text. Replace it with the real content.",
            ("placeholder_patterns",)),
    "G03": ("写有“{year}年”，本次为 {budget_year} 年度，可能照抄了上年内容。请核对年份。",
            "Mentions {year}, but the budget year is {budget_year}: possibly copied from last year.", ()),
    "G04": ("“{word}”表述笼统、无法衡量。请写明具体数量、程度或时限。",
            "'{word}' is vague. State a quantity, degree or deadline.", ("vague_words",)),
    "G05": ("绩效目标只是重复了{what}。请写明资金使用后要达到的产出和效果。",
            "The goal only restates the {what_en}. State the outputs and effects to be achieved.", ()),
    "G06": ("部门整体绩效目标缺少{what}。请补充。", "The department goals lack {what_en}.", ()),
    "I01": ("缺少{level1}。请至少填写一个{level1}下的三级指标。", "No {level1} indicator. Add at least one.", ("levels",)),
    "I02": ("{what}。请从下拉列表选择。", "{what_en}. Choose from the dropdown.", ("levels",)),
    "I03": ("三级指标名称{what}。请填写具体的指标名称。", "The level-3 indicator name {what_en}. Name the indicator.", ()),
    "I04": ("定量指标缺少{missing}。请填写完整；无法量化的请把符号选为“定性”。",
            "Quantitative indicator lacks {missing_en}. Fill it in, or mark the indicator 定性.", ()),
    "I05": ("指标值“{value}”不是数字。定量指标的指标值只填数字，单位和说明填在其他栏。",
            "Value '{value}' is not a number. Enter only the number; unit and note go in their own columns.", ()),
    "I06": ("{name}的指标值 {value} 不在 0–100 之间。请核对百分比。", "{name}: value {value} is outside 0–100.", ()),
    "I07": ("符号“{operator}”与表述“{word}”矛盾。请核对符号。", "Operator '{operator}' contradicts '{word}'.", ()),
    "I08": ("{what}。成本指标一般用“≤”，金额不应超过项目预算数。", "{what_en}.", ()),
    "I09": ("满意度目标为 {value}，{what}。请按实际确定合理目标（一般不低于 {minimum}%，不宜定为 100%）。",
            "Satisfaction target {value} {what_en}.", ("satisfaction_min",)),
    "I10": ("三级指标“{name}”在本项目中重复（另见 {other}）。请合并或改名。",
            "Indicator '{name}' appears twice in this project (also {other}).", ()),
    "I11": ("指标值确定依据{what}。请填写{options}之一，或写明具体依据。",
            "Basis {what_en}.", ("basis_suggestions", "basis_requires_category")),
    "I12": ("本项目只有 {count} 个绩效指标，少于 {minimum} 个。请补充指标。",
            "Only {count} indicators, fewer than {minimum}.", ("min_indicators",)),
    "I13": ("三级指标名称“{name}”是类别名称。请写具体指标名称。", "Indicator name '{name}' is a category name.", ()),
    "I14": ("定性指标 {count} 个，占 {share}，超过 {limit}。请尽量改为可量化的指标。",
            "{count} qualitative indicators ({share}), more than {limit}.", ("qualitative_max_share",)),
    "I15": ("“{name}”是满意度类指标，应放在“满意度指标”下。", "'{name}' is a satisfaction indicator outside 满意度指标.", ()),
    "I16": ("指标值中写的单位“{found}”与计量单位“{unit}”不一致。请核对。",
            "The value says '{found}' but the unit is '{unit}'.", ()),
    "I17": ("指标值“{value}”有 {size} 字节，超过预算系统交换字段的 {limit} 字节。请精简，说明写入指标值说明栏。",
            "Value '{value}' is {size} bytes, over the exchange field's {limit}.", ("value_max_bytes",)),
    "C01": ("项目编码“{code}”不符合编码规则（6位区划+2位年度+1位字母+12位数字或大写字母）。请核对。",
            "Project code '{code}' does not match the pattern.", ("project_code_pattern",)),
    "C02": ("项目编码中的年度“{year}”晚于预算年度 {budget_year}。请核对编码。",
            "The year in project code ({year}) is later than the budget year {budget_year}.", ()),
    "C03": ("单位编码“{code}”{what}。请核对。", "Unit code '{code}' {what_en}.", ("unit_code_pattern",)),
    "X01": ("项目编码 {code} {what}。同一项目只能报送一次。", "Project code {code} {what_en}.", ()),
    "X02": ("指标内容含有“{text}”，这属于项目“{other}”，可能照抄自该项目。请改写为本项目的内容。",
            "The indicator mentions '{text}', which belongs to project '{other}': possibly copied.", ()),
    "X03": ("{what}。请核对项目清单。", "{what_en}.", ()),
    "X04": ("单位 {unit_code} 报送了 {count} 份，采用 {taken}，其余作废：{superseded}。",
            "Unit {unit_code} sent {count} files; {taken} was taken, superseded: {superseded}.", ()),
}

# code -> other wordings, chosen by the check with ``variant=``; the code and its meaning stay the same.
_VARIANTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "S01": (("json", "单位数据无法使用：{reason}。请按 unit-goals.schema.json 改正后重新提交，或改交填好的工作簿。",
             "The unit data cannot be used: {reason_en}. Correct it to unit-goals.schema.json and send it again, "
             "or send the filled workbook instead."),),
    "P01": (("empty", "资金支出计划未填。请{how}。", "The spend plan is empty. {how_en}."),),
    "P02": (("unknown_milestone", "资金支出计划的时点“{milestone}”（{value}）不是指标体系 {framework} 的时点（{milestones}）。"
             "请把该比例改填到这些时点下，或选用含该时点的指标体系。",
             "Spend-plan milestone '{milestone}' ({value}) is not one of framework {framework}'s ({milestones_en}). "
             "Move the share to those milestones, or use the framework that has it."),),
    "I01": (("empty", "本项目未填写绩效指标。请填写具体的三级指标，至少 {minimum} 个，须包含{required}。",
             "No indicator is filled in. Add at least {minimum} level-3 indicators, including {required_en}."),),
    "I12": (("empty", "本项目未填写绩效指标。请至少填写 {minimum} 个绩效指标。",
             "No indicator is filled in. Add at least {minimum}."),),
}

CATALOGUE = {code: RuleInfo(info.code, info.severity, info.title_zh, info.title_en, *_MESSAGES[code],
                            variants=_VARIANTS.get(code, ()))
             for code, info in CATALOGUE.items()}

# The short wording of a live 自查 mark (perfxl.live): "✗ CODE short" in the 自查 column. One entry per
# case a rule tells apart; the workbook's formula and the Python side fill the same placeholders.
LIVE_MESSAGES: dict[str, dict[str, str]] = {
    "F01": {"": "预算数≠财政资金+其他资金"},
    "F02": {"missing": "{field}未填", "not_number": "{field}不是数字", "negative": "{field}为负数"},
    "P01": {"empty": "资金支出计划未填", "cumulative": "最后一期应为100（现为{shown}）",
            "per_period": "各期合计应为100（现为{shown}）"},
    "P02": {"not_number": "{milestone}比例不是数字", "range": "{milestone}比例应在0到100之间"},
    "P03": {"": "{milestone}累计比例低于上一期"},
    "G01": {"project": "绩效目标未填", "dept": "总体绩效目标未填"},
    "G06": {"sections": "未填分项绩效目标", "measures": "未填工作保障措施"},
    "I01": {"level": "缺少{level1}", "empty": "未填写绩效指标"},
    "I02": {"level1": "一级指标不在指标体系中", "level2": "二级指标不属于所填一级指标"},
    "I03": {"missing": "缺三级指标名称", "junk": "三级指标名称无意义"},
    "I04": {"": "缺{missing}", "unit": "缺计量单位"},
    "I05": {"": "指标值应为数字"},
    "I06": {"": "百分比应在0到100之间"},
    "I08": {"operator": "成本指标不应用≥或＞", "value": "金额超过项目预算数"},
    "I09": {"low": "满意度目标低于{minimum}%", "full": "满意度目标不宜定为100%"},
    "I10": {"": "三级指标重复"},
    "I11": {"missing": "缺指标值确定依据", "category": "依据不是规定类别"},
    "I12": {"empty": "未填写绩效指标", "few": "指标少于{minimum}个"},
    "I13": {"": "三级指标写成了类别名称"},
    "I14": {"": "定性指标过多"},
    "I15": {"": "满意度指标应放在满意度指标下"},
}
