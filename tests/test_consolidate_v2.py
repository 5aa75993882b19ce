"""Consolidating a round whose frameworks carry schema version 2 (issue 13): the summary workbook, its
CSV and its Parquet list each project's 项目属性, 实施期, 资金来源 and 实施期目标, and every indicator
table (年度, 实施期, 部门整体) with its 指标值类型, 权重 and 指标方向. A round of frameworks declaring
none of them (hebei-2023) keeps its v1 columns (test_consolidate.py pins those tables)."""
from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
from perfxl.check import check_paths
from perfxl.cli import main
from perfxl.consolidate import TABLE_COLUMNS, consolidate
from perfxl.model import V2_INDICATOR_COLUMNS, V2_PROJECT_COLUMNS, unit_from_dict, unit_to_dict
from perfxl.summary import write_csv, write_parquet, write_summary

from conftest import SAMPLES

pa = pytest.importorskip("pyarrow")  # an install requirement; a skip under CI is a failure (conftest)
import pyarrow.parquet as pq  # noqa: E402

MOF13 = SAMPLES / "frameworks" / "mof-2013.json"
HEBEI = SAMPLES / "units" / "101002.json"


def _sample(path=MOF13) -> dict:
    return json.loads(path.read_text("utf-8"))


def _workbook(folder, data: dict) -> None:
    u = unit_from_dict(data)
    fw = perfxl.load_framework(u.framework or "hebei-2023")
    (folder / f"{u.unit.code}.xlsx").write_bytes(perfxl.render_workbook(u, fw))


def _register(*docs: dict) -> dict:
    return {d["unit"]["code"]: unit_from_dict(d) for d in docs}


def _second_unit() -> dict:
    """Another mof-2013 unit: its own codes, one 年度 indicator copied word for word from the sample's
    first project and naming it (X02), in its 2nd project, after its 1st project's 实施期 rows."""
    d = _sample()
    d["unit"].update(code="120002", name="平泉县水务局本级", department_code="121", department_name="平泉县水务局")
    for i, p in enumerate(d["projects"], start=1):
        p["code"] = f"13082323P00020010000{i}"
    d["projects"][0]["name"] = "小型水利设施维修养护项目"
    d["projects"][1]["indicators"][2]["description"] = COPIED
    return d


COPIED = "高标准农田建设项目的年度建设任务全部按期完成"


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    """The mof-2013 sample and a second mof-2013 unit, as workbooks, consolidated; written as summary,
    CSV and Parquet."""
    d = tmp_path_factory.mktemp("v2round")
    inbox = d / "inbox"
    inbox.mkdir()
    first = _sample()
    first["projects"][0]["indicators"][0]["description"] = COPIED
    second = _second_unit()
    for doc in (first, second):
        _workbook(inbox, doc)
    c = consolidate([inbox], _register(first, second))
    out = {"inbox": inbox, "c": c, "first": first, "second": second,
           "xlsx": write_summary(c, d / "汇总.xlsx"), "csv": d / "csv", "parquet": d / "parquet"}
    write_csv(c, out["csv"])
    write_parquet(c, out["parquet"])
    yield out
    c.close()


