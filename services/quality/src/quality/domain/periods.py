"""Reporting periods: ISO weeks and four-week periods, on the London calendar.

A four-week period starts on a Monday a whole number of 28-day steps from the council's anchor
Monday (by default the Monday of ISO week 1 of 2026), so periods never drift across year ends the way
"thirteen periods per ISO year" would in 53-week years. Labels: ``2026-W47`` for a week,
``2026-W45+4w`` for the four weeks starting with ISO week 45.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

PeriodKind = Literal["week", "four_weeks"]

DEFAULT_ANCHOR = date(2025, 12, 29)
_LABEL = re.compile(r"^(?P<year>\d{4})-W(?P<week>\d{2})(?P<four>\+4w)?$")


class InvalidPeriod(ValueError):
    """A period label that does not name a week or an aligned four-week period."""


@dataclass(frozen=True, order=True)
class Period:
    """A half-open range of London calendar days ``[start, end)``."""

    start: date
    kind: PeriodKind

    @property
    def end(self) -> date:
        """The first day after the period."""
        return self.start + timedelta(days=7 if self.kind == "week" else 28)

    @property
    def label(self) -> str:
        """``2026-W47`` or ``2026-W45+4w``."""
        year, week, _ = self.start.isocalendar()
        suffix = "+4w" if self.kind == "four_weeks" else ""
        return f"{year}-W{week:02d}{suffix}"

    def contains(self, day: date) -> bool:
        """Whether a London calendar day falls in the period."""
        return self.start <= day < self.end

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return Period(self.start - (self.end - self.start), self.kind)

    def weeks(self) -> list[Period]:
        """The ISO weeks making up the period."""
        count = 1 if self.kind == "week" else 4
        return [Period(self.start + timedelta(days=7 * i), "week") for i in range(count)]


def week_of(day: date) -> Period:
    """The ISO week a day falls in."""
    return Period(day - timedelta(days=day.weekday()), "week")


def four_weeks_of(day: date, anchor: date = DEFAULT_ANCHOR) -> Period:
    """The four-week period a day falls in, counted from the anchor Monday."""
    if anchor.weekday() != 0:
        raise InvalidPeriod("the four-week anchor must be a Monday")
    steps = (day - anchor).days // 28
    return Period(anchor + timedelta(days=28 * steps), "four_weeks")


def period_of(day: date, kind: PeriodKind, anchor: date = DEFAULT_ANCHOR) -> Period:
    """The period of a kind that a day falls in."""
    return week_of(day) if kind == "week" else four_weeks_of(day, anchor)


def parse_period(label: str, anchor: date = DEFAULT_ANCHOR) -> Period:
    """Read a period label; a four-week label must start on a period boundary."""
    match = _LABEL.match(label)
    if match is None:
        raise InvalidPeriod(f"{label!r} is not a period: use 2026-W47 or 2026-W45+4w")
    try:
        start = date.fromisocalendar(int(match["year"]), int(match["week"]), 1)
    except ValueError as exc:
        raise InvalidPeriod(f"{label!r} names no ISO week") from exc
    if match["four"] is None:
        return Period(start, "week")
    period = four_weeks_of(start, anchor)
    if period.start != start:
        raise InvalidPeriod(f"{label!r} does not start a four-week period; {period.label} does")
    return period


def last_periods(current: Period, count: int) -> list[Period]:
    """``count`` periods ending with ``current``, oldest first."""
    periods = [current]
    for _ in range(count - 1):
        periods.append(periods[-1].previous())
    return list(reversed(periods))


def closed_periods(today: date, anchor: date = DEFAULT_ANCHOR) -> list[Period]:
    """The latest week and the latest four-week period that ended before ``today`` (London)."""
    return [week_of(today).previous(), four_weeks_of(today, anchor).previous()]
