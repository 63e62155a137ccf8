"""Who may write and read what, and problem+json naming the fields at fault.

These tests share one service (``module_stack``) and keep out of each other's way with their own
provider ids and periods.
"""

from __future__ import annotations

import uuid

import pytest
from shared.auth import ALL_ROLES

WRITERS = {"quality_officer", "admin"}
INCIDENT = {"kind": "complaint", "occurred_on": "2026-11-17", "summary": "Late twice."}
ASSESSMENT = {"assessed_on": "2026-11-12", "domains": {"safe": {"rating": 3, "evidence": "ok"}}}
CQC = {"rating": "good", "rated_on": "2025-06-01"}


def writes(provider_id: uuid.UUID) -> list[tuple[str, str, dict[str, object] | None]]:
    base = f"/v1/providers/{provider_id}"
    return [
        ("POST", f"{base}/incidents", INCIDENT),
        ("POST", f"{base}/assessments", ASSESSMENT),
        ("PUT", f"{base}/cqc-rating", CQC),
        ("POST", "/v1/periods/2026-W47/evaluation", None),
        ("POST", f"/v1/recommendations/{uuid.uuid4()}/confirm", {"reason": "because"}),
        ("POST", f"/v1/recommendations/{uuid.uuid4()}/reject", {"reason": "because"}),
    ]


async def test_writes_refuse_every_role_but_officers_and_admins(module_stack) -> None:
    stack = module_stack
    client = stack.running.client
    provider = uuid.uuid4()
    for role in ALL_ROLES:
        headers = await stack.headers(role, [provider] if role in ("provider", "etms_vendor") else None)
        for method, path, body in writes(provider):
            response = await client.request(method, path, json=body, headers=headers)
            if role in WRITERS:
                # Allowed; an unknown recommendation is simply not found.
                assert response.status_code in (200, 201, 404), (role, path, response.text)
            else:
                assert response.status_code == 403, (role, path, response.status_code)
                assert response.headers["content-type"].startswith("application/problem+json")
        config = await client.put("/v1/config", json={}, headers=headers)
        assert config.status_code == (200 if role in WRITERS else 403), role
    anonymous = await client.post(f"/v1/providers/{provider}/incidents", json=INCIDENT)
    assert anonymous.status_code == 401


async def test_providers_read_only_their_own_kpis_and_the_benchmark(module_stack) -> None:
    stack = module_stack
    client = stack.running.client
    provider = uuid.uuid4()
    own = await stack.headers("provider", [provider])
    officer = await stack.headers("quality_officer")
    week = {"period": "2026-W40"}

    assert (await client.get("/v1/kpis", params={**week, "provider_id": str(provider)}, headers=own)).status_code == 200
    in_zone = {**week, "provider_id": str(provider), "zone_id": "north"}
    assert (await client.get("/v1/kpis", params=in_zone, headers=own)).status_code == 200
    for params in ({**week, "provider_id": str(uuid.uuid4())}, week, {**week, "zone_id": "north"}):
        assert (await client.get("/v1/kpis", params=params, headers=own)).status_code == 404, params

    # Not evaluated yet: nothing published.
    await client.post(
        f"/v1/providers/{provider}/incidents", json={**INCIDENT, "occurred_on": "2026-09-29"}, headers=officer
    )
    assert (await client.get("/v1/benchmarks", params=week, headers=own)).status_code == 404
    assert (await client.post("/v1/periods/2026-W40/evaluation", headers=officer)).status_code == 200
    assert (await client.get("/v1/benchmarks", params=week, headers=own)).status_code == 200

    for path in (
        "/v1/scores?period=2026-W40",
        f"/v1/providers/{provider}/scores/2026-W40",
        f"/v1/providers/{provider}/incidents",
        f"/v1/providers/{provider}/assessments",
        f"/v1/providers/{provider}/cqc-rating",
        "/v1/recommendations",
        "/v1/config",
    ):
        assert (await client.get(path, headers=own)).status_code == 403, path

    for role in ("case_management", "etms_vendor", "payments_staff", "payments_approver"):
        headers = await stack.headers(role, [provider] if role == "etms_vendor" else None)
        assert (await client.get("/v1/kpis", params=week, headers=headers)).status_code == 403, role
        assert (await client.get("/v1/benchmarks", params=week, headers=headers)).status_code == 403, role


