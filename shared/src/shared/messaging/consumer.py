"""The idempotent consumer: database first, offset second; poison events to ``<topic>.dlq``.

For each batch from Kafka, in one transaction: insert the processed-event markers
``ON CONFLICT DO NOTHING RETURNING`` (a redelivered event finds its marker and is skipped), run the
handler of each new event (it may write its own outbox rows), commit; then commit the offsets.
A ``Batched`` handler is given each run of consecutive events it handles in one call instead.
If a batch fails, its events are retried one by one so one poison event cannot hold up the rest:
a failing event is retried a few times, then sent to the dead-letter topic with its error, and the
consumer moves on. Outages (database or broker unreachable) are retried forever, never dead-lettered.
"""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from pydantic import ValidationError
from sqlalchemy import Table, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.contracts.topics import dlq_topic
from shared.logging import event_context, get_logger
from shared.messaging.dlq import dead_letter_headers
from shared.messaging.envelope import Envelope, EventData, UnknownEventType, parse_envelope
from shared.messaging.kafka import make_consumer
from shared.metrics import Metrics

log = get_logger(__name__)

Handler = Callable[[AsyncSession, Envelope[Any]], Awaitable[None]]


@dataclass(frozen=True)
class Batched:
    """A handler given a run of consecutive events of its types in one call, in order, so it can
    write them in one statement: one statement per event was most of a busy consumer's work.

    It must leave the database as applying the events one by one would, and publish nothing
    (its events have no single cause to name).
    """

    apply: Callable[[AsyncSession, list[Envelope[Any]]], Awaitable[None]]


AnyHandler = Handler | Batched


class PoisonEvent(Exception):
    """An event that cannot be parsed: straight to the dead-letter topic."""


