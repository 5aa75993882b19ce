import re

from click.testing import CliRunner
from openpyxl import load_workbook

import perfxl
from perfxl.cli import main
from perfxl.reader import load_grid, verify_grid

from conftest import ROOT, SAMPLES, table_file
from workbook_assertions import assert_unit_workbook


def run(*args, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)


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
    bad = table_file(tmp_path / "bad.csv", [["单位编码", "单位名称", "项目编码", "项目名称", "预算数"],
                                            ["1", "单位", "P1", "项目", "abc"]])
    r = run("template", bad, "-o", tmp_path / "o")
    assert r.exit_code == 2 and "bad.csv" in r.output and "第 2 行：预算数 'abc' 不是数字" in r.output
    assert "Traceback" not in r.output and not (tmp_path / "o").exists()
    bad_json = tmp_path / "u.json"
    bad_json.write_text('{"budget_year": 2023}', "utf-8")
    r = run("template", "--data", bad_json, "-o", tmp_path / "o")
    assert r.exit_code == 2 and "u.json" in r.output and "'unit' is a required property" in r.output
    r = run("template", SAMPLES / "register.xlsx", "-o", tmp_path / "o", "--framework", "nope")
    assert r.exit_code == 2 and "未知的指标体系" in r.output


def test_demo(tmp_path):
    import json as _json

    r = run("demo", tmp_path / "demo")
    assert r.exit_code == 0, r.output
    demo = tmp_path / "demo"
    register = perfxl.read_register(SAMPLES / "register.xlsx", 2023)
    assert len(list((demo / "1-templates").glob("*.xlsx"))) == len(register)
    units = sorted(u.stem for u in (SAMPLES / "units").glob("*.json"))
    report = _json.loads((demo / "3-审核报告.json").read_text("utf-8"))
    by_unit: dict = {}
    for f in report["files"]:
        by_unit.setdefault(f["unit_code"], []).append(f)
    assert sorted(k for k in by_unit if k) == units  # every sample unit's return was read, zipped ones too
    assert len(by_unit["101002"]) == 2  # sent twice
    assert [f["findings"][0]["code"] for f in by_unit[None]] == ["S01"]  # the broken file
    assert all(f["valid"] for f in by_unit["108001"] + by_unit["112001"])  # the clean samples pass
    assert not by_unit["115001"][0]["valid"]  # the seed does not
    assert len(list((demo / "4-returns").glob("*_审核意见.xlsx"))) == len(units) + 1
    summary = load_workbook(demo / "5-汇总.xlsx")
    status = {r[2]: r[12] for r in summary["提交情况"].iter_rows(min_row=2, values_only=True)}
    assert status["101001"] == status["112002"] == "未报送" and status["108001"] == "通过"
    assert "5. 汇总" in r.output


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
