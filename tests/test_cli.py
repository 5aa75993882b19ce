import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
from perfxl.cli import main
from perfxl.reader import load_grid, verify_grid

from conftest import ROOT, SAMPLES, table_file
from workbook_assertions import assert_unit_workbook


def run(*args, **kw):
    """Invoke the CLI as the console script would (its main turns every failure into a message)."""
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)
    assert "Traceback" not in result.output, result.output
    return result


def test_template_from_register(tmp_path):
    r = run("template", SAMPLES / "register.csv", "-o", tmp_path, "--year", 2025, "--framework", "mof-2021")
    assert r.exit_code == 0, r.output
    files = sorted(tmp_path.glob("*.xlsx"))
    units = perfxl.read_register(SAMPLES / "register.csv", 2025)
    assert len(files) == len(units) and f"已生成 {len(units)} 个单位工作簿" in r.output
    wb = load_workbook(files[0])
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["perfxl.framework"] == "mof-2021" and props["perfxl.budget_year"] == "2025"


def test_template_from_data_with_key(tmp_path, hebei):
    key = tmp_path / "k"
    key.write_text("secret")
    r = run("template", "--data", SAMPLES / "units" / "115001.json", "-o", tmp_path / "out", "--key-file", key,
            "--password", "pw")
    assert r.exit_code == 0, r.output
    (path,) = (tmp_path / "out").glob("*.xlsx")
    assert path.name.startswith("115001_")
    assert_unit_workbook(path, perfxl.load_unit(SAMPLES / "units" / "115001.json"), hebei, key=b"secret")
    assert verify_grid(load_grid(path), b"secret").method == "hmac-sha256"


def test_template_errors_are_clean(tmp_path):
    r = run("template", "-o", tmp_path)
    assert r.exit_code == 2 and "二者选一" in r.output
    bad = table_file(tmp_path / "bad.csv", [["单位编码", "单位名称", "项目编码", "项目名称", "预算数", "财政资金"],
                                            ["1", "单位", "P1", "项目", "abc", "0"]])
    r = run("template", bad, "-o", tmp_path / "o")
    assert r.exit_code == 2 and "bad.csv" in r.output and "第 2 行：预算数 'abc' 不是数字" in r.output
    assert "Traceback" not in r.output and not (tmp_path / "o").exists()
    bad_json = tmp_path / "u.json"
    bad_json.write_text('{"budget_year": 2023}', "utf-8")
    r = run("template", "--data", bad_json, "-o", tmp_path / "o")
    assert r.exit_code == 2 and "u.json" in r.output and "缺少必填项“unit”" in r.output
    r = run("template", SAMPLES / "register.xlsx", "-o", tmp_path / "o", "--framework", "nope")
    assert r.exit_code == 2 and "未知的指标体系" in r.output


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One `perfxl demo` for the tests of its two halves (it takes half a minute)."""
    demo = tmp_path_factory.mktemp("demo") / "demo"
    return run("demo", demo), demo


def test_demo(demo_run):
    import json as _json

    r, demo = demo_run
    assert r.exit_code == 0, r.output
    register = perfxl.read_register(SAMPLES / "register.xlsx", 2023)
    assert len(list((demo / "1-templates").glob("*.xlsx"))) == len(register)
    units = sorted(u.stem for u in (SAMPLES / "units").glob("*.json"))
    report = _json.loads((demo / "3-审核报告.json").read_text("utf-8"))
    by_unit: dict = {}
    for f in report["files"]:
        by_unit.setdefault(f["unit_code"], []).append(f)
    assert sorted(k for k in by_unit if k and k != "112002") == units  # every sample unit's return was read
    assert len(by_unit["101002"]) == 2  # sent twice
    assert [f["findings"][0]["code"] for f in by_unit["112002"]] == ["S01"]  # the broken file, named for its unit
    assert all(f["valid"] for f in by_unit["108001"] + by_unit["112001"])  # the clean samples pass
    assert not by_unit["115001"][0]["valid"]  # the seed does not
    assert len(list((demo / "4-returns").glob("*_审核意见.xlsx"))) == len(units) + 1
    summary = load_workbook(demo / "5-汇总.xlsx")
    status = {r[2]: r[12] for r in summary["提交情况"].iter_rows(min_row=2, values_only=True)}
    assert status["101001"] == "未报送" and status["112002"] == "已报送（无法读取）" and status["108001"] == "通过"
    assert "5. 汇总" in r.output


def test_demo_second_half_writes_each_step_of_the_self_evaluation(demo_run):
    """After the goals round, the self-evaluation of the adopted goals: one template per unit whose goal
    return the round took, the returns (one as its export JSON), the check, annotated returns, the
    summary and one unit's 项目支出绩效自评表."""
    from perfxl.demo import SELFEVAL_AS_JSON, SELFEVAL_DIR, SELFEVAL_RENDERED
    from perfxl.layout import IDENTITY_SHEET

    r, demo = demo_run
    second = demo / SELFEVAL_DIR
    adopted = sorted(u.stem for u in (SAMPLES / "units").glob("*.json"))  # every sample unit's goals were taken
    templates = sorted(second.glob("1-自评模板/*.xlsx"))
    assert [p.name.split("_")[0] for p in templates] == adopted
    ident = {row[0].value: row[1].value for row in load_workbook(templates[0])[IDENTITY_SHEET].iter_rows(max_col=2)}
    assert ident["form"] == "selfeval" and ident["approved_goals"].startswith("sha256:")
    returned = sorted(p.name for p in (second / "2-自评报送").iterdir())
    assert [n.split("_")[0] for n in returned] == adopted
    assert [n for n in returned if n.endswith(".json")] == [n for n in returned if n.startswith(SELFEVAL_AS_JSON)]
    assert (second / "3-自评审核报告.json").is_file() and (second / "3-自评问题清单.xlsx").is_file()
    assert len(list((second / "4-自评退回").glob("*_审核意见.xlsx"))) == len(adopted)
    from perfxl.selfeval_consolidate import SHEETS  # the self-evaluation round's summary sheets

    sheets = load_workbook(second / "5-自评汇总.xlsx", read_only=True).sheetnames
    assert set(SHEETS.values()) <= set(sheets)
    (document,) = (second / "6-自评表").glob("*.docx")
    assert document.name.startswith(SELFEVAL_RENDERED) and document.name.endswith("项目支出绩效自评表.docx")
    assert "7. 年终绩效自评" in r.output and "7.6" in r.output


