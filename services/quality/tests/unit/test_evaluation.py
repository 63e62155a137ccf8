"""A period's evaluation and recommendations from the example history."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

from quality.domain.config import QualityConfig
from quality.domain.evaluation import evaluate, recommend
from quality.domain.facts import split_by_provider, split_by_zone
from quality.domain.periods import parse_period
from quality.domain.scope import Scope
from quality.period_run import stale_periods

W46 = parse_period("2026-W46")
W47 = parse_period("2026-W47")


def test_evaluation_shows_each_kpi_against_its_target(history) -> None:
    evaluation = evaluate(history.facts(), Scope(history.PA), W47, QualityConfig())
    judged = {t.kpi: (t.value, t.met) for t in evaluation.targets}
    assert judged == {
        "missed_share": (Decimal("0.2500"), False),
        "punctuality": (Decimal("0.6667"), False),
        "enablement_outcomes_met_share": (Decimal("0.6667"), False),
        "accepted_within_window_share": (Decimal("0.5000"), False),
    }
    assert evaluation.score.score == Decimal("20.72")


def test_poor_prime_two_weeks_running_is_recommended_for_demotion(history) -> None:
    # W46 in the north: only visit 8, missed (0 points, weight 20); assessment and CQC 66.67 each
    # (weight 5): 11.11 + 11.11 = 22.22, poor. W47: 20.72, poor.
    assert evaluate(history.facts(), Scope(history.PA, "north"), W46, QualityConfig()).score.score == Decimal("22.22")
    found = recommend(history.facts(), {(history.PA, "north"): "prime"}, [history.PA], [], W47, QualityConfig())
    assert [(r.kind, r.provider_id, r.zone) for r in found] == [("demote_to_supplementary", history.PA, "north")]


def test_enablement_under_threshold_two_periods_is_recommended_for_suspension(history) -> None:
    # W46 gains one enablement review not met (0%); W47 then at 2 met of 3 is over 60%: nothing.
    older = dataclasses.replace(history.referrals[3], referral_id=history.vid(99), reviewed_on=date(2026, 11, 11))
    facts = dataclasses.replace(history.facts(), referrals=(*history.referrals, older))
    assert [r.kind for r in recommend(facts, {}, [history.PA], [], W47, QualityConfig())] == []
    # with a council threshold of 70%, 0% then 66.67% are both under it
    config = QualityConfig.model_validate({"recommendations": {"enablement_threshold": "0.70"}})
    found = recommend(facts, {}, [history.PA], [], W47, config)
    assert [(r.kind, r.provider_id) for r in found] == [("suspend_enablement", history.PA)]


def test_each_providers_own_facts_give_the_same_figures(history) -> None:
    own = split_by_provider(history.facts())
    assert set(own) == {history.PA, history.PB}
    assert len(own[history.PA].corrections) == 1  # visit 7's correction went to provider B
    assert len(own[history.PA].referrals) == 4  # the unplaced referral belongs to nobody
    for provider_id in own:
        for scope in (Scope(provider_id), Scope(provider_id, "north"), Scope(provider_id, "south")):
            whole = evaluate(history.facts(), scope, W47, QualityConfig())
            alone = evaluate(own[provider_id], scope, W47, QualityConfig())
            assert alone == whole


def test_each_zones_facts_give_the_same_figures(history) -> None:
    own = split_by_zone(history.facts())
    assert set(own) == {"north", "south", None}  # the safeguarding concern was recorded without a zone
    for zone in ("north", "south"):
        for scope in (Scope(zone=zone), Scope(history.PA, zone), Scope(history.PB, zone)):
            assert evaluate(own[zone], scope, W47, QualityConfig()) == evaluate(
                history.facts(), scope, W47, QualityConfig()
            )


def test_stale_periods_are_those_changed_after_scoring() -> None:
    scored_at = datetime(2026, 11, 23, 9, tzinfo=UTC)
    scored = [
        ("2026-W46", date(2026, 11, 9), date(2026, 11, 16), scored_at),
        ("2026-W47", date(2026, 11, 16), date(2026, 11, 23), scored_at),
        ("2026-W45+4w", date(2026, 11, 2), date(2026, 11, 30), scored_at),
    ]
    later, earlier = datetime(2026, 11, 23, 10, tzinfo=UTC), datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert stale_periods(scored, [(date(2026, 11, 22), later)]) == ["2026-W45+4w", "2026-W47"]
    assert stale_periods(scored, [(date(2026, 11, 22), earlier)]) == []
    assert stale_periods(scored, [(date(2026, 11, 9), later), (date(2026, 11, 30), later)]) == [
        "2026-W45+4w",
        "2026-W46",
    ]
