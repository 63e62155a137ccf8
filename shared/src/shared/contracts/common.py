"""Value types several contracts share."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.money import Money

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ServiceType = Literal["enablement", "ongoing_support"]
PaymentBasis = Literal["time_and_task", "budget", "enablement_outcomes"]
Urgency = Literal["standard", "urgent"]


class ContractModel(BaseModel):
    """Frozen, tolerant of fields added later (consumers ignore what they don't know)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Outcome(ContractModel):
    """An outcome agreed with the person."""

    code: str
    description: str


class VisitPatternEntry(ContractModel):
    """Visits on these weekdays at a London wall-clock time; ``carers`` 2 is double-handed."""

    days: list[Weekday]
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    duration_minutes: int
    carers: Literal[1, 2] = 1


class Budget(ContractModel):
    """A personal budget: per week, or a total over ``weeks``."""

    amount: Money
    period: Literal["weekly", "total"]
    weeks: int | None = None


class Funding(ContractModel):
    """Shares of the cost by funder; they sum to 1."""

    council: Decimal
    nhs: Decimal


class ClientContribution(ContractModel):
    """The person's assessed weekly contribution and who collects it."""

    weekly_amount: Money
    collection: Literal["gross", "net"]


class GeoPoint(ContractModel):
    """A WGS84 point."""

    lat: float
    lon: float


class RateFrom(ContractModel):
    """An hourly rate and the date it applies from."""

    from_date: date
    hourly_rate: Money
