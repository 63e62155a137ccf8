"""Apply every schema's migrations: the platform's ``auth`` schema, then each service's."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from alembic.script import ScriptDirectory

from shared.db.migrations import alembic_config, upgrade, upgrade_sync
from shared.devstack.services import AUTH_SCHEMA, SERVICES, ServiceInfo, auth_migrations_dir
from shared.settings import to_asyncpg_dsn


def _targets(services: tuple[ServiceInfo, ...]) -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = [(AUTH_SCHEMA, auth_migrations_dir())]
    for svc in services:
        path = svc.migrations_dir()
        if svc.schema is not None and path is not None and path.exists():
            out.append((svc.schema, path))
    return out


def migrate_all_sync(database_url: str, services: tuple[ServiceInfo, ...] = SERVICES) -> list[str]:
    """Upgrade every schema to head; returns the schemas migrated."""
    done = []
    for schema, path in _targets(services):
        upgrade_sync(path, database_url, schema)
        done.append(schema)
    return done


async def migrate_all(database_url: str, services: tuple[ServiceInfo, ...] = SERVICES) -> list[str]:
    """Async variant for fixtures."""
    done = []
    for schema, path in _targets(services):
        await upgrade(path, database_url, schema)
        done.append(schema)
    return done


async def pending_schemas(database_url: str, services: tuple[ServiceInfo, ...] = SERVICES) -> list[str]:
    """The schemas not at their head revision (what a pod waits for before it starts serving)."""
    conn = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        pending = []
        for schema, path in _targets(services):
            heads = set(ScriptDirectory.from_config(alembic_config(path, database_url, schema)).get_heads())
            table = f'"{schema}".alembic_version'
            exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table)
            current = {r[0] for r in await conn.fetch(f"SELECT version_num FROM {table}")} if exists else set()  # noqa: S608
            if current != heads:
                pending.append(schema)
        return pending
    finally:
        await conn.close()
