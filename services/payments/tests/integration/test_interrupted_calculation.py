"""A calculation interrupted by a crash is run again when the service starts."""

from __future__ import annotations

import pytest
from payments.main import create_app
from payments.settings import PaymentsSettings
from shared.db.engine import create_engine
from shared.testing.apps import api_headers, running_app
from shared.testing.stack import PostgresHandle, migrated_database, wait_for
from sqlalchemy import text

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_period_left_calculating_is_resumed_at_start_up(pg: PostgresHandle, bootstrap: str) -> None:
    url = await migrated_database(pg, ("payments",))
    settings = PaymentsSettings(database_url=url, kafka_bootstrap_servers=bootstrap, db_pool_size=4)
    staff = await api_headers(url, role="payments_staff", name="alice")
    async with running_app(create_app(settings)) as first:
        created = await first.client.post("/v1/periods", json={"start_date": "2026-11-02"}, headers=staff)
        assert created.status_code == 201, created.text
        period_id = created.json()["period_id"]
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
