"""The outbox, relay and idempotent consumer through the real Postgres and broker."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from shared.contracts.topics import dlq_topic
from shared.db.engine import create_engine
from shared.messaging.envelope import build_envelope, envelope_to_dict
from shared.messaging.outbox import payload_bytes
from shared.testing.apps import api_headers, running_app
from shared.testing.stack import PostgresHandle, kafka_broker, migrated_database, wait_for
from sqlalchemy import MetaData, func, select, text

from .example_service import ExampleSettings, NoteWritten, count_seen, counter_app, writer_app

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _create_schema(url: str, *metadatas: MetaData) -> None:
    engine = create_engine(url, pool_size=1)
    async with engine.begin() as conn:
        for md in metadatas:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{md.schema}"'))
            await conn.run_sync(md.create_all)
    await engine.dispose()


async def _setup(pg: PostgresHandle, bootstrap: str, **counter_kwargs):  # type: ignore[no-untyped-def]
    url = await migrated_database(pg, services=())
    settings = ExampleSettings(database_url=url, kafka_bootstrap_servers=bootstrap)
    suffix = uuid.uuid4().hex[:6]
    writer, note = writer_app(f"writer_{suffix}", settings)
    counter, seen = counter_app(f"counter_{suffix}", settings, **counter_kwargs)
    await _create_schema(url, note.metadata, seen.metadata)
    headers = await api_headers(url, role="admin")
    return url, settings, writer, counter, seen, headers


async def test_outbox_event_reaches_a_consumer_in_another_service(pg: PostgresHandle, bootstrap: str) -> None:
    _, _, writer, counter, seen, headers = await _setup(pg, bootstrap)
    async with running_app(writer) as w, running_app(counter) as c:
        ids = []
        for i in range(20):
            r = await w.client.post("/v1/notes", json={"text": f"n{i}"}, headers=headers)
            assert r.status_code == 201, r.text
            ids.append(uuid.UUID(r.json()["id"]))

        async def all_seen() -> bool:
            async with c.runtime.sessionmaker() as s:
                got = await count_seen(s, seen)
            return set(ids) <= set(got) and all(v == 1 for v in got.values())

        await wait_for(all_seen, timeout=30, message="the counter to see every note once")
        assert await w.runtime.relay.backlog() == 0

        # Once it holds its partitions the consumer says so, with a lag for each of them (caught up).
        async def caught_up() -> list[str] | None:
            lines = (await c.client.get("/metrics")).text.splitlines()
            joined = any(x.startswith("consumer_catching_up{") and x.endswith(" 0.0") for x in lines)
            lags = [x for x in lines if x.startswith("consumer_lag{")]
            return lags if joined and lags and all(x.endswith(" 0.0") for x in lags) else None

        lags = await wait_for(caught_up, timeout=10, message="the consumer to report itself caught up")
        # every partition of the topic, not only those that carried a note
        assert {f'partition="{n}",topic="example.note"' in " ".join(lags) for n in range(3)} == {True}


async def test_broker_outage_loses_nothing_and_doubles_nothing(pg: PostgresHandle, kafka: tuple[str, object]) -> None:
    bootstrap, broker = kafka
    if broker is None:
        pytest.fail("this test needs the embedded broker to freeze it")
    _, _, writer, counter, seen, headers = await _setup(pg, bootstrap)
    async with running_app(writer) as w, running_app(counter) as c:
        before = (await w.client.post("/v1/notes", json={"text": "before"}, headers=headers)).json()["id"]
        broker.freeze()  # type: ignore[attr-defined]
        accepted = [before]
        try:
            loop = asyncio.get_running_loop()
            frozen_until = loop.time() + 12
            while loop.time() < frozen_until:
                r = await w.client.post("/v1/notes", json={"text": "during"}, headers=headers)
                assert r.status_code == 201, r.text  # writes go on: they wait in the outbox
                accepted.append(r.json()["id"])
                await asyncio.sleep(0.5)
            assert await w.runtime.relay.backlog() > 0
        finally:
            broker.thaw()  # type: ignore[attr-defined]

        async def all_seen_once() -> bool:
            async with c.runtime.sessionmaker() as s:
                got = await count_seen(s, seen)
            # The module's broker also carries earlier tests' notes: ours must all be there.
            return {uuid.UUID(a) for a in accepted} <= set(got)

        await wait_for(all_seen_once, timeout=90, message="every accepted note after the thaw")
        async with c.runtime.sessionmaker() as s:
            got = await count_seen(s, seen)
        assert len(accepted) >= 20
        assert all(v == 1 for v in got.values()), "an effect happened twice"


async def test_a_batched_handler_applies_each_event_once_and_a_poison_event_alone(
    pg: PostgresHandle, bootstrap: str
) -> None:
    _, _, writer, counter, seen, headers = await _setup(pg, bootstrap, fail_on="poison", batched=True)
    async with running_app(writer) as w:
        # Written before the counter starts, so it finds them waiting and takes them in runs.
        ids = []
        for i in range(30):
            r = await w.client.post("/v1/notes", json={"text": "poison" if i == 11 else f"n{i}"}, headers=headers)
            assert r.status_code == 201, r.text
            ids.append(uuid.UUID(r.json()["id"]))
        poison = ids.pop(11)
        await wait_for(lambda: _no_backlog(w), timeout=30, message="the notes to reach the broker")
        async with running_app(counter) as c:

            async def all_seen() -> bool:
                async with c.runtime.sessionmaker() as s:
                    got = await count_seen(s, seen)
                return set(ids) <= set(got)

            await wait_for(all_seen, timeout=40, message="the counter to see every good note")
            async with c.runtime.sessionmaker() as s:
                got = await count_seen(s, seen)
            # The topic is shared with other tests: only this test's notes are looked at.
            assert [got[i] for i in ids] == [1] * len(ids)
            assert poison not in got


async def _no_backlog(app: object) -> bool:
    return await app.runtime.relay.backlog() == 0  # type: ignore[attr-defined, no-any-return]


async def test_redelivery_after_a_crash_before_the_offset_commit_changes_nothing(pg: PostgresHandle) -> None:
    with kafka_broker() as (own_bootstrap, _):
        await _crash_and_redeliver(pg, own_bootstrap)


async def _crash_and_redeliver(pg: PostgresHandle, bootstrap: str) -> None:
    # A broker of its own: the one event on it is ours, so "first batch" means our event.
    _url, settings, writer, _, seen, headers = await _setup(pg, bootstrap)
    counter_schema = seen.schema
    # First life of the consumer: it dies after the database commit, before committing offsets.
    crashed = asyncio.Event()

    async def die() -> None:
        crashed.set()
        raise asyncio.CancelledError

    first, _ = counter_app(counter_schema, settings)
    async with running_app(writer) as w:
        r = await w.client.post("/v1/notes", json={"text": "once"}, headers=headers)
        note_id = uuid.UUID(r.json()["id"])
        async with running_app(first) as c1:
            c1.runtime.consumers[0].after_commit_hook = die

            async def applied() -> bool:
                async with c1.runtime.sessionmaker() as s:
                    return note_id in await count_seen(s, seen)

            await wait_for(applied, timeout=30, message="first delivery applied")
            await wait_for(crashed.is_set, timeout=10, message="the crash")
        # Second life: same group, offsets never committed, so the event comes again.
        second, _ = counter_app(counter_schema, settings)
        async with running_app(second) as c2:
            consumer = c2.runtime.consumers[0]

            async def committed() -> bool:
                # The crashed member never left the group: joining waits out its session timeout.
                if consumer._consumer is None:
                    return False
                parts = consumer._consumer.assignment()
                if not parts:
                    return False
                offsets = [await consumer._consumer.committed(tp) for tp in parts]
                return any(o is not None and o > 0 for o in offsets)

            await wait_for(committed, timeout=90, message="the redelivered event to be committed")
            async with c2.runtime.sessionmaker() as s:
                assert (await count_seen(s, seen))[note_id] == 1
                marker = await s.execute(
                    select(func.count()).select_from(c2.app.state.definition.table("processed_event"))
                )
                assert marker.scalar_one() == 1


async def test_poison_event_goes_to_the_dead_letter_topic_and_the_consumer_moves_on(
    pg: PostgresHandle, bootstrap: str
) -> None:
    _, _settings, writer, counter, seen, headers = await _setup(pg, bootstrap, fail_on="poison")
    async with running_app(writer) as w, running_app(counter) as c:
        # A message that is not an event at all, and one whose handler always fails.
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        await (await producer.send(NoteWritten.topic, value=b"{not json", key=b"x"))
        await producer.stop()
        for text_ in ("ok-1", "poison", "ok-2"):
            assert (await w.client.post("/v1/notes", json={"text": text_}, headers=headers)).status_code == 201

        async def two_seen() -> bool:
            async with c.runtime.sessionmaker() as s:
                return len(await count_seen(s, seen)) >= 2

        await wait_for(two_seen, timeout=40, message="the good events past the poison")
        dlq = AIOKafkaConsumer(
            dlq_topic(NoteWritten.topic),
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            group_id=f"inspect-{uuid.uuid4()}",
        )
        await dlq.start()
        try:
            letters = []

            async def two_letters() -> bool:
                batch = await dlq.getmany(timeout_ms=500)
                letters.extend(r for rs in batch.values() for r in rs)
                return len(letters) >= 2

            await wait_for(two_letters, timeout=30, message="two dead letters")
        finally:
            await dlq.stop()
        errors = sorted(dict(r.headers)["dlq.error"].decode() for r in letters)
        assert any("cannot handle poison" in e for e in errors)
        assert any("unparseable" in e for e in errors)


async def test_events_published_directly_are_parsed_by_type(bootstrap: str) -> None:
    env = build_envelope(NoteWritten(note_id=uuid.uuid4(), text="x"), subject="s", source="/t")
    assert payload_bytes(envelope_to_dict(env)).startswith(b"{")
