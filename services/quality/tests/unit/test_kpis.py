"""Each KPI against figures worked by hand from the example week (see conftest.py)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from quality.domain.config import KpiSettings
from quality.domain.facts import Facts, latest_visits
from quality.domain.kpi_names import NUMERIC_KPIS
from quality.domain.kpis import compute_report
from quality.domain.periods import parse_period
from quality.domain.scope import OVERALL, Scope

W46 = parse_period("2026-W46")
W47 = parse_period("2026-W47")
SETTINGS = KpiSettings()
D = Decimal


def provider_a(history) -> Scope:
    return Scope(provider_id=history.PA)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("planned", 4),  # visits 1-3 completed and 4 missed; 5 cancelled, 6 unplanned
        ("completed", 4),  # 1, 2, 3, 6
        ("missed", 1),
        ("cancelled", 1),
        ("unplanned", 1),
        ("on_time", 2),  # 1 (+10 min) and 3 (-20 min); 2 is 45 min late
        ("punctuality", D("0.6667")),  # 2 / 3
        ("missed_share", D("0.2500")),  # 1 / 4
        ("missed_per_1000", D("250.00")),
        ("planned_minutes", 120),  # 30 + 60 + 30
        ("delivered_minutes", 85),  # 30 + 45 + 10
        ("duration_compliance", D("0.7083")),  # 85 / 120
        ("short", 1),  # visit 3 (10 < 22.5); visit 2 is exactly 75%
        ("short_share", D("0.3333")),
        ("under_15", 1),  # visit 3
        ("under_15_share", D("0.2500")),  # of 4 delivered
        ("planned_under_15", 0),  # the 15-minute visit was cancelled
        ("length_histogram", {"up_to_15": 0, "16_to_30": 2, "31_to_45": 1, "46_to_60": 1, "over_60": 0}),
        ("verified", 3),
        ("verified_share", D("0.7500")),
        ("continuity_median_carers", D("1.50")),  # package 1 saw c1, c2; package 2 saw c3
        ("unverified_per_1000", D("250.00")),
        ("unverified_per_1000_by_reason", {"outside_geofence": D("250.00")}),
        ("corrections_per_1000", D("250.00")),  # visit 2's; visit 7 is provider B's
        ("corrections_per_1000_by_reason", {"device_failure": D("250.00")}),
    ],
)
def test_visit_kpis_of_provider_a_in_w47(history, field, expected) -> None:
    report = compute_report(history.facts(), provider_a(history), W47, SETTINGS)
    assert getattr(report.visits, field) == expected


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("offers", 4),
        ("accepted", 2),
        ("declined", 1),
        ("unanswered", 1),
        ("offer_acceptance_rate", D("0.5000")),
        ("median_answer_minutes", D("30.00")),  # of 30, 120 and 10
        ("handbacks", 1),
    ],
)
def test_offer_kpis_of_provider_a_in_w47(history, field, expected) -> None:
    report = compute_report(history.facts(), provider_a(history), W47, SETTINGS)
    assert getattr(report.offers, field) == expected


@pytest.mark.parametrize(
    ("scope", "field", "expected"),
    [
        ("provider", "awarded", 2),
        ("provider", "accepted_within_window", 1),  # 3 h yes, 6 h no
        ("provider", "accepted_within_window_share", D("0.5000")),
        ("zone", "accepted_within_window_share", D("0.3333")),  # the unplaced referral counts for the zone
        ("provider", "due_to_start", 2),
        ("provider", "started_on_planned_date_share", D("0.5000")),
        ("provider", "enablement_reviewed", 3),
        ("provider", "enablement_all_met", 2),
        ("provider", "enablement_outcomes_met_share", D("0.6667")),
    ],
)
def test_referral_kpis_in_w47(history, scope, field, expected) -> None:
    chosen = provider_a(history) if scope == "provider" else Scope(zone="north")
    report = compute_report(history.facts(), chosen, W47, SETTINGS)
    assert getattr(report.referrals, field) == expected


def test_acceptance_window_is_the_councils(history) -> None:
    report = compute_report(history.facts(), provider_a(history), W47, KpiSettings(acceptance_window_hours=6))
    assert report.referrals.accepted_within_window_share == D("1.0000")


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("complaints", 1),
        ("compliments", 0),  # recorded in W46
        ("safeguarding", 1),
        ("assessment_mean", D("3.00")),  # (3 + 2 + 4 + 3 + 3) / 5; the November 30 one is later
        ("assessment_ratings", {"safe": 3, "effective": 2, "caring": 4, "responsive": 3, "well_led": 3}),
        ("assessed_on", date(2026, 10, 1)),
        ("cqc_rating", "good"),
        ("cqc_points", D("3.00")),
    ],
)
def test_officer_kpis_of_provider_a(history, field, expected) -> None:
    report = compute_report(history.facts(), provider_a(history), W47, SETTINGS)
    assert getattr(report.officer, field) == expected


def test_overall_officer_kpis_average_each_providers_latest(history) -> None:
    report = compute_report(history.facts(), OVERALL, W47, SETTINGS)
    assert report.officer.complaints == 2
    assert report.officer.assessment_mean == D("3.50")  # A 3.00, B 4.00
    assert report.officer.cqc_points == D("3.50")  # good 3, outstanding 4
    assert report.officer.cqc_rating is None  # a rating belongs to one provider


def test_zone_scope_keeps_other_zones_out(history) -> None:
    south = compute_report(history.facts(), Scope(zone="south"), W47, SETTINGS)
    assert south.visits.completed == 1
    assert south.visits.corrections_per_1000 == D("1000.00")
    assert south.offers.offers == 1
    assert south.officer.complaints == 1
    assert south.officer.assessment_mean == D("4.00")  # only provider B works in the south


def test_overall_counts_every_provider(history) -> None:
    report = compute_report(history.facts(), OVERALL, W47, SETTINGS)
    assert report.visits.planned == 5  # A's 4 and B's 1
    assert report.visits.missed_per_1000 == D("200.00")


def test_four_week_period_gathers_its_weeks(history) -> None:
    period = parse_period("2026-W45+4w")
    report = compute_report(history.facts(), provider_a(history), period, SETTINGS)
    assert report.visits.missed == 2  # W46 and W47
    assert report.visits.planned == 5
    assert report.officer.compliments == 1


def test_a_week_with_nothing_measures_nothing(history) -> None:
    report = compute_report(history.facts(), provider_a(history), parse_period("2026-W40"), SETTINGS)
    assert report.visits.punctuality is None
    assert report.visits.missed_per_1000 is None
    assert report.offers.offer_acceptance_rate is None
    assert report.referrals.enablement_outcomes_met_share is None


def test_numeric_names_every_single_figure_kpi(history) -> None:
    values = compute_report(history.facts(), provider_a(history), W47, SETTINGS).numeric()
    assert values["punctuality"] == D("0.6667")
    assert values["handbacks"] == D(1)
    assert values["cqc_points"] == D("3.00")
    assert set(values) == set(NUMERIC_KPIS)
    assert None not in values.values()


def test_late_correction_recomputes_the_past_week_without_double_counting(history) -> None:
    before = compute_report(history.facts(), provider_a(history), W47, SETTINGS)
    original = next(v for v in history.visits if v.visit_id == history.vid(2))
    corrected = dataclasses.replace(
        original,
        revision=2,  # arrives the week after
        actual_start=history.at(16, 10, 20),
        actual_end=history.at(16, 11, 20),
    )
    facts = Facts(
        visits=latest_visits([*history.visits, corrected, original]),  # stale redelivery last
        corrections=history.corrections,
    )
    after = compute_report(facts, provider_a(history), W47, SETTINGS)
    assert before.visits.punctuality == D("0.6667")
    assert after.visits.punctuality == D("1.0000")  # 3 / 3
    assert after.visits.duration_compliance == D("0.8333")  # (30 + 60 + 10) / 120
    assert after.visits.completed == 4
    assert after.visits.planned == 4


def test_late_missed_visit_lands_in_its_own_week(history) -> None:
    late = history.visit(9, "missed", planned_start=history.at(13, 9), planned_minutes=30, revision=1)
    facts = Facts(visits=latest_visits([*history.visits, late, late]))
    w46 = compute_report(facts, provider_a(history), W46, SETTINGS)
    w47 = compute_report(facts, provider_a(history), W47, SETTINGS)
    assert w46.visits.missed == 2  # visit 8 and the late visit 9, once
    assert w47.visits.missed == 1


@pytest.mark.parametrize(
    ("carers", "expected"),
    [
        (("a", "b"), D("1.0000")),  # both carers for the hour: 120 of 120 carer minutes
        (("a",), D("0.5000")),  # one of two came: 60 of 120
        ((), D("0.5000")),  # a completed visit with no carer ids still had someone there
    ],
)
def test_double_handed_visits_count_carer_minutes(history, carers, expected) -> None:
    visit = history.visit(
        1,
        planned_start=history.at(16, 9),
        planned_minutes=60,
        carers_required=2,
        actual_start=history.at(16, 9),
        actual_end=history.at(16, 10),
        carer_ids=carers,
    )
    report = compute_report(Facts(visits=(visit,)), provider_a(history), W47, SETTINGS)
    assert report.visits.planned_minutes == 120
    assert report.visits.duration_compliance == expected
