"""The page's SVG charts: what a bar's length says."""
from __future__ import annotations

import re

from perfxl.web.charts import hbars


def _widths(svg: str) -> list[float]:
    return [float(w) for w in re.findall(r'<rect x="\d+" y="[\d.]+" width="([\d.]+)"', str(svg))]


def test_bars_without_a_whole_scale_to_the_largest():
    a, b = _widths(hbars("t", [("甲", 50), ("乙", 25)]))
    assert a == 2 * b and a > 0


def test_a_rate_at_half_of_its_whole_is_half_a_bar_not_a_full_one():
    full, = _widths(hbars("t", [("甲", 100)], full=100))
    half, = _widths(hbars("t", [("甲", 50)], full=100))
    assert half == full / 2


def test_a_rate_above_its_whole_still_fits_the_chart():
    over, under = _widths(hbars("t", [("甲", 120), ("乙", 60)], full=100))
    assert over == 2 * under
    assert over == _widths(hbars("t", [("甲", 120)]))[0]
