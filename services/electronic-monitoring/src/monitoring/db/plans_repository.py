"""Packages and their plans: written from brokerage and referral events, read to expand visits."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from monitoring.db.tables import (
    cancellation,
    package,
    package_provider,
    pattern_period,
    pending_derivation,
    referral_client,
    rota,
    suspension,
    visit,
)
from monitoring.domain.derivation import Providers
from monitoring.domain.geo import Point
from monitoring.domain.plan import PackagePlan, PatternEntry, PatternPeriod, RotaVisit, Suspension
from monitoring.domain.rota import RotaCheck
from monitoring.domain.visits import Home


@dataclass(frozen=True, slots=True)
class StoredPackage:
    """A package's plan, its provider (now and by day) and the person's home."""

    plan: PackagePlan
    provider_id: uuid.UUID
    providers: Providers
    home: Home
    weekly_hours: Decimal
    start_date: date
    # When the missed-visit schedule next looks at the package (None before its first derivation).
    next_check_at: datetime | None
    correlation_id: str | None = None
    # Whether the last derivation recorded what it saw, so new events can be told from the others.
    seen_recorded: bool = False


def entries_to_json(entries: Sequence[PatternEntry]) -> list[dict[str, Any]]:
    """A pattern as stored (the contract's shape: ``HH:MM`` London start)."""
    return [
        {
            "days": list(e.days),
            "start": e.start.strftime("%H:%M"),
            "duration_minutes": e.duration_minutes,
            "carers": e.carers,
        }
        for e in entries
    ]


def _entries(raw: list[dict[str, Any]]) -> tuple[PatternEntry, ...]:
    return tuple(
        PatternEntry(tuple(e["days"]), time.fromisoformat(e["start"]), e["duration_minutes"], e["carers"]) for e in raw
    )


def _rota_visits(raw: list[dict[str, Any]]) -> tuple[RotaVisit, ...]:
    return tuple(
        RotaVisit(date.fromisoformat(v["day"]), time.fromisoformat(v["start"]), v["duration_minutes"], v["carers"])
        for v in raw
    )


async def upsert_awarded_package(
    session: AsyncSession,
    *,
    package_id: uuid.UUID,
    provider_id: uuid.UUID,
    start_date: date,
    weekly_hours: Decimal,
    home: Point | None,
    entries: Sequence[PatternEntry],
    correlation_id: str | None = None,
) -> None:
    """Record an award (or a re-award to another provider): the plan runs from the start date."""
    values = {
        "correlation_id": correlation_id,
        "provider_id": provider_id,
        "start_date": start_date,
        "weekly_hours": weekly_hours,
        "home_lat": home.lat if home else None,
        "home_lon": home.lon if home else None,
        "ended_at": None,
    }
    await session.execute(
        insert(package)
        .values(package_id=package_id, **values)
        .on_conflict_do_update(index_elements=[package.c.package_id], set_=values)
    )
    await session.execute(
        insert(package_provider)
        .values(package_id=package_id, from_date=start_date, provider_id=provider_id)
        .on_conflict_do_update(index_elements=["package_id", "from_date"], set_={"provider_id": provider_id})
    )
    await add_pattern_period(session, package_id, start_date, entries)


async def add_pattern_period(
    session: AsyncSession, package_id: uuid.UUID, effective_from: date, entries: Sequence[PatternEntry]
) -> None:
    """The pattern in force from a day (an award or an amendment); a repeat for the same day replaces it."""
    stored = entries_to_json(entries)
    await session.execute(
        insert(pattern_period)
        .values(package_id=package_id, effective_from=effective_from, entries=stored)
        .on_conflict_do_update(index_elements=["package_id", "effective_from"], set_={"entries": stored})
    )
    await queue_derivation(session, [package_id])


async def record_referring_client(session: AsyncSession, package_id: uuid.UUID, client_id: uuid.UUID) -> None:
    """Remember which case-management client referred the package."""
    await session.execute(
        insert(referral_client).values(package_id=package_id, client_id=client_id).on_conflict_do_nothing()
    )


async def referring_client(session: AsyncSession, package_id: uuid.UUID) -> uuid.UUID | None:
    """The case-management client that referred the package, if monitoring has heard of the referral."""
    return await session.scalar(select(referral_client.c.client_id).where(referral_client.c.package_id == package_id))


async def package_exists(session: AsyncSession, package_id: uuid.UUID) -> bool:
    """Whether monitoring knows the package (it was awarded)."""
    found = await session.scalar(select(package.c.package_id).where(package.c.package_id == package_id))
    return found is not None


async def set_weekly_hours(session: AsyncSession, package_id: uuid.UUID, hours: Decimal) -> None:
    """An amendment's new weekly hours."""
    await session.execute(update(package).where(package.c.package_id == package_id).values(weekly_hours=hours))


async def suspend(session: AsyncSession, package_id: uuid.UUID, starts_at: datetime) -> None:
    """No visits from ``starts_at`` until a resumption closes the suspension."""
    await session.execute(
        insert(suspension).values(package_id=package_id, starts_at=starts_at).on_conflict_do_nothing()
    )
    await queue_derivation(session, [package_id])


async def resume(session: AsyncSession, package_id: uuid.UUID, at: datetime) -> None:
    """Close the open suspension(s) of the package."""
    await session.execute(
        update(suspension)
        .where(and_(suspension.c.package_id == package_id, suspension.c.ends_at.is_(None)))
        .values(ends_at=at)
    )
    await queue_derivation(session, [package_id])


async def end(session: AsyncSession, package_id: uuid.UUID, at: datetime) -> None:
    """No visits are planned at or after ``at``."""
    await session.execute(update(package).where(package.c.package_id == package_id).values(ended_at=at))
    await queue_derivation(session, [package_id])


async def queue_derivation(session: AsyncSession, package_ids: Sequence[uuid.UUID]) -> None:
    """Ask the derivation worker to recompute these packages' visits over the whole window.

    Plan changes are rare beside events, so they recompute everything the lookback holds rather
    than work out which days they touch.
    """
    if package_ids:
        stmt = insert(pending_derivation).values([{"package_id": p} for p in sorted(set(package_ids))])
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[pending_derivation.c.package_id],
                set_={"affected_from": None},
            )
        )


