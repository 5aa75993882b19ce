"""Annotated returns: the unit's own data back, every finding marked at its cell."""
from openpyxl import load_workbook

import perfxl
from perfxl.check import annotate, check_file
from perfxl.layout import REVIEW_SHEET, ProjectLayout, a1, project_sheet_names
from perfxl.model import unit_from_dict, unit_to_dict
from perfxl.reader import read_workbook
from perfxl.writer import INPUT_FILL, MARK_FILLS

from conftest import SAMPLES
from units import clean
from workbook_assertions import assert_unit_workbook


def test_annotated_return_marks_every_finding_and_reads_back_unchanged(tmp_path, hebei):
    seed = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    seed.projects[1].indicators[0].explanation = "与上一项目共用的还款描述，已核实"
    submitted = perfxl.write_workbook(seed, hebei, tmp_path / "in")
    checked = check_file(submitted)
    out = annotate(checked, tmp_path / "returns")
    assert out.name.endswith("_审核意见.xlsx")

    wb = load_workbook(out)
    assert wb.sheetnames[0] == REVIEW_SHEET and wb.active.title == REVIEW_SHEET
    worst: dict = {}
    for f in checked.report.findings:
        cell = wb[f.sheet][f.cell]
        assert cell.comment is not None and f.code in cell.comment.text, (f.code, f.where)
        worst[f.where] = "error" if f.severity == "error" or worst.get(f.where) == "error" else f.severity
    for f in checked.report.findings:
        colour = wb[f.sheet][f.cell].fill.fgColor.rgb
        assert colour.endswith(MARK_FILLS[worst[f.where]].lstrip("#")), f.where
    review = wb[REVIEW_SHEET]
    rows = [[c.value for c in r] for r in review.iter_rows(min_row=5) if r[2].value]
    assert len(rows) == len(checked.report.findings)
    assert rows[0][1] == "必须修改"  # most severe first
    links = {c.hyperlink.location for r in review.iter_rows(min_row=5) for c in r if c.hyperlink}
    assert f"'{checked.report.findings[0].sheet}'!{checked.report.findings[0].cell}" in links
    explained = [r for r in rows if r[1] == "提示（已说明）"]
    assert explained and explained[0][5] == "与上一项目共用的还款描述，已核实"

    # The unit fixes it and resends: reading the return gives the submitted data and explanations.
    again = read_workbook(out)
    assert again.findings == []
    assert unit_to_dict(again.unit) == unit_to_dict(seed)
    assert again.unit.projects[1].indicators[0].explanation == "与上一项目共用的还款描述，已核实"
    rechecked = check_file(out)
    assert sorted((f.code, f.sheet, f.cell) for f in rechecked.report.findings) == \
        sorted((f.code, f.sheet, f.cell) for f in checked.report.findings)
    assert_unit_workbook(out, seed, hebei)


def test_clean_workbook_return_says_no_problems(tmp_path, hebei):
    path = perfxl.write_workbook(unit_from_dict(clean()), hebei, tmp_path)
    out = annotate(check_file(path), tmp_path / "r")
    assert load_workbook(out)[REVIEW_SHEET]["E5"].value == "未发现问题。"


def test_unreadable_file_gets_no_return(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"")
    assert annotate(check_file(bad), tmp_path / "r") is None


def _rgb(cell) -> str:
    return "#" + cell.fill.fgColor.rgb[-6:].upper()


def test_annotation_legend_colours_differ_from_input_fill(tmp_path, hebei):
    """审核意见 says which colour means what, and the colours are the ones on the cells: advice is
    not the yellow of the input cells, and the legend's swatches are the marks' own fills."""
    data = clean()
    data["projects"][0]["indicators"][0]["basis"] = None           # I11: advice
    data["projects"][0]["funds"]["total"] = 101.0                  # F01: must change
    path = perfxl.write_workbook(unit_from_dict(data), hebei, tmp_path / "in")
    checked = check_file(path)
    wb = load_workbook(annotate(checked, tmp_path / "r"))
    by_code = {f.code: f for f in checked.report.findings}
    warning_fill = _rgb(wb[by_code["I11"].sheet][by_code["I11"].cell])
    error_fill = _rgb(wb[by_code["F01"].sheet][by_code["F01"].cell])
    sheet = wb[by_code["I11"].sheet]
    # the input fill is conditional (shown while an input is blank): the colour of those rules
    blank_rules = [r for cf in sheet.conditional_formatting for r in cf.rules if r.type == "containsBlanks"]
    assert blank_rules
    input_fill = "#" + blank_rules[0].dxf.fill.bgColor.rgb[-6:].upper()
    assert input_fill == INPUT_FILL
    assert len({warning_fill, error_fill, input_fill}) == 3

    review = wb[REVIEW_SHEET]
    legend = {c.value: _rgb(c) for c in review[3] if c.value and c.fill.fgColor.rgb not in (None, "00000000")}
    assert legend["必须修改"] == error_fill and legend["提示"] == warning_fill
    assert any(text.startswith("待填") and colour == input_fill for text, colour in legend.items())
    intro = review["A2"].value
    assert "标黄" not in intro and "标红" in intro and "标橙色" in intro


