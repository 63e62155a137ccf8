"""``/healthz`` (the process is up), ``/readyz`` (database and broker reachable), ``/metrics``."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from shared.web.runtime import ServiceRuntime

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process is up")
async def healthz() -> dict[str, str]:
    """Always 200 while the process serves requests."""
    return {"status": "ok"}


async def _database_ok(runtime: ServiceRuntime) -> bool:
    try:
        async with asyncio.timeout(2):
            async with runtime.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


async def _broker_ok(runtime: ServiceRuntime) -> bool:
    if not runtime.broker_ready.is_set():
        return False
    try:
        async with asyncio.timeout(2):
            await runtime.producer.client.fetch_all_metadata()
        return True
    except Exception:
        return False


@router.get("/readyz", summary="Readiness: database and broker reachable")
async def readyz(request: Request) -> JSONResponse:
    """200 when the database and the broker answer; 503 with Retry-After otherwise."""
    runtime: ServiceRuntime = request.app.state.runtime
    db, broker = await asyncio.gather(_database_ok(runtime), _broker_ok(runtime))
    body = {"status": "ready" if db and broker else "not_ready", "database": db, "broker": broker}
    if db and broker:
        return JSONResponse(body)
    return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Requests, latency, events published and consumed, outbox backlog, consumer lag."""
    runtime: ServiceRuntime = request.app.state.runtime
    return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4")
