"""Running a service app in-process for tests, with its lifespan, against the test stack."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.auth.clients import create_client
from shared.db.engine import create_engine
from shared.testing.stack import wait_for
from shared.web.runtime import ServiceRuntime


@dataclass
class RunningApp:
    """An app whose lifespan is running, and an HTTP client bound to it."""

    app: FastAPI
    client: httpx.AsyncClient

    @property
    def runtime(self) -> ServiceRuntime:
        """The service's runtime (engine, outbox, relay, consumers)."""
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime


@asynccontextmanager
async def running_app(app: FastAPI, *, wait_broker: bool = True) -> AsyncIterator[RunningApp]:
    """Run the app's lifespan and give an httpx client talking to it in-process.

    An app without a service runtime (the console: no database, no broker) has nothing to wait for.
    """
    async with app.router.lifespan_context(app):
        runtime: ServiceRuntime | None = getattr(app.state, "runtime", None)
        if wait_broker and runtime is not None:
            await wait_for(runtime.broker_ready.is_set, timeout=30, message="broker ready")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=30) as client:
            yield RunningApp(app, client)


async def api_headers(
    database_url: str, *, role: str, provider_ids: list[uuid.UUID] | None = None, name: str | None = None
) -> dict[str, str]:
    """Create an API client in the test database and return its auth header."""
    engine: AsyncEngine = create_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            issued = await create_client(conn, name=name or f"test-{role}", role=role, provider_ids=provider_ids)
    finally:
        await engine.dispose()
    return {"Authorization": f"Bearer {issued.key}"}