@pytest.mark.parametrize(
    ("path", "body", "fields"),
    [
        (
            "incidents",
            {"kind": "rumour", "occurred_on": "yesterday", "summary": ""},
            {"kind", "occurred_on", "summary"},
        ),
        (
            "assessments",
            {"assessed_on": "2026-11-12", "domains": {"safe": {"rating": 5}}},
            {"domains.safe.rating"},
        ),
        ("assessments", {"assessed_on": "2026-11-12", "domains": {"Not A Name": {"rating": 2}}}, {"domains"}),
        ("incidents", {**INCIDENT, "colour": "red"}, {"colour"}),
    ],
)
async def test_bad_records_name_their_fields(module_stack, path, body, fields) -> None:
    stack, provider = module_stack, uuid.uuid4()
    officer = await stack.headers("quality_officer")
    response = await stack.running.client.post(f"/v1/providers/{provider}/{path}", json=body, headers=officer)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in response.json()["errors"]} == fields


@pytest.mark.parametrize("period", ["2026-W46+4w", "2026-W60", "last-week"])
async def test_bad_period_is_a_problem_naming_period(module_stack, period) -> None:
    stack = module_stack
    officer = await stack.headers("quality_officer")
    response = await stack.running.client.get("/v1/kpis", params={"period": period}, headers=officer)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["period"]


async def test_records_round_trip(module_stack) -> None:
    stack = module_stack
    client = stack.running.client
    provider = uuid.uuid4()
    officer = await stack.headers("quality_officer", None)
    created = await client.post(
        f"/v1/providers/{provider}/assessments",
        json={
            "assessed_on": "2026-11-12",
            "domains": {"safe": {"rating": 3, "evidence": "files"}, "caring": {"rating": 4}},
        },
        headers=officer,
    )
    assert created.status_code == 201, created.text
    assert created.json()["mean_rating"] == "3.50"
    listed = (await client.get(f"/v1/providers/{provider}/assessments", headers=officer)).json()
    assert [(a["ratings"], a["evidence"]) for a in listed] == [
        ({"safe": 3, "caring": 4}, {"safe": "files", "caring": ""})
    ]
    await client.put(f"/v1/providers/{provider}/cqc-rating", json=CQC, headers=officer)
    await client.put(
        f"/v1/providers/{provider}/cqc-rating",
        json={"rating": "outstanding", "rated_on": "2026-10-01"},
        headers=officer,
    )
    assert (await client.get(f"/v1/providers/{provider}/cqc-rating", headers=officer)).json()["rating"] == "outstanding"
    await client.post(f"/v1/providers/{provider}/incidents", json=INCIDENT, headers=officer)
    await client.post(f"/v1/providers/{provider}/incidents", json={**INCIDENT, "kind": "safeguarding"}, headers=officer)

    incidents = (await client.get(f"/v1/providers/{provider}/incidents", headers=officer)).json()
    assert sorted(i["kind"] for i in incidents) == ["complaint", "safeguarding"]
    assert all(i["recorded_by"] == "test-quality_officer" for i in incidents)

    kpis = (
        await client.get("/v1/kpis", params={"period": "2026-W47", "provider_id": str(provider)}, headers=officer)
    ).json()
    officer_kpis = kpis["kpis"]["officer"]
    assert (officer_kpis["complaints"], officer_kpis["safeguarding"]) == (1, 1)
    assert officer_kpis["assessment_mean"] == "3.50"
    assert officer_kpis["cqc_rating"] == "outstanding"
    # Only the assessment and the rating are measurable: (2.5/3 and 3/3 of 100) weighted 5 and 5.
    assert kpis["score"] == "91.67"
