"""``GET /v1/audit``: the service's audit log for admins, a page at a time (added to every service)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel

from shared.audit import AuditQuery, audit_page
from shared.auth import Principal, require_roles
from shared.db.session import SessionDep

router = APIRouter(tags=["audit"])
MAX_PAGE = 200


class AuditEntryOut(BaseModel):
    """One administrative action: who, when, what, why."""

    id: int
    at: datetime
    service: str
    actor_client_id: uuid.UUID | None
    actor_name: str
    actor_role: str
    action: str
    resource: str
    reason: str | None
    details: dict[str, Any]
    correlation_id: str | None


class AuditPage(BaseModel):
    """A page of entries, oldest first; pass ``next_after`` as ``after`` for the next (null at the end).

    Entries are numbered as they are written, so one whose transaction was still open when a page
    was read can appear later with a lower number than that page's last: re-read a short overlap
    when following the log live.
    """

    items: list[AuditEntryOut]
    next_after: int | None


@router.get("/v1/audit", response_model=AuditPage)
async def list_audit(
    request: Request,
    session: SessionDep,
    _: Annotated[Principal, Depends(require_roles("admin"))],
    action: Annotated[str | None, Query(max_length=100)] = None,
    actor_client_id: uuid.UUID | None = None,
    resource: Annotated[str | None, Query(max_length=300, description="a prefix, e.g. packages/")] = None,
    since: AwareDatetime | None = None,
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> AuditPage:
    """This service's administrative actions (and the platform's API client changes)."""
    query = AuditQuery(
        service=request.app.state.definition.name,
        action=action,
        actor_client_id=actor_client_id,
        resource_prefix=resource,
        since=since,
        after=after,
    )
    rows = await audit_page(session, query, limit + 1)
    page = rows[:limit]
    return AuditPage(
        items=[AuditEntryOut.model_validate(dict(r)) for r in page],
        next_after=page[-1]["id"] if len(rows) > limit else None,
    )
