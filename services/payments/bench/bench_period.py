"""Benchmark of a four-week payment period: 25,000 packages and 500,000 visits at 1x.

Starts a throwaway embedded Postgres, migrates the payments schema, generates the data inside
Postgres, and times the real calculation (streamed through the domain rules, lines written with
COPY) at 0.25x, 0.5x and 1x, each beside a plain SQL aggregate over the same visits. Prints JSON.

    uv run --frozen python services/payments/bench/bench_period.py [--scales 0.25,0.5,1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
from payments.calculation import calculate_period
from payments.domain.period import Period
from payments.domain.rules import PaymentRules
from shared.devstack.migrate import migrate_all
from shared.devstack.ports import free_port
from shared.devstack.postgres import EmbeddedPostgres
from shared.devstack.services import by_name
from shared.settings import to_asyncpg_dsn
from shared.testing.stack import PostgresHandle

PACKAGES_AT_1X = 25_000
VISITS_PER_PACKAGE = 20
PERIOD = Period(date(2026, 11, 30), date(2026, 12, 27))

# One in seven packages is paid by budget, one in ten is half NHS-funded, one in four collects a
# net contribution, one in fifty is in hospital; one visit in five is double-handed, one in fifty
# missed, one in ninety-seven unverified; Christmas and Boxing Day fall in the period.
PACKAGES_SQL = """
INSERT INTO payments.package (package_id, provider_id, basis, hourly_rate, council_share, contribution_weekly,
    contribution_collection, weekly_budget, pattern, start_date)
SELECT md5('pkg' || i)::uuid, md5('prov' || (i % 200))::uuid,
       CASE WHEN i % 7 = 0 THEN 'budget' ELSE 'time_and_task' END,
       18.52 + (i % 5) * 0.5,
       CASE WHEN i % 10 = 0 THEN 0.5 ELSE 1 END,
       CASE WHEN i % 4 = 0 THEN 12.34 END,
       CASE WHEN i % 4 = 0 THEN 'net' END,
       CASE WHEN i % 7 = 0 THEN 95.00 END,
       '[{"days": ["mon", "wed", "fri"], "start": "09:00", "duration_minutes": 30, "carers": 1}]',
       date '2026-10-05'
FROM generate_series(1, $1) AS i
"""
STAYS_SQL = """
INSERT INTO payments.suspension (package_id, from_date)
SELECT md5('pkg' || i)::uuid, date '2026-11-20' FROM generate_series(50, $1, 50) AS i
"""
VISITS_SQL = """
INSERT INTO payments.visit (visit_id, revision, package_id, provider_id, outcome, day, planned_start,
    planned_minutes, actual_start, actual_end, carers_required, carers_attended, verified, event_id)
SELECT md5('v' || i || '-' || j)::uuid, 1, md5('pkg' || i)::uuid, md5('prov' || (i % 200))::uuid,
       CASE WHEN (i + j) % 50 = 0 THEN 'missed' ELSE 'completed' END,
       date '2026-11-30' + (j % 28),
       s, 30,
       CASE WHEN (i + j) % 50 = 0 THEN NULL ELSE s END,
       CASE WHEN (i + j) % 50 = 0 THEN NULL ELSE s + (20 + (i * j) % 16) * interval '1 minute' END,
       CASE WHEN j % 5 = 0 THEN 2 ELSE 1 END,
       CASE WHEN j % 5 = 0 THEN 2 ELSE 1 END,
       (i + j) % 97 <> 0,
       md5('e' || i || '-' || j)::uuid
FROM generate_series(1, $1) AS i, generate_series(1, $2) AS j,
     LATERAL (SELECT timestamptz '2026-11-30 08:00Z' + (j % 28) * interval '1 day'
                     + (i % 600) * interval '1 minute' AS s) AS t
"""
PLAIN_AGGREGATE_SQL = """
SELECT v.provider_id,
       sum(round(extract(epoch FROM v.actual_end - v.actual_start) / 60 * p.hourly_rate * v.carers_attended / 60, 2))
FROM payments.visit v JOIN payments.package p USING (package_id)
WHERE v.day BETWEEN $1 AND $2 AND v.outcome = 'completed'
GROUP BY v.provider_id
"""


async def _one_scale(pg: PostgresHandle, scale: float) -> dict[str, Any]:
    url = await pg.create_database("bench")
    await migrate_all(url, (by_name("payments"),))
    dsn = to_asyncpg_dsn(url)
    packages = int(PACKAGES_AT_1X * scale)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(PACKAGES_SQL, packages)
        await conn.execute(STAYS_SQL, packages)
        await conn.execute(VISITS_SQL, packages, VISITS_PER_PACKAGE)
        await conn.execute("ANALYZE")
        period_id = uuid.uuid4()
        await conn.execute(
            "INSERT INTO payments.period (period_id, start_date, end_date, status, created_by) "
            "VALUES ($1, $2, $3, 'calculating', 'bench')",
            period_id,
            PERIOD.start,
            PERIOD.end,
        )
        visits = await conn.fetchval("SELECT count(*) FROM payments.visit")
        started = time.perf_counter()
        await conn.fetch(PLAIN_AGGREGATE_SQL, PERIOD.start, PERIOD.end)
        plain = time.perf_counter() - started
        started = time.perf_counter()
        lines = await calculate_period(dsn, period_id, PERIOD, PaymentRules(), "bench")
        calculation = time.perf_counter() - started
        paid = await conn.fetchval(
            "SELECT sum(amount) FROM payments.line WHERE period_id = $1 AND status = 'payable'", period_id
        )
    finally:
        await conn.close()
    return {
        "scale": scale,
        "packages": packages,
        "visits": visits,
        "lines": lines,
        "paid": str(paid),
        "calculation_seconds": round(calculation, 2),
        "plain_sql_aggregate_seconds": round(plain, 3),
        "peak_rss_mib_so_far": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


async def main(scales: list[float]) -> dict[str, Any]:
    """Run every scale on one throwaway server and summarise."""
    with tempfile.TemporaryDirectory(prefix="payments-bench-") as tmp:
        server = EmbeddedPostgres(Path(tmp), free_port(), durable=False)
        server.start()
        try:
            pg = PostgresHandle(server.url, server)
            runs = [await _one_scale(pg, s) for s in scales]
        finally:
            server.stop("immediate")
    full = runs[-1]
    return {
        "benchmark": "payments.period",
        "runs": runs,
        "under_30_seconds": full["calculation_seconds"] < 30,
        "under_2_gib": full["peak_rss_mib_so_far"] < 2048,
        "seconds_per_100k_visits": [round(r["calculation_seconds"] / r["visits"] * 100_000, 2) for r in runs],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="0.25,0.5,1")
    args = parser.parse_args()
    result = asyncio.run(main([float(s) for s in args.scales.split(",")]))
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
