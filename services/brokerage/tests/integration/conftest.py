"""The brokerage app against a fresh migrated database and the module's real broker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from brokerage.main import create_app
from brokerage.settings import BrokerageSettings
from shared.contracts.referrals import Person, ReferralSubmitted
from shared.messaging.envelope import EventData
from shared.testing.apps import RunningApp, api_headers, running_app
from shared.testing.events import publish_events
from shared.testing.stack import PostgresHandle, migrated_database, wait_for
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ADMIN = "admin"


def fast_settings(url: str, bootstrap: str, **overrides: Any) -> BrokerageSettings:
    """Fast timings so deadlines, retries and sweeps happen within a test."""
    fast: dict[str, Any] = dict(
        database_url=url,
        kafka_bootstrap_servers=bootstrap,
        db_pool_size=4,
        deadline_poll_seconds=0.2,
        webhook_poll_seconds=0.05,
        webhook_timeout_seconds=1.0,
        webhook_retry_base_seconds=0.2,
        webhook_retry_cap_seconds=1.0,
    )
    return BrokerageSettings(**(fast | overrides))


@dataclass
class Stack:
    """A running brokerage service, its database and its broker."""

    running: RunningApp
    database_url: str
    bootstrap: str
    admin: dict[str, str] = field(default_factory=dict)

    @property
    def client(self) -> httpx.AsyncClient:
        """The in-process HTTP client."""
        return self.running.client

    async def headers(self, role: str, provider_ids: list[uuid.UUID] | None = None) -> dict[str, str]:
        """Auth headers of a new API client with this role."""
        return await api_headers(self.database_url, role=role, provider_ids=provider_ids)

    async def as_provider(self, provider_id: uuid.UUID) -> dict[str, str]:
        """Auth headers of a client bound to one provider."""
        return await self.headers("provider", [provider_id])

    async def publish(self, events: list[tuple[EventData, str]]) -> None:
        """Put events on the broker as the other services would, keyed by their aggregate id."""
        await publish_events(self.bootstrap, events)

    async def sql(self, statement: str, **params: Any) -> list[dict[str, Any]]:
        """Run SQL against the service's database (assertions on its own tables)."""
        engine = create_async_engine(self.database_url.replace("postgresql://", "postgresql+asyncpg://"))
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(statement), params)
                return [dict(r) for r in result.mappings().all()] if result.returns_rows else []
        finally:
            await engine.dispose()

    async def events(self, event_type: str, package_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
        """Payloads the service wrote to its outbox, oldest first."""
        rows = await self.sql("SELECT payload FROM brokerage.outbox_event WHERE type = :t ORDER BY seq", t=event_type)
        payloads = [r["payload"]["data"] for r in rows]
        if package_id is not None:
            payloads = [p for p in payloads if p.get("package_id") == str(package_id)]
        return payloads

    async def package(self, package_id: uuid.UUID) -> dict[str, Any]:
        """The package row, once the consumer has created it."""
        rows = await wait_for(
            lambda: self.sql("SELECT * FROM brokerage.package WHERE id = :id", id=package_id),
            timeout=20,
            message=f"package {package_id}",
        )
        return dict(rows[0])

    async def offers(self, package_id: uuid.UUID) -> list[dict[str, Any]]:
        """The package's offers, in round order."""
        return await self.sql(
            "SELECT * FROM brokerage.offer WHERE package_id = :id ORDER BY cascade, round, provider_id", id=package_id
        )

    async def settled(self, package_id: uuid.UUID, status: str) -> dict[str, Any]:
        """Wait until the package reaches a status."""

        async def reached() -> dict[str, Any] | None:
            rows = await self.sql("SELECT * FROM brokerage.package WHERE id = :id", id=package_id)
            return rows[0] if rows and rows[0]["status"] == status else None

        found: dict[str, Any] = await wait_for(reached, timeout=20, message=f"package {package_id} {status}")
        return found

    async def setup_dps(self, rules: dict[str, Any] | None = None) -> None:
        """A pricing level with April 2026 rates and zone z1 covering PL25 (planned 1000 hours a week)."""
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
            response = await self.client.post(path, json=body, headers=self.admin)
            assert response.status_code == 201, response.text
        if rules is not None:
            response = await self.client.put("/v1/rules", json=rules, headers=self.admin)
            assert response.status_code == 200, response.text

    async def admit(self, name: str, **overrides: Any) -> uuid.UUID:
        """Admit a provider (prime in z1, 100 hours, enablement allowed unless overridden)."""
        body: dict[str, Any] = {
            "name": name,
            "cqc_location_id": f"1-{name}",
            "cqc_rating": "Good",
            "zones": [{"zone_id": "z1", "status": "prime"}],
            "weekly_capacity_hours": "100",
            "enablement_allowed": True,
            "ethical_care_charter": True,
        }
        body.update(overrides)
        response = await self.client.post("/v1/providers", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        return uuid.UUID(response.json()["id"])

    async def score(self, provider_id: uuid.UUID, score: str) -> None:
        """Give a provider a quality score directly (the consumed-event path has its own test)."""
        await self.sql(
            "UPDATE brokerage.provider SET quality_score = :s WHERE id = :id", s=Decimal(score), id=provider_id
        )


def referral(
    *,
    postcode: str = "PL25 5AB",
    service_type: str = "ongoing_support",
    urgency: str = "standard",
    minutes: int = 60,
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri"),
) -> ReferralSubmitted:
    """A submitted referral: ``minutes`` a day on ``days`` (weekly hours to match)."""
    hours = Decimal(minutes * len(days)) / 60
    return ReferralSubmitted(
        referral_id=uuid.uuid4(),
        client_id=uuid.uuid4(),
        external_ref="MOSAIC-1",
        person=Person(
            nhs_number="9434765919",
            given_name="Morwenna",
            family_name="Trelawny",
            date_of_birth=date(1938, 2, 14),
            postcode=postcode,
            address="3 Fore Street, St Austell",
            needs_summary="Help with meals and medication",
        ),
        service_type=service_type,  # type: ignore[arg-type]
        outcomes=[{"code": "meals", "description": "can make a hot meal unaided"}],  # type: ignore[list-item]
        visit_pattern=[{"days": list(days), "start": "08:00", "duration_minutes": minutes}],  # type: ignore[list-item]
        weekly_hours=hours,
        payment_basis="time_and_task",
        funding={"council": "1", "nhs": "0"},  # type: ignore[arg-type]
        start_date=date(2026, 12, 1),
        urgency=urgency,  # type: ignore[arg-type]
        submitted_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
    )


@pytest.fixture
def make_referral() -> Any:
    """The referral factory, for tests (conftest is not importable under importlib mode)."""
    return referral


@asynccontextmanager
async def open_stack(
    url: str, bootstrap: str, admin: dict[str, str] | None = None, **overrides: Any
) -> AsyncIterator[Stack]:
    """Start the service on an existing database (a second start is a restart)."""
    async with running_app(create_app(fast_settings(url, bootstrap, **overrides))) as running:
        stack = Stack(running, url, bootstrap)
        stack.admin = admin or await stack.headers(ADMIN)
        yield stack


@pytest.fixture
def stack_opener() -> Any:
    """``open_stack``, for tests that stop and start the service themselves."""
    return open_stack


@pytest.fixture
async def stack(pg: PostgresHandle, bootstrap: str) -> AsyncIterator[Stack]:
    """A fresh database per test, so tests never see each other's rows."""
    url = await migrated_database(pg, ("brokerage",))
    async with open_stack(url, bootstrap) as stack:
        yield stack
