"""Charts as inline SVG, drawn on the server: no script, a text alternative, and labels on every mark.

Each chart is ``role="img"`` with a title and a description naming every value, and every point or
bar carries its figure as text, so nothing is told by colour or position alone. Pages show the same
figures in a table beside the chart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Literal

from console.domain.formatting import number, share

Kind = Literal["share", "score", "count"]
WIDTH, HEIGHT = 640, 260
# The right margin holds the target's label, clear of the points; points stand INSET in from the axes.
LEFT, RIGHT, TOP, BOTTOM, INSET = 56, 112, 24, 44, 36
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class Scale:
    """The y axis: its top, its ticks and how a figure on it reads."""

    top: Decimal
    ticks: tuple[Decimal, ...]
    label: Callable[[Decimal | None], str]
    tick_label: Callable[[Decimal], str]


def scale_for(kind: Kind, values: Sequence[Decimal | None]) -> Scale:
    """Shares run 0 to 100%, scores 0 to 100, counts 0 to a round number at or above the largest."""
    if kind == "share":
        quarters = tuple(Decimal(i) / 4 for i in range(5))
        return Scale(Decimal(1), quarters, lambda v: share(v), lambda v: share(v, 0))
    if kind == "score":
        return Scale(Decimal(100), tuple(Decimal(25 * i) for i in range(5)), lambda v: number(v), lambda v: number(v))
    largest = max((v for v in values if v is not None), default=Decimal(0))
    step = max(Decimal(1), Decimal(math.ceil(largest / 4)))
    return Scale(step * 4, tuple(step * i for i in range(5)), lambda v: number(v, 0), lambda v: number(v, 0))


def _y(value: Decimal, scale: Scale) -> float:
    top = scale.top or Decimal(1)
    clamped = min(max(value, Decimal(0)), top)
    return TOP + PLOT_H - float(clamped / top) * PLOT_H


def _x(index: int, count: int) -> float:
    if count <= 1:
        return LEFT + PLOT_W / 2
    return LEFT + INSET + index * (PLOT_W - 2 * INSET) / (count - 1)


def _frame(chart_id: str, title: str, description: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" focusable="false" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _text(cls: str, x: float, y: float, content: str, anchor: str = "middle") -> str:
    return f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(content)}</text>'


def _axes(scale: Scale) -> list[str]:
    out = []
    for tick in scale.ticks:
        y = _y(tick, scale)
        out.append(f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(_text("chart-tick", LEFT - 8, y + 5, scale.tick_label(tick), "end"))
    out.append(f'<line class="chart-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + PLOT_H}" y2="{TOP + PLOT_H}"/>')
    return out


def describe(title: str, labels: Sequence[str], values: Sequence[Decimal | None], scale: Scale) -> str:
    """The text alternative: every label with its figure."""
    if not labels:
        return f"{title}: nothing to show yet."
    parts = [f"{label}: {scale.label(value)}" for label, value in zip(labels, values, strict=True)]
    return f"{title}. " + "; ".join(parts) + "."


def line_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[Decimal | None],
    *,
    kind: Kind,
    target: Decimal | None = None,
) -> str:
    """A line over periods; gaps where a period had nothing to measure; a dashed, labelled target line."""
    scale = scale_for(kind, [*values, target])
    body = _axes(scale)
    count = len(values)
    if target is not None:
        y = _y(target, scale)
        body.append(f'<line class="chart-target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        body.append(_text("chart-target-label", WIDTH - RIGHT + 8, y + 5, f"Target {scale.label(target)}", "start"))
    run: list[str] = []
    for i, value in enumerate([*values, None]):
        if value is not None:
            run.append(f"{_x(i, count):.1f},{_y(value, scale):.1f}")
            continue
        if len(run) > 1:
            body.append(f'<polyline class="chart-line" points="{" ".join(run)}"/>')
        run = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = _x(i, count)
        body.append(_text("chart-label", x, HEIGHT - BOTTOM + 22, label))
        if value is None:
            body.append(_text("chart-none", x, TOP + PLOT_H - 8, "no data"))
            continue
        y = _y(value, scale)
        figure = scale.label(value)
        body.append(
            f'<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="5">'
            f"<title>{escape(label)}: {escape(figure)}</title></circle>"
        )
        body.append(_text("chart-value", x, y - 10, figure))
    return _frame(chart_id, title, describe(title, labels, values, scale), body)


def bar_chart(chart_id: str, title: str, labels: Sequence[str], counts: Sequence[int]) -> str:
    """Bars with their counts written above them and their labels below."""
    values = [Decimal(c) for c in counts]
    scale = scale_for("count", values)
    body = _axes(scale)
    slot = PLOT_W / max(1, len(counts))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + i * slot + slot * 0.15
        y = _y(value, scale)
        height = TOP + PLOT_H - y
        centre = x + slot * 0.35
        body.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}">'
            f"<title>{escape(label)}: {escape(scale.label(value))}</title></rect>"
        )
        body.append(_text("chart-value", centre, y - 6, scale.label(value)))
        body.append(_text("chart-label", centre, HEIGHT - BOTTOM + 22, label))
    return _frame(chart_id, title, describe(title, labels, values, scale), body)
