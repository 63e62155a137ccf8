"""``create_service_app``: one FastAPI app per service, wired the same way everywhere.

The lifespan creates the engine (never at import time), starts the producer in the background
(retrying while the broker is away, so the service still answers 503s instead of not starting),
ensures the topics, then runs the outbox relay, the consumers and the service's own background tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import MetaData, Table

from shared.db.engine import create_engine, create_sessionmaker
from shared.errors import install_error_handlers
from shared.logging import configure_logging, get_logger
from shared.messaging.consumer import AnyHandler, IdempotentConsumer
from shared.messaging.fault_injection import with_injected_failure
from shared.messaging.kafka import ensure_topics, make_producer
from shared.messaging.outbox import Outbox
from shared.messaging.relay import OutboxRelay
from shared.metrics import Metrics
from shared.ratelimit import RateLimiter
from shared.settings import ServiceSettings
from shared.web.audit import router as audit_router
from shared.web.health import router as health_router
from shared.web.identity import router as identity_router
from shared.web.middleware import PlatformMiddleware
from shared.web.openapi import document_problems
from shared.web.runtime import ServiceRuntime

log = get_logger(__name__)

BackgroundTask = Callable[[ServiceRuntime], Coroutine[Any, Any, None]]


@dataclass
class ConsumerSpec:
    """A consumer group of the service: event type -> handler."""

    group_id: str
    handlers: Mapping[str, AnyHandler]


@dataclass
class ServiceDefinition:
    """Everything that makes one service different from the others."""

    name: str
    title: str
    description: str
    settings: ServiceSettings
    metadata: MetaData
    source: str
    routers: Sequence[APIRouter] = ()
    consumers: Sequence[ConsumerSpec] = ()
    background: Sequence[BackgroundTask] = ()
    body_limits: Mapping[str, int] = field(default_factory=dict)
    version: str = "0.1.0"
    start_consumers: bool = True
    on_ready: Callable[[ServiceRuntime], Awaitable[None]] | None = None

    def table(self, name: str) -> Table:
        """A table of the service's metadata by bare name."""
        return self.metadata.tables[f"{self.metadata.schema}.{name}"]


def _operation_id(route: APIRoute) -> str:
    return route.name


async def _start_messaging(defn: ServiceDefinition, runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    delay = 0.5
    while True:
        try:
            await runtime.producer.start()
            await ensure_topics(
                settings.kafka_bootstrap_servers,
                partitions=settings.kafka_topic_partitions,
                replication_factor=settings.kafka_topic_replication_factor,
            )
            break
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("broker_unavailable", error=repr(exc), retry_in=delay)
            with contextlib.suppress(Exception):
                await runtime.producer.stop()
            runtime.producer = make_producer(
                settings.kafka_bootstrap_servers,
                enable_idempotence=settings.kafka_enable_idempotence,
                client_id=defn.name,
            )
            runtime.relay.producer = runtime.producer
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5)
    runtime.broker_ready.set()
    runtime.tasks.append(asyncio.create_task(runtime.relay.run(), name=f"{defn.name}-relay"))
    # An API-only replica (process_role "api") leaves consumers and background work to the workers.
    runs_work = settings.process_role != "api"
    if defn.start_consumers and runs_work:
        processed = defn.table("processed_event")
        for spec in defn.consumers:
            consumer = IdempotentConsumer(
                group_id=spec.group_id,
                handlers=with_injected_failure(spec.group_id, spec.handlers),
                sessionmaker=runtime.sessionmaker,
                processed_table=processed,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                producer=runtime.producer,
                max_attempts=settings.consumer_max_attempts,
                metrics=runtime.metrics,
            )
            runtime.consumers.append(consumer)
            runtime.tasks.append(asyncio.create_task(consumer.run(), name=spec.group_id))
    for task in defn.background if runs_work else ():
        runtime.tasks.append(asyncio.create_task(task(runtime), name=f"{defn.name}-{task.__name__}"))
    if defn.on_ready is not None:
        await defn.on_ready(runtime)
    log.info("service_ready", service=defn.name, process_role=settings.process_role)


def _with_documented_problems(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return document_problems(generate())

    app.openapi = openapi  # type: ignore[method-assign]


def create_service_app(defn: ServiceDefinition) -> FastAPI:
    """The service's FastAPI app, with problem+json errors, auth-ready routes, rate limits, health,
    metrics and the audit log's ``GET /v1/audit``."""
    settings = defn.settings
    metrics = Metrics(defn.name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(defn.name, settings.log_level)
        engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        producer = make_producer(
            settings.kafka_bootstrap_servers,
            enable_idempotence=settings.kafka_enable_idempotence,
            client_id=defn.name,
        )
        outbox_table = defn.table("outbox_event")
        runtime = ServiceRuntime(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            producer=producer,
            outbox=Outbox(outbox_table, source=defn.source),
            relay=OutboxRelay(
                engine=engine,
                table=outbox_table,
                producer=producer,
                asyncpg_dsn=settings.asyncpg_dsn,
                batch_size=settings.outbox_batch_size,
                metrics=metrics,
            ),
            metrics=metrics,
        )
        app.state.runtime = runtime
        app.state.sessionmaker = runtime.sessionmaker
        starter = asyncio.create_task(_start_messaging(defn, runtime), name=f"{defn.name}-messaging")
        try:
            yield
        finally:
            starter.cancel()
            for task in reversed(runtime.tasks):
                task.cancel()
            pending = [starter, *runtime.tasks]
            # Bounded: a task stuck on a dead connection must not hold up shutdown.
            _, stuck = await asyncio.wait(pending, timeout=10)
            if stuck:
                log.warning("shutdown_tasks_still_running", tasks=sorted(t.get_name() for t in stuck))
            with contextlib.suppress(Exception):
                await asyncio.wait_for(runtime.producer.stop(), timeout=10)
            await engine.dispose()

    app = FastAPI(
        title=defn.title,
        description=defn.description,
        version=defn.version,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.definition = defn
    app.state.rate_limiter = RateLimiter(settings.rate_limit, settings.rate_limits_by_role)
    install_error_handlers(app)
    app.add_middleware(
        PlatformMiddleware,
        service=defn.name,
        metrics=metrics,
        max_body_bytes=settings.max_body_bytes,
        body_limits=dict(defn.body_limits),
    )
    app.include_router(health_router)
    app.include_router(identity_router)
    for router in defn.routers:
        app.include_router(router)
    app.include_router(audit_router)
    _with_documented_problems(app)
    return app
