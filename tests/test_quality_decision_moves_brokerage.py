"""A demotion confirmed in quality changes who brokerage offers the next package to, through the
real broker: brokerage admits the providers (quality learns them from ``brokerage.provider``),
quality scores two poor weeks of the prime, an officer confirms the demotion and the promotion,
and the next referral is offered first to the provider that was supplementary."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from brokerage.main import create_app as brokerage_app
from brokerage.settings import BrokerageSettings
from quality.main import create_app as quality_app
from quality.settings import QualitySettings
from shared.contracts import brokerage, monitoring
from shared.contracts.common import Funding
from shared.contracts.referrals import Person, ReferralSubmitted
from shared.messaging.envelope import EventData
from shared.testing.apps import api_headers, running_app
from shared.testing.events import publish_events
from shared.testing.stack import PostgresHandle, migrated_database, wait_for

pytestmark = pytest.mark.asyncio(loop_scope="session")


def referral() -> tuple[ReferralSubmitted, str]:
    rid = uuid.uuid4()
    return (
        ReferralSubmitted(
            referral_id=rid,
            client_id=uuid.uuid4(),
            external_ref=f"MOSAIC-{rid.hex[:6]}",
            person=Person(
                nhs_number="9434765919",
                given_name="Morwenna",
                family_name="Trelawny",
                date_of_birth=date(1938, 2, 14),
                postcode="PL25 5AB",
                address="3 Fore Street, St Austell",
                needs_summary="Help with meals",
            ),
            service_type="ongoing_support",
            outcomes=[{"code": "meals", "description": "can make a hot meal unaided"}],  # type: ignore[list-item]
            visit_pattern=[{"days": ["mon", "wed", "fri"], "start": "08:00", "duration_minutes": 60}],  # type: ignore[list-item]
            weekly_hours=Decimal(3),
            payment_basis="time_and_task",
            funding=Funding(council=Decimal(1), nhs=Decimal(0)),
            start_date=date(2026, 12, 7),
            urgency="standard",
            submitted_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
        ),
        str(rid),
    )


def award(provider_id: uuid.UUID) -> tuple[brokerage.PackageAwarded, str]:
    pid = uuid.uuid4()
    return (
        brokerage.PackageAwarded(
            package_id=pid,
            referral_id=pid,
            provider_id=provider_id,
            zone_id="z1",
            pricing_level="urban",
            service_type="ongoing_support",
            payment_basis="time_and_task",
            hourly_rate=Decimal("22.00"),
            rates=[],
            funding=Funding(council=Decimal(1), nhs=Decimal(0)),
            visit_pattern=[],
            weekly_hours=Decimal(1),
            outcomes=[],
            start_date=date(2026, 11, 2),
            urgency="standard",
            submitted_at=datetime(2026, 10, 30, tzinfo=UTC),
            awarded_at=datetime(2026, 10, 30, 2, tzinfo=UTC),
        ),
        str(pid),
    )


def visit(provider_id: uuid.UUID, package_id: str, day: int, *, missed: bool) -> tuple[EventData, str]:
    planned = datetime(2026, 11, day, 9, tzinfo=UTC)
    vid = uuid.uuid4()
    common: dict[str, Any] = {
        "visit_id": vid,
        "package_id": uuid.UUID(package_id),
        "provider_id": provider_id,
        "revision": 1,
        "planned_start": planned,
        "planned_minutes": 30,
    }
    if missed:
        return monitoring.VisitMissed(**common), str(vid)
    return (
        monitoring.VisitCompleted(
            **common,
            actual_start=planned,
            actual_end=planned.replace(minute=30),
            carers=["c1"],
            method="nfc",
            verified=True,
        ),
        str(vid),
    )


async def test_confirmed_demotion_changes_the_next_offer(pg: PostgresHandle, bootstrap: str) -> None:
    url = await migrated_database(pg, ("brokerage", "quality"))
    admin = await api_headers(url, role="admin")
    officer = await api_headers(url, role="quality_officer")
    async with AsyncExitStack() as stack:
        broker = await stack.enter_async_context(
            running_app(
                brokerage_app(
                    BrokerageSettings(database_url=url, kafka_bootstrap_servers=bootstrap, deadline_poll_seconds=0.2)
                )
            )
        )
        qual = await stack.enter_async_context(
            running_app(
                quality_app(QualitySettings(database_url=url, kafka_bootstrap_servers=bootstrap, auto_evaluate=False))
            )
        )
        b, q = broker.client, qual.client

        level = {
            "id": "urban",
            "name": "Urban",
            "rates": [
                {"service_type": "ongoing_support", "from_date": "2026-04-01", "hourly_rate": "22.00"},
                {"service_type": "enablement", "from_date": "2026-04-01", "hourly_rate": "25.00"},
            ],
        }
        zone = {
            "id": "z1",
            "name": "Zone 1",
            "pricing_level_id": "urban",
            "coverage": ["PL25"],
            "planned_weekly_hours": "1000",
        }
        for path, body in (("/v1/pricing-levels", level), ("/v1/zones", zone)):
            assert (await b.post(path, json=body, headers=admin)).status_code == 201

        async def admit(name: str, status: str) -> uuid.UUID:
            body = {
                "name": name,
                "cqc_location_id": f"1-{name}",
                "cqc_rating": "Good",
                "zones": [{"zone_id": "z1", "status": status}],
                "weekly_capacity_hours": "100",
                "enablement_allowed": True,
                "ethical_care_charter": True,
            }
            response = await b.post("/v1/providers", json=body, headers=admin)
            assert response.status_code == 201, response.text
            return uuid.UUID(response.json()["id"])

        prime, second = await admit("Prime Care", "prime"), await admit("Second Care", "supplementary")

        async def round_one_offerees(package_id: str) -> set[uuid.UUID]:
            found = set()
            for provider in (prime, second):
                headers = await api_headers(url, role="provider", provider_ids=[provider])
                response = await b.get("/v1/offers", params={"status": "open"}, headers=headers)
                assert response.status_code == 200, response.text
                if any(o["package_id"] == package_id for o in response.json()["items"]):
                    found.add(provider)
            return found

        before, before_id = referral()
        await publish_events(bootstrap, [(before, before_id)])
        assert await wait_for(lambda: round_one_offerees(before_id), timeout=60, message="first offer") == {prime}

        prime_pkg, second_pkg = award(prime), award(second)
        await publish_events(
            bootstrap,
            [
                prime_pkg,
                second_pkg,
                *(visit(prime, prime_pkg[1], day, missed=True) for day in (10, 17)),
                *(visit(second, second_pkg[1], day, missed=False) for day in (10, 17)),
            ],
        )

        async def quality_knows_everything() -> bool:
            response = await q.get("/v1/kpis", params={"period": "2026-W45+4w"}, headers=officer)
            return response.status_code == 200 and response.json()["kpis"]["visits"]["planned"] == 4

        await wait_for(quality_knows_everything, timeout=60, message="quality consumed the visits")
        evaluation = await q.post("/v1/periods/2026-W47/evaluation", headers=officer)
        assert evaluation.status_code == 200, evaluation.text
        recommended = {(r["kind"], r["provider_id"]): r for r in evaluation.json()["new_recommendations"]}
        assert set(recommended) == {("demote_to_supplementary", str(prime)), ("promote_to_prime", str(second))}
        for rec in recommended.values():
            confirmed = await q.post(
                f"/v1/recommendations/{rec['recommendation_id']}/confirm",
                json={"reason": "Two poor periods in a row; missed visits far over target."},
                headers=officer,
            )
            assert confirmed.status_code == 200, confirmed.text

        async def brokerage_applied() -> bool:
            # Both decisions: they are keyed by different providers, so they may arrive in either order.
            standing = {}
            for provider in (prime, second):
                response = await b.get(f"/v1/providers/{provider}", headers=admin)
                standing[provider] = response.json()["zones"]
            return standing == {
                prime: [{"zone_id": "z1", "status": "supplementary"}],
                second: [{"zone_id": "z1", "status": "prime"}],
            }

        await wait_for(brokerage_applied, timeout=60, message="brokerage to apply both decisions")
        after, after_id = referral()
        await publish_events(bootstrap, [(after, after_id)])
        assert await wait_for(lambda: round_one_offerees(after_id), timeout=60, message="next offer") == {second}
