"""Write flat exports of a budget system (预算管理一体化) in its real layout, for the import tests and the demo.

The layout, as the system writes it (issue 13):

* a title row "部门预算项目绩效目标申报表(2023年度)" merged across the table, and a row "金额单位:元";
* the header 单位名称, 项目名称, 预算数, 年度目标, 一级指标, 二级指标, 三级指标, 指标性质, 指标值, 度量单位,
  权重, 指标方向性;
* a department subtotal row "<部门编码>-<部门名称>" with only 预算数;
* one row per indicator; the unit "<单位编码>-<单位名称>" on the first row of its block and merged down
  over the block; the project's name, 预算数 and 年度目标 on the first row of the project, merged down;
  一级指标 and 二级指标 merged over their runs.

``layout="project"`` writes the one-row-per-project variant: one row per project, each indicator column
holding one line per indicator. ``money_unit`` states the amounts in 元, 千元 or 万元.

The data is fixed (no clock, no randomness). ``EXPECTED`` is what an import must give: every unit,
project and indicator, with amounts in 万元. Run ``python samples/make_flat_export.py OUT_DIR`` to write
``flat-export.xlsx`` and ``flat-export-by-project.xlsx`` there.
"""
from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

HEADER = ["单位名称", "项目名称", "预算数", "年度目标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位",
          "权重", "指标方向性"]
YEAR = 2023
TITLE = f"部门预算项目绩效目标申报表({YEAR}年度)"

# (一级, 二级, 三级, 指标性质, 指标值, 度量单位, 权重, 指标方向性)
_ROAD = [
    ("产出指标", "数量指标", "执法车辆维护台数", "=", "12", "台", 20, "正向"),
    ("产出指标", "数量指标", "车辆年检合格数", "≥", "12", "台", 10, "正向"),
    ("产出指标", "质量指标", "车辆完好率", "≥", "95", "%", 10, "正向"),
    ("产出指标", "时效指标", "故障维修及时率", "≥", "90", "%", 10, "正向"),
    ("产出指标", "成本指标", "单车年均维护费用", "≤", "3", "万元", 10, "反向"),
    ("效益指标", "社会效益指标", "执法出勤保障", "定性", "保障执法车辆随时出勤", "", 20, ""),
    ("效益指标", "可持续影响指标", "车辆使用年限", "≥", "8", "年", 10, "正向"),
    ("满意度指标", "服务对象满意度指标", "执法人员满意度", "≥", "90", "%", 10, "正向"),
]
_DEMOLITION = [
    ("产出指标", "数量指标", "拆除违法建筑面积", "≥", "12000", "平方米", 40, "正向"),
    ("产出指标", "成本指标", "拆除清运费用", "≤", "120", "万元", 20, "反向"),
    ("效益指标", "社会效益指标", "违法建设新增数", "≤", "0", "处", 30, "反向"),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "≥", "85", "%", 10, "正向"),
]
_HALL = [
    ("产出指标", "数量指标", "窗口服务事项数", "≥", "320", "项", 30, "正向"),
    ("产出指标", "质量指标", "设备完好率", "≥", "98", "%", 30, "正向"),
    ("效益指标", "社会效益指标", "群众办事便利程度", "定性", "明显提升", "", 30, ""),
    ("满意度指标", "服务对象满意度指标", "办事群众满意度", "≥", "90", "%", 10, "正向"),
]
_MEALS = [
    ("产出指标", "数量指标", "受益学生人数", "≥", "5200", "人", 40, "正向"),
    ("产出指标", "时效指标", "补助发放及时率", "=", "100", "%", 20, "正向"),
    ("效益指标", "社会效益指标", "学生营养状况改善", "定性", "营养餐覆盖全部农村学生", "", 30, ""),
    ("满意度指标", "服务对象满意度指标", "家长满意度", "≥", "90", "%", 10, "正向"),
]

