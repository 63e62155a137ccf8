"""Events of the brokerage service: ``brokerage.package`` (keyed by package id, which is the
referral id) and ``brokerage.provider`` (keyed by provider id)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime

from shared.contracts.common import (
    Budget,
    ClientContribution,
    ContractModel,
    Funding,
    GeoPoint,
    Outcome,
    PaymentBasis,
    RateFrom,
    ServiceType,
    Urgency,
    VisitPatternEntry,
)
from shared.contracts.topics import PACKAGE, PROVIDER
from shared.messaging.envelope import EventData
from shared.money import Money

SOURCE = "/homecare/brokerage"

ZoneStatus = Literal["prime", "supplementary"]


class _PackageEvent(EventData):
    topic = PACKAGE
    package_id: uuid.UUID


class PackageOffered(_PackageEvent):
    """One offer of a package to one provider in a round."""

    name = "offered"
    offer_id: uuid.UUID
    provider_id: uuid.UUID
    zone_id: str
    round: int
    service_type: ServiceType
    urgency: Urgency
    weekly_hours: Decimal
    offered_at: AwareDatetime
    deadline: AwareDatetime


class OfferAnswered(_PackageEvent):
    """A provider's answer to an offer, or its expiry or withdrawal."""

    name = "offer_answered"
    offer_id: uuid.UUID
    provider_id: uuid.UUID
    answer: Literal["accepted", "declined", "expired", "withdrawn"]
    offered_at: AwareDatetime
    answered_at: AwareDatetime
    reason_code: str | None = None
    ongoing_hourly_rate: Money | None = None


class PackageAwarded(_PackageEvent):
    """The package is placed with a provider: everything payments and monitoring need."""

    name = "awarded"
    referral_id: uuid.UUID
    provider_id: uuid.UUID
    zone_id: str
    pricing_level: str
    service_type: ServiceType
    payment_basis: PaymentBasis
    hourly_rate: Money
    rates: list[RateFrom]
    ongoing_hourly_rate: Money | None = None
    enablement_weeks: int | None = None
    funding: Funding
    client_contribution: ClientContribution | None = None
    visit_pattern: list[VisitPatternEntry]
    weekly_hours: Decimal
    budget: Budget | None = None
    outcomes: list[Outcome]
    start_date: date
    urgency: Urgency
    location: GeoPoint | None = None
    submitted_at: AwareDatetime
    awarded_at: AwareDatetime
    award_method: Literal["rule", "manual"] = "rule"
    award_reason: str | None = None


class PackageUnplaced(_PackageEvent):
    """Nobody accepted: the package waits in the brokerage queue."""

    name = "unplaced"
    reason: str
    at: AwareDatetime


class PackageHandedBack(_PackageEvent):
    """The provider gives the package back; it delivers until ``notice_date`` and it is re-offered."""

    name = "handed_back"
    provider_id: uuid.UUID
    notice_date: date
    reason: str
    at: AwareDatetime


class PackageEnded(_PackageEvent):
    """The package ended (from the referral's end or cancellation)."""

    name = "ended"
    provider_id: uuid.UUID | None = None
    end_date: date
    reason: str


class ProviderZone(ContractModel):
    """A provider's standing in one zone."""

    zone_id: str
    status: ZoneStatus


class _ProviderEvent(EventData):
    topic = PROVIDER
    provider_id: uuid.UUID
    name_of_provider: str
    cqc_location_id: str
    cqc_rating: str
    zones: list[ProviderZone]
    enablement_allowed: bool
    ethical_care_charter: bool
    weekly_capacity_hours: Decimal


class ProviderAdmitted(_ProviderEvent):
    """A provider joined the DPS."""

    name = "admitted"


class ProviderUpdated(_ProviderEvent):
    """A provider's DPS standing changed (zones, status, enablement, capacity, rating)."""

    name = "updated"
    reason: str | None = None
