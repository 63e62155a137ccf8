"""KPIs from what officers record: incidents, quality assessments and the CQC rating."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from quality.domain.facts import CQC_POINTS, AssessmentFact, CqcRating, CqcRatingFact, IncidentFact
from quality.domain.numbers import mean


@dataclass(frozen=True)
class OfficerKpis:
    """Incident counts in the period; the latest assessment and rating known at its end."""

    complaints: int
    compliments: int
    safeguarding: int
    assessment_mean: Decimal | None
    assessment_ratings: dict[str, int] = field(default_factory=dict)
    assessed_on: date | None = None
    cqc_rating: CqcRating | None = None
    cqc_points: Decimal | None = None


def latest_assessment(assessments: Sequence[AssessmentFact], before: date) -> AssessmentFact | None:
    """The most recent assessment made before a day (ties: the last recorded)."""
    known = [a for a in assessments if a.assessed_on < before]
    return max(known, key=lambda a: a.assessed_on, default=None)


def latest_rating(ratings: Sequence[CqcRatingFact], before: date) -> CqcRatingFact | None:
    """The CQC rating in force on the day before ``before``."""
    known = [r for r in ratings if r.rated_on < before]
    return max(known, key=lambda r: r.rated_on, default=None)


def officer_kpis(
    incidents: Sequence[IncidentFact],
    assessments: Sequence[AssessmentFact],
    ratings: Sequence[CqcRatingFact],
    period_end: date,
    provider_id: uuid.UUID | None,
) -> OfficerKpis:
    """Officer-recorded KPIs over incidents already narrowed to a scope and period.

    Assessments and ratings belong to providers, not zones: for one provider they are its latest;
    for several (a zone or the council) the mean of each provider's latest.
    """
    kinds = [i.kind for i in incidents]
    providers = (
        [provider_id]
        if provider_id is not None
        else sorted({a.provider_id for a in assessments} | {r.provider_id for r in ratings}, key=str)
    )
    latest_assessments = [
        a
        for p in providers
        if (a := latest_assessment([x for x in assessments if x.provider_id == p], period_end)) is not None
    ]
    latest_ratings = [
        r for p in providers if (r := latest_rating([x for x in ratings if x.provider_id == p], period_end)) is not None
    ]
    means = [m for a in latest_assessments if (m := mean(list(a.ratings.values()))) is not None]
    single_assessment = latest_assessments[0] if provider_id is not None and latest_assessments else None
    single_rating = latest_ratings[0] if provider_id is not None and latest_ratings else None
    return OfficerKpis(
        complaints=kinds.count("complaint"),
        compliments=kinds.count("compliment"),
        safeguarding=kinds.count("safeguarding"),
        assessment_mean=mean(means),
        assessment_ratings=dict(single_assessment.ratings) if single_assessment else {},
        assessed_on=single_assessment.assessed_on if single_assessment else None,
        cqc_rating=single_rating.rating if single_rating else None,
        cqc_points=mean([CQC_POINTS[r.rating] for r in latest_ratings]),
    )