def test_demo_self_evaluation_check_finds_exactly_the_planted_mistakes(demo_run):
    """Each planted mistake is found by its rule in its unit's return, and nothing else is (E09, the
    computed 总分 and 等级, is information on every project that can be scored)."""
    import json as _json

    from perfxl.demo import PLANTED, SELFEVAL_DIR

    _, demo = demo_run
    report = _json.loads((demo / SELFEVAL_DIR / "3-自评审核报告.json").read_text("utf-8"))
    found = {f["unit_code"]: sorted(x["code"] for x in f["findings"] if x["code"] != "E09") for f in report["files"]}
    planted = {code: sorted(m.code for m in PLANTED if m.unit == code) for code in found}
    assert found == planted
    assert {m.code for m in PLANTED} == {f"E0{i}" for i in range(1, 9)}
    assert all(any(x["code"] == "E09" for x in f["findings"]) for f in report["files"])
    assert [f["unit_code"] for f in report["files"] if f["valid"]] == ["108001", "112001", "115001"]


def test_every_planted_self_evaluation_mistake_is_listed_in_the_samples_readme():
    from perfxl.demo import PLANTED

    readme = (SAMPLES / "units" / "README.md").read_text("utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| 1") and "| E0" in line]
    listed = sorted((row.split("|")[1].split()[0], re.search(r"E0\d", row.split("|")[4]).group()) for row in rows)
    assert listed == sorted((m.unit, m.code) for m in PLANTED)


def test_every_command_has_help_and_is_in_readme():
    readme = (ROOT / "README.md").read_text("utf-8")
    for name, cmd in main.commands.items():
        assert cmd.help and len(cmd.help) > 10, name
        assert re.search(rf"perfxl {name}\b", readme), f"README does not show `perfxl {name}`"
        assert run(name, "--help").exit_code == 0


def _round(tmp_path, hebei):
    """A folder of returns: a clean unit and the seed unit (which has errors)."""
    from perfxl.model import unit_from_dict
    from units import clean

    folder = tmp_path / "returned"
    other = clean()
    other["unit"].update(code="108001", name="教育局本级")
    for k, proj in enumerate(other["projects"]):
        proj["code"] = f"13081123P10800100000{k}"
    perfxl.write_workbook(unit_from_dict(other), hebei, folder)
    seed = perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / "115001.json"), hebei, folder / "sub")
    return folder, seed


