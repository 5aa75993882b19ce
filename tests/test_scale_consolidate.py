"""Consolidating a province round: compact rows from the workers, tables streamed to disk, Excel's
row limit (issue 12).

The round-level behaviour (what is taken, counted, listed) is tested in test_consolidate.py and
test_round_inputs.py; here: that the compact path finds what the full one finds (the checks across
files), that what a worker hands back stays small, that the tables written row by row are the
DataFrames' rows, and that a round of more than a million indicator rows, built as compact data (no
workbooks), gives a summary whose 指标 sheet says where the rest is, and whole CSV and Parquet tables.
"""
from __future__ import annotations

import csv
import io
import json
import os
import pickle
import random
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
import perfxl.summary as summary
from perfxl.check import CheckRun, check_paths
from perfxl.cli import main
from perfxl.errors import RegisterError
from perfxl.consolidate import REGISTER_FILE, CompactRegister, Received, RoundStore, consolidate, decide_round
from perfxl.findings import FileReport
from perfxl.model import Unit, UnitData
from perfxl.summary import EXCEL_MAX_ROWS, overflowing, write_csv, write_parquet, write_summary

from conftest import SAMPLES
from units import filled

pa = pytest.importorskip("pyarrow")  # an install requirement; a skip under CI is a failure (conftest)
import pyarrow.parquet as pq  # noqa: E402

REGISTER = SAMPLES / "register.xlsx"
ACROSS = ("X01", "X02", "X04")


@pytest.fixture(scope="module")
def across_round(tmp_path_factory):
    """Four register units: the second repeats a project code of the first (X01), the third copies an
    indicator of the first word for word, naming the first's project (X02), the fourth sends twice (X04)."""
    d = tmp_path_factory.mktemp("across") / "inbox"
    d.mkdir()
    fw = perfxl.load_framework()
    units = [filled(u) for u in perfxl.read_register(REGISTER, 2023)[:4]]
    first, second, third, fourth = units
    second.projects[0].code = first.projects[0].code
    copied = f"{first.projects[0].name}的年度任务全部按期完成"
    first.projects[0].indicators[0].description = copied
    third.projects[0].indicators[0].description = copied
    for u in units:
        (d / f"{u.unit.code}.xlsx").write_bytes(perfxl.render_workbook(u, fw))
    again = d / f"{fourth.unit.code}_重报.xlsx"
    again.write_bytes(perfxl.render_workbook(fourth, fw))
    os.utime(d / f"{fourth.unit.code}.xlsx", (1_600_000_000, 1_600_000_000))
    return d


def _across(files) -> dict[str, list[tuple]]:
    return {f.path: sorted((x.code, x.sheet, x.cell, x.project_code, x.message)
                           for x in f.report.findings if x.code in ACROSS) for f in files}


def test_checks_across_files_on_compact_rows_find_what_check_paths_finds(across_round):
    full = _across(check_paths([across_round]).files)
    with consolidate([across_round], REGISTER, jobs=2) as c:
        compact = _across(c.run.files)
    assert compact == full
    codes = sorted(x[0] for found in compact.values() for x in found)
    assert codes == ["X01", "X02", "X04", "X04"]  # every one of the three fired: the comparison means something


def test_a_worker_hands_back_a_few_facts_and_its_rows_wait_on_disk(across_round):
    with consolidate([across_round], REGISTER) as c:
        rec = c.run.files[0]
        assert isinstance(rec, Received) and not hasattr(rec, "unit")
        assert len(pickle.dumps(rec)) < 4000  # a few KB a workbook, not the 0.9 MB of the units read
        rows = c.store.indicators(rec)
        assert sum(len(p) for p in rows) == rec.indicators > 0
        spill = Path(c.store.folder)
        assert any(spill.iterdir())
        assert (spill / REGISTER_FILE).is_file() and c.register["108001"].unit.code == "108001"  # the register waits there too
    assert not spill.exists()  # closing the round removes its temporary files


def test_a_register_that_cannot_be_used_raises_its_own_error(across_round, tmp_path):
    bad = tmp_path / "bad.csv"  # read in a child process first: the error must still be the register's own
    bad.write_text("单位编码,单位名称,项目编码,项目名称,预算数\n1,单位,P1,项目,abc\n", "utf-8")
    with pytest.raises(RegisterError, match="bad.csv"):
        consolidate([across_round], bad)


