"""The facts KPIs are computed from, derived from other services' events and officers' records.

Each fact is keyed by the id of what it describes and only its latest revision is kept (visits carry
monitoring's revision; the store applies the same rule to the rest). Computing KPIs from the facts,
rather than adding to running totals, is what lets a late or corrected event change a past week
without counting anything twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal, TypeVar

from shared.clock import london_date

VisitStatus = Literal["completed", "missed", "cancelled"]
OfferAnswer = Literal["accepted", "declined"]
IncidentKind = Literal["complaint", "compliment", "safeguarding"]
CqcRating = Literal["outstanding", "good", "requires_improvement", "inadequate"]
ServiceType = Literal["enablement", "ongoing_support"]

CQC_POINTS: dict[CqcRating, int] = {
    "outstanding": 4,
    "good": 3,
    "requires_improvement": 2,
    "inadequate": 1,
}


@dataclass(frozen=True)
class VisitFact:
    """One visit as monitoring last described it (completed, missed, cancelled, or corrected).

    ``revision`` is monitoring's: it rises with every change to the visit.
    """

    visit_id: uuid.UUID
    revision: int
    package_id: uuid.UUID
    provider_id: uuid.UUID
    zone: str | None
    status: VisitStatus
    planned_start: datetime | None = None
    planned_minutes: int | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    carer_ids: tuple[str, ...] = ()
    verified: bool = False
    unverified_reason: str | None = None
    carers_required: int = 1

    @cached_property
    def day(self) -> date:
        """The London day the visit counts on: planned if planned, else when it happened."""
        moment = self.planned_start or self.actual_start
        if moment is None:
            raise ValueError(f"visit {self.visit_id} has neither a planned nor an actual start")
        return london_date(moment)

    @property
    def planned(self) -> bool:
        """Whether the visit was on the plan (an unplanned visit has no planned start)."""
        return self.planned_start is not None and self.planned_minutes is not None

    @property
    def planned_carer_minutes(self) -> int:
        """Planned minutes times the carers planned: a double-handed visit is paid for each carer."""
        return (self.planned_minutes or 0) * self.carers_required

    @property
    def delivered_carer_minutes(self) -> int:
        """Delivered minutes times the carers who came (as many as were planned, at most)."""
        came = min(max(len(self.carer_ids), 1), self.carers_required)
        return (self.delivered_minutes or 0) * came

    @cached_property
    def delivered_minutes(self) -> int | None:
        """Whole minutes between check-in and check-out, for a completed visit."""
        if self.status != "completed" or self.actual_start is None or self.actual_end is None:
            return None
        return int((self.actual_end - self.actual_start).total_seconds() // 60)


@dataclass(frozen=True)
class CorrectionFact:
    """A provider's correction of a visit record, with its reason code."""

    correction_id: uuid.UUID
    visit_id: uuid.UUID
    reason: str


@dataclass(frozen=True)
class OfferFact:
    """An offer of a package to one provider, and its answer if it has one."""

    offer_id: uuid.UUID
    package_id: uuid.UUID
    provider_id: uuid.UUID
    zone: str | None
    offered_at: datetime
    answer: OfferAnswer | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class HandbackFact:
    """A provider handing a package back."""

    package_id: uuid.UUID
    provider_id: uuid.UUID
    zone: str | None
    handed_back_at: datetime


@dataclass(frozen=True)
class ReferralFact:
    """A referral's life as quality sees it: submitted, awarded, started, reviewed."""

    referral_id: uuid.UUID
    service_type: ServiceType
    submitted_at: datetime
    start_date: date
    zone: str | None = None
    provider_id: uuid.UUID | None = None
    awarded_at: datetime | None = None
    reviewed_on: date | None = None
    all_outcomes_met: bool | None = None


@dataclass(frozen=True)
class IncidentFact:
    """A complaint, compliment or safeguarding concern an officer recorded against a provider."""

    incident_id: uuid.UUID
    provider_id: uuid.UUID
    kind: IncidentKind
    occurred_on: date
    zone: str | None = None


@dataclass(frozen=True)
class AssessmentFact:
    """An officer's quality assessment of a provider: each domain rated 1 (worst) to 4 (best)."""

    assessment_id: uuid.UUID
    provider_id: uuid.UUID
    assessed_on: date
    ratings: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CqcRatingFact:
    """The regulator's rating of a provider from a date."""

    provider_id: uuid.UUID
    rating: CqcRating
    rated_on: date