def is_outage(exc: BaseException) -> bool:
    """True when the failure is an unreachable dependency rather than the event's fault."""
    if isinstance(exc, OperationalError | InterfaceError | ConnectionError | OSError | asyncio.TimeoutError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return type(exc).__name__ in {
        "ConnectionDoesNotExistError",
        "CannotConnectNowError",
        "PostgresConnectionError",
        "KafkaConnectionError",
        "KafkaTimeoutError",
        "NodeNotReadyError",
        "RequestTimedOutError",
    }


@dataclass
class _Item:
    record: ConsumerRecord[bytes, bytes]
    envelope: Envelope[EventData] | None
    error: str | None = None


class IdempotentConsumer:
    """Consumes topics as one consumer group and dispatches events by type to handlers."""

    def __init__(
        self,
        *,
        group_id: str,
        handlers: Mapping[str, AnyHandler],
        sessionmaker: async_sessionmaker[AsyncSession],
        processed_table: Table,
        bootstrap_servers: str,
        producer: AIOKafkaProducer,
        topics: Sequence[str] | None = None,
        max_attempts: int = 5,
        retry_delay_seconds: float = 0.2,
        metrics: Metrics | None = None,
        after_commit_hook: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.group_id = group_id
        self.handlers = dict(handlers)
        self.topics = list(topics or sorted({t.rsplit(".", 1)[0] for t in self.handlers}))
        self.sessionmaker = sessionmaker
        self.processed = processed_table
        self.bootstrap = bootstrap_servers
        self.producer = producer
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay_seconds
        self.metrics = metrics
        # Tests use this to die between the database commit and the offset commit.
        self.after_commit_hook = after_commit_hook
        self._consumer: AIOKafkaConsumer | None = None

    async def run(self) -> None:
        """Consume until cancelled, reconnecting while the broker is away."""
        backoff = 0.5
        while True:
            consumer = make_consumer(self.bootstrap, self.group_id, self.topics, client_id=self.group_id)
            if self.metrics:
                self.metrics.consumer_catching_up.labels(self.group_id).set(1)
            try:
                await consumer.start()
                self._consumer = consumer
                backoff = 0.5
                await self._loop(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer_restart", group=self.group_id, error=repr(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
            finally:
                self._consumer = None
                # Bounded: stopping in the middle of a group join otherwise waits for the join to end.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(consumer.stop(), timeout=2)

    async def _loop(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            for tp, records in batches.items():
                await self.process(records)
                if self.after_commit_hook is not None:
                    await self.after_commit_hook()
                await consumer.commit({tp: records[-1].offset + 1})
            await self._record_positions(consumer)

    async def _record_positions(self, consumer: AIOKafkaConsumer) -> None:
        """Lag of every assigned partition, those without new records too, and whether it is known yet."""
        if not self.metrics:
            return
        assigned = consumer.assignment()
        known = bool(assigned)
        for tp in assigned:
            high = consumer.highwater(tp)
            if high is None:
                known = False
                continue
            with contextlib.suppress(Exception):
                behind = max(high - await consumer.position(tp), 0)
                self.metrics.consumer_lag.labels(self.group_id, tp.topic, str(tp.partition)).set(behind)
        self.metrics.consumer_catching_up.labels(self.group_id).set(0 if known else 1)

    def _parse(self, record: ConsumerRecord[bytes, bytes]) -> _Item:
        try:
            if record.value is None:
                raise PoisonEvent("empty message")
            return _Item(record, parse_envelope(record.value))
        except (ValidationError, ValueError, PoisonEvent) as exc:
            if isinstance(exc, UnknownEventType):
                return _Item(record, None)
            return _Item(record, None, error=f"unparseable event: {exc}")

    async def process(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply a batch of records exactly once each (the unit the offset commit follows)."""
        items = [self._parse(r) for r in records]
        for item in items:
            if item.error:
                await self._dead_letter(item.record, item.error)
        todo = [i for i in items if i.envelope is not None and i.envelope.type in self.handlers]
        if not todo:
            return
        try:
            await self._apply(todo)
        except Exception as exc:
            if is_outage(exc):
                await self._retry_outage(todo)
                return
            for item in todo:
                await self._apply_with_retries([item])

    async def _retry_outage(self, items: list[_Item]) -> None:
        delay = 0.5
        while True:
            try:
                await self._apply(items)
                return
            except Exception as exc:
                if not is_outage(exc):
                    for item in items:
                        await self._apply_with_retries([item])
                    return
                log.warning("consumer_outage", group=self.group_id, error=repr(exc), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)

    async def _apply_with_retries(self, items: list[_Item]) -> None:
        item = items[0]
        attempt = 0
        delay = self.retry_delay
        while True:
            try:
                await self._apply(items)
                return
            except Exception as exc:
                if is_outage(exc):
                    log.warning("consumer_outage", group=self.group_id, error=repr(exc), retry_in=delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 10)
                    continue
                attempt += 1
                if attempt >= self.max_attempts:
                    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                    await self._dead_letter(item.record, detail)
                    return
                await asyncio.sleep(self.retry_delay * attempt)

    async def _apply(self, items: list[_Item]) -> None:
        envelopes = [i.envelope for i in items if i.envelope is not None]
        applied: list[Envelope[EventData]] = []
        async with self.sessionmaker() as session, session.begin():
            # Logged once committed (and before the events the handlers publish, which log on commit too),
            # so a trace shows each event where it took effect, never one whose effects rolled back.
            event.listen(session.sync_session, "after_commit", lambda _: self._log_consumed(applied), once=True)
            fresh = set(
                (
                    await session.execute(
                        pg_insert(self.processed)
                        .values([{"consumer_group": self.group_id, "event_id": e.id} for e in envelopes])
                        .on_conflict_do_nothing()
                        .returning(self.processed.c.event_id)
                    )
                ).scalars()
            )
            run: list[Envelope[EventData]] = []
            for env in envelopes:
                if env.id not in fresh:
                    self._count(env, "duplicate")
                    continue
                fresh.discard(env.id)  # the same event twice in one batch runs once
                handler = self.handlers[env.type]
                if run and handler is not self.handlers[run[0].type]:
                    await self._apply_run(session, run)
                    run = []
                if isinstance(handler, Batched):
                    run.append(env)
                else:
                    # Events the handler publishes keep this event's correlation id and name it their cause.
                    with event_context(env.id, env.correlationid):
                        await handler(session, env)
                applied.append(env)
            await self._apply_run(session, run)
        for env in applied:
            self._count(env, "applied")

    async def _apply_run(self, session: AsyncSession, run: list[Envelope[EventData]]) -> None:
        """A run of consecutive events of one ``Batched`` handler, in one call."""
        if run:
            handler = self.handlers[run[0].type]
            assert isinstance(handler, Batched)
            await handler.apply(session, run)

    def _log_consumed(self, applied: list[Envelope[EventData]]) -> None:
        for env in applied:
            log.info(
                "event_consumed",
                correlation_id=env.correlationid,
                group=self.group_id,
                type=env.type,
                event_id=str(env.id),
                subject=env.subject,
                caused_by=env.causationid,
            )

    def _count(self, env: Envelope[Any], result: str) -> None:
        if self.metrics:
            self.metrics.events_consumed.labels(
                topic=env.type.rsplit(".", 1)[0], group=self.group_id, result=result
            ).inc()

    async def _dead_letter(self, record: ConsumerRecord[bytes, bytes], error: str) -> None:
        headers = dead_letter_headers(record, self.group_id, error)
        log.error(
            "event_dead_lettered", group=self.group_id, topic=record.topic, offset=record.offset, error=error[:500]
        )
        delay = 0.5
        while True:
            try:
                fut = await self.producer.send(
                    dlq_topic(record.topic), value=record.value, key=record.key, headers=headers
                )
                await fut
                break
            except Exception as exc:  # broker away: keep trying, the offset is not committed meanwhile
                log.warning("dlq_send_retry", error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)
        if self.metrics:
            self.metrics.events_consumed.labels(topic=record.topic, group=self.group_id, result="dead_lettered").inc()

    async def was_processed(self, event_id: Any) -> bool:
        """Whether this group has applied an event (for tests and diagnostics)."""
        async with self.sessionmaker() as session:
            q = select(self.processed.c.event_id).where(
                self.processed.c.consumer_group == self.group_id, self.processed.c.event_id == event_id
            )
            return (await session.execute(q)).first() is not None


__all__ = ["Handler", "IdempotentConsumer", "is_outage"]
