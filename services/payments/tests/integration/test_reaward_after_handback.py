"""A package handed back and awarded again: the first provider's visits before the new start are
still paid, to it and at its rate; the new provider's from the new start at the new rate."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from shared.contracts.common import RateFrom
from shared.testing.stack import wait_for

from .api_helpers import all_lines, at, calculated
from .conftest import Stack
from .events import awarded, completed

pytestmark = pytest.mark.asyncio(loop_scope="session")

FIRST, SECOND, PACKAGE = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


async def test_a_reaward_keeps_the_earlier_providers_days(stack: Stack) -> None:
    staff = await stack.headers("payments_staff", name="erin")
    first = awarded(PACKAGE, FIRST, rate="20.00").model_copy(
        update={"rates": [RateFrom(from_date=date(2026, 11, 2), hourly_rate=Decimal("20.00"))]}
    )
    # Handed back with notice to the 19th; the second provider starts on the 20th at its own rate.
    second = awarded(PACKAGE, SECOND, rate="25.00", start=date(2026, 11, 20)).model_copy(
        update={"rates": [RateFrom(from_date=date(2026, 11, 20), hourly_rate=Decimal("25.00"))]}
    )
    before, after = uuid.uuid4(), uuid.uuid4()
    await stack.publish(
        [
            (first, str(PACKAGE)),
            (completed(before, PACKAGE, FIRST, at(4), 60, planned=60), str(before)),
            (second, str(PACKAGE)),
            (completed(after, PACKAGE, SECOND, at(23), 60, planned=60), str(after)),
        ]
    )

    async def arrived() -> bool:
        visits = await stack.scalar("SELECT count(*) FROM payments.visit")
        provider = await stack.scalar("SELECT provider_id FROM payments.package")
        return bool(visits == 2 and provider == SECOND)

    await wait_for(arrived, timeout=30, message="both awards and both visits consumed")
    client = stack.running.client
    period = (await client.post("/v1/periods", json={"start_date": "2026-11-02"}, headers=staff)).json()["period_id"]
    await calculated(client, period, staff)
    paid = sorted(
        (x["service_date"], x["provider_id"], x["hourly_rate"], x["amount"], x["status"])
        for x in await all_lines(client, period, staff)
    )
    assert paid == [
        ("2026-11-04", str(FIRST), "20.00", "20.00", "payable"),
        ("2026-11-23", str(SECOND), "25.00", "25.00", "payable"),
    ]
