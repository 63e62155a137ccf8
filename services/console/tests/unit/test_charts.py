"""Charts drawn on the server: figures where they belong, gaps for nothing measured, text for every mark."""

from __future__ import annotations

import re
from decimal import Decimal

from console.domain.charts import INSET, LEFT, PLOT_H, PLOT_W, TOP, bar_chart, line_chart, scale_for

D = Decimal


def test_a_score_of_fifty_sits_half_way_up_and_each_point_is_labelled() -> None:
    svg = line_chart("c", "Score", ["W1", "W2", "W3"], [D(0), D(50), D(100)], kind="score")
    ys = [float(y) for y in re.findall(r'<circle class="chart-point" cx="[\d.]+" cy="([\d.]+)"', svg)]
    assert ys == [TOP + PLOT_H, TOP + PLOT_H / 2, TOP]
    xs = [float(x) for x in re.findall(r'<circle class="chart-point" cx="([\d.]+)"', svg)]
    assert xs == [LEFT + INSET, LEFT + PLOT_W / 2, LEFT + PLOT_W - INSET]
    assert re.findall(r'class="chart-value"[^>]*>([^<]+)<', svg) == ["0", "50", "100"]
    assert '<title id="c-title">Score</title>' in svg
    assert '<desc id="c-desc">Score. W1: 0; W2: 50; W3: 100.</desc>' in svg
    assert 'role="img" aria-labelledby="c-title c-desc"' in svg


def test_a_period_with_nothing_measured_breaks_the_line_and_says_so() -> None:
    svg = line_chart(
        "c", "On time", ["W1", "W2", "W3", "W4", "W5"], [D("0.5"), D("0.6"), None, D("0.9"), D("1")], kind="share"
    )
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 4
    assert svg.count(">no data</text>") == 1
    assert "W3: No data" in svg


def test_a_lone_point_draws_no_line_and_a_target_is_dashed_and_labelled() -> None:
    svg = line_chart("c", "Missed", ["W1"], [D("0.25")], kind="share", target=D("0.02"))
    assert "<polyline" not in svg
    assert '<line class="chart-target"' in svg
    assert ">Target 2.0%</text>" in svg
    assert ">25.0%</text>" in svg


def test_shares_over_the_top_are_drawn_at_the_top_but_told_as_they_are() -> None:
    svg = line_chart("c", "Care time", ["W1"], [D("1.25")], kind="share")
    assert f'cy="{TOP:.1f}"' in svg
    assert ">125.0%</text>" in svg


def test_labels_and_titles_are_escaped() -> None:
    svg = line_chart('x"><script>', "<b>Score</b>", ["<i>W1</i>"], [D(1)], kind="score")
    assert "<script>" not in svg
    assert "<b>" not in svg
    assert "<i>" not in svg
    assert "&lt;b&gt;Score&lt;/b&gt;" in svg


def test_bars_are_as_tall_as_their_counts_with_the_count_written_above() -> None:
    svg = bar_chart("h", "Lengths", ["short", "long", "none"], [2, 8, 0])
    heights = [float(h) for h in re.findall(r'<rect class="chart-bar"[^>]* height="([\d.]+)"', svg)]
    assert heights == [PLOT_H / 4, PLOT_H, 0.0]
    assert re.findall(r'class="chart-value"[^>]*>([^<]+)<', svg) == ["2", "8", "0"]
    assert "Lengths. short: 2; long: 8; none: 0." in svg


def test_count_scales_round_up_to_four_whole_steps() -> None:
    assert scale_for("count", [D(0)]).ticks == (D(0), D(1), D(2), D(3), D(4))
    assert scale_for("count", [D(9)]).top == D(12)
    assert scale_for("count", [D(8), None]).top == D(8)
    assert [scale_for("share", []).tick_label(t) for t in scale_for("share", []).ticks] == [
        "0%", "25%", "50%", "75%", "100%",
    ]  # fmt: skip
