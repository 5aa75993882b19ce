"""Every message perfxl shows a person is wholly in one language: Chinese by default, English with
``--lang en`` / ``PERFXL_LANG=en``.

Two checks, used by every test here:

- Chinese text (:func:`assert_chinese`) has no English words once what is not prose is set aside:
  quoted values (“…”, '…', "…"), places in brackets (【…】, […]), anything with a path separator
  (files, folders, JSON paths such as /projects/0/funds), options (--lang), file suffixes.
  What remains may hold acronyms and codes (S01, UTF-8, ENOENT, DTD) and the names of products and
  formats (Excel, LibreOffice, xlsx), never an English word such as "No such file or directory" or
  "is a required property".
- English text (:func:`assert_english`) holds Chinese only where it quotes what the person gave:
  quoted values, places in brackets, and any run of Chinese characters that appears in the inputs
  (file names, the unit's data, the framework, the register format's column names). A Chinese
  sentence of perfxl's own ("无法读取") is in none of these.
"""
from __future__ import annotations

import errno
import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import perfxl
from perfxl.cli import main
from perfxl.errors import schema_error_text
from perfxl.register import COLUMNS

from conftest import SAMPLES, table_file
import hostile as H

# ---------------------------------------------------------------------------------------------------
# the two checks

_QUOTED = re.compile(r"“[^”\n]*”|‘[^’\n]*’|'[^'\n]*'|\"[^\"\n]*\"|「[^」\n]*」|【[^】\n]*】|\[[^\]\n]*\]")
# Han characters, CJK punctuation (、。【】) and full-width punctuation (，：；（）！？), but not the
# full-width operators ＝ ＞ ＜ staff pick from the dropdown, which are values.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff0f\uff1a\uff1b\uff1f]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]")
# Names of products, formats and file kinds, and JSON literals: the same in a Chinese sentence.
_NAMES = {"Excel", "WPS", "Word", "LibreOffice", "Writer", "OpenDocument", "perfxl", "xlsx", "xls", "xlsm", "ods", "csv",
          "docx", "txt", "json", "pdf", "zip", "gzip", "true", "false", "null", "hebei", "mof"}


def _words_left_in_chinese(text: str) -> list[str]:
    rest = _QUOTED.sub(" ", text)
    rest = re.sub(r"\S*[/\\]\S*", " ", rest)  # files, folders, JSON paths, MIME types
    rest = re.sub(r"(?<![\w-])--?[a-z][\w-]*", " ", rest)  # options
    rest = re.sub(r"[\w.-]*\.(?:json|xlsx|xlsm|xls|ods|csv|docx|txt|zip|pdf|key)\b", " ", rest)  # file names
    rest = re.sub(r"(?<![A-Za-z])\.[a-z]{2,4}\b", " ", rest)  # suffixes: .odt
    return [w for w in _WORD.findall(rest) if not w.isupper() and w not in _NAMES]


def assert_chinese(text: str) -> None:
    """``text`` has no English words outside quotes, paths, options and names (module docstring)."""
    assert _CJK.search(text), f"not Chinese at all:\n{text}"
    words = _words_left_in_chinese(text)
    assert not words, f"English words {words} in a Chinese message:\n{text}"


def assert_in(lang: str, text: str, inputs: str = "") -> None:
    """The check of ``lang``'s messages."""
    if lang == "zh":
        assert_chinese(text)
    else:
        assert_english(text, inputs)


def assert_english(text: str, inputs: str = "") -> None:
    """``text`` has Chinese only where it quotes the person's own input (module docstring). Chinese
    punctuation on its own (a "、" between two file names) is never the person's input."""
    rest = _QUOTED.sub(" ", text)
    stray = [run for run in _CJK.findall(rest) if not (_HAN.search(run) and run in inputs)]
    assert not stray, f"Chinese {stray} in an English message:\n{text}"


