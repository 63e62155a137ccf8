"""The per-person geofence switch, and 429 with Retry-After past the ingest's capacity."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from monitoring.domain.geo import Point
from monitoring.domain.plan import WEEKDAYS, PatternEntry
from monitoring.main import create_app
from monitoring.settings import MonitoringSettings
from shared.clock import london_date, to_london
from shared.testing.apps import api_headers, running_app
from shared.testing.stack import PostgresHandle, migrated_database, wait_for

from .conftest import Stack, visit_events_on_broker

HOME = Point(50.2660, -5.0527)


def _gps(event_id: str, package_id: uuid.UUID, kind: str, at: datetime) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": kind,
        "occurred_at": at.isoformat(),
        "package_id": str(package_id),
        "carer_id": "c1",
        "method": "gps",
        # 0.0045 degrees north of the home: about 500 m, outside the 200 m geofence.
        "location": {"lat": HOME.lat + 0.0045, "lon": HOME.lon},
    }


async def test_far_gps_check_in_is_unverified_until_the_geofence_is_switched_off(
    stack: Stack, provider: uuid.UUID, vendor_headers: dict[str, str]
) -> None:
    planned = (datetime.now(UTC) - timedelta(hours=1)).replace(second=0, microsecond=0)
    entry = PatternEntry(WEEKDAYS, to_london(planned).time(), 30)
    package_id = await stack.add_package(provider_id=provider, entries=[entry], start=london_date(planned), home=HOME)
    client = stack.running.client
    batch = [
        _gps("in", package_id, "check_in", planned),
        _gps("out", package_id, "check_out", planned + timedelta(minutes=30)),
    ]
    assert (await client.post("/v1/visit-events", json={"events": batch}, headers=vendor_headers)).status_code == 202

    async def completed(verified: bool) -> list[dict[str, Any]]:
        events = await visit_events_on_broker(stack.bootstrap, package_id)
        return [e for e in events if e["type"] == "monitoring.visit.completed" and e["data"]["verified"] is verified]

    first = (await wait_for(lambda: completed(False), timeout=30, message="unverified visit"))[0]["data"]
    assert "unverified" in first["flags"]

    council = await stack.referrer_headers(package_id)
    assert (
        await client.put(f"/v1/packages/{package_id}/geofence", json={"enabled": False}, headers=vendor_headers)
    ).status_code == 403
    response = await client.put(f"/v1/packages/{package_id}/geofence", json={"enabled": False}, headers=council)
    assert response.status_code == 200
    second = (await wait_for(lambda: completed(True), timeout=30, message="verified visit"))[0]["data"]
    assert "unverified" not in second["flags"]
    assert second["revision"] == first["revision"] + 1


async def test_past_capacity_the_ingest_answers_429_with_retry_after(
    pg: PostgresHandle, bootstrap: str, provider: uuid.UUID
) -> None:
    url = await migrated_database(pg, ("electronic-monitoring",))
    settings = MonitoringSettings(
        database_url=url, kafka_bootstrap_servers=bootstrap, max_concurrent_batches=1, run_workers=False
    )
    async with running_app(create_app(settings)) as running:
        stack = Stack(running, url, bootstrap)
        package_id = await stack.add_package(provider_id=provider)
        headers = await api_headers(url, role="etms_vendor", provider_ids=[provider])
        at = datetime.now(UTC) - timedelta(hours=1)
        batches = [
            {"events": [_gps(f"b{b}-{i}", package_id, "check_in", at + timedelta(seconds=i)) for i in range(5000)]}
            for b in range(4)
        ]
        responses: list[httpx.Response] = await asyncio.gather(
            *(running.client.post("/v1/visit-events", json=batch, headers=headers) for batch in batches)
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] == 202
    assert 429 in statuses
    assert set(statuses) <= {202, 429}
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["Retry-After"]
    assert refused.headers["content-type"].startswith("application/problem+json")
