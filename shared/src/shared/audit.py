"""The audit log: every administrative action, who did it, when, to what and why.

Design, and why:
- One platform table, ``auth.audit_entry``, next to the API clients it names, rather than one per
  service: an auditor reads the council's whole trail in one place and one order, and every
  service already reaches the ``auth`` schema to check keys. Each entry carries its ``service``,
  and each service's ``GET /v1/audit`` shows its own (plus the platform's client changes).
- Written by :func:`record_audit` in the action's own session, so the entry commits or rolls back
  with the action: no action without its entry, no entry for an action that failed. (Were the
  services ever split over several databases, this table would move into each service's schema
  to keep that property; the helper would not change.)
- Append-only in the database itself: a trigger refuses UPDATE, DELETE and TRUNCATE, whoever asks.
- ``details`` holds identifiers and amounts, never personal data (names, NHS numbers, addresses).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic_core import to_jsonable_python
from sqlalchemy import RowMapping, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shared.auth.tables import audit_entry
from shared.logging import current_correlation_id

PLATFORM = "platform"
_service: ContextVar[str] = ContextVar("audit_service", default=PLATFORM)


class Actor(Protocol):
    """Whoever acted: an API client (:class:`shared.auth.Principal`) or an :class:`Operator`."""

    @property
    def client_id(self) -> uuid.UUID | None: ...

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class Operator:
    """Someone at the server's command line (``homecare clients ...``), who has no API client."""

    name: str
    role: str = "operator"
    client_id: None = None


def bind_service(name: str) -> Token[str]:
    """Name the service handling this request, for the entries it writes (set by the app's middleware)."""
    return _service.set(name)


def unbind_service(token: Token[str]) -> None:
    """Forget the request's service when it ends (what runs next, in the same context, is not it)."""
    _service.reset(token)


async def record_audit(
    session: AsyncSession | AsyncConnection,
    who: Actor,
    action: str,
    resource: str,
    reason: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append an entry in the caller's transaction: it commits (or not) with the action itself.

    ``action`` is a dotted name (``package.award``), ``resource`` the API path of what was acted on
    (``packages/<id>``), ``reason`` the one the caller gave, if the API takes one.
    """
    await session.execute(
        insert(audit_entry).values(
            service=_service.get(),
            actor_client_id=who.client_id,
            actor_name=who.name,
            actor_role=who.role,
            action=action,
            resource=resource,
            reason=reason,
            details=to_jsonable_python(dict(details or {})),
            correlation_id=current_correlation_id(),
        )
    )


@dataclass(frozen=True)
class AuditQuery:
    """Filters of a page of the log."""

    service: str
    action: str | None = None
    actor_client_id: uuid.UUID | None = None
    resource_prefix: str | None = None
    since: datetime | None = None
    after: int | None = None


async def audit_page(session: AsyncSession, query: AuditQuery, limit: int) -> list[RowMapping]:
    """Entries of a service (and the platform's) oldest first, after the cursor ``after`` (an entry id)."""
    t = audit_entry
    stmt = select(t).where(t.c.service.in_([query.service, PLATFORM]))
    if query.action is not None:
        stmt = stmt.where(t.c.action == query.action)
    if query.actor_client_id is not None:
        stmt = stmt.where(t.c.actor_client_id == query.actor_client_id)
    if query.resource_prefix is not None:
        stmt = stmt.where(t.c.resource.startswith(query.resource_prefix, autoescape=True))
    if query.since is not None:
        stmt = stmt.where(t.c.at >= query.since)
    if query.after is not None:
        stmt = stmt.where(t.c.id > query.after)
    return list((await session.execute(stmt.order_by(t.c.id).limit(limit))).mappings().all())