@pytest.mark.parametrize("on_disk", [False, True])
def test_compact_register_looks_units_up_as_the_register_does(on_disk, tmp_path):
    units = perfxl.read_register(REGISTER, 2023)
    reg = CompactRegister(units, str(tmp_path) if on_disk else None)
    assert list(reg) == [u.unit.code for u in units] and len(reg) == len(units)
    for u in reversed(units):  # not in the file's order
        assert reg[u.unit.code] == u and reg.get(u.unit.code) == u
    assert "999999" not in reg and reg.get("999999") is None
    assert len(pickle.dumps(reg)) < len(pickle.dumps({u.unit.code: u for u in units}))
    travelled = pickle.loads(pickle.dumps(reg))  # as a spawned worker gets it
    assert [travelled[u.unit.code] for u in units] == units
    if on_disk:  # the units wait in the file: what the process keeps is offsets and facts
        assert (tmp_path / REGISTER_FILE).stat().st_size > 0 and not reg._blobs
        assert len(pickle.dumps(reg)) < len(pickle.dumps(CompactRegister(units))) / 2
        (tmp_path / REGISTER_FILE).write_bytes(b"")
        with pytest.raises(OSError, match="cut short"):
            CompactRegister.__getitem__(travelled, units[1].unit.code)


def test_streamed_tables_are_the_dataframes_rows(across_round, tmp_path):
    with consolidate([across_round], REGISTER) as c:
        streamed = [p.read_bytes() for p in write_csv(c, tmp_path / "streamed")]
        for key in c.table_keys():
            c.tables[key]  # build every DataFrame: the writers then write those
        built = [p.read_bytes() for p in write_csv(c, tmp_path / "built")]
        assert streamed == built
        path = write_summary(c, tmp_path / "汇总.xlsx")
        wb = load_workbook(path)
        for key, sheet in summary.TABLE_SHEETS.items():
            rows = list(wb[sheet].iter_rows(values_only=True))
            df = c.tables[key]
            assert list(rows[0]) == list(df.columns)
            shown = [[None if _blank(v) else v for v in r] for r in rows[1:1 + len(df)]]
            expected = [[None if _blank(v) else v for v in r]
                        for r in df.astype(object).itertuples(index=False, name=None)]
            assert shown == expected, sheet


def _blank(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v) or (isinstance(v, str) and v == "")


def test_the_summary_is_the_same_bytes_for_the_same_round(across_round, tmp_path):
    """Also a second later: no time of writing in the file (XlsxWriter stamps the creation time, to the
    second, unless told a date)."""
    import time

    with consolidate([across_round], REGISTER) as c:
        first = write_summary(c, tmp_path / "a.xlsx").read_bytes()
        time.sleep(1.1)
        assert first == write_summary(c, tmp_path / "b.xlsx").read_bytes()


def test_parquet_tables_are_typed_and_keep_text_as_typed(tmp_path):
    c = compact_round(3, 2, 3, formula='=HYPERLINK("http://x.example","点我")')
    paths = {p.stem: p for p in write_parquet(c, tmp_path)}
    assert set(paths) == set(summary.CSV_NAMES.values())
    indicators = pq.read_table(paths["指标"])
    assert indicators.num_rows == 3 * 2 * 3
    assert indicators.schema.field("序号").type == pa.int64()
    assert indicators.schema.field("指标值").type == pa.float64()  # no unit typed text there this round
    assert indicators.schema.field("三级指标").type == pa.string()
    assert indicators.column("三级指标")[0].as_py() == '=HYPERLINK("http://x.example","点我")'  # not "'=..."
    projects = pq.read_table(paths["项目"])
    assert projects.schema.field("预算数").type == pa.float64() and projects.column("预算数")[0].as_py() == 100.5
    counts = pq.read_table(paths["提交情况"])
    assert counts.schema.field("报送份数").type == pa.int64() and counts.column("报送份数").to_pylist() == [1, 1, 1]


def test_a_value_column_holding_text_is_text_in_parquet(tmp_path):
    c = compact_round(2, 1, 2, text_value="按计划完成")
    indicators = pq.read_table(write_parquet(c, tmp_path)[CSV_INDEX["indicators"]])
    assert indicators.schema.field("指标值").type == pa.string()
    assert set(indicators.column("指标值").to_pylist()) == {"按计划完成", "95"}


