"""Referral changes from the bus: a hospital retainer (and its week 5) with the contribution waived
until a resumption dated ahead, and an enablement review paid once."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from shared.contracts.common import Budget
from shared.contracts.referrals import (
    OutcomeReview,
    ReferralAmended,
    ReferralResumed,
    ReferralReviewed,
    ReferralSuspended,
)
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
    approver = await stack.headers("payments_approver", name="frank")
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
            # Mon and Wed, an hour each, at £20: a planned weekly cost of £40; £14 a week collected net.
            (awarded(IN_HOSPITAL, PROVIDER, rate="20.00", contribution=("14.00", "net")), str(IN_HOSPITAL)),
            (ReferralSuspended(referral_id=IN_HOSPITAL, reason="hospital_admission", from_date=date(2026, 11, 2)),
             str(IN_HOSPITAL)),
            (enablement, str(ENABLING)),
            (completed(v1, ENABLING, PROVIDER, at(3), 60, planned=60), str(v1)),
            (completed(v2, ENABLING, PROVIDER, at(5), 60, planned=60), str(v2)),
            # The enablement budget was raised to £660 in week three.
            (ReferralAmended(referral_id=ENABLING, effective_from=date(2026, 11, 16),
                             budget=Budget(amount=Decimal("660.00"), period="total", weeks=6)), str(ENABLING)),
            (ReferralReviewed(referral_id=ENABLING, review_date=date(2026, 11, 27),
                              outcomes=[OutcomeReview(code="meal", result="met")], all_met=True), str(ENABLING)),
        ]
    )  # fmt: skip

    async def arrived() -> bool:
        stays = await stack.scalar("SELECT count(*) FROM payments.suspension")
        reviewed = await stack.scalar("SELECT count(*) FROM payments.referral_state WHERE all_met")
        visits = await stack.scalar("SELECT count(*) FROM payments.visit")
        raised = await stack.scalar("SELECT count(*) FROM payments.referral_state WHERE enablement_budget = 660")
        return bool(stays == 1 and reviewed == 1 and visits == 2 and raised == 1)

    await wait_for(arrived, timeout=30, message="referral events consumed")

    first = (await client.post("/v1/periods", json={"start_date": "2026-11-02"}, headers=staff)).json()["period_id"]
    await calculated(client, first, staff)
    lines = await all_lines(client, first, staff)

    def of(package: uuid.UUID, rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
        return [(x["rule"], x["status"], x["amount"]) for x in rows if x["package_id"] == str(package)]

    # Four weeks of retainer; no contribution is charged while the person is in hospital.
    assert (
        sorted(of(IN_HOSPITAL, lines))
        == [("client_contribution_waived", "not_payable", "0.00")] * 4 + [("retainer", "payable", "40.00")] * 4
    )
    # Every outcome met: the whole budget as amended, whatever the two hours delivered were worth.
    assert of(ENABLING, lines) == [("enablement_outcomes_met", "payable", "660.00")]
    assert (await client.post(f"/v1/periods/{first}/approve", headers=approver)).status_code == 200

    # Home from Thursday 10 December: a resumption dated ahead of when it is sent takes effect on its day.
    # And the enablement total is raised again, to £700, after its review was paid.
    await stack.publish(
        [
            (ReferralResumed(referral_id=IN_HOSPITAL, from_date=date(2026, 12, 10)), str(IN_HOSPITAL)),
            (ReferralAmended(referral_id=ENABLING, effective_from=date(2026, 11, 23),
                             budget=Budget(amount=Decimal("700.00"), period="total", weeks=6)), str(ENABLING)),
        ]
    )  # fmt: skip

    async def resumed() -> bool:
        back = await stack.scalar("SELECT count(*) FROM payments.suspension WHERE resumed IS NOT NULL")
        raised = await stack.scalar("SELECT count(*) FROM payments.referral_state WHERE enablement_budget = 700")
        return bool(back == 1 and raised == 1)

    await wait_for(resumed, timeout=30, message="resumption consumed")
    second = (await client.post("/v1/periods", json={"start_date": "2026-11-30"}, headers=staff)).json()["period_id"]
    await calculated(client, second, staff)
    later = await all_lines(client, second, staff)
    home = [x for x in later if x["package_id"] == str(IN_HOSPITAL)]
    assert [(x["rule"], x["status"], x["amount"], x["service_date"]) for x in home] == [
        ("client_contribution_waived", "not_payable", "0.00", "2026-11-30"),
        # 7 Dec week: 3 days in hospital not charged, 4 at home: 14.00 x 4/7 = 8.00
        ("client_contribution_net", "payable", "-8.00", "2026-12-07"),
        ("client_contribution_net", "payable", "-14.00", "2026-12-14"),
        ("client_contribution_net", "payable", "-14.00", "2026-12-21"),
        # Hospital weeks 5 and 6 (to the 9th): beyond the retainer's four weeks, not paid.
        ("retainer_expired", "not_payable", "40.00", "2026-11-30"),
        ("retainer_expired", "not_payable", "17.14", "2026-12-07"),
    ]  # fmt: skip
    # The whole budget was paid once: the next period pays only the £40 the amendment added.
    assert of(ENABLING, later) == [("prior_period_adjustment:enablement_outcomes_met", "payable", "40.00")]
