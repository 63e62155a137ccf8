"""``GET /v1/whoami``: who an API key belongs to, so a front end (the console) can greet and route its user."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel

from shared.auth import CurrentPrincipal

router = APIRouter(prefix="/v1", tags=["identity"])


class WhoAmI(BaseModel):
    """The API client behind the key: its name and its one role."""

    client_id: uuid.UUID
    name: str
    role: str
    provider_ids: list[uuid.UUID]


@router.get("/whoami")
async def whoami(principal: CurrentPrincipal) -> WhoAmI:
    """The client this key belongs to (401 for a missing, unknown or revoked key)."""
    return WhoAmI(
        client_id=principal.client_id,
        name=principal.name,
        role=principal.role,
        provider_ids=sorted(principal.provider_ids, key=str),
    )
