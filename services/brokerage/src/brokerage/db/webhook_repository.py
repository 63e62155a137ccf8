"""SQL for webhook deliveries: queueing, claiming one per provider, recording each attempt."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from brokerage.db.package_tables import webhook_delivery
from brokerage.db.tables import provider


async def queue_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Queue deliveries, due at once."""
    if rows:
        await session.execute(webhook_delivery.insert(), list(rows))


async def claim_due(
    session: AsyncSession, now: datetime, lease_until: datetime, exclude: Sequence[uuid.UUID], limit: int
) -> list[dict[str, Any]]:
    """The oldest due delivery of each provider not already being served, leased until ``lease_until``.

    One row per provider (``DISTINCT ON``), longest-waiting providers first, so a provider with a
    deep backlog cannot crowd the others out of a batch. The lease (moving ``next_attempt_at``
    forward) means a worker that dies mid-send leaves the delivery to come due again, never lost.
    """
    conditions = [webhook_delivery.c.status == "pending", webhook_delivery.c.next_attempt_at <= now]
    if exclude:
        conditions.append(webhook_delivery.c.provider_id.not_in(list(exclude)))
    oldest_per_provider = (
        select(webhook_delivery.c.id, webhook_delivery.c.next_attempt_at)
        .where(*conditions)
        .ext(distinct_on(webhook_delivery.c.provider_id))
        .order_by(webhook_delivery.c.provider_id, webhook_delivery.c.next_attempt_at, webhook_delivery.c.created_at)
        .subquery()
    )
    picked = select(oldest_per_provider.c.id).order_by(oldest_per_provider.c.next_attempt_at).limit(limit)
    # DISTINCT cannot lock rows: lock the picked ones next, skipping any another worker holds.
    rows = (
        (
            await session.execute(
                select(webhook_delivery, provider.c.webhook_url, provider.c.webhook_secret)
                .join(provider, provider.c.id == webhook_delivery.c.provider_id)
                .where(webhook_delivery.c.id.in_(picked), *conditions)
                .with_for_update(of=webhook_delivery, skip_locked=True)
            )
        )
        .mappings()
        .all()
    )
    if rows:
        await session.execute(
            update(webhook_delivery)
            .where(webhook_delivery.c.id.in_([r["id"] for r in rows]))
            .values(next_attempt_at=lease_until)
        )
    return [dict(r) for r in rows]


async def record_attempt(
    session: AsyncSession,
    delivery_id: uuid.UUID,
    *,
    at: datetime,
    delivered: bool,
    status_code: int | None,
    error: str | None,
    next_attempt_at: datetime | None,
) -> None:
    """Record one attempt: delivered, to be retried at ``next_attempt_at``, or failed for good."""
    status = "delivered" if delivered else "pending" if next_attempt_at is not None else "failed"
    await session.execute(
        update(webhook_delivery)
        .where(webhook_delivery.c.id == delivery_id)
        .values(
            status=status,
            attempts=webhook_delivery.c.attempts + 1,
            last_attempt_at=at,
            last_status_code=status_code,
            last_error=error,
            delivered_at=at if delivered else None,
            next_attempt_at=None if delivered else next_attempt_at,
        )
    )


async def list_for_provider(
    session: AsyncSession, provider_id: uuid.UUID, *, status: str | None, after: uuid.UUID | None, limit: int
) -> list[dict[str, Any]]:
    """A provider's deliveries, a page at a time."""
    query = (
        select(webhook_delivery)
        .where(webhook_delivery.c.provider_id == provider_id)
        .order_by(webhook_delivery.c.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(webhook_delivery.c.status == status)
    if after is not None:
        query = query.where(webhook_delivery.c.id > after)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def requeue(session: AsyncSession, delivery_id: uuid.UUID, provider_id: uuid.UUID, now: datetime) -> bool:
    """Replay a delivery now, with a fresh 24-hour window; False when it is not this provider's."""
    result = await session.execute(
        update(webhook_delivery)
        .where(webhook_delivery.c.id == delivery_id, webhook_delivery.c.provider_id == provider_id)
        .values(status="pending", next_attempt_at=now, created_at=now, delivered_at=None)
        .returning(webhook_delivery.c.id)
    )
    return result.first() is not None
