"""Officers' records about providers: incidents, quality assessments and the CQC rating."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from shared.clock import utcnow
from shared.db.session import SessionDep
from shared.errors import NotFound

from quality.api.deps import Officer, Writer
from quality.api.schemas import (
    AssessmentIn,
    AssessmentOut,
    CqcRatingIn,
    CqcRatingOut,
    IncidentIn,
    IncidentOut,
)
from quality.db import records_repository as records
from quality.domain.numbers import mean

router = APIRouter(prefix="/v1/providers/{provider_id}", tags=["records"])
MAX_PAGE = 200


@router.post("/incidents", status_code=status.HTTP_201_CREATED, response_model=IncidentOut)
async def record_incident(provider_id: uuid.UUID, body: IncidentIn, session: SessionDep, who: Writer) -> Any:
    """Record a complaint, compliment or safeguarding concern against a provider."""
    row = {
        "incident_id": uuid.uuid4(),
        "provider_id": provider_id,
        "recorded_by": who.name,
        "recorded_at": utcnow(),
        **body.model_dump(),
    }
    await records.add_incident(session, **row)
    return row


@router.get("/incidents", response_model=list[IncidentOut])
async def list_incidents(
    provider_id: uuid.UUID,
    session: SessionDep,
    _: Officer,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> Any:
    """A provider's incidents, newest first."""
    return await records.list_incidents(session, provider_id, limit)


def _assessment_out(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "mean_rating": mean(list(row["ratings"].values()))}


@router.post("/assessments", status_code=status.HTTP_201_CREATED, response_model=AssessmentOut)
async def record_assessment(provider_id: uuid.UUID, body: AssessmentIn, session: SessionDep, who: Writer) -> Any:
    """Record a quality assessment: each domain rated 1 to 4 with its evidence."""
    row = {
        "assessment_id": uuid.uuid4(),
        "provider_id": provider_id,
        "assessed_on": body.assessed_on,
        "ratings": {k: v.rating for k, v in body.domains.items()},
        "evidence": {k: v.evidence for k, v in body.domains.items()},
        "recorded_by": who.name,
        "recorded_at": utcnow(),
    }
    await records.add_assessment(session, **row)
    return _assessment_out(row)


@router.get("/assessments", response_model=list[AssessmentOut])
async def list_assessments(
    provider_id: uuid.UUID,
    session: SessionDep,
    _: Officer,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> Any:
    """A provider's assessments, newest first."""
    return [_assessment_out(r) for r in await records.list_assessments(session, provider_id, limit)]


@router.put("/cqc-rating", response_model=CqcRatingOut)
async def set_cqc_rating(provider_id: uuid.UUID, body: CqcRatingIn, session: SessionDep, who: Writer) -> Any:
    """Record the provider's CQC rating from a date."""
    await records.set_cqc_rating(
        session, provider_id=provider_id, rated_on=body.rated_on, rating=body.rating, recorded_by=who.name
    )
    return {"provider_id": provider_id, "recorded_by": who.name, **body.model_dump()}


@router.get("/cqc-rating", response_model=CqcRatingOut)
async def get_cqc_rating(provider_id: uuid.UUID, session: SessionDep, _: Officer) -> Any:
    """The provider's current CQC rating."""
    row = await records.latest_cqc_rating(session, provider_id)
    if row is None:
        raise NotFound("No CQC rating is recorded for this provider.")
    return row