def test_check_table_json_xlsx_and_exit_status(tmp_path, hebei):
    import json as _json

    from perfxl.check import check_paths

    folder, seed = _round(tmp_path, hebei)
    r = run("check", folder)
    assert r.exit_code == 1
    assert "不通过：错误 13 处" in r.output and "【2.土地成本核算专项 B8】" in r.output
    assert r.output.index("I04 必须修改") < r.output.index("G05 提示")  # most severe first within a file

    r = run("check", folder, "--format", "json")
    assert r.exit_code == 1
    assert _json.loads(r.output) == _json.loads(_json.dumps(check_paths([folder]).report.to_dict()))
    files = _json.loads(r.output)["files"]
    assert [f["valid"] for f in files] == [True, False]
    assert set(files[1]["findings"][0]) >= {"code", "severity", "sheet", "cell", "project_code", "message"}

    out = tmp_path / "findings.xlsx"
    r = run("check", folder, "--format", "xlsx", "-o", out, "--annotate", tmp_path / "returns")
    assert r.exit_code == 1
    ws = load_workbook(out)["问题清单"]
    assert len(ws.tables) == 1 and ws.max_row == 1 + len(files[1]["findings"])
    assert len(list((tmp_path / "returns").glob("*_审核意见.xlsx"))) == 2

    assert run("check", folder / next(folder.glob("*.xlsx")).name).exit_code == 0
    assert run("check", seed, "--mode", "draft").exit_code == 0
    r = run("check", tmp_path / "nothing-here")
    assert r.exit_code == 2 and "不存在" in r.output
    r = run("check", folder, "--format", "xlsx")
    assert r.exit_code == 2


def test_check_with_register(tmp_path, hebei):
    folder, _ = _round(tmp_path, hebei)
    r = run("check", folder, "--register", SAMPLES / "register.xlsx", "--format", "json")
    import json as _json
    files = _json.loads(r.output)["files"]
    other = {f["code"] for f in files[0]["findings"]}
    seed = {f["code"] for f in files[1]["findings"]}
    assert {"S08", "X03"} <= other  # 108001 is 教育局本级 in the register, with other projects
    assert not seed & {"F03", "S08", "X03"}  # the seed unit matches its register rows


def test_export(tmp_path, hebei):
    import json as _json

    seed_json = SAMPLES / "units" / "115001.json"
    path = perfxl.write_workbook(perfxl.load_unit(seed_json), hebei, tmp_path)
    out = tmp_path / "115001.json"
    r = run("export", path, "-o", out)
    assert r.exit_code == 0, r.output
    assert _json.loads(out.read_text("utf-8")) == _json.loads(seed_json.read_text("utf-8"))
    bad = tmp_path / "empty.xlsx"
    bad.write_bytes(b"")
    r = run("export", bad)
    assert r.exit_code == 2 and "empty.xlsx" in r.output and "Traceback" not in r.output


# ---------------------------------------------------------------- -o: one convention for every command


def test_output_into_missing_folder_is_created(tmp_path, hebei):
    folder, _ = _round(tmp_path, hebei)
    r = run("check", folder, "--format", "json", "-o", tmp_path / "new" / "sub" / "r.json")
    assert r.exit_code == 1 and (tmp_path / "new" / "sub" / "r.json").is_file()
    workbook = next(folder.glob("*.xlsx"))
    r = run("export", workbook, "-o", tmp_path / "exports" / "a.json")
    assert r.exit_code == 0 and (tmp_path / "exports" / "a.json").is_file()


def test_output_folder_gets_the_default_name(tmp_path, hebei):
    folder, _ = _round(tmp_path, hebei)
    out = f"{tmp_path / 'out'}/"
    assert run("check", folder, "--format", "json", "-o", out).exit_code == 1
    assert run("check", folder, "--format", "xlsx", "-o", out).exit_code == 1
    assert run("check", folder, "-o", out).exit_code == 1
    assert run("export", next(folder.glob("*.xlsx")), "-o", out).exit_code == 0
    r = run("consolidate", folder, "-r", SAMPLES / "register.xlsx", "-o", tmp_path / "out")  # exists now: a folder
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "108001.json", "审核报告.json", "审核报告.txt", "汇总.xlsx", "问题清单.xlsx"]
    assert not (tmp_path / "out.json").exists()


