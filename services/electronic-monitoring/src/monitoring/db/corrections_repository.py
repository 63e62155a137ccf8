"""Corrections and the visit they correct: the audit trail is append-only except for a rejection."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monitoring.db.plans_repository import queue_derivation
from monitoring.db.tables import correction, visit
from monitoring.db.visits_repository import correction_from_row
from monitoring.domain.corrections import Correction


async def find_visit(session: AsyncSession, visit_id: uuid.UUID) -> Any | None:
    """The stored visit row (id, package, provider, revision, status, state), if any."""
    return (await session.execute(select(visit).where(visit.c.visit_id == visit_id))).first()


async def add_correction(session: AsyncSession, made: Correction, package_id: uuid.UUID) -> None:
    """Record a correction and have the visit recomputed with it."""
    await session.execute(
        insert(correction).values(
            correction_id=made.correction_id,
            visit_id=made.visit_id,
            package_id=package_id,
            reason=made.reason.value,
            note=made.note,
            check_in_at=made.check_in_at,
            check_out_at=made.check_out_at,
            made_by=made.made_by,
            made_at=made.made_at,
        )
    )
    await queue_derivation(session, [package_id])


async def corrections_of(session: AsyncSession, visit_id: uuid.UUID) -> list[Correction]:
    """Every correction of a visit, oldest first, rejected ones included."""
    rows = await session.execute(
        select(correction).where(correction.c.visit_id == visit_id).order_by(correction.c.made_at)
    )
    return [correction_from_row(r) for r in rows]


async def reject_correction(
    session: AsyncSession,
    *,
    visit_id: uuid.UUID,
    correction_id: uuid.UUID,
    package_id: uuid.UUID,
    by: str,
    at: datetime,
    note: str | None,
) -> bool:
    """Mark a correction rejected; False when it does not exist or was already rejected."""
    result = await session.execute(
        update(correction)
        .where(
            and_(
                correction.c.correction_id == correction_id,
                correction.c.visit_id == visit_id,
                correction.c.rejected_at.is_(None),
            )
        )
        .values(rejected_by=by, rejected_at=at, rejection_note=note)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await queue_derivation(session, [package_id])
    return True
