"""Evaluating a period: score every provider, store and publish the scores, make recommendations.

Runs in the caller's transaction, so the scores, the recommendations and their outbox events are
committed together or not at all. Re-running a period (after late events) recomputes from the
facts, replaces its scores and publishes them again; recommendations already made are not repeated.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic_core import to_jsonable_python
from shared.clock import london_date, utcnow
from shared.contracts.quality import ProviderScored
from shared.logging import get_logger
from shared.messaging.outbox import Outbox
from shared.web.runtime import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncSession

from quality.db.changes_repository import changed_days
from quality.db.facts_repository import load_facts
from quality.db.records_repository import enablement_standing, load_config, provider_names, zone_statuses
from quality.db.results_repository import (
    add_recommendations,
    lock_evaluations,
    period_evaluated,
    save_scores,
    scored_periods,
)
from quality.domain.evaluation import Evaluation, evaluate, recommend
from quality.domain.facts import Facts, split_by_provider
from quality.domain.periods import Period, closed_periods, last_periods, parse_period
from quality.domain.recommendations import ZoneStatus
from quality.domain.scope import Scope

log = get_logger(__name__)


@dataclass(frozen=True)
class PeriodOutcome:
    """What an evaluation run did."""

    scored: int
    unscored: int
    new_recommendations: list[dict[str, Any]]


def providers_in(facts: Facts) -> set[uuid.UUID]:
    """Every provider the facts mention."""
    found = {v.provider_id for v in facts.visits} | {o.provider_id for o in facts.offers}
    found |= {r.provider_id for r in facts.referrals if r.provider_id is not None}
    return found | {i.provider_id for i in facts.incidents}


def score_row(provider_id: uuid.UUID, period: Period, evaluation: Evaluation, now: datetime) -> dict[str, Any]:
    """A score as stored: the figure, its band, and every input it was made from."""
    return {
        "provider_id": provider_id,
        "period": period.label,
        "period_start": period.start,
        "period_end": period.end,
        "score": evaluation.score.score,
        "band": evaluation.score.band,
        "components": to_jsonable_python(evaluation.score.components),
        "kpis": to_jsonable_python(evaluation.report.as_dict()),
        "targets": to_jsonable_python(evaluation.targets),
        "computed_at": now,
    }


async def evaluate_period(session: AsyncSession, outbox: Outbox, period: Period, now: datetime) -> PeriodOutcome:
    """Score every provider for ``period``, publish the scores and record new recommendations."""
    config = await load_config(session)
    window = last_periods(period, config.recommendations.consecutive_periods)
    facts = await load_facts(session, window[0].start, period.end)
    known = await provider_names(session)
    providers = sorted(set(known) | providers_in(facts), key=str)

    own = split_by_provider(facts)
    evaluations = {p: evaluate(own.get(p, Facts()), Scope(provider_id=p), period, config) for p in providers}
    await save_scores(session, [score_row(p, period, e, now) for p, e in evaluations.items()])
    scored = [
        (
            ProviderScored(
                provider_id=p,
                period_start=period.start,
                period_end=period.end,
                score=e.score.score,
                band=e.score.band,
                kpis=e.report.numeric(),
            ),
            str(p),
        )
        for p, e in evaluations.items()
        if e.score.score is not None and e.score.band is not None
    ]
    await outbox.publish_many(session, scored)

    statuses: dict[tuple[uuid.UUID, str], ZoneStatus] = {
        key: "prime" if status == "prime" else "supplementary" for key, status in (await zone_statuses(session)).items()
    }
    allowed, suspended = await enablement_standing(session)
    found = recommend(facts, statuses, (allowed | set(providers)) - suspended, suspended, period, config)
    new = await add_recommendations(
        session,
        [
            {
                "recommendation_id": uuid.uuid4(),
                "kind": r.kind,
                "provider_id": r.provider_id,
                "zone_id": r.zone or "",
                "period": r.period.label,
                "reason": r.reason,
            }
            for r in found
        ],
    )
    return PeriodOutcome(scored=len(scored), unscored=len(evaluations) - len(scored), new_recommendations=new)


def stale_periods(scored: list[tuple[str, date, date, datetime]], changes: list[tuple[date, datetime]]) -> list[str]:
    """Scored periods with a fact of one of their days changed after they were scored."""
    return sorted(
        label
        for label, start, end, computed_at in scored
        if any(start <= day < end and changed_at > computed_at for day, changed_at in changes)
    )


async def evaluate_closed_periods(session: AsyncSession, outbox: Outbox, now: datetime) -> list[str]:
    """Score the last closed week and four-week period if nobody has yet, and re-score any scored
    period whose facts changed since (a late or corrected event); the labels of the periods done.
    """
    if not await lock_evaluations(session):
        return []
    config = await load_config(session)
    anchor = config.kpis.period_anchor
    todo = [p.label for p in closed_periods(london_date(now), anchor) if not await period_evaluated(session, p.label)]
    scored = await scored_periods(session)
    if scored:
        todo += stale_periods(scored, await changed_days(session, min(s[3] for s in scored)))
    done = sorted(set(todo))
    for label in done:
        await evaluate_period(session, outbox, parse_period(label, anchor), now)
    return done


async def evaluate_closed_periods_forever(runtime: ServiceRuntime) -> None:
    """Background task: every ``evaluation_interval_seconds``, score periods that have just closed."""
    interval = float(getattr(runtime.settings, "evaluation_interval_seconds", 3600.0))
    while True:
        try:
            # The background loop is a boundary, like a request: it commits its own unit of work.
            async with runtime.sessionmaker() as session, session.begin():
                done = await evaluate_closed_periods(session, runtime.outbox, utcnow())
            if done:
                log.info("periods_evaluated", periods=done)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("period_evaluation_failed", error=repr(exc))
        await asyncio.sleep(interval)