def _inputs(*roots: Path) -> str:
    """What messages may quote in English: every name and text file under ``roots``, the sample units,
    the shipped frameworks and the register format's column names."""
    parts = list(COLUMNS)
    for root in roots:
        for p in [root, *root.rglob("*")] if root.is_dir() else [root]:
            parts.append(str(p))
            if p.is_file() and p.suffix in (".json", ".csv", ".txt"):
                parts.append(p.read_text("utf-8", errors="replace"))
    for p in [*(SAMPLES / "units").glob("*.json"), *Path(perfxl.frameworks.__file__).parent.glob("**/*.json")]:
        parts.append(p.read_text("utf-8"))
    from importlib import resources
    for name in perfxl.list_frameworks():
        parts.append(resources.files("perfxl.templates").joinpath("frameworks", f"{name}.json").read_text("utf-8"))
    return "\n".join(parts)


def test_the_checks_catch_mixed_messages():
    """The two checks fail on the messages issue 8 found, and pass on clean ones."""
    assert _words_left_in_chinese("无法读取：No such file or directory")
    assert _words_left_in_chinese("/tmp/u.json: 数据不符合格式：\n  /: 'unit' is a required property")
    assert not _words_left_in_chinese("/tmp/u.json：（根）：缺少必填项“unit”；S01 另存为 .xlsx，UTF-8 或 GBK")
    with pytest.raises(AssertionError):
        assert_english("cannot read the key file: 没有权限")
    assert_english("[部门整体绩效目标!B7] '进一步提高' is vague; unit 承德 sent a file", inputs="承德")
    with pytest.raises(AssertionError):
        assert_english("a.xlsx、b.xlsx: none could be read", inputs="甲、乙")


# ---------------------------------------------------------------------------------------------------
# jsonschema's texts


def _bad_unit(tmp_path: Path) -> Path:
    raw = json.loads((SAMPLES / "units" / "115001.json").read_text("utf-8"))
    raw.pop("unit")
    raw.update(budget_year="2023", extra=1, money_unit="美元")
    raw["projects"][0]["indicators"][0]["operator"] = "approx"
    raw["projects"][1]["funds"].pop("total")
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
    return f


def test_unit_json_schema_errors_are_chinese_naming_the_path(tmp_path, monkeypatch):
    f = _bad_unit(tmp_path)
    monkeypatch.setenv("PERFXL_LANG", "zh")
    with pytest.raises(perfxl.UnitDataError) as e:
        perfxl.load_unit(f)
    text = str(e.value)
    assert str(f) in text
    assert "（根）：缺少必填项“unit”" in text and "（根）：不认识的键“extra”" in text
    assert "/budget_year：应为整数，实际是文本" in text and "/projects/1/funds：缺少必填项“total”" in text
    assert "/projects/0/indicators/0/operator：\"approx\" 不是允许的值" in text and "/money_unit" in text
    assert "required property" not in text and "is not one of" not in text
    assert_chinese(text)


def test_unit_json_schema_errors_have_an_english_twin(tmp_path, monkeypatch):
    f = _bad_unit(tmp_path)
    monkeypatch.setenv("PERFXL_LANG", "en")
    with pytest.raises(perfxl.UnitDataError) as e:
        perfxl.load_unit(f)
    text = str(e.value)
    assert '(root): missing required key(s) "unit"' in text and "/projects/1/funds" in text
    assert "/budget_year: must be an integer" in text
    assert_english(text)


_ONE = {"type": "object", "properties": {"x": {}}}


