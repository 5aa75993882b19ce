"""Pieces of consolidation that a whole round exercises without looking at (issue 9's survivors): the
compact register a 10,000-unit round keeps, the projects table's whole-number shares, and the tables
of a result whose round is gone."""
from __future__ import annotations

import gc
import pickle
from pathlib import Path

import pandas as pd
import pytest

from perfxl.consolidate import CompactRegister, _Tables, _whole_numbers
from perfxl.model import unit_from_dict

from conftest import SAMPLES
from units import clean


def _unit(code: str, dept: str | None, budgets: list[float | None]):
    d = clean()
    d["unit"].update(code=code, name=f"单位{code}")
    if dept is None:
        d["unit"].pop("department_code", None)
        d["unit"].pop("department_name", None)
    else:
        d["unit"].update(department_code=dept, department_name=f"主管{dept}")
    d["projects"] = [dict(d["projects"][0], code=f"13081123P{code}{k:06d}") for k in range(len(budgets))]
    for p, b in zip(d["projects"], budgets):
        p["funds"] = dict(p["funds"], total=b)
    return unit_from_dict(d)


@pytest.fixture(scope="module")
def register():
    return CompactRegister([_unit("101001", "101", [100.0, 25.5]), _unit("112001", None, [None, 40.0, 10.0])])


def test_the_compact_register_gives_back_each_unit_as_it_was_given(register):
    assert list(register) == ["101001", "112001"] and len(register) == 2
    assert "101001" in register and "999999" not in register
    again = register["112001"]
    assert again.unit.code == "112001" and [p.funds.total for p in again.projects] == [None, 40.0, 10.0]
    assert register["112001"] is again  # the last lookup is kept
    assert register["101001"].unit.name == "单位101001"
    with pytest.raises(KeyError):
        register["999999"]


def test_the_compact_register_facts_are_what_the_summary_shows_of_a_unit(register):
    assert register.facts("101001") == ("101", "主管101", "101001", "单位101001", 2, 125.5)
    # no 主管部门: blanks, not None; a project without a budget adds nothing
    assert register.facts("112001") == ("", "", "112001", "单位112001", 3, 50.0)


def test_a_register_given_as_data_gives_the_same_facts_as_the_compact_one(register):
    """A Python caller may hand the register as a dict of units: 提交情况 must show the same."""
    from perfxl.consolidate import _facts

    as_data = {code: register[code] for code in register}
    for code in register:
        assert _facts(as_data, code) == _facts(register, code) == register.facts(code)


def test_the_compact_register_travels_to_a_worker_without_its_last_unit(register):
    register["101001"]
    state = register.__getstate__()
    assert state["_last"] is None and set(state["_blobs"]) == {"101001", "112001"}
    copy = pickle.loads(pickle.dumps(register))
    assert copy._last is None and list(copy) == list(register)
    assert copy.facts("112001") == register.facts("112001") and copy["101001"].unit.code == "101001"


def test_shares_all_whole_become_integers_and_others_stay_as_they_are():
    df = pd.DataFrame({"一季度(%)": [20.0, 30.0, None], "二季度(%)": [20.5, 30.0, 10.0],
                       "三季度(%)": ["二十", 30.0, 10.0], "四季度(%)": [None, None, None], "标志": [True, False, True]})
    out = _whole_numbers(df, ["一季度(%)", "二季度(%)", "三季度(%)", "四季度(%)", "标志"])
    assert str(out["一季度(%)"].dtype) == "Int64" and out["一季度(%)"].tolist()[:2] == [20, 30]
    assert out["一季度(%)"].isna().tolist() == [False, False, True]
    assert out["二季度(%)"].tolist() == [20.5, 30.0, 10.0]            # a fraction: kept
    assert out["三季度(%)"].tolist() == ["二十", 30.0, 10.0]           # a text: kept
    assert out["四季度(%)"].isna().all() and str(out["四季度(%)"].dtype) != "Int64"  # nothing to judge by
    assert out["标志"].tolist() == [True, False, True] and out["标志"].dtype == bool  # booleans are no shares


class _Owner:
    def table_keys(self):
        return ["submissions", "projects"]

    def frame(self, key):
        return pd.DataFrame({"key": [key]})


def test_tables_list_the_rounds_tables_and_then_only_those_built_once_the_round_is_gone():
    owner = _Owner()
    tables = _Tables(owner)
    assert list(tables) == ["submissions", "projects"] and len(tables) == 2
    assert tables["projects"]["key"].tolist() == ["projects"]
    with pytest.raises(KeyError):
        tables["nope"]
    del owner
    gc.collect()
    assert list(tables) == ["projects"]  # what was built stays usable
    with pytest.raises(KeyError):
        tables["submissions"]


