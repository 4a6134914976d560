"""Tiny inline-SVG charts for report.html: horizontal bars and histograms, no dependencies."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

_FONT = 'font-family="system-ui, sans-serif" font-size="12"'
BAR_COLOURS = ("#3b6ea5", "#d08c2e", "#5a9e5a", "#a0522d", "#7b68ee")


def bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    title: str,
    width: int = 620,
) -> str:
    """Horizontal bars in [0, 1], one group per label and one bar per series."""
    label_w, bar_h, gap = 190, 12, 10
    group_h = bar_h * len(series) + gap
    plot_w = width - label_w - 60
    height = 40 + group_h * len(labels) + 18 * math.ceil(len(series) / 3)
    parts = [_title(title)]
    for i, label in enumerate(labels):
        y0 = 30 + i * group_h
        parts.append(_text(label_w - 8, y0 + bar_h * len(series) / 2 + 4, label, "end"))
        for j, (_, values) in enumerate(series):
            value = values[i]
            y = y0 + j * bar_h
            colour = BAR_COLOURS[j % len(BAR_COLOURS)]
            if value is None:
                parts.append(_text(label_w + 4, y + bar_h - 2, "n/a", fill="#888"))
                continue
            w = max(1.0, plot_w * max(0.0, min(1.0, value)))
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" '
                f'fill="{colour}"><title>{escape(label)}: {value:.3f}</title></rect>'
            )
            parts.append(_text(label_w + w + 4, y + bar_h - 3, f"{value:.2f}"))
    parts.append(_axis_line(label_w, 26, label_w, 30 + group_h * len(labels)))
    parts.append(_legend([name for name, _ in series], 30 + group_h * len(labels) + 4, width))
    return _svg(width, height, parts, title)


def histogram(
    values: Sequence[float],
    title: str,
    lo: float = 0.0,
    hi: float | None = None,
    bins: int = 10,
    width: int = 300,
    unit: str = "",
) -> str:
    """A histogram of ``values`` over [lo, hi] (hi defaults to the largest value)."""
    height, left, bottom = 180, 34, 32
    top = max(values) if values else 1.0
    hi = hi if hi is not None else (top if top > lo else lo + 1.0)
    counts = [0] * bins
    for v in values:
        i = min(bins - 1, max(0, int((v - lo) / (hi - lo) * bins)))
        counts[i] += 1
    peak = max(counts) or 1
    plot_w, plot_h = width - left - 10, height - bottom - 28
    bar_w = plot_w / bins
    parts = [_title(title)]
    for i, count in enumerate(counts):
        h = plot_h * count / peak
        x, y = left + i * bar_w, 24 + plot_h - h
        a, b = lo + (hi - lo) * i / bins, lo + (hi - lo) * (i + 1) / bins
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
            f'fill="{BAR_COLOURS[0]}"><title>{_num(a)}–{_num(b)}{unit}: {count}</title></rect>'
        )
    base = 24 + plot_h
    parts.append(_axis_line(left, base, left + plot_w, base))
    parts.append(_text(left, base + 14, f"{_num(lo)}{unit}", "start"))
    over = "+" if values and max(values) > hi else ""  # the last bar also holds larger values
    parts.append(_text(left + plot_w, base + 14, f"{_num(hi)}{over}{unit}", "end"))
    parts.append(_text(left - 4, 24 + 8, str(peak), "end"))
    parts.append(_text(left - 4, base, "0", "end"))
    parts.append(_text(left + plot_w / 2, height - 4, f"n = {len(values)}", "middle", "#555"))
    return _svg(width, height, parts, title)


def _num(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.2g}"


def _svg(width: int, height: int, parts: Sequence[str], title: str) -> str:
    body = "".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">{body}</svg>'
    )


def _title(title: str) -> str:
    return f'<text x="4" y="16" {_FONT} font-weight="bold">{escape(title)}</text>'


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = "#222") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" {_FONT} text-anchor="{anchor}" '
        f'fill="{fill}">{escape(text)}</text>'
    )


def _axis_line(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#888" stroke-width="1"/>'


def _legend(names: Sequence[str], y: float, width: int) -> str:
    if len(names) < 2:
        return ""
    out = []
    for j, name in enumerate(names):
        x = 10 + (j % 3) * (width // 3)
        row = y + 18 * (j // 3)
        out.append(
            f'<rect x="{x}" y="{row}" width="10" height="10" '
            f'fill="{BAR_COLOURS[j % len(BAR_COLOURS)]}"/>'
        )
        out.append(_text(x + 14, row + 9, name))
    return "".join(out)
