"""Rate limits per API client: the token bucket, and 429 with Retry-After through a real app."""

from __future__ import annotations

import uuid

import pytest
from shared.errors import _is_transient_conflict
from shared.ratelimit import RateLimit, RateLimiter
from shared.testing.apps import api_headers, running_app
from shared.testing.stack import PostgresHandle, migrated_database
from sqlalchemy.exc import DBAPIError

from .example_service import ExampleSettings, writer_app


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_burst_then_waits_for_tokens() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimit(per_second=2, burst=3), clock=clock)
    me, other = uuid.uuid4(), uuid.uuid4()
    assert [limiter.acquire(me, "provider") for _ in range(3)] == [None, None, None]
    assert limiter.acquire(me, "provider") == 1  # half a second to the next token: rounded up
    assert limiter.acquire(other, "provider") is None  # buckets are per client
    clock.now = 0.5
    assert limiter.acquire(me, "provider") is None
    assert limiter.acquire(me, "provider") == 1
    clock.now = 100
    assert [limiter.acquire(me, "provider") for _ in range(4)] == [None, None, None, 1]  # never above the burst


def test_a_role_may_have_its_own_limit() -> None:
    limiter = RateLimiter(RateLimit(per_second=1, burst=1), {"etms_vendor": RateLimit(per_second=0.1, burst=5)})
    vendor, provider = uuid.uuid4(), uuid.uuid4()
    assert [limiter.acquire(vendor, "etms_vendor") for _ in range(6)] == [None] * 5 + [10]
    assert [limiter.acquire(provider, "provider") for _ in range(2)] == [None, 1]


def test_deadlocks_and_serialisation_failures_are_transient() -> None:
    class Orig(Exception):
        sqlstate = "40P01"

    assert _is_transient_conflict(DBAPIError("UPDATE x", {}, Orig()))
    Orig.sqlstate = "23505"
    assert not _is_transient_conflict(DBAPIError("INSERT x", {}, Orig()))


@pytest.mark.asyncio(loop_scope="session")
async def test_over_the_limit_is_429_with_retry_after_others_go_on(pg: PostgresHandle, bootstrap: str) -> None:
    url = await migrated_database(pg, services=())
    settings = ExampleSettings(
        database_url=url, kafka_bootstrap_servers=bootstrap, rate_limit=RateLimit(per_second=0.01, burst=2)
    )
    app, _ = writer_app(f"w_{uuid.uuid4().hex[:6]}", settings)
    busy = await api_headers(url, role="admin", name="busy")
    calm = await api_headers(url, role="admin", name="calm")
    async with running_app(app) as r:
        answers = [(await r.client.get("/v1/audit", headers=busy)).status_code for _ in range(2)]
        assert answers == [200, 200]
        refused = await r.client.get("/v1/audit", headers=busy)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["Retry-After"]) == 100
        assert (await r.client.get("/v1/audit", headers=calm)).status_code == 200
        # Keyless requests are not counted against anyone: they are refused before.
        assert (await r.client.get("/v1/audit")).status_code == 401