def test_output_suffix_mismatch_is_usage_error(tmp_path, hebei):
    folder, _ = _round(tmp_path, hebei)
    r = run("consolidate", folder, "-r", SAMPLES / "register.xlsx", "-o", tmp_path / "summary.csv")
    assert r.exit_code == 2 and "summary.csv" in r.output and ".xlsx" in r.output
    r = run("check", folder, "--format", "json", "-o", tmp_path / "report.xlsx")
    assert r.exit_code == 2 and ".json" in r.output
    r = run("check", folder, "--format", "xlsx", "-o", tmp_path / "findings")  # no suffix: say both ways
    assert r.exit_code == 2 and "findings.xlsx" in r.output and "findings/" in r.output
    r = run("template", SAMPLES / "register.xlsx", "-o", tmp_path / "out.xlsx")  # a folder is written
    assert r.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["returned"]  # nothing was written


def test_output_existing_file_replaced_says_so(tmp_path, hebei):
    folder, _ = _round(tmp_path, hebei)
    out = tmp_path / "report.json"
    r = run("check", folder, "--format", "json", "-o", out)
    assert "已替换" not in r.output and str(out) in r.output
    out.write_text("yesterday", "utf-8")
    r = run("check", folder, "--format", "json", "-o", out)
    assert f"已替换原有文件：{out}" in r.output and out.read_text("utf-8") != "yesterday"
    summary = tmp_path / "汇总.xlsx"
    run("consolidate", folder, "-r", SAMPLES / "register.xlsx", "-o", summary)
    r = run("consolidate", folder, "-r", SAMPLES / "register.xlsx", "-o", summary)
    assert f"已替换原有文件：{summary}" in r.output
    r = run("template", SAMPLES / "register.xlsx", "-o", tmp_path / "t", "--year", 2024)
    r = run("template", SAMPLES / "register.xlsx", "-o", tmp_path / "t", "--year", 2024)
    assert "已替换原有文件 9 个" in r.output


def test_output_kept_when_the_run_fails(tmp_path):
    summary = tmp_path / "汇总.xlsx"
    summary.write_bytes(b"last week")
    bad = table_file(tmp_path / "bad.csv", [["单位编码", "单位名称", "项目编码", "项目名称", "预算数"],
                                            ["1", "单位", "P1", "项目", "abc"]])
    r = run("consolidate", tmp_path, "-r", bad, "-o", summary)
    assert r.exit_code == 2 and summary.read_bytes() == b"last week"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "汇总.xlsx"]  # no temporary file left


def test_output_under_a_file_is_a_clean_chinese_error(tmp_path, hebei):
    folder, _ = _round(tmp_path, hebei)
    (tmp_path / "taken").write_text("x")
    r = run("check", folder, "--format", "json", "-o", tmp_path / "taken" / "r.json")
    assert r.exit_code == 2 and "错误：" in r.output and str(tmp_path / "taken") in r.output
    assert "Not a directory" not in r.output and "Errno" not in r.output


# ---------------------------------------------------------------- language: Chinese by default, click included

_CLICK_ENGLISH = ("Usage:", "Options:", "Error:", "Show this message", "Try '", "Invalid value", "does not exist",
                  "[required]", "Missing argument", "No such option", "is not a valid", "[default:")


def _no_click_english(text: str) -> None:
    for phrase in _CLICK_ENGLISH:
        assert phrase not in text, (phrase, text)


def test_click_errors_are_chinese(tmp_path):
    r = run("template", SAMPLES / "register.xlsx", "-o", tmp_path, "--year", "abc")
    assert r.exit_code == 2 and "'--year' 的值无效：'abc' 不是有效的整数。" in r.output and "用法：" in r.output
    _no_click_english(r.output)
    r = run("check", "--register", tmp_path / "nope.xlsx", tmp_path)
    assert r.exit_code == 2 and "不存在" in r.output and "nope.xlsx" in r.output
    _no_click_english(r.output)
    r = run("check")
    assert r.exit_code == 2 and "缺少参数" in r.output
    _no_click_english(r.output)
    r = run("check", "--no-such-thing", tmp_path)
    assert r.exit_code == 2 and "没有选项 '--no-such-thing'" in r.output
    _no_click_english(r.output)
    r = run("chek")
    assert r.exit_code == 2 and "没有命令 'chek'" in r.output and "check" in r.output
    r = run("check", tmp_path, "--format", "pdf")
    assert r.exit_code == 2 and "不是可选值之一" in r.output


