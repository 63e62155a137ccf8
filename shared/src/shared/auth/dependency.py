"""The FastAPI dependency that authenticates an API client and checks its role."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from shared.auth.keys import matches, parse_key
from shared.auth.tables import api_client
from shared.errors import Forbidden, TooManyRequests, Unauthorized
from shared.ratelimit import RateLimiter

_bearer = HTTPBearer(auto_error=False, description="API key as a bearer token")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key")


@dataclass(frozen=True)
class Principal:
    """The authenticated API client."""

    client_id: uuid.UUID
    name: str
    role: str
    provider_ids: frozenset[uuid.UUID]

    @property
    def provider_id(self) -> uuid.UUID | None:
        """The one provider a ``provider`` client is bound to."""
        return next(iter(self.provider_ids)) if self.role == "provider" and self.provider_ids else None

    def serves(self, provider_id: uuid.UUID) -> bool:
        """Whether a provider or vendor client may act for this provider."""
        return provider_id in self.provider_ids


async def authenticate(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
    api_key: Annotated[str | None, Security(_api_key)] = None,
) -> Principal:
    """The caller, from ``Authorization: Bearer <key>`` or ``X-API-Key``; 401 if absent or invalid,
    429 if over its rate limit.

    The client is read from the database on every request, never cached, so a rotated or revoked
    key stops working at once (one indexed read by primary key is cheap next to the request itself).
    """
    key = bearer.credentials if bearer else api_key
    if not key:
        raise Unauthorized("An API key is required (Authorization: Bearer <key> or X-API-Key).")
    client_id = parse_key(key)
    if client_id is None:
        raise Unauthorized("The API key is not valid.")
    async with request.app.state.sessionmaker() as session:
        row = (await session.execute(select(api_client).where(api_client.c.id == client_id))).mappings().first()
    if row is None or row["revoked_at"] is not None or not matches(key, row["key_hash"]):
        raise Unauthorized("The API key is not valid.")
    principal = Principal(row["id"], row["name"], row["role"], frozenset(row["provider_ids"] or ()))
    request.state.principal = principal
    # Counted after the key is verified, so nobody can spend another client's allowance.
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    wait = limiter.acquire(principal.client_id, principal.role) if limiter is not None else None
    if wait is not None:
        raise TooManyRequests(f"Over the rate limit of this API client; retry in {wait} s.", retry_after=wait)
    return principal


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency allowing only these roles (403 for any other authenticated client)."""

    async def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.")
        return principal

    return dependency


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
