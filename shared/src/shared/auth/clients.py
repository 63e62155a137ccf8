"""Creating, rotating and revoking API clients (used by ``homecare clients``)."""

from __future__ import annotations

import getpass
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.audit import Actor, Operator, record_audit
from shared.auth.keys import hash_secret, new_key
from shared.auth.roles import ALL_ROLES
from shared.auth.tables import api_client
from shared.db.engine import create_engine


@dataclass(frozen=True)
class IssuedClient:
    """A client and its key, shown once."""

    id: uuid.UUID
    name: str
    role: str
    key: str
    provider_ids: list[uuid.UUID] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """For printing."""
        return {
            "id": str(self.id),
            "name": self.name,
            "role": self.role,
            "key": self.key,
            "provider_ids": [str(p) for p in self.provider_ids],
        }


def _check_binding(role: str, provider_ids: list[uuid.UUID]) -> None:
    if role not in ALL_ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ALL_ROLES)}")
    if role == "provider" and len(provider_ids) != 1:
        raise ValueError("a provider client is bound to exactly one provider id (--provider-id)")
    if role == "etms_vendor" and not provider_ids:
        raise ValueError("an etms_vendor client serves at least one provider (--provider-ids)")
    if role not in ("provider", "etms_vendor") and provider_ids:
        raise ValueError(f"role {role} is not bound to providers")


def console_operator() -> Operator:
    """The person running ``homecare`` on the server, as the audit log names them."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in this environment (e.g. a container's bare uid)
        user = "unknown"
    return Operator(name=f"console:{user}")


async def create_client(
    conn: AsyncConnection,
    *,
    name: str,
    role: str,
    provider_ids: list[uuid.UUID] | None = None,
    by: Actor | None = None,
) -> IssuedClient:
    """Create a client; the key is returned once and only its hash is stored. Audited."""
    pids = list(provider_ids or [])
    _check_binding(role, pids)
    cid = uuid.uuid4()
    key = new_key(cid)
    await conn.execute(
        insert(api_client).values(id=cid, name=name, role=role, provider_ids=pids, key_hash=hash_secret(key))
    )
    details = {"name": name, "role": role, "provider_ids": pids}
    await record_audit(conn, by or console_operator(), "api_client.create", f"api-clients/{cid}", details=details)
    return IssuedClient(cid, name, role, key, pids)


async def rotate_key(
    conn: AsyncConnection, client_id: uuid.UUID, *, by: Actor | None = None, reason: str | None = None
) -> str:
    """Issue a new key; the old one stops working at once. Audited."""
    key = new_key(client_id)
    res = await conn.execute(
        update(api_client)
        .where(api_client.c.id == client_id, api_client.c.revoked_at.is_(None))
        .values(key_hash=hash_secret(key), rotated_at=func.now())
    )
    if res.rowcount != 1:
        raise LookupError(f"no active client {client_id}")
    await record_audit(conn, by or console_operator(), "api_client.rotate", f"api-clients/{client_id}", reason)
    return key


async def revoke(
    conn: AsyncConnection, client_id: uuid.UUID, *, by: Actor | None = None, reason: str | None = None
) -> None:
    """Revoke a client; its key stops working at once. Audited."""
    res = await conn.execute(update(api_client).where(api_client.c.id == client_id).values(revoked_at=func.now()))
    if res.rowcount != 1:
        raise LookupError(f"no client {client_id}")
    await record_audit(conn, by or console_operator(), "api_client.revoke", f"api-clients/{client_id}", reason)


async def list_clients(conn: AsyncConnection) -> list[dict[str, object]]:
    """Every client, without key hashes."""
    rows = (await conn.execute(select(api_client).order_by(api_client.c.created_at))).mappings().all()
    return [{k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in r.items() if k != "key_hash"} for r in rows]


def client_maker(database_url: str) -> Callable[[str, str, list[uuid.UUID]], Awaitable[dict[str, str]]]:
    """``make(name, role, provider_ids) -> {"id", "key"}`` creating each client in its own short transaction
    on ``database_url``: what ``homecare clients create`` does, for programs that set up many users."""

    async def make(name: str, role: str, provider_ids: list[uuid.UUID]) -> dict[str, str]:
        engine = create_engine(database_url, pool_size=1)
        try:
            async with engine.begin() as conn:
                issued = await create_client(conn, name=name, role=role, provider_ids=provider_ids)
        finally:
            await engine.dispose()
        return {"id": str(issued.id), "key": issued.key}

    return make
