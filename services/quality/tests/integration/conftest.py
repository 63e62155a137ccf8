"""The quality app against a fresh migrated database and the module's real broker."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from quality.main import create_app
from quality.settings import QualitySettings
from shared.messaging.envelope import EventData
from shared.testing.apps import RunningApp, api_headers, running_app
from shared.testing.events import publish_events
from shared.testing.stack import PostgresHandle, migrated_database


@dataclass
class Stack:
    """A running quality service, its database and its broker."""

    running: RunningApp
    database_url: str
    bootstrap: str

    async def headers(self, role: str, provider_ids: list[uuid.UUID] | None = None) -> dict[str, str]:
        """Auth headers of a new API client with this role."""
        return await api_headers(self.database_url, role=role, provider_ids=provider_ids)

    async def publish(self, events: list[tuple[EventData, str]], *, repeat_last: bool = False) -> None:
        """Put events on the broker as the other services would, keyed by their aggregate id."""
        await publish_events(self.bootstrap, events, repeat_last=repeat_last)


async def _start(pg: PostgresHandle, bootstrap: str, **overrides: Any) -> AsyncIterator[Stack]:
    url = await migrated_database(pg, ("quality",))
    # Periods are evaluated when a test asks, unless it is the test of evaluating them unasked.
    options: dict[str, Any] = {"db_pool_size": 4, "auto_evaluate": False, **overrides}
    settings = QualitySettings(database_url=url, kafka_bootstrap_servers=bootstrap, **options)
    async with running_app(create_app(settings)) as running:
        yield Stack(running, url, bootstrap)


@pytest.fixture
async def stack(pg: PostgresHandle, bootstrap: str) -> AsyncIterator[Stack]:
    """A fresh database per test, so tests never see each other's rows."""
    async for started in _start(pg, bootstrap):
        yield started


@pytest.fixture
async def auto_stack(pg: PostgresHandle, bootstrap: str) -> AsyncIterator[Stack]:
    """A service that evaluates closed periods by itself, looking every fifth of a second."""
    async for started in _start(pg, bootstrap, auto_evaluate=True, evaluation_interval_seconds=0.2):
        yield started


@pytest.fixture(scope="module")
async def module_stack(pg: PostgresHandle, bootstrap: str) -> AsyncIterator[Stack]:
    """One service for a module whose tests keep to their own providers and periods (shutdown is slow)."""
    async for started in _start(pg, bootstrap):
        yield started


@pytest.fixture
def events_on_broker(bootstrap: str) -> Callable[[str, str], Awaitable[list[dict[str, Any]]]]:
    """Every envelope of one type on a topic, oldest first."""

    async def read(topic: str, event_type: str) -> list[dict[str, Any]]:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
        )
        await consumer.start()
        found: list[dict[str, Any]] = []
        try:
            batches = await consumer.getmany(timeout_ms=1500)
            for records in batches.values():
                for record in records:
                    envelope = json.loads(record.value)
                    if envelope["type"] == event_type:
                        found.append(envelope)
        finally:
            await consumer.stop()
        return found

    return read