# 部门 (code, name) -> units (code, name) -> projects (name, 预算数 in 元, 年度目标, indicators)
DEPARTMENTS = [
    ("101", "承德高新技术产业开发区管委会", [
        ("101002", "承德高新技术产业开发区综合行政执法局", [
            ("城市管理综合执法车辆运行维护经费", Decimal("360000"), "1.保障12台执法车辆正常运行\n2.车辆完好率不低于95%", _ROAD),
            ("违法建设治理专项经费", Decimal("1200000"), "完成违法建筑拆除12000平方米", _DEMOLITION),
        ]),
        ("101003", "承德高新技术产业开发区政务服务中心", [
            ("政务服务大厅运行维护经费", Decimal("420000"), "保障政务服务大厅全年正常运行", _HALL),
        ]),
    ]),
    ("108", "承德高新技术产业开发区教育局", [
        ("108001", "承德高新技术产业开发区教育局本级", [
            ("义务教育阶段学生营养改善计划补助", Decimal("2160000"), "为5200名农村学生提供营养餐补助", _MEALS),
        ]),
    ]),
]

_FACTORS = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000)}


def _amount(yuan: Decimal, money_unit: str) -> float | int:
    d = (yuan / _FACTORS[money_unit]).normalize()
    return int(d) if d == d.to_integral_value() else float(d)


def _expected() -> list[dict]:
    out = []
    for dept_code, dept_name, units in DEPARTMENTS:
        for code, name, projects in units:
            out.append({"code": code, "name": name, "department_code": dept_code, "department_name": dept_name,
                        "projects": [{"name": pname, "total_wan": _amount(yuan, "万元"), "goals": goals,
                                      "indicators": list(inds)} for pname, yuan, goals, inds in projects]})
    return out


EXPECTED = _expected()


def rows_and_merges(layout: str = "indicator", money_unit: str = "元") -> tuple[list[list], list[tuple[int, int, int, int]]]:
    """The sheet's rows (from A1) and its merged ranges (first row, first col, last row, last col; 0-based)."""
    rows: list[list] = [[TITLE] + [None] * (len(HEADER) - 1), [f"金额单位:{money_unit}"] + [None] * (len(HEADER) - 1),
                        list(HEADER)]
    merges = [(0, 0, 0, len(HEADER) - 1), (1, 0, 1, 3)]
    for dept_code, dept_name, units in DEPARTMENTS:
        dept_total = sum(yuan for _, _, projects in units for _, yuan, _, _ in projects)
        rows.append([f"{dept_code}-{dept_name}", None, _amount(dept_total, money_unit)] + [None] * (len(HEADER) - 3))
        for code, name, projects in units:
            unit_start = len(rows)
            for pname, yuan, goals, inds in projects:
                if layout == "project":
                    cols = list(zip(*inds))
                    rows.append([f"{code}-{name}", pname, _amount(yuan, money_unit), goals,
                                 *("\n".join(str(v) for v in col) for col in cols)])
                    continue
                start = len(rows)
                for k, ind in enumerate(inds):
                    head = [f"{code}-{name}", pname, _amount(yuan, money_unit), goals] if k == 0 else [None] * 4
                    l1 = ind[0] if k == 0 or inds[k - 1][0] != ind[0] else None
                    l2 = ind[1] if l1 or inds[k - 1][1] != ind[1] else None
                    rows.append([*head, l1, l2, *ind[2:]])
                for col in (1, 2, 3):
                    merges.append((start, col, len(rows) - 1, col))
                for col in (4, 5):  # 一级 and 二级 merged over their runs, as the system prints them
                    run_start = start
                    for r in range(start + 1, len(rows) + 1):
                        if r == len(rows) or rows[r][col] is not None:
                            if r - 1 > run_start:
                                merges.append((run_start, col, r - 1, col))
                            run_start = r
            merges.append((unit_start, 0, len(rows) - 1, 0))
    merges = [m for m in merges if m[2] > m[0] or m[3] > m[1]]
    return rows, merges


def write_flat_export(path: str | Path, layout: str = "indicator", money_unit: str = "元") -> Path:
    """The export as .xlsx (openpyxl), merged cells written as merges with their lower cells empty."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    rows, merges = rows_and_merges(layout, money_unit)
    wb = Workbook()
    ws = wb.active
    ws.title = "项目绩效目标"
    for r in rows:
        ws.append(r)
    for r1, c1, r2, c2 in merges:
        ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # the operator "=" is text, as the system writes it, never a formula
    wb.properties.created = wb.properties.modified = __import__("datetime").datetime(2023, 1, 1)
    path = Path(path)
    wb.save(path)
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    print(write_flat_export(out / "flat-export.xlsx"))
    print(write_flat_export(out / "flat-export-by-project.xlsx", layout="project"))
