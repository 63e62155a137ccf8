"""What the API answers: a referral as the case-management system sees it, and pages of them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, field_serializer
from shared.contracts.common import PaymentBasis, ServiceType, Urgency
from sqlalchemy import RowMapping

from referrals.domain.commands import (
    BudgetIn,
    ClientContributionIn,
    EndReason,
    FundingIn,
    OutcomeIn,
    OutcomeReviewIn,
    PersonIn,
    SuspensionReason,
    VisitIn,
)
from referrals.domain.lifecycle import Status, current_status
from referrals.domain.pattern import tidy_hours


class SuspensionOut(BaseModel):
    """Why and since when care is paused."""

    reason: SuspensionReason
    from_date: date


class EndOut(BaseModel):
    """When and why care ended."""

    end_date: date
    reason: EndReason


class ReferralOut(BaseModel):
    """A referral with its status as of today."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    external_ref: str
    status: Status
    person: PersonIn
    service_type: ServiceType
    outcomes: list[OutcomeIn]
    visit_pattern: list[VisitIn]
    weekly_hours: Decimal
    budget: BudgetIn | None
    payment_basis: PaymentBasis
    funding: FundingIn
    client_contribution: ClientContributionIn | None
    start_date: date
    urgency: Urgency
    provider_id: uuid.UUID | None
    care_start_date: date | None
    suspension: SuspensionOut | None
    end: EndOut | None
    cancel_reason: str | None
    submitted_at: datetime
    updated_at: datetime

    @field_serializer("weekly_hours", when_used="json")
    def _hours_text(self, hours: Decimal) -> str:
        return format(tidy_hours(hours), "f")

    @classmethod
    def from_row(cls, row: RowMapping, today: date) -> ReferralOut:
        """The stored referral as seen today (a placed package whose care has started is active)."""
        suspension = (
            SuspensionOut(reason=row["suspension_reason"], from_date=row["suspended_from"])
            if row["suspended_from"] is not None else None
        )
        end = EndOut(end_date=row["end_date"], reason=row["end_reason"]) if row["end_date"] is not None else None
        return cls.model_validate({
            **{k: row[k] for k in (
                "id", "external_ref", "person", "service_type", "outcomes", "visit_pattern", "weekly_hours",
                "budget", "payment_basis", "funding", "client_contribution", "start_date", "urgency",
                "provider_id", "care_start_date", "cancel_reason", "submitted_at", "updated_at",
            )},
            "status": current_status(Status(row["status"]), row["care_start_date"], today),
            "suspension": suspension,
            "end": end,
        })


class ReferralPage(BaseModel):
    """A page of referrals; pass ``next_cursor`` as ``cursor`` for the next one (null at the end)."""

    items: list[ReferralOut]
    next_cursor: str | None


class ReviewOut(BaseModel):
    """A recorded review."""

    referral_id: uuid.UUID
    review_date: date
    outcomes: list[OutcomeReviewIn]
    all_met: bool
