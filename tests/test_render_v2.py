"""The document (render) as an official would accept it: qualitative targets shown in 指标值, a real TOC
field whose page numbers LibreOffice fills in for the PDF, fonts from the framework (仿宋 body, 黑体
headings by default), and every shipped framework's sample rendered and its PDF pages read."""
from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from importlib import resources

import docx
import pytest
from docx.oxml.ns import qn

import perfxl
from perfxl.frameworks import framework_from_dict
from perfxl.render import render_document, render_to_file

from conftest import SAMPLES, require_writer


def _doc(data: bytes):
    return docx.Document(io.BytesIO(data))


def test_qualitative_text_in_the_note_is_shown_as_the_value():
    u = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    target = u.projects[0].indicators[4]
    target.operator, target.value, target.value_note = "定性", None, "资金使用与年初预算批复相符"
    table = _doc(render_document(u)).tables[1]
    assert table.cell(5, 4).text == "资金使用与年初预算批复相符"


def test_contents_is_a_toc_field_pointing_at_the_headings():
    data = render_document(perfxl.load_unit(SAMPLES / "units" / "115001.json"))
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert re.search(r'<w:instrText[^>]*> TOC \\o "1-2" \\h \\z \\u </w:instrText>', xml)
    refs = re.findall(r"PAGEREF (_Toc\d+) \\h", xml)
    marks = re.findall(r'<w:bookmarkStart w:id="\d+" w:name="(_Toc\d+)"/>', xml)
    assert len(refs) == 7 and refs == marks  # one bookmark per entry, in the entries' order
    doc = _doc(data)
    targets = [p.text for p in doc.paragraphs if p._p.find(qn("w:bookmarkStart")) is not None]
    assert targets == ["第一部分\n部门整体绩效目标", "一、总体绩效目标", "二、分项绩效目标", "三、工作保障措施",
                       "第二部分\n预算项目绩效目标", "1.郭营子棚改本金利息绩效目标表", "2.土地成本核算专项绩效目标表"]
    settings = zipfile.ZipFile(io.BytesIO(data)).read("word/settings.xml").decode("utf-8")
    assert '<w:updateFields w:val="true"/>' in settings  # no page numbers known: Word fills them on opening