def test_help_is_chinese(tmp_path):
    for args in ([], ["--help"], ["check", "--help"], ["consolidate", "-h"], ["template", "--help"]):
        r = run(*args)
        assert "用法：" in r.output and "选项：" in r.output, (args, r.output)
        _no_click_english(r.output)
    r = run("consolidate", "--help")
    assert "显示本帮助并退出。" in r.output and "[必填]" in r.output
    assert "默认：table" in run("check", "--help").output
    r = run("template", "--help")
    assert "hebei-2023" in r.output and "mof-2021" in r.output  # the shipped framework ids, listed when shown


def test_lang_en_gives_english_help(tmp_path):
    for args in (["--lang", "en", "--help"], ["--lang", "en", "check", "--help"], ["check", "--help", "--lang", "en"],
                 ["--help", "--lang=en"]):
        r = run(*args)
        assert r.exit_code == 0 and "Usage:" in r.output and "Show this message and exit." in r.output, args
        assert "用法" not in r.output and "显示本帮助" not in r.output
    r = run("--lang", "en", "check", "--help")
    assert "Exit status:" in r.output and "Write to a file instead of the screen" in r.output
    r = run("template", "--help", env={"PERFXL_LANG": "en"})
    assert "Output folder (created if missing)." in r.output and "[required]" in r.output
    # the next run, without --lang, is Chinese again: the switch does not leak into the process
    assert "用法：" in run("--help").output


def test_lang_en_gives_english_errors_and_messages(tmp_path, hebei):
    r = run("--lang", "en", "template", SAMPLES / "register.xlsx", "-o", tmp_path, "--year", "abc")
    assert r.exit_code == 2 and "Error: Invalid value for '--year': 'abc' is not a valid integer." in r.output
    folder, _ = _round(tmp_path, hebei)
    r = run("check", folder, "--lang", "en", "-o", tmp_path / "r.csv")
    assert r.exit_code == 2 and "does not match" in r.output and "扩展名" not in r.output
    r = run("check", folder, "--lang", "en")
    assert r.exit_code == 1 and "NOT valid" in r.output and "不通过" not in r.output
    r = run("template", SAMPLES / "register.xlsx", "-o", tmp_path / "t", "--year", 2024, env={"PERFXL_LANG": "en"})
    assert r.exit_code == 0 and "Wrote 9 unit workbooks" in r.output


# ---------------------------------------------------------------- exit statuses


def test_exit_status_documented_in_help_and_readme():
    for args in (["--help"], ["check", "--help"]):
        text = run(*args).output
        assert "退出状态" in text and "每个文件都通过" in text and "有文件存在错误" in text and "2  用法或输入有误" in text
        assert "Exit status:" in run("--lang", "en", *args).output
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "### Exit status" in readme and "### Output files (-o)" in readme


def test_usage_problems_exit_2(tmp_path):
    assert run().exit_code == 2  # no command: the help, as a usage problem
    assert run("check").exit_code == 2
    assert run("check", tmp_path, "--jobs", "0").exit_code == 2
    (tmp_path / "empty").mkdir()
    r = run("check", tmp_path / "empty")
    assert r.exit_code == 2, r.output  # nothing to check is an input problem, never a clean pass


def test_unexpected_exception_is_one_line_not_traceback(tmp_path, hebei, monkeypatch):
    import perfxl.check

    folder, _ = _round(tmp_path, hebei)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(perfxl.check, "check_paths", broken)
    r = run("check", folder)
    assert r.exit_code == 2 and "内部错误（RuntimeError）" in r.output and "PERFXL_DEBUG=1" in r.output
    assert len(r.output.strip().splitlines()) == 1
    r = CliRunner().invoke(main, ["check", str(folder)], env={"PERFXL_DEBUG": "1"})
    assert r.exit_code == 2 and "Traceback" in r.output and "a bug" in r.output  # for the maintainer


# ---------------------------------------------------------------- progress bars


class _Terminal:
    """A stand-in for stderr at a console."""

    def __init__(self):
        self.parts = []

    def isatty(self):
        return True

    def write(self, s):
        self.parts.append(s)

    def flush(self):
        pass


