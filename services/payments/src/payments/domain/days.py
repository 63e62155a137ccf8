"""English bank holidays and London calendar days, from the maintained ``holidays`` library."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=64)
def _england(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: date) -> bool:
    """True on an English bank holiday, including substitute days (Boxing Day observed)."""
    return day in _england(day.year)


def week_start(day: date, first_day: date) -> date:
    """Start of the seven-day week, counted from ``first_day``, that ``day`` falls in."""
    return first_day + timedelta(days=(day - first_day).days // 7 * 7)


def bank_holidays_between(first: date, last: date) -> list[date]:
    """English bank holidays from ``first`` to ``last`` inclusive, for set-based work in the database."""
    days: set[date] = set()
    for year in range(first.year, last.year + 1):
        days |= {d for d in _england(year) if first <= d <= last}
    return sorted(days)
