"""The outbox relay: publishes a service's outbox rows to Kafka, in order, in batches.

One relay publishes at a time per schema (a transaction-scoped advisory lock), which is what keeps
per-key order when a service runs several replicas. Rows are sent without awaiting each message,
then all acknowledgements are awaited together and the rows marked sent in the same transaction.
If the broker is down the transaction rolls back and the relay backs off and retries: nothing
accepted is lost; a batch interrupted half-way may be sent twice, which the consumers absorb.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.logging import get_logger
from shared.messaging.outbox import notify_channel
from shared.metrics import Metrics

log = get_logger(__name__)


class OutboxRelay:
    """Runs until cancelled; ``wake()`` makes it look at the outbox now."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        table: Table,
        producer: AIOKafkaProducer,
        asyncpg_dsn: str | None = None,
        batch_size: int = 500,
        idle_poll_seconds: float = 1.0,
        max_backoff_seconds: float = 10.0,
        metrics: Metrics | None = None,
    ) -> None:
        self.engine = engine
        self.table = table
        self.schema = table.schema or "public"
        self.producer = producer
        self.asyncpg_dsn = asyncpg_dsn
        self.batch_size = batch_size
        self.idle_poll_seconds = idle_poll_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.metrics = metrics
        self._wake = asyncio.Event()
        self._lock_key = zlib.crc32(f"outbox:{self.schema}".encode())
        self._fq = f'"{self.schema}"."{table.name}"'

    def wake(self) -> None:
        """Look at the outbox now rather than at the next poll."""
        self._wake.set()

    async def publish_once(self) -> int:
        """Publish one batch; returns how many rows were sent (0 when idle or locked elsewhere)."""
        async with self.engine.begin() as conn:
            locked = (await conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": self._lock_key})).scalar()
            if not locked:
                return 0
            rows = (
                await conn.execute(
                    # The payload as the JSON text Postgres keeps: decoding it to send it encoded
                    # again cost the relay more CPU than the sending did.
                    text(
                        f"SELECT id, aggregateid, topic, payload::text AS payload, headers FROM {self._fq} "  # noqa: S608
                        "WHERE published_at IS NULL ORDER BY seq LIMIT :n"
                    ),
                    {"n": self.batch_size},
                )
            ).all()
            if not rows:
                return 0
            futures = []
            for row in rows:
                headers = [(k, str(v).encode()) for k, v in (row.headers or {}).items()]
                fut = await self.producer.send(
                    row.topic, value=row.payload.encode(), key=row.aggregateid.encode(), headers=headers
                )
                futures.append(fut)
            await asyncio.gather(*futures)
            await conn.execute(
                text(f"UPDATE {self._fq} SET published_at = now(), attempts = attempts + 1 WHERE id = ANY(:ids)"),  # noqa: S608
                {"ids": [r.id for r in rows]},
            )
        if self.metrics:
            for row in rows:
                self.metrics.events_published.labels(topic=row.topic).inc()
        return len(rows)

    async def backlog(self) -> int:
        """Unpublished rows."""
        async with self.engine.connect() as conn:
            q = text(f"SELECT count(*) FROM {self._fq} WHERE published_at IS NULL")  # noqa: S608
            return int((await conn.execute(q)).scalar_one())

    async def _listen(self) -> None:
        """Wake on NOTIFY from committing writers; reconnect when the database comes back."""
        if not self.asyncpg_dsn:
            return
        while True:
            conn: Any = None
            try:
                conn = await asyncpg.connect(self.asyncpg_dsn, timeout=5)
                await conn.add_listener(notify_channel(self.schema), lambda *_: self._wake.set())
                while not conn.is_closed():
                    await asyncio.sleep(5)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is down: the poll loop carries on meanwhile
                log.debug("relay_listen_retry", error=str(exc))
                await asyncio.sleep(2)
            finally:
                if conn is not None and not conn.is_closed():
                    conn.terminate()  # close() may wait on a server that is going away

    async def run(self) -> None:
        """Publish forever, backing off while the broker or database is unavailable."""
        listener = asyncio.create_task(self._listen())
        backoff = 0.2
        try:
            while True:
                try:
                    sent = await self.publish_once()
                    backoff = 0.2
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("relay_publish_failed", error=repr(exc), retry_in=backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff_seconds)
                    continue
                if sent >= self.batch_size:
                    continue
                if self.metrics and sent == 0:
                    with contextlib.suppress(Exception):
                        self.metrics.outbox_backlog.set(await self.backlog())
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.idle_poll_seconds)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener
