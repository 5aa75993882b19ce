"""Write the sample project register (项目清单) used by perfxl's tests and demos.

Outputs, next to this script:
  register.xlsx  one sheet named 项目清单 (written with openpyxl)
  register.csv   the same rows, UTF-8 with BOM

The data is fixed and the script is deterministic: no randomness, no clock.
Amounts are in 万元 with two decimals; 其他资金 is blank when a project has none,
and 预算数 = 财政资金 + 其他资金 exactly.  Unit 115001 and its two projects are
taken verbatim from the seed 部门预算绩效文本 (see units/115001.json); everything
else is invented but shaped like a Hebei county-level budget register.

Run:  python samples/make_samples.py
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
SHEET = "项目清单"
COLUMNS = ["单位编码", "单位名称", "主管部门编码", "主管部门名称", "项目编码", "项目名称",
           "预算数", "财政资金", "其他资金", "资金用途"]
REGION = "130811"  # 承德高新技术产业开发区
YEAR = "23"
# Fixed timestamp for document properties and zip entries (never the clock).
FIXED_TIME = datetime(2023, 1, 1, 0, 0, 0)

# department code -> department name (主管部门)
DEPARTMENTS = {
    "101": "承德高新技术产业开发区管委会",
    "108": "承德高新技术产业开发区教育局",
    "112": "承德市高新区财政局",
    "115": "承德高新技术产业开发区土地收购储备中心",
}

# (unit code, unit name, department code, projects)
# project: (name, fiscal 财政资金, other 其他资金 or None, purpose 资金用途[, fixed code])
UNITS = [
    ("101001", "承德高新技术产业开发区管委会本级", "101", [
        ("承德高新技术产业开发区高质量发展重点项目前期工作经费（一期）", "680.00", None,
         "用于重点项目可研编制及评审"),
        ("承德高新技术产业开发区高质量发展重点项目前期工作经费（二期）", "420.00", "60.00",
         "用于二期项目规划设计及咨询"),
        ("承德高新技术产业开发区2023年度重点产业招商引资及驻外招商联络处运行专项经费", "350.00", None,
         "用于招商推介活动及驻外联络处运行"),
        ("承德高新技术产业开发区科技型中小企业创新发展及高新技术企业认定奖补资金", "500.00", "120.00",
         "用于兑现科技企业认定奖补"),
        ("承德高新技术产业开发区数字经济产业园基础设施配套建设项目", "1260.00", "340.00",
         "用于产业园道路管网配套建设"),
        ("高新区创建国家级高新区评价指标提升专项经费", "85.00", None,
         "用于评价数据统计及第三方服务"),
        ("高新区营商环境优化提升工作经费", "46.50", None, "用于营商环境评价及政策宣传"),
        ("高新区机关党建及干部教育培训经费", "28.00", None, "用于党员教育及干部培训"),
    ]),
    ("101002", "承德高新技术产业开发区综合行政执法局", "101", [
        ("城市管理综合执法车辆运行维护经费", "36.00", None, "用于执法车辆燃油维修保险"),
        ("违法建设治理专项经费", "120.00", None, "用于违法建筑拆除及清运"),
        ("市容环境卫生保洁服务购买", "865.00", "45.00", "用于购买道路清扫保洁服务"),
    ]),
    ("101003", "承德高新技术产业开发区政务服务中心", "101", [
        ("政务服务大厅运行维护经费", "42.00", None, "用于大厅设备维护及物业服务"),
        ("一网通办平台运维服务费", "58.00", None, "用于政务服务平台运维"),
        ("12345政务服务便民热线运行经费", "24.60", None, "用于热线坐席人员及话务费"),
    ]),
    ("108001", "承德高新技术产业开发区教育局本级", "108", [
        ("义务教育阶段学生营养改善计划补助", "216.00", None, "用于农村学生营养餐补助"),
        ("学前教育发展资金", "180.00", "20.00", "用于普惠性幼儿园运转补助"),
        ("中小学教师全员培训经费", "32.00", None, "用于教师继续教育培训"),
    ]),
    ("108002", "承德高新技术产业开发区上板城镇中心校", "108", [
        ("义务教育学校公用经费", "148.50", None, "用于学校日常运转"),
        ("校舍维修改造工程", "96.00", "24.00", "用于教学楼屋面防水及门窗更换"),
        ("学生交通安全保障经费", "18.00", None, "用于校车运营补助"),
        ("教学仪器设备购置", "45.00", None, "用于实验室及多媒体设备购置"),
    ]),
    ("108003", "承德高新技术产业开发区冯营子镇中心校", "108", [
        ("义务教育学校公用经费", "112.30", None, "用于学校日常运转"),
        ("寄宿制学校冬季取暖费", "38.00", "6.00", "用于学校冬季供暖"),
    ]),
    ("112001", "承德市高新区财政局本级", "112", [
        ("预算绩效管理第三方评价服务费", "60.00", None, "用于委托第三方开展绩效评价"),
        ("政府债务还本付息", "3860.00", None, "用于偿还到期政府债券本息"),
        ("财政投资评审经费", "75.00", None, "用于政府投资项目预结算评审"),
        ("预算管理一体化系统运维费", "38.00", None, "用于系统运维及升级"),
    ]),
    ("112002", "承德市高新区国库支付中心", "112", [
        ("国库集中支付代理银行手续费", "12.00", None, "用于支付代理银行手续费"),
        ("会计核算档案数字化经费", "15.80", None, "用于会计档案扫描归档"),
    ]),
    # Seed unit: names, codes, figures and purposes exactly as in the seed text.
    ("115001", "承德高新技术产业开发区土地收购储备中心本级", "115", [
        ("郭营子棚改本金利息", "5295.00", None, "用于归还棚改贷款", "13081123P008047100028"),
        ("土地成本核算专项", "30.00", None, "按协议支付审计费", "13081123P0054FF100030"),
    ]),
]


def project_code(name: str, serial: int) -> str:
    """Build a 21-character 项目编码: region + year + 'P' + 12 digits/capitals.

    The 12 characters follow the seed's shape: 3 digits, 3 hex capitals taken
    from a hash of the name (stable across runs), '1', a 5-digit serial.
    """
    tag = hashlib.md5(name.encode("utf-8")).hexdigest()[:3].upper()
    return f"{REGION}{YEAR}P{serial % 1000:03d}{tag}1{serial:05d}"


def build_rows() -> list[list]:
    """Return the register rows (amounts as Decimal, blank 其他资金 as None)."""
    rows, serial = [], 100
    for unit_code, unit_name, dept_code, projects in UNITS:
        for proj in projects:
            name, fiscal, other, purpose = proj[:4]
            if len(proj) > 4:
                code = proj[4]
            else:
                serial += 1
                code = project_code(name, serial)
            fiscal_d = Decimal(fiscal)
            other_d = Decimal(other) if other is not None else None
            total = fiscal_d + (other_d or Decimal("0"))
            rows.append([unit_code, unit_name, dept_code, DEPARTMENTS[dept_code], code, name,
                         total, fiscal_d, other_d, purpose])
    codes = [r[4] for r in rows]
    assert len(codes) == len(set(codes)), "duplicate 项目编码"
    assert all(len(c) == 21 and c.startswith(REGION + YEAR + "P") for c in codes)
    return rows


def write_xlsx(rows: list[list], path: Path) -> None:
    """Write the register to one openpyxl sheet; amounts as numbers shown with 2 decimals."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([float(v) if isinstance(v, Decimal) else v for v in row])
    for col in ("G", "H", "I"):
        for cell in ws[col][1:]:
            cell.number_format = "0.00"
    widths = {"A": 10, "B": 44, "C": 12, "D": 40, "E": 24, "F": 60, "G": 12, "H": 12, "I": 12, "J": 32}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    wb.properties.creator = "perfxl samples"
    wb.properties.created = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_pin_timestamps(buf.getvalue()))


def _pin_timestamps(data: bytes) -> bytes:
    """Make an xlsx byte-for-byte reproducible.

    openpyxl stamps dcterms:modified and every zip entry with the current
    time on save; rewrite both to FIXED_TIME.
    """
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", body)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, body)
    return out.getvalue()


def write_csv(rows: list[list], path: Path) -> None:
    """Write the register as UTF-8 CSV with BOM; amounts as 'n.nn', blank when None."""
    def fmt(v):
        if v is None:
            return ""
        if isinstance(v, Decimal):
            return f"{v:.2f}"
        return v

    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([fmt(v) for v in row])


def main() -> None:
    rows = build_rows()
    write_xlsx(rows, HERE / "register.xlsx")
    write_csv(rows, HERE / "register.csv")
    print(f"wrote {len(rows)} projects for {len(UNITS)} units to {HERE}")


if __name__ == "__main__":
    main()
