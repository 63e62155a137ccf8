"""The HTTP side of the platform through a real app: auth, problem+json, limits, health, metrics."""

from __future__ import annotations

import uuid

import pytest
from shared.auth.clients import revoke, rotate_key
from shared.db.engine import create_engine
from shared.testing.apps import api_headers, running_app
from shared.testing.stack import PostgresHandle, migrated_database
from sqlalchemy import text

from .example_service import ExampleSettings, counter_app, writer_app

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _app(pg: PostgresHandle, bootstrap: str):  # type: ignore[no-untyped-def]
    url = await migrated_database(pg, services=())
    app, note = writer_app(
        f"w_{uuid.uuid4().hex[:6]}", ExampleSettings(database_url=url, kafka_bootstrap_servers=bootstrap)
    )
    engine = create_engine(url, pool_size=1)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{note.schema}"'))
        await conn.run_sync(note.metadata.create_all)
    await engine.dispose()
    return url, app


async def test_auth_refuses_missing_bad_wrong_role_and_revoked_keys(pg: PostgresHandle, bootstrap: str) -> None:
    url, app = await _app(pg, bootstrap)
    admin = await api_headers(url, role="admin")
    provider = await api_headers(url, role="provider", provider_ids=[uuid.uuid4()])
    async with running_app(app) as r:
        body = {"text": "x"}
        no_key = await r.client.post("/v1/notes", json=body)
        assert no_key.status_code == 401
        assert no_key.headers["content-type"] == "application/problem+json"
        bad = await r.client.post("/v1/notes", json=body, headers={"Authorization": "Bearer hc_00_nope"})
        assert bad.status_code == 401
        wrong_role = await r.client.post("/v1/notes", json=body, headers=provider)
        assert wrong_role.status_code == 403
        assert wrong_role.json()["status"] == 403
        ok = await r.client.post("/v1/notes", json=body, headers={"X-API-Key": admin["Authorization"][7:]})
        assert ok.status_code == 201
        me = await r.client.get("/v1/whoami", headers=provider)
        assert me.status_code == 200
        who = me.json()
        assert (who["name"], who["role"], len(who["provider_ids"])) == ("test-provider", "provider", 1)
        assert (await r.client.get("/v1/whoami")).status_code == 401

        engine = create_engine(url, pool_size=1)
        from shared.auth.keys import parse_key

        cid = parse_key(admin["Authorization"][7:])
        assert cid is not None
        async with engine.begin() as conn:
            new = await rotate_key(conn, cid)
        assert (await r.client.post("/v1/notes", json=body, headers=admin)).status_code == 401
        rotated = {"Authorization": f"Bearer {new}"}
        assert (await r.client.post("/v1/notes", json=body, headers=rotated)).status_code == 201
        async with engine.begin() as conn:
            await revoke(conn, cid)
        await engine.dispose()
        assert (await r.client.post("/v1/notes", json=body, headers=rotated)).status_code == 401


async def test_errors_are_problem_json_naming_every_field(pg: PostgresHandle, bootstrap: str) -> None:
    url, app = await _app(pg, bootstrap)
    admin = await api_headers(url, role="admin")
    async with running_app(app) as r:
        bad = await r.client.post("/v1/notes", json={"text": "", "extra": 1}, headers=admin)
        assert bad.status_code == 422
        problem = bad.json()
        assert bad.headers["content-type"] == "application/problem+json"
        assert {e["field"] for e in problem["errors"]} == {"text", "extra"}
        conflict = await r.client.post("/v1/notes", json={"text": "conflict"}, headers=admin)
        assert conflict.status_code == 409
        assert conflict.json()["detail"] == "that note conflicts"
        missing = await r.client.get("/v1/nothing-here")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        not_json = await r.client.post(
            "/v1/notes", content=b"{oops", headers={**admin, "content-type": "application/json"}
        )
        assert not_json.status_code == 422


