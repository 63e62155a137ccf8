"""A late visit of a budget package, arriving after its period was approved, is settled as the
budget and the bank would have paid it in time: its week draws on the bank, a later week that drew
on the same bank gives it back, and what is now over budget and bank is held."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from shared.contracts.common import Budget
from shared.testing.stack import wait_for

from .api_helpers import all_lines, at, calculated
from .conftest import Stack
from .events import awarded, completed

pytestmark = pytest.mark.asyncio(loop_scope="session")

PACKAGE, PROVIDER = uuid.uuid4(), uuid.uuid4()
MONDAY = date(2026, 11, 2)
SECOND = "2026-11-30"
# One-hour visits at £20 against £100 a week: week 1 uses 60 and banks 40; week 3 delivers 120
# and draws 20 of that bank. Two hours of week 2 arrive only after the period is approved.
HOURS = [3, 5, 6, 5]


def _visits(week: int, count: int, first_day: int = 0) -> list[tuple[Any, str]]:
    out = []
    for i in range(count):
        day = MONDAY + timedelta(weeks=week, days=first_day + i)
        vid = uuid.uuid4()
        out.append((completed(vid, PACKAGE, PROVIDER, at(day.day, day.month), 60, planned=60), str(vid)))
    return out


async def test_a_late_visit_follows_the_budget_and_the_bank(stack: Stack) -> None:
    client = stack.running.client
    staff = await stack.headers("payments_staff", name="gail")
    approver = await stack.headers("payments_approver", name="hal")
    award = awarded(PACKAGE, PROVIDER, rate="20.00").model_copy(
        update={"payment_basis": "budget", "budget": Budget(amount=Decimal("100.00"), period="weekly")}
    )
    await stack.publish([(award, str(PACKAGE)), *[v for week, n in enumerate(HOURS) for v in _visits(week, n)]])

    async def visits(n: int) -> bool:
        return bool(await stack.scalar("SELECT count(*) FROM payments.visit") == n)

    await wait_for(lambda: visits(sum(HOURS)), timeout=30, message="visits consumed")
    first = (await client.post("/v1/periods", json={"start_date": str(MONDAY)}, headers=staff)).json()["period_id"]
    await calculated(client, first, staff)
    lines = await all_lines(client, first, staff)
    paid = {(x["rule"], x["service_date"]): x["amount"] for x in lines if x["status"] == "payable"}
    assert paid == {
        ("budget_week", "2026-11-02"): "60.00",
        ("budget_week", "2026-11-09"): "100.00",
        ("budget_week", "2026-11-16"): "100.00",
        ("budget_bank_used", "2026-11-16"): "20.00",
        ("budget_week", "2026-11-23"): "100.00",
    }  # fmt: skip
    assert (await client.post(f"/v1/periods/{first}/approve", headers=approver)).status_code == 200

    # Saturday and Sunday of week 2, an hour each, arrive late.
    await stack.publish(_visits(1, 2, first_day=5))
    await wait_for(lambda: visits(sum(HOURS) + 2), timeout=30, message="late visits consumed")
    second = (await client.post("/v1/periods", json={"start_date": SECOND}, headers=staff)).json()["period_id"]
    await calculated(client, second, staff)
    lines = await all_lines(client, second, staff)
    prior = [(x["rule"], x["service_date"], x["status"], x["amount"]) for x in lines if x["service_date"] < SECOND]
    assert prior == [
        # Week 2 delivered 140: had the visits come in time it would have drawn 40 from week 1's bank.
        ("prior_period:budget_bank_used", "2026-11-09", "payable", "40.00"),
        # That left nothing for week 3, which drew 20: it is recovered, and week 3's 20 over budget
        # is held as exceptional, as it would have been.
        ("prior_period_adjustment:budget_bank_used", "2026-11-16", "payable", "-20.00"),
        ("prior_period:budget_exceptional_excess", "2026-11-16", "held", "20.00"),
    ]
    totals = (await client.get(f"/v1/periods/{second}/totals", headers=staff)).json()
    assert (totals["paid"], totals["held"]) == ("20.00", "20.00")
    # The bank the replay leaves at the end of the first period is empty; each new week banks 100.
    banks = await stack.scalar(
        "SELECT string_agg(as_of || ':' || amount, ' ' ORDER BY as_of, week) FROM payments.bank_balance "
        "WHERE period_id = :p",
        p=second,
    )
    assert banks == "2026-11-29:0.00 " + " ".join(["2026-12-27:100.00"] * 4)
