"""Which hourly rate applies on a given day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class RateChange:
    """An hourly rate from a day onwards."""

    from_date: date
    hourly_rate: Decimal


@dataclass(frozen=True)
class RateSchedule:
    """A package's rates: the awarded rate, dated changes, and the ongoing rate after enablement."""

    hourly_rate: Decimal
    changes: tuple[RateChange, ...] = ()
    ongoing_hourly_rate: Decimal | None = None
    ongoing_from: date | None = None
    _sorted: tuple[RateChange, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sorted", tuple(sorted(self.changes, key=lambda c: c.from_date)))

    def rate_on(self, day: date) -> Decimal:
        """The rate for a visit on ``day``: a change applies from its own day, not from its week."""
        ongoing = self.ongoing_hourly_rate
        if ongoing is not None and self.ongoing_from is not None and day >= self.ongoing_from:
            return ongoing
        rate = self.hourly_rate
        for change in self._sorted:
            if change.from_date > day:
                break
            rate = change.hourly_rate
        return rate

    def change_days(self) -> frozenset[date]:
        """Days from which a different rate applies."""
        days = {c.from_date for c in self.changes}
        if self.ongoing_hourly_rate is not None and self.ongoing_from is not None:
            days.add(self.ongoing_from)
        return frozenset(days)


def ongoing_from(start_date: date, enablement_weeks: int | None) -> date | None:
    """First day of ongoing support after an enablement of ``enablement_weeks`` weeks."""
    if enablement_weeks is None:
        return None
    return start_date + timedelta(weeks=enablement_weeks)
