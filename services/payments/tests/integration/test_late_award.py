"""Visits that arrive before their package's award are paid once the award arrives, in the next
period if their own was approved meanwhile."""

from __future__ import annotations

import uuid

import pytest
from shared.testing.stack import wait_for

from .api_helpers import all_lines, at, calculated
from .conftest import Stack
from .events import awarded, completed

pytestmark = pytest.mark.asyncio(loop_scope="session")

PACKAGE, PROVIDER, VISIT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


async def test_visits_before_their_award_are_paid_when_it_arrives(stack: Stack) -> None:
    client = stack.running.client
    staff = await stack.headers("payments_staff", name="ivy")
    approver = await stack.headers("payments_approver", name="jo")
    await stack.publish([(completed(VISIT, PACKAGE, PROVIDER, at(4), 45, planned=45), str(VISIT))])

    async def arrived(sql: str) -> bool:
        return bool(await stack.scalar(sql) == 1)

    await wait_for(lambda: arrived("SELECT count(*) FROM payments.visit"), timeout=30, message="visit consumed")
    first = (await client.post("/v1/periods", json={"start_date": "2026-11-02"}, headers=staff)).json()["period_id"]
    await calculated(client, first, staff)
    # Without terms nothing can be worked out for the visit: it is left, not guessed at.
    assert await all_lines(client, first, staff) == []
    assert (await client.post(f"/v1/periods/{first}/approve", headers=approver)).status_code == 200

    await stack.publish([(awarded(PACKAGE, PROVIDER, rate="18.52"), str(PACKAGE))])
    await wait_for(lambda: arrived("SELECT count(*) FROM payments.package"), timeout=30, message="award consumed")
    second = (await client.post("/v1/periods", json={"start_date": "2026-11-30"}, headers=staff)).json()["period_id"]
    await calculated(client, second, staff)
    # 45 x 18.52 / 60 = 13.89, paid in the next period as an item of the first.
    assert [(x["rule"], x["service_date"], x["amount"]) for x in await all_lines(client, second, staff)] == [
        ("prior_period:time_and_task:nearest_minute", "2026-11-04", "13.89")
    ]
