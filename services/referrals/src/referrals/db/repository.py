"""Reading and writing referrals. Every function runs in the caller's session and transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import RowMapping, and_, insert, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.db.tables import amendment, idempotency_key, referral, review
from referrals.domain.lifecycle import Status

Row = RowMapping


@dataclass(frozen=True)
class UsedKey:
    """An idempotency key already used by the client: its body fingerprint and first answer."""

    fingerprint: str
    response: dict[str, Any] | None


async def claim_idempotency_key(
    session: AsyncSession, client_id: uuid.UUID, key: str, fingerprint: str
) -> UsedKey | None:
    """Claim the key for this request, or return how it was used before.

    A concurrent request with the same key waits on the primary key until the first commits, then
    sees its row, so two racing requests never both create a referral.
    """
    claimed = await session.execute(
        pg_insert(idempotency_key)
        .values(client_id=client_id, key=key, fingerprint=fingerprint)
        .on_conflict_do_nothing()
        .returning(idempotency_key.c.key)
    )
    if claimed.first() is not None:
        return None
    row = (await session.execute(
        select(idempotency_key.c.fingerprint, idempotency_key.c.response)
        .where(idempotency_key.c.client_id == client_id, idempotency_key.c.key == key)
    )).one()
    return UsedKey(row.fingerprint, row.response)


async def record_idempotent_response(
    session: AsyncSession, client_id: uuid.UUID, key: str, response: dict[str, Any]
) -> None:
    """Keep the first answer under the key, to replay it."""
    await session.execute(
        update(idempotency_key)
        .where(idempotency_key.c.client_id == client_id, idempotency_key.c.key == key)
        .values(response=response)
    )


async def insert_referral(session: AsyncSession, values: dict[str, Any]) -> Row | None:
    """Store a new referral and return it; None when the client already used its ``external_ref``."""
    stored = await session.execute(
        pg_insert(referral).values(**values)
        .on_conflict_do_nothing(index_elements=[referral.c.client_id, referral.c.external_ref])
        .returning(*referral.c)
    )
    return stored.mappings().first()


async def get_referral(
    session: AsyncSession, referral_id: uuid.UUID, client_id: uuid.UUID, *, for_update: bool = False
) -> Row | None:
    """One of the client's referrals (another client's is as good as absent)."""
    query = select(referral).where(referral.c.id == referral_id, referral.c.client_id == client_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).mappings().first()


@dataclass(frozen=True)
class ListFilter:
    """The list endpoint's filters and its position."""

    external_ref: str | None = None
    status: Status | None = None
    updated_since: datetime | None = None
    after: tuple[datetime, uuid.UUID] | None = None


async def list_referrals(
    session: AsyncSession, client_id: uuid.UUID, filters: ListFilter, *, limit: int, today: date
) -> list[Row]:
    """A page of the client's referrals in (updated_at, id) order.

    The status filter matches the status as seen today: a placed package whose care has started
    is listed as active.
    """
    query = select(referral).where(referral.c.client_id == client_id)
    if filters.external_ref is not None:
        query = query.where(referral.c.external_ref == filters.external_ref)
    if filters.updated_since is not None:
        query = query.where(referral.c.updated_at >= filters.updated_since)
    started = and_(referral.c.status == Status.PLACED, referral.c.care_start_date <= today)
    if filters.status is Status.ACTIVE:
        query = query.where(or_(referral.c.status == Status.ACTIVE, started))
    elif filters.status is Status.PLACED:
        not_yet = or_(referral.c.care_start_date.is_(None), referral.c.care_start_date > today)
        query = query.where(referral.c.status == Status.PLACED, not_yet)
    elif filters.status is not None:
        query = query.where(referral.c.status == filters.status)
    if filters.after is not None:
        query = query.where(tuple_(referral.c.updated_at, referral.c.id) > tuple_(*filters.after))
    query = query.order_by(referral.c.updated_at, referral.c.id).limit(limit)
    return list((await session.execute(query)).mappings().all())


async def update_referral(session: AsyncSession, referral_id: uuid.UUID, values: dict[str, Any]) -> Row:
    """Change a referral and return it as it now is."""
    changed = await session.execute(
        update(referral).where(referral.c.id == referral_id).values(**values).returning(*referral.c)
    )
    return changed.mappings().one()


async def insert_amendment(
    session: AsyncSession, referral_id: uuid.UUID, effective_from: date, changes: dict[str, Any]
) -> None:
    """Keep an amendment in the referral's history."""
    await session.execute(
        insert(amendment).values(referral_id=referral_id, effective_from=effective_from, changes=changes)
    )


async def insert_review(
    session: AsyncSession, referral_id: uuid.UUID, review_date: date, outcomes: list[dict[str, str]], all_met: bool
) -> None:
    """Keep an assessor's review."""
    await session.execute(
        insert(review).values(referral_id=referral_id, review_date=review_date, outcomes=outcomes, all_met=all_met)
    )


async def lock_referral_by_id(session: AsyncSession, referral_id: uuid.UUID) -> Row | None:
    """A referral by id alone, locked: for brokerage's events, which carry no client."""
    query = select(referral).where(referral.c.id == referral_id).with_for_update()
    return (await session.execute(query)).mappings().first()
