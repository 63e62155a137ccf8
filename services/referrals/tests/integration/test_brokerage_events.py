"""Brokerage's package events, through the real broker, keep the referral's status true."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from shared.contracts.brokerage import (
    PackageAwarded,
    PackageEnded,
    PackageHandedBack,
    PackageOffered,
    PackageUnplaced,
)
from shared.messaging.envelope import EventData
from shared.testing.stack import wait_for

from .conftest import today

if TYPE_CHECKING:
    from .conftest import Stack

pytestmark = pytest.mark.asyncio(loop_scope="session")

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def offered(package_id: uuid.UUID, provider_id: uuid.UUID) -> PackageOffered:
    """An offer of the package to a provider, as brokerage publishes it."""
    return PackageOffered(
        package_id=package_id, offer_id=uuid.uuid4(), provider_id=provider_id, zone_id="z1", round=1,
        service_type="ongoing_support", urgency="urgent", weekly_hours=Decimal(12), offered_at=NOW,
        deadline=NOW + timedelta(hours=2),
    )


def awarded(package_id: uuid.UUID, provider_id: uuid.UUID, start: date) -> PackageAwarded:
    """The award of the package to a provider, care starting on ``start``."""
    return PackageAwarded.model_validate({
        "package_id": package_id, "referral_id": package_id, "provider_id": provider_id, "zone_id": "z1",
        "pricing_level": "urban", "service_type": "ongoing_support", "payment_basis": "time_and_task",
        "hourly_rate": "22.00", "rates": [{"from_date": "2026-04-01", "hourly_rate": "22.00"}],
        "funding": {"council": "0.5", "nhs": "0.5"},
        "visit_pattern": [{"days": ["mon"], "start": "08:00", "duration_minutes": 60}], "weekly_hours": "1",
        "outcomes": [{"code": "WASH", "description": "Washed"}], "start_date": start, "urgency": "urgent",
        "submitted_at": NOW, "awarded_at": NOW,
    })


async def status_becomes(stack: Stack, referral_id: uuid.UUID, status: str) -> dict[str, Any]:
    """Wait for the consumer to bring the referral to a status; return it as the API shows it."""

    async def reached() -> dict[str, Any] | None:
        got: dict[str, Any] = (await stack.client.get(f"/v1/referrals/{referral_id}", headers=stack.cm)).json()
        return got if got["status"] == status else None

    found: dict[str, Any] = await wait_for(reached, timeout=30, message=f"referral {referral_id} {status}")
    return found


async def send(stack: Stack, referral_id: uuid.UUID, *events: EventData) -> list[uuid.UUID]:
    """Publish events keyed by the referral (= package) id; returns their envelope ids."""
    return await stack.publish([(e, str(referral_id)) for e in events])


async def test_offers_unplacing_award_and_start(stack: Stack) -> None:
    referral_id = await stack.submitted_id()
    first, second = uuid.uuid4(), uuid.uuid4()
    await send(stack, referral_id, offered(referral_id, first))
    await status_becomes(stack, referral_id, "offered")
    await send(stack, referral_id, PackageUnplaced(package_id=referral_id, reason="no capacity", at=NOW))
    await status_becomes(stack, referral_id, "unplaced")
    await send(stack, referral_id, offered(referral_id, second))
    await status_becomes(stack, referral_id, "offered")
    start = today() + timedelta(days=5)
    await send(stack, referral_id, awarded(referral_id, second, start))
    placed = await status_becomes(stack, referral_id, "placed")
    assert placed["provider_id"] == str(second)
    assert placed["care_start_date"] == start.isoformat()

    # handed back before care started: it goes round the offers again and a new provider wins
    await send(stack, referral_id,
               PackageHandedBack(package_id=referral_id, provider_id=second, notice_date=start, reason="staff",
                                 at=NOW),
               offered(referral_id, first), awarded(referral_id, first, today()))
    active = await status_becomes(stack, referral_id, "active")
    assert active["provider_id"] == str(first)


async def test_rebrokerage_does_not_interrupt_care(stack: Stack) -> None:
    referral_id = await stack.submitted_id()
    provider, replacement = uuid.uuid4(), uuid.uuid4()
    await send(stack, referral_id, awarded(referral_id, provider, today()))
    await status_becomes(stack, referral_id, "active")
    await send(stack, referral_id,
               PackageHandedBack(package_id=referral_id, provider_id=provider, notice_date=today() + timedelta(28),
                                 reason="staff", at=NOW),
               offered(referral_id, replacement),
               PackageUnplaced(package_id=referral_id, reason="no capacity", at=NOW),
               awarded(referral_id, replacement, today() + timedelta(days=28)))

    async def new_provider() -> bool:
        got = (await stack.client.get(f"/v1/referrals/{referral_id}", headers=stack.cm)).json()
        return bool(got["provider_id"] == str(replacement))

    await wait_for(new_provider, timeout=30, message="the replacement provider")
    got = (await stack.client.get(f"/v1/referrals/{referral_id}", headers=stack.cm)).json()
    assert got["status"] == "active"


async def test_brokerage_ending_a_package_ends_the_referral(stack: Stack) -> None:
    referral_id = await stack.submitted_id()
    await send(stack, referral_id, awarded(referral_id, uuid.uuid4(), today()),
               PackageEnded(package_id=referral_id, end_date=today(), reason="provider exit"))
    ended = await status_becomes(stack, referral_id, "ended")
    assert ended["end"] == {"end_date": today().isoformat(), "reason": "other"}


async def test_events_after_cancellation_change_nothing(stack: Stack) -> None:
    referral_id = await stack.submitted_id()
    cancel = await stack.client.post(f"/v1/referrals/{referral_id}/cancel", json={}, headers=stack.cm)
    assert cancel.json()["status"] == "cancelled"
    sent = await send(stack, referral_id, offered(referral_id, uuid.uuid4()),
                      awarded(referral_id, uuid.uuid4(), today()))
    await stack.processed(sent)
    got = (await stack.client.get(f"/v1/referrals/{referral_id}", headers=stack.cm)).json()
    assert got["status"] == "cancelled"
    assert got["provider_id"] is None


async def test_an_event_for_an_unknown_referral_is_applied_as_nothing(stack: Stack) -> None:
    stranger = uuid.uuid4()
    sent = await send(stack, stranger, offered(stranger, uuid.uuid4()))
    await stack.processed(sent)
    assert await stack.sql("SELECT 1 FROM referrals.referral WHERE id = :id", id=stranger) == []
