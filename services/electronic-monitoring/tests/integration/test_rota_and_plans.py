"""Rotas through the API, and plans built from brokerage events consumed off the broker."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
from shared.contracts.brokerage import SOURCE, PackageAwarded
from shared.contracts.common import Funding, GeoPoint, VisitPatternEntry
from shared.messaging.envelope import build_envelope, envelope_to_dict
from shared.messaging.kafka import make_producer
from shared.messaging.outbox import payload_bytes
from shared.settings import to_asyncpg_dsn
from shared.testing.apps import api_headers
from shared.testing.stack import wait_for

from .conftest import Stack


async def test_rota_over_hours_plus_bank_is_flagged_not_refused(stack: Stack, provider: uuid.UUID) -> None:
    package_id = await stack.add_package(provider_id=provider)  # 7 weekly hours, no bank
    headers = await api_headers(stack.database_url, role="provider", provider_ids=[provider])
    client = stack.running.client
    within = {"visits": [{"day": "2026-03-02", "start": "09:00", "duration_minutes": 180, "carers": 2}]}
    response = await client.put(f"/v1/packages/{package_id}/rota/2026-W10", json=within, headers=headers)
    assert response.status_code == 200, response.text
    assert (response.json()["planned_hours"], response.json()["over_allowance"]) == ("6.00", False)

    over = {"visits": [{"day": "2026-03-03", "start": "09:00", "duration_minutes": 480}]}
    response = await client.put(f"/v1/packages/{package_id}/rota/2026-W10", json=over, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert (Decimal(body["planned_hours"]), Decimal(body["over_by_hours"]), body["over_allowance"]) == (
        Decimal(8),
        Decimal(1),
        True,
    )

    outside = {"visits": [{"day": "2026-03-09", "start": "09:00", "duration_minutes": 30}]}
    response = await client.put(f"/v1/packages/{package_id}/rota/2026-W10", json=outside, headers=headers)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["visits.0.day"]
    response = await client.put(f"/v1/packages/{package_id}/rota/2026-10", json=within, headers=headers)
    assert [e["field"] for e in response.json()["errors"]] == ["iso_week"]
    stranger = await api_headers(stack.database_url, role="provider", provider_ids=[uuid.uuid4()])
    response = await client.put(f"/v1/packages/{package_id}/rota/2026-W10", json=within, headers=stranger)
    assert response.status_code == 404


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
