"""Evaluating a period publishes scores; confirming a recommendation publishes the decision."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shared.contracts import brokerage, monitoring
from shared.contracts.topics import QUALITY_PROVIDER
from shared.testing.stack import wait_for

ZONE = "north"


def provider_event(provider_id: uuid.UUID, name: str, status: str) -> brokerage.ProviderAdmitted:
    return brokerage.ProviderAdmitted(
        provider_id=provider_id,
        name_of_provider=name,
        cqc_location_id="1-000",
        cqc_rating="good",
        zones=[brokerage.ProviderZone(zone_id=ZONE, status=status)],
        enablement_allowed=True,
        ethical_care_charter=True,
        weekly_capacity_hours=Decimal(500),
    )


def visit(provider_id: uuid.UUID, package_id: uuid.UUID, day: int, *, missed: bool) -> tuple[Any, str]:
    planned = datetime(2026, 11, day, 9, tzinfo=UTC)
    visit_id = uuid.uuid4()
    common: dict[str, Any] = {
        "visit_id": visit_id,
        "package_id": package_id,
        "provider_id": provider_id,
        "revision": 1,
        "planned_start": planned,
        "planned_minutes": 30,
    }
    if missed:
        return monitoring.VisitMissed(**common), str(visit_id)
    event = monitoring.VisitCompleted(
        **common,
        actual_start=planned,
        actual_end=planned.replace(minute=30),
        carers=["c1"],
        method="nfc",
        verified=True,
    )
    return event, str(visit_id)


def award(provider_id: uuid.UUID, package_id: uuid.UUID) -> tuple[Any, str]:
    # Only what quality reads matters here; the rest is a valid award.
    from shared.contracts.common import Funding

    data = brokerage.PackageAwarded(
        package_id=package_id,
        referral_id=package_id,
        provider_id=provider_id,
        zone_id=ZONE,
        pricing_level="urban",
        service_type="ongoing_support",
        payment_basis="time_and_task",
        hourly_rate=Decimal("20.00"),
        rates=[],
        funding=Funding(council=Decimal(1), nhs=Decimal(0)),
        visit_pattern=[],
        weekly_hours=Decimal(1),
        outcomes=[],
        start_date=datetime(2026, 11, 1).date(),
        urgency="standard",
        submitted_at=datetime(2026, 10, 30, tzinfo=UTC),
        awarded_at=datetime(2026, 10, 30, 2, tzinfo=UTC),
    )
    return data, str(package_id)


async def test_poor_prime_is_demoted_on_confirmation(stack, events_on_broker) -> None:
    prime, supplementary = uuid.uuid4(), uuid.uuid4()
    prime_pkg, supp_pkg = uuid.uuid4(), uuid.uuid4()
    events = [
        (provider_event(prime, "Prime Care", "prime"), str(prime)),
        (provider_event(supplementary, "Second Care", "supplementary"), str(supplementary)),
        award(prime, prime_pkg),
        award(supplementary, supp_pkg),
        # Weeks 46 and 47: every prime visit missed, every supplementary visit on time.
        *(visit(prime, prime_pkg, day, missed=True) for day in (10, 17)),
        *(visit(supplementary, supp_pkg, day, missed=False) for day in (10, 17)),
    ]
    await stack.publish(events)
    officer = await stack.headers("quality_officer")
    client = stack.running.client

    async def consumed() -> bool:
        response = await client.get("/v1/kpis", params={"period": "2026-W45+4w"}, headers=officer)
        return response.json()["kpis"]["visits"]["planned"] == 4

    await wait_for(consumed, timeout=60, message="visits consumed")

    response = await client.post("/v1/periods/2026-W47/evaluation", headers=officer)
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert (outcome["scored"], outcome["unscored"]) == (2, 0)
    # The service also scores closed weeks unasked, so the recommendations may already stand: read them.
    listed = await client.get("/v1/recommendations", params={"status": "open"}, headers=officer)
    recommendations = [r for r in listed.json()["items"] if r["period"] == "2026-W47"]
    kinds = sorted((r["kind"], r["provider_id"]) for r in recommendations)
    assert kinds == sorted([("demote_to_supplementary", str(prime)), ("promote_to_prime", str(supplementary))])

    # Scores are stored with their inputs and published for brokerage.
    score = (await client.get(f"/v1/providers/{prime}/scores/2026-W47", headers=officer)).json()
    assert score["score"] == "0.00"
    assert score["band"] == "poor"
    assert sum(Decimal(c["contribution"]) for c in score["components"]) == Decimal(score["score"])
    scored = await wait_for(
        lambda: events_on_broker(QUALITY_PROVIDER, "quality.provider.scored"),
        timeout=30,
        message="scored events",
    )
    by_provider = {e["data"]["provider_id"]: e["data"] for e in scored}
    assert by_provider[str(supplementary)]["score"] == "100.00"
    assert by_provider[str(prime)]["band"] == "poor"

    # Re-running the period makes no new recommendations.
    again = await client.post("/v1/periods/2026-W47/evaluation", headers=officer)
    assert again.json()["new_recommendations"] == []

    demotion = next(r for r in recommendations if r["kind"] == "demote_to_supplementary")
    promotion = next(r for r in recommendations if r["kind"] == "promote_to_prime")
    confirmed = await client.post(
        f"/v1/recommendations/{demotion['recommendation_id']}/confirm",
        json={"reason": "Two poor weeks; agreed at the contract meeting."},
        headers=officer,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    rejected = await client.post(
        f"/v1/recommendations/{promotion['recommendation_id']}/reject",
        json={"reason": "Too little work to judge yet."},
        headers=officer,
    )
    assert rejected.json()["status"] == "rejected"
    twice = await client.post(
        f"/v1/recommendations/{demotion['recommendation_id']}/reject",
        json={"reason": "changed mind"},
        headers=officer,
    )
    assert twice.status_code == 409
    assert twice.headers["content-type"].startswith("application/problem+json")
    unknown = await client.post(f"/v1/recommendations/{uuid.uuid4()}/confirm", json={"reason": "xyz"}, headers=officer)
    assert unknown.status_code == 404

    changed = await wait_for(
        lambda: events_on_broker(QUALITY_PROVIDER, "quality.provider.status_changed"),
        timeout=30,
        message="status_changed event",
    )
    assert len(changed) == 1  # the rejection published nothing
    data = changed[0]["data"]
    assert (data["provider_id"], data["decision"], data["zone_id"]) == (
        str(prime),
        "demote_to_supplementary",
        ZONE,
    )
    assert changed[0]["subject"] == str(prime)

    listed = await client.get("/v1/recommendations", params={"status": "open"}, headers=officer)
    assert listed.json() == {"items": [], "next_cursor": None}

    # The league table of the period, named then anonymised, in JSON and CSV.
    table = (await client.get("/v1/benchmarks", params={"period": "2026-W47"}, headers=officer)).json()
    assert [(r["rank"], r["provider"]) for r in table["rows"]] == [(1, "Second Care"), (2, "Prime Care")]
    config = (await client.get("/v1/config", headers=officer)).json()
    put = await client.put("/v1/config", json={**config, "benchmark_named": False}, headers=officer)
    assert put.status_code == 200, put.text
    csv_response = await client.get("/v1/benchmarks", params={"period": "2026-W47", "format": "csv"}, headers=officer)
    assert csv_response.headers["content-type"].startswith("text/csv")
    lines = csv_response.text.split("\r\n")
    assert lines[1].startswith("2026-W47,1,Provider A,100.00,excellent,1.0000,0.00,")
    assert lines[2].startswith("2026-W47,2,Provider B,0.00,poor,,1000.00,")
    assert "Prime Care" not in csv_response.text


async def test_closed_periods_are_scored_and_published_unasked(auto_stack, events_on_broker) -> None:
    from quality.domain.periods import closed_periods
    from shared.clock import london_date, utcnow

    week, four_weeks = closed_periods(london_date(utcnow()))
    provider_id = uuid.uuid4()
    officer = await auto_stack.headers("quality_officer")
    client = auto_stack.running.client
    # A rating makes the provider scorable in any period after it.
    await client.put(
        f"/v1/providers/{provider_id}/cqc-rating", json={"rating": "good", "rated_on": "2020-01-01"}, headers=officer
    )
    await client.post(
        f"/v1/providers/{provider_id}/incidents",
        json={"kind": "compliment", "occurred_on": week.start.isoformat(), "summary": "Kind carers."},
        headers=officer,
    )

    async def scored() -> list[dict[str, Any]]:
        events = await events_on_broker(QUALITY_PROVIDER, "quality.provider.scored")
        return [e for e in events if e["data"]["provider_id"] == str(provider_id)]

    found = await wait_for(scored, timeout=30, message="scores published unasked")
    assert {e["data"]["period_start"] for e in found} <= {week.start.isoformat(), four_weeks.start.isoformat()}
    stored = await client.get("/v1/scores", params={"period": week.label}, headers=officer)
    assert [(s["provider_id"], s["score"]) for s in stored.json()] == [(str(provider_id), "66.67")]

    # A record entered late for that week: the period is re-scored and re-published by itself.
    # Assessment 4 of 4 earns 100 points and CQC good 66.67, equally weighted: 83.335, so 83.34.
    await client.post(
        f"/v1/providers/{provider_id}/assessments",
        json={"assessed_on": week.start.isoformat(), "domains": {"safe": {"rating": 4}}},
        headers=officer,
    )

    async def rescored() -> list[dict[str, Any]]:
        return [e for e in await scored() if e["data"]["score"] == "83.34"]

    await wait_for(rescored, timeout=30, message="period re-scored after a late record")
    stored = await client.get("/v1/scores", params={"period": week.label}, headers=officer)
    assert [s["score"] for s in stored.json()] == ["83.34"]

    # A late missed visit of that week from monitoring, through the broker: re-scored again.
    # Missed share 100% earns 0 of weight 20, beside 100 and 66.67 at weight 5: 27.7783, so 27.78.
    missed_at = datetime.combine(week.start, datetime.min.time(), tzinfo=UTC).replace(hour=10)
    visit_id = uuid.uuid4()
    await auto_stack.publish(
        [
            (
                monitoring.VisitMissed(
                    visit_id=visit_id,
                    package_id=uuid.uuid4(),
                    provider_id=provider_id,
                    revision=1,
                    planned_start=missed_at,
                    planned_minutes=30,
                ),
                str(visit_id),
            )
        ]
    )

    async def rescored_again() -> list[dict[str, Any]]:
        return [e for e in await scored() if e["data"]["score"] == "27.78"]

    await wait_for(rescored_again, timeout=30, message="period re-scored after a late visit")
