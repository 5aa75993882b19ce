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
    r = run("demo", tmp_path / "demo")
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "demo" / "templates").glob("*.xlsx"))) == len(
        perfxl.read_register(SAMPLES / "register.xlsx", 2023))
    (prefilled,) = (tmp_path / "demo" / "prefilled").glob("115001_*.xlsx")
    assert str(prefilled) in r.output


def test_every_command_has_help_and_is_in_readme():
    readme = (ROOT / "README.md").read_text("utf-8")
    for name, cmd in main.commands.items():
        assert cmd.help and len(cmd.help) > 10, name
        assert re.search(rf"perfxl {name}\b", readme), f"README does not show `perfxl {name}`"
        assert run(name, "--help").exit_code == 0
