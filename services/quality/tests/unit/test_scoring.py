"""Targets, the composite score, its bands and its breakdown."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from quality.domain.config import (
    Band,
    QualityConfig,
    ScoreComponent,
    Target,
    default_bands,
    default_components,
    default_targets,
)
from quality.domain.kpis import compute_report
from quality.domain.periods import parse_period
from quality.domain.scope import Scope
from quality.domain.scoring import band_of, composite_score, points
from quality.domain.targets import evaluate_targets

D = Decimal


def comp(kpi: str, weight: str, zero: str, full: str) -> ScoreComponent:
    return ScoreComponent(kpi=kpi, weight=D(weight), zero_at=D(zero), full_at=D(full))


@pytest.mark.parametrize(
    ("value", "zero", "full", "expected"),
    [
        ("0.90", "0.50", "1.00", "80.00"),
        ("0.40", "0.50", "1.00", "0.00"),  # clamped below
        ("1.00", "0.50", "1.00", "100.00"),
        ("0.05", "0.10", "0", "50.00"),  # lower is better
        ("0.20", "0.10", "0", "0.00"),
        ("0", "0.10", "0", "100.00"),
        ("1.5", "12", "3", "100.00"),  # fewer carers than the best: clamped above
        ("0.75", "0.70", "0.98", "17.86"),  # 0.05 / 0.28
    ],
)
def test_points(value, zero, full, expected) -> None:
    assert points(D(value), comp("x", "1", zero, full)) == D(expected)


def test_composite_score_and_its_breakdown() -> None:
    components = [
        comp("punctuality", "3", "0.50", "1.00"),
        comp("missed_share", "1", "0.10", "0"),
        comp("enablement_outcomes_met_share", "2", "0.50", "0.85"),
    ]
    values = {"punctuality": D("0.90"), "missed_share": D("0.05"), "enablement_outcomes_met_share": None}
    score = composite_score(values, components, default_bands())
    # 80 points x 3/4 + 50 points x 1/4; enablement has no data and its weight is set aside
    assert score.score == D("72.50")
    assert score.band == "good"
    assert [(c.kpi, c.points, c.contribution) for c in score.components] == [
        ("punctuality", D("80.00"), D("60.00")),
        ("missed_share", D("50.00"), D("12.50")),
        ("enablement_outcomes_met_share", None, D("0.00")),
    ]
    assert score.missing == ["enablement_outcomes_met_share"]


def test_a_perfect_provider_scores_exactly_100() -> None:
    # weights 20, 20, 10, 10, 5 of 65: each part alone rounds to 30.77, 30.77, 15.38, 15.38, 7.69 = 99.99
    values = {
        "punctuality": D(1),
        "missed_share": D(0),
        "duration_compliance": D(1),
        "verified_share": D(1),
        "continuity_median_carers": D(1),
    }
    score = composite_score(values, default_components(), default_bands())
    assert score.score == D("100.00")
    assert sorted(c.contribution for c in score.components if c.value is not None) == [
        D("7.69"),
        D("15.38"),
        D("15.39"),
        D("30.77"),
        D("30.77"),
    ]


def test_no_data_no_score() -> None:
    score = composite_score({}, default_components(), default_bands())
    assert score.score is None
    assert score.band is None


def test_default_score_of_provider_a(history) -> None:
    report = compute_report(
        history.facts(), Scope(provider_id=history.PA), parse_period("2026-W47"), QualityConfig().kpis
    )
    score = composite_score(report.numeric(), default_components(), default_bands())
    contributions = {c.kpi: c.contribution for c in score.components}
    # worked by hand: verified 17.86 x 10%, enablement 47.63 x 10%, continuity 100 x 5%,
    # offers 50 x 5%, assessment and CQC 66.67 x 5% each; punctuality, missed, duration, acceptance 0
    assert contributions == {
        "punctuality": D("0.00"),
        "missed_share": D("0.00"),
        "duration_compliance": D("0.00"),
        "verified_share": D("1.79"),
        "accepted_within_window_share": D("0.00"),
        "enablement_outcomes_met_share": D("4.76"),
        "continuity_median_carers": D("5.00"),
        "offer_acceptance_rate": D("2.50"),
        "assessment_mean": D("3.34"),
        "cqc_points": D("3.33"),
    }
    # 1.786 + 4.763 + 5 + 2.5 + 3.3335 + 3.3335 = 20.716; the two hundredths lost by rounding each
    # part down go to the parts that lost most: verified (0.006), then assessment (0.0035, first of a tie)
    assert score.score == D("20.72")
    assert score.band == "poor"


@pytest.mark.parametrize(
    ("score", "band"),
    [
        ("85", "excellent"),
        ("84.99", "good"),
        ("70", "good"),
        ("50", "requires_improvement"),
        ("49.99", "poor"),
        ("0", "poor"),
    ],
)
def test_default_bands(score, band) -> None:
    assert band_of(D(score), default_bands()) == band


def test_councils_own_bands() -> None:
    bands = [Band(name="green", min_score=D("60")), Band(name="red", min_score=D("0"))]
    assert band_of(D("60"), bands) == "green"
    assert band_of(D("59.99"), bands) == "red"


@given(
    st.lists(
        st.one_of(st.none(), st.decimals(min_value=0, max_value=20, places=4)),
        min_size=len(default_components()),
        max_size=len(default_components()),
    )
)
def test_a_score_is_always_the_sum_of_its_parts(raw) -> None:
    components = default_components()
    values = {c.kpi: v for c, v in zip(components, raw, strict=True)}
    score = composite_score(values, components, default_bands())
    if all(v is None for v in raw):
        assert score.score is None
        return
    assert score.score == sum(c.contribution for c in score.components)
    assert D(0) <= score.score <= D(100)
    assert score.band is not None


def test_default_targets_are_the_published_contracts() -> None:
    assert {(t.kpi, t.direction, t.value) for t in default_targets()} == {
        ("missed_share", "at_most", D("0.02")),
        ("punctuality", "at_least", D("0.90")),
        ("enablement_outcomes_met_share", "at_least", D("0.75")),
        ("accepted_within_window_share", "at_least", D("0.80")),
    }


@pytest.mark.parametrize(
    ("kpi", "value", "met"),
    [
        ("missed_share", "0.02", True),
        ("missed_share", "0.0201", False),
        ("punctuality", "0.90", True),
        ("punctuality", "0.8999", False),
        ("enablement_outcomes_met_share", None, None),
    ],
)
def test_targets_are_judged(kpi, value, met) -> None:
    results = evaluate_targets({kpi: None if value is None else D(value)}, default_targets())
    assert next(r for r in results if r.kpi == kpi).met is met


def test_config_refuses_unknown_kpis_duplicates_and_bands_without_a_floor() -> None:
    with pytest.raises(ValidationError, match="unknown KPI"):
        QualityConfig(targets=(Target(kpi="happiness", direction="at_least", value=D(1)),))
    with pytest.raises(ValidationError, match="once"):
        QualityConfig(components=(comp("punctuality", "1", "0", "1"), comp("punctuality", "2", "0", "1")))
    with pytest.raises(ValidationError, match="bands"):
        QualityConfig(bands=(Band(name="good", min_score=D(50)),))
    with pytest.raises(ValidationError, match="differ"):
        comp("punctuality", "1", "0.5", "0.5")
