"""What a case-management system sends: the referral and the commands on it.

Field types are checked here (unknown fields refused); the rules across fields live in
``referrals.domain.validation`` so that every error of a body is reported together.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict, JsonValue
from shared.contracts.common import PaymentBasis, ServiceType, Urgency, Weekday
from shared.money import Money

SuspensionReason = Literal["hospital_admission", "respite", "other"]
EndReason = Literal["independent", "moved_to_residential", "deceased", "other"]
ReviewResult = Literal["met", "partly_met", "not_met"]


class Strict(BaseModel):
    """A request body part: frozen, and an unknown field is an error rather than silently lost."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class GeoPointIn(Strict):
    """The home's WGS84 position."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class PersonIn(Strict):
    """The person the care is for."""

    nhs_number: str = Field(max_length=20)
    given_name: str = Field(min_length=1, max_length=200)
    family_name: str = Field(min_length=1, max_length=200)
    date_of_birth: date
    postcode: str = Field(max_length=10)
    address: str = Field(min_length=1, max_length=1000)
    needs_summary: str = Field(min_length=1, max_length=10000)
    communication_needs: str | None = Field(default=None, max_length=2000)
    key_safe: str | None = Field(default=None, max_length=200)
    location: GeoPointIn | None = None


class OutcomeIn(Strict):
    """An outcome agreed with the person."""

    code: str = Field(min_length=1, max_length=50)
    description: str = Field(min_length=1, max_length=2000)


class VisitIn(Strict):
    """Visits on these weekdays at a London wall-clock time; ``carers`` 2 is double-handed."""

    days: list[Weekday]
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["08:00"])
    duration_minutes: int
    carers: Literal[1, 2] = 1
    short_visit_reason: str | None = Field(default=None, max_length=500)


class BudgetIn(Strict):
    """A personal budget: per week, or a total over ``weeks``."""

    amount: Money
    period: Literal["weekly", "total"]
    weeks: int | None = None


class FundingIn(Strict):
    """Shares of the cost by funder, summing to 1."""

    council: Decimal
    nhs: Decimal


class ClientContributionIn(Strict):
    """The person's assessed weekly contribution and who collects it."""

    weekly_amount: Money
    collection: Literal["gross", "net"]


_EXAMPLE_PATTERN: list[JsonValue] = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00",
     "duration_minutes": 45, "carers": 2},
    {"days": ["mon", "wed", "fri"], "start": "18:00", "duration_minutes": 30, "carers": 1},
]

REFERRAL_EXAMPLE: JsonDict = {
    "external_ref": "MOSAIC-000123",
    "person": {
        "nhs_number": "9434765919", "given_name": "Edith", "family_name": "Clarke",
        "date_of_birth": "1938-04-12", "postcode": "LS6 2QT", "address": "12 Hyde Park Road, Leeds",
        "needs_summary": "Help washing and dressing after a fall; medication prompts.",
        "communication_needs": "Hard of hearing: face her when speaking.", "key_safe": "4471",
        "location": {"lat": 53.8135, "lon": -1.5691},
    },
    "service_type": "ongoing_support",
    "outcomes": [{"code": "WASH", "description": "Washed and dressed by 10am every day"}],
    "visit_pattern": _EXAMPLE_PATTERN,
    "weekly_hours": "12.00",
    "payment_basis": "time_and_task",
    "funding": {"council": "0.5", "nhs": "0.5"},
    "client_contribution": {"weekly_amount": "32.50", "collection": "net"},
    "start_date": "2026-12-01",
    "urgency": "urgent",
}


class ReferralIn(Strict):
    """A request for a package of care, sent after an assessment."""

    model_config = ConfigDict(json_schema_extra={"examples": [REFERRAL_EXAMPLE]})

    external_ref: str = Field(min_length=1, max_length=100)
    person: PersonIn
    service_type: ServiceType
    outcomes: list[OutcomeIn]
    visit_pattern: list[VisitIn]
    weekly_hours: Decimal
    budget: BudgetIn | None = None
    payment_basis: PaymentBasis
    funding: FundingIn
    client_contribution: ClientContributionIn | None = None
    start_date: date
    urgency: Urgency


class AmendmentIn(Strict):
    """A change from a date; fields left out are unchanged."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "effective_from": "2027-01-04", "visit_pattern": _EXAMPLE_PATTERN[1:],
        "weekly_hours": "1.50",
        "outcomes": [{"code": "MEDS", "description": "Takes evening medication as prescribed"}],
    }]})

    effective_from: date
    visit_pattern: list[VisitIn] | None = None
    weekly_hours: Decimal | None = None
    budget: BudgetIn | None = None
    outcomes: list[OutcomeIn] | None = None


class SuspensionIn(Strict):
    """Care paused from a date."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reason": "hospital_admission", "from_date": "2027-01-10"}]})

    reason: SuspensionReason
    from_date: date


class ResumptionIn(Strict):
    """Care restarts from a date."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"from_date": "2027-01-20"}]})

    from_date: date


class EndIn(Strict):
    """Care ends on a date."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"end_date": "2027-03-31", "reason": "independent"}]})

    end_date: date
    reason: EndReason


class CancelIn(Strict):
    """Withdrawal before the care starts."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reason": "Family now providing care"}]})

    reason: str | None = Field(default=None, max_length=500)


class OutcomeReviewIn(Strict):
    """The assessor's view of one outcome."""

    code: str = Field(min_length=1, max_length=50)
    result: ReviewResult


class ReviewIn(Strict):
    """The assessor's review of every outcome on a date."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"review_date": "2027-01-12", "outcomes": [{"code": "WASH", "result": "met"}]}]})

    review_date: date
    outcomes: list[OutcomeReviewIn]
