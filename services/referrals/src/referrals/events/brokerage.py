"""Brokerage's package events keep the referral's status true (``package_id`` is the referral id)."""

from __future__ import annotations

import uuid
from typing import Any

from shared.clock import london_date, utcnow
from shared.contracts.brokerage import (
    PackageAwarded,
    PackageEnded,
    PackageHandedBack,
    PackageOffered,
    PackageUnplaced,
)
from shared.logging import get_logger
from shared.messaging.consumer import Handler
from shared.messaging.envelope import Envelope
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.db.repository import lock_referral_by_id, update_referral
from referrals.domain.lifecycle import TERMINAL, BrokerageEvent, Status, after_brokerage, current_status

log = get_logger(__name__)


async def _apply(
    session: AsyncSession, referral_id: uuid.UUID, event: BrokerageEvent, extra: dict[str, Any] | None = None
) -> None:
    row = await lock_referral_by_id(session, referral_id)
    if row is None:
        # Brokerage only knows packages from our own submitted events, so this is another council's
        # deployment sharing the broker or a test's stray; nothing here to keep true.
        log.warning("brokerage_event_for_unknown_referral", referral_id=str(referral_id), brokerage_event=str(event))
        return
    now = current_status(Status(row["status"]), row["care_start_date"], london_date(utcnow()))
    after = after_brokerage(now, event)
    values: dict[str, Any] = {}
    if after != row["status"]:
        values["status"] = after
    if extra and now not in TERMINAL:
        values |= {k: v for k, v in extra.items() if row[k] != v}
    if values:
        await update_referral(session, referral_id, values | {"updated_at": utcnow()})


async def on_package_offered(session: AsyncSession, event: Envelope[PackageOffered]) -> None:
    """An offer went out: the referral is being offered (unless care is already under way)."""
    await _apply(session, event.data.package_id, BrokerageEvent.OFFERED)


async def on_package_awarded(session: AsyncSession, event: Envelope[PackageAwarded]) -> None:
    """A provider has it: placed, with the provider and the day care starts."""
    data = event.data
    await _apply(session, data.package_id, BrokerageEvent.AWARDED,
                 {"provider_id": data.provider_id, "care_start_date": data.start_date})


async def on_package_unplaced(session: AsyncSession, event: Envelope[PackageUnplaced]) -> None:
    """Nobody accepted it: unplaced, waiting in brokerage's queue."""
    await _apply(session, event.data.package_id, BrokerageEvent.UNPLACED)


async def on_package_handed_back(session: AsyncSession, event: Envelope[PackageHandedBack]) -> None:
    """The provider gave it back; the re-offers that follow move the status."""
    await _apply(session, event.data.package_id, BrokerageEvent.HANDED_BACK)


async def on_package_ended(session: AsyncSession, event: Envelope[PackageEnded]) -> None:
    """Brokerage ended the package: the referral ends too (an echo of our own end changes nothing)."""
    data = event.data
    await _apply(session, data.package_id, BrokerageEvent.ENDED,
                 {"end_date": data.end_date, "end_reason": "other"})


HANDLERS: dict[str, Handler] = {
    PackageOffered.event_type(): on_package_offered,
    PackageAwarded.event_type(): on_package_awarded,
    PackageUnplaced.event_type(): on_package_unplaced,
    PackageHandedBack.event_type(): on_package_handed_back,
    PackageEnded.event_type(): on_package_ended,
}
