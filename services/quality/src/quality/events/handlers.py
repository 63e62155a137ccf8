"""Consumed events, turned into the facts KPIs are computed from.

Handlers only store facts (each row noting when it was written); KPIs are computed from the facts
when a period is evaluated, so an event that arrives late simply changes the facts of its own week,
and a period already scored is re-scored by the background evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from shared.clock import london_date
from shared.contracts import brokerage, monitoring, referrals
from shared.messaging.consumer import AnyHandler, Batched
from shared.messaging.envelope import Envelope
from sqlalchemy.ext.asyncio import AsyncSession

from quality.db import facts_repository as facts

CONSUMER_GROUP = "quality"

VisitEvent = monitoring.VisitCompleted | monitoring.VisitMissed | monitoring.VisitCorrected | monitoring.VisitCancelled


def unverified_reason(event: VisitEvent) -> str | None:
    """Why a visit was not verified in the home, as the KPI's reason breakdown names it."""
    if event.verified:
        return None
    if event.method == "manual" or "manual" in event.flags:
        return "manual"
    if event.method == "gps":
        return "outside_geofence"
    return f"unverified_{event.method or 'unknown'}"


def visit_status(event: VisitEvent) -> str:
    """The visit's status from the kind of event that last described it."""
    if isinstance(event, monitoring.VisitCompleted):
        return "completed"
    if isinstance(event, monitoring.VisitCancelled):
        return "cancelled"
    if isinstance(event, monitoring.VisitMissed):
        return "missed"
    # A correction carries the whole visit: with times it happened, without them it did not.
    return "completed" if event.actual_start is not None else "missed"


async def on_visits(session: AsyncSession, envelopes: list[Envelope[Any]]) -> None:
    """A run of ``monitoring.visit`` events: each the visit's whole state at a revision."""
    events: list[VisitEvent] = [e.data for e in envelopes]
    # Neither planned nor started: nothing to place in a week.
    placed = [e for e in events if (e.planned_start or e.actual_start) is not None]
    await facts.upsert_visits(session, [_visit_row(e) for e in placed])
    for event in placed:
        if event.correction is not None:
            await facts.upsert_correction(
                session,
                correction_id=event.correction.correction_id,
                visit_id=event.visit_id,
                revision=event.revision,
                reason=event.correction.reason,
                applied=event.correction.status == "applied",
            )


def _visit_row(event: VisitEvent) -> dict[str, Any]:
    moment = event.planned_start or event.actual_start
    assert moment is not None
    status = visit_status(event)
    actual_end = event.actual_end
    if actual_end is None and event.actual_start is not None and event.actual_minutes is not None:
        actual_end = event.actual_start + timedelta(minutes=event.actual_minutes)
    return {
        "visit_id": event.visit_id,
        "revision": event.revision,
        "package_id": event.package_id,
        "provider_id": event.provider_id,
        "status": status,
        "day": london_date(moment),
        "planned_start": event.planned_start,
        "planned_minutes": event.planned_minutes,
        "carers_required": event.carers_required,
        "actual_start": event.actual_start if status == "completed" else None,
        "actual_end": actual_end if status == "completed" else None,
        "carer_ids": list(event.carers),
        "verified": event.verified,
        "unverified_reason": unverified_reason(event) if status == "completed" else None,
    }


async def on_offered(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """``brokerage.package.offered``."""
    event: brokerage.PackageOffered = envelope.data
    await facts.record_offer(
        session,
        offer_id=event.offer_id,
        package_id=event.package_id,
        provider_id=event.provider_id,
        zone_id=event.zone_id,
        offered_at=event.offered_at,
    )
    await facts.record_zone(session, package_id=event.package_id, zone_id=event.zone_id)


async def on_offer_answered(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """``brokerage.package.offer_answered``: accepted, declined, expired or withdrawn."""
    event: brokerage.OfferAnswered = envelope.data
    await facts.record_offer(
        session,
        offer_id=event.offer_id,
        package_id=event.package_id,
        provider_id=event.provider_id,
        offered_at=event.offered_at,
        answer=event.answer,
        answered_at=event.answered_at,
    )


async def on_awarded(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """``brokerage.package.awarded``."""
    event: brokerage.PackageAwarded = envelope.data
    await facts.record_award(
        session,
        package_id=event.package_id,
        provider_id=event.provider_id,
        zone_id=event.zone_id,
        service_type=event.service_type,
        submitted_at=event.submitted_at,
        start_date=event.start_date,
        awarded_at=event.awarded_at,
    )


async def on_handed_back(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """``brokerage.package.handed_back``."""
    event: brokerage.PackageHandedBack = envelope.data
    await facts.record_handback(
        session,
        package_id=event.package_id,
        provider_id=event.provider_id,
        handed_back_at=event.at,
        reason=event.reason,
    )


async def on_provider(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """``brokerage.provider`` admitted or updated: names, zone standings, enablement."""
    event: brokerage.ProviderAdmitted | brokerage.ProviderUpdated = envelope.data
    await facts.replace_provider(
        session,
        provider_id=event.provider_id,
        name=event.name_of_provider,
        enablement_allowed=event.enablement_allowed,
        zones=[(z.zone_id, z.status) for z in event.zones],
        as_of=envelope.time,
    )


async def on_submitted(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """``referrals.referral.submitted``."""
    event: referrals.ReferralSubmitted = envelope.data
    await facts.record_submission(
        session,
        package_id=event.referral_id,
        service_type=event.service_type,
        submitted_at=event.submitted_at,
        start_date=event.start_date,
    )


async def on_reviewed(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """``referrals.referral.reviewed``."""
    event: referrals.ReferralReviewed = envelope.data
    await facts.record_review(
        session, package_id=event.referral_id, reviewed_on=event.review_date, all_outcomes_met=event.all_met
    )


# Monitoring sends visits by the thousand: a run of them is written in one statement.
VISITS = Batched(on_visits)

HANDLERS: Mapping[str, AnyHandler] = {
    monitoring.VisitCompleted.event_type(): VISITS,
    monitoring.VisitMissed.event_type(): VISITS,
    monitoring.VisitCorrected.event_type(): VISITS,
    monitoring.VisitCancelled.event_type(): VISITS,
    brokerage.PackageOffered.event_type(): on_offered,
    brokerage.OfferAnswered.event_type(): on_offer_answered,
    brokerage.PackageAwarded.event_type(): on_awarded,
    brokerage.PackageHandedBack.event_type(): on_handed_back,
    brokerage.ProviderAdmitted.event_type(): on_provider,
    brokerage.ProviderUpdated.event_type(): on_provider,
    referrals.ReferralSubmitted.event_type(): on_submitted,
    referrals.ReferralReviewed.event_type(): on_reviewed,
}
