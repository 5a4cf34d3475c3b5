"""Inline SVG charts for the month-end pack: plain strings, no JavaScript, no fonts or files to fetch.

Each chart takes labels and one or more named series of numbers and returns an <svg> element that scales
with the page (viewBox). Negative values are drawn below a zero line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 84, 10, 40, 30
PALETTE = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b7791f", "#c53030")
Series = dict[str, Sequence[float]]


def money(value: float) -> str:
    """1234567.8 -> '1,234,568'; the axis and tooltips round to whole units."""
    return f"{value:,.0f}"


def _scale(series: Series, stacked: bool = False) -> tuple[float, float]:
    if stacked:
        columns = list(zip(*series.values(), strict=True)) or [(0.0,)]
        values = [sum(v for v in col if v > 0) for col in columns]
        values += [sum(v for v in col if v < 0) for col in columns]
    else:
        values = [v for s in series.values() for v in s]
    low, high = min([0.0, *values]), max([0.0, *values])
    return (low, high) if high > low else (low, low + 1)


def _frame(low: float, high: float, labels: Sequence[str], title: str) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg" class="chart">']
    for i in range(5):
        value = low + (high - low) * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{money(value)}</text>')
    step = max(1, math.ceil(len(labels) / 8))  # at most eight labels fit under the axis
    width = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    for i, label in enumerate(labels):
        if i % step == 0:
            x = LEFT + width * (i + 0.5)
            y = HEIGHT - BOTTOM + 16
            parts.append(f'<text x="{x:.1f}" y="{y}" text-anchor="middle">{escape(label)}</text>')
    return parts


def _y(value: float, low: float, high: float) -> float:
    plot_h = HEIGHT - TOP - BOTTOM
    return TOP + plot_h - plot_h * (value - low) / (high - low)


def _legend(names: Sequence[str]) -> list[str]:
    """Swatches and names across the top, wrapping to a second row when the first is full."""
    parts, x, y = [], float(LEFT), 4
    for i, name in enumerate(names):
        width = 26 + 7.2 * len(name)
        if x + width > WIDTH - RIGHT and x > LEFT:
            x, y = float(LEFT), y + 16
        parts.append(f'<rect x="{x:.0f}" y="{y}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 14:.0f}" y="{y + 9}">{escape(name)}</text>')
        x += width
    return parts


def line_chart(title: str, labels: Sequence[str], series: Series) -> str:
    low, high = _scale(series)
    parts = _frame(low, high, labels, title)
    width = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    for i, (name, values) in enumerate(series.items()):
        points = " ".join(
            f"{LEFT + width * (j + 0.5):.1f},{_y(v, low, high):.1f}" for j, v in enumerate(values)
        )
        parts.append(f'<polyline points="{points}" fill="none" stroke="{PALETTE[i % len(PALETTE)]}" '
                     f'stroke-width="2"><title>{escape(name)}</title></polyline>')
    return "\n".join([*parts, *_legend(list(series)), "</svg>"])


def bar_chart(title: str, labels: Sequence[str], series: Series) -> str:
    """Stacked bars, one per label; each series is one colour of the stack."""
    low, high = _scale(series, stacked=True)
    parts = _frame(low, high, labels, title)
    width = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    base_up = [0.0] * len(labels)
    base_down = [0.0] * len(labels)
    for i, (name, values) in enumerate(series.items()):
        for j, value in enumerate(values):
            bases = base_up if value >= 0 else base_down
            start, end = bases[j], bases[j] + value
            bases[j] = end
            top, bottom = _y(max(start, end), low, high), _y(min(start, end), low, high)
            parts.append(
                f'<rect x="{LEFT + width * j + width * 0.15:.1f}" y="{top:.1f}" width="{width * 0.7:.1f}" '
                f'height="{max(bottom - top, 0):.1f}" fill="{PALETTE[i % len(PALETTE)]}">'
                f"<title>{escape(labels[j])} {escape(name)}: {money(value)}</title></rect>"
            )
    return "\n".join([*parts, *_legend(list(series)), "</svg>"])
