"""Writes of package terms and of what happens to a package, from brokerage and referrals events."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from payments.db.tables import hospital_stay, package, package_rate, referral_state


async def upsert_package(session: AsyncSession, values: dict[str, Any], rates: list[tuple[date, Decimal]]) -> None:
    """Store an award's terms (a re-award after a hand-back replaces them) and its dated rates."""
    stmt = insert(package).values(**values)
    changed: dict[str, Any] = {k: stmt.excluded[k] for k in values if k != "package_id"}
    # A re-award after a handback applies from its own start: the days the earlier provider delivered
    # keep the package's first start date and their rates, so those visits are still paid.
    changed["start_date"] = func.least(package.c.start_date, stmt.excluded.start_date)
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
    """Keep what referrals said (end, review, amended pattern or budget), whether or not the award is here yet."""
    stmt = insert(referral_state).values(package_id=package_id, **values)
    changed: dict[str, Any] = {k: stmt.excluded[k] for k in values}
    changed["updated_at"] = func.now()
    await session.execute(stmt.on_conflict_do_update(index_elements=[referral_state.c.package_id], set_=changed))


async def admit_to_hospital(session: AsyncSession, package_id: uuid.UUID, admitted: date) -> None:
    """Record a hospital admission; a redelivered suspension changes nothing."""
    stmt = insert(hospital_stay).values(package_id=package_id, admitted=admitted)
    await session.execute(stmt.on_conflict_do_nothing())


async def resume_from_hospital(session: AsyncSession, package_id: uuid.UUID, resumed: date) -> None:
    """Close the open hospital stay, if any."""
    await session.execute(
        update(hospital_stay)
        .where(hospital_stay.c.package_id == package_id, hospital_stay.c.resumed.is_(None))
        .values(resumed=resumed)
    )
