"""Rules that recommend moving providers; an officer confirms or rejects each recommendation.

- Promotion: a supplementary provider in a zone whose score there beat every prime of the zone in
  each of the last N periods (the best prime, so promotion is earned against the whole prime tier).
- Demotion: a prime provider whose score in the zone was in a poor band in each of the last N periods.
- Enablement suspension: a provider still taking enablement work whose enablement outcome rate was
  under the threshold in each of the last N periods. A period with no reviewed enablement package is
  no evidence either way and breaks the run.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from quality.domain.config import RecommendationSettings
from quality.domain.periods import Period, last_periods

ZoneStatus = Literal["prime", "supplementary"]
RecommendationKind = Literal["promote_to_prime", "demote_to_supplementary", "suspend_enablement"]


@dataclass(frozen=True)
class ZoneScore:
    """A provider's composite score and band within one zone for one period."""

    provider_id: uuid.UUID
    zone: str
    period: Period
    score: Decimal | None
    band: str | None


@dataclass(frozen=True)
class Recommendation:
    """A decision the rules propose, with the figures that triggered it."""

    kind: RecommendationKind
    provider_id: uuid.UUID
    zone: str | None
    period: Period
    reason: str

    @property
    def key(self) -> tuple[str, uuid.UUID, str | None, str]:
        """Identity: the same rule firing again for the same period is the same recommendation."""
        return (self.kind, self.provider_id, self.zone, self.period.label)


def _fmt(periods: list[Period]) -> str:
    return ", ".join(p.label for p in periods)


def zone_recommendations(
    scores: Collection[ZoneScore],
    statuses: Mapping[tuple[uuid.UUID, str], ZoneStatus],
    current: Period,
    settings: RecommendationSettings,
) -> list[Recommendation]:
    """Promotions and demotions in every zone, judged over the N periods ending with ``current``."""
    window = last_periods(current, settings.consecutive_periods)
    by_key = {(s.provider_id, s.zone, s.period): s for s in scores}
    out: list[Recommendation] = []
    for (provider_id, zone), status in sorted(statuses.items(), key=lambda kv: (kv[0][1], str(kv[0][0]))):
        own = [by_key.get((provider_id, zone, p)) for p in window]
        if status == "prime":
            if all(s is not None and s.band in settings.poor_bands for s in own):
                out.append(
                    Recommendation(
                        "demote_to_supplementary",
                        provider_id,
                        zone,
                        current,
                        f"band {'/'.join(settings.poor_bands)} in zone {zone} for {_fmt(window)}",
                    )
                )
            continue
        primes = [p for (p, z), st in statuses.items() if z == zone and st == "prime"]
        if primes and all(_beats_primes(by_key, provider_id, zone, p, primes) for p in window):
            out.append(
                Recommendation(
                    "promote_to_prime",
                    provider_id,
                    zone,
                    current,
                    f"outscored every prime of zone {zone} in {_fmt(window)}",
                )
            )
    return out


def _beats_primes(
    by_key: Mapping[tuple[uuid.UUID, str, Period], ZoneScore],
    provider_id: uuid.UUID,
    zone: str,
    period: Period,
    primes: list[uuid.UUID],
) -> bool:
    own = by_key.get((provider_id, zone, period))
    if own is None or own.score is None:
        return False
    prime_scores = [s.score for p in primes if (s := by_key.get((p, zone, period))) is not None and s.score is not None]
    # A prime that delivered nothing scorable in the period has not been outscored on evidence.
    return len(prime_scores) == len(primes) and all(own.score > s for s in prime_scores)


def enablement_recommendations(
    rates: Mapping[tuple[uuid.UUID, Period], Decimal | None],
    providers: Collection[uuid.UUID],
    suspended: Collection[uuid.UUID],
    current: Period,
    settings: RecommendationSettings,
) -> list[Recommendation]:
    """Suspensions from enablement work for providers whose outcome rate stayed under the threshold."""
    window = last_periods(current, settings.consecutive_periods)
    out = []
    for provider_id in sorted(set(providers) - set(suspended), key=str):
        figures = [rates.get((provider_id, p)) for p in window]
        if all(f is not None and f < settings.enablement_threshold for f in figures):
            shown = ", ".join(f"{p.label}: {f}" for p, f in zip(window, figures, strict=True))
            out.append(
                Recommendation(
                    "suspend_enablement",
                    provider_id,
                    None,
                    current,
                    f"enablement outcomes met under {settings.enablement_threshold} ({shown})",
                )
            )
    return out
