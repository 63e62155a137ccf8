"""Budget banked in one period is used in the next, from the database's bank balance."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from payments.calculation import calculate_period
from payments.domain.period import Period
from payments.domain.rules import PaymentRules
from shared.settings import to_asyncpg_dsn
from shared.testing.stack import PostgresHandle, migrated_database

pytestmark = pytest.mark.asyncio(loop_scope="session")

PACKAGE, PROVIDER = uuid.uuid4(), uuid.uuid4()
FIRST = Period(date(2026, 11, 2), date(2026, 11, 29))
SECOND = Period(date(2026, 11, 30), date(2026, 12, 27))


async def _period(conn: asyncpg.Connection, period: Period) -> uuid.UUID:
    period_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO payments.period (period_id, start_date, end_date, status, created_by) "
        "VALUES ($1, $2, $3, 'calculating', 'test')",
        period_id, period.start, period.end,
    )  # fmt: skip
    return period_id


async def _hours(conn: asyncpg.Connection, monday: date, hours: int) -> None:
    for h in range(hours):
        start = datetime(monday.year, monday.month, monday.day, 8 + h, tzinfo=UTC) + timedelta(days=1)
        await conn.execute(
            "INSERT INTO payments.visit (visit_id, revision, package_id, provider_id, outcome, day, planned_start, "
            "planned_minutes, actual_start, actual_end, carers_required, carers_attended, verified, event_id) "
            "VALUES ($1, 1, $2, $3, 'completed', $4, $5, 60, $5, $6, 1, 1, true, $1)",
            uuid.uuid4(), PACKAGE, PROVIDER, start.date(), start, start + timedelta(hours=1),
        )  # fmt: skip


async def test_banked_budget_carries_into_the_next_period(pg: PostgresHandle) -> None:
    dsn = to_asyncpg_dsn(await migrated_database(pg, ("payments",)))
    conn = await asyncpg.connect(dsn)
    try:
        # £100 a week at £20 an hour.
        await conn.execute(
            "INSERT INTO payments.package (package_id, provider_id, basis, hourly_rate, council_share, weekly_budget, "
            "start_date) VALUES ($1, $2, 'budget', 20.00, 1, 100.00, $3)",
            PACKAGE, PROVIDER, FIRST.start,
        )  # fmt: skip
        # Week 1: 3 hours (£60, £40 banked); weeks 2-4: exactly the budget.
        for week, hours in enumerate([3, 5, 5, 5]):
            await _hours(conn, FIRST.start + timedelta(weeks=week), hours)
        # Week 5 (the next period's first): 7 hours = £140, £40 of it from the bank.
        await _hours(conn, SECOND.start, 7)
        first = await _period(conn, FIRST)
        await calculate_period(dsn, first, FIRST, PaymentRules(), "test")
        bank = await conn.fetch("SELECT week, amount FROM payments.bank_balance WHERE period_id = $1", first)
        assert [(r["week"], str(r["amount"])) for r in bank] == [(FIRST.start, "40.00")]
        await conn.execute(
            "UPDATE payments.period SET status = 'approved', approved_at = now() WHERE period_id = $1", first
        )

        second = await _period(conn, SECOND)
        await calculate_period(dsn, second, SECOND, PaymentRules(), "test")
        rows = await conn.fetch(
            "SELECT rule, status, amount FROM payments.line WHERE period_id = $1 AND service_date = $2 ORDER BY rule",
            second, SECOND.start,
        )  # fmt: skip
    finally:
        await conn.close()
    assert [(r["rule"], r["status"], str(r["amount"])) for r in rows] == [
        ("budget_bank_used", "payable", "40.00"),
        ("budget_week", "payable", "100.00"),
    ]
