"""Corrections through the API: audit kept, the correction overrides, an officer's rejection reverts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from monitoring.domain.plan import WEEKDAYS, PatternEntry
from shared.clock import london_date, to_london
from shared.testing.apps import api_headers
from shared.testing.stack import wait_for

from .conftest import Stack, visit_events_on_broker


async def _missed_visit(stack: Stack, provider: uuid.UUID) -> tuple[uuid.UUID, str, datetime]:
    planned = (datetime.now(UTC) - timedelta(hours=3)).replace(second=0, microsecond=0)
    entry = PatternEntry(WEEKDAYS, to_london(planned).time(), 30)
    package_id = await stack.add_package(provider_id=provider, entries=[entry], start=london_date(planned))

    async def missed() -> list[dict[str, Any]]:
        events = await visit_events_on_broker(stack.bootstrap, package_id)
        return [e for e in events if e["type"] == "monitoring.visit.missed"]

    found = await wait_for(missed, timeout=30, message="missed visit")
    return package_id, found[0]["data"]["visit_id"], planned


async def test_correction_overrides_and_rejection_reverts_with_full_audit(stack: Stack, provider: uuid.UUID) -> None:
    package_id, visit_id, planned = await _missed_visit(stack, provider)
    client = stack.running.client
    provider_headers = await api_headers(stack.database_url, role="provider", provider_ids=[provider])
    officer_headers = await api_headers(stack.database_url, role="quality_officer")
    body = {
        "reason": "carer_forgot",
        "check_in_at": (planned + timedelta(minutes=5)).isoformat(),
        "check_out_at": (planned + timedelta(minutes=35)).isoformat(),
    }
    made = await client.post(f"/v1/visits/{visit_id}/corrections", json=body, headers=provider_headers)
    assert made.status_code == 201, made.text
    correction_id = made.json()["correction_id"]

    async def events_of(kind: str) -> list[dict[str, Any]]:
        return [e for e in await visit_events_on_broker(stack.bootstrap, package_id) if e["type"] == kind]

    corrected = (await wait_for(lambda: events_of("monitoring.visit.corrected"), timeout=30))[0]["data"]
    assert corrected["revision"] == 2
    assert corrected["actual_minutes"] == 30
    assert corrected["correction"]["reason"] == "carer_forgot"
    assert corrected["correction"]["correction_id"] == correction_id
    assert "unverified" in corrected["flags"]  # no device ever recorded it

    rejected = await client.post(
        f"/v1/visits/{visit_id}/corrections/{correction_id}/rejection",
        json={"note": "No carer was rostered"},
        headers=officer_headers,
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    again = await client.post(
        f"/v1/visits/{visit_id}/corrections/{correction_id}/rejection", json={"note": "x"}, headers=officer_headers
    )
    assert again.status_code == 409

    missed_again = await wait_for(
        lambda: _with_revision(events_of("monitoring.visit.missed"), 3), timeout=30, message="missed revision 3"
    )
    assert missed_again["data"]["correction"] is None

    view = await client.get(f"/v1/visits/{visit_id}", headers=provider_headers)
    assert view.status_code == 200
    audit = view.json()["corrections"]
    assert [(c["reason"], c["status"], c["rejection_note"]) for c in audit] == [
        ("carer_forgot", "rejected", "No carer was rostered")
    ]
    assert audit[0]["made_by"].startswith("provider:")
    assert audit[0]["rejected_by"].startswith("quality_officer:")


async def _with_revision(events: Any, revision: int) -> dict[str, Any] | None:
    return next((e for e in await events if e["data"]["revision"] == revision), None)


async def test_correction_errors_and_other_providers(stack: Stack, provider: uuid.UUID) -> None:
    _, visit_id, planned = await _missed_visit(stack, provider)
    client = stack.running.client
    provider_headers = await api_headers(stack.database_url, role="provider", provider_ids=[provider])
    stranger = await api_headers(stack.database_url, role="provider", provider_ids=[uuid.uuid4()])
    foreign_vendor = await api_headers(stack.database_url, role="etms_vendor", provider_ids=[uuid.uuid4()])
    own_vendor = await api_headers(stack.database_url, role="etms_vendor", provider_ids=[provider])
    bad = {
        "reason": "other",
        "check_in_at": (planned + timedelta(minutes=30)).isoformat(),
        "check_out_at": planned.isoformat(),
    }
    response = await client.post(f"/v1/visits/{visit_id}/corrections", json=bad, headers=provider_headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert sorted(e["field"] for e in response.json()["errors"]) == ["check_out_at", "note"]
    unknown_reason = {**bad, "reason": "dog_ate_it"}
    response = await client.post(f"/v1/visits/{visit_id}/corrections", json=unknown_reason, headers=provider_headers)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["reason"]

    good = {**bad, "reason": "no_signal", "check_out_at": (planned + timedelta(minutes=60)).isoformat()}
    assert (await client.post(f"/v1/visits/{visit_id}/corrections", json=good, headers=stranger)).status_code == 404
    assert (await client.get(f"/v1/visits/{visit_id}", headers=stranger)).status_code == 404
    assert (await client.get(f"/v1/visits/{visit_id}", headers=foreign_vendor)).status_code == 404
    assert (await client.get(f"/v1/visits/{visit_id}", headers=own_vendor)).status_code == 200
    assert (await client.post(f"/v1/visits/{visit_id}/corrections", json=good, headers=own_vendor)).status_code == 403