def test_a_round_store_gives_back_each_record_as_written_with_or_without_department_rows(tmp_path):
    from types import SimpleNamespace

    from perfxl.consolidate import RoundStore
    store = RoundStore(tmp_path / "round")
    (tmp_path / "round").mkdir()
    plain = SimpleNamespace(spill=store.add([("P1", "项目一")], [("P1", 1, "指标")]))
    v2 = SimpleNamespace(spill=store.add([("P2", "项目二")], [], [("部门", 1, "部门指标")]))
    empty_dept = SimpleNamespace(spill=store.add([], [], []))
    nothing = SimpleNamespace(spill=None)
    assert (store.projects(plain), store.indicators(plain), store.department(plain)) == (
        [("P1", "项目一")], [("P1", 1, "指标")], [])
    assert (store.projects(v2), store.indicators(v2), store.department(v2)) == (
        [("P2", "项目二")], [], [("部门", 1, "部门指标")])
    assert len(plain.spill) == 4 and len(v2.spill) == 5 and len(empty_dept.spill) == 4  # no rows: no part
    assert (store.projects(nothing), store.indicators(nothing), store.department(nothing)) == ([], [], [])
    store.close()
    assert not (tmp_path / "round").exists()


def test_a_projects_errors_and_warnings_count_its_own_findings_only():
    """The 项目 sheet's 错误 and 提示: per project, its findings of each severity; a finding of the
    unit as a whole (no project) and advice (info) count nowhere."""
    from types import SimpleNamespace as NS

    from perfxl.consolidate import Consolidation

    found = [NS(project_code="P1", severity="error"), NS(project_code="P1", severity="error"),
             NS(project_code="P1", severity="warning"), NS(project_code="P2", severity="warning"),
             NS(project_code="P2", severity="info"), NS(project_code=None, severity="error")]
    counts = Consolidation.project_counts(NS(report=NS(findings=found)))
    assert counts == {"P1": [2, 1], "P2": [0, 1]}
    assert Consolidation.project_counts(NS(report=NS(findings=[]))) == {}


@pytest.mark.parametrize("n, cut", [(8, False), (9, True)])
def test_a_wrong_round_names_eight_unit_codes_then_cuts_the_list(n, cut):
    from types import SimpleNamespace as NS

    from perfxl.consolidate import _check_matches
    from perfxl.errors import RoundMismatch

    files = [NS(report=NS(unit_code=f"9{k:05d}"), readable=True) for k in range(n)]
    with pytest.raises(RoundMismatch) as e:
        _check_matches(["returned"], {"101001": None}, "清单.xlsx", NS(files=files))
    message = str(e.value)
    assert all(f"9{k:05d}" in message for k in range(8)) and ("900008" in message) is False
    assert ("…" in message) is cut


def test_closing_a_round_whose_temporary_folder_is_already_gone_is_quiet():
    """A system cleaner (or a second close) may have removed the round's folder first: closing it
    must not turn the end of a finished consolidation into an error."""
    import shutil

    from perfxl.consolidate import RoundStore

    store = RoundStore()
    store.add([("P", "项目")], [])
    shutil.rmtree(store.folder)
    store.close()
    store.close()


def _two_returns(folder: Path) -> dict:
    """The sample units 108001 and 112001 written as returned workbooks into ``folder``: the register
    the two consolidation tests below hand over as data."""
    import perfxl

    units = {code: perfxl.load_unit(SAMPLES / "units" / f"{code}.json") for code in ("108001", "112001")}
    for u in units.values():
        perfxl.write_workbook(u, perfxl.load_framework("hebei-2023"), folder)
    return units


def test_a_file_whose_reading_failed_is_listed_with_its_checksum(tmp_path, monkeypatch):
    """A file whose reading ended its worker (here a MemoryError) is still a file the round received: 文件清单
    lists it as unreadable with its SHA-256, like every other file."""
    import hashlib

    from perfxl import check as check_mod
    from perfxl.consolidate import consolidate

    d = tmp_path / "in"
    units = _two_returns(d)
    broken = next(p for p in d.iterdir() if p.name.startswith("112001"))
    real = check_mod.read_return

    def read_return(path, **kw):
        if Path(path).name == broken.name:
            raise MemoryError  # what ends a worker: the parent gets Crashed
        return real(path, **kw)

    monkeypatch.setattr(check_mod, "read_return", read_return)
    with consolidate([d], units, jobs=1) as c:
        files = c.tables["files"].set_index("单位编码")
    assert files.loc["112001", "状态"] == "无法读取"
    assert files.loc["112001", "SHA-256"] == hashlib.sha256(broken.read_bytes()).hexdigest()
    assert files.loc["108001", "状态"] == "采用"


def test_consolidation_reports_its_progress_once_per_file_after_saying_how_many(tmp_path):
    """The CLI's progress bar and the web page's counter: told the number of returns first, then one
    tick per file read."""
    from perfxl.consolidate import consolidate

    d = tmp_path / "in"
    units = _two_returns(d)
    (d / "说明.txt").write_text("不是报送文件", "utf-8")
    events = []
    with consolidate([d], units, progress=lambda x: events.append(("tick", x)),
                     on_total=lambda n: events.append(("total", n))):
        pass
    assert events == [("total", 2), ("tick", None), ("tick", None)]
