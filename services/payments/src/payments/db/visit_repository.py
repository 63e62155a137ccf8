"""Visits from monitoring: one row per visit at its highest revision."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from payments.db.tables import CURRENT_XID, visit


async def upsert_visit(session: AsyncSession, values: dict[str, Any]) -> None:
    """Keep the visit's highest revision: a late or redelivered older event never rolls it back."""
    stmt = insert(visit).values(**values)
    changed: dict[str, Any] = {k: stmt.excluded[k] for k in values if k != "visit_id"}
    changed["updated_at"] = func.now()
    changed["written_xid"] = CURRENT_XID
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[visit.c.visit_id], set_=changed, where=visit.c.revision < stmt.excluded.revision
        )
    )
