"""Ingest benchmark: the real API over HTTP against a durable embedded stack, beside a bare asyncpg baseline.

Starts a durable embedded Postgres (fsync on) and the embedded broker, migrates, awards packages,
runs the service under uvicorn (API-only processes, ``MONITORING_RUN_WORKERS=false``), then posts
1,000-event batches from several concurrent clients in a separate load-client process. Every event
is validated, deduplicated and stored, one transaction per batch. Afterwards it inserts the same
rows with a bare asyncpg ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING`` into a copy
of the table (same indexes) in the same database, from the same number of connections, and prints
both rates, their ratio and the load average as JSON.

    uv run --frozen python services/electronic-monitoring/bench/bench_ingest.py --batches 300 --clients 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import orjson
from benchstack import (
    BenchStack,
    bench_stack,
    cpu_used,
    loadavg,
    percentile,
    request_bytes,
    run_load_client,
    seed_packages,
    write_requests,
)

BASELINE_SQL = """
INSERT INTO bench.visit_event (
    vendor_id, event_id, type, occurred_at, package_id, provider_id,
    carer_id, method, lat, lon, accuracy_m, device_id
)
SELECT $1::uuid, e.*
FROM unnest(
    $2::text[], $3::text[], $4::timestamptz[], $5::uuid[], $6::uuid[],
    $7::text[], $8::text[], $9::float8[], $10::float8[], $11::float8[], $12::text[]
) AS e
ON CONFLICT DO NOTHING
"""


def make_batches(packages: list[uuid.UUID], batches: int, size: int, prefix: str = "ev") -> list[list[dict[str, Any]]]:
    """Realistic batches: check-in then check-out pairs per carer, GPS with coordinates, unique ids."""
    start = datetime.now(UTC) - timedelta(hours=3)
    out = []
    n = 0
    for _ in range(batches):
        batch = []
        for _ in range(size):
            n += 1
            visit = (n - 1) // 2
            package = packages[visit % len(packages)]
            check_in = n % 2 == 1
            at = start + timedelta(seconds=visit % 5400, minutes=0 if check_in else 30)
            batch.append(
                {
                    "event_id": f"{prefix}-{n:09d}",
                    "type": "check_in" if check_in else "check_out",
                    "occurred_at": at.isoformat(),
                    "package_id": str(package),
                    "carer_id": f"carer-{visit % 997}",
                    "method": "gps",
                    "location": {"lat": 50.26 + (n % 100) / 10_000, "lon": -5.05, "accuracy_m": 9.5},
                    "device_id": f"dev-{n % 991}",
                }
            )
        out.append(batch)
    return out


def as_rows(batch: list[dict[str, Any]], provider: uuid.UUID) -> list[tuple[Any, ...]]:
    """A batch as the table's columns, parsed as the service parses them."""
    return [
        (
            e["event_id"],
            e["type"],
            datetime.fromisoformat(e["occurred_at"]),
            uuid.UUID(e["package_id"]),
            provider,
            e["carer_id"],
            e["method"],
            e["location"]["lat"],
            e["location"]["lon"],
            e["location"]["accuracy_m"],
            e["device_id"],
        )
        for e in batch
    ]


