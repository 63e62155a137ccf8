"""SQL for packages, offers, recorded skips and handbacks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from brokerage.db.package_tables import handback, offer, package, round_skip
from brokerage.db.tables import provider, provider_zone, zone
from brokerage.domain.cascade import PackageStatus
from brokerage.domain.eligibility import Candidate, ProviderStanding, ZoneLoad
from brokerage.domain.offers import OfferStatus

_AWARDED = PackageStatus.AWARDED.value


async def insert_package(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Create a package from a referral; False when it already exists (a redelivered event)."""
    created = await session.scalar(pg_insert(package).values(**values).on_conflict_do_nothing().returning(package.c.id))
    return created is not None


async def get_package(session: AsyncSession, package_id: uuid.UUID, *, lock: bool = False) -> dict[str, Any] | None:
    """A package row, locked for the transaction when it is about to change."""
    query = select(package).where(package.c.id == package_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def update_package(session: AsyncSession, package_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Change a package's columns."""
    await session.execute(update(package).where(package.c.id == package_id).values(**values, updated_at=func.now()))


async def list_packages(
    session: AsyncSession,
    *,
    statuses: Sequence[str] | None,
    provider_id: uuid.UUID | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Packages by id, a page at a time, filtered by status and/or the provider holding them."""
    query = select(package).order_by(package.c.id).limit(limit)
    if statuses:
        query = query.where(package.c.status.in_(list(statuses)))
    if provider_id is not None:
        query = query.where(package.c.provider_id == provider_id)
    if after is not None:
        query = query.where(package.c.id > after)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def zone_standings(
    session: AsyncSession, zone_id: str
) -> tuple[list[ProviderStanding], ZoneLoad, dict[uuid.UUID, Decimal | None]]:
    """Every provider of the zone with its committed hours, the zone's load, and quality scores.

    One aggregate over the placed packages of the zone's providers (not every placed package)
    gives each one's total and in-zone hours.
    """
    in_zone_providers = select(provider_zone.c.provider_id).where(provider_zone.c.zone_id == zone_id)
    placed = (
        select(
            package.c.provider_id,
            func.sum(package.c.weekly_hours).label("committed"),
            func.sum(package.c.weekly_hours).filter(package.c.zone_id == zone_id).label("in_zone"),
        )
        .where(package.c.status == _AWARDED, package.c.provider_id.in_(in_zone_providers))
        .group_by(package.c.provider_id)
        .subquery()
    )
    rows = (
        (
            await session.execute(
                select(
                    provider.c.id,
                    provider.c.weekly_capacity_hours,
                    provider.c.enablement_allowed,
                    provider.c.active,
                    provider.c.quality_score,
                    provider_zone.c.status,
                    func.coalesce(placed.c.committed, 0).label("committed"),
                    func.coalesce(placed.c.in_zone, 0).label("in_zone"),
                )
                .select_from(provider_zone.join(provider, provider.c.id == provider_zone.c.provider_id))
                .outerjoin(placed, placed.c.provider_id == provider.c.id)
                .where(provider_zone.c.zone_id == zone_id)
            )
        )
        .mappings()
        .all()
    )
    standings = [
        ProviderStanding(
            provider_id=r["id"],
            zones={zone_id: r["status"]},
            weekly_capacity_hours=r["weekly_capacity_hours"],
            committed_hours=Decimal(r["committed"]),
            enablement_allowed=r["enablement_allowed"],
            hours_in_zone=Decimal(r["in_zone"]),
            active=r["active"],
        )
        for r in rows
    ]
    load = (
        await session.execute(
            select(
                zone.c.planned_weekly_hours,
                select(func.coalesce(func.sum(package.c.weekly_hours), 0))
                .where(package.c.status == _AWARDED, package.c.zone_id == zone_id)
                .scalar_subquery()
                .label("placed"),
            ).where(zone.c.id == zone_id)
        )
    ).one()
    scores = {r["id"]: r["quality_score"] for r in rows}
    return standings, ZoneLoad(Decimal(load.placed), load.planned_weekly_hours), scores


async def handed_back_by(session: AsyncSession, package_id: uuid.UUID) -> set[uuid.UUID]:
    """Providers who have handed this package back."""
    return set(await session.scalars(select(handback.c.provider_id).where(handback.c.package_id == package_id)))


async def record_skips(
    session: AsyncSession,
    package_id: uuid.UUID,
    cascade: int,
    round_number: int,
    skipped: Sequence[Candidate],
    at: datetime,
) -> None:
    """Record why each skipped provider was passed over in a round."""
    rows = [
        {
            "package_id": package_id,
            "cascade": cascade,
            "round": round_number,
            "provider_id": c.provider_id,
            "reason": str(c.skip_reason),
            "at": at,
        }
        for c in skipped
        if c.skip_reason is not None
    ]
    if rows:
        await session.execute(pg_insert(round_skip).on_conflict_do_nothing(), rows)


async def skips_of(session: AsyncSession, package_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every recorded skip of a package, in order."""
    query = (
        select(round_skip)
        .where(round_skip.c.package_id == package_id)
        .order_by(round_skip.c.cascade, round_skip.c.round, round_skip.c.provider_id)
    )
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def offers_of(session: AsyncSession, package_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every offer of a package, with its answer, in the order they were made."""
    query = (
        select(offer)
        .where(offer.c.package_id == package_id)
        .order_by(offer.c.cascade, offer.c.round, offer.c.offered_at, offer.c.id)
    )
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def insert_offers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Create a round's offers in one statement."""
    if rows:
        await session.execute(offer.insert(), list(rows))


async def round_offers(
    session: AsyncSession, package_id: uuid.UUID, cascade: int, round_number: int
) -> list[dict[str, Any]]:
    """The offers of one round, locked: the round is being closed or answered."""
    query = (
        select(offer)
        .where(offer.c.package_id == package_id, offer.c.cascade == cascade, offer.c.round == round_number)
        .order_by(offer.c.offered_at, offer.c.id)
        .with_for_update()
    )
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def open_offers_of_package(session: AsyncSession, package_id: uuid.UUID) -> list[dict[str, Any]]:
    """The package's offers still open, locked."""
    query = (
        select(offer)
        .where(offer.c.package_id == package_id, offer.c.status == OfferStatus.OPEN.value)
        .with_for_update()
    )
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def get_offer(session: AsyncSession, offer_id: uuid.UUID) -> dict[str, Any] | None:
    """An offer row."""
    row = (await session.execute(select(offer).where(offer.c.id == offer_id))).mappings().first()
    return dict(row) if row else None


async def set_offer_status(
    session: AsyncSession, offer_ids: Sequence[uuid.UUID], status: OfferStatus, at: datetime, **values: Any
) -> None:
    """Answer, expire or withdraw offers."""
    if offer_ids:
        await session.execute(
            update(offer).where(offer.c.id.in_(list(offer_ids))).values(status=status.value, answered_at=at, **values)
        )


async def offers_for_provider(
    session: AsyncSession, provider_id: uuid.UUID, *, status: str | None, after: uuid.UUID | None, limit: int
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """A provider's offers with their packages, a page at a time."""
    query = (
        select(offer, package.c.postcode.label("p_postcode"), package.c.zone_id.label("p_zone_id"))
        .join(package, package.c.id == offer.c.package_id)
        .where(offer.c.provider_id == provider_id)
        .order_by(offer.c.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(offer.c.status == status)
    if after is not None:
        query = query.where(offer.c.id > after)
    rows = (await session.execute(query)).mappings().all()
    ids = {r["package_id"] for r in rows}
    packages = {
        p["id"]: dict(p) for p in (await session.execute(select(package).where(package.c.id.in_(ids)))).mappings().all()
    }
    return [(dict(r), packages[r["package_id"]]) for r in rows]


async def due_rounds(session: AsyncSession, now: datetime, limit: int) -> list[uuid.UUID]:
    """Packages whose open round's deadline has passed, claimed so two sweepers never close one twice."""
    query = (
        select(package.c.id)
        .where(package.c.status == PackageStatus.OFFERING.value, package.c.round_deadline <= now)
        .order_by(package.c.round_deadline)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(query))


async def insert_handback(session: AsyncSession, values: dict[str, Any]) -> None:
    """Record a handback."""
    await session.execute(handback.insert().values(**values))


async def provider_webhook_targets(session: AsyncSession, provider_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these providers have a webhook URL."""
    query = select(provider.c.id).where(provider.c.id.in_(list(provider_ids)), provider.c.webhook_url.is_not(None))
    return set(await session.scalars(query))
