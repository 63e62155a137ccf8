"""The first migration builds exactly the tables the code declares (no drift)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from brokerage.db import package_tables  # noqa: F401  (registers the package tables)
from brokerage.db.tables import metadata
from shared.testing.stack import PostgresHandle, migrated_database
from sqlalchemy.ext.asyncio import create_async_engine


async def test_migrated_schema_matches_the_tables(pg: PostgresHandle) -> None:
    url = await migrated_database(pg, ("brokerage",))
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://"))

    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "include_name": lambda name, kind, _: (
                    name == "brokerage" if kind == "schema" else name != "alembic_version"
                ),
                "compare_type": True,
            },
        )
        return list(compare_metadata(context, metadata))

    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []
    assert {t.name for t in metadata.sorted_tables} >= {"package", "offer", "round_skip", "webhook_delivery"}
