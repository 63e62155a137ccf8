"""The ``referrals.referral`` events, built from what was stored so they say what the database says."""

from __future__ import annotations

from shared.contracts.common import Budget, Outcome, VisitPatternEntry
from shared.contracts.referrals import Person, ReferralAmended, ReferralSubmitted
from sqlalchemy import RowMapping

from referrals.domain.commands import AmendmentIn
from referrals.domain.pattern import tidy_hours


def submitted_event(row: RowMapping) -> ReferralSubmitted:
    """The new referral, with the personal data brokerage passes to the provider that wins it."""
    return ReferralSubmitted.model_validate({
        "referral_id": row["id"],
        "client_id": row["client_id"],
        "external_ref": row["external_ref"],
        "person": Person.model_validate(row["person"]),
        "service_type": row["service_type"],
        "outcomes": row["outcomes"],
        "visit_pattern": row["visit_pattern"],
        "weekly_hours": tidy_hours(row["weekly_hours"]),
        "budget": row["budget"],
        "payment_basis": row["payment_basis"],
        "funding": row["funding"],
        "client_contribution": row["client_contribution"],
        "start_date": row["start_date"],
        "urgency": row["urgency"],
        "submitted_at": row["submitted_at"],
    })


def amended_event(row: RowMapping, change: AmendmentIn) -> ReferralAmended:
    """Only what the amendment changed; the rest stays as it was."""
    return ReferralAmended(
        referral_id=row["id"],
        effective_from=change.effective_from,
        visit_pattern=(
            [VisitPatternEntry.model_validate(v.model_dump()) for v in change.visit_pattern]
            if change.visit_pattern is not None else None
        ),
        weekly_hours=change.weekly_hours,
        budget=Budget.model_validate(change.budget.model_dump()) if change.budget is not None else None,
        outcomes=(
            [Outcome.model_validate(o.model_dump()) for o in change.outcomes]
            if change.outcomes is not None else None
        ),
    )
