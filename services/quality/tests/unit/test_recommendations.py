"""Promotion, demotion and enablement suspension rules, with the default N = 2 and 60%."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from quality.domain.config import RecommendationSettings
from quality.domain.periods import parse_period
from quality.domain.recommendations import ZoneScore, enablement_recommendations, zone_recommendations

D = Decimal
PRIME = uuid.UUID(int=1)
SUPP = uuid.UUID(int=2)
PRIME2 = uuid.UUID(int=3)
W45, W46, W47 = (parse_period(f"2026-W{n}") for n in (45, 46, 47))
DEFAULTS = RecommendationSettings()


def zs(provider: uuid.UUID, period, score: str | None, band: str | None = "good") -> ZoneScore:
    return ZoneScore(provider, "north", period, None if score is None else D(score), band)


STATUSES = {(PRIME, "north"): "prime", (SUPP, "north"): "supplementary"}


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # outscored the prime both weeks
        (
            [zs(PRIME, W46, "70"), zs(SUPP, W46, "71"), zs(PRIME, W47, "72"), zs(SUPP, W47, "80")],
            [("promote_to_prime", SUPP)],
        ),
        # only the latest week
        ([zs(PRIME, W46, "70"), zs(SUPP, W46, "69"), zs(PRIME, W47, "72"), zs(SUPP, W47, "80")], []),
        # a tie is not outscoring
        ([zs(PRIME, W46, "70"), zs(SUPP, W46, "70"), zs(PRIME, W47, "72"), zs(SUPP, W47, "80")], []),
        # the supplementary has no score in one week
        ([zs(PRIME, W46, "70"), zs(PRIME, W47, "72"), zs(SUPP, W47, "80")], []),
        # the prime poor two weeks running: demoted (and outscored, so the supplementary is promoted)
        (
            [
                zs(PRIME, W46, "30", "poor"),
                zs(SUPP, W46, "60"),
                zs(PRIME, W47, "40", "poor"),
                zs(SUPP, W47, "60"),
            ],
            [("demote_to_supplementary", PRIME), ("promote_to_prime", SUPP)],
        ),
        # poor once is not enough
        ([zs(PRIME, W46, "30", "poor"), zs(PRIME, W47, "55", "requires_improvement")], []),
        # no data for the prime in the earlier week: no demotion on no evidence
        ([zs(PRIME, W47, "30", "poor")], []),
    ],
)
def test_zone_rules(scores, expected) -> None:
    found = zone_recommendations(scores, STATUSES, W47, DEFAULTS)
    assert [(r.kind, r.provider_id) for r in found] == expected
    assert all(r.zone == "north" and r.period == W47 for r in found)


def test_promotion_must_beat_every_prime() -> None:
    statuses = {**STATUSES, (PRIME2, "north"): "prime"}
    scores = [
        zs(PRIME, W46, "60"),
        zs(PRIME2, W46, "75"),
        zs(SUPP, W46, "70"),
        zs(PRIME, W47, "60"),
        zs(PRIME2, W47, "75"),
        zs(SUPP, W47, "80"),
    ]
    assert zone_recommendations(scores, statuses, W47, DEFAULTS) == []


def test_a_council_can_ask_for_three_periods() -> None:
    settings = RecommendationSettings(consecutive_periods=3)
    scores = [zs(PRIME, p, "70") for p in (W45, W46, W47)] + [zs(SUPP, W46, "80"), zs(SUPP, W47, "80")]
    assert zone_recommendations(scores, STATUSES, W47, settings) == []
    found = zone_recommendations([*scores, zs(SUPP, W45, "71")], STATUSES, W47, settings)
    assert [r.kind for r in found] == ["promote_to_prime"]
    assert "2026-W45, 2026-W46, 2026-W47" in found[0].reason


@pytest.mark.parametrize(
    ("w46", "w47", "suspended", "fires"),
    [
        ("0.50", "0.55", False, True),
        ("0.60", "0.10", False, False),  # 60% is not under 60%
        (None, "0.10", False, False),  # no reviews in W46: no evidence
        ("0.50", "0.55", True, False),  # already suspended
    ],
)
def test_enablement_suspension(w46, w47, suspended, fires) -> None:
    rates = {(PRIME, W46): None if w46 is None else D(w46), (PRIME, W47): D(w47)}
    found = enablement_recommendations(rates, [PRIME], [PRIME] if suspended else [], W47, DEFAULTS)
    assert [(r.kind, r.provider_id, r.zone) for r in found] == ([("suspend_enablement", PRIME, None)] if fires else [])


def test_threshold_is_the_councils() -> None:
    rates = {(PRIME, W46): D("0.70"), (PRIME, W47): D("0.70")}
    settings = RecommendationSettings(enablement_threshold=D("0.75"))
    assert len(enablement_recommendations(rates, [PRIME], [], W47, settings)) == 1
    assert enablement_recommendations(rates, [PRIME], [], W47, DEFAULTS) == []


def test_recommendation_key_is_stable() -> None:
    rates = {(PRIME, W46): D("0.1"), (PRIME, W47): D("0.1")}
    first = enablement_recommendations(rates, [PRIME], [], W47, DEFAULTS)[0]
    again = enablement_recommendations(rates, [PRIME], [], W47, DEFAULTS)[0]
    assert first.key == again.key == ("suspend_enablement", PRIME, None, "2026-W47")
