"""Planned visits: a package's visit pattern expanded day by day on the London wall clock.

The plan of a package is the awarded pattern, replaced from a day on by each amendment, with no
visits while it is suspended or after it ends, and with a provider's weekly rota (where one was
agreed) standing in for the pattern for that ISO week.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal

from shared.clock import london_wall_clock_to_utc
from shared.contracts.monitoring import planned_visit_id as planned_visit_id  # the id is in the contract

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

IsoWeek = tuple[int, int]


def iso_week(day: date) -> IsoWeek:
    """The ISO week (year, week) a day falls in."""
    calendar = day.isocalendar()
    return calendar.year, calendar.week


@dataclass(frozen=True, slots=True)
class PatternEntry:
    """One line of a visit pattern: these weekdays, at this London time, this long, this many carers."""

    days: tuple[Weekday, ...]
    start: time
    duration_minutes: int
    carers: int = 1

    def __post_init__(self) -> None:
        if not self.days or any(day not in WEEKDAYS for day in self.days):
            raise ValueError(f"days must be a non-empty subset of {WEEKDAYS}")
        if self.duration_minutes <= 0:
            raise ValueError("duration_minutes must be positive")
        if self.carers not in (1, 2):
            raise ValueError("carers must be 1 or 2")


@dataclass(frozen=True, slots=True)
class PatternPeriod:
    """A visit pattern in force from a London calendar day (the award, then each amendment)."""

    effective_from: date
    entries: tuple[PatternEntry, ...]


@dataclass(frozen=True, slots=True)
class RotaVisit:
    """A visit in a provider's weekly rota: a London calendar day and wall-clock start."""

    day: date
    start: time
    duration_minutes: int
    carers: int = 1


@dataclass(frozen=True, slots=True)
class Suspension:
    """No visits are planned from ``start`` until ``end`` (exclusive; ``None`` while still open)."""

    start: datetime
    end: datetime | None = None

    def covers(self, moment: datetime) -> bool:
        """True when a visit starting at ``moment`` falls inside the suspension."""
        return self.start <= moment and (self.end is None or moment < self.end)


@dataclass(frozen=True, slots=True)
class PackagePlan:
    """Everything that decides a package's planned visits."""

    package_id: uuid.UUID
    periods: tuple[PatternPeriod, ...]
    suspensions: tuple[Suspension, ...] = ()
    # No visit is planned at or after this instant.
    ended_at: datetime | None = None
    rotas: Mapping[IsoWeek, tuple[RotaVisit, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    """A visit the person should receive; ``planned_start`` is UTC."""

    visit_id: uuid.UUID
    package_id: uuid.UUID
    planned_start: datetime
    duration_minutes: int
    carers: int

    @property
    def planned_end(self) -> datetime:
        """The planned start plus the planned length."""
        return self.planned_start + timedelta(minutes=self.duration_minutes)


def weekly_hours(entries: Sequence[PatternEntry]) -> Decimal:
    """Carer hours a week: a double-handed visit counts once per carer, as each carer is paid."""
    minutes = sum(entry.duration_minutes * len(entry.days) * entry.carers for entry in entries)
    return Decimal(minutes) / 60


# Derivation expands the same package's days again and again: memoised, the SHA-1 of each
# planned visit's id (the contract's rule) and each day's time-zone conversion are worked out once.
_planned_visit_id = functools.lru_cache(maxsize=1 << 17)(planned_visit_id)
_london_to_utc = functools.lru_cache(maxsize=1 << 14)(london_wall_clock_to_utc)


def _pattern_on(plan: PackagePlan, day: date) -> tuple[PatternEntry, ...]:
    in_force: tuple[PatternEntry, ...] = ()
    for period in sorted(plan.periods, key=lambda p: p.effective_from):
        if period.effective_from <= day:
            in_force = period.entries
    return in_force


def _visits_on(plan: PackagePlan, day: date) -> Iterator[tuple[time, int, int]]:
    rota = plan.rotas.get(iso_week(day))
    if rota is not None:
        for visit in rota:
            if visit.day == day:
                yield visit.start, visit.duration_minutes, visit.carers
        return
    weekday = WEEKDAYS[day.weekday()]
    for entry in _pattern_on(plan, day):
        if weekday in entry.days:
            yield entry.start, entry.duration_minutes, entry.carers


def expand_plan(plan: PackagePlan, first_day: date, last_day: date) -> list[PlannedVisit]:
    """The planned visits on London days ``first_day`` to ``last_day`` inclusive, by start time.

    Wall-clock times convert to UTC per day, so a 08:00 visit stays at 08:00 London across the
    clock changes; a start inside the spring-forward gap moves an hour later.
    """
    if not plan.periods:
        return []
    day = max(first_day, min(p.effective_from for p in plan.periods))
    visits: list[PlannedVisit] = []
    while day <= last_day:
        seen: dict[datetime, int] = {}
        for start, duration, carers in sorted(_visits_on(plan, day)):
            planned_start = _london_to_utc(day, start)
            if plan.ended_at is not None and planned_start >= plan.ended_at:
                continue
            if any(s.covers(planned_start) for s in plan.suspensions):
                continue
            ordinal = seen.get(planned_start, 0)
            seen[planned_start] = ordinal + 1
            visits.append(
                PlannedVisit(
                    visit_id=_planned_visit_id(plan.package_id, planned_start, ordinal),
                    package_id=plan.package_id,
                    planned_start=planned_start,
                    duration_minutes=duration,
                    carers=carers,
                )
            )
        day += timedelta(days=1)
    visits.sort(key=lambda v: (v.planned_start, v.visit_id))
    return visits
