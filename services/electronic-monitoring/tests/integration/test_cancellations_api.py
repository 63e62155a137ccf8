"""Cancellations by the person: with notice the visit is published as cancelled, not missed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from monitoring.domain.plan import WEEKDAYS, PatternEntry
from shared.clock import london_date, to_london
from shared.testing.apps import api_headers
from shared.testing.stack import wait_for

from .conftest import Stack, visit_events_on_broker


async def test_cancellation_with_notice_is_published_as_cancelled(stack: Stack, provider: uuid.UUID) -> None:
    planned = (datetime.now(UTC) + timedelta(hours=2)).replace(second=0, microsecond=0)
    entry = PatternEntry(WEEKDAYS, to_london(planned).time(), 30)
    package_id = await stack.add_package(provider_id=provider, entries=[entry], start=london_date(planned))
    headers = await api_headers(stack.database_url, role="provider", provider_ids=[provider])
    client = stack.running.client
    url = f"/v1/packages/{package_id}/cancellations"

    wrong_time = {"planned_start": (planned + timedelta(minutes=5)).isoformat()}
    response = await client.post(url, json=wrong_time, headers=headers)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["planned_start"]

    body = {"planned_start": planned.isoformat(), "notified_at": (planned - timedelta(hours=25)).isoformat()}
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["with_notice"] is True
    visit_id = response.json()["visit_id"]
    assert (await client.post(url, json=body, headers=headers)).status_code == 409
    stranger = await api_headers(stack.database_url, role="provider", provider_ids=[uuid.uuid4()])
    assert (await client.post(url, json=body, headers=stranger)).status_code == 404

    async def cancelled() -> list[dict[str, Any]]:
        events = await visit_events_on_broker(stack.bootstrap, package_id)
        return [e for e in events if e["type"] == "monitoring.visit.cancelled"]

    found = await wait_for(cancelled, timeout=30, message="cancelled visit event")
    assert (found[0]["data"]["visit_id"], found[0]["data"]["revision"]) == (visit_id, 1)


async def test_short_notice_cancellation_is_recorded_without_notice(stack: Stack, provider: uuid.UUID) -> None:
    planned = (datetime.now(UTC) + timedelta(hours=2)).replace(second=0, microsecond=0)
    entry = PatternEntry(WEEKDAYS, to_london(planned).time(), 30)
    package_id = await stack.add_package(provider_id=provider, entries=[entry], start=london_date(planned))
    body = {"planned_start": planned.isoformat()}
    # Only the case-management client that referred the package may record the person's cancellation.
    another = await api_headers(stack.database_url, role="case_management")
    refused = await stack.running.client.post(f"/v1/packages/{package_id}/cancellations", json=body, headers=another)
    assert refused.status_code == 404
    headers = await stack.referrer_headers(package_id)
    response = await stack.running.client.post(f"/v1/packages/{package_id}/cancellations", json=body, headers=headers)
    assert response.status_code == 201
    assert response.json()["with_notice"] is False
