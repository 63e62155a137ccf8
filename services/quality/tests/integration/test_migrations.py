"""The migrations build exactly the tables the code declares, and come down cleanly."""

from __future__ import annotations

import asyncio

from alembic import command
from shared.db.migrations import alembic_config
from shared.devstack.services import by_name
from shared.testing.stack import PostgresHandle, migrated_database


async def test_migrations_match_the_tables_and_downgrade(pg: PostgresHandle) -> None:
    url = await migrated_database(pg, ("quality",))
    cfg = alembic_config(by_name("quality").migrations_dir(), url, "quality")
    # Raises when autogenerate would find any difference between the models and the database.
    await asyncio.to_thread(command.check, cfg)
    await asyncio.to_thread(command.downgrade, cfg, "base")
    await asyncio.to_thread(command.upgrade, cfg, "head")
    await asyncio.to_thread(command.check, cfg)
