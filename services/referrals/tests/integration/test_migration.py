"""The Alembic migration builds exactly the tables the code describes."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from referrals.db.tables import SCHEMA, metadata
from shared.testing.stack import PostgresHandle, migrated_database
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _only_ours(name: str | None, type_: str, parent_names: Any) -> bool:
    if type_ == "schema":
        return name == SCHEMA
    return not (type_ == "table" and name == "alembic_version")


async def test_the_migration_matches_the_tables(pg: PostgresHandle) -> None:
    url = await migrated_database(pg, ("referrals",))
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"include_schemas": True, "include_name": _only_ours}),
                metadata,
            ))
    finally:
        await engine.dispose()
    assert diff == [], diff
