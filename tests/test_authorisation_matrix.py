"""Who may call what: every endpoint of every service, for every role and both parties' clients.

A new endpoint that is not in the matrix (tests/authorisation.py) fails
``test_the_matrix_covers_every_endpoint``; so does a row left for an endpoint that is gone.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from authorisation_matrix import matrix, request_of
from fastapi.routing import iter_route_contexts
from homecare_council import PRINCIPALS, SERVICES, Council, open_council, person, referral_body
from shared.auth.clients import revoke, rotate_key
from shared.testing.stack import PostgresHandle, wait_for
from sqlalchemy.exc import DBAPIError

# What the issue counts as personal data, by the referral's field names.
PERSONAL_KEYS = ("nhs_number", "given_name", "family_name", "date_of_birth", "address")

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def council(pg: PostgresHandle, bootstrap: str) -> AsyncIterator[Council]:
    async with open_council(pg, bootstrap) as seeded:
        yield seeded


def _endpoints(council: Council) -> set[tuple[str, str, str]]:
    found = set()
    for service, app in council.apps.items():
        for route in iter_route_contexts(app.routes):
            for method in route.methods or ():
                if method != "HEAD":
                    found.add((service, method, str(route.path)))
    return found


async def test_the_matrix_covers_every_endpoint(council: Council) -> None:
    rows = [r.key for r in matrix()]
    assert len(rows) == len(set(rows)), "an endpoint appears twice in the matrix"
    endpoints = _endpoints(council)
    assert endpoints - set(rows) == set(), "endpoints missing from the authorisation matrix"
    assert set(rows) - endpoints == set(), "rows for endpoints that no longer exist"


async def test_every_principal_gets_the_expected_answer_from_every_endpoint(council: Council) -> None:
    wrong = []
    checked = 0
    for r in matrix():
        for principal in PRINCIPALS:
            path, params, body, headers = await request_of(council, r)
            response = await council.call(
                r.service, r.method, path, principal, body, params=params, headers=headers
            )
            checked += 1
            expected = r.expected(principal)
            if response.status_code != expected:
                wrong.append((r.key, principal, expected, response.status_code, response.text[:200]))
            elif expected >= 400:
                assert response.headers["content-type"].startswith("application/problem+json"), (r.key, principal)
    assert checked == len(matrix()) * len(PRINCIPALS)
    assert wrong == [], "\n".join(map(str, wrong))


async def _entries(council: Council, service: str, **params: str) -> list[dict[str, Any]]:
    page = await council.ok(service, "GET", "/v1/audit", "admin", params={"limit": "200", **params})
    items: list[dict[str, Any]] = page["items"]
    return items


async def test_every_admin_action_of_the_matrix_is_in_the_audit_log(council: Council) -> None:
    """Runs after the matrix, whose allowed requests included each of these actions once or more."""
    expected = {
        "brokerage": {"pricing_level.create", "zone.create", "provider.admit", "provider.update", "rules.replace",
                      "package.award_by_hand"},
        "electronic-monitoring": {"correction.reject", "geofence.set"},
        "payments": {"adjustment.add", "approval.unverified_visit"},
        "quality": {"recommendation.confirm", "recommendation.reject", "config.replace"},
    }  # fmt: skip
    admin_id = str(council.client_ids["admin"])
    for name, actions in expected.items():
        service = "monitoring" if name == "electronic-monitoring" else name
        entries = await _entries(council, service)
        assert actions <= {e["action"] for e in entries}, service
        assert {e["service"] for e in entries} <= {name, "platform"}
        assert all(e["actor_name"] for e in entries)
        assert all(e["actor_role"] for e in entries)
    award = next(e for e in await _entries(council, "brokerage") if e["action"] == "package.award_by_hand")
    assert (award["actor_client_id"], award["actor_name"], award["actor_role"]) == (admin_id, "admin", "admin")
    assert award["reason"] == "agreed by phone"
    assert award["resource"] == f"packages/{council.ids['queued_referral']}"
    rejection = next(e for e in await _entries(council, "monitoring") if e["action"] == "correction.reject")
    assert rejection["service"] == "electronic-monitoring"
    assert rejection["reason"] == "not on the rota"
    # The API clients made for the council, and the revocation, are the platform's entries.
    platform = {e["action"] for e in await _entries(council, "payments") if e["service"] == "platform"}
    assert {"api_client.create", "api_client.revoke"} <= platform


async def test_a_refused_action_leaves_no_entry_and_a_done_one_exactly_one(council: Council) -> None:
    before = await _entries(council, "brokerage", action="package.award_by_hand")
    # Already awarded by the matrix: 409, rolled back with its entry.
    r = await council.call(
        "brokerage", "POST", f"/v1/packages/{council.ids['queued_referral']}/award", "admin",
        {"provider_id": str(council.ids["p1"]), "reason": "second try", "zone_id": "z1"},
    )  # fmt: skip
    assert r.status_code == 409
    assert await _entries(council, "brokerage", action="package.award_by_hand") == before


async def test_period_approval_and_manual_offers_are_audited(council: Council) -> None:
    period = await council.ok(
        "payments", "POST", "/v1/periods", "payments_staff",
        {"start_date": str(council.ids["day"] - timedelta(days=7)), "days": 7},
    )  # fmt: skip
    pid = period["period_id"]
    await council.ok("payments", "POST", f"/v1/periods/{pid}/calculate", "payments_staff")

    async def calculated() -> bool:
        got = await council.ok("payments", "GET", f"/v1/periods/{pid}", "payments_staff")
        return bool(got["status"] == "calculated")

    await wait_for(calculated, timeout=60, message="the period calculated")
    await council.ok("payments", "POST", f"/v1/periods/{pid}/approve", "payments_approver")
    approvals = await _entries(council, "payments", action="period.approve", resource=f"periods/{pid}")
    assert len(approvals) == 1
    assert approvals[0]["actor_client_id"] == str(council.client_ids["payments_approver"])

    body = referral_body(99, council.ids["day"] + timedelta(days=10), 10, postcode="TR2 2AA")
    made = await council.ok("referrals", "POST", "/v1/referrals", "case_management", body,
                            headers={"Idempotency-Key": "audit-offer"})  # fmt: skip

    async def queued() -> bool:
        queue = await council.ok("brokerage", "GET", "/v1/queue", "admin")
        return any(q["package"]["id"] == made["id"] for q in queue)

    await wait_for(queued, timeout=60, message="the package queued")
    offer = {"provider_ids": [str(council.ids["p2"])], "zone_id": "z1"}
    await council.ok("brokerage", "POST", f"/v1/packages/{made['id']}/offers", "admin", offer)
    offers = await _entries(council, "brokerage", action="package.offer_by_hand", resource=f"packages/{made['id']}")
    assert [e["details"]["provider_ids"] for e in offers] == [[str(council.ids["p2"])]]


async def test_the_audit_log_refuses_updates_deletes_and_truncation(council: Council) -> None:
    count = (await council.sql("SELECT count(*) AS n FROM auth.audit_entry"))[0]["n"]
    assert count > 0
    for statement in (
        "UPDATE auth.audit_entry SET reason = 'rewritten'",
        "DELETE FROM auth.audit_entry",
        "TRUNCATE auth.audit_entry",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            await council.sql(statement)
    assert (await council.sql("SELECT count(*) AS n FROM auth.audit_entry"))[0]["n"] == count


async def test_the_audit_log_pages_with_a_cursor(council: Council) -> None:
    first = await council.ok("quality", "GET", "/v1/audit", "admin", params={"limit": "2"})
    assert len(first["items"]) == 2
    assert first["next_after"] == first["items"][-1]["id"]
    params = {"limit": "2", "after": str(first["next_after"])}
    second = await council.ok("quality", "GET", "/v1/audit", "admin", params=params)
    assert second["items"][0]["id"] > first["items"][-1]["id"]
    too_big = await council.call("quality", "GET", "/v1/audit", "admin", params={"limit": "201"})
    assert too_big.status_code == 422


async def test_a_revoked_or_rotated_key_stops_working_at_once_on_every_service(council: Council) -> None:
    key = await council.new_client("key-holder", "admin")
    council.headers["key-holder"] = {"Authorization": f"Bearer {key}"}
    for service in SERVICES:
        assert (await council.call(service, "GET", "/v1/audit", "key-holder")).status_code == 200
    async with council.engine.begin() as conn:
        fresh = await rotate_key(conn, council.client_ids["key-holder"], reason="laptop lost")
    for service in SERVICES:
        assert (await council.call(service, "GET", "/v1/audit", "key-holder")).status_code == 401, service
    council.headers["key-holder"] = {"Authorization": f"Bearer {fresh}"}
    for service in SERVICES:
        assert (await council.call(service, "GET", "/v1/audit", "key-holder")).status_code == 200, service
    async with council.engine.begin() as conn:
        await revoke(conn, council.client_ids["key-holder"], reason="left the council")
    for service in SERVICES:
        assert (await council.call(service, "GET", "/v1/audit", "key-holder")).status_code == 401, service
    entries = await _entries(council, "referrals", resource=f"api-clients/{council.client_ids['key-holder']}")
    assert [(e["action"], e["reason"]) for e in entries] == [
        ("api_client.create", None), ("api_client.rotate", "laptop lost"), ("api_client.revoke", "left the council")
    ]


async def test_keys_are_stored_only_as_hashes(council: Council) -> None:
    rows = await council.sql("SELECT c::text AS row, c.key_hash FROM auth.api_client c")
    stored = " ".join(r["row"] for r in rows)
    keys = [h["Authorization"].removeprefix("Bearer ") for h in council.headers.values() if h]
    assert keys
    assert all(k not in stored for k in keys)
    assert all(len(r["key_hash"]) == 64 for r in rows)  # SHA-256 hex of 256 random bits
    audit = " ".join(r["row"] for r in await council.sql("SELECT a::text AS row FROM auth.audit_entry a"))
    assert all(k not in audit for k in keys)


def _personal_values(council: Council) -> list[str]:
    return [v for n in (1, 3) for k, v in person(n).items() if k in PERSONAL_KEYS]


async def test_offers_never_carry_personal_data(council: Council) -> None:
    offers = await council.ok("brokerage", "GET", "/v1/offers", "provider")
    one = await council.ok("brokerage", "GET", f"/v1/offers/{council.ids['offer']}", "provider")
    bodies = await council.sql(
        "SELECT body FROM brokerage.webhook_delivery WHERE event_type LIKE '%offered'"
    )  # fmt: skip
    assert bodies, "offers were sent to providers' webhooks"
    text = json.dumps([offers, one]) + " ".join(str(b["body"]) for b in bodies)
    assert [v for v in _personal_values(council) if v in text] == []


async def test_personal_data_stays_in_referrals_and_brokerage(council: Council) -> None:
    """Monitoring, payments and quality never store a name, NHS number, date of birth or address."""
    values = _personal_values(council)
    for schema in ("monitoring", "payments", "quality", "auth"):
        tables = await council.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = :s AND table_type = 'BASE TABLE'",
            s=schema,
        )
        for t in tables:
            rows = await council.sql(f'SELECT x::text AS row FROM "{schema}"."{t["table_name"]}" x')  # noqa: S608
            text = " ".join(r["row"] for r in rows)
            leaked = [v for v in values if v in text]
            assert leaked == [], f"{schema}.{t['table_name']} holds {leaked}"
