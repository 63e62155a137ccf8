"""Writing facts from consumed events, and reading a period's facts back. All SQL for facts is here.

Every write is an upsert that only lets a newer revision win, so handlers can be replayed, and
events from different topics can arrive in any order, without changing the result.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any

from shared.clock import LONDON
from shared.db.revisions import highest_revisions
from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession

from quality.db.tables import (
    assessment,
    correction,
    cqc_rating,
    handback,
    incident,
    offer,
    package,
    provider,
    provider_zone,
    visit,
)
from quality.domain.facts import (
    AssessmentFact,
    CorrectionFact,
    CqcRatingFact,
    Facts,
    HandbackFact,
    IncidentFact,
    OfferFact,
    ReferralFact,
    VisitFact,
)


def london_midnight(day: date) -> datetime:
    """The UTC instant a London calendar day starts."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


@cache
def _visit_upsert(columns: tuple[str, ...]) -> Insert:
    """The upsert of a visit row with these columns, built once: building the statement and its
    ``excluded`` columns anew for every visit event cost as much CPU as the write itself."""
    stmt = insert(visit)
    return stmt.on_conflict_do_update(
        index_elements=[visit.c.visit_id],
        set_={**{c: stmt.excluded[c] for c in columns if c != "visit_id"}, "changed_at": func.now()},
        where=visit.c.revision < stmt.excluded.revision,
    )


