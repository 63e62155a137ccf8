"""Request and response bodies of the provider and brokerage-queue endpoints."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from shared.contracts.common import Outcome, ServiceType, Urgency, VisitPatternEntry
from shared.money import Money

from brokerage.domain.offers import DeclineReason, OfferView


class OfferPage(BaseModel):
    """A page of offers; pass ``next_after`` as ``after`` for the next."""

    items: list[OfferView]
    next_after: uuid.UUID | None


class AcceptIn(BaseModel):
    """An acceptance, with the hourly-rate bid where the council's award rule asks for one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"ongoing_hourly_rate": "21.40"}]})

    ongoing_hourly_rate: Decimal | None = Field(default=None, gt=0, le=1000, decimal_places=2)


class DeclineIn(BaseModel):
    """A decline with its reason code."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason_code": "no_staff_in_area", "note": "No carers near Polgooth"}]},
    )

    reason_code: DeclineReason
    note: str | None = Field(default=None, max_length=1000)


class AnswerOut(BaseModel):
    """The offer after the answer."""

    offer_id: uuid.UUID
    package_id: uuid.UUID
    status: str
    answered_at: datetime
    ongoing_hourly_rate: Money | None
    reason_code: str | None


class HandbackIn(BaseModel):
    """A provider handing a package back, delivering until ``notice_date``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"notice_date": "2026-12-14", "reason": "Lost our only carer in the area"}]},
    )

    notice_date: date
    reason: str = Field(min_length=1, max_length=1000)


class HandbackOut(BaseModel):
    """The handback as recorded; the package is already being re-offered."""

    package_id: uuid.UUID
    notice_date: date
    package_status: str


class ManualOfferIn(BaseModel):
    """Staff offering a queued package to named providers."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"provider_ids": ["0b9a3c1e-6a59-4d5e-9a61-2f5c2f7b8e01"], "zone_id": "st-austell"}]
        },
    )

    provider_ids: list[uuid.UUID] = Field(min_length=1, max_length=50)
    zone_id: str | None = Field(default=None, max_length=50)


class ManualAwardIn(BaseModel):
    """Staff awarding a queued package by hand, with a reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "provider_id": "0b9a3c1e-6a59-4d5e-9a61-2f5c2f7b8e01",
                    "reason": "Only provider with a carer speaking Cornish; agreed by phone",
                    "hourly_rate": "24.00",
                }
            ]
        },
    )

    provider_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=1000)
    hourly_rate: Decimal | None = Field(default=None, gt=0, le=1000, decimal_places=2)
    zone_id: str | None = Field(default=None, max_length=50)


class PackageOut(BaseModel):
    """A package as its provider (the winner) or staff see it, personal data included."""

    id: uuid.UUID
    status: str
    zone_id: str | None
    person: dict[str, Any]
    service_type: ServiceType
    urgency: Urgency
    weekly_hours: Decimal
    visit_pattern: list[VisitPatternEntry]
    outcomes: list[Outcome]
    budget: dict[str, Any] | None
    payment_basis: str
    funding: dict[str, Any]
    start_date: date
    provider_id: uuid.UUID | None
    hourly_rate: Money | None
    ongoing_hourly_rate: Money | None
    awarded_at: datetime | None
    award_method: str | None
    award_reason: str | None
    unplaced_reason: str | None
    suspended_from: date | None
    end_date: date | None


class SkipOut(BaseModel):
    """Why a provider was passed over in a round."""

    cascade: int
    round: int
    provider_id: uuid.UUID
    reason: str
    at: datetime


class OfferRecord(BaseModel):
    """An offer made for a package and how the provider answered (staff only)."""

    id: uuid.UUID
    provider_id: uuid.UUID
    cascade: int
    round: int
    status: str
    offered_at: datetime
    deadline: datetime
    answered_at: datetime | None
    bid: Money | None
    decline_reason: str | None
    decline_note: str | None


class QueuedPackage(BaseModel):
    """A package in the brokerage queue (staff only), with the offers it had and why providers were skipped."""

    package: PackageOut
    skips: list[SkipOut]
    offers: list[OfferRecord] = []


class PackagePage(BaseModel):
    """A page of packages; pass ``next_after`` as ``after`` for the next."""

    items: list[PackageOut]
    next_after: uuid.UUID | None


class DeliveryOut(BaseModel):
    """One webhook delivery and where it stands."""

    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    """A page of deliveries; pass ``next_after`` as ``after`` for the next."""

    items: list[DeliveryOut]
    next_after: uuid.UUID | None
