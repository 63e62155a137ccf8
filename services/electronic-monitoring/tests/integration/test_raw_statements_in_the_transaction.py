"""Monitoring's set-based statements go straight to asyncpg; they must still be in the session's
transaction, so a derivation that dies before saving its visits leaves its claim on the queue."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import asyncpg
from monitoring.db import plans_repository
from monitoring.db import visits_repository as visits
from shared.db.engine import create_engine, create_sessionmaker
from shared.settings import to_asyncpg_dsn
from shared.testing.stack import PostgresHandle, migrated_database


async def test_a_claim_rolled_back_leaves_the_package_queued(pg: PostgresHandle) -> None:
    # No service running: nobody else's worker may claim the package first.
    url = await migrated_database(pg, ("electronic-monitoring",))
    engine = create_engine(url, pool_size=1)
    sessionmaker = create_sessionmaker(engine)
    package_id = uuid.uuid4()
    try:
        async with sessionmaker() as session, session.begin():
            await plans_repository.upsert_awarded_package(
                session, package_id=package_id, provider_id=uuid.uuid4(), start_date=date(2026, 1, 1),
                weekly_hours=Decimal(7), home=None, entries=[],
            )
        try:
            async with sessionmaker() as session, session.begin():
                assert package_id in await visits.claim_pending(session, 100)
                raise RuntimeError("the worker dies before saving the visits")
        except RuntimeError:
            pass
    finally:
        await engine.dispose()
    conn = await asyncpg.connect(to_asyncpg_dsn(url))
    try:
        queued = await conn.fetch("SELECT 1 FROM monitoring.pending_derivation WHERE package_id = $1", package_id)
    finally:
        await conn.close()
    assert len(queued) == 1, "the claim was committed on its own"
