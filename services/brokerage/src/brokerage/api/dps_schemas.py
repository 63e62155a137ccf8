"""Request and response bodies of the DPS administration endpoints."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator
from pydantic.json_schema import SkipJsonSchema
from shared.contracts.common import ServiceType
from shared.money import Money

Slug = Field(min_length=1, max_length=50, pattern=r"^[a-z0-9][a-z0-9_-]*$")
HourlyRate = Field(gt=0, le=1000, decimal_places=2)

CqcRating = Literal["Outstanding", "Good", "Requires improvement", "Inadequate", "Not yet rated"]


class RateIn(BaseModel):
    """An hourly rate for a service type from a date."""

    model_config = ConfigDict(extra="forbid")

    service_type: ServiceType
    from_date: date
    hourly_rate: Decimal = HourlyRate


class RateOut(BaseModel):
    """An hourly rate for a service type from a date."""

    service_type: ServiceType
    from_date: date
    hourly_rate: Money


class PricingLevelIn(BaseModel):
    """A pricing level and its rate schedule."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "rural",
                    "name": "Rural",
                    "rates": [
                        {
                            "service_type": "ongoing_support",
                            "from_date": "2026-04-06",
                            "hourly_rate": "23.10",
                        },
                        {"service_type": "enablement", "from_date": "2026-04-06", "hourly_rate": "25.40"},
                    ],
                }
            ]
        },
    )

    id: str = Slug
    name: str = Field(min_length=1, max_length=200)
    rates: list[RateIn] = Field(default_factory=list, max_length=500)


class PricingLevelOut(BaseModel):
    """A pricing level and its rate schedule."""

    id: str
    name: str
    rates: list[RateOut]


class ZoneIn(BaseModel):
    """A zone: its pricing level and the postcode districts or sectors it covers."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "st-austell",
                    "name": "St Austell and Mevagissey",
                    "pricing_level_id": "rural",
                    "coverage": ["PL25", "PL26 6"],
                    "planned_weekly_hours": "1200",
                }
            ]
        },
    )

    id: str = Slug
    name: str = Field(min_length=1, max_length=200)
    pricing_level_id: str = Slug
    coverage: list[str] = Field(min_length=1, max_length=2000)
    planned_weekly_hours: Decimal | None = Field(default=None, gt=0, le=10_000_000)


class ZoneOut(BaseModel):
    """A zone."""

    id: str
    name: str
    pricing_level_id: str
    coverage: list[str]
    planned_weekly_hours: Decimal | None


class ProviderZoneIn(BaseModel):
    """A provider's status in one zone."""

    model_config = ConfigDict(extra="forbid")

    zone_id: str = Slug
    status: Literal["prime", "supplementary"]


class ProviderIn(BaseModel):
    """A provider admitted to the DPS."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Kernow Care Ltd",
                    "cqc_location_id": "1-123456789",
                    "cqc_rating": "Good",
                    "zones": [{"zone_id": "st-austell", "status": "prime"}],
                    "weekly_capacity_hours": "450",
                    "enablement_allowed": True,
                    "ethical_care_charter": True,
                    "webhook_url": "https://kernowcare.example/homecare/webhooks",
                    "webhook_secret": "a-long-random-secret-of-32-chars!",
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    cqc_location_id: str = Field(min_length=1, max_length=50)
    cqc_rating: CqcRating
    zones: list[ProviderZoneIn] = Field(default_factory=list, max_length=500)
    weekly_capacity_hours: Decimal = Field(ge=0, le=1_000_000)
    enablement_allowed: bool
    ethical_care_charter: bool
    webhook_url: HttpUrl | None = None
    webhook_secret: str | None = Field(default=None, min_length=16, max_length=200)


class ProviderPatch(BaseModel):
    """Changes to a provider; fields left out are unchanged."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "weekly_capacity_hours": "500",
                    "zones": [{"zone_id": "st-austell", "status": "supplementary"}],
                }
            ]
        },
    )

    # Left out means unchanged; null is refused (422) where the provider must have a value.
    name: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=200)
    cqc_rating: CqcRating | SkipJsonSchema[None] = None
    zones: list[ProviderZoneIn] | SkipJsonSchema[None] = Field(default=None, max_length=500)
    weekly_capacity_hours: Decimal | SkipJsonSchema[None] = Field(default=None, ge=0, le=1_000_000)
    enablement_allowed: bool | SkipJsonSchema[None] = None
    ethical_care_charter: bool | SkipJsonSchema[None] = None
    webhook_url: HttpUrl | None = None
    webhook_secret: str | None = Field(default=None, min_length=16, max_length=200)
    active: bool | SkipJsonSchema[None] = None
    reason: str | None = Field(default=None, max_length=500)

    @field_validator(
        "name", "cqc_rating", "zones", "weekly_capacity_hours", "enablement_allowed", "ethical_care_charter",
        "active", mode="before",
    )  # fmt: skip
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("must not be null; leave the field out to keep it unchanged")
        return value


class ProviderOut(BaseModel):
    """A provider on the DPS (the webhook secret is never shown)."""

    id: uuid.UUID
    name: str
    cqc_location_id: str
    cqc_rating: str
    zones: list[ProviderZoneIn]
    weekly_capacity_hours: Decimal
    enablement_allowed: bool
    ethical_care_charter: bool
    webhook_url: str | None
    active: bool
    quality_score: Decimal | None
    created_at: datetime


class ProviderPage(BaseModel):
    """A page of providers; pass ``next_after`` as ``after`` for the next."""

    items: list[ProviderOut]
    next_after: uuid.UUID | None
