"""Which London days had a fact written since a moment: how late events find the periods to re-score."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, cast, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from quality.db.tables import assessment, correction, cqc_rating, handback, incident, offer, package, visit


def _london_day(moment: ColumnElement[datetime]) -> ColumnElement[date]:
    return cast(func.timezone("Europe/London", moment), Date)


async def changed_days(session: AsyncSession, since: datetime) -> list[tuple[date, datetime]]:
    """Each London day a fact written after ``since`` counts on, with the latest such write."""
    parts = [
        select(visit.c.day.label("day"), visit.c.changed_at).where(visit.c.changed_at > since),
        select(visit.c.day.label("day"), correction.c.changed_at)
        .join(visit, visit.c.visit_id == correction.c.visit_id)
        .where(correction.c.changed_at > since),
        select(_london_day(offer.c.offered_at).label("day"), offer.c.changed_at).where(offer.c.changed_at > since),
        select(_london_day(handback.c.handed_back_at).label("day"), handback.c.changed_at).where(
            handback.c.changed_at > since
        ),
        select(incident.c.occurred_on.label("day"), incident.c.changed_at).where(incident.c.changed_at > since),
        select(assessment.c.assessed_on.label("day"), assessment.c.changed_at).where(assessment.c.changed_at > since),
        select(cqc_rating.c.rated_on.label("day"), cqc_rating.c.changed_at).where(cqc_rating.c.changed_at > since),
    ]
    # A package counts on the days of its submission, its start and its review.
    for day in (_london_day(package.c.submitted_at), package.c.start_date, package.c.reviewed_on):
        parts.append(
            select(day.label("day"), package.c.changed_at).where(package.c.changed_at > since, day.is_not(None))
        )
    every = union_all(*parts).subquery()
    rows = await session.execute(
        select(every.c.day, func.max(every.c.changed_at)).group_by(every.c.day).order_by(every.c.day)
    )
    return [(day, changed_at) for day, changed_at in rows]
