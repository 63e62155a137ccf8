"""The DPS administration endpoints: creation, validation as problem+json, and who may call them."""

from __future__ import annotations

import uuid
from typing import Any


async def test_pricing_levels_zones_and_providers_round_trip(stack: Any) -> None:
    await stack.setup_dps()
    provider_id = await stack.admit("kernow", webhook_url="https://kernow.example/hook", webhook_secret="s" * 32)

    levels = (await stack.client.get("/v1/pricing-levels", headers=stack.admin)).json()
    assert levels[0]["rates"][0] == {
        "service_type": "ongoing_support",
        "from_date": "2026-04-01",
        "hourly_rate": "22.00",
    }
    zones = (await stack.client.get("/v1/zones", headers=stack.admin)).json()
    assert [(z["id"], z["coverage"]) for z in zones] == [("z1", ["PL25"])]
    shown = (await stack.client.get(f"/v1/providers/{provider_id}", headers=stack.admin)).json()
    assert shown["zones"] == [{"zone_id": "z1", "status": "prime"}]
    assert "webhook_secret" not in shown

    patched = await stack.client.patch(
        f"/v1/providers/{provider_id}",
        json={"zones": [{"zone_id": "z1", "status": "supplementary"}], "reason": "quality review"},
        headers=stack.admin,
    )
    assert patched.status_code == 200
    assert patched.json()["zones"] == [{"zone_id": "z1", "status": "supplementary"}]
    admitted = await stack.events("brokerage.provider.admitted")
    updated = await stack.events("brokerage.provider.updated")
    assert [e["provider_id"] for e in admitted] == [str(provider_id)]
    assert updated[0]["zones"] == [{"zone_id": "z1", "status": "supplementary"}]
    assert updated[0]["reason"] == "quality review"


async def test_bad_input_names_each_field(stack: Any) -> None:
    await stack.setup_dps()
    zone = await stack.client.post(
        "/v1/zones",
        json={"id": "z2", "name": "Z", "pricing_level_id": "nope", "coverage": ["PL25", "PL25 5AB"]},
        headers=stack.admin,
    )
    assert zone.status_code == 422
    assert zone.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in zone.json()["errors"]} == {"coverage.1", "pricing_level_id"}

    provider = await stack.client.post(
        "/v1/providers",
        json={
            "name": "x",
            "cqc_location_id": "1",
            "cqc_rating": "Good",
            "zones": [{"zone_id": "zz", "status": "prime"}],
            "weekly_capacity_hours": "10",
            "enablement_allowed": True,
            "ethical_care_charter": False,
        },
        headers=stack.admin,
    )
    assert provider.status_code == 422
    assert [e["field"] for e in provider.json()["errors"]] == ["zones.0.zone_id"]

    rules = await stack.client.put(
        "/v1/rules", json={"award_rule": "price_quality_weighted", "price_weight": "0.7"}, headers=stack.admin
    )
    assert rules.status_code == 422

    duplicate = await stack.client.post(
        "/v1/pricing-levels", json={"id": "urban", "name": "Again", "rates": []}, headers=stack.admin
    )
    assert duplicate.status_code == 409


async def test_rules_default_then_replaced(stack: Any) -> None:
    shown = (await stack.client.get("/v1/rules", headers=stack.admin)).json()
    assert shown["award_rule"] == "fixed_price_quality"
    assert shown["market_share_cap"] == "0.40"
    assert shown["deadlines"] == {"urgent_minutes": 120, "standard_minutes": 1440}
    new = {**shown, "award_rule": "lowest_ongoing_rate", "rounds": 1}
    assert (await stack.client.put("/v1/rules", json=new, headers=stack.admin)).status_code == 200
    assert (await stack.client.get("/v1/rules", headers=stack.admin)).json()["award_rule"] == "lowest_ongoing_rate"


async def test_only_admin_may_run_the_dps(stack: Any) -> None:
    provider_headers = await stack.as_provider(uuid.uuid4())
    for method, path in (("GET", "/v1/zones"), ("GET", "/v1/providers"), ("GET", "/v1/rules"), ("GET", "/v1/queue")):
        response = await stack.client.request(method, path, headers=provider_headers)
        assert response.status_code == 403, path
    assert (await stack.client.get("/v1/zones")).status_code == 401


async def test_council_staff_read_the_provider_directory_but_change_nothing(stack: Any) -> None:
    await stack.setup_dps()
    provider_id = await stack.admit("kernow")
    for role in ("payments_staff", "payments_approver", "quality_officer"):
        staff = await stack.headers(role)
        listed = await stack.client.get("/v1/providers", headers=staff)
        assert [p["id"] for p in listed.json()["items"]] == [str(provider_id)], role
        assert (await stack.client.get(f"/v1/providers/{provider_id}", headers=staff)).json()["name"] == "kernow"
        patch = await stack.client.patch(f"/v1/providers/{provider_id}", json={"active": False}, headers=staff)
        assert patch.status_code == 403, role
        assert (await stack.client.get("/v1/queue", headers=staff)).status_code == 403, role
    case_management = await stack.headers("case_management")
    assert (await stack.client.get("/v1/providers", headers=case_management)).status_code == 403
