"""Request and response bodies of the quality API."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from quality.domain.facts import CqcRating, IncidentKind

_DOMAIN = r"^[a-z][a-z0-9_]{0,39}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncidentIn(_In):
    """A complaint, compliment or safeguarding concern about a provider."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "complaint",
                    "occurred_on": "2026-11-17",
                    "zone_id": "north",
                    "summary": "Carer arrived 50 minutes late twice in one week.",
                }
            ]
        },
    )

    kind: IncidentKind
    occurred_on: date
    zone_id: str | None = Field(default=None, max_length=100)
    summary: str = Field(min_length=1, max_length=4000)


class IncidentOut(BaseModel):
    """A recorded incident."""

    incident_id: uuid.UUID
    provider_id: uuid.UUID
    kind: IncidentKind
    occurred_on: date
    zone_id: str | None
    summary: str
    recorded_by: str
    recorded_at: datetime


class DomainRating(_In):
    """One domain of an assessment: 1 (inadequate) to 4 (outstanding), with the evidence seen."""

    rating: int = Field(ge=1, le=4)
    evidence: str = Field(default="", max_length=4000)


class AssessmentIn(_In):
    """An officer's quality assessment after visiting a provider."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "assessed_on": "2026-11-12",
                    "domains": {
                        "safe": {"rating": 3, "evidence": "Medication records complete for 9 of 10 files."},
                        "effective": {"rating": 3, "evidence": ""},
                        "caring": {"rating": 4, "evidence": "People describe carers as kind and patient."},
                        "responsive": {"rating": 2, "evidence": "Care plans not reviewed after discharge."},
                        "well_led": {"rating": 3, "evidence": ""},
                    },
                }
            ]
        },
    )

    assessed_on: date
    domains: dict[str, DomainRating] = Field(min_length=1, max_length=20)

    @field_validator("domains")
    @classmethod
    def _domain_names(cls, value: dict[str, DomainRating]) -> dict[str, DomainRating]:
        bad = [k for k in value if not re.match(_DOMAIN, k)]
        if bad:
            raise ValueError(f"domain names must be lower_snake_case: {', '.join(bad)}")
        return value


class AssessmentOut(BaseModel):
    """A recorded assessment."""

    assessment_id: uuid.UUID
    provider_id: uuid.UUID
    assessed_on: date
    ratings: dict[str, int]
    evidence: dict[str, str]
    mean_rating: Decimal
    recorded_by: str
    recorded_at: datetime


class CqcRatingIn(_In):
    """The provider's CQC rating from a date."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"rating": "good", "rated_on": "2025-06-01"}]}
    )

    rating: CqcRating
    rated_on: date


class CqcRatingOut(BaseModel):
    """The CQC rating in force."""

    provider_id: uuid.UUID
    rating: CqcRating
    rated_on: date
    recorded_by: str


class DecisionIn(_In):
    """An officer's reason for confirming or rejecting a recommendation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Two poor periods confirmed at the contract meeting of 20 Nov."}]},
    )

    reason: str = Field(min_length=3, max_length=2000)


class RecommendationOut(BaseModel):
    """A recommendation of the rules and, once decided, the decision."""

    recommendation_id: uuid.UUID
    kind: str
    provider_id: uuid.UUID
    zone_id: str | None
    period: str
    reason: str
    status: Literal["open", "confirmed", "rejected"]
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    created_at: datetime

    @field_validator("zone_id", mode="before")
    @classmethod
    def _blank_zone(cls, value: str | None) -> str | None:
        return value or None


class RecommendationPage(BaseModel):
    """A page of recommendations; pass ``next_cursor`` as ``cursor`` for the next one."""

    items: list[RecommendationOut]
    next_cursor: uuid.UUID | None


class EvaluationOut(BaseModel):
    """What evaluating a period did."""

    period: str
    scored: int
    unscored: int
    new_recommendations: list[RecommendationOut]


class TargetOut(BaseModel):
    """A KPI against its contract target."""

    kpi: str
    direction: Literal["at_least", "at_most"]
    target: Decimal
    value: Decimal | None
    met: bool | None


class ComponentOut(BaseModel):
    """One input of a composite score."""

    kpi: str
    value: Decimal | None
    points: Decimal | None
    weight: Decimal
    contribution: Decimal


class KpiOut(BaseModel):
    """A scope's KPIs for a period, with targets and the composite score taken apart."""

    period: str
    period_start: date
    period_end: date
    provider_id: uuid.UUID | None
    zone_id: str | None
    kpis: dict[str, Any]
    targets: list[TargetOut]
    score: Decimal | None
    band: str | None
    components: list[ComponentOut]


class ScoreOut(BaseModel):
    """A stored score of a provider for a period, and every input it was made from."""

    provider_id: uuid.UUID
    period: str
    period_start: date
    period_end: date
    score: Decimal | None
    band: str | None
    components: list[ComponentOut]
    targets: list[TargetOut]
    kpis: dict[str, Any]
    computed_at: datetime


class EvaluatedPeriodOut(BaseModel):
    """A period with stored scores, and when it was first scored."""

    period: str
    period_start: date
    period_end: date
    scored_at: datetime


class LeagueRowOut(BaseModel):
    """A line of the published league table."""

    rank: int | None
    provider: str
    provider_id: uuid.UUID | None
    score: Decimal | None
    band: str | None
    kpis: dict[str, Decimal | None]


class BenchmarkOut(BaseModel):
    """The league table of a period."""

    period: str
    named: bool
    rows: list[LeagueRowOut]