async def upsert_visits(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Store each visit's state unless a later revision is already stored; rows of one column set,
    in one statement."""
    latest = highest_revisions(rows, "visit_id")
    if latest:
        await session.execute(_visit_upsert(tuple(latest[0])), latest)


async def upsert_correction(
    session: AsyncSession,
    *,
    correction_id: uuid.UUID,
    visit_id: uuid.UUID,
    revision: int,
    reason: str,
    applied: bool,
) -> None:
    """Store a correction's latest state (an officer may reject it later)."""
    stmt = insert(correction).values(
        correction_id=correction_id, visit_id=visit_id, revision=revision, reason=reason, applied=applied
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[correction.c.correction_id],
        set_={
            "revision": stmt.excluded.revision,
            "reason": stmt.excluded.reason,
            "applied": stmt.excluded.applied,
            "changed_at": func.now(),
        },
        where=correction.c.revision < stmt.excluded.revision,
    )
    await session.execute(stmt)


async def record_submission(
    session: AsyncSession,
    *,
    package_id: uuid.UUID,
    service_type: str,
    submitted_at: datetime,
    start_date: date,
) -> None:
    """What referrals said when the package was asked for; the award may have arrived first."""
    values = {"service_type": service_type, "submitted_at": submitted_at, "start_date": start_date}
    stmt = insert(package).values(package_id=package_id, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[package.c.package_id],
        set_={**{k: func.coalesce(package.c[k], stmt.excluded[k]) for k in values}, "changed_at": func.now()},
    )
    await session.execute(stmt)


async def record_zone(session: AsyncSession, *, package_id: uuid.UUID, zone_id: str) -> None:
    """The package's zone, from its first offer, for packages nobody has been awarded yet."""
    stmt = insert(package).values(package_id=package_id, zone_id=zone_id)
    stmt = stmt.on_conflict_do_update(
        index_elements=[package.c.package_id],
        set_={"zone_id": func.coalesce(package.c.zone_id, stmt.excluded.zone_id), "changed_at": func.now()},
    )
    await session.execute(stmt)


async def record_award(
    session: AsyncSession,
    *,
    package_id: uuid.UUID,
    provider_id: uuid.UUID,
    zone_id: str,
    service_type: str,
    submitted_at: datetime,
    start_date: date,
    awarded_at: datetime,
) -> None:
    """The package's winner; after a handback and re-award, the latest award wins."""
    stmt = insert(package).values(
        package_id=package_id,
        provider_id=provider_id,
        zone_id=zone_id,
        service_type=service_type,
        submitted_at=submitted_at,
        start_date=start_date,
        awarded_at=awarded_at,
    )
    newer = or_(package.c.awarded_at.is_(None), package.c.awarded_at < stmt.excluded.awarded_at)
    stmt = stmt.on_conflict_do_update(
        index_elements=[package.c.package_id],
        set_={
            "provider_id": stmt.excluded.provider_id,
            "zone_id": stmt.excluded.zone_id,
            "awarded_at": stmt.excluded.awarded_at,
            "service_type": func.coalesce(package.c.service_type, stmt.excluded.service_type),
            "submitted_at": func.coalesce(package.c.submitted_at, stmt.excluded.submitted_at),
            "start_date": func.coalesce(package.c.start_date, stmt.excluded.start_date),
            "changed_at": func.now(),
        },
        where=newer,
    )
    await session.execute(stmt)


async def record_review(
    session: AsyncSession, *, package_id: uuid.UUID, reviewed_on: date, all_outcomes_met: bool
) -> None:
    """The assessor's review; a later review replaces an earlier one."""
    stmt = insert(package).values(package_id=package_id, reviewed_on=reviewed_on, all_outcomes_met=all_outcomes_met)
    stmt = stmt.on_conflict_do_update(
        index_elements=[package.c.package_id],
        set_={
            "reviewed_on": stmt.excluded.reviewed_on,
            "all_outcomes_met": stmt.excluded.all_outcomes_met,
            "changed_at": func.now(),
        },
        where=or_(package.c.reviewed_on.is_(None), package.c.reviewed_on <= stmt.excluded.reviewed_on),
    )
    await session.execute(stmt)


async def record_offer(
    session: AsyncSession,
    *,
    offer_id: uuid.UUID,
    package_id: uuid.UUID,
    provider_id: uuid.UUID,
    offered_at: datetime,
    zone_id: str | None = None,
    answer: str | None = None,
    answered_at: datetime | None = None,
) -> None:
    """An offer or its answer, whichever arrives first; neither overwrites what the other set."""
    stmt = insert(offer).values(
        offer_id=offer_id,
        package_id=package_id,
        provider_id=provider_id,
        zone_id=zone_id,
        offered_at=offered_at,
        answer=answer,
        answered_at=answered_at,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[offer.c.offer_id],
        set_={
            "zone_id": func.coalesce(offer.c.zone_id, stmt.excluded.zone_id),
            "answer": func.coalesce(stmt.excluded.answer, offer.c.answer),
            "answered_at": func.coalesce(stmt.excluded.answered_at, offer.c.answered_at),
            "changed_at": func.now(),
        },
    )
    await session.execute(stmt)


async def record_handback(
    session: AsyncSession,
    *,
    package_id: uuid.UUID,
    provider_id: uuid.UUID,
    handed_back_at: datetime,
    reason: str,
) -> None:
    """A handback; the same one twice is stored once."""
    stmt = insert(handback).values(
        package_id=package_id, provider_id=provider_id, handed_back_at=handed_back_at, reason=reason
    )
    await session.execute(stmt.on_conflict_do_nothing())


async def replace_provider(
    session: AsyncSession,
    *,
    provider_id: uuid.UUID,
    name: str,
    enablement_allowed: bool,
    zones: list[tuple[str, str]],
    as_of: datetime,
) -> None:
    """A provider's DPS standing from brokerage, unless a later one is already stored."""
    stmt = insert(provider).values(
        provider_id=provider_id, name=name, enablement_allowed=enablement_allowed, updated_at=as_of
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=[provider.c.provider_id],
        set_={
            "name": stmt.excluded.name,
            "enablement_allowed": stmt.excluded.enablement_allowed,
            "updated_at": as_of,
        },
        where=provider.c.updated_at <= stmt.excluded.updated_at,
    ).returning(provider.c.provider_id)
    if (await session.execute(upsert)).first() is None:
        return
    await session.execute(provider_zone.delete().where(provider_zone.c.provider_id == provider_id))
    if zones:
        await session.execute(
            insert(provider_zone),
            [{"provider_id": provider_id, "zone_id": z, "status": s} for z, s in zones],
        )


async def load_facts(session: AsyncSession, start: date, end: date, provider_id: uuid.UUID | None = None) -> Facts:
    """The facts of London days ``[start, end)``, of one provider if given: one query per kind of fact."""
    lo, hi = london_midnight(start), london_midnight(end)

    def mine(column: ColumnElement[Any]) -> ColumnElement[bool]:
        return true() if provider_id is None else column == provider_id

    zone_of = select(package.c.package_id, package.c.zone_id).subquery()
    visit_rows = (
        await session.execute(
            select(visit, zone_of.c.zone_id)
            .select_from(visit.outerjoin(zone_of, zone_of.c.package_id == visit.c.package_id))
            .where(visit.c.day >= start, visit.c.day < end, mine(visit.c.provider_id))
        )
    ).mappings()
    visits = tuple(
        VisitFact(
            visit_id=r["visit_id"],
            revision=r["revision"],
            package_id=r["package_id"],
            provider_id=r["provider_id"],
            zone=r["zone_id"],
            status=r["status"],
            planned_start=r["planned_start"],
            planned_minutes=r["planned_minutes"],
            actual_start=r["actual_start"],
            actual_end=r["actual_end"],
            carer_ids=tuple(r["carer_ids"]),
            verified=r["verified"],
            unverified_reason=r["unverified_reason"],
            carers_required=r["carers_required"],
        )
        for r in visit_rows
    )
    corrections = tuple(
        CorrectionFact(r.correction_id, r.visit_id, r.reason)
        for r in await session.execute(
            select(correction)
            .join(visit, visit.c.visit_id == correction.c.visit_id)
            .where(correction.c.applied, visit.c.day >= start, visit.c.day < end, mine(visit.c.provider_id))
        )
    )
    offers = tuple(
        OfferFact(
            r.offer_id,
            r.package_id,
            r.provider_id,
            r.zone_id,
            r.offered_at,
            r.answer if r.answer in ("accepted", "declined") else None,
            r.answered_at if r.answer in ("accepted", "declined") else None,
        )
        for r in await session.execute(
            # A withdrawn offer closed for reasons not the provider's: it is no evidence either way.
            select(offer).where(
                offer.c.offered_at >= lo,
                offer.c.offered_at < hi,
                or_(offer.c.answer.is_(None), offer.c.answer != "withdrawn"),
                mine(offer.c.provider_id),
            )
        )
    )
    handbacks = tuple(
        HandbackFact(
            r.package_id,
            r.provider_id,
            r.zone_id,
            r.handed_back_at,
        )
        for r in await session.execute(
            select(handback, package.c.zone_id)
            .outerjoin(package, package.c.package_id == handback.c.package_id)
            .where(handback.c.handed_back_at >= lo, handback.c.handed_back_at < hi, mine(handback.c.provider_id))
        )
    )
    referrals, first_days = await _load_referrals(session, start, end, mine(package.c.provider_id))
    incidents = tuple(
        IncidentFact(r.incident_id, r.provider_id, r.kind, r.occurred_on, r.zone_id)
        for r in await session.execute(
            select(incident).where(
                incident.c.occurred_on >= start, incident.c.occurred_on < end, mine(incident.c.provider_id)
            )
        )
    )
    assessments = tuple(
        AssessmentFact(r.assessment_id, r.provider_id, r.assessed_on, dict(r.ratings))
        for r in await session.execute(
            select(assessment).where(assessment.c.assessed_on < end, mine(assessment.c.provider_id))
        )
    )
    ratings = tuple(
        CqcRatingFact(r.provider_id, r.rating, r.rated_on)
        for r in await session.execute(
            select(cqc_rating).where(cqc_rating.c.rated_on < end, mine(cqc_rating.c.provider_id))
        )
    )
    return Facts(
        visits=visits,
        corrections=corrections,
        offers=offers,
        handbacks=handbacks,
        referrals=referrals,
        incidents=incidents,
        assessments=assessments,
        cqc_ratings=ratings,
        first_visit_days=first_days,
    )


async def _load_referrals(
    session: AsyncSession, start: date, end: date, owned: ColumnElement[bool]
) -> tuple[tuple[ReferralFact, ...], dict[uuid.UUID, date]]:
    lo, hi = london_midnight(start), london_midnight(end)
    rows = (
        await session.execute(
            select(package).where(
                package.c.submitted_at.is_not(None),
                package.c.start_date.is_not(None),
                package.c.service_type.is_not(None),
                owned,
                or_(
                    and_(package.c.submitted_at >= lo, package.c.submitted_at < hi),
                    and_(package.c.start_date >= start, package.c.start_date < end),
                    and_(package.c.reviewed_on >= start, package.c.reviewed_on < end),
                ),
            )
        )
    ).all()
    referrals = tuple(
        ReferralFact(
            r.package_id,
            r.service_type,
            r.submitted_at,
            r.start_date,
            r.zone_id,
            r.provider_id,
            r.awarded_at,
            r.reviewed_on,
            r.all_outcomes_met,
        )
        for r in rows
    )
    ids = [r.package_id for r in rows]
    first_days: dict[uuid.UUID, date] = {}
    if ids:
        first = await session.execute(
            select(visit.c.package_id, func.min(func.timezone("Europe/London", visit.c.actual_start)))
            .where(visit.c.package_id.in_(ids), visit.c.status == "completed", visit.c.actual_start.is_not(None))
            .group_by(visit.c.package_id)
        )
        first_days = {pid: moment.date() for pid, moment in first}
    return referrals, first_days