def test_parquet_row_groups_gather_batches_and_keep_every_row_in_order(tmp_path):
    """Rows go to Arrow a batch at a time; a table that would pass max_groups row groups gets
    several batches to a group (the writer keeps each group's metadata until it closes), and a
    shorter one a batch a group: every row still comes out once, in the table's order."""
    c = compact_round(5, 2, 3)   # 30 indicator rows
    path = write_parquet(c, tmp_path, batch_rows=4, max_groups=3)[CSV_INDEX["indicators"]]   # 3 batches a group
    meta = pq.read_metadata(path)
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [12, 12, 6]
    table = pq.read_table(path)
    assert list(zip(table.column("项目编码").to_pylist(), table.column("序号").to_pylist())) == \
        [(row[2], row[4]) for row in c.rows("indicators")]
    short = write_parquet(c, tmp_path / "short", batch_rows=4, max_groups=8)[CSV_INDEX["indicators"]]
    assert pq.read_metadata(short).num_row_groups == 8 and pq.read_table(short).equals(table)
    c.close()


CSV_INDEX = {key: i for i, key in enumerate(summary.CSV_NAMES)}


# ---------------------------------------------------------------------------------------------- Excel's limit


def compact_round(n_units: int, n_projects: int, n_indicators: int, *, formula: str | None = None,
                  text_value: str | None = None) -> perfxl.Consolidation:
    """A round built as compact data, the way the workers hand it back: Received facts, and each file's
    project and indicator rows in the round's spill. No workbook is written or read."""
    store = RoundStore()
    files, reg = [], {}
    level1 = ("产出指标", "效益指标", "满意度指标")
    for u in range(n_units):
        code, name = f"{100000 + u}", f"第{u + 1}预算单位"
        projects, indicators, codes = [], [], []
        for j in range(n_projects):
            pcode = f"13081123P{u:06d}{j:06d}"
            sheet = f"{j + 1}.项目{j}"
            codes.append(pcode)
            projects.append((pcode, f"项目{u}-{j}", 100.5, 100.5, 0.0, "用于某项工作的支出",
                             {"3月底": 25, "6月底": 25, "10月底": 25, "12月底": 25}, ["完成年度目标任务"],
                             {"产出指标": n_indicators}, n_indicators, (sheet, "B3")))
            indicators.append([("产出指标", "数量指标", formula if formula and k == 0 else f"指标{k}",
                                f"完成第{k}项工作任务", "≥", text_value if text_value and k == 0 else 95, "%", "", "", "",
                                "", (sheet, f"D{10 + k}")) for k in range(n_indicators)])
        path = f"/收件/{code}_{name}.xlsx"
        files.append(Received(path, FileReport(path, code, []), size=76_000, readable=True, unit_code=code,
                              unit_name=name, department_code=code[:3], department_name=f"第{code[:3]}主管部门",
                              budget_year=2024, framework=("hebei-2023", level1, ("3月底", "6月底", "10月底", "12月底")),
                              project_codes=json.dumps(codes), budget=100.5 * n_projects,
                              indicators=n_projects * n_indicators, flags=4 if text_value else 0,
                              spill=store.add(projects, indicators)))
        reg[code] = UnitData(2024, Unit(code, name, code[:3], f"第{code[:3]}主管部门"))
    return decide_round(CheckRun(files=files), reg, store, budget_year=2024)


def _sheet_xml_facts(path: Path, sheet_part: str) -> tuple[str, int, int]:
    """(first row's XML, number of rows, last row number) of a sheet, read streaming (a GB of XML)."""
    rows, last, head, tail = 0, 0, "", ""
    with zipfile.ZipFile(path) as z, z.open(sheet_part) as f:
        text = io.TextIOWrapper(f, encoding="utf-8")
        while True:
            chunk = text.read(1 << 22)
            if not chunk:
                break
            if not head:
                head = chunk[:20000]
            window = tail + chunk
            rows += (tail[-4:] + chunk).count("<row ")  # a tag cut between two reads is counted once
            numbers = re.findall(r'<row r="(\d+)"', window)
            if numbers:
                last = int(numbers[-1])
            tail = chunk[-200:]
    return head, rows, last


