"""``perfxl.read_workbook``, the library's reading of one returned file: what opening found is kept in
the result beside what reading found, under the file's own name and the limits asked for (issue 9)."""
from __future__ import annotations

import perfxl
from perfxl.model import unit_from_dict
from perfxl.safe_open import Limits

from units import clean


def _workbook(tmp_path):
    path = tmp_path / "108001.xlsx"
    path.write_bytes(perfxl.render_workbook(unit_from_dict(clean()), perfxl.load_framework("hebei-2023")))
    return path


def test_a_read_names_its_file_and_keeps_what_opening_found(tmp_path):
    from perfxl.writer import FIXED_DATE

    path = _workbook(tmp_path)
    read = perfxl.read_workbook(path)
    assert read.path == str(path) and read.unit is not None and read.unit.unit.code == clean()["unit"]["code"]
    assert read.modified is not None and read.modified.startswith(FIXED_DATE.date().isoformat())  # docProps/core.xml
    assert not [f for f in read.findings if f.severity == "error"]


def test_a_read_is_held_to_the_limits_it_is_given(tmp_path):
    path = _workbook(tmp_path)
    read = perfxl.read_workbook(path, limits=Limits(max_cells=50))
    assert read.unit is None and [f.code for f in read.findings] == ["S01"]
    assert read.path == str(path)


def test_a_workbook_with_macros_is_read_with_an_s06_warning_and_its_macros_never_run(tmp_path):
    """An .xlsm (a unit's own macros, or a template saved "with macros"): its data is read as any
    workbook's, and S06 tells the office the macros were there and were not run."""
    import hostile

    from perfxl.reader import open_return

    path = hostile.xlsm_with_macros(tmp_path)
    opened, result = open_return(path)
    assert opened is not None and [(f.code, f.severity) for f in result.findings] == [("S06", "warning")]
    assert opened.sheets["项目"][1][:2] == ["办公设备购置", 12.5]
