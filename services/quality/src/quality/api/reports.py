"""KPIs, period evaluation and stored scores."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic_core import to_jsonable_python
from shared.clock import utcnow
from shared.db.session import SessionDep
from shared.errors import NotFound
from shared.web.openapi import problem_responses
from shared.web.runtime import RuntimeDep

from quality.api.deps import KpiReader, Officer, PeriodLabel, Writer, only_own_provider, read_period
from quality.api.schemas import EvaluatedPeriodOut, EvaluationOut, KpiOut, ScoreOut
from quality.db import records_repository as records
from quality.db import results_repository as results
from quality.db.facts_repository import load_facts
from quality.domain.evaluation import evaluate
from quality.domain.scope import Scope
from quality.period_run import evaluate_period

router = APIRouter(prefix="/v1", tags=["reports"])
MAX_HISTORY = 104


@router.get("/kpis", response_model=KpiOut, responses=problem_responses(404))
async def get_kpis(
    period: PeriodLabel,
    session: SessionDep,
    who: KpiReader,
    provider_id: uuid.UUID | None = None,
    zone_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Any:
    """KPIs of a provider, a zone, a provider within a zone, or the council, computed from the facts now.

    A provider may read only its own.
    """
    config = await records.load_config(session)
    chosen = read_period(period, config.kpis.period_anchor)
    provider_id = only_own_provider(who, provider_id)
    facts = await load_facts(session, chosen.start, chosen.end, provider_id)
    evaluation = evaluate(facts, Scope(provider_id, zone_id), chosen, config)
    return {
        "period": chosen.label,
        "period_start": chosen.start,
        "period_end": chosen.end,
        "provider_id": provider_id,
        "zone_id": zone_id,
        "kpis": to_jsonable_python(evaluation.report.as_dict()),
        "targets": evaluation.targets,
        "score": evaluation.score.score,
        "band": evaluation.score.band,
        "components": evaluation.score.components,
    }


@router.post("/periods/{period}/evaluation", response_model=EvaluationOut)
async def evaluate_a_period(period: str, session: SessionDep, runtime: RuntimeDep, _: Writer) -> Any:
    """Score every provider for the period, publish the scores and run the recommendation rules.

    Safe to repeat after late events: scores are recomputed and republished, recommendations are
    not made twice.
    """
    config = await records.load_config(session)
    chosen = read_period(period, config.kpis.period_anchor)
    outcome = await evaluate_period(session, runtime.outbox, chosen, utcnow())
    return {
        "period": chosen.label,
        "scored": outcome.scored,
        "unscored": outcome.unscored,
        "new_recommendations": outcome.new_recommendations,
    }


@router.get("/scores", response_model=list[ScoreOut])
async def list_scores(period: PeriodLabel, session: SessionDep, _: Officer) -> Any:
    """Every provider's score for an evaluated period, each with the inputs it was made of."""
    config = await records.load_config(session)
    chosen = read_period(period, config.kpis.period_anchor)
    return await results.scores_of_period(session, chosen.label)


@router.get("/providers/{provider_id}/scores/{period}", response_model=ScoreOut)
async def get_score(provider_id: uuid.UUID, period: str, session: SessionDep, _: Officer) -> Any:
    """One provider's score for an evaluated period, taken apart into its inputs."""
    config = await records.load_config(session)
    chosen = read_period(period, config.kpis.period_anchor)
    row = await results.score_of(session, provider_id, chosen.label)
    if row is None:
        raise NotFound("This provider has no score for that period; evaluate the period first.")
    return row


@router.get("/providers/{provider_id}/scores", response_model=list[ScoreOut])
async def list_provider_scores(
    provider_id: uuid.UUID,
    session: SessionDep,
    _: Officer,
    limit: Annotated[int, Query(ge=1, le=MAX_HISTORY)] = 26,
) -> Any:
    """A provider's stored scores over its latest evaluated periods, oldest first: its KPIs over time."""
    return await results.scores_of_provider(session, provider_id, limit)


@router.get("/periods", response_model=list[EvaluatedPeriodOut])
async def list_evaluated_periods(
    session: SessionDep, _: KpiReader, limit: Annotated[int, Query(ge=1, le=MAX_HISTORY)] = 52
) -> Any:
    """The latest evaluated periods (those with a league table), newest first."""
    scored = await results.scored_periods(session)
    newest = sorted(scored, key=lambda p: (p[1], p[2]), reverse=True)[:limit]
    return [
        {"period": label, "period_start": start, "period_end": end, "scored_at": at}
        for label, start, end, at in newest
    ]
