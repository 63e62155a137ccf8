"""KPIs of placement and outcomes: offers, handbacks, referral acceptance, start dates, enablement."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from quality.domain.facts import HandbackFact, OfferFact, ReferralFact
from quality.domain.numbers import median, share


@dataclass(frozen=True)
class OfferKpis:
    """How a provider answers offers."""

    offers: int
    accepted: int
    declined: int
    unanswered: int
    offer_acceptance_rate: Decimal | None
    median_answer_minutes: Decimal | None
    handbacks: int


@dataclass(frozen=True)
class ReferralKpis:
    """How quickly referrals are placed and started, and how enablement ends."""

    awarded: int
    accepted_within_window: int
    accepted_within_window_share: Decimal | None
    due_to_start: int
    started_on_planned_date: int
    started_on_planned_date_share: Decimal | None
    enablement_reviewed: int
    enablement_all_met: int
    enablement_outcomes_met_share: Decimal | None


def offer_kpis(offers: Sequence[OfferFact], handbacks: Sequence[HandbackFact]) -> OfferKpis:
    """Acceptance over offers made (an offer left to lapse is not accepted) and answer times."""
    accepted = sum(1 for o in offers if o.answer == "accepted")
    declined = sum(1 for o in offers if o.answer == "declined")
    answer_minutes = [
        int((o.answered_at - o.offered_at).total_seconds() // 60)
        for o in offers
        if o.answer is not None and o.answered_at is not None
    ]
    return OfferKpis(
        offers=len(offers),
        accepted=accepted,
        declined=declined,
        unanswered=len(offers) - accepted - declined,
        offer_acceptance_rate=share(accepted, len(offers)),
        median_answer_minutes=median(answer_minutes),
        handbacks=len(handbacks),
    )


def referral_kpis(
    submitted: Sequence[ReferralFact],
    starting: Sequence[ReferralFact],
    reviewed: Sequence[ReferralFact],
    first_visit: Mapping[uuid.UUID, date],
    acceptance_window_hours: int,
) -> ReferralKpis:
    """Referral KPIs, each over the referrals that belong to the period by its own date.

    ``submitted``: referrals submitted in the period (acceptance is timed from submission to award);
    ``starting``: awarded referrals due to start in the period (started on time when the first visit
    was on or before the start date); ``reviewed``: referrals reviewed in the period (only enablement
    counts toward outcomes).
    """
    window = timedelta(hours=acceptance_window_hours)
    awarded = [r for r in submitted if r.awarded_at is not None]
    quick = sum(1 for r in awarded if r.awarded_at is not None and r.awarded_at - r.submitted_at <= window)
    due = [r for r in starting if r.provider_id is not None]
    on_date = sum(1 for r in due if r.referral_id in first_visit and first_visit[r.referral_id] <= r.start_date)
    enablement = [r for r in reviewed if r.service_type == "enablement" and r.all_outcomes_met is not None]
    met = sum(1 for r in enablement if r.all_outcomes_met)
    return ReferralKpis(
        awarded=len(awarded),
        accepted_within_window=quick,
        # Over every referral submitted, so one nobody has taken yet counts against the window.
        accepted_within_window_share=share(quick, len(submitted)),
        due_to_start=len(due),
        started_on_planned_date=on_date,
        started_on_planned_date_share=share(on_date, len(due)),
        enablement_reviewed=len(enablement),
        enablement_all_met=met,
        enablement_outcomes_met_share=share(met, len(enablement)),
    )
