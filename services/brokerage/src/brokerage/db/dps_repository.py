"""SQL for the DPS: pricing levels and rates, zones and their coverage, providers, council rules."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from brokerage.db.tables import (
    council_rules,
    pricing_level,
    provider,
    provider_zone,
    rate,
    zone,
    zone_coverage,
)
from brokerage.domain.rates import Rate
from brokerage.domain.rules import CouncilRules
from brokerage.domain.zones import ZoneCoverage


async def pricing_level_exists(session: AsyncSession, level_id: str) -> bool:
    """Whether the pricing level exists."""
    found = await session.scalar(select(pricing_level.c.id).where(pricing_level.c.id == level_id))
    return found is not None


async def insert_pricing_level(session: AsyncSession, level_id: str, name: str, rates: Sequence[Rate]) -> bool:
    """Create a pricing level with its rates; False when the id is taken."""
    created = await session.scalar(
        pg_insert(pricing_level).values(id=level_id, name=name).on_conflict_do_nothing().returning(pricing_level.c.id)
    )
    if created is None:
        return False
    await replace_rates(session, level_id, rates)
    return True


async def replace_rates(session: AsyncSession, level_id: str, rates: Sequence[Rate]) -> None:
    """Set a level's whole rate schedule."""
    await session.execute(delete(rate).where(rate.c.pricing_level_id == level_id))
    if rates:
        await session.execute(
            rate.insert(),
            [
                {
                    "pricing_level_id": level_id,
                    "service_type": r.service_type,
                    "from_date": r.from_date,
                    "hourly_rate": r.hourly_rate,
                }
                for r in rates
            ],
        )


async def list_pricing_levels(session: AsyncSession) -> list[tuple[str, str, list[Rate]]]:
    """Every level with its rates, by id."""
    levels = (await session.execute(select(pricing_level.c.id, pricing_level.c.name).order_by("id"))).all()
    rows = (await session.execute(select(rate).order_by(rate.c.from_date))).mappings().all()
    by_level: dict[str, list[Rate]] = {}
    for r in rows:
        by_level.setdefault(r["pricing_level_id"], []).append(Rate(r["service_type"], r["from_date"], r["hourly_rate"]))
    return [(lv.id, lv.name, by_level.get(lv.id, [])) for lv in levels]


async def rates_of_level(session: AsyncSession, level_id: str) -> list[Rate]:
    """A level's rate schedule."""
    rows = (await session.execute(select(rate).where(rate.c.pricing_level_id == level_id))).mappings().all()
    return [Rate(r["service_type"], r["from_date"], r["hourly_rate"]) for r in rows]


async def rates_by_zone(session: AsyncSession, zone_ids: Sequence[str]) -> dict[str, list[Rate]]:
    """Each zone's rate schedule, through its pricing level, in one query."""
    rows = (
        await session.execute(
            select(zone.c.id, rate.c.service_type, rate.c.from_date, rate.c.hourly_rate)
            .join(rate, rate.c.pricing_level_id == zone.c.pricing_level_id)
            .where(zone.c.id.in_(list(zone_ids)))
        )
    ).all()
    found: dict[str, list[Rate]] = {z: [] for z in zone_ids}
    for zone_id, service_type, from_date, hourly_rate in rows:
        found[zone_id].append(Rate(service_type, from_date, hourly_rate))
    return found


async def insert_zone(
    session: AsyncSession,
    *,
    zone_id: str,
    name: str,
    pricing_level_id: str,
    coverage: Sequence[str],
    planned_weekly_hours: Decimal | None,
) -> bool:
    """Create a zone and its coverage; False when the id is taken."""
    created = await session.scalar(
        pg_insert(zone)
        .values(
            id=zone_id,
            name=name,
            pricing_level_id=pricing_level_id,
            planned_weekly_hours=planned_weekly_hours,
        )
        .on_conflict_do_nothing()
        .returning(zone.c.id)
    )
    if created is None:
        return False
    if coverage:
        await session.execute(zone_coverage.insert(), [{"zone_id": zone_id, "entry": e} for e in coverage])
    return True


async def list_zones(session: AsyncSession) -> list[dict[str, Any]]:
    """Every zone with its coverage, by id."""
    zones = (await session.execute(select(zone).order_by(zone.c.id))).mappings().all()
    cover = (await session.execute(select(zone_coverage).order_by(zone_coverage.c.entry))).mappings().all()
    entries: dict[str, list[str]] = {}
    for c in cover:
        entries.setdefault(c["zone_id"], []).append(c["entry"])
    return [{**z, "coverage": entries.get(z["id"], [])} for z in zones]


