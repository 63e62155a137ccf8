"""Officers' records (incidents, assessments, CQC ratings), providers, and the council's configuration."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from quality.db.tables import assessment, council_config, cqc_rating, incident, provider, provider_zone
from quality.domain.config import QualityConfig


async def add_incident(session: AsyncSession, **values: Any) -> None:
    """Record a complaint, compliment or safeguarding concern."""
    await session.execute(insert(incident).values(**values))


async def list_incidents(session: AsyncSession, provider_id: uuid.UUID, limit: int) -> list[dict[str, Any]]:
    """A provider's incidents, newest first."""
    query = select(incident).where(incident.c.provider_id == provider_id)
    rows = await session.execute(query.order_by(incident.c.occurred_on.desc(), incident.c.incident_id).limit(limit))
    return [dict(r) for r in rows.mappings()]


async def add_assessment(session: AsyncSession, **values: Any) -> None:
    """Record a quality assessment."""
    await session.execute(insert(assessment).values(**values))


async def list_assessments(session: AsyncSession, provider_id: uuid.UUID, limit: int) -> list[dict[str, Any]]:
    """A provider's assessments, newest first."""
    rows = await session.execute(
        select(assessment)
        .where(assessment.c.provider_id == provider_id)
        .order_by(assessment.c.assessed_on.desc(), assessment.c.recorded_at.desc())
        .limit(limit)
    )
    return [dict(r) for r in rows.mappings()]


async def set_cqc_rating(
    session: AsyncSession, *, provider_id: uuid.UUID, rated_on: date, rating: str, recorded_by: str
) -> None:
    """Record the CQC rating from a date; the same date again replaces it."""
    stmt = insert(cqc_rating).values(provider_id=provider_id, rated_on=rated_on, rating=rating, recorded_by=recorded_by)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[cqc_rating.c.provider_id, cqc_rating.c.rated_on],
            set_={"rating": stmt.excluded.rating, "recorded_by": stmt.excluded.recorded_by, "changed_at": func.now()},
        )
    )


async def latest_cqc_rating(session: AsyncSession, provider_id: uuid.UUID) -> dict[str, Any] | None:
    """The provider's current CQC rating."""
    row = (
        (
            await session.execute(
                select(cqc_rating)
                .where(cqc_rating.c.provider_id == provider_id)
                .order_by(cqc_rating.c.rated_on.desc())
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def provider_names(session: AsyncSession) -> dict[uuid.UUID, str]:
    """Every provider brokerage told us about, by id."""
    return {r.provider_id: r.name for r in await session.execute(select(provider.c.provider_id, provider.c.name))}


async def zone_statuses(session: AsyncSession) -> dict[tuple[uuid.UUID, str], str]:
    """Each provider's standing in each zone it serves."""
    rows = await session.execute(select(provider_zone))
    return {(r.provider_id, r.zone_id): r.status for r in rows}


async def enablement_standing(session: AsyncSession) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Providers allowed enablement work, and those barred from it."""
    rows = (await session.execute(select(provider.c.provider_id, provider.c.enablement_allowed))).all()
    return {p for p, ok in rows if ok}, {p for p, ok in rows if not ok}


async def load_config(session: AsyncSession) -> QualityConfig:
    """The council's configuration, or the defaults when none was saved."""
    row = (await session.execute(select(council_config.c.config).where(council_config.c.id == 1))).scalar()
    return QualityConfig() if row is None else QualityConfig.model_validate(row)


async def save_config(session: AsyncSession, config: QualityConfig, now: datetime) -> None:
    """Replace the council's configuration."""
    data = config.model_dump(mode="json")
    stmt = insert(council_config).values(id=1, config=data, updated_at=now)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=[council_config.c.id], set_={"config": data, "updated_at": now})
    )