@pytest.mark.parametrize("schema, instance, zh", [
    ({"required": ["code"]}, {}, "缺少必填项“code”"),
    ({"type": "integer"}, "12", "应为整数，实际是文本"),
    ({"type": ["string", "null"]}, 3, "应为文本或空值（null）"),
    ({"enum": ["万元", "元"]}, "美元", "不是允许的值"),
    ({"const": 1}, 2, "不是允许的值"),
    ({"minimum": 2000}, 1999, "不能小于 2000"),
    ({"maximum": 2100}, 2101, "不能大于 2100"),
    ({"exclusiveMinimum": 0}, 0, "必须大于 0"),
    ({"pattern": "^[a-z0-9-]+$"}, "Hebei 2023", "写法不符合要求"),
    ({"additionalProperties": False, "properties": {"a": {}}}, {"a": 1, "b": 2}, "不认识的键“b”"),
    ({"minItems": 1}, [], "至少要有 1 项"),
    ({"maxItems": 1}, [1, 2], "最多 1 项"),
    ({"minLength": 1}, "", "至少要有 1 个字符"),
    ({"format": "date"}, "2023-13-45", "不是有效的日期"),
    ({"uniqueItems": True}, [1, 1], "重复"),
    ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, 1.5, "不符合任何一种允许的写法"),
    ({"multipleOf": 5}, 7, "应为 5 的倍数"),
])
def test_each_schema_keyword_reads_as_a_chinese_sentence_naming_the_path(schema, instance, zh):
    """The common jsonschema keywords each become a Chinese sentence at the JSON path, with an
    English twin that has no Chinese of its own."""
    wrapped = {"type": "object", "properties": {"projects": {"type": "array", "items": schema}}}
    errors = list(jsonschema.Draft202012Validator(wrapped, format_checker=jsonschema.FormatChecker())
                  .iter_errors({"projects": [instance]}))
    assert errors, "the example must break the schema"
    zh_text, en_text = schema_error_text(errors[0])
    assert zh_text.startswith("/projects/0：") and zh in zh_text, zh_text
    assert en_text.startswith("/projects/0: "), en_text
    assert_chinese(zh_text)
    assert_english(en_text)


def test_framework_file_errors_are_in_one_language(tmp_path, monkeypatch):
    from importlib import resources
    data = json.loads(resources.files("perfxl.templates").joinpath("frameworks", "hebei-2023.json")
                      .read_text("utf-8"))
    broken = dict(data, rows={**data["rows"], "indicators": 0}, colour="red")
    f = tmp_path / "province.json"
    f.write_text(json.dumps(broken, ensure_ascii=False), "utf-8")
    wrong = dict(data, cost_level2=["不存在指标"], thresholds={**data["thresholds"], "project_code_pattern": "(["})
    g = tmp_path / "wrong.json"
    g.write_text(json.dumps(wrong, ensure_ascii=False), "utf-8")
    for lang in ("zh", "en"):
        monkeypatch.setenv("PERFXL_LANG", lang)
        for path, where in ((f, "/rows/indicators"), (g, "project_code_pattern")):
            with pytest.raises(perfxl.FrameworkError) as e:
                perfxl.load_framework(path)
            assert str(path) in str(e.value) and where in str(e.value)
            assert_in(lang, str(e.value), str(path))


def test_every_shipped_framework_passes_its_schema_and_rules():
    """At run time a shipped framework is not validated (start-up time): this test is what keeps
    every shipped file valid, schema and cross-field rules alike."""
    from importlib import resources
    from perfxl.frameworks import framework_from_dict, schema_problems

    for name in perfxl.list_frameworks():
        data = json.loads(resources.files("perfxl.templates").joinpath("frameworks", f"{name}.json")
                          .read_text("utf-8"))
        assert schema_problems(data) == [], name
        assert framework_from_dict(data, name, validate=True).levels == perfxl.load_framework(name).levels


def test_a_framework_file_is_validated_but_a_shipped_one_is_not_at_run_time(tmp_path, monkeypatch):
    """Loading a shipped framework does not import or run jsonschema; a file given by path does."""
    import perfxl.frameworks as fw

    calls = []
    monkeypatch.setattr(fw, "schema_problems", lambda data: calls.append(1) or [])
    monkeypatch.setattr(fw, "_SHIPPED_CACHE", {})
    fw.load_framework("mof-2021")
    assert calls == []
    from importlib import resources
    f = tmp_path / "mine.json"
    f.write_text(resources.files("perfxl.templates").joinpath("frameworks", "mof-2021.json").read_text("utf-8"),
                 "utf-8")
    fw.load_framework(f)
    assert calls == [1]


# ---------------------------------------------------------------------------------------------------
# OS errors, in words of the current language


