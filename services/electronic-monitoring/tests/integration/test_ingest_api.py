"""``POST /v1/visit-events`` against the real database: outcomes, dedupe, reach, malformed batches."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from shared.settings import to_asyncpg_dsn
from shared.testing.apps import api_headers

from .conftest import Stack


def event(event_id: str, package_id: uuid.UUID, kind: str = "check_in", minutes_ago: int = 30) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": kind,
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(),
        "package_id": str(package_id),
        "carer_id": "carer-1",
        "method": "nfc",
    }


async def stored_event_ids(stack: Stack) -> list[str]:
    conn = await asyncpg.connect(to_asyncpg_dsn(stack.database_url))
    try:
        rows = await conn.fetch("SELECT event_id FROM monitoring.visit_event ORDER BY event_id")
    finally:
        await conn.close()
    return [r["event_id"] for r in rows]


async def test_batch_outcomes_are_stored_and_resends_are_duplicates(
    stack: Stack, provider: uuid.UUID, vendor_headers: dict[str, str]
) -> None:
    package_id = await stack.add_package(provider_id=provider)
    batch = {
        "events": [
            event("e1", package_id),
            event("e2", package_id, "check_out", minutes_ago=5),
            {**event("e3", package_id), "method": "carrier-pigeon"},
            event("e4", uuid.uuid4()),
            event("e1", package_id),
        ]
    }
    first = await stack.running.client.post("/v1/visit-events", json=batch, headers=vendor_headers)
    assert first.status_code == 202, first.text
    body = first.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 1, 2)
    assert [(r["event_id"], r["status"], r["reason"]) for r in body["results"]] == [
        ("e1", "accepted", None),
        ("e2", "accepted", None),
        ("e3", "rejected", "unknown_method"),
        ("e4", "rejected", "unknown_package"),
        ("e1", "duplicate", None),
    ]
    assert await stored_event_ids(stack) == ["e1", "e2"]

    again = await stack.running.client.post("/v1/visit-events", json=batch, headers=vendor_headers)
    assert [r["status"] for r in again.json()["results"]] == [
        "duplicate",
        "duplicate",
        "rejected",
        "rejected",
        "duplicate",
    ]
    assert await stored_event_ids(stack) == ["e1", "e2"]


async def test_a_vendor_cannot_post_for_a_provider_it_does_not_serve(
    stack: Stack, provider: uuid.UUID, vendor_headers: dict[str, str]
) -> None:
    other_package = await stack.add_package(provider_id=uuid.uuid4())
    response = await stack.running.client.post(
        "/v1/visit-events", json={"events": [event("x1", other_package)]}, headers=vendor_headers
    )
    assert response.status_code == 202
    assert response.json()["results"][0]["reason"] == "package_not_served"
    assert await stored_event_ids(stack) == []


async def test_check_out_over_24_hours_after_a_stored_check_in_is_rejected(
    stack: Stack, provider: uuid.UUID, vendor_headers: dict[str, str]
) -> None:
    package_id = await stack.add_package(provider_id=provider)
    client = stack.running.client
    await client.post(
        "/v1/visit-events",
        json={"events": [event("in", package_id, minutes_ago=26 * 60)]},
        headers=vendor_headers,
    )
    response = await client.post(
        "/v1/visit-events",
        json={"events": [event("out", package_id, "check_out", minutes_ago=60)]},
        headers=vendor_headers,
    )
    assert response.json()["results"][0]["reason"] == "check_out_too_late"
    assert await stored_event_ids(stack) == ["in"]


async def test_only_etms_vendors_may_post(stack: Stack, provider: uuid.UUID) -> None:
    client = stack.running.client
    provider_headers = await api_headers(stack.database_url, role="provider", provider_ids=[provider])
    assert (await client.post("/v1/visit-events", json={"events": []}, headers=provider_headers)).status_code == 403
    assert (await client.post("/v1/visit-events", json={"events": []})).status_code == 401


async def test_malformed_batches_are_refused_whole_with_problem_json(
    stack: Stack, provider: uuid.UUID, vendor_headers: dict[str, str]
) -> None:
    package_id = await stack.add_package(provider_id=provider)
    client = stack.running.client
    cases: list[tuple[bytes, int, str]] = [
        (b"{not json", 422, "body"),
        (b"[]", 422, "events"),
        (json.dumps({"events": []}).encode(), 422, "events"),
        (json.dumps({"events": [event(f"e{i}", package_id) for i in range(5001)]}).encode(), 422, "events"),
    ]
    for body, status, field in cases:
        response = await client.post(
            "/v1/visit-events", content=body, headers={**vendor_headers, "Content-Type": "application/json"}
        )
        assert response.status_code == status, body[:40]
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == [field]
    too_big = b'{"events": [' + b" " * (10 * 1024 * 1024) + b"]}"
    response = await client.post(
        "/v1/visit-events", content=too_big, headers={**vendor_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await stored_event_ids(stack) == []
