"""Writes of package terms and of what happens to a package, from brokerage and referrals events."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from payments.db.tables import CURRENT_XID, package, package_amendment, package_rate, referral_state, suspension


async def upsert_package(session: AsyncSession, values: dict[str, Any], rates: list[tuple[date, Decimal]]) -> None:
    """Store an award's terms (a re-award after a hand-back replaces them) and its dated rates."""
    stmt = insert(package).values(**values)
    changed: dict[str, Any] = {k: stmt.excluded[k] for k in values if k != "package_id"}
    # A re-award after a handback applies from its own start: the days the earlier provider delivered
    # keep the package's first start date and their rates, so those visits are still paid.
    changed["start_date"] = func.least(package.c.start_date, stmt.excluded.start_date)
    changed["written_xid"] = CURRENT_XID
    await session.execute(stmt.on_conflict_do_update(index_elements=[package.c.package_id], set_=changed))
    replaced_from = min((d for d, _ in rates), default=values["start_date"])
    await session.execute(
        delete(package_rate).where(
            package_rate.c.package_id == values["package_id"], package_rate.c.from_date >= replaced_from
        )
    )
    if rates:
        await session.execute(
            insert(package_rate),
            [{"package_id": values["package_id"], "from_date": d, "hourly_rate": r} for d, r in rates],
        )


async def record_referral_change(session: AsyncSession, package_id: uuid.UUID, **values: Any) -> None:
    """Keep what referrals said (end, review), whether or not the award is here yet."""
    stmt = insert(referral_state).values(package_id=package_id, **values)
    changed: dict[str, Any] = {k: stmt.excluded[k] for k in values}
    changed["updated_at"] = func.now()
    changed["written_xid"] = CURRENT_XID
    await session.execute(stmt.on_conflict_do_update(index_elements=[referral_state.c.package_id], set_=changed))


async def record_amendment(
    session: AsyncSession,
    package_id: uuid.UUID,
    effective_from: date,
    *,
    pattern: list[dict[str, Any]] | None,
    weekly_budget: Decimal | None,
    event_id: uuid.UUID,
) -> None:
    """Keep an amendment in force from its day; a second one for the same day fills in or replaces fields."""
    stmt = insert(package_amendment).values(
        package_id=package_id,
        effective_from=effective_from,
        pattern=pattern,
        weekly_budget=weekly_budget,
        event_id=event_id,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[package_amendment.c.package_id, package_amendment.c.effective_from],
            set_={
                "pattern": func.coalesce(stmt.excluded.pattern, package_amendment.c.pattern),
                "weekly_budget": func.coalesce(stmt.excluded.weekly_budget, package_amendment.c.weekly_budget),
                "event_id": stmt.excluded.event_id,
                "recorded_at": func.now(),
                "written_xid": CURRENT_XID,
            },
        )
    )


async def suspend(
    session: AsyncSession, package_id: uuid.UUID, from_date: date, reason: str, event_id: uuid.UUID
) -> None:
    """Record a suspension from its day; a redelivered one changes nothing."""
    stmt = insert(suspension).values(
        package_id=package_id, from_date=from_date, reason=reason, suspended_event_id=event_id
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[suspension.c.package_id, suspension.c.from_date],
            set_={
                "reason": stmt.excluded.reason,
                "suspended_event_id": event_id,
                "updated_at": func.now(),
                "written_xid": CURRENT_XID,
            },
            where=suspension.c.suspended_event_id.is_distinct_from(event_id),
        )
    )


async def resume(session: AsyncSession, package_id: uuid.UUID, resumed: date, event_id: uuid.UUID) -> None:
    """Close the open suspension, if any, from the day care restarts."""
    await session.execute(
        update(suspension)
        .where(
            suspension.c.package_id == package_id,
            suspension.c.resumed.is_(None),
            suspension.c.from_date <= resumed,
        )
        .values(resumed=resumed, resumed_event_id=event_id, updated_at=func.now(), written_xid=CURRENT_XID)
    )
