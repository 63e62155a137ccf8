"""Calls on the services' public APIs with the signed-in staff member's own key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from shared.logging import current_correlation_id, get_logger

log = get_logger(__name__)

SERVICE_TITLES = {
    "brokerage": "brokerage",
    "monitoring": "electronic monitoring",
    "payments": "payments",
    "quality": "quality",
}


@dataclass(frozen=True)
class FieldProblem:
    """One field the service found at fault (its dotted name as the API gives it)."""

    field: str
    message: str


@dataclass
class ApiError(Exception):
    """A service's refusal (its problem+json), or a service that did not answer (503)."""

    status: int
    title: str
    detail: str
    service: str
    errors: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.service} {self.status}: {self.detail}"


def _problem(service: str, response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    errors = [
        FieldProblem(str(e.get("field", "")), str(e.get("message", "")))
        for e in body.get("errors") or []
        if isinstance(e, dict)
    ]
    return ApiError(
        status=response.status_code,
        title=str(body.get("title") or response.reason_phrase),
        detail=str(body.get("detail") or body.get("title") or response.reason_phrase),
        service=service,
        errors=errors,
    )


class Upstream:
    """One pooled HTTP client per service, shared by every request of the console."""

    def __init__(self, urls: Mapping[str, str], timeout: float) -> None:
        self.clients = {name: httpx.AsyncClient(base_url=url, timeout=timeout) for name, url in urls.items()}

    async def aclose(self) -> None:
        """Close every client."""
        for client in self.clients.values():
            await client.aclose()

    def for_key(self, key: str) -> StaffApi:
        """The services as this key's holder may use them."""
        return StaffApi(self, key)


class StaffApi:
    """The services' APIs on behalf of one staff member."""

    def __init__(self, upstream: Upstream, key: str) -> None:
        self._upstream = upstream
        self._key = key

    def _headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._key}", "Accept": "application/json"}
        correlation_id = current_correlation_id()
        if correlation_id:
            headers["X-Request-ID"] = correlation_id
        return headers

    async def send(
        self, service: str, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> httpx.Response:
        """The raw response of a call; raises :class:`ApiError` for any error status or no answer."""
        client = self._upstream.clients[service]
        clean = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
        try:
            response = await client.request(method, path, params=clean, json=json, headers=self._headers())
        except httpx.HTTPError as exc:
            log.warning("service_unreachable", service=service, path=path, error=type(exc).__name__)
            title = SERVICE_TITLES[service]
            raise ApiError(503, "Service unavailable", f"The {title} service is not answering.", service) from exc
        if response.status_code >= 400:
            raise _problem(service, response)
        return response

    async def get(self, service: str, path: str, **params: Any) -> Any:
        """GET, parsed as JSON."""
        return (await self.send(service, "GET", path, params=params)).json()

    async def post(self, service: str, path: str, body: Any = None) -> Any:
        """POST a JSON body, parsed as JSON."""
        response = await self.send(service, "POST", path, json=body if body is not None else {})
        return response.json() if response.content else None
