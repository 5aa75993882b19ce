"""The rule catalogue (审核规则): codes, severities and titles, as in shared/spec/rules.md.

Codes are a public contract: offices quote them in review notes and scripts, so a code is never
renamed, reused or given another meaning; new rules get new codes. The titles here are printed into
every template's 填报说明 sheet, so units see the same codes the reviewer will quote.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RuleInfo", "CATALOGUE", "SEVERITY_ZH", "LIVE_MESSAGES", "SELFEVAL_LIVE_MESSAGES", "rule", "FIELD_RULES"]

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
    form: str = "goals"  # the form whose workbooks the rule checks: goal table or self-evaluation (绩效自评)

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
    ("F04", "error", "资金来源填写不全或各来源金额合计不等于预算数", "funds by source incomplete or not adding up to the budget"),
    ("P01", "error", "资金支出计划合计不等于100%（分期）或最后一期不是100%（累计）", "spend plan does not reach 100"),
    ("P02", "error", "支出计划比例不是数字或不在0–100之间", "percentage not a number or outside 0–100"),
    ("P03", "error", "累计支出计划中某期低于上一期", "cumulative milestone lower than the one before"),
    ("G01", "error", "项目绩效目标或部门总体绩效目标未填", "goal missing"),
    ("G02", "error", "留有模板占位文字（如“目标内容1”“请输入”“XXX”“待定”）", "placeholder text left in"),
    ("G03", "warning", "目标中写有非本预算年度的年份（可能照抄上年）", "another year written in a goal"),
    ("G04", "warning", "目标表述笼统、无法衡量（如“进一步提高”“明显改善”）", "vague wording"),
    ("G05", "warning", "绩效目标只是重复资金用途或项目名称", "goal restates purpose or name"),
    ("G06", "warning", "部门整体绩效目标缺少分项绩效目标或工作保障措施", "department goals lack sections or measures"),
    ("G07", "error", "项目属性或实施期有误（无法识别、只填了起止之一、起止颠倒或不含预算年度）",
     "项目属性 or 实施期 wrong (not understood, half filled, reversed, or not containing the budget year)"),
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
    ("I18", "warning", "效益指标下填了过程或资金执行类指标（如支出合规性、资金使用率、项目完成情况、按时发放）",
     "process or fund-execution measure under 效益指标"),
    ("I19", "warning", "填了权重（分值），但合计不等于100（按指标体系规定的范围：每张表或每个一级指标）",
     "weights given but not adding up to 100"),
    ("C01", "warning", "项目编码不符合21位编码规则", "project code pattern"),
    ("C02", "warning", "项目编码中的年份晚于预算年度", "year in project code later than budget year"),
    ("C03", "error", "单位编码缺失或格式不对", "unit code missing or malformed"),
    ("X01", "error", "同一项目编码出现在两个单位的工作簿中，或在一个工作簿中出现两次", "same project code twice"),
    ("X02", "warning", "指标文字照抄了其他项目的内容", "indicator text copied from another project"),
    ("X03", "error", "工作簿中的项目不在项目清单中，或清单中的项目未填报", "project not in register / register project missing"),
    ("X04", "info", "同一单位多次报送：已采用其中一份，其余作废", "unit submitted more than once"),
    # E: the year-end self-evaluation (绩效自评, 项目支出绩效自评表); checks in perfxl.selfeval_rules
    ("E01", "error", "实际完成值未填（定量指标填数字；定性指标填达成、部分达成或未达成）", "实际完成值 missing"),
    ("E02", "error", "定量指标的实际完成值不是数字，或所写单位与计量单位不一致",
     "实际完成值 of a quantitative indicator not a number, or its unit conflicts with 计量单位"),
    ("E03", "error", "得分与指标体系的评分方法不符，或超过分值", "得分 differs from the framework's scoring or exceeds its 分值"),
    ("E04", "error", "分值合计不等于100，或某一级指标的分值与指标体系的规定不符",
     "分值 do not add up to 100, or a level-1 share differs from the framework"),
    ("E05", "error", "未完成目标（得分低于分值）但未填写偏差原因分析及改进措施", "target missed and no 偏差原因分析及改进措施"),
    ("E06", "error", "全年执行数未填、为负数或超过全年预算数，或执行率不等于全年执行数÷全年预算数",
     "全年执行数 missing, negative or above 全年预算数, or 执行率 not 全年执行数 ÷ 全年预算数"),
    ("E07", "warning", "实际完成值远超目标（正向指标达到目标2倍以上、比率超过100、成本超过全年执行数）",
     "actual far beyond its target (a typing error or a target set too low)"),
    ("E08", "warning", "年度总体目标的实际完成情况未填，或照抄预期目标", "实际完成情况 missing or a copy of the 预期目标"),
    ("E09", "info", "项目自评总分和自评等级（优、良、中、差），供汇总", "the project's 总分 and 自评等级, for the summary"),
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
    "F04": ("资金来源合计 {sum} 不等于预算数 {total}。请核对各来源金额，合计应等于预算数。",
            "The funds by source add up to {sum}, not the budget (预算数) {total}. Check the amounts by source.",
            ("funds_tolerance",)),
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
    "G07": ("实施期 {start} 至 {end} 不含 {budget_year} 预算年度。本表是 {budget_year} 年度的绩效目标：请核对实施期或预算年度。",
            "The 实施期 {start} to {end} does not contain the budget year {budget_year}, which this table is for: "
            "check the period or the budget year.", ()),
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
    "I18": ("“{name}”是过程或资金执行类指标（含“{word}”），不反映项目实施后的效果，不应放在“{level1}”下。"
            "请改为反映经济、社会、生态效益或可持续影响的指标，或移到产出指标下。",
            "'{name}' measures process or fund execution ('{word}'), not an effect of the project: it does not belong "
            "under {level1}. Replace it with an indicator of an economic, social, ecological or lasting effect, or "
            "move it under 产出指标.", ("benefit_process_words", "benefit_level1")),
    "I19": ("{scope}各指标权重合计为 {total}，应为 {expected}。请调整权重（分值）。",
            "The weights {scope_en} add up to {total}, not {expected}. Adjust the weights.",
            ("weights_scope", "weights_total")),
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
    "E01": ("“{name}”的实际完成值未填。请填写实际完成的数值（单位同年度指标值，如 96 或 96%）。",
            "The 实际完成值 of '{name}' is missing. Enter the number achieved (in the unit of the 年度指标值, "
            "e.g. 96 or 96%).", ("selfeval",)),
    "E02": ("“{name}”的实际完成值“{value}”不是数字。定量指标的实际完成值只填数字，说明写在偏差原因分析及改进措施栏。",
            "The 实际完成值 '{value}' of '{name}' is not a number. Enter only the number; explanations go in the "
            "偏差原因分析及改进措施 column.", ()),
    "E03": ("“{name}”的得分 {value} 与评分方法算出的 {expected} 不符（{how}）。请按评分方法改正得分，或核对实际完成值和分值。",
            "The 得分 {value} of '{name}' is not the {expected} the scoring gives ({how_en}). Correct the 得分, or "
            "check the 实际完成值 and the 分值.", ("selfeval",)),
    "E04": ("{level1}各指标分值合计为 {sum}，按指标体系应为 {expected}。请调整{level1}下各指标的分值。",
            "The 分值 of the {level1} indicators add up to {sum}; the framework gives {level1} {expected}. Adjust them.",
            ("selfeval",)),
    "E05": ("“{name}”未完成目标（得分 {score}，分值 {points}），偏差原因分析及改进措施未填。请写明未完成的原因和改进措施。",
            "'{name}' missed its target (得分 {score} of {points}) and 偏差原因分析及改进措施 is empty. State why, and "
            "what will be done about it.", ()),
    "E06": ("全年执行数{problem}。请填写不小于 0 的数字（单位：{money_unit}）。",
            "全年执行数 {problem_en}. Enter a number of at least 0 ({money_unit}).", ()),
    "E07": ("“{name}”的实际完成值 {value} 达到目标值 {target} 的 {times} 倍以上。请核对是否填错，或说明目标为何定得过低。",
            "The 实际完成值 {value} of '{name}' is {times} times its target {target} or more. Check it for a typing "
            "error, or explain why the target was set so low.", ("selfeval",)),
    "E08": ("年度总体目标的实际完成情况未填。请写明全年实际完成的数量、质量、时效和效果。",
            "The 实际完成情况 of the 年度总体目标 is missing. State what was achieved in the year: quantity, quality, "
            "timeliness and effect.", ()),
    "E09": ("自评总分 {total}，自评等级“{grade}”。", "Self-evaluation: total {total}, grade {grade}.", ("selfeval",)),
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
    "G03": (("after", "写到了 {year} 年，超出 {budget_year} 预算年度。年度指标应在预算年度内完成；跨年度的内容请写入实施期目标，或核对年份。",
             "Runs into {year}, past the budget year {budget_year}. An annual indicator is met within the budget "
             "year; put what spans years in the 实施期 goals, or check the year."),),
    "G04": (("value", "指标值“{value}”中的“{word}”表述笼统、无法衡量。请写明具体数量、程度或时限；确实无法量化的，写明可核实的标准。",
             "The value '{value}' says '{word}', which is vague and cannot be measured. State a quantity, degree or "
             "deadline; where nothing can be counted, a standard that can be verified."),),
    "I05": (("declared", "指标值类型为定量，但指标值“{value}”不是数字。请只填数字（单位、说明填在其他栏），或把指标值类型改为定性。",
             "The indicator is declared 定量 (quantitative) but its value '{value}' is not a number. Enter only the "
             "number (unit and note in their own columns), or declare it 定性."),),
    "I19": (("not_number", "权重“{value}”不是数字。请填写数字（分值）。",
             "The weight '{value}' is not a number. Enter a number."),),
    "F04": (("source", "资金来源“{value}”不是规定的{what}。请从下拉列表选择（来源：本级财政、上级补助、上年结转、其他；级次：中央、省、市、县）。",
             "'{value}' is not a known {what_en}. Choose from the dropdown (source: 本级财政, 上级补助, 上年结转, 其他; "
             "level: 中央, 省, 市, 县)."),),
    "G07": (("attribute", "项目属性“{value}”无法识别。请从下拉列表选择“新增”或“延续”。",
             "项目属性 '{value}' is not understood. Choose 新增 (new) or 延续 (continuing)."),
            ("unreadable", "实施期“{value}”无法识别。请填写年月，如 2023-07。",
             "The 实施期 '{value}' is not understood. Enter a month such as 2023-07."),
            ("half", "实施期只填了{given}，缺少{missing}。请填写起止年月。",
             "Only the {given_en} of the 实施期 is filled in. Enter both the first and the last month."),
            ("reversed", "实施期止 {end} 早于起 {start}。请核对起止年月。",
             "The 实施期 ends ({end}) before it starts ({start}). Check the months.")),
    "I12": (("empty", "本项目未填写绩效指标。请至少填写 {minimum} 个绩效指标。",
             "No indicator is filled in. Add at least {minimum}."),),
    "E01": (("qualitative", "“{name}”是定性指标，实际完成值未填。请填写{grades}之一（其后可写明完成情况）。",
             "'{name}' is qualitative and its 实际完成值 is missing. Enter one of {grades} (what was done may follow)."),
            ("grade", "“{name}”是定性指标，实际完成值“{value}”没有写明完成程度。请以{grades}之一开头（其后可写明完成情况），以便计算得分。",
             "'{name}' is qualitative and its 实际完成值 '{value}' names no grade. Start it with one of {grades} (what "
             "was done may follow), so that it can be scored.")),
    "E02": (("unit", "“{name}”的实际完成值“{value}”写的单位“{found}”与计量单位“{unit}”不一致。请按计量单位换算后只填数字。",
             "The 实际完成值 '{value}' of '{name}' says '{found}' but the 计量单位 is '{unit}'. Convert it and enter "
             "only the number."),),
    "E03": (("over", "“{name}”的得分 {value} 超过其分值 {points}。得分不能超过分值，请改正。",
             "The 得分 {value} of '{name}' exceeds its 分值 {points}. Correct it."),
            ("not_number", "“{name}”的得分“{value}”不是数字。请填写数字，或恢复表中的计算公式。",
             "The 得分 '{value}' of '{name}' is not a number. Enter a number, or restore the table's formula."),
            ("execution", "预算执行率得分 {value} 与评分方法算出的 {expected} 不符（执行率 {rate}% × 分值 {points}，执行率最高按 100% 计）。请改正。",
             "The 预算执行率 得分 {value} is not the {expected} the scoring gives (执行率 {rate}% × 分值 {points}, "
             "at most 100%). Correct it."),
            ("total", "总分 {value} 不等于各项得分之和 {expected}。请改正总分，或恢复表中的计算公式。",
             "The 总分 {value} is not the sum of the 得分, {expected}. Correct it, or restore the table's formula."),
            ("grade", "自评等级“{value}”与总分 {total} 对应的等级“{expected}”不符（{bands}）。请改正自评等级。",
             "The grade '{value}' does not go with the total {total}, which is '{expected}' ({bands}). Correct it.")),
    "E04": (("missing", "“{name}”的分值未填。请填写分值（{level1}各指标分值合计应为 {expected}）。",
             "The 分值 of '{name}' is missing. Enter it (the {level1} indicators add up to {expected})."),
            ("not_number", "“{name}”的分值“{value}”不是数字。请填写数字。",
             "The 分值 '{value}' of '{name}' is not a number. Enter a number."),
            ("execution", "预算执行率的分值为 {value}，按指标体系应为 {expected}。请改正。",
             "The 分值 of 预算执行率 is {value}; the framework gives {expected}. Correct it."),
            ("total", "各项分值合计为 {sum}，应为 {expected}：本项目没有可评分的绩效指标。请核对批复的绩效目标。",
             "The 分值 add up to {sum}, not {expected}: the project has no indicator to score. Check the approved goals.")),
    "E06": (("above", "全年执行数 {value} 超过全年预算数 {budget}（单位：{money_unit}）。请核对金额：执行数不能超过预算数。",
             "全年执行数 {value} is above 全年预算数 {budget} ({money_unit}). Check the amounts: spending cannot exceed "
             "the budget."),
            ("budget", "全年预算数{problem}，无法计算执行率。请填写全年预算数（年初预算数加年中调整，单位：{money_unit}）。",
             "全年预算数 {problem_en}, so 执行率 cannot be computed. Enter the year's budget (the initial budget with "
             "the year's adjustments, {money_unit})."),
            ("rate", "执行率 {value} 不等于全年执行数 ÷ 全年预算数 = {expected}。请改正执行率，或恢复表中的计算公式。",
             "执行率 {value} is not 全年执行数 ÷ 全年预算数 = {expected}. Correct it, or restore the table's formula.")),
    "E07": (("rate", "“{name}”是比率，实际完成值 {value} 超过 100。请核对是否填错。",
             "'{name}' is a rate and its 实际完成值 {value} is above 100. Check it for a typing error."),
            ("cost", "“{name}”的实际完成值 {value}{unit} 超过本项目全年执行数 {executed}{money_unit}。请核对金额和单位。",
             "The 实际完成值 {value}{unit} of '{name}' is above the project's 全年执行数 {executed}{money_unit}. "
             "Check the amount and the unit.")),
    "E08": (("copy", "年度总体目标的实际完成情况与预期目标文字相同。请写明实际完成了什么，不要照抄预期目标。",
             "The 实际完成情况 repeats the 预期目标 word for word. State what was actually achieved."),),
}

# The self-evaluation form's rules (绩效自评, perfxl.selfeval_rules); every other code checks goal tables.
SELFEVAL_CODES = ("E01", "E02", "E03", "E04", "E05", "E06", "E07", "E08", "E09")

CATALOGUE = {code: RuleInfo(info.code, info.severity, info.title_zh, info.title_en, *_MESSAGES[code],
                            variants=_VARIANTS.get(code, ()),
                            form="selfeval" if code in SELFEVAL_CODES else "goals")
             for code, info in CATALOGUE.items()}

# Codes that only concern schema-v2 fields: a workbook lists them in its 填报说明 only where the framework
# declares one of their fields (a framework declaring none, as hebei-2023, keeps the seed's 填报说明).
FIELD_RULES: dict[str, tuple[str, ...]] = {"F04": ("fund_sources",), "G07": ("attribute", "period")}

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

# The same for the self-evaluation's live rules (perfxl.selfeval_live).
SELFEVAL_LIVE_MESSAGES: dict[str, dict[str, str]] = {
    "E01": {"": "实际完成值未填", "grade": "实际完成值应以{grades}开头"},
    "E02": {"": "实际完成值应为数字", "unit": "实际完成值的单位与计量单位不一致"},
    "E04": {"": "{level1}分值合计应为{expected}", "missing": "分值未填", "not_number": "分值不是数字",
            "execution": "预算执行率分值应为{expected}", "total": "没有可评分的绩效指标"},
    "E05": {"": "未完成目标，应填偏差原因分析及改进措施"},
    "E06": {"executed": "全年执行数{problem}", "budget": "全年预算数{problem}，无法计算执行率",
            "above": "全年执行数超过全年预算数", "rate": "执行率不等于全年执行数÷全年预算数"},
    "E07": {"": "实际完成值达到目标值{times}倍以上，请核对", "rate": "比率超过100，请核对",
            "cost": "成本超过全年执行数，请核对"},
    "E08": {"": "实际完成情况未填", "copy": "实际完成情况照抄了预期目标"},
}
