"""Apply every schema's migrations: the platform's ``auth`` schema, then each service's."""

from __future__ import annotations

from pathlib import Path

from shared.db.migrations import upgrade, upgrade_sync
from shared.devstack.services import AUTH_SCHEMA, SERVICES, ServiceInfo, auth_migrations_dir


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
