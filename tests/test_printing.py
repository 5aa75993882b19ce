"""Printing the generated workbook (issue 10): the printed form looks like the official table.

What is checked here is what LibreOffice prints (its PDF export, rendered with pdftoppm and read
back pixel by pixel; no imaging library needed, a PPM is plain bytes):

* 部门整体绩效目标 prints on one page;
* the 自查 column, the status boxes and their colours are not printed (the print area ends at I);
* a complete form prints without any colour. LibreOffice ignores the sheets' "black and white"
  print option, which Excel honours, and prints every cell fill (docs/printing.md), so the input
  fill is a conditional format shown only while an input still has to be filled: on paper it marks
  what is missing, and nothing else.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import perfxl
from perfxl.writer import INPUT_FILL

from conftest import INSTALL_PDFTOTEXT, require_tool

HEBEI = perfxl.load_framework("hebei-2023")
# The 自查 column's and the status boxes' conditional colours (writer._check_formats, _write_live).
CHECK_COLOURS = {"#FFC7CE", "#FFEB9C", "#C6EFCE", "#9C0006", "#9C5700", "#006100"}


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def ppm_pixels(path: Path) -> list[tuple[int, int, int]]:
    """The pixels of a binary PPM (P6, maxval 255), as pdftoppm writes it by default."""
    data = path.read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval; comments start with #
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P6" and fields[3] == b"255", fields
    body = data[pos + 1:]
    return [tuple(body[i:i + 3]) for i in range(0, len(body) - 2, 3)]  # type: ignore[misc]


def near(pixel: tuple[int, int, int], colour: tuple[int, int, int], tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def shade_of(pixel: tuple[int, int, int], colour: tuple[int, int, int], tolerance: int = 8) -> bool:
    """``pixel`` is ``colour`` darkened (black text anti-aliased over a fill blends towards black)."""
    t = pixel[0] / colour[0]
    return all(abs(p - t * c) <= tolerance for p, c in zip(pixel, colour))


def coloured(pixel: tuple[int, int, int]) -> bool:
    """Not black, white or grey (anti-aliased text and borders are grey)."""
    return max(pixel) - min(pixel) > 12


def _print(unit, tmp: Path, soffice: str) -> tuple[list[str], list[Path]]:
    """``unit``'s workbook as LibreOffice prints it: (page texts, page images)."""
    pdftotext = require_tool("pdftotext", INSTALL_PDFTOTEXT)
    pdftoppm = require_tool("pdftoppm", INSTALL_PDFTOTEXT)
    src = perfxl.write_workbook(unit, HEBEI, tmp / "src")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp / 'profile'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp), str(src)], check=True, capture_output=True, timeout=300)
    pdf = tmp / (src.stem + ".pdf")
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    subprocess.run([pdftoppm, "-r", "30", str(pdf), str(tmp / "page")], check=True, timeout=120)
    images = sorted(tmp.glob("page-*.ppm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    assert len(images) == len(pages)
    return pages, images


SEED = Path(__file__).resolve().parents[1] / "samples" / "units" / "115001.json"


@pytest.fixture(scope="module")
def printed(tmp_path_factory, soffice):
    """The seed unit's workbook as LibreOffice prints it: some inputs are still blank (其他资金, two
    spend-plan periods of project 2)."""
    return _print(perfxl.load_unit(SEED), tmp_path_factory.mktemp("print"), soffice)


def _complete_seed():
    """The seed unit with its blank inputs filled (0 where it had nothing)."""
    unit = perfxl.load_unit(SEED)
    for p in unit.projects:
        p.funds.other = 0 if p.funds.other is None else p.funds.other
        p.spend_plan = {m: 0 if v is None else v for m, v in p.spend_plan.items()}
    return unit


@pytest.fixture(scope="module")
def printed_complete(tmp_path_factory, soffice):
    return _print(_complete_seed(), tmp_path_factory.mktemp("print-complete"), soffice)


def _form_pages(pages: list[str]) -> list[int]:
    """The pages of the data sheets: the department form and every page after it (the sheets print
    in order, 填报说明 first, then 部门整体绩效目标, then the projects)."""
    dept = [i for i, page in enumerate(pages) if "一、总体绩效目标" in page.replace(" ", "")]
    assert len(dept) == 1, "the department form's page was not found"
    return list(range(dept[0], len(pages)))


def test_department_form_prints_on_one_page_without_the_check_column(printed):
    pages, _ = printed
    flat = [page.replace(" ", "") for page in pages]
    dept = [i for i, page in enumerate(flat) if "一、总体绩效目标" in page or "三、工作保障措施" in page]
    assert len(dept) == 1 and "一、总体绩效目标" in flat[dept[0]] and "三、工作保障措施" in flat[dept[0]]
    for i in _form_pages(pages):
        assert not [w for w in ("自查", "需修改", "✓", "✗", "△") if w in flat[i]], i


def test_check_colours_are_not_printed(printed):
    pages, images = printed
    forms = _form_pages(pages)
    assert len(forms) >= 3  # the department form and both projects' tables
    for i in forms:
        hits = [p for p in ppm_pixels(images[i]) if any(near(p, _rgb(c)) for c in CHECK_COLOURS)]
        assert not hits, (i, hits[:3])


def test_a_complete_form_prints_without_any_colour(printed_complete):
    pages, images = printed_complete
    for i in _form_pages(pages):
        pixels = [p for p in ppm_pixels(images[i]) if coloured(p)]
        assert not pixels, (i, pixels[:5])


def test_only_inputs_still_blank_print_and_only_in_the_input_fill(printed):
    """The seed leaves inputs blank on the project pages: they print in the light input fill, the
    one colour on paper; the department form, filled in full, prints without any."""
    pages, images = printed
    fill = _rgb(INPUT_FILL)
    forms = _form_pages(pages)
    with_fill = [i for i in forms if any(near(p, fill) for p in ppm_pixels(images[i]))]
    assert with_fill and forms[0] not in with_fill, with_fill
    for i in forms:
        others = [p for p in ppm_pixels(images[i]) if coloured(p) and not shade_of(p, fill)]
        assert not others, (i, others[:5])


@pytest.fixture(scope="module")
def printed_started_row(tmp_path_factory, soffice):
    """The complete seed unit, but project 2's first indicator row has lost its 指标值."""
    unit = _complete_seed()
    unit.projects[1].indicators[0].value = None
    return _print(unit, tmp_path_factory.mktemp("print-row"), soffice)


def test_a_started_indicator_row_missing_its_value_prints_the_fill_on_its_page_only(printed_started_row):
    pages, images = printed_started_row
    fill = _rgb(INPUT_FILL)
    forms = _form_pages(pages)
    with_fill = [i for i in forms if any(near(p, fill) for p in ppm_pixels(images[i]))]
    project2 = [i for i in forms if "土地成本核算专项绩效目标表" in pages[i].replace(" ", "")]
    assert with_fill == project2[:1], (with_fill, project2)
