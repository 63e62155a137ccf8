"""Recommendations of the rules, and officers' decisions on them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from shared.audit import record_audit
from shared.clock import utcnow
from shared.contracts.quality import ProviderStatusChanged
from shared.db.session import SessionDep
from shared.errors import Conflict, NotFound
from shared.web.openapi import problem_responses
from shared.web.runtime import RuntimeDep

from quality.api.deps import Officer, Writer
from quality.api.schemas import DecisionIn, RecommendationOut, RecommendationPage
from quality.db import results_repository as results

router = APIRouter(prefix="/v1/recommendations", tags=["decisions"])
MAX_PAGE = 200


@router.get("", response_model=RecommendationPage)
async def list_recommendations(
    session: SessionDep,
    _: Officer,
    status: Literal["open", "confirmed", "rejected"] | None = None,
    cursor: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> Any:
    """Recommendations a page at a time, in a stable order; filter by status to see what is open."""
    rows = await results.list_recommendations(session, status, cursor, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": rows[-1]["recommendation_id"] if more else None}


async def _decide(session: Any, recommendation_id: uuid.UUID, status: str, who: str, reason: str) -> dict[str, Any]:
    decided = await results.decide(
        session, recommendation_id, status=status, decided_by=who, decided_at=utcnow(), reason=reason
    )
    if decided is not None:
        return decided
    if await results.get_recommendation(session, recommendation_id) is None:
        raise NotFound("No such recommendation.")
    raise Conflict("This recommendation has already been decided.")


@router.post("/{recommendation_id}/confirm", response_model=RecommendationOut, responses=problem_responses(409))
async def confirm(
    recommendation_id: uuid.UUID, body: DecisionIn, session: SessionDep, runtime: RuntimeDep, who: Writer
) -> Any:
    """Confirm a recommendation: published as ``quality.provider`` ``status_changed`` for brokerage."""
    row = await _decide(session, recommendation_id, "confirmed", who.name, body.reason)
    await record_audit(session, who, "recommendation.confirm", f"recommendations/{recommendation_id}", body.reason)
    event = ProviderStatusChanged(
        provider_id=row["provider_id"],
        decision_id=row["recommendation_id"],
        decision=row["kind"],
        zone_id=row["zone_id"] or None,
        reason=body.reason,
        decided_by=who.name,
        decided_at=row["decided_at"],
    )
    await runtime.outbox.publish(session, event, subject=str(row["provider_id"]))
    return row


@router.post("/{recommendation_id}/reject", response_model=RecommendationOut, responses=problem_responses(409))
async def reject(recommendation_id: uuid.UUID, body: DecisionIn, session: SessionDep, who: Writer) -> Any:
    """Reject a recommendation with a reason; nothing is published."""
    row = await _decide(session, recommendation_id, "rejected", who.name, body.reason)
    await record_audit(session, who, "recommendation.reject", f"recommendations/{recommendation_id}", body.reason)
    return row