def test_progress_bar_without_total_never_breaks(monkeypatch):
    from perfxl import cli

    term = _Terminal()
    monkeypatch.setattr(cli.sys, "stderr", term)
    bar = cli._Bar("审核", "Checking", "个文件", " files")
    bar.delay = 0
    bar.start(None)  # no total: tqdm refuses bool() on such a bar (the bug at every console)
    for _ in range(3):
        bar.tick()
    bar.close()
    assert "审核" in "".join(term.parts)


def test_progress_bar_only_on_a_terminal(monkeypatch):
    import io

    from perfxl import cli

    piped = io.StringIO()
    monkeypatch.setattr(cli.sys, "stderr", piped)
    with cli._Bar("审核", "Checking", "个文件", " files") as bar:
        bar.delay = 0
        bar.start(5)
        bar.tick()
    assert bar.bar is None and piped.getvalue() == ""


# ---------------------------------------------------------------- start-up: import what a command needs


def _modules_after(code: str) -> set[str]:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return {m.split(".")[0] for m in out.split()}


_HEAVY = {"pandas", "numpy", "openpyxl", "jsonschema", "docx", "xlsxwriter", "tqdm", "python_calamine"}


def test_cli_import_is_lazy():
    assert not _modules_after("import perfxl.cli") & _HEAVY
    assert not _modules_after("import perfxl") & _HEAVY
    help_run = "from perfxl.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    assert not _modules_after(help_run) & _HEAVY


def test_check_one_file_does_not_import_pandas(tmp_path, hebei):
    path = perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / "108001.json"), hebei, tmp_path)
    code = f"from perfxl.cli import main\ntry:\n    main(['check', {str(path)!r}])\nexcept SystemExit:\n    pass"
    loaded = _modules_after(code)
    assert "perfxl" in loaded and not loaded & {"pandas", "openpyxl", "docx"}


def test_check_one_workbook_loads_no_schema_validator_writer_pool_or_network_code(tmp_path, hebei):
    """What ``perfxl check ONE.xlsx`` needs is the reader and the rules: not jsonschema (a shipped
    framework is validated by the tests, not at every run), not xlsxwriter (only --annotate writes),
    not a process pool (one file), not ssl/urllib.request (defusedxml.sax's import path)."""
    import subprocess
    import sys

    path = perfxl.write_workbook(perfxl.load_unit(SAMPLES / "units" / "108001.json"), hebei, tmp_path)
    code = (f"from perfxl.cli import main\ntry:\n    main(['check', {str(path)!r}])\nexcept SystemExit:\n    pass\n"
            "import sys\nprint(' '.join(sorted(sys.modules)))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                cwd=ROOT).stdout.splitlines()[-1].split())
    assert "perfxl.reader" in loaded and "perfxl.rules" in loaded
    assert not loaded & {"jsonschema", "xlsxwriter", "concurrent.futures.process", "ssl", "urllib.request",
                         "defusedxml.sax", "perfxl.writer"}


def test_cell_addresses_without_xlsxwriter_match_it():
    """layout.a1/rowcol replace xlsxwriter.utility on the reading side (its import loads all of
    xlsxwriter); they must agree with it on every column width and on text that is no reference."""
    import warnings

    from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

    from perfxl.layout import a1, rowcol

    for row in (0, 6, 9, 99, 1048575):
        for col in (0, 1, 10, 25, 26, 27, 51, 52, 701, 702, 703, 16383):
            assert a1(row, col) == xl_rowcol_to_cell(row, col)
            assert rowcol(a1(row, col)) == (row, col)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for text in ("", "zz", "A", "7", "b7", "$B$7", "B7 ", "AAAA1"):
            assert rowcol(text) == xl_cell_to_rowcol(text), text


def test_package_names_load_on_first_use():
    import subprocess
    import sys

    code = ("import perfxl, sys\n"
            "assert 'pandas' not in sys.modules\n"
            "import perfxl.consolidate\n"               # the submodule shares the function's name
            "assert callable(perfxl.consolidate) and perfxl.consolidate.__module__ == 'perfxl.consolidate'\n"
            "missing = [n for n in perfxl.__all__ if getattr(perfxl, n, None) is None]\n"
            "assert not missing, missing\n"
            "from perfxl import consolidate, write_summary, load_unit\n"
            "assert callable(consolidate)\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