def _sheet(path, name) -> list[dict]:
    rows = list(load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def _csv(folder, name) -> list[dict]:
    with open(folder / f"{name}.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _parquet(folder, name) -> list[dict]:
    return pq.read_table(folder / f"{name}.parquet").to_pylist()


def test_summary_csv_and_parquet_list_each_projects_v2_fields(round_):
    expected = {
        "13082323P000100100001": ("延续", "2022-01至2024-12", "上级补助（中央）1800；上级补助（省）600；本级财政600",
                                  "1.三年累计建成高标准农田6万亩\n2.项目区粮食综合生产能力提高10%以上"),
        "13082323P000100100002": ("新增", "2023-01至2023-12", "本级财政500；上级补助（省）300", ""),
    }
    for rows in (_sheet(round_["xlsx"], "项目"), _csv(round_["csv"], "项目"), _parquet(round_["parquet"], "项目")):
        got = {r["项目编码"]: tuple(r[c] or "" for c in V2_PROJECT_COLUMNS) for r in rows if r["单位编码"] == "120001"}
        assert got == expected
    columns = round_["c"].columns("projects")
    assert columns[columns.index("绩效目标") + 1:columns.index("绩效目标") + 5] == list(V2_PROJECT_COLUMNS)


def _by_table(rows: list[dict], unit: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        if r["单位编码"] == unit:
            out.setdefault(r["指标表"], []).append(r)
    return out


def _expected_tables(doc: dict) -> dict[str, list[tuple]]:
    """(项目编码, 序号, 三级指标, 指标值类型, 权重, 指标方向) per 指标表, from the JSON."""
    def rows(code, inds):
        return [(code, n, i["name"], i.get("value_type") or "", i.get("weight"), i.get("direction") or "")
                for n, i in enumerate(inds, start=1)]

    out: dict[str, list[tuple]] = {"年度": [], "实施期": []}
    for p in doc["projects"]:
        out["年度"] += rows(p["code"], p["indicators"])
        out["实施期"] += rows(p["code"], p.get("period_indicators", []))
    out["部门整体"] = rows("", doc["department_goals"]["indicators"])
    return out


@pytest.mark.parametrize("form", ["xlsx", "csv", "parquet"])
def test_every_indicator_table_is_listed_with_its_type_weight_and_direction(round_, form):
    rows = {"xlsx": lambda: _sheet(round_["xlsx"], "指标"), "csv": lambda: _csv(round_["csv"], "指标"),
            "parquet": lambda: _parquet(round_["parquet"], "指标")}[form]()
    got = {table: [(r["项目编码"] or "", int(r["序号"]), r["三级指标"], r["指标值类型"] or "",
                    None if r["权重"] in (None, "") else float(r["权重"]), r["指标方向"] or "") for r in found]
           for table, found in _by_table(rows, "120001").items()}
    assert got == _expected_tables(round_["first"])
    assert len(got["部门整体"]) == 4 and len(got["实施期"]) == 4  # the fixture's tables are really there


def test_department_indicators_have_no_project_and_come_after_the_units_projects(round_):
    rows = _sheet(round_["xlsx"], "指标")
    tables = [r["指标表"] for r in rows if r["单位编码"] == "120001"]
    assert tables == ["年度"] * 8 + ["实施期"] * 4 + ["年度"] * 6 + ["部门整体"] * 4
    department = [r for r in rows if r["指标表"] == "部门整体" and r["单位编码"] == "120001"]
    assert {(r["项目编码"], r["项目名称"], r["单位名称"]) for r in department} == {(None, None, "平泉县农业农村局本级")}
    assert department[0]["一级指标"] == "产出指标" and department[0]["指标值"] == 20000


def test_the_indicator_columns_sit_beside_what_they_qualify(round_):
    columns = round_["c"].columns("indicators")
    assert columns[columns.index("项目名称") + 1] == "指标表"
    assert columns[columns.index("计量单位") + 1:columns.index("计量单位") + 4] == list(V2_INDICATOR_COLUMNS[1:])
    assert [c for c in columns if c not in V2_INDICATOR_COLUMNS] == TABLE_COLUMNS["indicators"]
    assert load_workbook(round_["xlsx"])["指标"].tables["T_indicators"].ref == f"A1:T{len(_sheet(round_['xlsx'], '指标')) + 1}"


def test_weights_are_numbers_in_parquet_and_the_summary(round_):
    table = pq.read_table(round_["parquet"] / "指标.parquet")
    assert table.schema.field("权重").type == pa.float64()
    assert table.schema.field("序号").type == pa.int64()
    ws = load_workbook(round_["xlsx"])["指标"]
    weight = [c.value for c in ws[1]].index("权重") + 1
    assert ws.cell(2, weight).data_type == "n" and ws.cell(2, weight).value == 20


def test_the_row_count_of_the_indicator_table_counts_every_table(round_):
    c = round_["c"]
    n = sum(len(v) for doc in (round_["first"], round_["second"]) for v in _expected_tables(doc).values())
    assert c.length("indicators") == n == len(list(c.rows("indicators"))) == len(c.tables["indicators"])


def test_x02_on_a_v2_round_names_the_annual_cell_check_paths_names(round_):
    """The compact X02 walks a project's 年度 rows only (its 实施期 rows follow them in the spill)."""
    def x02(files):
        return sorted((f.path.rsplit("/", 1)[-1], x.sheet, x.cell, x.project_code)
                      for f in files for x in f.report.findings if x.code == "X02")

    full = x02(check_paths([round_["inbox"]]).files)
    assert x02(round_["c"].run.files) == full
    assert [(name, code) for name, _, _, code in full] == [("120002.xlsx", "13082323P000200100002")]


def test_a_hebei_round_keeps_its_v1_columns(tmp_path):
    _workbook(tmp_path, _sample(HEBEI))
    with consolidate([tmp_path], _register(_sample(HEBEI))) as c:
        assert c.columns("indicators") == TABLE_COLUMNS["indicators"]
        assert not set(V2_PROJECT_COLUMNS) & set(c.columns("projects"))
        assert all(len(r) == len(TABLE_COLUMNS["indicators"]) for r in c.rows("indicators"))


def test_v2_data_under_a_framework_declaring_none_is_still_listed(tmp_path):
    """A JSON return may carry a weight whatever its framework: the column appears rather than the
    weight being dropped (the project columns, not called for, stay out)."""
    doc = _sample(HEBEI)
    doc["projects"][0]["indicators"][0]["weight"] = 30
    (tmp_path / "101002.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    with consolidate([tmp_path], _register(doc)) as c:
        rows = c.tables["indicators"]
        assert rows["权重"].iloc[0] == 30 and rows["权重"].iloc[1:].isna().all() and set(rows["指标表"]) == {"年度"}
        assert "项目属性" not in c.columns("projects")


def test_a_mixed_round_lists_v1_returns_as_annual_rows(tmp_path):
    hebei, mof = _sample(HEBEI), _sample()
    for doc in (hebei, mof):
        _workbook(tmp_path, doc)
    with consolidate([tmp_path], _register(hebei, mof)) as c:
        ind = c.tables["indicators"]
        v1 = ind[ind["单位编码"] == hebei["unit"]["code"]]
        assert len(v1) == sum(len(p["indicators"]) for p in hebei["projects"])
        assert set(v1["指标表"]) == {"年度"} and set(v1["指标值类型"]) == {""} and v1["权重"].isna().all()
        projects = c.tables["projects"]
        assert set(projects[projects["单位编码"] == hebei["unit"]["code"]]["项目属性"]) == {""}
        assert {"产出指标", "效益指标", "满意度指标"} <= set(projects.columns)  # both frameworks' 一级 counted


def test_a_weight_typed_as_text_makes_the_weight_column_text(tmp_path):
    doc = _sample()
    doc["department_goals"]["indicators"][0]["weight"] = "三十"
    u = unit_from_dict(doc)
    assert unit_to_dict(u)["department_goals"]["indicators"][0]["weight"] == "三十"
    (tmp_path / "120001.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    with consolidate([tmp_path], _register(doc)) as c:
        write_parquet(c, tmp_path / "pq")
        table = pq.read_table(tmp_path / "pq" / "指标.parquet")
        assert table.schema.field("权重").type == pa.string()
        weights = table.column("权重").to_pylist()
        assert "三十" in weights and "20" in weights


def test_cli_consolidate_of_a_mof2013_round_writes_the_fields(tmp_path):
    doc = _sample()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _workbook(inbox, doc)
    register = tmp_path / "清单.csv"
    with open(register, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["单位编码", "单位名称", "主管部门编码", "主管部门名称", "项目编码", "项目名称", "预算数", "财政资金",
                    "其他资金", "资金用途"])
        for p in doc["projects"]:
            w.writerow([doc["unit"]["code"], doc["unit"]["name"], doc["unit"]["department_code"],
                        doc["unit"]["department_name"], p["code"], p["name"], p["funds"]["total"],
                        p["funds"]["fiscal"], p["funds"]["other"] or "", p["purpose"]])
    r = CliRunner().invoke(main, ["consolidate", str(inbox), "-r", str(register), "-o", str(tmp_path / "汇总.xlsx"),
                                  "--csv", str(tmp_path / "csv"), "--jobs", "1"])
    assert r.exit_code == 0, r.output
    rows = _csv(tmp_path / "csv", "指标")
    assert [r["指标表"] for r in rows].count("部门整体") == 4
    assert _sheet(tmp_path / "汇总.xlsx", "项目")[0]["项目属性"] == "延续"