async def get_zone(session: AsyncSession, zone_id: str) -> dict[str, Any] | None:
    """One zone's row."""
    row = (await session.execute(select(zone).where(zone.c.id == zone_id))).mappings().first()
    return dict(row) if row else None


async def zones_covering(session: AsyncSession, district: str, sector: str) -> list[ZoneCoverage]:
    """The zones naming this district or sector (only the matching entries: enough for the lookup)."""
    rows = (
        await session.execute(
            select(zone_coverage.c.zone_id, zone_coverage.c.entry).where(zone_coverage.c.entry.in_([district, sector]))
        )
    ).all()
    by_zone: dict[str, set[str]] = {}
    for zone_id, entry in rows:
        by_zone.setdefault(zone_id, set()).add(entry)
    return [ZoneCoverage(z, frozenset(e)) for z, e in by_zone.items()]


async def existing_zone_ids(session: AsyncSession, zone_ids: Sequence[str]) -> set[str]:
    """Which of these zone ids exist."""
    rows = await session.scalars(select(zone.c.id).where(zone.c.id.in_(list(zone_ids))))
    return set(rows)


async def insert_provider(session: AsyncSession, values: dict[str, Any], zones: dict[str, str]) -> None:
    """Admit a provider with its zone standings."""
    await session.execute(provider.insert().values(**values))
    await set_provider_zones(session, values["id"], zones)


async def set_provider_zones(session: AsyncSession, provider_id: uuid.UUID, zones: dict[str, str]) -> None:
    """Replace a provider's zones and statuses."""
    await session.execute(delete(provider_zone).where(provider_zone.c.provider_id == provider_id))
    if zones:
        await session.execute(
            provider_zone.insert(),
            [{"provider_id": provider_id, "zone_id": z, "status": s} for z, s in zones.items()],
        )


async def update_provider(session: AsyncSession, provider_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Change a provider's columns."""
    if values:
        await session.execute(
            update(provider).where(provider.c.id == provider_id).values(**values, updated_at=func.now())
        )


async def get_provider(session: AsyncSession, provider_id: uuid.UUID, *, lock: bool = False) -> dict[str, Any] | None:
    """A provider's row with its zones as ``{zone_id: status}``."""
    query = select(provider).where(provider.c.id == provider_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    if row is None:
        return None
    zones = (
        await session.execute(
            select(provider_zone.c.zone_id, provider_zone.c.status).where(provider_zone.c.provider_id == provider_id)
        )
    ).all()
    return {**row, "zones": dict(sorted((z, s) for z, s in zones))}


async def list_providers(session: AsyncSession, *, after: uuid.UUID | None, limit: int) -> list[dict[str, Any]]:
    """Providers by id, a page at a time."""
    query = select(provider).order_by(provider.c.id).limit(limit)
    if after is not None:
        query = query.where(provider.c.id > after)
    rows = (await session.execute(query)).mappings().all()
    ids = [r["id"] for r in rows]
    zones = (await session.execute(select(provider_zone).where(provider_zone.c.provider_id.in_(ids)))).mappings().all()
    by_provider: dict[uuid.UUID, dict[str, str]] = {}
    for z in zones:
        by_provider.setdefault(z["provider_id"], {})[z["zone_id"]] = z["status"]
    return [{**r, "zones": dict(sorted(by_provider.get(r["id"], {}).items()))} for r in rows]


async def set_quality_score(session: AsyncSession, provider_id: uuid.UUID, score: Decimal, period_end: Any) -> None:
    """Keep the latest period's score (an older period arriving late does not overwrite it)."""
    await session.execute(
        update(provider)
        .where(
            provider.c.id == provider_id,
            (provider.c.quality_scored_for.is_(None)) | (provider.c.quality_scored_for <= period_end),
        )
        .values(quality_score=score, quality_scored_for=period_end, updated_at=func.now())
    )


async def load_rules(session: AsyncSession) -> CouncilRules:
    """The council's rules, or the defaults until someone sets them."""
    stored = await session.scalar(select(council_rules.c.rules).where(council_rules.c.id == 1))
    return CouncilRules.model_validate(stored) if stored is not None else CouncilRules()


async def save_rules(session: AsyncSession, rules: CouncilRules, at: datetime) -> None:
    """Replace the council's rules."""
    doc = rules.model_dump(mode="json")
    await session.execute(
        pg_insert(council_rules)
        .values(id=1, rules=doc, updated_at=at)
        .on_conflict_do_update(index_elements=[council_rules.c.id], set_={"rules": doc, "updated_at": at})
    )
