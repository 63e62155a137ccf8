"""ASGI middleware: correlation id, metrics, and a body-size limit that never reads past it."""

from __future__ import annotations

import time
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem_response
from shared.logging import bind_correlation_id, clear_correlation_id
from shared.metrics import Metrics

REQUEST_ID_HEADER = b"x-request-id"


class _TooLarge(StarletteHTTPException):
    """Raised from ``receive`` so FastAPI's body reader turns it into a 413 problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The body is over the limit of {limit} bytes for this endpoint.")


class PlatformMiddleware:
    """Binds the request id (``X-Request-ID`` or a new one) as correlation id, counts and times
    requests by route template, and refuses bodies over the limit with 413 problem+json."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int, body_limits: dict[str, int]) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.body_limits = sorted(body_limits.items(), key=lambda kv: -len(kv[0]))

    def _limit(self, path: str) -> int:
        for prefix, limit in self.body_limits:
            if path.startswith(prefix):
                return limit
        return self.max_body_bytes

    def _route(self, scope: Scope) -> str:
        # The router leaves the matched route in the scope: its path template, never the raw path,
        # whose ids would make a time series per resource.
        routed: Any = scope.get("route")
        if routed is not None and hasattr(routed, "path"):
            return str(routed.path)
        app: Any = scope.get("app")
        for route in getattr(app, "routes", []):
            match, _ = route.matches(scope)
            if match == Match.FULL:
                # Answered before routing (a 413): routers included whole have no template to give.
                return str(getattr(route, "path", "unrouted"))
        return "unmatched"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = headers.get(REQUEST_ID_HEADER, b"").decode("latin-1")[:100] or None
        cid = bind_correlation_id(rid)
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
            clear_correlation_id()
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
            clear_correlation_id()

    def _observe(self, scope: Scope, code: int, started: float) -> None:
        route = self._route(scope)
        self.metrics.requests.labels(scope["method"], route, str(code)).inc()
        self.metrics.latency.labels(scope["method"], route).observe(time.perf_counter() - started)
