"""One period's evaluation: every provider's KPIs, targets and score, and the rules' recommendations."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

from quality.domain.config import QualityConfig
from quality.domain.facts import Facts, split_by_provider, split_by_zone
from quality.domain.kpis import KpiReport, compute_report
from quality.domain.periods import Period, last_periods
from quality.domain.recommendations import (
    Recommendation,
    ZoneScore,
    ZoneStatus,
    enablement_recommendations,
    zone_recommendations,
)
from quality.domain.scope import Scope
from quality.domain.scoring import Score, composite_score
from quality.domain.targets import TargetResult, evaluate_targets


@dataclass(frozen=True)
class Evaluation:
    """A scope's KPIs for a period, judged against targets and scored."""

    report: KpiReport
    targets: list[TargetResult]
    score: Score


def evaluate(facts: Facts, scope: Scope, period: Period, config: QualityConfig) -> Evaluation:
    """KPIs, targets and composite score of one scope and period."""
    report = compute_report(facts, scope, period, config.kpis)
    values = report.numeric()
    return Evaluation(
        report=report,
        targets=evaluate_targets(values, config.targets),
        score=composite_score(values, config.components, config.bands),
    )


def recommend(
    facts: Facts,
    statuses: Mapping[tuple[uuid.UUID, str], ZoneStatus],
    enablement_providers: Collection[uuid.UUID],
    suspended: Collection[uuid.UUID],
    current: Period,
    config: QualityConfig,
) -> list[Recommendation]:
    """Run every rule over the N periods ending with ``current``.

    ``statuses`` is each provider's standing in each zone it serves; ``enablement_providers`` those
    that took enablement work; ``suspended`` those already barred from it.
    """
    window = last_periods(current, config.recommendations.consecutive_periods)
    own = split_by_provider(facts)
    # Each provider's facts by zone, worked out once, so each zone's score reads only its own facts.
    zoned = {p: split_by_zone(f) for p, f in own.items() if any(p == sp for sp, _ in statuses)}
    zone_scores = []
    for provider_id, zone in statuses:
        in_zone = zoned.get(provider_id, {}).get(zone, Facts())
        for period in window:
            score = evaluate(in_zone, Scope(provider_id, zone), period, config).score
            zone_scores.append(ZoneScore(provider_id, zone, period, score.score, score.band))
    rates: dict[tuple[uuid.UUID, Period], Decimal | None] = {}
    for provider_id in enablement_providers:
        for period in window:
            report = compute_report(own.get(provider_id, Facts()), Scope(provider_id), period, config.kpis)
            rates[(provider_id, period)] = report.referrals.enablement_outcomes_met_share
    return [
        *zone_recommendations(zone_scores, statuses, current, config.recommendations),
        *enablement_recommendations(rates, enablement_providers, suspended, current, config.recommendations),
    ]
