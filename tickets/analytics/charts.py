"""Charts drawn on the server as SVG: no script, no CDN, Chinese labels as plain text, bars that link to
the tickets behind them."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

COLOURS = ("#1664ff", "#0fc6c2", "#722ed1", "#ff7d00", "#f53f3f", "#00b42a")


def _figure(title: str, svg: SafeString) -> SafeString:
    """The chart under its title: the reader must know what the bars measure (and in what unit) without
    hovering over them."""
    if not title:
        return svg
    return format_html('<figure class="bo-figure"><figcaption>{}</figcaption>{}</figure>', title, svg)


def hbar(items: list[tuple[str, float, str]], *, width: int = 560, bar_h: int = 18, label_w: int = 200,
         title: str = "") -> SafeString:
    """Horizontal bars: (label, value, url) each; the value is printed at the bar's end."""
    if not items:
        return SafeString("")
    top = max(v for _l, v, _u in items) or 1
    span = width - label_w - 50
    height = len(items) * (bar_h + 6) + 6
    bars = format_html_join("", (
        '<a href="{}"><text x="{}" y="{}" text-anchor="end" font-size="12" fill="#1d2129">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"><title>{}：{}</title></rect>'
        '<text x="{}" y="{}" font-size="12" fill="#4e5969">{}</text></a>'), (
        (url or "#", label_w - 6, 6 + i * (bar_h + 6) + bar_h - 4, label[:18], label_w, 6 + i * (bar_h + 6),
         max(1, round(span * value / top)), bar_h, COLOURS[0], label, value,
         label_w + max(1, round(span * value / top)) + 4, 6 + i * (bar_h + 6) + bar_h - 4, value)
        for i, (label, value, url) in enumerate(items)))
    return _figure(title, format_html(
        '<svg class="bo-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}" '
        'xmlns="http://www.w3.org/2000/svg">{}</svg>', title, width, height, width, height, bars))


def columns(items: list[tuple[str, float]], *, width: int = 560, height: int = 180, title: str = "") -> SafeString:
    """Vertical columns over time: (label, value) each, labels under the axis."""
    if not items:
        return SafeString("")
    top = max(v for _l, v in items) or 1
    slot = (width - 20) / len(items)
    chart_h = height - 30
    cols = format_html_join("", (
        '<rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="{}"><title>{}：{}</title></rect>'
        '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#4e5969">{}</text>'
        '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#1d2129">{}</text>'), (
        (round(10 + i * slot + slot * 0.15), round(chart_h - chart_h * v / top + 14), round(slot * 0.7),
         max(1, round(chart_h * v / top - 14)) if v else 0, COLOURS[1], label, v,
         round(10 + i * slot + slot / 2), height - 4, label, round(10 + i * slot + slot / 2),
         round(chart_h - chart_h * v / top + 10), v)
        for i, (label, v) in enumerate(items)))
    return _figure(title, format_html(
        '<svg class="bo-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}" '
        'xmlns="http://www.w3.org/2000/svg">{}</svg>', title, width, height, width, height, cols))


def heat_colour(value: float, top: float) -> str:
    """White to red by share of the maximum (readable text stays dark below 60 %)."""
    if not top or not value:
        return "#ffffff"
    share = min(1.0, value / top)
    g = round(255 - 190 * share)
    return f"rgb(255,{g},{g})"


def heat_cells(row: list[Any], top: float) -> list[tuple[Any, str]]:
    return [(v, heat_colour(v, top)) for v in row]
