"""What payments knows of a package and its visits, as plain values built from the events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from payments.domain.days import LONDON
from payments.domain.rates import RateSchedule


class Basis(StrEnum):
    """How a package is paid (the award's ``payment_basis``)."""

    TIME_AND_TASK = "time_and_task"
    BUDGET = "budget"
    ENABLEMENT_OUTCOMES = "enablement_outcomes"


@dataclass(frozen=True)
class PatternEntry:
    """A visit-pattern entry: ``len(days)`` visits a week of ``duration_minutes`` for ``carers``."""

    days: tuple[str, ...]
    duration_minutes: int
    carers: int = 1


@dataclass(frozen=True)
class Contribution:
    """The person's assessed weekly contribution and who collects it (``net``: the provider)."""

    weekly_amount: Decimal
    collection: str


@dataclass(frozen=True)
class TermsChange:
    """An amendment from a day onwards: a new visit pattern, a new weekly budget, or both (None: unchanged)."""

    from_date: date
    pattern: tuple[PatternEntry, ...] | None = None
    weekly_budget: Decimal | None = None
    event_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PackageTerms:
    """A package's payment terms from its award and later amendments, each in force from its own day.

    ``pattern`` and ``weekly_budget`` are the award's; ``amendments`` change them from their
    ``from_date``, so a week before an amendment is paid under the old terms and one after under the new.
    """

    package_id: uuid.UUID
    provider_id: uuid.UUID
    basis: Basis
    rates: RateSchedule
    start_date: date
    council_share: Decimal = Decimal("1")
    pattern: tuple[PatternEntry, ...] = ()
    weekly_budget: Decimal | None = None
    enablement_budget: Decimal | None = None
    contribution: Contribution | None = None
    amendments: tuple[TermsChange, ...] = ()
    # The award event: the first of the events behind every line that is not a single visit's.
    award_event_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.council_share <= Decimal(1):
            raise ValueError("council_share must be in [0, 1]")
        object.__setattr__(self, "amendments", tuple(sorted(self.amendments, key=lambda a: a.from_date)))

    def in_force(self, day: date) -> tuple[TermsChange, ...]:
        """The amendments in force on ``day``, oldest first."""
        if not self.amendments:
            return ()
        return tuple(a for a in self.amendments if a.from_date <= day)

    def pattern_on(self, day: date) -> tuple[PatternEntry, ...]:
        """The visit pattern in force on ``day``."""
        pattern = self.pattern
        for change in self.in_force(day):
            pattern = change.pattern if change.pattern is not None else pattern
        return pattern

    def weekly_budget_on(self, day: date) -> Decimal | None:
        """The weekly budget in force on ``day``."""
        budget = self.weekly_budget
        for change in self.in_force(day):
            budget = change.weekly_budget if change.weekly_budget is not None else budget
        return budget

    def planned_weekly_carer_minutes(self, on: date) -> int:
        """Carer minutes a week by the pattern in force on ``on``: a double-handed visit counts twice."""
        return sum(e.duration_minutes * len(e.days) * e.carers for e in self.pattern_on(on))

    def change_days(self) -> frozenset[date]:
        """Days on which the rate, the pattern or the budget changes: a line never spans one."""
        return self.rates.change_days() | {a.from_date for a in self.amendments}

    def events_on(self, day: date) -> tuple[uuid.UUID, ...]:
        """The award and amendment events behind the terms in force on ``day``."""
        ids = (self.award_event_id, *(a.event_id for a in self.in_force(day)))
        return tuple(i for i in ids if i is not None)


class VisitOutcome(StrEnum):
    """What monitoring last said about a visit."""

    COMPLETED = "completed"
    MISSED = "missed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Visit:
    """A monitored visit at its highest revision."""

    visit_id: uuid.UUID
    package_id: uuid.UUID
    provider_id: uuid.UUID
    outcome: VisitOutcome
    planned_start: datetime | None
    planned_minutes: int | None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    carers_required: int = 1
    carers_attended: int = 1
    verified: bool = True
    revision: int = 1
    # The London day it counts on, when the caller already knows it (the database stores it).
    day: date | None = None
    # The event of the revision paid: the evidence behind the visit's line.
    event_id: uuid.UUID | None = None

    def actual_seconds(self) -> int:
        """Seconds between check-in and check-out (0 without both)."""
        if self.actual_start is None or self.actual_end is None:
            return 0
        return max(0, int((self.actual_end - self.actual_start).total_seconds()))

    def service_day(self) -> date:
        """The London calendar day the visit counts on."""
        if self.day is not None:
            return self.day
        moment = self.anchor()
        if moment.tzinfo is None:
            raise ValueError("naive datetime: times must carry their offset")
        return moment.astimezone(LONDON).date()

    def anchor(self) -> datetime:
        """The instant that decides the visit's day: when it started, else when it was planned."""
        moment = self.actual_start or self.planned_start
        if moment is None:
            raise ValueError(f"visit {self.visit_id} has neither an actual nor a planned start")
        return moment


@dataclass(frozen=True)
class Approvals:
    """Officers' decisions that release held amounts."""

    unverified_visits: frozenset[uuid.UUID] = field(default_factory=frozenset)
    excess_visits: frozenset[uuid.UUID] = field(default_factory=frozenset)
    # Packages whose exceptional excess (over budget) is approved, by week start or whole package.
    exceptional_packages: frozenset[uuid.UUID] = field(default_factory=frozenset)
