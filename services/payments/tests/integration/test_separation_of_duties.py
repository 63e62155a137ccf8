"""Four eyes: the approver is never the API client that calculated or adjusted the period, whatever
the client is renamed, nor the same person holding another key."""

from __future__ import annotations

import uuid

import pytest
from shared.auth.keys import parse_key
from shared.testing.stack import wait_for
from sqlalchemy import text

from .api_helpers import calculated
from .conftest import Stack
from .events import awarded

pytestmark = pytest.mark.asyncio(loop_scope="session")

PACKAGE, PROVIDER = uuid.uuid4(), uuid.uuid4()


def _client_id(headers: dict[str, str]) -> uuid.UUID:
    client_id = parse_key(headers["Authorization"].removeprefix("Bearer "))
    assert client_id is not None
    return client_id


async def _set_client(stack: Stack, client_id: uuid.UUID, *, role: str | None = None, name: str | None = None) -> None:
    """What an administrator might do to a client: give it another role, or another name."""
    async with stack.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE auth.api_client SET role = coalesce(:role, role), name = coalesce(:name, name) WHERE id = :id"
            ),
            {"id": client_id, "role": role, "name": name},
        )


async def test_the_approver_is_another_client_and_another_person(stack: Stack) -> None:
    client = stack.running.client
    calculator = await stack.headers("payments_staff", name="alice")
    adjuster = await stack.headers("payments_staff", name="carol")
    await stack.publish([(awarded(PACKAGE, PROVIDER, rate="18.52", contribution=("7.00", "net")), str(PACKAGE))])

    async def arrived() -> bool:
        return bool(await stack.scalar("SELECT count(*) FROM payments.package") == 1)

    await wait_for(arrived, timeout=30, message="award consumed")
    period = (await client.post("/v1/periods", json={"start_date": "2026-11-02"}, headers=calculator)).json()
    done = await calculated(client, period["period_id"], calculator)
    assert done["calculated_by"] == "alice"
    assert done["calculated_by_client"] == str(_client_id(calculator))
    r = await client.post(
        f"/v1/periods/{period['period_id']}/adjustments",
        json={"amount": "1.00", "provider_id": str(PROVIDER), "reason": "agreed with the provider"},
        headers=adjuster,
    )
    assert r.status_code == 201, r.text
    approve = f"/v1/periods/{period['period_id']}/approve"

    # The calculating client given the approver's role (and then another name) is still refused;
    # so is the adjusting client.
    calculator_id, adjuster_id = _client_id(calculator), _client_id(adjuster)
    await _set_client(stack, calculator_id, role="payments_approver")
    for name in ("alice", "zed"):
        await _set_client(stack, calculator_id, name=name)
        r = await client.post(approve, headers=calculator)
        assert r.status_code == 403, (name, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    await _set_client(stack, adjuster_id, role="payments_approver")
    assert (await client.post(approve, headers=adjuster)).status_code == 403

    # The adjuster's other key (the same person, however the name is spaced or cased) is refused too.
    second_key = await stack.headers("payments_approver", name="  Carol ")
    r = await client.post(approve, headers=second_key)
    assert r.status_code == 403, r.text
    assert r.json()["detail"] == "the approver must not be the person who calculated or adjusted the period"

    # Someone else approves.
    dana = await stack.headers("payments_approver", name="dana")
    r = await client.post(approve, headers=dana)
    assert r.status_code == 200, r.text
    assert (r.json()["approved_by"], r.json()["approved_by_client"]) == ("dana", str(_client_id(dana)))
