"""A calculation interrupted by a crash is run again when the service starts."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from payments.db.calculation_repository import claim_calculation
from payments.main import create_app
from payments.settings import PaymentsSettings
from shared.db.engine import create_engine
from shared.testing.apps import api_headers, running_app
from shared.testing.stack import PostgresHandle, migrated_database, wait_for
from sqlalchemy import text

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _draft_period(pg: PostgresHandle, bootstrap: str) -> tuple[PaymentsSettings, dict[str, str], uuid.UUID]:
    """A fresh payments database with one draft period: its settings, a staff member's key, the period."""
    url = await migrated_database(pg, ("payments",))
    settings = PaymentsSettings(database_url=url, kafka_bootstrap_servers=bootstrap, db_pool_size=4)
    staff = await api_headers(url, role="payments_staff", name="alice")
    async with running_app(create_app(settings)) as app:
        created = await app.client.post("/v1/periods", json={"start_date": "2026-11-02"}, headers=staff)
        assert created.status_code == 201, created.text
    return settings, staff, uuid.UUID(created.json()["period_id"])


async def test_a_period_left_calculating_is_resumed_at_start_up(pg: PostgresHandle, bootstrap: str) -> None:
    settings, staff, period_id = await _draft_period(pg, bootstrap)
    url = settings.database_url
    # As a crash mid-run leaves it: the status says calculating and no run is alive.
    engine = create_engine(url, pool_size=1)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE payments.period SET status = 'calculating', calculated_by = 'alice' WHERE period_id = :id"),
            {"id": period_id},
        )
    await engine.dispose()

    async with running_app(create_app(settings)) as second:

        async def finished() -> dict[str, object] | None:
            body = (await second.client.get(f"/v1/periods/{period_id}", headers=staff)).json()
            return body if body["status"] == "calculated" else None

        done = await wait_for(finished, timeout=60, message="the resumed calculation")
        assert done["calculated_by"] == "alice"


async def _contend(dsn: str, period_id: uuid.UUID, *, first_finishes: bool) -> bool:
    """Two processes claim one run: the first holds it while the second waits; returns the second's claim."""
    first, second = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        await first.execute("UPDATE payments.period SET status = 'calculating' WHERE period_id = $1", period_id)
        held, waited = first.transaction(), second.transaction()
        await held.start()
        assert await claim_calculation(first, period_id)
        await waited.start()
        waiting = asyncio.create_task(claim_calculation(second, period_id))
        await asyncio.sleep(0.5)
        assert not waiting.done(), "the second process must wait while the first calculates"
        if first_finishes:
            await first.execute("UPDATE payments.period SET status = 'calculated' WHERE period_id = $1", period_id)
            await held.commit()
        else:
            await held.rollback()  # as a crash mid-run leaves it
        claimed = await asyncio.wait_for(waiting, timeout=10)
        await waited.rollback()
        return claimed
    finally:
        await first.close()
        await second.close()


async def test_two_processes_resuming_one_run_calculate_it_once(pg: PostgresHandle, bootstrap: str) -> None:
    settings, _, period_id = await _draft_period(pg, bootstrap)
    # Once the first has calculated it, the second finds nothing to do (the period may be approved by then).
    assert await _contend(settings.asyncpg_dsn, period_id, first_finishes=True) is False
    # If the first dies mid-run, the second carries it on.
    assert await _contend(settings.asyncpg_dsn, period_id, first_finishes=False) is True