async def baseline(dsn: str, rows: list[list[tuple[Any, ...]]], clients: int) -> dict[str, Any]:
    """The same rows through a bare asyncpg unnest insert, one transaction per batch, same concurrency."""
    pool = await asyncpg.create_pool(dsn, min_size=clients, max_size=clients)
    vendor = uuid.uuid4()
    columns = [[list(col) for col in zip(*batch, strict=True)] for batch in rows]
    queue: asyncio.Queue[list[list[Any]]] = asyncio.Queue()
    for batch_columns in columns:
        queue.put_nowait(batch_columns)

    async def worker() -> None:
        async with pool.acquire() as conn:
            while not queue.empty():
                batch_columns = queue.get_nowait()
                async with conn.transaction():
                    await conn.execute(BASELINE_SQL, vendor, *batch_columns)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - t0
    await pool.close()
    total = sum(len(b) for b in rows)
    return {"rows": total, "seconds": round(elapsed, 3), "rows_per_second": round(total / elapsed)}


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """Rate and per-batch latency from the load client's records."""
    records = result["records"]
    latencies = sorted(r[2] - r[1] for r in records)
    accepted = sum(r[3] for r in records)
    elapsed = max(r[2] for r in records) - result["started_at"]
    return {
        "events_accepted": accepted,
        "seconds": round(elapsed, 3),
        "events_per_second": round(accepted / elapsed),
        "batch_p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "batch_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "answers_429_or_503": result["refused_429_or_503"],
        "answers_5xx": result["answers_5xx"],
    }


async def measure(stack: BenchStack, args: argparse.Namespace) -> dict[str, Any]:
    """Seed, start the service, drive it, then run the baseline on the same rows."""
    packages = await seed_packages(stack, args.packages, start=date.today() - timedelta(days=30))
    conn = await asyncpg.connect(stack.dsn)
    try:
        await conn.execute("CREATE SCHEMA bench")
        await conn.execute("CREATE TABLE bench.visit_event (LIKE monitoring.visit_event INCLUDING ALL)")
    finally:
        await conn.close()
    batches = make_batches(packages, args.batches, args.batch_size)
    port = stack.start_service(
        "api", workers=args.workers, run_workers=args.with_workers, max_batches=args.clients * 2, pool=args.clients
    )
    warm = make_batches(packages[:10], 2 * args.workers, 10, prefix="warm")
    warm_file = stack.tmp / "warm.bin"
    write_requests(warm_file, [request_bytes(port, stack.vendor_headers, orjson.dumps({"events": w})) for w in warm])
    await run_load_client(port, warm_file, clients=args.workers)

    requests_file = stack.tmp / "batches.bin"
    bodies = [orjson.dumps({"events": b}) for b in batches]
    write_requests(requests_file, [request_bytes(port, stack.vendor_headers, body) for body in bodies])
    load_before, cpu_before = loadavg(), stack.cpu()
    api = summarise(await run_load_client(port, requests_file, clients=args.clients))
    cpu_after = stack.cpu()
    api["loadavg_before"], api["loadavg_after"] = load_before, loadavg()
    # CPU per 1,000 events: what the run cost whatever else the shared machine was doing.
    api["cpu_ms_per_1000_events"] = cpu_used(cpu_before, cpu_after, api["events_accepted"] / 1000)
    stack.stop_services()
    pg_before = stack.cpu()["postgres"]
    bare = await baseline(stack.dsn, [as_rows(b, stack.provider) for b in batches], args.clients)
    bare["postgres_cpu_ms_per_1000_rows"] = round(
        (stack.cpu()["postgres"] - pg_before) * 1000 / (bare["rows"] / 1000), 1
    )
    bare["loadavg_after"] = loadavg()
    return {
        "command": " ".join(sys.argv),
        "batch_size": args.batch_size,
        "batches": args.batches,
        "clients": args.clients,
        "uvicorn_workers": args.workers,
        "derivation_in_api_process": args.with_workers,
        "cpu_count": os.cpu_count(),
        "api": api,
        "bare_asyncpg_unnest": bare,
        "api_to_bare_ratio": round(api["events_per_second"] / bare["rows_per_second"], 3),
        "target": {"events_per_second": 20_000, "batch_p99_ms": 500},
        "target_met": api["events_per_second"] >= 20_000 and api["batch_p99_ms"] < 500,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the stack, measure, stop everything."""
    async with bench_stack() as stack:
        return await measure(stack, args)


def main() -> None:
    """Parse the options, run, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--packages", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn API processes")
    parser.add_argument(
        "--with-workers", action="store_true", help="run visit derivation in the API process during the run"
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