async def load_packages(session: AsyncSession, package_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, StoredPackage]:
    """Plans of many packages in five set-based queries."""
    if not package_ids:
        return {}
    ids = list(package_ids)
    periods: dict[uuid.UUID, list[PatternPeriod]] = defaultdict(list)
    for row in await session.execute(select(pattern_period).where(pattern_period.c.package_id.in_(ids))):
        periods[row.package_id].append(PatternPeriod(row.effective_from, _entries(row.entries)))
    suspensions: dict[uuid.UUID, list[Suspension]] = defaultdict(list)
    for row in await session.execute(select(suspension).where(suspension.c.package_id.in_(ids))):
        suspensions[row.package_id].append(Suspension(row.starts_at, row.ends_at))
    providers: dict[uuid.UUID, list[tuple[date, uuid.UUID]]] = defaultdict(list)
    for row in await session.execute(select(package_provider).where(package_provider.c.package_id.in_(ids))):
        providers[row.package_id].append((row.from_date, row.provider_id))
    rotas: dict[uuid.UUID, dict[tuple[int, int], tuple[RotaVisit, ...]]] = defaultdict(dict)
    for row in await session.execute(select(rota).where(rota.c.package_id.in_(ids))):
        rotas[row.package_id][(row.iso_year, row.iso_week)] = _rota_visits(row.visits)
    result: dict[uuid.UUID, StoredPackage] = {}
    for row in await session.execute(select(package).where(package.c.package_id.in_(ids))):
        home = Point(row.home_lat, row.home_lon) if row.home_lat is not None and row.home_lon is not None else None
        plan = PackagePlan(
            row.package_id,
            tuple(periods[row.package_id]),
            tuple(suspensions[row.package_id]),
            row.ended_at,
            rotas[row.package_id],
        )
        result[row.package_id] = StoredPackage(
            plan,
            row.provider_id,
            Providers(tuple(providers[row.package_id]) or ((row.start_date, row.provider_id),)),
            Home(home, row.geofence_enabled),
            row.weekly_hours,
            row.start_date,
            row.next_check_at,
            row.correlation_id,
            row.derived_snapshot is not None,
        )
    return result


async def find_package(session: AsyncSession, package_id: uuid.UUID) -> Any | None:
    """The package row, if monitoring knows it."""
    return (await session.execute(select(package).where(package.c.package_id == package_id))).first()


async def delivered_carer_minutes(
    session: AsyncSession, package_id: uuid.UUID, since: datetime, until: datetime
) -> list[tuple[datetime, int]]:
    """Each completed visit of the package placed in ``[since, until)``: its time and carer-minutes
    (its actual minutes for each carer who attended)."""
    carer_minutes = visit.c.state["actual_minutes"].as_integer() * func.jsonb_array_length(visit.c.state["carers"])
    rows = await session.execute(
        select(visit.c.anchor_at, carer_minutes).where(
            visit.c.package_id == package_id,
            visit.c.status == "completed",
            visit.c.anchor_at >= since,
            visit.c.anchor_at < until,
        )
    )
    return [(at, int(minutes or 0)) for at, minutes in rows]


async def save_rota(
    session: AsyncSession,
    *,
    package_id: uuid.UUID,
    week: tuple[int, int],
    visits: Sequence[RotaVisit],
    check: RotaCheck,
    submitted_by: str,
) -> None:
    """Replace the plan for one ISO week with the provider's rota."""
    values = {
        "visits": [
            {
                "day": v.day.isoformat(),
                "start": v.start.strftime("%H:%M"),
                "duration_minutes": v.duration_minutes,
                "carers": v.carers,
            }
            for v in visits
        ],
        "planned_hours": check.planned_hours,
        "over_allowance": check.over_allowance,
        "banked_hours": check.banked_hours,
        "submitted_by": submitted_by,
        "submitted_at": func.now(),
    }
    await session.execute(
        insert(rota)
        .values(package_id=package_id, iso_year=week[0], iso_week=week[1], **values)
        .on_conflict_do_update(index_elements=["package_id", "iso_year", "iso_week"], set_=values)
    )
    await queue_derivation(session, [package_id])


async def save_cancellation(
    session: AsyncSession, *, visit_id: uuid.UUID, package_id: uuid.UUID, notified_at: datetime, recorded_by: str
) -> bool:
    """Record the person's cancellation of a planned visit; False if it was already recorded."""
    result = await session.execute(
        insert(cancellation)
        .values(visit_id=visit_id, package_id=package_id, notified_at=notified_at, recorded_by=recorded_by)
        .on_conflict_do_nothing()
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await queue_derivation(session, [package_id])
    return True


async def set_geofence(session: AsyncSession, package_id: uuid.UUID, enabled: bool) -> None:
    """Hold GPS check-ins at the person's home to the geofence, or not (NFC or telephony verify)."""
    # Queue first: the derivation worker locks the queue row before the package row, and taking
    # them in the other order deadlocked with it.
    await queue_derivation(session, [package_id])
    await session.execute(update(package).where(package.c.package_id == package_id).values(geofence_enabled=enabled))
