"""Referral changes from the bus: a hospital retainer (and its week 5), and an enablement review."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from shared.contracts.common import Budget
from shared.contracts.referrals import OutcomeReview, ReferralReviewed, ReferralSuspended
from shared.testing.stack import wait_for

from .api_helpers import all_lines, at, calculated
from .conftest import Stack
from .events import awarded, completed

pytestmark = pytest.mark.asyncio(loop_scope="session")

PROVIDER = uuid.uuid4()
IN_HOSPITAL, ENABLING = uuid.uuid4(), uuid.uuid4()


async def test_retainer_and_enablement_from_referral_events(stack: Stack) -> None:
    client = stack.running.client
    staff = await stack.headers("payments_staff", name="erin")
    enablement = awarded(ENABLING, PROVIDER, rate="20.00").model_copy(
        update={
            "payment_basis": "enablement_outcomes",
            "service_type": "enablement",
            "enablement_weeks": 6,
            "ongoing_hourly_rate": Decimal("17.50"),
            "budget": Budget(amount=Decimal("600.00"), period="total", weeks=6),
        }
    )
    v1, v2 = uuid.uuid4(), uuid.uuid4()
    await stack.publish(
        [
            # Mon and Wed, an hour each, at £20: a planned weekly cost of £40.
            (awarded(IN_HOSPITAL, PROVIDER, rate="20.00"), str(IN_HOSPITAL)),
            (ReferralSuspended(referral_id=IN_HOSPITAL, reason="hospital_admission", from_date=date(2026, 11, 2)),
             str(IN_HOSPITAL)),
            (enablement, str(ENABLING)),
            (completed(v1, ENABLING, PROVIDER, at(3), 60, planned=60), str(v1)),
            (completed(v2, ENABLING, PROVIDER, at(5), 60, planned=60), str(v2)),
            (ReferralReviewed(referral_id=ENABLING, review_date=date(2026, 11, 27),
                              outcomes=[OutcomeReview(code="meal", result="met")], all_met=True), str(ENABLING)),
        ]
    )  # fmt: skip

    async def arrived() -> bool:
        stays = await stack.scalar("SELECT count(*) FROM payments.hospital_stay")
        reviewed = await stack.scalar("SELECT count(*) FROM payments.referral_state WHERE all_met")
        visits = await stack.scalar("SELECT count(*) FROM payments.visit")
        return bool(stays == 1 and reviewed == 1 and visits == 2)

    await wait_for(arrived, timeout=30, message="referral events consumed")

    first = (await client.post("/v1/periods", json={"start_date": "2026-11-02"}, headers=staff)).json()["period_id"]
    await calculated(client, first, staff)
    lines = await all_lines(client, first, staff)

    def of(package: uuid.UUID, rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
        return [(x["rule"], x["status"], x["amount"]) for x in rows if x["package_id"] == str(package)]

    assert of(IN_HOSPITAL, lines) == [("retainer", "payable", "40.00")] * 4
    # Every outcome met: the whole £600 budget, whatever the two hours delivered were worth.
    assert of(ENABLING, lines) == [("enablement_outcomes_met", "payable", "600.00")]

    second = (await client.post("/v1/periods", json={"start_date": "2026-11-30"}, headers=staff)).json()["period_id"]
    await calculated(client, second, staff)
    later = of(IN_HOSPITAL, await all_lines(client, second, staff))
    assert later[0] == ("retainer_expired", "not_payable", "40.00")
    assert {status for _, status, _ in later} == {"not_payable"}
