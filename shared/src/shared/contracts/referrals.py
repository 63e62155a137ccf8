"""Events of the referrals service, topic ``referrals.referral`` keyed by referral id."""

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
    ServiceType,
    Urgency,
    VisitPatternEntry,
)
from shared.contracts.topics import REFERRAL
from shared.messaging.envelope import EventData

SOURCE = "/homecare/referrals"


class Person(ContractModel):
    """Personal data, shared only with services that need it (brokerage passes it to the winner)."""

    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str
    address: str
    needs_summary: str
    communication_needs: str | None = None
    key_safe: str | None = None
    location: GeoPoint | None = None


class _ReferralEvent(EventData):
    topic = REFERRAL
    referral_id: uuid.UUID


class ReferralSubmitted(_ReferralEvent):
    """A case-management system asked for a package of care."""

    name = "submitted"
    client_id: uuid.UUID
    external_ref: str
    person: Person
    service_type: ServiceType
    outcomes: list[Outcome]
    visit_pattern: list[VisitPatternEntry]
    weekly_hours: Decimal
    budget: Budget | None = None
    payment_basis: PaymentBasis
    funding: Funding
    client_contribution: ClientContribution | None = None
    start_date: date
    urgency: Urgency
    submitted_at: AwareDatetime


class ReferralAmended(_ReferralEvent):
    """A change to the package from a date; unset fields are unchanged."""

    name = "amended"
    effective_from: date
    visit_pattern: list[VisitPatternEntry] | None = None
    weekly_hours: Decimal | None = None
    budget: Budget | None = None
    outcomes: list[Outcome] | None = None


class ReferralSuspended(_ReferralEvent):
    """Care paused from a date (a hospital admission pays a retainer)."""

    name = "suspended"
    reason: Literal["hospital_admission", "respite", "other"]
    from_date: date


class ReferralResumed(_ReferralEvent):
    """Care restarts from a date."""

    name = "resumed"
    from_date: date


class ReferralEnded(_ReferralEvent):
    """Care ends on a date."""

    name = "ended"
    end_date: date
    reason: Literal["independent", "moved_to_residential", "deceased", "other"]


class ReferralCancelled(_ReferralEvent):
    """Withdrawn before it started."""

    name = "cancelled"
    reason: str | None = None


class OutcomeReview(ContractModel):
    """The assessor's view of one outcome."""

    code: str
    result: Literal["met", "partly_met", "not_met"]


class ReferralReviewed(_ReferralEvent):
    """The assessor's review; for enablement it decides how the provider is paid."""

    name = "reviewed"
    review_date: date
    outcomes: list[OutcomeReview]
    all_met: bool