def test_key_file_unreadable_message_is_one_language(tmp_path, monkeypatch):
    from perfxl.integrity import load_key

    folder = tmp_path / "钥匙"
    folder.mkdir()
    empty = tmp_path / "empty.key"
    empty.write_bytes(b"  \n")
    for lang, words in (("zh", ("无法读取密钥文件", "这是文件夹")),
                        ("en", ("cannot read the key file", "a folder, not a file"))):
        monkeypatch.setenv("PERFXL_LANG", lang)
        with pytest.raises(perfxl.PerfxlError) as e:
            load_key(folder)
        text = str(e.value)
        assert text.startswith(str(folder)) and all(w in text for w in words), text
        assert "Is a directory" not in text
        assert_in(lang, text, str(folder))
        with pytest.raises(perfxl.PerfxlError) as e:
            load_key(empty)
        assert str(empty) in str(e.value)
        assert_in(lang, str(e.value))


def test_render_write_failure_is_one_language(tmp_path, monkeypatch):
    from perfxl.render import render_to_file

    unit = perfxl.load_unit(SAMPLES / "units" / "108001.json")
    blocker = tmp_path / "文件"
    blocker.write_text("x")
    target = blocker / "out.docx"  # a folder in the path is a file: ENOTDIR
    for lang, words in (("zh", "无法写入"), ("en", "cannot write")):
        monkeypatch.setenv("PERFXL_LANG", lang)
        with pytest.raises(perfxl.PerfxlError) as e:
            render_to_file(unit, target)
        assert str(target) in str(e.value) and words in str(e.value)
        assert "Not a directory" not in str(e.value)
        assert_in(lang, str(e.value), str(target))


def _reasons(path: Path) -> tuple[str, str]:
    from perfxl.safe_open import open_workbook

    res = open_workbook(path)
    assert res.problem == "S01", (path, res)
    return res.reason_zh, res.reason_en


