"""The payments app against a fresh migrated database and the module's real broker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from payments.main import create_app
from payments.settings import PaymentsSettings
from shared.db.engine import create_engine
from shared.messaging.envelope import EventData
from shared.testing.apps import RunningApp, api_headers, running_app
from shared.testing.events import publish_events
from shared.testing.stack import PostgresHandle, migrated_database
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class Stack:
    """A running payments service, its database and its broker."""

    running: RunningApp
    database_url: str
    bootstrap: str
    engine: AsyncEngine

    async def headers(self, role: str, *, name: str, provider_ids: list[uuid.UUID] | None = None) -> dict[str, str]:
        """Auth headers of a new API client with this role, held by the person ``name``."""
        return await api_headers(self.database_url, role=role, provider_ids=provider_ids, name=name)

    async def publish(self, events: list[tuple[EventData, str]]) -> list[uuid.UUID]:
        """Put events on the broker as the other services would, keyed by their aggregate id; the envelope ids."""
        return await publish_events(self.bootstrap, events)

    async def scalar(self, sql: str, **params: Any) -> Any:
        """One value from the payments schema."""
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()


@pytest.fixture(scope="module")
async def stack(pg: PostgresHandle, bootstrap: str) -> AsyncIterator[Stack]:
    """One service and database per test module."""
    url = await migrated_database(pg, ("payments",))
    settings = PaymentsSettings(database_url=url, kafka_bootstrap_servers=bootstrap, db_pool_size=4)
    engine = create_engine(url, pool_size=2)
    try:
        async with running_app(create_app(settings)) as running:
            yield Stack(running, url, bootstrap, engine)
    finally:
        await engine.dispose()
