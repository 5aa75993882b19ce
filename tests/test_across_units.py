"""X01 across units: one project code in two units' workbooks is reported once, in the later file.

``check_paths`` (and so ``perfxl check`` and consolidation) runs the checks that need every file
after reading each; these tests give it two units' returned workbooks and read what lands where.
"""
from __future__ import annotations

import pytest

import perfxl
from perfxl.check import CheckRun, check_across, check_file, check_paths
from perfxl.layout import ProjectLayout
from perfxl.model import unit_from_dict

from units import clean

HEBEI = perfxl.load_framework("hebei-2023")


def _unit(code: str, name: str, project_codes: list[str]) -> dict:
    data = clean()
    data["unit"].update(code=code, name=name)
    for p, project_code in zip(data["projects"], project_codes):
        p["code"] = project_code
    return data


def _write(tmp_path, data: dict, folder: str):
    return perfxl.write_workbook(unit_from_dict(data), HEBEI, tmp_path / folder)


SHARED = "13081123P008047100028"
A = ["13081123P108001000001", SHARED]
B = [SHARED, "13081123P115001000002"]


def _x01(checked) -> list[tuple]:
    return [(f.sheet, f.cell, f.project_code, f.value) for f in checked.report.findings if f.code == "X01"]


def test_a_project_code_in_two_units_workbooks_is_reported_in_the_later_one_at_its_code_cell(tmp_path):
    first = _write(tmp_path, _unit("108001", "教育局本级", A), "a")
    second = _write(tmp_path, _unit("115001", "土地收购储备中心本级", B), "b")
    run = check_paths([first, second])
    assert _x01(run.files[0]) == []
    (sheet, cell, project_code, value), = _x01(run.files[1])
    assert (cell, project_code, value) == (ProjectLayout(HEBEI).code.a1, SHARED, SHARED)
    assert sheet == "1." + run.files[1].unit.projects[0].name  # the sheet of the project that repeats the code
    (f,) = [f for f in run.files[1].report.findings if f.code == "X01"]
    assert f.severity == "error" and "108001" in f.message and "108001" in f.message_en
    assert not run.report.valid


def test_the_order_of_the_inputs_decides_which_file_is_reported(tmp_path):
    first = _write(tmp_path, _unit("108001", "教育局本级", A), "a")
    second = _write(tmp_path, _unit("115001", "土地收购储备中心本级", B), "b")
    run = check_paths([second, first])
    assert [len(_x01(c)) for c in run.files] == [0, 1]


def test_units_with_different_project_codes_get_no_x01(tmp_path):
    first = _write(tmp_path, _unit("108001", "教育局本级", A), "a")
    second = _write(tmp_path, _unit("115001", "土地收购储备中心本级", ["13081123P115001000001", B[1]]), "b")
    assert [_x01(c) for c in check_paths([first, second]).files] == [[], []]


def test_a_unit_sending_its_workbook_twice_is_x04_not_x01(tmp_path):
    path = _write(tmp_path, _unit("108001", "教育局本级", A), "a")
    again = tmp_path / "again.xlsx"
    again.write_bytes(path.read_bytes())
    run = check_paths([path, again])
    assert [_x01(c) for c in run.files] == [[], []]
    assert [sum(f.code == "X04" for f in c.report.findings) for c in run.files] == [1, 1]
    # each file's X04 carries that file's own path (the summary's 问题清单 shows which copy it is)
    assert [[f.value for f in c.report.findings if f.code == "X04"] for c in run.files] == [[c.path] for c in run.files]


def test_check_across_on_checked_files_raises_x01_once_per_shared_code(tmp_path):
    files = [_write(tmp_path, _unit(code, f"单位{code}", codes), code)
             for code, codes in (("108001", A), ("115001", B), ("112001", [SHARED, "13081123P112001000002"]))]
    run = CheckRun([check_file(p) for p in files])
    taken = check_across(run)
    assert len(taken) == 3
    assert [len(_x01(c)) for c in run.files] == [0, 1, 1]


@pytest.mark.parametrize("draft", [True, False])
def test_x01_across_units_is_a_submit_mode_check(tmp_path, draft):
    first = _write(tmp_path, _unit("108001", "教育局本级", A), "a")
    second = _write(tmp_path, _unit("115001", "土地收购储备中心本级", B), "b")
    run = check_paths([first, second], mode="draft" if draft else "submit")
    assert sum(len(_x01(c)) for c in run.files) == (0 if draft else 1)


def test_consolidation_names_the_unit_and_the_file_that_had_the_code_first_in_both_languages(tmp_path):
    a, b = _unit("108001", "教育局本级", A), _unit("115001", "土地收购储备中心本级", B)
    first, second = _write(tmp_path, a, "a"), _write(tmp_path, b, "b")
    register = {d["unit"]["code"]: unit_from_dict(d) for d in (a, b)}
    with perfxl.consolidate([first, second], register) as c:
        (f,) = [f for r in c.run.files for f in r.report.findings if f.code == "X01"]
    assert f.project_code == SHARED and f.cell == ProjectLayout(HEBEI).code.a1
    assert f"单位 108001 的工作簿（{first.name}）" in f.message
    assert f"unit 108001's workbook ({first.name})" in f.message_en


def test_consolidations_x01_flags_every_later_holder_of_a_code_and_only_them():
    """consolidate's X01 over Received facts (hashes first, then only the codes more than one project
    holds), against the rule by hand on a round drawn with many shared codes: a code two or three
    units hold, a code one unit lists twice (not X01: no other unit), codes nobody shares."""
    import json
    import random

    from perfxl.consolidate import Received, RoundStore, _x01
    from perfxl.findings import FileReport

    rnd = random.Random(7)
    pool = [f"13081123P{n:012d}" for n in range(60)]
    store = RoundStore()
    taken, expected, owner = [], [], {}
    for u in range(40):
        codes = [rnd.choice(pool) if rnd.random() < 0.5 else f"13081123U{u:06d}{j:06d}" for j in range(rnd.randint(1, 5))]
        if u == 3:
            codes += [codes[-1], f"13081123U{u:06d}999999", f"13081123U{u:06d}999999"]  # listed twice in one unit
        projects = [(c, "项目", 1, 1, 0, "", {}, [], {}, 0, (f"{j + 1}.项目", "B3")) for j, c in enumerate(codes)]
        rec = Received(f"/r/{u}.xlsx", FileReport(f"/r/{u}.xlsx", f"{u:06d}"), readable=True, unit_code=f"{u:06d}",
                       project_codes=json.dumps(codes), spill=store.add(projects, [[] for _ in codes]))
        for j, c in enumerate(codes):
            first = owner.setdefault(c, rec)
            if first is not rec:
                expected.append((rec.unit_code, f"{j + 1}.项目", c, first.unit_code))
        taken.append(rec)
    _x01(taken, store)
    got = [(r.unit_code, f.sheet, f.project_code, f.message.split("单位 ")[1].split(" ")[0])
           for r in taken for f in r.report.findings if f.code == "X01"]
    assert got == expected and len(expected) > 10
    assert any(codes.count(c) > 1 for codes in (json.loads(r.project_codes) for r in taken) for c in codes)
    store.close()
