"""Apply every schema's migrations: the platform's ``auth`` schema, then each service's."""

from __future__ import annotations

from shared.db.migrations import upgrade, upgrade_sync
from shared.devstack.services import AUTH_SCHEMA, SERVICES, ServiceInfo, auth_migrations_dir


def _targets(services: tuple[ServiceInfo, ...]) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = [(AUTH_SCHEMA, auth_migrations_dir())]
    out += [(s.schema, s.migrations_dir()) for s in services if s.migrations_dir().exists()]
    return out


def migrate_all_sync(database_url: str, services: tuple[ServiceInfo, ...] = SERVICES) -> list[str]:
    """Upgrade every schema to head; returns the schemas migrated."""
    done = []
    for schema, path in _targets(services):
        upgrade_sync(path, database_url, schema)  # type: ignore[arg-type]
        done.append(schema)
    return done


async def migrate_all(database_url: str, services: tuple[ServiceInfo, ...] = SERVICES) -> list[str]:
    """Async variant for fixtures."""
    done = []
    for schema, path in _targets(services):
        await upgrade(path, database_url, schema)  # type: ignore[arg-type]
        done.append(schema)
    return done
