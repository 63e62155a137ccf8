"""Visits from monitoring: one row per visit at its highest revision."""

from __future__ import annotations

from functools import cache
from typing import Any

from shared.db.revisions import highest_revisions
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession

from payments.db.tables import CURRENT_XID, visit


@cache
def _visit_upsert(columns: tuple[str, ...]) -> Insert:
    """The upsert of a visit row with these columns, built once: building the statement and its
    ``excluded`` columns anew for every visit event cost as much CPU as the write itself."""
    stmt = insert(visit)
    changed: dict[str, Any] = {k: stmt.excluded[k] for k in columns if k != "visit_id"}
    changed["updated_at"] = func.now()
    changed["written_xid"] = CURRENT_XID
    return stmt.on_conflict_do_update(
        index_elements=[visit.c.visit_id], set_=changed, where=visit.c.revision < stmt.excluded.revision
    )


async def upsert_visits(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Keep each visit's highest revision: a late or redelivered older event never rolls it back.
    Rows of one column set are written in one statement."""
    latest = highest_revisions(rows, "visit_id")
    if latest:
        await session.execute(_visit_upsert(tuple(latest[0])), latest)
