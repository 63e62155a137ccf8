"""Scores per provider and period, and recommendations with their decisions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from quality.db.tables import recommendation, score


async def save_scores(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Store a period's scores in one statement; re-running the period replaces them."""
    if not rows:
        return
    stmt = insert(score).values(list(rows))
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[score.c.provider_id, score.c.period],
            set_={c: stmt.excluded[c] for c in rows[0] if c not in ("provider_id", "period")},
        )
    )


async def scores_of_period(session: AsyncSession, period: str) -> list[dict[str, Any]]:
    """Every provider's stored score for a period."""
    rows = await session.execute(select(score).where(score.c.period == period))
    return [dict(r) for r in rows.mappings()]


async def score_of(session: AsyncSession, provider_id: uuid.UUID, period: str) -> dict[str, Any] | None:
    """One provider's stored score for a period."""
    row = (
        (await session.execute(select(score).where(score.c.provider_id == provider_id, score.c.period == period)))
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def scores_of_provider(session: AsyncSession, provider_id: uuid.UUID, limit: int) -> list[dict[str, Any]]:
    """A provider's latest stored scores, oldest first: its history for charts."""
    latest = (
        select(score)
        .where(score.c.provider_id == provider_id)
        .order_by(score.c.period_start.desc(), score.c.period_end.desc())
        .limit(limit)
        .subquery()
    )
    rows = await session.execute(select(latest).order_by(latest.c.period_start, latest.c.period_end))
    return [dict(r) for r in rows.mappings()]


async def period_evaluated(session: AsyncSession, period: str) -> bool:
    """Whether any score is stored for a period."""
    return (
        await session.execute(select(score.c.provider_id).where(score.c.period == period).limit(1))
    ).first() is not None


async def lock_evaluations(session: AsyncSession) -> bool:
    """Take the transaction-scoped lock that lets one instance at a time evaluate on its own."""
    return bool((await session.execute(select(func.pg_try_advisory_xact_lock(_EVALUATION_LOCK)))).scalar())


# An arbitrary constant naming the quality service's evaluation lock among advisory locks.
_EVALUATION_LOCK = 7_000_501


async def add_recommendations(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store new recommendations; one the rules already made for the same period is not made again."""
    if not rows:
        return []
    stmt = insert(recommendation).values(list(rows)).on_conflict_do_nothing().returning(recommendation)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def list_recommendations(
    session: AsyncSession, status: str | None, after: uuid.UUID | None, limit: int
) -> list[dict[str, Any]]:
    """Recommendations in id order (a stable order for paging), from after the cursor."""
    query = select(recommendation)
    if status is not None:
        query = query.where(recommendation.c.status == status)
    if after is not None:
        query = query.where(recommendation.c.recommendation_id > after)
    rows = await session.execute(query.order_by(recommendation.c.recommendation_id).limit(limit))
    return [dict(r) for r in rows.mappings()]


async def get_recommendation(session: AsyncSession, recommendation_id: uuid.UUID) -> dict[str, Any] | None:
    """One recommendation."""
    row = (
        (await session.execute(select(recommendation).where(recommendation.c.recommendation_id == recommendation_id)))
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def decide(
    session: AsyncSession,
    recommendation_id: uuid.UUID,
    *,
    status: str,
    decided_by: str,
    decided_at: datetime,
    reason: str,
) -> dict[str, Any] | None:
    """Close an open recommendation; None when it is not open (already decided, or unknown)."""
    stmt = (
        update(recommendation)
        .where(recommendation.c.recommendation_id == recommendation_id, recommendation.c.status == "open")
        .values(status=status, decided_by=decided_by, decided_at=decided_at, decision_reason=reason)
        .returning(recommendation)
    )
    row = (await session.execute(stmt)).mappings().first()
    return dict(row) if row else None


async def scored_periods(session: AsyncSession) -> list[tuple[str, date, date, datetime]]:
    """Every scored period with its bounds and when it was last scored."""
    rows = await session.execute(
        select(score.c.period, score.c.period_start, score.c.period_end, func.min(score.c.computed_at)).group_by(
            score.c.period, score.c.period_start, score.c.period_end
        )
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]
