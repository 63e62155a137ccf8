"""Choosing the winner among the providers who accepted: three rules and the tie-breaks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from brokerage.domain.rules import CouncilRules

# Quality scores are on a 0-100 scale; a provider not yet scored ranks below every scored one.
_UNSCORED = Decimal(-1)
_FULL_MARKS = Decimal(100)


class MissingBidError(ValueError):
    """The award rule needs an hourly-rate bid and an acceptance has none."""


@dataclass(frozen=True, slots=True)
class Acceptance:
    """One provider's acceptance of an offer, with what the rules compare."""

    provider_id: UUID
    answered_at: datetime
    quality_score: Decimal | None
    current_share: Decimal
    bid: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Ranked:
    """An acceptance with its rule score (higher wins)."""

    acceptance: Acceptance
    score: Decimal


def _bid(acceptance: Acceptance) -> Decimal:
    if acceptance.bid is None or acceptance.bid <= 0:
        raise MissingBidError(f"provider {acceptance.provider_id} accepted without a positive bid")
    return acceptance.bid


def _quality(acceptance: Acceptance) -> Decimal:
    return _UNSCORED if acceptance.quality_score is None else acceptance.quality_score


def rule_scores(acceptances: Sequence[Acceptance], rules: CouncilRules) -> list[Ranked]:
    """Each acceptance's score under the council's rule, higher being better.

    - ``lowest_ongoing_rate``: minus the bid, so the lowest bid scores highest.
    - ``fixed_price_quality``: the quality score.
    - ``price_quality_weighted``: price points (100 x lowest bid / this bid) times the price
      weight plus the quality score (unscored counts 0) times the quality weight.
    """
    if rules.award_rule == "lowest_ongoing_rate":
        return [Ranked(a, -_bid(a)) for a in acceptances]
    if rules.award_rule == "fixed_price_quality":
        return [Ranked(a, _quality(a)) for a in acceptances]
    if not acceptances:
        return []
    lowest = min(_bid(a) for a in acceptances)
    ranked = []
    for a in acceptances:
        price_points = _FULL_MARKS * lowest / _bid(a)
        quality_points = a.quality_score if a.quality_score is not None else Decimal(0)
        ranked.append(Ranked(a, rules.price_weight * price_points + rules.quality_weight * quality_points))
    return ranked


def _order_key(ranked: Ranked) -> tuple[Decimal, Decimal, Decimal, datetime, str]:
    a = ranked.acceptance
    # Best first: higher score, higher quality, lower share, earlier answer; the id only makes it total.
    return (-ranked.score, -_quality(a), a.current_share, a.answered_at, str(a.provider_id))


def rank(acceptances: Sequence[Acceptance], rules: CouncilRules) -> list[Ranked]:
    """All acceptances best first under the rule, ties broken by quality, then share, then time."""
    return sorted(rule_scores(acceptances, rules), key=_order_key)


def choose_winner(acceptances: Sequence[Acceptance], rules: CouncilRules) -> Acceptance | None:
    """The winning acceptance, or None when nobody accepted."""
    ranked = rank(acceptances, rules)
    return ranked[0].acceptance if ranked else None
