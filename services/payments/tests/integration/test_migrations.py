"""The payments migration applies, reverses and re-applies cleanly, and matches the tables."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from payments.db.tables import SCHEMA, metadata
from shared.db.migrations import alembic_config
from shared.devstack.services import by_name
from shared.settings import to_sqlalchemy_url
from shared.testing.stack import PostgresHandle, migrated_database
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_downgrade_and_upgrade_again_leave_no_drift(pg: PostgresHandle) -> None:
    url = await migrated_database(pg, ("payments",))
    cfg = alembic_config(by_name("payments").migrations_dir(), url, SCHEMA)
    await asyncio.to_thread(command.downgrade, cfg, "base")
    await asyncio.to_thread(command.upgrade, cfg, "head")
    engine = create_async_engine(to_sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            tables = (
                await conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = :s"), {"s": SCHEMA})
            ).scalar()

            def drift(sync_conn: object) -> list[object]:
                ctx = MigrationContext.configure(
                    sync_conn,  # type: ignore[arg-type]
                    opts={"include_schemas": True, "include_name": lambda n, t, _: t != "schema" or n == SCHEMA},
                )
                return list(compare_metadata(ctx, metadata))

            differences = await conn.run_sync(drift)
    finally:
        await engine.dispose()
    # every table of the metadata plus Alembic's version table
    assert tables == len(metadata.tables) + 1
    # Alembic's own version table is the only thing the metadata does not describe.
    assert [d for d in differences if not (d[0] == "remove_table" and d[1].name == "alembic_version")] == []
