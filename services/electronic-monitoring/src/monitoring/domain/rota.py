"""A provider's weekly rota checked against the package's weekly hours plus banked time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from monitoring.domain.plan import IsoWeek, RotaVisit

HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class RotaCheck:
    """How a rota's carer hours compare with what the package allows for the week."""

    planned_hours: Decimal
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
    return [i for i, visit in enumerate(visits) if tuple(visit.day.isocalendar())[:2] != week]


def check_rota(visits: Sequence[RotaVisit], weekly_hours: Decimal, banked_hours: Decimal) -> RotaCheck:
    """Carer hours in the rota (double-handed visits count per carer) against hours plus bank."""
    # Hours to the hundredth, as the package's weekly hours are stored; minutes/60 can recur.
    planned = (Decimal(sum(v.duration_minutes * v.carers for v in visits)) / 60).quantize(HUNDREDTH)
    allowed = (weekly_hours + max(banked_hours, Decimal(0))).quantize(HUNDREDTH)
    return RotaCheck(planned_hours=planned, allowed_hours=allowed, over_by_hours=max(planned - allowed, Decimal(0)))
