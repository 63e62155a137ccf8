"""What a running service holds: engine, sessions, producer, outbox, relay, metrics."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Annotated, Any

from aiokafka import AIOKafkaProducer
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.messaging.consumer import IdempotentConsumer
from shared.messaging.outbox import Outbox
from shared.messaging.relay import OutboxRelay
from shared.metrics import Metrics
from shared.settings import ServiceSettings


@dataclass
class ServiceRuntime:
    """Created in the lifespan; reachable from routes as ``RuntimeDep``."""

    settings: ServiceSettings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    producer: AIOKafkaProducer
    outbox: Outbox
    relay: OutboxRelay
    metrics: Metrics
    broker_ready: asyncio.Event = field(default_factory=asyncio.Event)
    consumers: list[IdempotentConsumer] = field(default_factory=list)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)


def get_runtime(request: Request) -> ServiceRuntime:
    """The running service's runtime."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
