"""The five services' public HTTP APIs as the simulated users call them: keys, retries, polling."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from typing import Any

import httpx

SERVICES = ("referrals", "brokerage", "monitoring", "payments", "quality")
# Makes an API client with a role (and the providers it acts for) and gives back {"id", "key"}:
# an administrator's job (``homecare clients create``), not one of the five services' APIs.
CreateClient = Callable[[str, str, list[uuid.UUID]], Awaitable[dict[str, str]]]
RETRY_STATUSES = (429, 503)
MAX_ATTEMPTS = 8


class ApiError(RuntimeError):
    """An answer the simulated user did not expect."""


class Api:
    """An HTTP client per service; ``call`` retries what the services ask to be retried."""

    def __init__(
        self, clients: Mapping[str, httpx.AsyncClient], urls: Mapping[str, str], patience: float = 0.0
    ) -> None:
        self.clients = dict(clients)
        self.urls = dict(urls)
        # Seconds a call keeps retrying past MAX_ATTEMPTS while a service is down or answers 503
        # (the soak test takes dependencies away for longer than the usual retries last).
        self.patience = patience

    def url(self, service: str, path: str) -> str:
        """Where a figure can be read: the service's base URL and the path."""
        return self.urls[service].rstrip("/") + path

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        key: str,
        *,
        ok: tuple[int, ...] = (200,),
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; 429 and 503 are retried after their Retry-After, anything not in ``ok`` raises."""
        sent = {"Authorization": f"Bearer {key}", **(headers or {})}
        loop = asyncio.get_running_loop()
        began = loop.time()
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= MAX_ATTEMPTS and loop.time() - began >= self.patience
            try:
                r = await self.clients[service].request(method, path, json=json, params=params, headers=sent)
            except httpx.TransportError:
                if last:
                    raise
                await asyncio.sleep(0.2 * min(attempt, MAX_ATTEMPTS))
                continue
            if r.status_code in RETRY_STATUSES and not last:
                wait = min(float(r.headers.get("Retry-After", "1") or 1), 5.0) * 0.5 * min(attempt, MAX_ATTEMPTS)
                await asyncio.sleep(wait)
                continue
            if r.status_code not in ok:
                raise ApiError(f"{method} {service}{path} -> {r.status_code}: {r.text[:500]}")
            return r

    async def json(self, service: str, method: str, path: str, key: str, **kwargs: Any) -> Any:
        """``call`` and decode the JSON answer."""
        r = await self.call(service, method, path, key, **kwargs)
        return r.json() if r.content else None


async def open_api(
    stack: AsyncExitStack, targets: Mapping[str, str | httpx.AsyncClient], patience: float = 0.0
) -> Api:
    """An :class:`Api` over each service's base URL (or an already-open client, as tests pass)."""
    clients: dict[str, httpx.AsyncClient] = {}
    urls: dict[str, str] = {}
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    for name in SERVICES:
        target = targets[name]
        if isinstance(target, httpx.AsyncClient):
            clients[name] = target
            urls[name] = str(target.base_url)
        else:
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(base_url=target, timeout=120, limits=limits)
            )
            urls[name] = target
    return Api(clients, urls, patience)


async def poll(predicate: Callable[[], Awaitable[Any]], what: str, timeout: float, every: float = 0.2) -> Any:
    """Call ``predicate`` until it gives something truthy, or raise TimeoutError naming ``what``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(every)