def test_a_round_of_more_than_a_million_indicator_rows(tmp_path):
    """1,050,000 indicator rows (1,050 units x 100 projects x 10): the 指标 sheet says in its first row
    that it shows 1,048,574 of them and where the rest is; CSV and Parquet hold them all."""
    c = compact_round(1050, 100, 10)
    total = 1050 * 100 * 10
    assert overflowing(c) == {"指标": total}
    full = {"CSV": "汇总_完整表格", "Parquet": "汇总_完整表格"}
    path = write_summary(c, tmp_path / "汇总.xlsx", full_tables=full)

    head, rows, last = _sheet_xml_facts(path, "xl/worksheets/sheet4.xml")  # 汇总, 提交情况, 项目, 指标
    assert last == EXCEL_MAX_ROWS and rows == EXCEL_MAX_ROWS  # note, header, 1,048,574 rows: not one more
    note = re.search(r'<c r="A1"[^>]*t="s"><v>(\d+)</v>', head)
    strings = zipfile.ZipFile(path).read("xl/sharedStrings.xml").decode("utf-8")
    texts = re.findall(r"<t[^>]*>([^<]*)</t>", strings)
    shown = texts[int(note.group(1))]
    assert f"{total:,}" in shown and f"{EXCEL_MAX_ROWS - 2:,}" in shown
    assert f"汇总_完整表格{os.sep}指标.csv" in shown and f"汇总_完整表格{os.sep}指标.parquet" in shown
    assert '<row r="2"' in head and "<pane " in head and 'topLeftCell="A3"' in head  # header row 2, frozen
    table = next(zipfile.ZipFile(path).read(n).decode("utf-8") for n in zipfile.ZipFile(path).namelist()
                 if n.startswith("xl/tables/") and "T_indicators" in zipfile.ZipFile(path).read(n).decode("utf-8"))
    assert f'ref="A2:P{EXCEL_MAX_ROWS}"' in table  # the filter covers every row shown

    csv_files = {p.stem: p for p in write_csv(c, tmp_path / "csv")}
    with open(csv_files["指标"], encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        count, last_row = 0, None
        for last_row in reader:
            count += 1
    assert count == total and header[0] == "单位编码" and last_row[2] == "13081123P001049000099"
    parquet = {p.stem: p for p in write_parquet(c, tmp_path / "parquet")}
    assert pq.read_metadata(parquet["指标"]).num_rows == total
    assert pq.read_metadata(parquet["项目"]).num_rows == 1050 * 100
    c.close()


def test_cli_says_when_a_sheet_passes_excels_limit_and_writes_every_table_whole(across_round, tmp_path,
                                                                                 monkeypatch):
    monkeypatch.setattr(summary, "EXCEL_MAX_ROWS", 20)  # the sample round's 指标 has more rows than that
    out = tmp_path / "out" / "汇总.xlsx"
    r = CliRunner().invoke(main, ["consolidate", str(across_round), "-r", str(REGISTER), "-o", str(out)])
    assert r.exit_code == 0, r.output
    whole = tmp_path / "out" / "汇总_完整表格"
    assert "超过 Excel" in r.output and str(whole) in r.output
    with open(whole / "指标.csv", encoding="utf-8-sig", newline="") as f:
        total = sum(1 for _ in csv.reader(f)) - 1
    assert total > 20 and pq.read_metadata(whole / "指标.parquet").num_rows == total
    ws = load_workbook(out)["指标"]
    assert "超过 Excel" in ws["A1"].value and f"{total:,}" in ws["A1"].value
    assert ws["A2"].value == "单位编码" and ws.freeze_panes == "A3" and ws.max_row == 20
    assert load_workbook(out)["提交情况"]["A1"].value == "主管部门编码"  # a sheet within the limit is as always


def test_the_findings_workbook_is_the_same_bytes_a_second_later(across_round):
    """``check --format xlsx``: no time of writing in the file either."""
    import time

    from perfxl.check import check_paths
    from perfxl.report_out import findings_workbook

    report = check_paths([across_round]).report
    first = findings_workbook(report)
    time.sleep(1.1)
    assert first == findings_workbook(report)


def test_shared_wordings_are_those_two_to_five_units_hold():
    """X02's candidates (consolidate._shared_wordings), against counting by hand: every wording hash
    (0 is too short to compare) that 2 to 5 units hold, and the units holding one; a unit that repeats
    a wording counts once."""
    from array import array

    from perfxl.consolidate import _shared_wordings

    rng = random.Random(12)
    for _ in range(500):
        wide = [rng.getrandbits(64) - 2 ** 63 for _ in range(4)]  # hashes in every part (their top bits)
        units = [[rng.choice([0, 1, 2, 3, -5, 2 ** 62, rng.randint(-9, 9), *wide]) for _ in range(rng.randint(0, 8))]
                 for _ in range(rng.randint(0, 12))]
        holders: dict[int, set[int]] = {}
        for i, keys in enumerate(units):
            for k in keys:
                if k:
                    holders.setdefault(k, set()).add(i)
        shared = {k for k, who in holders.items() if 2 <= len(who) <= 5}
        expected = sorted({i for k in shared for i in holders[k]})
        for parts in (1, 2, 8, 16):  # sorted a part at a time: the same whatever the parts
            got = _shared_wordings([array("q", keys).tobytes() for keys in units], 5, parts)
            assert got == (expected, shared), (units, parts)
