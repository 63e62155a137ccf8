"""Referral changes held until their package's award arrives."""

from __future__ import annotations

import uuid
from typing import Any

from shared.messaging.envelope import Envelope, envelope_to_dict, parse_envelope
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from monitoring.db.tables import early_referral_event


async def hold(session: AsyncSession, package_id: uuid.UUID, envelope: Envelope[Any]) -> None:
    """Keep a referral change of a package not yet awarded (once, however often it is delivered)."""
    await session.execute(
        insert(early_referral_event)
        .values(event_id=envelope.id, package_id=package_id, envelope=envelope_to_dict(envelope))
        .on_conflict_do_nothing()
    )


async def take(session: AsyncSession, package_id: uuid.UUID) -> list[Envelope[Any]]:
    """The package's held changes in arrival order, removed from the hold."""
    rows = (
        await session.execute(
            delete(early_referral_event)
            .where(early_referral_event.c.package_id == package_id)
            .returning(early_referral_event.c.seq, early_referral_event.c.envelope)
        )
    ).all()
    return [parse_envelope(row.envelope) for row in sorted(rows, key=lambda r: r.seq)]


async def held(session: AsyncSession, package_id: uuid.UUID) -> int:
    """How many changes are held for the package (for tests and diagnostics)."""
    rows = await session.execute(
        select(early_referral_event.c.event_id).where(early_referral_event.c.package_id == package_id)
    )
    return len(rows.all())
