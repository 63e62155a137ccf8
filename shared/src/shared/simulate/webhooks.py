"""The providers' webhook receiver: checks brokerage's signature, then wakes the provider's program.

Brokerage signs ``"{timestamp}.{body}"`` with HMAC-SHA256 under the provider's secret and sends
``X-Homecare-Signature: t=<unix seconds>,v1=<hex>``; a receiver refuses a bad or stale signature.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import socket
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SIGNATURE_HEADER = "X-Homecare-Signature"
TOLERANCE_SECONDS = 300


def signature_valid(secret: str, header: str, body: bytes, now: int) -> bool:
    """True when ``header`` signs ``body`` under ``secret`` and is recent."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        return False
    if abs(now - int(parts["t"])) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@dataclass
class WebhookCounts:
    """What the receiver saw."""

    received: int = 0
    refused: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


@asynccontextmanager
async def webhook_receiver(
    secrets: Callable[[], Mapping[str, str]], on_event: Callable[[str, str], None]
) -> AsyncIterator[tuple[str, WebhookCounts]]:
    """Serve ``POST /hooks/{provider}`` on a free loopback port; yields the base URL and the counts.

    ``secrets`` is read at each request, since providers are admitted (and given a secret) after
    the receiver must already be listening for its URL to be registered.
    """
    counts = WebhookCounts()

    async def receive(request: Request) -> Response:
        provider = request.path_params["provider"]
        body = await request.body()
        secret = secrets().get(provider)
        header = request.headers.get(SIGNATURE_HEADER, "")
        if secret is None or not signature_valid(secret, header, body, int(time.time())):
            counts.refused += 1
            return Response(status_code=401)
        event_type = request.headers.get("X-Homecare-Event-Type", "unknown")
        counts.received += 1
        counts.by_type[event_type] = counts.by_type.get(event_type, 0) + 1
        on_event(provider, event_type)
        return Response(status_code=204)

    app = Starlette(routes=[Route("/hooks/{provider}", receive, methods=["POST"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}/hooks", counts
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, timeout=5)
        sock.close()
