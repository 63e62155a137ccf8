"""Bad requests to the payments API name the field at fault and change nothing."""

from __future__ import annotations

import uuid

import pytest

from .conftest import Stack

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_bad_input_names_the_field(stack: Stack) -> None:
    client = stack.running.client
    staff = await stack.headers("payments_staff", name="dave")
    r = await client.post("/v1/periods", json={"start_date": "2026-13-01"}, headers=staff)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["start_date"]
    r = await client.post("/v1/periods", json={"start_date": "2027-06-07", "days": 28}, headers=staff)
    assert r.status_code == 201, r.text
    period_id = r.json()["period_id"]
    r = await client.post(
        f"/v1/periods/{period_id}/adjustments", json={"amount": "5.00", "reason": "why"}, headers=staff
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"ledger_key", "provider_id"}
    # Overlapping days are a conflict; a gap would leave days unpaid, so the start is named.
    r = await client.post("/v1/periods", json={"start_date": "2027-06-14"}, headers=staff)
    assert r.status_code == 409
    r = await client.post("/v1/periods", json={"start_date": "2027-07-12"}, headers=staff)
    assert r.status_code == 422
    message = "the next period starts on 2027-07-05, or ends on 2027-06-06"
    assert r.json()["errors"] == [{"field": "start_date", "message": message, "code": "invalid"}]
    # Back-dated to end the day before the first: no gap either.
    r = await client.post("/v1/periods", json={"start_date": "2027-05-31", "days": 7}, headers=staff)
    assert r.status_code == 201, r.text
    # A period is calculated only once every one before it is approved: it settles against them.
    r = await client.post("/v1/periods", json={"start_date": "2027-07-05", "days": 7}, headers=staff)
    assert r.status_code == 201, r.text
    r = await client.post(f"/v1/periods/{r.json()['period_id']}/calculate", headers=staff)
    assert r.status_code == 409
    assert "2027-05-31" in r.json()["detail"]
    r = await client.get(f"/v1/periods/{uuid.uuid4()}", headers=staff)
    assert r.status_code == 404
    provider = await stack.headers("provider", name="agency", provider_ids=[uuid.uuid4()])
    assert (await client.get(f"/v1/periods/{period_id}/totals", headers=provider)).status_code == 403