async def test_bodies_over_the_limit_get_413_and_nothing_is_written(pg: PostgresHandle, bootstrap: str) -> None:
    url, app = await _app(pg, bootstrap)
    admin = await api_headers(url, role="admin")
    async with running_app(app) as r:
        big = b'{"text": "' + b"a" * (1024 * 1024 + 10) + b'"}'
        resp = await r.client.post("/v1/notes", content=big, headers={**admin, "content-type": "application/json"})
        assert resp.status_code == 413
        assert resp.json()["title"] == "Request body too large"

        async def chunks():  # type: ignore[no-untyped-def]
            for _ in range(20):
                yield b"a" * 100_000

        streamed = await r.client.post(
            "/v1/notes", content=chunks(), headers={**admin, "content-type": "application/json"}
        )
        assert streamed.status_code == 413


async def test_health_readiness_and_metrics(pg: PostgresHandle, bootstrap: str) -> None:
    url, app = await _app(pg, bootstrap)
    admin = await api_headers(url, role="admin")
    async with running_app(app) as r:
        assert (await r.client.get("/healthz")).json() == {"status": "ok"}
        ready = await r.client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ready", "database": True, "broker": True}
        await r.client.post("/v1/notes", json={"text": "m"}, headers={**admin, "X-Request-ID": "req-123"})
        note = uuid.uuid4()
        assert (await r.client.get(f"/v1/notes/{note}", headers=admin)).status_code == 404
        metrics = (await r.client.get("/metrics")).text
        assert 'http_requests_total{method="POST",route="/v1/notes",status="201"} 1.0' in metrics
        # The route's template labels the series, not the id in the path (one series per note otherwise).
        assert 'http_requests_total{method="GET",route="/v1/notes/{note_id}",status="404"} 1.0' in metrics
        assert str(note) not in metrics
        assert "outbox_backlog" in metrics
        echoed = await r.client.get("/healthz", headers={"X-Request-ID": "req-abc"})
        assert echoed.headers["x-request-id"] == "req-abc"


async def test_readiness_is_503_while_the_database_is_unreachable(bootstrap: str) -> None:
    settings = ExampleSettings(
        database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none", kafka_bootstrap_servers=bootstrap
    )
    app, _ = writer_app("w_unreachable", settings)
    async with running_app(app) as r:
        ready = await r.client.get("/readyz")
        assert ready.status_code == 503
        assert ready.headers["retry-after"] == "5"
        assert ready.json()["database"] is False
        write = await r.client.post(
            "/v1/notes", json={"text": "x"}, headers={"Authorization": "Bearer hc_" + "0" * 32 + "_x"}
        )
        assert write.status_code == 503
        assert write.headers["retry-after"] == "5"


async def test_migrations_keep_their_version_table_in_their_own_schema(pg: PostgresHandle) -> None:
    url = await migrated_database(pg, services=())
    engine = create_engine(url, pool_size=1)
    async with engine.connect() as conn:
        where = (
            (
                await conn.execute(
                    text("SELECT table_schema FROM information_schema.tables WHERE table_name = 'alembic_version'")
                )
            )
            .scalars()
            .all()
        )
    await engine.dispose()
    assert where == ["auth"]


@pytest.mark.parametrize(("role", "consumers"), [("api", 0), ("worker", 1), ("all", 1)])
async def test_an_api_replica_runs_no_consumers(pg: PostgresHandle, bootstrap: str, role: str, consumers: int) -> None:
    url = await migrated_database(pg, services=())
    settings = ExampleSettings(database_url=url, kafka_bootstrap_servers=bootstrap, process_role=role)
    app, seen = counter_app(f"c_{uuid.uuid4().hex[:6]}", settings)
    engine = create_engine(url, pool_size=1)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{seen.schema}"'))
        await conn.run_sync(seen.metadata.create_all)
    await engine.dispose()
    async with running_app(app) as r:  # type: ignore[arg-type]
        assert len(r.runtime.consumers) == consumers
        assert r.runtime.relay is not None
        assert (await r.client.get("/readyz")).status_code == 200
