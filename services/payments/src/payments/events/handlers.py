"""Consumed events: package terms from brokerage, changes from referrals, visits from monitoring."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.clock import london_date
from shared.contracts.brokerage import PackageAwarded
from shared.contracts.common import Budget
from shared.contracts.monitoring import VisitCancelled, VisitCompleted, VisitCorrected, VisitMissed
from shared.contracts.referrals import (
    ReferralAmended,
    ReferralEnded,
    ReferralResumed,
    ReferralReviewed,
    ReferralSuspended,
)
from shared.messaging.consumer import Batched
from shared.messaging.envelope import Envelope
from sqlalchemy.ext.asyncio import AsyncSession

from payments.db import package_repository as packages
from payments.db.visit_repository import upsert_visits

AnyVisit = VisitCompleted | VisitMissed | VisitCorrected | VisitCancelled


def _weekly(budget: Budget | None) -> Any:
    return budget.amount if budget is not None and budget.period == "weekly" else None


def _total(budget: Budget | None, weeks: int | None) -> Any:
    if budget is None:
        return None
    if budget.period == "total":
        return budget.amount
    return budget.amount * (weeks or 6)


async def on_awarded(session: AsyncSession, event: Envelope[PackageAwarded]) -> None:
    """Store the awarded terms: everything a payment needs."""
    a = event.data
    contribution = a.client_contribution
    values = {
        "package_id": a.package_id,
        "provider_id": a.provider_id,
        "basis": a.payment_basis,
        "hourly_rate": a.hourly_rate,
        "ongoing_hourly_rate": a.ongoing_hourly_rate,
        "enablement_weeks": a.enablement_weeks,
        "council_share": a.funding.council,
        "contribution_weekly": contribution.weekly_amount if contribution else None,
        "contribution_collection": contribution.collection if contribution else None,
        "weekly_budget": _weekly(a.budget) if a.payment_basis == "budget" else None,
        "enablement_budget": _total(a.budget, a.enablement_weeks) if a.payment_basis == "enablement_outcomes" else None,
        "pattern": [p.model_dump(mode="json") for p in a.visit_pattern],
        "start_date": a.start_date,
        "correlation_id": event.correlationid,
        "event_id": event.id,
    }
    await packages.upsert_package(session, values, [(r.from_date, r.hourly_rate) for r in a.rates])


async def on_amended(session: AsyncSession, event: Envelope[ReferralAmended]) -> None:
    """A new pattern or weekly budget, in force from its ``effective_from`` day (earlier days keep the old);
    a new total for an enablement package, whose budget is paid whole at its review."""
    a = event.data
    pattern = [p.model_dump(mode="json") for p in a.visit_pattern] if a.visit_pattern is not None else None
    weekly = _weekly(a.budget)
    if pattern is not None or weekly is not None:
        await packages.record_amendment(
            session, a.referral_id, a.effective_from, pattern=pattern, weekly_budget=weekly, event_id=event.id
        )
    if a.budget is not None and a.budget.period == "total":
        # Kept with what referrals said, as the amendment may arrive before the award it amends.
        await packages.record_referral_change(session, a.referral_id, enablement_budget=a.budget.amount)


async def on_suspended(session: AsyncSession, event: Envelope[ReferralSuspended]) -> None:
    """Care pauses from its day: a hospital admission pays a retainer; any pause stops budget and contribution."""
    d = event.data
    await packages.suspend(session, d.referral_id, d.from_date, d.reason, event.id)


async def on_resumed(session: AsyncSession, event: Envelope[ReferralResumed]) -> None:
    """Care restarts from its day: the retainer stops, budget and contribution start again."""
    await packages.resume(session, event.data.referral_id, event.data.from_date, event.id)


async def on_ended(session: AsyncSession, event: Envelope[ReferralEnded]) -> None:
    """Nothing is paid after the end date."""
    await packages.record_referral_change(session, event.data.referral_id, end_date=event.data.end_date)


async def on_reviewed(session: AsyncSession, event: Envelope[ReferralReviewed]) -> None:
    """The review decides how enablement is paid."""
    r = event.data
    await packages.record_referral_change(
        session, r.referral_id, all_met=r.all_met, review_date=r.review_date, review_event_id=event.id
    )


async def on_visits(session: AsyncSession, events: list[Envelope[AnyVisit]]) -> None:
    """Keep each visit at its highest revision, as monitoring last described it."""
    await upsert_visits(session, [_visit_row(e) for e in events])


def _visit_row(event: Envelope[AnyVisit]) -> dict[str, Any]:
    v = event.data
    if isinstance(v, VisitCompleted) or (isinstance(v, VisitCorrected) and v.actual_start is not None):
        outcome = "completed"
    elif isinstance(v, VisitCancelled):
        outcome = "cancelled"
    else:
        outcome = "missed"
    anchor = v.actual_start or v.planned_start
    if anchor is None:
        raise ValueError(f"visit {v.visit_id} has neither a planned nor an actual start")
    actual_end = v.actual_end
    if actual_end is None and v.actual_start is not None and v.actual_minutes is not None:
        actual_end = v.actual_start + timedelta(minutes=v.actual_minutes)
    # Without carer ids, the monitoring flag says whether a double-handed visit lacked its second carer.
    incomplete = "incomplete_double_handed" in v.flags
    attended = len(v.carers) if v.carers else (1 if incomplete else v.carers_required)
    return {
        "visit_id": v.visit_id,
        "revision": v.revision,
        "package_id": v.package_id,
        "provider_id": v.provider_id,
        "outcome": outcome,
        "day": london_date(anchor),
        "planned_start": v.planned_start,
        "planned_minutes": v.planned_minutes,
        "actual_start": v.actual_start if outcome == "completed" else None,
        "actual_end": actual_end if outcome == "completed" else None,
        "carers_required": v.carers_required,
        "carers_attended": attended,
        "verified": v.verified and "unverified" not in v.flags,
        "event_id": event.id,
    }


# Monitoring sends visits by the thousand: a run of them is written in one statement.
VISITS = Batched(on_visits)

HANDLERS: dict[str, Any] = {
    PackageAwarded.event_type(): on_awarded,
    ReferralAmended.event_type(): on_amended,
    ReferralSuspended.event_type(): on_suspended,
    ReferralResumed.event_type(): on_resumed,
    ReferralEnded.event_type(): on_ended,
    ReferralReviewed.event_type(): on_reviewed,
    VisitCompleted.event_type(): VISITS,
    VisitMissed.event_type(): VISITS,
    VisitCorrected.event_type(): VISITS,
    VisitCancelled.event_type(): VISITS,
}
