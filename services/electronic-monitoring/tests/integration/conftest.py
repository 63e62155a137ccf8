"""The monitoring app running against a fresh migrated database and the module's broker."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer
from monitoring.db import plans_repository
from monitoring.domain.geo import Point
from monitoring.domain.plan import PatternEntry
from monitoring.main import create_app
from monitoring.settings import MonitoringSettings
from shared.auth.keys import parse_key
from shared.contracts.topics import VISIT
from shared.settings import to_asyncpg_dsn
from shared.testing.apps import RunningApp, api_headers, running_app
from shared.testing.stack import PostgresHandle, migrated_database


@dataclass
class Stack:
    """A running service, its database and its broker."""

    running: RunningApp
    database_url: str
    bootstrap: str

    async def add_package(
        self,
        *,
        provider_id: uuid.UUID,
        entries: list[PatternEntry] | None = None,
        start: date = date(2026, 1, 1),
        home: Point | None = None,
    ) -> uuid.UUID:
        """Award a package straight into the monitoring schema (the consumer path has its own test)."""
        package_id = uuid.uuid4()
        async with self.running.runtime.sessionmaker() as session:
            await plans_repository.upsert_awarded_package(
                session,
                package_id=package_id,
                provider_id=provider_id,
                start_date=start,
                weekly_hours=Decimal(7),
                home=home,
                entries=entries or [],
            )
            await session.commit()
        return package_id

    async def referrer_headers(self, package_id: uuid.UUID) -> dict[str, str]:
        """A case-management client recorded as the one that referred the package (as its submitted
        event would), and its auth header."""
        headers = await api_headers(self.database_url, role="case_management")
        client_id = parse_key(headers["Authorization"].removeprefix("Bearer "))
        assert client_id is not None
        async with self.running.runtime.sessionmaker() as session:
            await plans_repository.record_referring_client(session, package_id, client_id)
            await session.commit()
        return headers

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Rows of a query against the service's database, read as an outsider would."""
        conn = await asyncpg.connect(to_asyncpg_dsn(self.database_url))
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()


@pytest.fixture
async def stack(pg: PostgresHandle, bootstrap: str) -> AsyncIterator[Stack]:
    """A fresh database per test, so tests never see each other's rows."""
    url = await migrated_database(pg, ("electronic-monitoring",))
    settings = MonitoringSettings(database_url=url, kafka_bootstrap_servers=bootstrap, db_pool_size=4)
    async with running_app(create_app(settings)) as running:
        yield Stack(running, url, bootstrap)


@pytest.fixture
def provider() -> uuid.UUID:
    """A provider id."""
    return uuid.uuid4()


@pytest.fixture
async def vendor_headers(stack: Stack, provider: uuid.UUID) -> dict[str, str]:
    """An ETMS vendor serving ``provider``."""
    return await api_headers(stack.database_url, role="etms_vendor", provider_ids=[provider])


def nfc_event(event_id: str, package_id: uuid.UUID, kind: str, at: datetime, carer: str = "c1") -> dict[str, Any]:
    """A raw ETMS event as a vendor posts it, recorded by the NFC tag at the home."""
    return {
        "event_id": event_id,
        "type": kind,
        "occurred_at": at.isoformat(),
        "package_id": str(package_id),
        "carer_id": carer,
        "method": "nfc",
    }


async def visit_events_on_broker(bootstrap: str, package_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every ``monitoring.visit`` envelope on the broker for one package, in offset order."""
    consumer = AIOKafkaConsumer(
        VISIT,
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
                if envelope["data"]["package_id"] == str(package_id):
                    found.append(envelope)
    finally:
        await consumer.stop()
    return found
