"""The raw asyncpg connection under a session, for the set-based statements of the hot paths."""

from __future__ import annotations

from typing import cast

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def raw_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session, inside the session's transaction.

    SQLAlchemy's asyncpg adapter sends BEGIN only with its own first statement: a raw statement sent
    before any would run on its own in autocommit, outside the session's transaction (the soak test
    found derivation claims committed alone, and lost when the process died before saving the visits).
    """
    conn = await session.connection()
    driver = cast(asyncpg.Connection, (await conn.get_raw_connection()).driver_connection)
    if not driver.is_in_transaction():
        await conn.execute(text("SELECT 1"))  # makes the adapter begin the session's transaction
    return driver