def _fonts(doc, style):
    rfonts = doc.styles[style].element.rPr.rFonts
    return {rfonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia")}


def test_fonts_come_from_the_framework():
    u = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    doc = _doc(render_document(u))
    assert _fonts(doc, "Normal") == {"仿宋"} and _fonts(doc, "Heading 1") == {"黑体"}
    d = json.loads(resources.files("perfxl.templates").joinpath("frameworks", "hebei-2023.json").read_text("utf-8"))
    d["document"] = {"body_font": "楷体", "heading_font": "方正小标宋简体"}
    doc = _doc(render_document(u, framework=framework_from_dict(d)))
    assert _fonts(doc, "Normal") == {"楷体"} and _fonts(doc, "perfxl 表格文字") == {"楷体"}
    assert _fonts(doc, "Heading 2") == {"方正小标宋简体"}


SHIPPED = [("hebei-2023", SAMPLES / "units" / "115001.json"), ("mof-2013", SAMPLES / "frameworks" / "mof-2013.json"),
           ("mof-2021", SAMPLES / "frameworks" / "mof-2021.json")]


def test_the_list_covers_every_shipped_framework():
    assert sorted(f for f, _ in SHIPPED) == perfxl.list_frameworks()


@pytest.mark.parametrize("fid, sample", SHIPPED, ids=[f for f, _ in SHIPPED])
def test_every_framework_sample_renders_with_toc_page_numbers(fid, sample, tmp_path, soffice, pdftotext):
    require_writer(soffice)
    unit = perfxl.load_unit(sample)
    assert unit.framework == fid
    path, pdf = render_to_file(unit, tmp_path / "doc.docx", pdf=True)
    pages = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    # each project table's page as the footer numbers it ("— N —")...
    shown = {}
    for text in pages:
        number = re.search(r"—\s*(\d+)\s*—", text)
        for n, p in enumerate(unit.projects, 1):
            if re.search(rf"{n}\.\s*{re.escape(p.name[:8])}", text) and "绩效目标表" in text and number:
                shown.setdefault(n, int(number.group(1)))
    assert len(shown) == len(unit.projects)
    # ... is the number the 目录 gives it, in the PDF and stored in the .docx's TOC field
    toc = re.sub(r"[\s.·…．]+", "", pages[1])
    for n, p in enumerate(unit.projects, 1):
        following = re.escape(f"{n + 1}{unit.projects[n].name}") if n < len(unit.projects) else ""
        m = re.search(re.escape(f"{n}{p.name}绩效目标表") + r"(\d+?)" + (f"(?={following})" if following else r"(?!\d)"),
                      toc)
        assert m and int(m.group(1)) == shown[n], (n, toc)
    entries = [q.text for q in _doc(path.read_bytes()).paragraphs if "\t" in q.text]
    assert [int(e.split("\t")[1]) for e in entries][-len(unit.projects):] == [shown[n] for n in shown]
    settings = zipfile.ZipFile(path).read("word/settings.xml").decode("utf-8")
    assert "updateFields" not in settings  # the numbers are known


def test_weights_get_their_column_where_the_table_gives_them():
    u = perfxl.load_unit(SAMPLES / "frameworks" / "mof-2013.json")
    table = _doc(render_document(u)).tables[2]  # after the department's indicators and the goal table
    assert [c.text for c in table.rows[0].cells][7] == "权重"  # after 指标值类型 (mof-2013 declares both)
    assert [table.cell(r, 7).text for r in range(1, 4)] == ["20", "10", "10"]
    seed_unit = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    seed = _doc(render_document(seed_unit)).tables[1]
    assert len(seed.columns) == 6  # no weights in the seed: its six columns
    seed_unit.projects[0].indicators[0].weight = 30  # hebei-2023 with weights given: a 权重 column, as before
    weighted = _doc(render_document(seed_unit)).tables[1]
    assert [c.text for c in weighted.rows[0].cells][6:] == ["权重"] and weighted.cell(1, 6).text == "30"
    grid = [int(g.get(qn("w:w"))) for g in weighted._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert grid[:5] == [int(round(w / 2.54 * 1440)) for w in (1.9, 2.1, 2.4, 3.1, 3.0)]


def _header(table) -> list[str]:
    return [re.sub(r"\s", "", c.text) for c in table.rows[0].cells]


def _indicator_tables(doc) -> list:
    return [t for t in doc.tables if _header(t)[0] == "一级指标"]


def test_value_type_weight_and_direction_get_columns_where_the_framework_declares_them():
    data = json.loads((SAMPLES / "frameworks" / "mof-2013.json").read_text("utf-8"))
    u = perfxl.load_unit(SAMPLES / "frameworks" / "mof-2013.json")
    tables = _indicator_tables(_doc(render_document(u)))
    wanted = [data["department_goals"]["indicators"]]
    for p in data["projects"]:
        wanted += [p["indicators"]] + ([p["period_indicators"]] if p.get("period_indicators") else [])
    assert len(tables) == len(wanted) == 4
    for table, inds in zip(tables, wanted):
        assert _header(table)[6:] == ["指标值类型", "权重", "指标方向"]
        shown = [tuple(table.cell(r, c).text for c in (2, 6, 7, 8)) for r in range(1, len(inds) + 1)]
        assert shown == [(i["name"], i.get("value_type") or "", str(i["weight"]), i.get("direction") or "") for i in inds]


def test_a_declared_column_is_shown_even_where_no_indicator_fills_it():
    u = perfxl.load_unit(SAMPLES / "frameworks" / "mof-2013.json")
    for _, _, inds in perfxl.model.indicator_tables(u):
        for i in inds:
            i.direction = None
    table = _indicator_tables(_doc(render_document(u)))[0]
    assert _header(table)[-1] == "指标方向" and {table.cell(r, 8).text for r in range(1, len(table.rows))} == {""}


def test_data_gives_its_columns_under_a_framework_declaring_none():
    u = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    u.projects[1].indicators[0].direction = "反向"
    tables = _indicator_tables(_doc(render_document(u)))
    assert [_header(t)[6:] for t in tables] == [["指标方向"]] * len(u.projects)  # every table of the document alike
    assert tables[1].cell(1, 6).text == "反向" and tables[0].cell(1, 6).text == ""


def test_the_v2_table_fits_the_text_width():
    u = perfxl.load_unit(SAMPLES / "frameworks" / "mof-2013.json")
    table = _indicator_tables(_doc(render_document(u)))[0]
    grid = [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert len(grid) == 9 and sum(grid) == int(round(16 / 2.54 * 1440))


def test_hebei_documents_keep_the_seeds_six_columns_and_widths():
    """hebei-2023 declares no v2 field: its samples' indicator tables are the seed's, widths included."""
    seed_widths = [int(round(w / 2.54 * 1440)) for w in (2.1, 2.2, 2.5, 3.5, 3.2, 2.5)]
    seed_widths[5] += int(round(16 / 2.54 * 1440)) - sum(seed_widths)
    for path in sorted((SAMPLES / "units").glob("*.json")):
        for table in _indicator_tables(_doc(render_document(perfxl.load_unit(path)))):
            assert _header(table) == ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"]
            assert [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.findall(qn("w:gridCol"))] == seed_widths


def test_render_then_import_brings_back_type_weight_and_direction():
    from perfxl.importer import import_docx

    u = perfxl.load_unit(SAMPLES / "frameworks" / "mof-2013.json")
    result = import_docx(render_document(u), framework="mof-2013")
    assert result.problems == []
    back = result.units[0]

    def facts(unit):
        return [(table, [(i.name, i.value_type, i.weight, i.direction) for i in inds])
                for table, _, inds in perfxl.model.indicator_tables(unit)]

    assert facts(back) == facts(u)


@pytest.mark.parametrize("period, shown", [
    ({"start": "2023-03-15", "end": "2024-06-30"}, "2023年3月15日至2024年6月30日"),
    ({"start": "2023-03", "end": None}, "2023年3月至"),
    ({"start": None, "end": None}, ""),
])
def test_a_period_survives_render_and_import(period, shown):
    from perfxl.importer import import_docx

    data = json.loads((SAMPLES / "frameworks" / "mof-2013.json").read_text("utf-8"))
    data["projects"][1]["period"] = period
    u = perfxl.model.unit_from_dict(data)
    doc = render_document(u)
    goal = [t for t in _doc(doc).tables if _header(t)[0].startswith("120001")][1]
    facts = next(r for r in goal.rows if r.cells[0].text == "项目属性")
    assert facts.cells[-1].text == shown
    result = import_docx(doc, framework="mof-2013")
    assert result.problems == []
    assert result.units[0].projects[1].period == u.projects[1].period
