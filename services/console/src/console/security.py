"""Headers every page carries, and the refusal of form posts from other sites."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No script at all, nothing from elsewhere; pages carry personal data, so nothing is cached or framed.
HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _cross_site(scope: Scope) -> bool:
    headers = dict(scope.get("headers") or [])
    fetch_site = headers.get(b"sec-fetch-site")
    if fetch_site is not None and fetch_site not in (b"same-origin", b"none"):
        return True
    origin = headers.get(b"origin")
    if origin is None or origin == b"null":
        return origin == b"null"
    host = headers.get(b"host", b"")
    return origin.split(b"://", 1)[-1] != host


class SecurityMiddleware:
    """Adds the security headers; refuses a POST that another site's page sent (besides SameSite=Strict)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and _cross_site(scope):
            await send(
                {"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"text/plain"), *HEADERS]}
            )
            await send(
                {"type": "http.response.body", "body": b"Forms are accepted only from this console's own pages."}
            )
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [] if static else [(b"cache-control", b"no-store")]
                message["headers"] = [*message.get("headers", []), *HEADERS, *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
