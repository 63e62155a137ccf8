"""Consumed events that shape plans: awards and ends from brokerage, changes from referrals.

A referral id is the package id, so referral events apply to the package of the same id. The two
topics are not ordered with each other: a change (a hospital stay, say) sent right after placement
can arrive before the award. Such a change is held and applied, in arrival order, once the award
has planned the package.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from shared.clock import london_wall_clock_to_utc
from shared.contracts.brokerage import PackageAwarded, PackageEnded, PackageHandedBack
from shared.contracts.common import VisitPatternEntry
from shared.contracts.referrals import (
    ReferralAmended,
    ReferralEnded,
    ReferralResumed,
    ReferralSubmitted,
    ReferralSuspended,
)
from shared.messaging.consumer import Handler
from shared.messaging.envelope import Envelope
from sqlalchemy.ext.asyncio import AsyncSession

from monitoring.db import early_events_repository as early_events
from monitoring.db import plans_repository as plans
from monitoring.domain.geo import Point
from monitoring.domain.plan import PatternEntry


def _entries(pattern: list[VisitPatternEntry]) -> list[PatternEntry]:
    return [PatternEntry(tuple(e.days), time.fromisoformat(e.start), e.duration_minutes, e.carers) for e in pattern]


def _london_midnight(day: date) -> datetime:
    return london_wall_clock_to_utc(day, time(0))


async def on_submitted(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """Keep only who referred the package (never the person's details): its visits are that client's to see."""
    event: ReferralSubmitted = envelope.data
    await plans.record_referring_client(session, event.referral_id, event.client_id)


async def on_awarded(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """Plan the awarded package's visits from its start date."""
    event: PackageAwarded = envelope.data
    await plans.upsert_awarded_package(
        session,
        package_id=event.package_id,
        provider_id=event.provider_id,
        start_date=event.start_date,
        weekly_hours=event.weekly_hours,
        home=Point(event.location.lat, event.location.lon) if event.location else None,
        entries=_entries(event.visit_pattern),
        correlation_id=envelope.correlationid,
    )
    for early in await early_events.take(session, event.package_id):
        await HANDLERS[early.type](session, early)


async def _awarded(session: AsyncSession, envelope: Envelope[Any], referral_id: uuid.UUID) -> bool:
    """Whether the package is planned; if not yet, the change is held for its award."""
    if await plans.package_exists(session, referral_id):
        return True
    await early_events.hold(session, referral_id, envelope)
    return False


async def on_package_ended(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """No visits after the end date (the end date itself is still delivered)."""
    event: PackageEnded = envelope.data
    await plans.end(session, event.package_id, _london_midnight(event.end_date + timedelta(days=1)))


async def on_handed_back(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """The provider delivers until its notice date; a re-award plans the package again."""
    event: PackageHandedBack = envelope.data
    await plans.end(session, event.package_id, _london_midnight(event.notice_date + timedelta(days=1)))


async def on_amended(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """A new pattern (and hours) from the amendment's effective day."""
    event: ReferralAmended = envelope.data
    if not await _awarded(session, envelope, event.referral_id):
        return
    if event.visit_pattern is not None:
        await plans.add_pattern_period(session, event.referral_id, event.effective_from, _entries(event.visit_pattern))
    if event.weekly_hours is not None:
        await plans.set_weekly_hours(session, event.referral_id, event.weekly_hours)


async def on_suspended(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """No visits from the start of the suspension day."""
    event: ReferralSuspended = envelope.data
    if await _awarded(session, envelope, event.referral_id):
        await plans.suspend(session, event.referral_id, _london_midnight(event.from_date))


async def on_resumed(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """Visits again from the start of the resumption day."""
    event: ReferralResumed = envelope.data
    if await _awarded(session, envelope, event.referral_id):
        await plans.resume(session, event.referral_id, _london_midnight(event.from_date))


async def on_referral_ended(session: AsyncSession, envelope: Envelope[Any]) -> None:
    """Care ends after the end date."""
    event: ReferralEnded = envelope.data
    if await _awarded(session, envelope, event.referral_id):
        await plans.end(session, event.referral_id, _london_midnight(event.end_date + timedelta(days=1)))


HANDLERS: dict[str, Handler] = {
    PackageAwarded.event_type(): on_awarded,
    PackageEnded.event_type(): on_package_ended,
    PackageHandedBack.event_type(): on_handed_back,
    ReferralSubmitted.event_type(): on_submitted,
    ReferralAmended.event_type(): on_amended,
    ReferralSuspended.event_type(): on_suspended,
    ReferralResumed.event_type(): on_resumed,
    ReferralEnded.event_type(): on_referral_ended,
}