def _corrupt_deflate(d: Path) -> Path:
    """A workbook whose sheet's deflate stream is garbage (zlib says "invalid ..." in English)."""
    src = H.minimal_xlsx_parts(H._sheet('<row r="1"><c r="A1"><v>1</v></c></row>'))
    data = bytearray(H.zip_bytes(src))
    start = data.find(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml")
    data[start:start + 12] = b"\xff" * 12
    p = d / "deflate.xlsx"
    p.write_bytes(bytes(data))
    return p


def _malformed(d: Path, part: str) -> Path:
    parts = H.minimal_xlsx_parts(H._sheet('<row r="1"><c r="A1"><v>1</v></c></row>'))
    parts[part] = "<workbook><sheets><sheet name='x'></sheets>"
    p = d / f"malformed-{part.replace('/', '_')}.xlsx"
    p.write_bytes(H.zip_bytes(parts))
    return p


def _odf(d: Path, kind: str) -> Path:
    """An OpenDocument package that is no spreadsheet (a Writer document renamed .ods)."""
    p = d / f"{kind}.ods"
    p.write_bytes(H.zip_bytes({"mimetype": f"application/vnd.oasis.opendocument.{kind}", "content.xml": "<x/>"},
                              stored_first="mimetype"))
    return p


@pytest.mark.parametrize("make, english", [
    (lambda d: d / "nowhere.xlsx", "no such file"),
    (_corrupt_deflate, "corrupt deflate data"),
    (lambda d: _malformed(d, "xl/workbook.xml"), "not well-formed"),
    (lambda d: _malformed(d, "xl/worksheets/sheet1.xml"), "not well-formed"),
    (H.truncated_xlsx, "zip"),
    (lambda d: _odf(d, "text"), "opendocument.text"),
], ids=["missing", "deflate", "workbook-xml", "sheet-xml", "truncated", "odt"])
def test_unreadable_workbook_reasons_are_one_language_each(tmp_path, make, english):
    """S01's reason_zh and reason_en: neither embeds the other language (the OS's, zlib's, expat's
    words are English and stay in reason_en)."""
    zh, en = _reasons(make(tmp_path))
    assert english in en.lower(), en
    assert_chinese(zh)
    assert_english(en)


def test_malformed_xml_names_the_line_and_the_problem_in_chinese(tmp_path):
    zh, en = _reasons(_malformed(tmp_path, "xl/workbook.xml"))
    assert "“xl/workbook.xml”不是合法的 XML（第 1 行：" in zh and "mismatched tag" in en
    assert "开始与结束标签不匹配" in zh


# ---------------------------------------------------------------------------------------------------
# through the command line, as an operator sees it


def _cli(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def _flat_csv(path: Path) -> Path:
    return table_file(path, [
        ["单位名称", "项目名称", "一级指标", "二级指标", "三级指标", "指标值", "度量单位"],
        ["某单位", "某项目", "产出指标", "数量指标", "培训人数", "80-90", "人"],
        ["101001-某单位", "某项目", "产出指标", "质量指标", "合格率", "≥abc", "%"],
    ])


def _bad_inputs(tmp_path: Path) -> dict[str, list]:
    """Representative bad input to every command, each a (command line) with its files made here."""
    d = tmp_path / "in"
    d.mkdir()
    bad_json = _bad_unit(d)
    register = table_file(d / "清单.csv", [["单位编码", "单位名称", "项目编码", "项目名称", "预算数", "财政资金"],
                                          ["1", "单位", "P1", "项目", "abc", "0"],
                                          ["1", "单位", "P1", "项目", "-5", ""]])
    lean = table_file(d / "简表.csv", [["单位编码", "单位名称", "项目编码", "项目名称", "预算数", "备注"],
                                      ["108001", "单位", "P1", "项目", "10", "x"]])
    framework = d / "province.json"
    framework.write_text('{"id": "x", "levels": []}', "utf-8")
    empty_key = d / "empty.key"
    empty_key.write_bytes(b"")
    not_docx = d / "上年文本.docx"
    not_docx.write_bytes(b"PK\x03\x04 not really a docx")
    text = d / "上年.txt"
    text.write_text("2023年部门预算绩效文本\n没有部分标题\n", "utf-8")
    broken = H.truncated_xlsx(d)
    deflate = _corrupt_deflate(d)
    malformed = _malformed(d, "xl/workbook.xml")
    others = d / "只有说明"
    others.mkdir()
    (others / "报送说明.docx").write_bytes(b"PK\x03\x04")
    (others / "readme.txt").write_text("说明", "utf-8")
    empty = d / "空文件夹"
    empty.mkdir()
    out = tmp_path / "out"
    return {
        "check-nothing": ["check", others, empty],
        "check-json": ["check", bad_json],
        "check-broken": ["check", broken, deflate, malformed, "--format", "table"],
        "template-data": ["template", "--data", bad_json, "-o", out / "t1"],
        "template-register": ["template", register, "-o", out / "t2"],
        "template-notes": ["template", lean, "-o", out / "t3", "--year", "2024"],
        "template-framework": ["template", SAMPLES / "register.csv", "-o", out / "t4", "--framework", framework],
        "template-unknown-framework": ["template", SAMPLES / "register.csv", "-o", out / "t5", "--framework", "nope"],
        "template-prefill": ["template", SAMPLES / "register.csv", "-o", out / "t6", "--prefill", SAMPLES / "units"],
        "key-empty": ["check", SAMPLES / "units" / "108001.json", "--key-file", empty_key],
        "import-docx": ["import", not_docx, "-o", out / "i1/"],
        "import-text": ["import", text, "-o", out / "i2/"],
        "import-flat": ["import", _flat_csv(d / "平表.csv"), "-o", out / "i3/", "--year", "2024"],
        "export-broken": ["export", broken],
        "render-json": ["render", bad_json, "-o", out / "r.docx"],
        "consolidate-broken": ["consolidate", broken, deflate, "-r", SAMPLES / "register.csv", "-o", out / "s.xlsx"],
    }


def test_library_errors_have_english_under_lang_en(tmp_path):
    """Every command fed bad input speaks one language: Chinese by default, English with --lang en.
    Both runs must fail or succeed alike, say something, and never mix (see the module docstring)."""
    cases = _bad_inputs(tmp_path)
    inputs = _inputs(tmp_path)
    for name, args in cases.items():
        code_zh, out_zh = _cli(*args, "--lang", "zh")
        code_en, out_en = _cli(*args, "--lang", "en")
        assert code_zh == code_en, (name, out_zh, out_en)
        assert out_zh.strip() and out_en.strip(), name
        assert_chinese(out_zh)
        assert_english(out_en, inputs)


def test_import_notes_follow_the_language(tmp_path):
    """The notes of an import (values it could not split, a unit without a code) are sentences of
    the current language; the problem codes of values.py are put in words."""
    flat = _flat_csv(tmp_path / "平表.csv")
    _, zh = _cli("import", flat, "-o", tmp_path / "zh/", "--year", "2024")
    _, en = _cli("import", flat, "-o", tmp_path / "en/", "--year", "2024", "--lang", "en")
    assert "单位编码未知" in zh and "是一个范围而不是一个数" in zh and "range" not in zh
    assert "the unit code is unknown" in en and "a range, not one number" in en
    assert_chinese(zh)
    assert_english(en, _inputs(tmp_path))


def test_generate_notes_follow_the_language(tmp_path):
    _, zh = _cli("template", SAMPLES / "register.csv", "-o", tmp_path / "zh", "--prefill", SAMPLES / "units")
    _, en = _cli("template", SAMPLES / "register.csv", "-o", tmp_path / "en", "--prefill", SAMPLES / "units",
                 "--lang", "en")
    assert "个项目沿用上年目标与指标" in zh and "没有上年数据" in zh
    assert "carry last year's goals" in en and "has no data from last year" in en
    assert_chinese(zh)
    assert_english(en, _inputs(tmp_path))


def test_a_round_of_returns_is_reported_in_one_language(tmp_path):
    """The demo, and its returns (mistakes of every kind, a broken file, a zip) checked in each
    language: the catalogue's messages and the reader's are whole sentences of one language."""
    code, zh = _cli("demo", tmp_path / "demo")
    assert code == 0
    code, en = _cli("demo", tmp_path / "demo-en", "--lang", "en")
    assert code == 0
    inputs = _inputs(tmp_path)
    assert_chinese(zh)
    assert_english(en, inputs)
    returned = tmp_path / "demo" / "2-returned"
    code_zh, zh = _cli("check", returned, "--lang", "zh")
    code_en, en = _cli("check", returned, "--lang", "en")
    assert code_zh == code_en == 1
    assert "S01" in zh and "X04" in zh and "P01" in zh  # a broken file, a unit that sent twice, a plan off 100
    assert_chinese(zh)
    assert_english(en, inputs)


def test_os_error_words_are_translated_for_common_errnos():
    from perfxl.outputs import os_error_texts

    for number in (errno.ENOENT, errno.EACCES, errno.ENOSPC, errno.EISDIR, errno.ENOTDIR):
        zh, en = os_error_texts(OSError(number, "English words from the OS", "/tmp/报告.xlsx"))
        assert "English words" not in zh + en
        assert_chinese(zh)
        assert_english(en, "/tmp/报告.xlsx")


def test_bad_unit_json_finding_has_both_languages_and_a_json_hint(tmp_path):
    """S01 for a unit JSON that breaks the schema: message in Chinese, message_en in English, and the
    advice fits a JSON file (no 'save as .xlsx')."""
    from perfxl import check_paths

    bad = tmp_path / "bad.json"
    bad.write_text('{"unit": 5}', encoding="utf-8")
    f = check_paths([bad]).report.files[0].findings[0]
    assert f.code == "S01"
    assert "schema" in f.message and "另存为" not in f.message
    assert not re.search(r"[\u4e00-\u9fff]", f.message_en)
    assert re.search(r"[\u4e00-\u9fff]", f.message)
