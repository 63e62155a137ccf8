"""ISO weeks and four-week periods on the London calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from quality.domain.periods import (
    InvalidPeriod,
    Period,
    closed_periods,
    four_weeks_of,
    last_periods,
    parse_period,
    period_of,
    week_of,
)
from shared.clock import london_date


@pytest.mark.parametrize(
    ("label", "start", "end", "kind"),
    [
        ("2026-W47", date(2026, 11, 16), date(2026, 11, 23), "week"),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 5), "week"),
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 4), "week"),  # 2026 has 53 ISO weeks
        ("2026-W45+4w", date(2026, 11, 2), date(2026, 11, 30), "four_weeks"),  # 11 x 28 days from anchor
        ("2026-W01+4w", date(2025, 12, 29), date(2026, 1, 26), "four_weeks"),
    ],
)
def test_parse_period(label, start, end, kind) -> None:
    period = parse_period(label)
    assert (period.start, period.end, period.kind) == (start, end, kind)
    assert period.label == label


@pytest.mark.parametrize("label", ["2026-W46+4w", "2026-W54", "2025-W53", "2026-47", "W47", "2026-W47+2w", ""])
def test_bad_labels_are_refused(label) -> None:
    with pytest.raises(InvalidPeriod):
        parse_period(label)


def test_four_weeks_follow_a_councils_anchor() -> None:
    anchor = date(2026, 4, 6)  # a council whose year starts in April
    assert four_weeks_of(date(2026, 5, 3), anchor) == Period(date(2026, 4, 6), "four_weeks")
    assert four_weeks_of(date(2026, 5, 4), anchor) == Period(date(2026, 5, 4), "four_weeks")
    assert four_weeks_of(date(2026, 4, 5), anchor) == Period(date(2026, 3, 9), "four_weeks")
    assert parse_period("2026-W19+4w", anchor).start == date(2026, 5, 4)
    with pytest.raises(InvalidPeriod):
        four_weeks_of(date(2026, 5, 3), date(2026, 4, 7))


def test_a_late_sunday_evening_in_summer_is_mondays_visit() -> None:
    # 23:30 UTC on Sunday 21 June is 00:30 BST on Monday 22 June: the next ISO week.
    day = london_date(datetime(2026, 6, 21, 23, 30, tzinfo=UTC))
    assert week_of(day).label == "2026-W26"
    assert period_of(day, "week").start == date(2026, 6, 22)


def test_previous_and_last_periods() -> None:
    w47 = parse_period("2026-W47")
    assert w47.previous().label == "2026-W46"
    assert [p.label for p in last_periods(w47, 3)] == ["2026-W45", "2026-W46", "2026-W47"]
    four = parse_period("2026-W45+4w")
    assert four.previous().label == "2026-W41+4w"
    assert [w.label for w in four.weeks()] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]


@pytest.mark.parametrize(
    ("today", "week", "four_weeks"),
    [
        (date(2026, 11, 23), "2026-W47", "2026-W41+4w"),  # a Monday: last week just closed
        (date(2026, 11, 29), "2026-W47", "2026-W41+4w"),  # the Sunday ending W45+4w: not closed yet
        (date(2026, 11, 30), "2026-W48", "2026-W45+4w"),
    ],
)
def test_closed_periods(today, week, four_weeks) -> None:
    assert [p.label for p in closed_periods(today)] == [week, four_weeks]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.sampled_from(["week", "four_weeks"]))
def test_every_day_is_in_exactly_the_period_its_label_names(day, kind) -> None:
    period = period_of(day, kind)
    assert period.contains(day)
    assert period.start.weekday() == 0
    assert parse_period(period.label) == period
    assert not period.previous().contains(day)
    assert period.previous().end == period.start
