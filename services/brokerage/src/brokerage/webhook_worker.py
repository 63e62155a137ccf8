"""The webhook worker: signed POSTs with per-provider isolation, timeouts and exponential backoff.

Each provider has at most one delivery in flight, in its own task with its own timeout, so a
receiver that hangs or fails holds up only its own queue; everyone else's deliveries go on.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
from shared.clock import utcnow
from shared.logging import get_logger
from shared.web.runtime import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from brokerage.db import webhook_repository as deliveries
from brokerage.domain.webhooks import SIGNATURE_HEADER, RetryPolicy, signature_header
from brokerage.settings import BrokerageSettings

log = get_logger(__name__)


class WebhookWorker:
    """Claims due deliveries, one per provider, and sends each in its own task."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: BrokerageSettings,
        client: httpx.AsyncClient,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.client = client
        self.timeout = settings.webhook_timeout_seconds
        self.poll = settings.webhook_poll_seconds
        self.max_providers = settings.webhook_max_concurrent_providers
        self.policy = RetryPolicy(
            base=timedelta(seconds=settings.webhook_retry_base_seconds),
            cap=timedelta(seconds=settings.webhook_retry_cap_seconds),
            window=timedelta(hours=settings.webhook_retry_window_hours),
        )
        self.in_flight: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def dispatch_once(self) -> int:
        """Start sending the due deliveries of providers with nothing in flight; returns how many started."""
        self.in_flight = {p: t for p, t in self.in_flight.items() if not t.done()}
        free = self.max_providers - len(self.in_flight)
        if free <= 0:
            return 0
        now = utcnow()
        # The lease outlives the attempt's timeout, so a crashed worker's delivery comes due again.
        lease = now + timedelta(seconds=self.timeout * 2 + 5)
        async with self.sessionmaker() as session, session.begin():
            claimed = await deliveries.claim_due(session, now, lease, list(self.in_flight), free)
        for row in claimed:
            self.in_flight[row["provider_id"]] = asyncio.create_task(self._send(row))
        return len(claimed)

    async def _send(self, row: dict[str, Any]) -> None:
        body = row["body"].encode()
        sent_at = utcnow()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(row["webhook_secret"] or "", int(sent_at.timestamp()), body),
            "X-Homecare-Delivery": str(row["id"]),
            "X-Homecare-Event-Type": row["event_type"],
        }
        status_code: int | None = None
        error: str | None = None
        try:
            # wait_for bounds the whole exchange, including a receiver that trickles its answer.
            response = await asyncio.wait_for(
                self.client.post(row["webhook_url"], content=body, headers=headers), timeout=self.timeout
            )
            status_code = response.status_code
            if not response.is_success:
                error = f"HTTP {status_code}"
        except (TimeoutError, httpx.HTTPError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        done = utcnow()
        failures = row["attempts"] + 1
        next_at = None if error is None else self.policy.next_attempt(row["created_at"], done, failures)
        async with self.sessionmaker() as session, session.begin():
            await deliveries.record_attempt(
                session,
                row["id"],
                at=done,
                delivered=error is None,
                status_code=status_code,
                error=error,
                next_attempt_at=next_at,
            )
        log.info("webhook_attempt", delivery=str(row["id"]), status=status_code, error=error)

    async def stop(self) -> None:
        """Cancel deliveries in flight (their leases bring them back after a restart)."""
        for task in self.in_flight.values():
            task.cancel()
        await asyncio.gather(*self.in_flight.values(), return_exceptions=True)


async def webhook_worker(runtime: ServiceRuntime) -> None:
    """Background task: dispatch due webhooks every ``webhook_poll_seconds`` until cancelled."""
    settings = runtime.settings
    assert isinstance(settings, BrokerageSettings), "create_app gives the runtime BrokerageSettings"
    async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False) as client:
        worker = WebhookWorker(runtime.sessionmaker, settings, client)
        try:
            while True:
                try:
                    await worker.dispatch_once()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("webhook_dispatch_failed", error=repr(exc))
                await asyncio.sleep(settings.webhook_poll_seconds)
        finally:
            await worker.stop()
