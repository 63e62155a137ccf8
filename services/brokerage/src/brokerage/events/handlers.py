"""Consumed events: referrals create and change packages; quality moves providers and scores them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.clock import london_date, utcnow
from shared.contracts import quality, referrals
from shared.messaging.consumer import Handler
from shared.messaging.envelope import Envelope
from sqlalchemy.ext.asyncio import AsyncSession

from brokerage.db import dps_repository as dps
from brokerage.db import package_repository as packages
from brokerage.domain.cascade import PackageStatus
from brokerage.domain.hours import weekly_carer_hours
from brokerage.domain.zones import InvalidPostcodeError, find_zone, parse_postcode
from brokerage.outbox import OUTBOX
from brokerage.placement.actions import end_package
from brokerage.placement.providers import publish_provider
from brokerage.placement.rounds import Placement, start_cascade

CONSUMER_GROUP = "brokerage"


async def _placement(session: AsyncSession) -> Placement:
    return Placement(OUTBOX, await dps.load_rules(session))


def _formatted(postcode: str) -> str:
    try:
        return parse_postcode(postcode).formatted
    except InvalidPostcodeError:
        # Kept as sent (it reached us validated by referrals); it simply matches no zone.
        return " ".join(postcode.upper().split())[:10]


async def _zone_for(session: AsyncSession, postcode: str) -> str | None:
    try:
        parsed = parse_postcode(postcode)
    except InvalidPostcodeError:
        return None
    return find_zone(postcode, await dps.zones_covering(session, parsed.district, parsed.sector))


async def on_submitted(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """A new referral becomes a package and its first round is offered."""
    event: referrals.ReferralSubmitted = envelope.data
    values = {
        "id": event.referral_id,
        "status": PackageStatus.QUEUED.value,
        "zone_id": await _zone_for(session, event.person.postcode),
        "postcode": _formatted(event.person.postcode),
        "person": event.person.model_dump(mode="json"),
        "service_type": event.service_type,
        "urgency": event.urgency,
        "weekly_hours": event.weekly_hours,
        "visit_pattern": [v.model_dump(mode="json") for v in event.visit_pattern],
        "outcomes": [o.model_dump(mode="json") for o in event.outcomes],
        "budget": event.budget.model_dump(mode="json") if event.budget else None,
        "payment_basis": event.payment_basis,
        "funding": event.funding.model_dump(mode="json"),
        "client_contribution": event.client_contribution.model_dump(mode="json") if event.client_contribution else None,
        "start_date": event.start_date,
        "submitted_at": event.submitted_at,
        "correlation_id": envelope.correlationid,
    }
    if not await packages.insert_package(session, values):
        return
    pkg = await packages.get_package(session, event.referral_id, lock=True)
    assert pkg is not None
    await start_cascade(session, await _placement(session), pkg, utcnow())


async def on_amended(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """Changed hours, pattern, budget or outcomes apply to the package (and its open offers' views)."""
    event: referrals.ReferralAmended = envelope.data
    changes: dict[str, Any] = {}
    if event.visit_pattern is not None:
        changes["visit_pattern"] = [v.model_dump(mode="json") for v in event.visit_pattern]
        # A new pattern without its hours still changes the hours the cap and capacity count.
        changes["weekly_hours"] = weekly_carer_hours(event.visit_pattern)
    if event.weekly_hours is not None:
        changes["weekly_hours"] = event.weekly_hours
    if event.budget is not None:
        changes["budget"] = event.budget.model_dump(mode="json")
    if event.outcomes is not None:
        changes["outcomes"] = [o.model_dump(mode="json") for o in event.outcomes]
    if changes and await packages.get_package(session, event.referral_id, lock=True) is not None:
        await packages.update_package(session, event.referral_id, changes)


async def on_suspended(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """Care is paused; the package stays with its provider (payments pays the retainer)."""
    event: referrals.ReferralSuspended = envelope.data
    if await packages.get_package(session, event.referral_id, lock=True) is not None:
        await packages.update_package(session, event.referral_id, {"suspended_from": event.from_date})


async def on_resumed(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """Care restarts."""
    event: referrals.ReferralResumed = envelope.data
    if await packages.get_package(session, event.referral_id, lock=True) is not None:
        await packages.update_package(session, event.referral_id, {"suspended_from": None})


async def on_ended(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """The referral ended: so does the package."""
    event: referrals.ReferralEnded = envelope.data
    await end_package(session, await _placement(session), event.referral_id, event.end_date, event.reason, utcnow())


async def on_cancelled(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """The referral was withdrawn: open offers are withdrawn and the package ends today."""
    event: referrals.ReferralCancelled = envelope.data
    now = utcnow()
    reason = f"cancelled: {event.reason}" if event.reason else "cancelled"
    await end_package(session, await _placement(session), event.referral_id, london_date(now), reason, now)


async def on_scored(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """Keep the provider's latest quality score for the quality-based award rules."""
    event: quality.ProviderScored = envelope.data
    await dps.set_quality_score(session, event.provider_id, event.score, event.period_end)


async def on_status_changed(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """Apply an officer's confirmed decision: prime/supplementary in a zone (or all), enablement bar."""
    event: quality.ProviderStatusChanged = envelope.data
    row = await dps.get_provider(session, event.provider_id, lock=True)
    if row is None:
        return
    if event.decision in ("promote_to_prime", "demote_to_supplementary"):
        status = "prime" if event.decision == "promote_to_prime" else "supplementary"
        zones = {z: (status if event.zone_id in (None, z) else s) for z, s in row["zones"].items()}
        await dps.set_provider_zones(session, event.provider_id, zones)
    else:
        allowed = event.decision == "reinstate_enablement"
        await dps.update_provider(session, event.provider_id, {"enablement_allowed": allowed})
    await publish_provider(
        session, OUTBOX, event.provider_id, admitted=False, reason=f"{event.decision}: {event.reason}"
    )


HANDLERS: Mapping[str, Handler] = {
    referrals.ReferralSubmitted.event_type(): on_submitted,
    referrals.ReferralAmended.event_type(): on_amended,
    referrals.ReferralSuspended.event_type(): on_suspended,
    referrals.ReferralResumed.event_type(): on_resumed,
    referrals.ReferralEnded.event_type(): on_ended,
    referrals.ReferralCancelled.event_type(): on_cancelled,
    quality.ProviderScored.event_type(): on_scored,
    quality.ProviderStatusChanged.event_type(): on_status_changed,
}
