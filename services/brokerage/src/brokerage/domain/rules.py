"""The council's brokerage rules: configuration, never constants in code."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from shared.contracts.common import Urgency

AwardRule = Literal["lowest_ongoing_rate", "fixed_price_quality", "price_quality_weighted"]

# Rules under which an acceptance must carry an hourly-rate bid.
BIDDING_RULES: frozenset[AwardRule] = frozenset({"lowest_ongoing_rate", "price_quality_weighted"})


class OfferDeadlines(BaseModel):
    """How long a provider has to answer an offer, by urgency, in minutes."""

    model_config = ConfigDict(frozen=True)

    urgent_minutes: int = Field(default=120, gt=0, le=7 * 24 * 60)
    standard_minutes: int = Field(default=24 * 60, gt=0, le=14 * 24 * 60)

    def for_urgency(self, urgency: Urgency) -> timedelta:
        """The answer window for a package of this urgency."""
        minutes = self.urgent_minutes if urgency == "urgent" else self.standard_minutes
        return timedelta(minutes=minutes)


class CouncilRules(BaseModel):
    """What a council configures about placing packages (``GET/PUT /v1/rules``)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "award_rule": "lowest_ongoing_rate",
                    "price_weight": "0.5",
                    "quality_weight": "0.5",
                    "deadlines": {"urgent_minutes": 120, "standard_minutes": 1440},
                    "rounds": 2,
                    "market_share_cap": "0.40",
                    "enablement_weeks": 6,
                    "min_handback_notice_days": 14,
                }
            ]
        },
    )

    award_rule: AwardRule = "fixed_price_quality"
    price_weight: Decimal = Field(default=Decimal("0.5"), ge=0, le=1)
    quality_weight: Decimal = Field(default=Decimal("0.5"), ge=0, le=1)
    deadlines: OfferDeadlines = OfferDeadlines()
    rounds: Literal[1, 2] = 2
    market_share_cap: Decimal = Field(default=Decimal("0.40"), gt=0, le=1)
    enablement_weeks: int = Field(default=6, gt=0, le=52)
    min_handback_notice_days: int = Field(default=14, ge=0, le=90)

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> CouncilRules:
        if self.price_weight + self.quality_weight != 1:
            raise ValueError("price_weight and quality_weight must add up to 1")
        return self

    @property
    def requires_bid(self) -> bool:
        """Whether an acceptance must carry an hourly-rate bid under this rule."""
        return self.award_rule in BIDDING_RULES
