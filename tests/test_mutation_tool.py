"""tools/mutation.py, the mutation-testing driver (docs/mutation.md), without mutmut's hours: its
rewriting of decorated functions, the settings it writes, and its scores from mutmut's results,
with a stand-in executable that answers as mutmut does."""
from __future__ import annotations

import importlib.util
import json
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("perfxl_mutation_tool", ROOT / "tools" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_decorated_functions_are_written_plain_and_bound_the_same(tool):
    source = ("import functools\n"
              "def tag(code):\n    return lambda f: setattr(f, 'code', code) or f\n"
              "@tag('F01')\n@functools.lru_cache\ndef rule(x):\n    return x + 1\n"
              "class C:\n    @property\n    def p(self):\n        return 2\n"
              "    @staticmethod\n    def s():\n        return 3\n")
    out = tool.undecorate(source)
    assert "@tag" not in out and "@property" not in out and "@staticmethod" in out
    assert "rule = tag('F01')(functools.lru_cache(rule))" in out
    space: dict = {}
    exec(out, space)
    assert space["rule"](1) == 2 and space["rule"].code == "F01" and space["rule"].cache_info().misses == 1
    assert space["C"]().p == 2 and space["C"].s() == 3


def test_together_one_scratch_copy_mutates_every_module_given(tool, tmp_path):
    here = tool.prepare(tmp_path, ["integrity", "archives"], ["tests/test_x.py::test_y"], [], fresh=False)
    assert here == tmp_path / "integrity+archives"
    settings = tomllib.loads((here / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    assert settings["only_mutate"] == ["perfxl/integrity.py", "perfxl/archives.py"]
    assert "--deselect=tests/test_x.py::test_y" in settings["pytest_add_cli_args"]
    assert (here / "perfxl" / "templates").is_dir() and (here / "perfxl" / "samples").is_dir()


FAKE = '''#!{python}
import sys
if sys.argv[1] == "run":
    print("ran", sys.argv[2:])
elif sys.argv[1] == "results":
    print("""    perfxl.integrity.x_sign__mutmut_1: killed
    perfxl.integrity.x_sign__mutmut_2: survived
    perfxl.integrity.xǁIdentityǁget__mutmut_1: timeout
    perfxl.archives.x__mb__mutmut_1: no tests
    perfxl.archives.x__mb__mutmut_2: killed
    perfxl.archives.x__mb__mutmut_3: not checked""")
elif sys.argv[1] == "show":
    print("--- diff of", sys.argv[2])
'''


def test_scores_are_split_by_module_from_one_run(tool, tmp_path):
    fake = tmp_path / "mutmut"
    fake.write_text(FAKE.format(python=sys.executable), "utf-8")
    fake.chmod(0o755)
    here = tmp_path / "both"
    here.mkdir()
    scores = {s.module: s for s in tool.run_modules([str(fake)], here, ["integrity", "archives"], jobs=2)}
    integrity, archives = scores["integrity"], scores["archives"]
    assert (integrity.mutants, integrity.killed, integrity.survived, integrity.timeout) == (3, 2, 1, 1)
    assert integrity.score == pytest.approx(2 / 3)
    assert (archives.mutants, archives.killed, archives.survived, archives.no_tests, archives.other) == (3, 1, 1, 1, 1)
    assert archives.score == 0.5
    assert (here / "survivors-integrity.txt").read_text("utf-8").strip() == \
        "--- diff of perfxl.integrity.x_sign__mutmut_2"
    assert "perfxl.archives.x__mb__mutmut_1" in (here / "survivors-archives.txt").read_text("utf-8")
    assert "ran ['--max-children', '2']" in (here / "mutmut.log").read_text("utf-8")


def test_main_prints_each_modules_score_and_keeps_the_figures(tool, tmp_path, capsys, monkeypatch):
    fake = tmp_path / "mutmut"
    fake.write_text(FAKE.format(python=sys.executable), "utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(tool, "prepare", lambda workdir, group, *a: workdir)
    assert tool.main(["integrity", "archives", "--together", "--mutmut", str(fake), "--workdir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "integrity+archives: mutating perfxl/integrity.py, perfxl/archives.py" in out
    assert any(line.split()[:2] == ["integrity", "3"] and "67%" in line for line in out.splitlines())
    assert any(line.split()[:2] == ["archives", "3"] and "50%" in line for line in out.splitlines())
    summary = json.loads((tmp_path / "summary.json").read_text("utf-8"))
    assert summary["archives"]["score"] == 0.5 and summary["integrity"]["survived"] == 1


def test_a_mutants_tests_run_cheapest_file_first_each_file_whole_and_in_order(tmp_path):
    from conftest import cheap_files_first

    class Item:
        def __init__(self, nodeid):
            self.nodeid, self.path = nodeid, Path(nodeid.split("::")[0])

    stats = tmp_path / "mutmut-stats.json"
    stats.write_text(json.dumps({"duration_by_test": {
        "tests/a.py::t1": 5.0, "tests/a.py::t2": 0.1, "tests/b.py::t1": 0.2, "tests/b.py::t2": 0.3,
        "tests/c.py::t1": 9.0}}), "utf-8")
    items = [Item(n) for n in ("tests/c.py::t1", "tests/a.py::t1", "tests/b.py::t2", "tests/a.py::t2",
                               "tests/b.py::t1", "tests/d.py::new")]
    cheap_files_first(items, stats)
    assert [i.nodeid for i in items] == ["tests/d.py::new", "tests/b.py::t2", "tests/b.py::t1",
                                         "tests/a.py::t1", "tests/a.py::t2", "tests/c.py::t1"]
    unchanged = list(items)
    cheap_files_first(items, tmp_path / "none.json")  # no timings: left as given
    assert items == unchanged


def test_rejudge_copies_the_tests_in_and_forgets_the_survivors_so_the_next_run_judges_them(tool, tmp_path):
    fake = tmp_path / "mutmut"
    fake.write_text(FAKE.format(python=sys.executable), "utf-8")
    fake.chmod(0o755)
    here = tmp_path / "kept"
    (here / "mutants" / "tests").mkdir(parents=True)
    (here / "mutants" / "tests" / "test_old.py").write_text("", "utf-8")
    meta = here / "mutants" / "perfxl" / "integrity.py.meta"
    meta.parent.mkdir()
    codes = {"a__mutmut_1": 1, "a__mutmut_2": 0, "a__mutmut_3": 33, "a__mutmut_4": None, "a__mutmut_5": 36}
    meta.write_text(json.dumps({"exit_code_by_key": codes, "durations_by_key": {}}), "utf-8")
    tool.run_modules([str(fake)], here, ["integrity"], jobs=1, rejudge=True)
    assert json.loads(meta.read_text("utf-8"))["exit_code_by_key"] == {
        "a__mutmut_1": 1, "a__mutmut_2": None, "a__mutmut_3": None, "a__mutmut_4": None, "a__mutmut_5": 36}
    runs = [line for line in (here / "mutmut.log").read_text("utf-8").splitlines() if line.startswith("ran ")]
    assert runs == ["ran ['--max-children', '1']"]  # a plain run judges what has no result
    for tests in (here / "tests", here / "mutants" / "tests"):
        assert (tests / "test_mutation_tool.py").is_file() and not (tests / "test_old.py").exists()


def _meta(here: Path, module: str, codes: dict) -> Path:
    meta = here / "mutants" / "perfxl" / f"{module}.py.meta"
    meta.parent.mkdir(parents=True, exist_ok=True)
    meta.write_text(json.dumps({"exit_code_by_key": codes, "durations_by_key": {}}), "utf-8")
    return meta


def test_a_sample_is_drawn_from_every_mutant_the_rest_marked_skipped_and_kept_for_the_next_run(tool, tmp_path):
    names = [f"perfxl.rules.x_f__mutmut_{i}" for i in range(1, 41)]
    codes = {n: None for n in names}
    codes[names[0]] = 1  # judged by an earlier run: still drawn from, and keeps its result
    meta = _meta(tmp_path, "rules", codes)
    chosen = tool.mark_sample(tmp_path, ["rules"], size=10, seed=7)["rules"]
    assert len(chosen) == len(set(chosen)) == 10 and set(chosen) <= set(names)
    after = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    assert {n for n, c in after.items() if c is None} == set(chosen) - {names[0]}
    assert {n for n, c in after.items() if c == tool.SKIPPED} == set(names) - set(chosen) - {names[0]}
    assert after[names[0]] == 1
    # the same size and seed: the same sample, even once its mutants are judged
    assert tool.mark_sample(tmp_path, ["rules"], size=10, seed=7)["rules"] == chosen
    # another seed: another sample; the mutants it now takes in are no longer skipped
    other = tool.mark_sample(tmp_path, ["rules"], size=10, seed=8)["rules"]
    assert other != chosen
    again = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    assert all(again[n] in (None, 1) for n in other)
    assert json.loads((tmp_path / "sample.json").read_text("utf-8"))["rules"] == {
        "size": 10, "seed": 8, "names": other}


def test_a_sample_larger_than_the_module_takes_every_mutant(tool, tmp_path):
    _meta(tmp_path, "layout", {"perfxl.layout.x_a__mutmut_1": None, "perfxl.layout.x_a__mutmut_2": 0})
    assert tool.mark_sample(tmp_path, ["layout"], size=50, seed=1)["layout"] == [
        "perfxl.layout.x_a__mutmut_1", "perfxl.layout.x_a__mutmut_2"]


def test_wilsons_interval_holds_the_score_and_stays_inside_zero_and_one(tool):
    low, high = tool.wilson(50, 50)
    assert 0.92 < low < 0.93 and high == 1.0  # every sampled mutant killed: still not certain
    low, high = tool.wilson(45, 50)
    assert low == pytest.approx(0.786, abs=0.001) and high == pytest.approx(0.957, abs=0.001)
    assert tool.wilson(0, 10)[0] == 0.0


def test_a_sampled_score_counts_only_the_sample(tool, tmp_path, monkeypatch):
    fake = tmp_path / "mutmut"
    fake.write_text(FAKE.format(python=sys.executable), "utf-8")
    fake.chmod(0o755)
    here = tmp_path / "both"
    here.mkdir()
    drawn = {"integrity": ["perfxl.integrity.x_sign__mutmut_1", "perfxl.integrity.x_sign__mutmut_2"],
             "archives": ["perfxl.archives.x__mb__mutmut_2"]}
    monkeypatch.setattr(tool, "generate", lambda *a: None)
    monkeypatch.setattr(tool, "mark_sample", lambda here, modules, size, seed: drawn)
    scores = {s.module: s for s in tool.run_modules([str(fake)], here, ["integrity", "archives"], jobs=2,
                                                     sample=2, seed=1)}
    assert (scores["integrity"].killed, scores["integrity"].survived, scores["integrity"].sampled) == (1, 1, 2)
    assert (scores["archives"].killed, scores["archives"].survived, scores["archives"].mutants) == (1, 0, 1)
    assert scores["archives"].interval == tool.wilson(1, 1)
    assert "(sample)" in tool.table(list(scores.values()))


def test_a_kept_sample_whose_mutants_vanished_is_refilled_to_its_size(tool, tmp_path):
    names = [f"perfxl.check.x_f__mutmut_{i}" for i in range(1, 31)]
    meta = _meta(tmp_path, "check", {n: None for n in names})
    chosen = tool.mark_sample(tmp_path, ["check"], size=10, seed=3)["check"]
    gone = set(chosen[:3])  # their function was rewritten with fewer mutants
    meta.write_text(json.dumps({"exit_code_by_key": {n: None for n in names if n not in gone}}), "utf-8")
    again = tool.mark_sample(tmp_path, ["check"], size=10, seed=3)["check"]
    assert len(again) == 10 and set(chosen[3:]) <= set(again) and not gone & set(again)


def test_rejudge_writes_only_the_changed_source_files_the_tested_modules_plain(tool, tmp_path, monkeypatch):
    here = tmp_path / "kept"
    (here / "perfxl").mkdir(parents=True)
    fake_root = tmp_path / "root"
    (fake_root / "perfxl").mkdir(parents=True)
    (fake_root / "perfxl" / "rules.py").write_text("@check('F01')\ndef f():\n    return 1\n", "utf-8")
    (fake_root / "perfxl" / "values.py").write_text("X = 1\n", "utf-8")
    (here / "perfxl" / "values.py").write_text("X = 1\n", "utf-8")
    monkeypatch.setattr(tool, "ROOT", fake_root)
    assert tool.refresh_source(here, ["rules"]) == ["perfxl/rules.py"]
    assert "f = check('F01')(f)" in (here / "perfxl" / "rules.py").read_text("utf-8")
    assert tool.refresh_source(here, ["rules"]) == []  # nothing changed since


def test_a_sample_made_smaller_is_a_random_part_of_it_whatever_was_judged(tool, tmp_path):
    names = [f"perfxl.layout.x_f__mutmut_{i}" for i in range(1, 61)]
    meta = _meta(tmp_path, "layout", {n: None for n in names})
    big = tool.mark_sample(tmp_path, ["layout"], size=20, seed=5)["layout"]
    codes = json.loads(meta.read_text("utf-8"))
    codes["exit_code_by_key"].update({n: 1 for n in big[:5]})  # a stopped run judged a few
    meta.write_text(json.dumps(codes), "utf-8")
    small = tool.mark_sample(tmp_path, ["layout"], size=8, seed=5)["layout"]
    assert len(small) == 8 and set(small) <= set(big)
    assert small == tool.mark_sample(tmp_path, ["layout"], size=8, seed=5)["layout"]  # stable
    after = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    assert all(after[n] in (None, 1) for n in small)
    assert all(after[n] == tool.SKIPPED for n in set(big) - set(small) if n not in big[:5])
    assert json.loads((tmp_path / "sample.json").read_text("utf-8"))["layout"]["size"] == 8


def test_sample_sizes_one_for_all_or_one_per_module(tool):
    assert tool.sample_sizes([], ["rules"]) == 0
    assert tool.sample_sizes(["50"], ["rules", "layout"]) == 50
    assert tool.sample_sizes(["50", "rules=20"], ["rules", "layout"]) == {"rules": 20, "layout": 50}
    for bad in (["rules=0"], ["x=5", "50"], ["rules=20"], ["fifty"]):
        with pytest.raises(ValueError):
            tool.sample_sizes(bad, ["rules", "layout"])