@dataclass(frozen=True)
class Facts:
    """Everything a KPI report reads. Collections hold the latest revision of each fact only."""

    visits: tuple[VisitFact, ...] = ()
    corrections: tuple[CorrectionFact, ...] = ()
    offers: tuple[OfferFact, ...] = ()
    handbacks: tuple[HandbackFact, ...] = ()
    referrals: tuple[ReferralFact, ...] = ()
    incidents: tuple[IncidentFact, ...] = ()
    assessments: tuple[AssessmentFact, ...] = ()
    cqc_ratings: tuple[CqcRatingFact, ...] = ()
    # The London day of each package's first completed visit, when the store worked it out itself
    # (a package's first visit may lie before the period); otherwise it is read from ``visits``.
    first_visit_days: dict[uuid.UUID, date] | None = None


FactT = TypeVar("FactT")


def latest_revisions(
    facts: Iterable[FactT],
    key: Callable[[FactT], Hashable],
    revision: Callable[[FactT], Any],
) -> list[FactT]:
    """The latest revision of each fact; a replay of the same revision changes nothing.

    ``revision`` gives an orderable revision (a number, or the time of the event that set the fact).
    Ties keep the first seen, so a redelivered event is a no-op. The result is in
    first-seen key order, so the same history always yields the same list.
    """
    latest: dict[Hashable, FactT] = {}
    for fact in facts:
        k = key(fact)
        current = latest.get(k)
        if current is None or revision(fact) > revision(current):
            latest[k] = fact
    return list(latest.values())


def latest_visits(visits: Iterable[VisitFact]) -> tuple[VisitFact, ...]:
    """The latest revision of each visit."""
    result = latest_revisions(visits, lambda v: v.visit_id, lambda v: v.revision)
    return tuple(sorted(result, key=lambda v: str(v.visit_id)))


def split_by_provider(facts: Facts) -> dict[uuid.UUID, Facts]:
    """Each provider's own facts, in one pass, so scoring many providers stays linear in the facts.

    Referrals nobody was awarded belong to no provider; first-visit days stay shared.
    """
    buckets: dict[uuid.UUID, dict[str, list[Any]]] = {}

    def bucket(provider_id: uuid.UUID) -> dict[str, list[Any]]:
        return buckets.setdefault(provider_id, {name: [] for name in _COLLECTIONS})

    visit_owner: dict[uuid.UUID, uuid.UUID] = {}
    for v in facts.visits:
        bucket(v.provider_id)["visits"].append(v)
        visit_owner[v.visit_id] = v.provider_id
    for c in facts.corrections:
        if c.visit_id in visit_owner:
            bucket(visit_owner[c.visit_id])["corrections"].append(c)
    for name in ("offers", "handbacks", "referrals", "incidents", "assessments", "cqc_ratings"):
        for fact in getattr(facts, name):
            if fact.provider_id is not None:
                bucket(fact.provider_id)[name].append(fact)
    return {
        provider_id: Facts(**{k: tuple(v) for k, v in lists.items()}, first_visit_days=facts.first_visit_days)
        for provider_id, lists in buckets.items()
    }


def split_by_zone(facts: Facts) -> dict[str | None, Facts]:
    """The facts of each zone (assessments and ratings, which belong to providers, go to every zone)."""
    buckets: dict[str | None, dict[str, list[Any]]] = {}

    def bucket(zone: str | None) -> dict[str, list[Any]]:
        return buckets.setdefault(zone, {name: [] for name in _COLLECTIONS})

    visit_zone: dict[uuid.UUID, str | None] = {}
    for v in facts.visits:
        bucket(v.zone)["visits"].append(v)
        visit_zone[v.visit_id] = v.zone
    for c in facts.corrections:
        if c.visit_id in visit_zone:
            bucket(visit_zone[c.visit_id])["corrections"].append(c)
    for name in ("offers", "handbacks", "referrals", "incidents"):
        for fact in getattr(facts, name):
            bucket(fact.zone)[name].append(fact)
    return {
        zone: Facts(
            **{k: tuple(v) for k, v in lists.items() if k not in ("assessments", "cqc_ratings")},
            assessments=facts.assessments,
            cqc_ratings=facts.cqc_ratings,
            first_visit_days=facts.first_visit_days,
        )
        for zone, lists in buckets.items()
    }


_COLLECTIONS = ("visits", "corrections", "offers", "handbacks", "referrals", "incidents", "assessments", "cqc_ratings")
