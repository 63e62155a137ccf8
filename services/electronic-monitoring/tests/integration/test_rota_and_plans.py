"""Rotas through the API, and plans built from brokerage events consumed off the broker."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from monitoring.domain.plan import WEEKDAYS, PatternEntry
from shared.clock import london_date, london_wall_clock_to_utc, to_london
from shared.contracts.brokerage import SOURCE, PackageAwarded
from shared.contracts.common import Funding, GeoPoint, VisitPatternEntry
from shared.messaging.envelope import build_envelope, envelope_to_dict
from shared.messaging.kafka import make_producer
from shared.messaging.outbox import payload_bytes
from shared.settings import to_asyncpg_dsn
from shared.testing.apps import api_headers
from shared.testing.stack import wait_for

from .conftest import Stack, nfc_event, visit_events_on_broker


async def test_rota_over_hours_plus_bank_is_flagged_not_refused(stack: Stack, provider: uuid.UUID) -> None:
    # 7 weekly hours from the rota's own week: no earlier week to bank from.
    package_id = await stack.add_package(provider_id=provider, start=date(2026, 3, 2))
    headers = await api_headers(stack.database_url, role="provider", provider_ids=[provider])
    client = stack.running.client
    within = {"visits": [{"day": "2026-03-02", "start": "09:00", "duration_minutes": 180, "carers": 2}]}
    response = await client.put(f"/v1/packages/{package_id}/rota/2026-W10", json=within, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["planned_hours"], body["banked_hours"], body["over_allowance"]) == ("6.00", "0.00", False)

    over = {"visits": [{"day": "2026-03-03", "start": "09:00", "duration_minutes": 480}]}
    response = await client.put(f"/v1/packages/{package_id}/rota/2026-W10", json=over, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert (Decimal(body["planned_hours"]), Decimal(body["over_by_hours"]), body["over_allowance"]) == (
        Decimal(8),
        Decimal(1),
        True,
    )
    stored = await stack.fetch(
        "SELECT over_allowance, banked_hours FROM monitoring.rota WHERE package_id = $1", package_id
    )
    assert [(r["over_allowance"], r["banked_hours"]) for r in stored] == [(True, Decimal(0))]

    outside = {"visits": [{"day": "2026-03-09", "start": "09:00", "duration_minutes": 30}]}
    response = await client.put(f"/v1/packages/{package_id}/rota/2026-W10", json=outside, headers=headers)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["visits.0.day"]
    response = await client.put(f"/v1/packages/{package_id}/rota/2026-10", json=within, headers=headers)
    assert [e["field"] for e in response.json()["errors"]] == ["iso_week"]
    stranger = await api_headers(stack.database_url, role="provider", provider_ids=[uuid.uuid4()])
    response = await client.put(f"/v1/packages/{package_id}/rota/2026-W10", json=within, headers=stranger)
    assert response.status_code == 404


async def test_the_bank_is_last_weeks_unused_hours(
    stack: Stack, provider: uuid.UUID, vendor_headers: dict[str, str]
) -> None:
    today = london_date(datetime.now(UTC))
    last_monday = today - timedelta(days=today.weekday() + 7)
    # 7 weekly hours from last Monday: of the four banking weeks only last week was live.
    pattern = [PatternEntry(("tue",), time(10), 60), PatternEntry(("tue",), time(14), 30, carers=2)]
    package_id = await stack.add_package(provider_id=provider, start=last_monday, entries=pattern)
    tuesday = london_wall_clock_to_utc(last_monday + timedelta(days=1), time(10))
    delivered = [
        # 60 minutes single-handed and 30 minutes double-handed: 2 carer hours.
        nfc_event("a-in", package_id, "check_in", tuesday),
        nfc_event("a-out", package_id, "check_out", tuesday + timedelta(minutes=60)),
        nfc_event("b-in", package_id, "check_in", tuesday + timedelta(hours=4), "c1"),
        nfc_event("c-in", package_id, "check_in", tuesday + timedelta(hours=4), "c2"),
        nfc_event("b-out", package_id, "check_out", tuesday + timedelta(hours=4, minutes=30), "c1"),
        nfc_event("c-out", package_id, "check_out", tuesday + timedelta(hours=4, minutes=30), "c2"),
    ]
    response = await stack.running.client.post("/v1/visit-events", json={"events": delivered}, headers=vendor_headers)
    assert response.json()["accepted"] == 6

    async def completed() -> bool:
        rows = await stack.fetch(
            "SELECT count(*) AS n FROM monitoring.visit WHERE package_id = $1 AND status = 'completed'", package_id
        )
        return rows[0]["n"] == 2

    await wait_for(completed, timeout=30, message="last week's visits derived")
    headers = await api_headers(stack.database_url, role="provider", provider_ids=[provider])
    url = f"/v1/packages/{package_id}/rota/{today.isocalendar().year}-W{today.isocalendar().week:02d}"
    twelve_hours = [{"day": today.isoformat(), "start": "08:00", "duration_minutes": 360, "carers": 2}]
    body = (await stack.running.client.put(url, json={"visits": twelve_hours}, headers=headers)).json()
    # 7 h this week plus the 5 h left over last week.
    assert (body["banked_hours"], body["allowed_hours"], body["over_allowance"]) == ("5.00", "12.00", False)
    one_more = [*twelve_hours, {"day": today.isoformat(), "start": "20:00", "duration_minutes": 30}]
    body = (await stack.running.client.put(url, json={"visits": one_more}, headers=headers)).json()
    assert (body["planned_hours"], body["over_by_hours"], body["over_allowance"]) == ("12.50", "0.50", True)


async def test_a_rota_replaces_the_weeks_derived_pattern_visits(
    stack: Stack, provider: uuid.UUID, vendor_headers: dict[str, str]
) -> None:
    planned = (datetime.now(UTC) - timedelta(hours=3)).replace(second=0, microsecond=0)
    day = london_date(planned)
    pattern_start = to_london(planned).time()
    package_id = await stack.add_package(
        provider_id=provider, entries=[PatternEntry(WEEKDAYS, pattern_start, 30)], start=day
    )
    visit = [
        nfc_event("in", package_id, "check_in", planned + timedelta(minutes=5)),
        nfc_event("out", package_id, "check_out", planned + timedelta(minutes=35)),
    ]
    assert (await stack.running.client.post("/v1/visit-events", json={"events": visit}, headers=vendor_headers)).json()[
        "accepted"
    ] == 2

    async def of_type(kind: str) -> list[dict[str, Any]]:
        return [e for e in await visit_events_on_broker(stack.bootstrap, package_id) if e["type"] == kind]

    pattern_visit = (await wait_for(lambda: of_type("monitoring.visit.completed"), timeout=30))[0]["data"]
    assert datetime.fromisoformat(pattern_visit["planned_start"]) == planned

    # The rota moves the day's visit 10 minutes (within the same London day) and plans nothing else.
    moved = planned + (timedelta(minutes=10) if pattern_start < time(12) else timedelta(minutes=-10))
    week = day.isocalendar()
    rota = {"visits": [{"day": day.isoformat(), "start": to_london(moved).strftime("%H:%M"), "duration_minutes": 30}]}
    headers = await api_headers(stack.database_url, role="provider", provider_ids=[provider])
    response = await stack.running.client.put(
        f"/v1/packages/{package_id}/rota/{week.year}-W{week.week:02d}", json=rota, headers=headers
    )
    assert response.status_code == 200, response.text

    # The pattern's visit is withdrawn: published once more as cancelled, nothing delivered in it.
    withdrawn = (await wait_for(lambda: of_type("monitoring.visit.cancelled"), timeout=30))[0]["data"]
    # (It may have been published as missed before its events arrived, hence the revision + 1.)
    assert (withdrawn["visit_id"], withdrawn["revision"]) == (pattern_visit["visit_id"], pattern_visit["revision"] + 1)
    assert (withdrawn["actual_start"], withdrawn["carers"]) == (None, [])
    # Its events now complete the rota's visit.
    completed = await of_type("monitoring.visit.completed")
    rota_visit = next(e["data"] for e in completed if e["data"]["visit_id"] != pattern_visit["visit_id"])
    assert datetime.fromisoformat(rota_visit["planned_start"]) == moved
    assert (rota_visit["actual_start"], rota_visit["carers"]) == (pattern_visit["actual_start"], ["c1"])
    # The pattern's later visits that week were never published: they are simply gone.
    rows = await stack.fetch(
        "SELECT visit_id, status, revision, anchor_at FROM monitoring.visit WHERE package_id = $1", package_id
    )
    in_week = {
        str(r["visit_id"]): (r["status"], r["revision"])
        for r in rows
        if london_date(r["anchor_at"]).isocalendar()[:2] == week[:2]
    }
    assert in_week == {
        pattern_visit["visit_id"]: ("withdrawn", withdrawn["revision"]),
        rota_visit["visit_id"]: ("completed", 1),
    }


async def test_awarded_package_from_the_broker_is_planned_and_accepts_events(
    stack: Stack, provider: uuid.UUID, vendor_headers: dict[str, str]
) -> None:
    package_id = uuid.uuid4()
    now = datetime.now(UTC)
    awarded = PackageAwarded(
        package_id=package_id,
        referral_id=package_id,
        provider_id=provider,
        zone_id="z1",
        pricing_level="urban",
        service_type="ongoing_support",
        payment_basis="time_and_task",
        hourly_rate=Decimal("21.50"),
        rates=[],
        funding=Funding(council=Decimal(1), nhs=Decimal(0)),
        visit_pattern=[VisitPatternEntry(days=["mon", "wed"], start="08:00", duration_minutes=45, carers=2)],
        weekly_hours=Decimal(3),
        outcomes=[],
        start_date=date(2026, 3, 2),
        urgency="standard",
        location=GeoPoint(lat=50.266, lon=-5.0527),
        submitted_at=now,
        awarded_at=now,
    )
    envelope = build_envelope(awarded, subject=str(package_id), source=SOURCE)
    producer = make_producer(stack.bootstrap, enable_idempotence=False, client_id="test-brokerage")
    await producer.start()
    try:
        await producer.send_and_wait(
            PackageAwarded.topic, payload_bytes(envelope_to_dict(envelope)), key=str(package_id).encode()
        )
    finally:
        await producer.stop()

    conn = await asyncpg.connect(to_asyncpg_dsn(stack.database_url))
    try:

        async def stored() -> asyncpg.Record | None:
            return await conn.fetchrow("SELECT * FROM monitoring.package WHERE package_id = $1", package_id)

        row = await wait_for(stored, timeout=30, message="package planned from the award")
        entries = await conn.fetchval("SELECT entries FROM monitoring.pattern_period WHERE package_id = $1", package_id)
    finally:
        await conn.close()
    assert (row["provider_id"], row["weekly_hours"], row["home_lat"]) == (provider, Decimal(3), 50.266)
    assert "08:00" in entries
    event = {
        "event_id": "after-award",
        "type": "check_in",
        "occurred_at": (now - timedelta(minutes=1)).isoformat(),
        "package_id": str(package_id),
        "carer_id": "c1",
        "method": "telephony",
    }
    response = await stack.running.client.post("/v1/visit-events", json={"events": [event]}, headers=vendor_headers)
    assert response.json()["results"][0]["status"] == "accepted"
