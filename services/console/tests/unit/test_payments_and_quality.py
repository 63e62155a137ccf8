"""What the payments and quality pages make of the APIs' figures."""

from __future__ import annotations

import uuid
from decimal import Decimal

from console.domain.payments import Release, release_for, totals_by_provider
from console.domain.quality import kpi_value, length_histogram, series, target_of

A, B = str(uuid.uuid4()), str(uuid.uuid4())
VISIT, PACKAGE = str(uuid.uuid4()), str(uuid.uuid4())


def test_totals_fold_bases_into_one_row_per_provider_by_funder_in_the_apis_order() -> None:
    rows = [
        {"provider_id": A, "funder": "council", "basis": "budget", "paid": "10.00", "held": "1.00"},
        {"provider_id": A, "funder": "council", "basis": "time_and_task", "paid": "5.50", "held": "0.00"},
        {"provider_id": A, "funder": "nhs", "basis": "time_and_task", "paid": "2.25", "held": "0.75"},
        {"provider_id": B, "funder": "council", "basis": "adjustment", "paid": "-3.00", "held": "0.00"},
    ]
    a, b = totals_by_provider(rows)
    assert (a.provider_id, b.provider_id) == (A, B)
    assert a.paid == {"council": Decimal("15.50"), "nhs": Decimal("2.25")}
    assert (a.total_paid, a.total_held) == (Decimal("17.75"), Decimal("1.75"))
    assert (b.total_paid, b.held["nhs"]) == (Decimal("-3.00"), Decimal("0.00"))


def line(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "ledger_key": f"visit:{VISIT}",
        "rule": "time_and_task:nearest_minute",
        "status": "payable",
        "visit_ids": [VISIT],
        "package_id": PACKAGE,
    }
    return base | overrides


def test_what_releases_a_line() -> None:
    assert release_for(line(status="held")) == Release("unverified_visit", VISIT, "Release the held visit")
    budget = line(status="held", rule="budget_exceptional_excess", ledger_key=f"budget-excess:{PACKAGE}:2026-11-02",
                  visit_ids=[VISIT, str(uuid.uuid4())])  # fmt: skip
    assert release_for(budget) == Release("exceptional_package", PACKAGE, "Approve the exceptional excess")
    assert (
        release_for(line(status="held", rule="enablement_over_budget", ledger_key="e:1")).kind == "exceptional_package"
    )  # type: ignore[union-attr]
    capped = line(rule="time_and_task:nearest_minute+capped_at_planned")
    assert release_for(capped) == Release("excess_visit", VISIT, "Approve the minutes over planned")
    assert release_for(line()) is None
    assert release_for(line(status="held", rule="retainer", ledger_key="retainer:1", visit_ids=[])) is None


def test_kpis_are_found_in_any_group_and_targets_beside_them() -> None:
    rows = [
        {"period": "2026-W46", "score": None, "kpis": {"visits": {"punctuality": None}}, "targets": []},
        {"period": "2026-W47", "score": "80.50",
         "kpis": {"visits": {"punctuality": "0.9000"}, "offers": {"handbacks": 2}},
         "targets": [{"kpi": "punctuality", "target": "0.90"}]},
    ]  # fmt: skip
    assert series(rows, "score") == [None, Decimal("80.50")]
    assert series(rows, "punctuality") == [None, Decimal("0.9000")]
    assert kpi_value(rows[1], "handbacks") == Decimal(2)
    assert kpi_value(rows[1], "nothing") is None
    assert target_of(rows[1], "punctuality") == Decimal("0.90")
    assert target_of(rows[1], "missed_share") is None


def test_the_length_histogram_in_band_order_with_empty_bands() -> None:
    kpis = {"visits": {"length_histogram": {"over_60": 1, "16_to_30": 7}}}
    assert length_histogram(kpis) == [
        ("15 min or less", 0), ("16 to 30 min", 7), ("31 to 45 min", 0), ("46 to 60 min", 0), ("Over 60 min", 1),
    ]  # fmt: skip
    assert [c for _, c in length_histogram({})] == [0, 0, 0, 0, 0]
