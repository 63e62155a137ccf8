"""The reads a staff front end (the console) lists from: periods, held lines, adjustments."""

from __future__ import annotations

import uuid

import pytest
from shared.testing.stack import wait_for

from .api_helpers import at, calculated
from .conftest import Stack
from .events import awarded, completed

pytestmark = pytest.mark.asyncio(loop_scope="session")

PROVIDER, PACKAGE = uuid.uuid4(), uuid.uuid4()
VERIFIED, UNVERIFIED = uuid.uuid4(), uuid.uuid4()


async def test_periods_newest_first_held_lines_and_adjustments_with_reasons(stack: Stack) -> None:
    client = stack.running.client
    staff = await stack.headers("payments_staff", name="erin")
    approver = await stack.headers("payments_approver", name="frank")
    await stack.publish(
        [
            (awarded(PACKAGE, PROVIDER, rate="18.00"), str(PACKAGE)),
            (completed(VERIFIED, PACKAGE, PROVIDER, at(3), 30), str(VERIFIED)),
            (completed(UNVERIFIED, PACKAGE, PROVIDER, at(4), 30, verified=False), str(UNVERIFIED)),
        ]
    )

    async def arrived() -> bool:
        return bool(await stack.scalar("SELECT count(*) FROM payments.visit") == 2)

    await wait_for(arrived, timeout=30, message="events consumed")
    older = (await client.post("/v1/periods", json={"start_date": "2026-10-05"}, headers=staff)).json()
    newer = (await client.post("/v1/periods", json={"start_date": "2026-11-02"}, headers=staff)).json()
    listed = await client.get("/v1/periods", headers=approver)
    assert listed.status_code == 200, listed.text
    assert [p["period_id"] for p in listed.json()] == [newer["period_id"], older["period_id"]]
    assert [p["period_id"] for p in (await client.get("/v1/periods?limit=1", headers=staff)).json()] == [
        newer["period_id"]
    ]

    # Periods are settled in order: the (empty) older one is calculated and approved first.
    await calculated(client, older["period_id"], staff)
    r = await client.post(f"/v1/periods/{older['period_id']}/approve", headers=approver)
    assert r.status_code == 200, r.text
    period_id = newer["period_id"]
    await calculated(client, period_id, staff)
    held = await client.get(f"/v1/periods/{period_id}/lines", params={"status": "held"}, headers=staff)
    assert [(x["ledger_key"], x["status"]) for x in held.json()["items"]] == [(f"visit:{UNVERIFIED}", "held")]
    payable = await client.get(f"/v1/periods/{period_id}/lines", params={"status": "payable"}, headers=staff)
    assert [x["ledger_key"] for x in payable.json()["items"]] == [f"visit:{VERIFIED}"]
    bad = await client.get(f"/v1/periods/{period_id}/lines", params={"status": "owed"}, headers=staff)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["query.status"]

    assert (await client.get(f"/v1/periods/{period_id}/adjustments", headers=staff)).json() == []
    for amount, reason in (("-2.50", "late arrival agreed"), ("4.00", "mileage for a rural visit")):
        r = await client.post(
            f"/v1/periods/{period_id}/adjustments",
            json={"amount": amount, "provider_id": str(PROVIDER), "reason": reason},
            headers=staff,
        )
        assert r.status_code == 201, r.text
    adjustments = (await client.get(f"/v1/periods/{period_id}/adjustments", headers=approver)).json()
    assert [(a["amount"], a["reason"], a["created_by"], a["provider_id"]) for a in adjustments] == [
        ("-2.50", "late arrival agreed", "erin", str(PROVIDER)),
        ("4.00", "mileage for a rural visit", "erin", str(PROVIDER)),
    ]
    assert (await client.get(f"/v1/periods/{uuid.uuid4()}/adjustments", headers=staff)).status_code == 404
    provider = await stack.headers("provider", name="agency", provider_ids=[PROVIDER])
    assert (await client.get("/v1/periods", headers=provider)).status_code == 403
