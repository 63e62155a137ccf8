"""Offers: deadlines, answers, when a round closes, and what a provider may see before award."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from shared.contracts.common import Outcome, ServiceType, Urgency, VisitPatternEntry
from shared.money import Money

from brokerage.domain.rules import CouncilRules
from brokerage.domain.zones import parse_postcode


class OfferStatus(StrEnum):
    """Where an offer stands."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class DeclineReason(StrEnum):
    """Why a provider declined, so quality can count them and staff can see patterns."""

    NO_CAPACITY = "no_capacity"
    NO_STAFF_IN_AREA = "no_staff_in_area"
    VISIT_TIMES_UNWORKABLE = "visit_times_unworkable"
    SKILLS_NOT_AVAILABLE = "skills_not_available"
    RATE_UNVIABLE = "rate_unviable"
    OTHER = "other"


class OfferClosedError(Exception):
    """The offer has been answered, expired or withdrawn."""


class BidRequiredError(ValueError):
    """The council's award rule needs an ``ongoing_hourly_rate`` with the acceptance."""


def deadline_for(offered_at: datetime, urgency: Urgency, rules: CouncilRules) -> datetime:
    """When a provider's time to answer runs out."""
    return offered_at + rules.deadlines.for_urgency(urgency)


@dataclass(frozen=True, slots=True)
class OfferState:
    """An offer as the round sees it."""

    offer_id: uuid.UUID
    provider_id: uuid.UUID
    status: OfferStatus
    deadline: datetime


def check_answerable(status: OfferStatus, deadline: datetime, now: datetime) -> None:
    """Raise unless the offer is open and inside its deadline."""
    if status != OfferStatus.OPEN or now >= deadline:
        raise OfferClosedError("the offer is closed")


def check_bid(bid: Decimal | None, rules: CouncilRules) -> None:
    """Raise when the rule asks for a bid and there is none, or it is not a positive amount."""
    if rules.requires_bid and (bid is None or bid <= 0):
        raise BidRequiredError("ongoing_hourly_rate is required and must be positive under this award rule")


def round_is_closed(offers: Sequence[OfferState], now: datetime) -> bool:
    """A round closes when every offeree has answered or its deadline has passed."""
    if not offers:
        return True
    if all(o.status != OfferStatus.OPEN for o in offers):
        return True
    return now >= max(o.deadline for o in offers)


def to_expire(offers: Sequence[OfferState], now: datetime) -> list[uuid.UUID]:
    """Open offers whose deadline has passed."""
    return [o.offer_id for o in offers if o.status == OfferStatus.OPEN and now >= o.deadline]


class OfferView(BaseModel):
    """What a provider sees of an offer: enough to decide, nothing that identifies the person.

    There is deliberately no field for a name, NHS number, date of birth or address: the full
    postcode is cut to its district. Personal data reaches the winner only, on award.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    offer_id: uuid.UUID
    package_id: uuid.UUID
    round: int
    status: OfferStatus
    zone_id: str
    postcode_district: str
    service_type: ServiceType
    outcomes: list[Outcome]
    visit_pattern: list[VisitPatternEntry]
    weekly_hours: Decimal
    start_date: date
    urgency: Urgency
    offered_at: datetime
    deadline: datetime
    hourly_rate: Money | None
    bid_required: bool


@dataclass(frozen=True, slots=True)
class PackageFacts:
    """The parts of a package an offer may draw on (the person's identity is not among them)."""

    package_id: uuid.UUID
    zone_id: str
    postcode: str
    service_type: ServiceType
    outcomes: list[Outcome]
    visit_pattern: list[VisitPatternEntry]
    weekly_hours: Decimal
    start_date: date
    urgency: Urgency


def offer_view(
    facts: PackageFacts,
    *,
    offer_id: uuid.UUID,
    round_number: int,
    status: OfferStatus,
    offered_at: datetime,
    deadline: datetime,
    hourly_rate: Decimal | None,
    rules: CouncilRules,
) -> OfferView:
    """The data-minimised offer a provider sees: the postcode is cut to its district."""
    return OfferView(
        offer_id=offer_id,
        package_id=facts.package_id,
        round=round_number,
        status=status,
        zone_id=facts.zone_id,
        postcode_district=parse_postcode(facts.postcode).district,
        service_type=facts.service_type,
        outcomes=facts.outcomes,
        visit_pattern=facts.visit_pattern,
        weekly_hours=facts.weekly_hours,
        start_date=facts.start_date,
        urgency=facts.urgency,
        offered_at=offered_at,
        deadline=deadline,
        hourly_rate=hourly_rate,
        bid_required=rules.requires_bid,
    )
