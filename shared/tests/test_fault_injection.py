"""Faults under traffic, quickly (the long run of them all is ``make soak``): a consumer made to fail on
one event type, and Postgres crashing under a service that is taking writes."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from shared.contracts.topics import dlq_topic
from shared.db.engine import create_engine
from shared.devstack.ports import free_port
from shared.devstack.postgres import EmbeddedPostgres
from shared.messaging.dlq import replay_dead_letters
from shared.messaging.fault_injection import FAIL_EVENT_ENV, with_injected_failure
from shared.testing.apps import api_headers, running_app
from shared.testing.stack import PostgresHandle, kafka_broker, migrated_database, wait_for
from sqlalchemy import text

from .example_service import ExampleSettings, NoteWritten, count_seen, counter_app, writer_app
from .test_messaging_integration import _create_schema

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_switch_replaces_only_the_named_groups_handler_for_the_named_type() -> None:
    async def handler(*_: object) -> None:
        return None

    handlers = {"a.b.one": handler, "a.b.two": handler}
    switched = with_injected_failure("g", handlers, {FAIL_EVENT_ENV: "g:a.b.one"})
    assert switched["a.b.one"] is not handler
    assert switched["a.b.two"] is handler
    assert with_injected_failure("other", handlers, {FAIL_EVENT_ENV: "g:a.b.one"}) == handlers
    assert with_injected_failure("g", handlers, {}) == handlers


async def _dead_letters(bootstrap: str, group: str) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        dlq_topic(NoteWritten.topic), bootstrap_servers=bootstrap, auto_offset_reset="earliest",
        group_id=f"inspect-{uuid.uuid4()}", enable_auto_commit=False,
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=3000)
        return [
            dict(r.headers)["dlq.error"] for rs in batch.values() for r in rs
            if dict(r.headers).get("dlq.consumer_group") == group.encode()
        ]
    finally:
        await consumer.stop()


async def test_a_consumer_failing_on_one_event_type_dead_letters_it_and_replay_delivers_it_once(
    pg: PostgresHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A broker of its own: the replay sends back everything on the dead-letter topic.
    with kafka_broker() as (bootstrap, _):
        url = await migrated_database(pg, services=())
        # One attempt: the switch's failure is not going to pass on a retry.
        settings = ExampleSettings(database_url=url, kafka_bootstrap_servers=bootstrap, consumer_max_attempts=1)
        suffix = uuid.uuid4().hex[:6]
        writer, note = writer_app(f"writer_{suffix}", settings)
        schema = f"counter_{suffix}"
        counter, seen = counter_app(schema, settings)
        group = f"counter-{schema}"
        await _create_schema(url, note.metadata, seen.metadata)
        headers = await api_headers(url, role="admin")
        monkeypatch.setenv(FAIL_EVENT_ENV, f"{group}:{NoteWritten.event_type()}")
        async with running_app(writer) as w:
            ids = []
            async with running_app(counter):
                for i in range(3):
                    r = await w.client.post("/v1/notes", json={"text": f"n{i}"}, headers=headers)
                    assert r.status_code == 201, r.text
                    ids.append(uuid.UUID(r.json()["id"]))
                letters = await wait_for(
                    lambda: _three(bootstrap, group), timeout=60, message="three dead letters"
                )
            assert all(b"InjectedFault" in e for e in letters)
            assert await _column(url, schema, "seen", "note_id") == set(), "a failing event was applied"

            monkeypatch.delenv(FAIL_EVENT_ENV)  # the fix, deployed
            fixed, _ = counter_app(schema, settings)
            async with running_app(fixed) as c:
                assert await replay_dead_letters(bootstrap, NoteWritten.topic) == 3

                async def all_seen() -> bool:
                    async with c.runtime.sessionmaker() as s:
                        return set(ids) <= set(await count_seen(s, seen))

                await wait_for(all_seen, timeout=60, message="the replayed notes")
                # Replaying again (an operator's second go) applies nothing twice.
                assert await replay_dead_letters(bootstrap, NoteWritten.topic) == 3
                marker = f"again-{uuid.uuid4()}"
                r = await w.client.post("/v1/notes", json={"text": marker}, headers=headers)
                last = uuid.UUID(r.json()["id"])

                async def after_the_second_replay() -> bool:
                    async with c.runtime.sessionmaker() as s:
                        return last in await count_seen(s, seen)

                await wait_for(after_the_second_replay, timeout=60, message="a note sent after the replay")
                async with c.runtime.sessionmaker() as s:
                    got = await count_seen(s, seen)
            assert {i: got[i] for i in ids} == {i: 1 for i in ids}


async def _three(bootstrap: str, group: str) -> list[bytes] | None:
    letters = await _dead_letters(bootstrap, group)
    return letters if len(letters) >= 3 else None


async def _column(url: str, schema: str, table: str, column: str) -> set[str]:
    """Every value of a column of a test table (names are the test's own, never input)."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text(f'SELECT {column}::text FROM "{schema}".{table}'))  # noqa: S608
            return {str(r[0]) for r in rows}
    finally:
        await engine.dispose()


async def test_postgres_crashing_under_writes_answers_503_with_retry_after_and_keeps_what_it_accepted(
    bootstrap: str,
) -> None:
    with tempfile.TemporaryDirectory(prefix="homecare-pg-crash-") as tmp:
        server = EmbeddedPostgres(Path(tmp), free_port())  # durable, as in production: a 2xx survives a crash
        server.start()
        try:
            url = await migrated_database(PostgresHandle(server.url, server), services=())
            settings = ExampleSettings(database_url=url, kafka_bootstrap_servers=bootstrap)
            app, note = writer_app(f"writer_{uuid.uuid4().hex[:6]}", settings)
            md = note.metadata
            await _create_schema(url, md)  # type: ignore[arg-type]
            headers = await api_headers(url, role="admin")
            async with running_app(app) as w:
                accepted = []
                for i in range(5):
                    r = await w.client.post("/v1/notes", json={"text": f"before-{i}"}, headers=headers)
                    assert r.status_code == 201, r.text
                    accepted.append(r.json()["id"])
                server.stop("immediate")
                answers = []
                try:
                    # Pooled connections die with the server: the next requests must still be 503s.
                    for _ in range(6):
                        try:
                            r = await asyncio.wait_for(
                                w.client.post("/v1/notes", json={"text": "during"}, headers=headers), timeout=15
                            )
                        except TimeoutError:
                            pytest.fail("a write hung while Postgres was down")
                        answers.append((r.status_code, r.headers.get("retry-after")))
                        ready = await w.client.get("/readyz")
                        answers.append((ready.status_code, ready.headers.get("retry-after")))
                finally:
                    server.start()
                assert all(code == 503 and after for code, after in answers), answers

                async def writes_again() -> httpx.Response | None:
                    r = await w.client.post("/v1/notes", json={"text": "after"}, headers=headers)
                    return r if r.status_code == 201 else None

                await wait_for(writes_again, timeout=60, message="writes after Postgres came back")
            stored = await _column(url, md.schema, "note", "id")  # type: ignore[attr-defined]
            assert set(accepted) <= stored, "a write answered 201 was lost in the crash"
        finally:
            server.stop("immediate")


async def test_end_states_differ_by_key_and_the_differences_are_counted_and_listed() -> None:
    from shared.testing.end_state import count_differences, differences

    baseline = {"lines": {"A council": "10.00", "B council": "5.00"}, "kpis": {"A W48": "score=80"}}
    faulty = {"lines": {"A council": "10.01", "C council": "1.00"}, "kpis": {"A W48": "score=80"}}
    assert count_differences(baseline, faulty) == 3
    assert differences(baseline, faulty, limit=2) == [
        "lines: A council: expected 10.00, got 10.01",
        "lines: B council: expected 5.00, got (absent)",
        "lines: and 1 more differences",
    ]
    assert count_differences(baseline, baseline) == 0
