"""The referrals app against a migrated database per test module and the module's real broker."""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from referrals.domain.commands import REFERRAL_EXAMPLE
from referrals.main import create_app
from referrals.settings import ReferralsSettings
from shared.clock import london_date, utcnow
from shared.messaging.envelope import EventData
from shared.testing.apps import RunningApp, api_headers, running_app
from shared.testing.events import publish_events
from shared.testing.stack import PostgresHandle, migrated_database, wait_for
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


@dataclass
class Stack:
    """A running referrals service, its database, its broker and one case-management client."""

    running: RunningApp
    database_url: str
    bootstrap: str
    cm: dict[str, str]

    @property
    def client(self) -> httpx.AsyncClient:
        """The in-process HTTP client."""
        return self.running.client

    async def headers(self, role: str = "case_management") -> dict[str, str]:
        """Auth headers of a new API client with this role."""
        return await api_headers(self.database_url, role=role)

    async def submit(
        self, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None, key: str | None = None
    ) -> httpx.Response:
        """POST a referral (the example with a fresh external_ref unless given a body)."""
        body = body if body is not None else new_body()
        hdrs = (headers or self.cm) | {"Idempotency-Key": key or str(uuid.uuid4())}
        return await self.client.post("/v1/referrals", json=body, headers=hdrs)

    async def submitted_id(self, body: dict[str, Any] | None = None) -> uuid.UUID:
        """Submit a valid referral and return its id."""
        response = await self.submit(body)
        assert response.status_code == 201, response.text
        return uuid.UUID(response.json()["id"])

    async def publish(self, events: list[tuple[EventData, str]]) -> list[uuid.UUID]:
        """Put events on the broker as brokerage would, keyed by the package (= referral) id."""
        return await publish_events(self.bootstrap, events)

    async def processed(self, event_ids: list[uuid.UUID]) -> None:
        """Wait until the service's consumer has applied these events."""

        async def all_applied() -> bool:
            rows = await self.sql(
                "SELECT count(*) AS n FROM referrals.processed_event WHERE event_id = ANY(:ids)", ids=event_ids
            )
            return bool(rows[0]["n"] == len(event_ids))

        await wait_for(all_applied, timeout=30, message=f"{len(event_ids)} events applied")

    async def sql(self, statement: str, **params: Any) -> list[dict[str, Any]]:
        """Run SQL against the service's database (setup and assertions on its own tables)."""
        engine = create_async_engine(self.database_url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(statement), params)
                return [dict(r) for r in result.mappings().all()] if result.returns_rows else []
        finally:
            await engine.dispose()

    async def events(self, event_type: str, referral_id: uuid.UUID) -> list[dict[str, Any]]:
        """The referral's events of a type in the outbox, oldest first, with their Kafka key."""
        rows = await self.sql(
            "SELECT aggregateid, topic, payload FROM referrals.outbox_event WHERE type = :t AND aggregateid = :id"
            " ORDER BY seq",
            t=event_type,
            id=str(referral_id),
        )
        return [r["payload"]["data"] | {"_topic": r["topic"]} for r in rows]


def today() -> date:
    """Today in London, as the service sees it."""
    return london_date(utcnow())


def new_body(**top: Any) -> dict[str, Any]:
    """The OpenAPI example starting a week from today, with a fresh external_ref."""
    body = copy.deepcopy(REFERRAL_EXAMPLE)
    body["external_ref"] = f"MOSAIC-{uuid.uuid4().hex[:10]}"
    body["start_date"] = (today() + timedelta(days=7)).isoformat()
    body.update(top)
    return body


@pytest.fixture
def make_body() -> Any:
    """The body factory, for tests (conftest is not importable under importlib mode)."""
    return new_body


@pytest.fixture(scope="module")
async def stack(pg: PostgresHandle, bootstrap: str) -> AsyncIterator[Stack]:
    """One database and service per module; tests use fresh referrals so they don't meet."""
    url = await migrated_database(pg, ("referrals",))
    settings = ReferralsSettings(database_url=url, kafka_bootstrap_servers=bootstrap, db_pool_size=4)
    async with running_app(create_app(settings)) as running:
        cm = await api_headers(url, role="case_management")
        yield Stack(running, url, bootstrap, cm)
