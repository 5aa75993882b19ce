"""The summary's key charts as plain SVG, drawn on the server: no script, no library, no network.

The same three charts the summary workbook carries (summary.py): 单位报送情况 (the units by state),
各主管部门预算数 (the register's budget against what was sent, by 主管部门) and 问题按规则 (findings by
rule code). Every text is escaped; sizes are fixed so the page lays out before anything loads.
"""
from __future__ import annotations

from html import escape
from typing import Sequence

from markupsafe import Markup

from ..i18n import t

__all__ = ["donut", "hbars", "grouped_hbars", "PALETTE"]

PALETTE = {"passed": "#3f9b4f", "failed": "#d9534f", "unreadable": "#f0ad4e", "missing": "#9e9e9e",
           "blue": "#4472c4", "orange": "#ed7d31", "rule": "#5b9bd5"}
_FONT = "font-family=\"'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif\""


def _fit(label: str, pixels: float, size: float = 13) -> str:
    """``label`` cut (with "…") to fit ``pixels`` at ``size``: a Chinese character is as wide as the
    font size, a Latin one about half."""
    def width(text: str) -> float:
        return sum(size if ord(ch) > 0x2E80 else size * 0.58 for ch in text)
    if width(label) <= pixels:
        return label
    while label and width(label + "…") > pixels:
        label = label[:-1]
    return label + "…"


def _num(v: float) -> str:
    return f"{v:,.2f}".rstrip("0").rstrip(".") if isinstance(v, float) and not float(v).is_integer() else f"{int(v):,}"


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{escape(title)}" {_FONT} font-size="13">'
            f'<title>{escape(title)}</title>')
    return Markup(head + "".join(body) + "</svg>")


def donut(title: str, parts: Sequence[tuple[str, float, str]], *, size: int = 220) -> Markup:
    """A ring of ``(label, value, colour)`` with a legend; the total in the middle."""
    import math

    total = sum(v for _, v, _ in parts)
    r_out, r_in = size / 2 - 10, size / 2 - 46
    cx = cy = size / 2
    body: list[str] = []
    angle = -math.pi / 2
    for label, value, colour in parts:
        if value <= 0 or total <= 0:
            continue
        sweep = 2 * math.pi * value / total
        if sweep >= 2 * math.pi - 1e-9:  # one part: two half rings (an arc cannot close on itself)
            body.append(f'<circle cx="{cx}" cy="{cy}" r="{(r_out + r_in) / 2}" fill="none" stroke="{colour}" '
                        f'stroke-width="{r_out - r_in}"><title>{escape(label)}：{_num(value)}</title></circle>')
            break
        a2 = angle + sweep
        large = 1 if sweep > math.pi else 0
        p = [(cx + r_out * math.cos(angle), cy + r_out * math.sin(angle)), (cx + r_out * math.cos(a2), cy + r_out * math.sin(a2)),
             (cx + r_in * math.cos(a2), cy + r_in * math.sin(a2)), (cx + r_in * math.cos(angle), cy + r_in * math.sin(angle))]
        d = (f"M{p[0][0]:.2f},{p[0][1]:.2f} A{r_out},{r_out} 0 {large} 1 {p[1][0]:.2f},{p[1][1]:.2f} "
             f"L{p[2][0]:.2f},{p[2][1]:.2f} A{r_in},{r_in} 0 {large} 0 {p[3][0]:.2f},{p[3][1]:.2f} Z")
        body.append(f'<path d="{d}" fill="{colour}"><title>{escape(label)}：{_num(value)}</title></path>')
        angle = a2
    body.append(f'<text x="{cx}" y="{cy - 4}" text-anchor="middle" font-size="26" font-weight="bold">{_num(total)}</text>')
    body.append(f'<text x="{cx}" y="{cy + 18}" text-anchor="middle" fill="#555">{escape(title)}</text>')
    legend_x = size + 16
    for i, (label, value, colour) in enumerate(parts):
        y = 30 + i * 28
        body.append(f'<rect x="{legend_x}" y="{y - 12}" width="14" height="14" fill="{colour}"/>')
        body.append(f'<text x="{legend_x + 22}" y="{y}">{escape(label)}：{_num(value)}</text>')
    return _svg(size + 260, max(size, 30 + len(parts) * 28), title, body)


def hbars(title: str, items: Sequence[tuple[str, float]], *, colour: str = PALETTE["rule"], width: int = 600,
          label_width: int = 300, full: float | None = None) -> Markup:
    """Horizontal bars, one per ``(label, value)``. The largest fills the width, or ``full`` does when
    the figures have a natural whole (a rate's 100 %), so that 50 % reads as half a bar, not a whole one."""
    row, top = 26, 8
    top_value = max([v for _, v in items] + ([full] if full else []), default=0) or 1
    span = width - label_width - 70
    body = []
    for i, (label, value) in enumerate(items):
        y = top + i * row
        w = max(0.0, span * value / top_value)
        shown = _fit(label, label_width - 14)
        body.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end"><title>{escape(label)}</title>'
                    f'{escape(shown)}</text>')
        body.append(f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{colour}"/>')
        body.append(f'<text x="{label_width + w + 6:.1f}" y="{y + 15}">{_num(value)}</text>')
    if not items:
        body.append(f'<text x="10" y="{top + 16}" fill="#555">{escape(t("（无）", "(none)"))}</text>')
    return _svg(width, top * 2 + max(1, len(items)) * row, title, body)


def grouped_hbars(title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float], str]], *,
                  width: int = 900, label_width: int = 300) -> Markup:
    """Horizontal bars in groups: per category one bar of each ``(name, values, colour)`` series."""
    n = len(series)
    bar, gap, top = 14, 12, 34
    top_value = max((v for _, values, _ in series for v in values), default=0) or 1
    span = width - label_width - 90
    body = []
    for k, (name, _, colour) in enumerate(series):  # legend
        body.append(f'<rect x="{label_width + k * 150}" y="8" width="14" height="14" fill="{colour}"/>')
        body.append(f'<text x="{label_width + k * 150 + 20}" y="20">{escape(name)}</text>')
    for i, cat in enumerate(categories):
        y0 = top + i * (n * bar + gap)
        shown = _fit(cat, label_width - 14)
        body.append(f'<text x="{label_width - 8}" y="{y0 + n * bar / 2 + 5}" text-anchor="end"><title>{escape(cat)}'
                    f'</title>{escape(shown)}</text>')
        for k, (name, values, colour) in enumerate(series):
            v = values[i] if i < len(values) else 0
            w = max(0.0, span * v / top_value)
            y = y0 + k * bar
            body.append(f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar - 2}" fill="{colour}">'
                        f'<title>{escape(cat)} {escape(name)}：{_num(v)}</title></rect>')
            body.append(f'<text x="{label_width + w + 6:.1f}" y="{y + bar - 3}" font-size="11">{_num(v)}</text>')
    height = top + max(1, len(categories)) * (n * bar + gap) + 4
    return _svg(width, height, title, body)
