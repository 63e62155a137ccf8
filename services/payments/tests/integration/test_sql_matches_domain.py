"""The set-based time-and-task statement agrees with the domain rules, line for line and penny for penny."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from payments.calculation import calculate_period
from payments.domain.period import PackageState, Period, package_lines
from payments.domain.rates import RateChange, RateSchedule
from payments.domain.rules import PaymentRules, RoundingRule
from payments.domain.terms import Approvals, Basis, PackageTerms, Visit, VisitOutcome
from shared.clock import london_date
from shared.settings import to_asyncpg_dsn
from shared.testing.stack import PostgresHandle, migrated_database

pytestmark = pytest.mark.asyncio(loop_scope="session")

# Christmas, Boxing Day and its substitute Monday fall in this period.
PERIOD = Period(date(2026, 12, 14), date(2027, 1, 10))
FIELDS = (
    "rule", "status", "amount", "council_amount", "nhs_amount", "minutes", "hourly_rate", "carers", "note", "event_ids",
)  # fmt: skip


def _world(seed: int) -> tuple[list[PackageTerms], list[Visit], Approvals]:
    rnd = random.Random(seed)
    packages = []
    for i in range(12):
        changes = (RateChange(date(2026, 12, 24), Decimal("19.75")),) if i % 3 == 0 else ()
        packages.append(
            PackageTerms(
                package_id=uuid.UUID(int=rnd.getrandbits(128)),
                provider_id=uuid.UUID(int=i % 3 + 1),
                basis=Basis.TIME_AND_TASK,
                rates=RateSchedule(Decimal(rnd.choice(["18.52", "19.01", "21.37"])), changes),
                start_date=date(2026, 11, 2),
                council_share=Decimal(rnd.choice(["1", "0.5", "0.333", "0"])),
            )
        )
    visits = []
    for _ in range(400):
        p = rnd.choice(packages)
        start = datetime(2026, 12, 14, 0, tzinfo=UTC) + timedelta(minutes=rnd.randrange(28 * 24 * 60))
        planned = rnd.choice([None, 15, 30, 45, 60])
        outcome = rnd.choice([VisitOutcome.COMPLETED] * 6 + [VisitOutcome.MISSED, VisitOutcome.CANCELLED])
        completed = outcome is VisitOutcome.COMPLETED
        required = rnd.choice([1, 1, 2])
        visit_id = uuid.UUID(int=rnd.getrandbits(128))
        visits.append(
            Visit(
                visit_id=visit_id,
                package_id=p.package_id,
                provider_id=p.provider_id,
                outcome=outcome,
                planned_start=start,
                planned_minutes=planned,
                actual_start=start if completed else None,
                actual_end=start + timedelta(seconds=rnd.randrange(0, 100 * 60)) if completed else None,
                carers_required=required,
                carers_attended=rnd.randint(1, required),
                verified=rnd.random() > 0.15,
                # _load stores each visit's id as the id of its event.
                event_id=visit_id,
            )
        )
    approvals = Approvals(
        unverified_visits=frozenset(v.visit_id for v in visits[::7]),
        excess_visits=frozenset(v.visit_id for v in visits[::5]),
    )
    return packages, visits, approvals


async def _load(
    conn: asyncpg.Connection, packages: list[PackageTerms], visits: list[Visit], approvals: Approvals
) -> None:
    for p in packages:
        await conn.execute(
            "INSERT INTO payments.package (package_id, provider_id, basis, hourly_rate, council_share, start_date) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            p.package_id, p.provider_id, p.basis.value, p.rates.hourly_rate, p.council_share, p.start_date,
        )  # fmt: skip
        for c in p.rates.changes:
            await conn.execute(
                "INSERT INTO payments.package_rate VALUES ($1, $2, $3)", p.package_id, c.from_date, c.hourly_rate
            )
    await conn.executemany(
        "INSERT INTO payments.visit (visit_id, revision, package_id, provider_id, outcome, day, planned_start, "
        "planned_minutes, actual_start, actual_end, carers_required, carers_attended, verified, event_id) "
        "VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $1)",
        [
            (v.visit_id, v.package_id, v.provider_id, v.outcome.value, london_date(v.anchor()), v.planned_start,
             v.planned_minutes, v.actual_start, v.actual_end, v.carers_required, v.carers_attended, v.verified)
            for v in visits
        ],
    )  # fmt: skip
    for kind, ids in (("unverified_visit", approvals.unverified_visits), ("excess_visit", approvals.excess_visits)):
        await conn.executemany(
            "INSERT INTO payments.approval (kind, subject_id, reason, approved_by) VALUES ($1, $2, 'test', 'o')",
            [(kind, i) for i in ids],
        )


@pytest.mark.parametrize(
    "rules",
    [
        PaymentRules(),
        PaymentRules(rounding=RoundingRule.BANDS_15, bank_holiday_multiplier=Decimal("2")),
        PaymentRules(rounding=RoundingRule.COMPLETE_UNITS, unit_minutes=10, tolerance=Decimal("0.05")),
        PaymentRules(rounding=RoundingRule.PLANNED),
    ],
    ids=["nearest", "bands", "units", "planned"],
)
async def test_sql_matches_domain(pg: PostgresHandle, rules: PaymentRules) -> None:
    packages, visits, approvals = _world(seed=7)
    dsn = to_asyncpg_dsn(await migrated_database(pg, ("payments",)))
    conn = await asyncpg.connect(dsn)
    try:
        await _load(conn, packages, visits, approvals)
        period_id = uuid.uuid4()
        await conn.execute(
            "INSERT INTO payments.period (period_id, start_date, end_date, status, created_by) "
            "VALUES ($1, $2, $3, 'calculating', 'test')",
            period_id, PERIOD.start, PERIOD.end,
        )  # fmt: skip
        await calculate_period(dsn, period_id, PERIOD, rules, "test")
        rows = await conn.fetch("SELECT * FROM payments.line WHERE period_id = $1", period_id)
    finally:
        await conn.close()
    got = {r["ledger_key"]: tuple(r[f] for f in FIELDS) for r in rows}
    expected = {}
    for p in packages:
        mine = [v for v in visits if v.package_id == p.package_id]
        for line in package_lines(p, mine, PERIOD, rules, approvals, PackageState()):
            expected[line.ledger_key] = (
                line.rule, line.status.value, line.amount, line.council_amount, line.nhs_amount, line.minutes,
                line.hourly_rate, line.carers, line.note, list(line.event_ids),
            )  # fmt: skip
    assert len(expected) == len(visits)
    assert {k: v for k, v in got.items() if k.startswith("visit:")} == expected
    # Some of every case was exercised.
    rules_seen = {v[0] for v in expected.values()}
    assert {"missed_not_paid", "cancelled_not_paid", "time_and_task:unplanned"} <= rules_seen
    assert any("bank holiday" in v[8] for v in expected.values())
    assert {v[1] for v in expected.values()} == {"payable", "held", "not_payable"}
