"""RFC 9457 problem details for every error the services return."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.logging import current_correlation_id, get_logger

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = 5
log = get_logger(__name__)


class DomainError(Exception):
    """An expected failure with its HTTP status; rendered as problem+json."""

    status = 400
    slug = "bad-request"
    title = "Bad request"
    # Seconds a 429 or 503 asks the caller to wait (sent as Retry-After).
    retry_after: int | None = None

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra


class NotFound(DomainError):
    """The resource does not exist, or is not the caller's to see (404 so ids don't leak)."""

    status, slug, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    """The request conflicts with the resource's current state."""

    status, slug, title = 409, "conflict", "Conflict"


class Forbidden(DomainError):
    """The caller's role may not do this."""

    status, slug, title = 403, "forbidden", "Forbidden"


class Unauthorized(DomainError):
    """No valid API key."""

    status, slug, title = 401, "unauthorized", "Unauthorized"


class InvalidInput(DomainError):
    """Semantically invalid input, naming every field at fault."""

    status, slug, title = 422, "validation-error", "Your request has errors"


class PayloadTooLarge(DomainError):
    """The body is over the endpoint's limit."""

    status, slug, title = 413, "payload-too-large", "Request body too large"


class TooManyRequests(DomainError):
    """Rate limit or capacity reached; the caller should retry later."""

    status, slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int = RETRY_AFTER_SECONDS, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    """A dependency (database, broker) is down; the caller should retry later."""

    status, slug, title = 503, "service-unavailable", "Service temporarily unavailable"


def field_error(field: str, message: str, code: str = "invalid") -> dict[str, str]:
    """One entry of a problem's ``errors`` list."""
    return {"field": field, "message": message, "code": code}


def problem_response(
    status: int,
    *,
    slug: str,
    title: str,
    detail: str | None = None,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {"type": f"https://homecare.dev/problems/{slug}", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    cid = current_correlation_id()
    if cid:
        body["correlation_id"] = cid
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _loc_to_field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) if parts else "body"


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Every field error of a request validation failure, with a dotted field path."""
    out = []
    for err in exc.errors():
        out.append(field_error(_loc_to_field(err.get("loc", ())), err.get("msg", "invalid"), err.get("type", "")))
    return out


def _is_dependency_outage(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError | ConnectionError | asyncio.TimeoutError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    name = type(exc).__name__
    return name in {
        "ConnectionDoesNotExistError",
        "CannotConnectNowError",
        "PostgresConnectionError",
        "ConnectionFailureError",
        "KafkaConnectionError",
        "KafkaTimeoutError",
    }


# Deadlock and serialisation failure: the transaction was rolled back whole, so a retry is safe.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})


def _is_transient_conflict(exc: BaseException) -> bool:
    original = getattr(exc, "orig", None)
    return getattr(original, "sqlstate", None) in _TRANSIENT_SQLSTATES or getattr(
        getattr(original, "__cause__", None), "sqlstate", None
    ) in _TRANSIENT_SQLSTATES


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as problem+json; dependency outages as 503 with Retry-After."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        retry = exc.retry_after or RETRY_AFTER_SECONDS
        headers = {"Retry-After": str(retry)} if exc.status in (429, 503) else None
        return problem_response(
            exc.status,
            slug=exc.slug,
            title=exc.title,
            detail=exc.detail,
            instance=request.url.path,
            errors=exc.errors,
            headers=headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            422,
            slug="validation-error",
            title="Your request has errors",
            detail="One or more fields are invalid.",
            instance=request.url.path,
            errors=validation_errors(exc),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        phrase = HTTPStatus(exc.status_code).phrase if exc.status_code in HTTPStatus._value2member_map_ else "Error"
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(
            exc.status_code,
            slug=phrase.lower().replace(" ", "-"),
            title=phrase,
            detail=detail,
            instance=request.url.path,
            headers=dict(exc.headers) if exc.headers else None,
        )

    def _unavailable(request: Request, detail: str, retry_after: int) -> JSONResponse:
        return problem_response(
            503,
            slug="service-unavailable",
            title="Service temporarily unavailable",
            detail=detail,
            instance=request.url.path,
            headers={"Retry-After": str(retry_after)},
        )

    async def _outage_or_bug(request: Request, exc: Exception) -> JSONResponse:
        if _is_dependency_outage(exc):
            log.warning("dependency_unavailable", error=type(exc).__name__, path=request.url.path)
            detail = "A dependency is unavailable; nothing was changed. Retry later."
            return _unavailable(request, detail, RETRY_AFTER_SECONDS)
        if _is_transient_conflict(exc):
            log.warning("transaction_conflict", error=type(exc).__name__, path=request.url.path)
            detail = "The request met a concurrent change and was rolled back; nothing was changed. Retry."
            return _unavailable(request, detail, 1)
        log.exception("unhandled_error", path=request.url.path)
        return problem_response(500, slug="internal-error", title="Internal server error", instance=request.url.path)

    # Registered per class (not only for Exception) so Starlette's ExceptionMiddleware answers them:
    # its ServerErrorMiddleware, which handles bare Exception, re-raises after answering.
    for outage_type in (DBAPIError, PoolTimeoutError, OSError, asyncio.TimeoutError):
        app.add_exception_handler(outage_type, _outage_or_bug)
    app.add_exception_handler(Exception, _outage_or_bug)
