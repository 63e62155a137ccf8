"""Time: UTC inside, Europe/London at the edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def to_london(moment: datetime) -> datetime:
    """An aware datetime shown on the London wall clock."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times must carry their offset")
    return moment.astimezone(LONDON)


def london_wall_clock_to_utc(day: date, wall: time) -> datetime:
    """A London wall-clock time on a day as UTC (DST-aware; a gap time moves forward an hour)."""
    local = datetime.combine(day, wall, tzinfo=LONDON)
    # Round-trip through UTC normalises the non-existent spring-forward hour.
    return local.astimezone(UTC)


def london_date(moment: datetime) -> date:
    """The London calendar day an aware instant falls on."""
    return to_london(moment).date()
