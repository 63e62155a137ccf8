"""ASGI middleware: correlation id, a log line per request, metrics, and a body-size limit that never
reads past it."""

from __future__ import annotations

import time
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.audit import bind_service, unbind_service
from shared.errors import problem_response
from shared.logging import get_logger, request_context
from shared.metrics import Metrics

REQUEST_ID_HEADER = b"x-request-id"
# Probes and scrapes would drown the requests people make: they are counted, not logged.
UNLOGGED_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})

log = get_logger(__name__)


class _TooLarge(StarletteHTTPException):
    """Raised from ``receive`` so FastAPI's body reader turns it into a 413 problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The body is over the limit of {limit} bytes for this endpoint.")


class PlatformMiddleware:
    """Binds the request id (``X-Request-ID`` or a new one) as correlation id, logs, counts and times
    requests by route template, and refuses bodies over the limit with 413 problem+json."""

    def __init__(
        self, app: ASGIApp, *, service: str, metrics: Metrics, max_body_bytes: int, body_limits: dict[str, int]
    ) -> None:
        self.app = app
        self.service = service
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.body_limits = sorted(body_limits.items(), key=lambda kv: -len(kv[0]))

    def _limit(self, path: str) -> int:
        for prefix, limit in self.body_limits:
            if path.startswith(prefix):
                return limit
        return self.max_body_bytes

    def _route(self, scope: Scope) -> str:
        # The route template, never the raw path: ids in labels would grow the metrics without bound.
        matched: Any = scope.get("route")
        if matched is not None and getattr(matched, "path", None):
            return str(matched.path)
        app: Any = scope.get("app")
        for route in getattr(app, "routes", []):
            match, _ = route.matches(scope)
            if match == Match.FULL and getattr(route, "path", None):
                return str(route.path)
        return "unmatched"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = headers.get(REQUEST_ID_HEADER, b"").decode("latin-1")[:100] or None
        with request_context(rid, self.service) as cid:
            service_token = bind_service(self.service)
            try:
                await self._handle(scope, receive, send, headers, cid)
            finally:
                unbind_service(service_token)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes], cid: str) -> None:
        limit = self._limit(scope["path"])
        status = {"code": 500}
        started = time.perf_counter()

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = problem_response(
                413,
                slug="payload-too-large",
                title="Request body too large",
                detail=f"The body is over the limit of {limit} bytes for this endpoint.",
                instance=scope["path"],
            )
            await response(scope, receive, send)
            self._observe(scope, 413, started)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (REQUEST_ID_HEADER, cid.encode())]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        finally:
            self._observe(scope, status["code"], started)

    def _observe(self, scope: Scope, code: int, started: float) -> None:
        route = self._route(scope)
        elapsed = time.perf_counter() - started
        self.metrics.requests.labels(scope["method"], route, str(code)).inc()
        self.metrics.latency.labels(scope["method"], route).observe(elapsed)
        if route not in UNLOGGED_ROUTES:
            # The route template, never the path: ids in paths and query strings stay out of the logs.
            log.info("request", method=scope["method"], route=route, status=code, ms=round(elapsed * 1000, 1))