def test_a_marked_blank_input_shows_its_mark_not_the_input_fill(tmp_path, hebei):
    """The input fill is a conditional format, which would cover a cell's own fill: a marked input
    in a table (where the fill's rule covers every row) gets a rule of its mark's colour first,
    which stops the rules after it."""
    data = clean()
    data["projects"][0]["indicators"][0]["value"] = None            # a started row without 指标值: marked
    path = perfxl.write_workbook(unit_from_dict(data), hebei, tmp_path / "in")
    checked = check_file(path)
    wb = load_workbook(annotate(checked, tmp_path / "r"))
    L = ProjectLayout(hebei)
    cell = a1(L.indicator_rows.start, L.columns.value).replace("$", "")
    marked = [f for f in checked.report.findings if f.cell == cell]
    assert marked
    sheet = wb[marked[0].sheet]
    covering = sorted((r for cf in sheet.conditional_formatting for r in cf.rules if cell in cf.sqref),
                      key=lambda r: r.priority)
    worst = min(marked, key=lambda f: ["error", "warning", "info"].index(f.severity)).severity
    assert covering[0].stopIfTrue and covering[0].formula == ["TRUE"]
    assert "#" + covering[0].dxf.fill.bgColor.rgb[-6:].upper() == MARK_FILLS[worst]
    assert any("#" + r.dxf.fill.bgColor.rgb[-6:].upper() == INPUT_FILL for r in covering[1:])


def test_each_finding_on_the_review_sheet_wears_its_severitys_colour(tmp_path, hebei):
    """审核意见's 类别 cell of a finding has the fill of its mark on the form, so the list and the
    cells read alike (red must change, orange advice)."""
    data = clean()
    data["projects"][0]["indicators"][0]["basis"] = None           # I11: advice
    data["projects"][0]["funds"]["total"] = 101.0                  # F01: must change
    checked = check_file(perfxl.write_workbook(unit_from_dict(data), hebei, tmp_path / "in"))
    review = load_workbook(annotate(checked, tmp_path / "r"))[REVIEW_SHEET]
    fills = {r[2].value: _rgb(r[1]) for r in review.iter_rows(min_row=5) if r[2].value}
    assert fills["F01"] == MARK_FILLS["error"].upper() and fills["I11"] == MARK_FILLS["warning"].upper()


def test_an_annotated_return_is_signed_with_the_offices_key(tmp_path, hebei):
    """The return goes back to the unit and comes in again: signed with the office's key it passes
    that key's check, and a return signed with no key (or another) would not."""
    key = b"office-key-0123456789abcdef-2026"
    path = perfxl.write_workbook(unit_from_dict(clean()), hebei, tmp_path / "in", key=key)
    out = annotate(check_file(path, key=key), tmp_path / "r", key=key)
    assert [f.code for f in check_file(out, key=key).report.findings] == []
    assert "S04" in [f.code for f in check_file(out, key=b"another-key-0123456789abcdef-000").report.findings]


def test_the_review_sheets_title_is_set_as_every_forms_title(tmp_path, hebei):
    """审核意见 is the first sheet a unit opens: its title is set as a title (bold, centred, at least
    the size of the tables' titles), not like the lines under it."""
    seed = perfxl.load_unit(SAMPLES / "units" / "115001.json")
    path = perfxl.write_workbook(seed, hebei, tmp_path / "in")
    wb = load_workbook(annotate(check_file(path), tmp_path / "r"))
    form_title = wb[project_sheet_names([p.name for p in seed.projects])[0]][ProjectLayout(hebei).title.a1]
    title, line = wb[REVIEW_SHEET]["A1"], wb[REVIEW_SHEET]["A2"]
    assert title.value.endswith("年预算绩效目标审核意见") and form_title.font.b
    assert title.font.b and title.font.sz >= form_title.font.sz and title.alignment.horizontal == "center"
    assert not line.font.b and line.font.sz < title.font.sz
