"""The test stack: embedded Postgres once per session, a broker per module, fresh databases.

With ``DATABASE_URL`` and ``KAFKA_BOOTSTRAP_SERVERS`` set, those servers are used instead; with
``HOMECARE_TEST_BACKEND=testcontainers`` (where Docker runs), Postgres and Kafka containers are.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from shared.devstack.broker import EmbeddedBroker
from shared.devstack.migrate import migrate_all
from shared.devstack.ports import free_port
from shared.devstack.postgres import EmbeddedPostgres
from shared.devstack.services import SERVICES, ServiceInfo, by_name
from shared.settings import to_asyncpg_dsn


@dataclass
class PostgresHandle:
    """A Postgres server the tests may create databases in (and, if embedded, stop and start)."""

    admin_url: str
    embedded: EmbeddedPostgres | None = None

    def url_for(self, database: str) -> str:
        """URL of a database on this server."""
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{database}"

    async def create_database(self, prefix: str = "t") -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(to_asyncpg_dsn(self.admin_url))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.url_for(name)


@contextmanager
def postgres_server() -> Iterator[PostgresHandle]:
    """Start (or point at) the session's Postgres."""
    if os.environ.get("DATABASE_URL"):
        yield PostgresHandle(os.environ["DATABASE_URL"])
        return
    if os.environ.get("HOMECARE_TEST_BACKEND") == "testcontainers":
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver="asyncpg") as pgc:
            yield PostgresHandle(pgc.get_connection_url())
        return
    with tempfile.TemporaryDirectory(prefix="homecare-pg-") as tmp:
        pg = EmbeddedPostgres(Path(tmp), free_port(), durable=False)
        pg.start()
        try:
            yield PostgresHandle(pg.url, pg)
        finally:
            pg.stop("immediate")


@contextmanager
def kafka_broker() -> Iterator[tuple[str, EmbeddedBroker | None]]:
    """Start (or point at) a broker; yields bootstrap servers and the embedded broker if any."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"], None
        return
    if os.environ.get("HOMECARE_TEST_BACKEND") == "testcontainers":
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as kc:
            yield kc.get_bootstrap_server(), None
        return
    with tempfile.TemporaryDirectory(prefix="homecare-broker-") as tmp:
        broker = EmbeddedBroker(free_port(), Path(tmp) / "broker.log")
        broker.start()
        try:
            yield broker.bootstrap, broker
        finally:
            if broker.process is not None and broker.process.poll() is None:
                broker.thaw()
            broker.stop()


async def migrated_database(pg: PostgresHandle, services: tuple[str, ...] | None = None) -> str:
    """A fresh database with the auth schema and the named services' schemas migrated."""
    url = await pg.create_database()
    chosen: tuple[ServiceInfo, ...] = tuple(by_name(s) for s in services) if services is not None else SERVICES
    await migrate_all(url, chosen)
    return url


async def wait_for(predicate, *, timeout: float = 20.0, interval: float = 0.1, message: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` (sync or async) until truthy; returns its value or fails after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        await asyncio.sleep(interval)
