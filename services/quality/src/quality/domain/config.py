"""The council's quality configuration, with the defaults the issue names.

Every figure here is a default a council can change; nothing below is a constant of the rules.
Targets follow a published county contract (missed visits at most 2%, punctuality at least 90%,
outcomes achieved at least 75%, referrals accepted within 4 hours at least 80%).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from quality.domain.kpi_names import NUMERIC_KPIS
from quality.domain.periods import DEFAULT_ANCHOR

Direction = Literal["at_least", "at_most"]


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KpiSettings(_Config):
    """How visits and referrals are judged."""

    punctuality_window_minutes: int = Field(default=30, ge=0, le=240)
    short_visit_ratio: Decimal = Field(default=Decimal("0.75"), gt=0, le=1)
    acceptance_window_hours: int = Field(default=4, ge=1, le=168)
    period_anchor: date = DEFAULT_ANCHOR

    @model_validator(mode="after")
    def _anchor_is_monday(self) -> KpiSettings:
        if self.period_anchor.weekday() != 0:
            raise ValueError("period_anchor must be a Monday")
        return self


class Target(_Config):
    """A contract target on one KPI."""

    kpi: str
    direction: Direction
    value: Decimal


class ScoreComponent(_Config):
    """A KPI's part of the composite score.

    The KPI earns 0 points at ``zero_at`` and 100 at ``full_at``, linearly between and clamped
    outside; ``full_at`` below ``zero_at`` means lower is better (missed visits, carers seen).
    """

    kpi: str
    weight: Decimal = Field(gt=0)
    zero_at: Decimal
    full_at: Decimal

    @model_validator(mode="after")
    def _distinct_ends(self) -> ScoreComponent:
        if self.zero_at == self.full_at:
            raise ValueError("zero_at and full_at must differ")
        return self


class Band(_Config):
    """A named band for composite scores at or above ``min_score``."""

    name: str
    min_score: Decimal = Field(ge=0, le=100)


class RecommendationSettings(_Config):
    """When the rules recommend moving a provider."""

    consecutive_periods: int = Field(default=2, ge=1, le=13)
    enablement_threshold: Decimal = Field(default=Decimal("0.60"), ge=0, le=1)
    poor_bands: tuple[str, ...] = ("poor",)


def default_targets() -> tuple[Target, ...]:
    """The published county contract's targets."""
    return (
        Target(kpi="missed_share", direction="at_most", value=Decimal("0.02")),
        Target(kpi="punctuality", direction="at_least", value=Decimal("0.90")),
        Target(kpi="enablement_outcomes_met_share", direction="at_least", value=Decimal("0.75")),
        Target(kpi="accepted_within_window_share", direction="at_least", value=Decimal("0.80")),
    )


def default_components() -> tuple[ScoreComponent, ...]:
    """Weights summing to 100, spread over delivery, responsiveness, outcomes and inspection."""

    def c(kpi: str, weight: str, zero_at: str, full_at: str) -> ScoreComponent:
        return ScoreComponent(kpi=kpi, weight=Decimal(weight), zero_at=Decimal(zero_at), full_at=Decimal(full_at))

    return (
        c("punctuality", "20", "0.70", "0.95"),
        c("missed_share", "20", "0.05", "0"),
        c("duration_compliance", "10", "0.75", "1"),
        c("verified_share", "10", "0.70", "0.98"),
        c("accepted_within_window_share", "10", "0.50", "0.90"),
        c("enablement_outcomes_met_share", "10", "0.50", "0.85"),
        c("continuity_median_carers", "5", "12", "3"),
        c("offer_acceptance_rate", "5", "0.20", "0.80"),
        c("assessment_mean", "5", "1", "4"),
        c("cqc_points", "5", "1", "4"),
    )


def default_bands() -> tuple[Band, ...]:
    """Excellent, good, requires improvement, poor."""
    return (
        Band(name="excellent", min_score=Decimal("85")),
        Band(name="good", min_score=Decimal("70")),
        Band(name="requires_improvement", min_score=Decimal("50")),
        Band(name="poor", min_score=Decimal("0")),
    )


class QualityConfig(_Config):
    """Everything a council configures about quality."""

    kpis: KpiSettings = KpiSettings()
    targets: tuple[Target, ...] = Field(default_factory=default_targets)
    components: tuple[ScoreComponent, ...] = Field(default_factory=default_components)
    bands: tuple[Band, ...] = Field(default_factory=default_bands)
    recommendations: RecommendationSettings = RecommendationSettings()
    benchmark_named: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> QualityConfig:
        kpis = [c.kpi for c in self.components]
        unknown = sorted({*kpis, *(t.kpi for t in self.targets)} - NUMERIC_KPIS.keys())
        if unknown:
            raise ValueError(f"unknown KPI(s): {', '.join(unknown)}")
        if len(set(kpis)) != len(kpis):
            raise ValueError("each KPI may appear in the score once")
        if not self.bands or min(b.min_score for b in self.bands) != 0:
            raise ValueError("bands must include one starting at 0 so every score has a band")
        return self
