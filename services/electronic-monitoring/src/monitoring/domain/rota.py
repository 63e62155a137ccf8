"""A provider's weekly rota checked against the package's weekly hours plus banked time.

The bank is what monitoring can honestly know: the carer hours the package was allowed in each of
the recent complete weeks (its weekly hours, pro rata to the days it was active: started, not
ended, not suspended) less the carer hours its completed visits delivered. Unused hours carry
forward within the banking window; hours delivered over the allowance in a week draw the bank down;
the bank is never negative. The weekly hours are the package's current ones (monitoring keeps no
history of amended hours).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from shared.clock import london_date, london_wall_clock_to_utc

from monitoring.domain.plan import IsoWeek, RotaVisit, Suspension, iso_week

HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class RotaCheck:
    """How a rota's carer hours compare with what the package allows for the week."""

    planned_hours: Decimal
    banked_hours: Decimal
    allowed_hours: Decimal
    over_by_hours: Decimal

    @property
    def over_allowance(self) -> bool:
        """True when the rota plans more than weekly hours plus bank: it is flagged, not refused."""
        return self.over_by_hours > 0


def parse_iso_week(text: str) -> IsoWeek:
    """``2026-W09`` as ``(2026, 9)``; raises ValueError for anything that is not a real ISO week."""
    try:
        year_text, week_text = text.split("-W")
        year, week = int(year_text), int(week_text)
        date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an ISO week like 2026-W09") from exc
    return year, week


def days_outside_week(visits: Sequence[RotaVisit], week: IsoWeek) -> list[int]:
    """Indexes of rota visits whose day is not in the given ISO week."""
    return [i for i, visit in enumerate(visits) if iso_week(visit.day) != week]


def check_rota(visits: Sequence[RotaVisit], weekly_hours: Decimal, banked_hours: Decimal) -> RotaCheck:
    """Carer hours in the rota (double-handed visits count per carer) against hours plus bank."""
    # Hours to the hundredth, as the package's weekly hours are stored; minutes/60 can recur.
    planned = (Decimal(sum(v.duration_minutes * v.carers for v in visits)) / 60).quantize(HUNDREDTH)
    bank = max(banked_hours, Decimal(0)).quantize(HUNDREDTH)
    allowed = (weekly_hours + bank).quantize(HUNDREDTH)
    over_by = max(planned - allowed, Decimal(0))
    return RotaCheck(planned_hours=planned, banked_hours=bank, allowed_hours=allowed, over_by_hours=over_by)


@dataclass(frozen=True, slots=True)
class Activity:
    """When a package was live: from its start date, until it ended, outside its suspensions."""

    start_date: date
    ended_at: datetime | None
    suspensions: tuple[Suspension, ...]

    def active_on(self, day: date) -> bool:
        """Whether care was due on a London day (judged at the day's start)."""
        midnight = london_wall_clock_to_utc(day, time(0))
        if day < self.start_date or (self.ended_at is not None and midnight >= self.ended_at):
            return False
        return not any(s.covers(midnight) for s in self.suspensions)


def week_monday(week: IsoWeek) -> date:
    """The Monday of an ISO week."""
    return date.fromisocalendar(week[0], week[1], 1)


def banking_weeks(rota_week: IsoWeek, today: date, window_weeks: int) -> list[IsoWeek]:
    """The complete weeks whose unused hours a rota may draw on, oldest first: the ``window_weeks``
    weeks before the rota's week, and never the current week or later (still being delivered)."""
    this_monday = today - timedelta(days=today.weekday())
    last_monday = min(week_monday(rota_week), this_monday) - timedelta(days=7)
    mondays = [last_monday - timedelta(days=7 * n) for n in range(window_weeks)]
    return [iso_week(m) for m in reversed(mondays)]


def banked_hours(
    weekly_hours: Decimal,
    weeks: Sequence[IsoWeek],
    activity: Activity,
    delivered: Iterable[tuple[datetime, int]],
) -> Decimal:
    """Unused carer hours of the banking weeks, to the hundredth and never negative.

    ``delivered`` holds each completed visit's time and carer-minutes; visits outside the weeks
    are ignored.
    """
    minutes: dict[IsoWeek, int] = defaultdict(int)
    for at, carer_minutes in delivered:
        minutes[iso_week(london_date(at))] += carer_minutes
    unused = Decimal(0)
    for week in weeks:
        monday = week_monday(week)
        days = sum(activity.active_on(monday + timedelta(days=n)) for n in range(7))
        unused += weekly_hours * days / 7 - Decimal(minutes[week]) / 60
    return max(unused, Decimal(0)).quantize(HUNDREDTH)
