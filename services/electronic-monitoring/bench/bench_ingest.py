"""Ingest benchmark: the real API over HTTP against the embedded stack, beside a bare asyncpg baseline.

Starts a durable embedded Postgres (fsync on) and the embedded broker through the platform, migrates,
awards packages, runs the service under uvicorn in its own process, then posts 1,000-event batches
from several concurrent clients. Afterwards it inserts the same rows with a bare asyncpg
``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING`` into a copy of the table in the same
database, from the same number of connections, and prints both rates and their ratio as JSON.

    uv run --frozen python services/electronic-monitoring/bench/bench_ingest.py --batches 300 --clients 8
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from shared.devstack.broker import EmbeddedBroker
from shared.devstack.ports import free_port, port_open
from shared.devstack.postgres import EmbeddedPostgres
from shared.settings import to_asyncpg_dsn
from shared.testing.apps import api_headers
from shared.testing.stack import PostgresHandle, migrated_database

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


def make_batches(packages: list[uuid.UUID], batches: int, size: int) -> list[list[dict[str, Any]]]:
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
                    "event_id": f"ev-{n:09d}",
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


async def drive_api(port: int, headers: dict[str, str], bodies: list[bytes], clients: int) -> dict[str, Any]:
    """Post every body from ``clients`` concurrent HTTP clients; returns rate and latency figures."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    accepted = 0
    refused = 0

    async def client() -> None:
        nonlocal accepted, refused
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            while True:
                try:
                    body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                while True:
                    t0 = time.perf_counter()
                    r = await http.post(
                        "/v1/visit-events", content=body, headers={**headers, "Content-Type": "application/json"}
                    )
                    if r.status_code in (429, 503):
                        refused += 1
                        await asyncio.sleep(float(r.headers.get("Retry-After", "1")) / 10)
                        continue
                    latencies.append(time.perf_counter() - t0)
                    r.raise_for_status()
                    accepted += r.json()["accepted"]
                    break

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "events_accepted": accepted,
        "seconds": round(elapsed, 3),
        "events_per_second": round(accepted / elapsed),
        "batch_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "batch_p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
        "answers_429_or_503": refused,
    }


async def baseline(dsn: str, rows: list[list[tuple[Any, ...]]], clients: int) -> dict[str, Any]:
    """The same rows through a bare asyncpg unnest insert, one transaction per batch, same concurrency."""
    pool = await asyncpg.create_pool(dsn, min_size=clients, max_size=clients)
    vendor = uuid.uuid4()
    queue: asyncio.Queue[list[tuple[Any, ...]]] = asyncio.Queue()
    for batch in rows:
        queue.put_nowait(batch)

    async def worker() -> None:
        async with pool.acquire() as conn:
            while True:
                try:
                    batch = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                columns = [list(col) for col in zip(*batch, strict=True)]
                async with conn.transaction():
                    await conn.execute(BASELINE_SQL, vendor, *columns)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - t0
    await pool.close()
    total = sum(len(b) for b in rows)
    return {"rows": total, "seconds": round(elapsed, 3), "rows_per_second": round(total / elapsed)}


def as_rows(batch: list[dict[str, Any]], providers: dict[str, uuid.UUID]) -> list[tuple[Any, ...]]:
    """A batch as the table's columns, parsed as the service parses them."""
    return [
        (
            e["event_id"],
            e["type"],
            datetime.fromisoformat(e["occurred_at"]),
            uuid.UUID(e["package_id"]),
            providers[e["package_id"]],
            e["carer_id"],
            e["method"],
            e["location"]["lat"],
            e["location"]["lon"],
            e["location"]["accuracy_m"],
            e["device_id"],
        )
        for e in batch
    ]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the stack, run both measurements, stop everything."""
    with tempfile.TemporaryDirectory(prefix="homecare-bench-") as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "pg", free_port(), durable=True)
        pg.start()
        broker = EmbeddedBroker(free_port(), Path(tmp) / "broker.log")
        broker.start()
        server: subprocess.Popen[bytes] | None = None
        try:
            url = await migrated_database(PostgresHandle(pg.url, pg), ("electronic-monitoring",))
            dsn = to_asyncpg_dsn(url)
            provider = uuid.uuid4()
            packages = [uuid.uuid4() for _ in range(args.packages)]
            conn = await asyncpg.connect(dsn)
            try:
                await conn.executemany(
                    "INSERT INTO monitoring.package (package_id, provider_id, start_date, weekly_hours)"
                    " VALUES ($1, $2, CURRENT_DATE - 30, 10)",
                    [(p, provider) for p in packages],
                )
                await conn.execute("CREATE SCHEMA bench")
                await conn.execute("CREATE TABLE bench.visit_event (LIKE monitoring.visit_event INCLUDING ALL)")
            finally:
                await conn.close()
            headers = await api_headers(url, role="etms_vendor", provider_ids=[provider])
            batches = make_batches(packages, args.batches, args.batch_size)
            bodies = [json.dumps({"events": b}).encode() for b in batches]

            port = free_port()
            env = {
                **os.environ,
                "MONITORING_DATABASE_URL": url,
                "MONITORING_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
                "MONITORING_MAX_CONCURRENT_BATCHES": str(args.clients * 2),
                "MONITORING_DB_POOL_SIZE": str(args.clients),
                "LOG_LEVEL": "WARNING",
                "MONITORING_RUN_WORKERS": "true" if args.with_workers else "false",
            }
            server = subprocess.Popen(  # noqa: S603, ASYNC220 - fixed argv; started once, before timing
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "monitoring.main:app",
                    "--port",
                    str(port),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                    "--loop",
                    "uvloop",
                    "--http",
                    "httptools",
                    "--workers",
                    str(args.workers),
                ],
                env=env,
                # The server's logs go to stderr so that stdout holds only the JSON figures.
                stdout=sys.stderr,
            )
            deadline = time.monotonic() + 60
            while not port_open(port):
                if time.monotonic() > deadline:
                    raise RuntimeError("the service did not start")
                await asyncio.sleep(0.2)
            warm = make_batches(packages[:10], 2, 10)
            for w in warm:
                for e in w:
                    e["event_id"] = "warm-" + e["event_id"]
            await drive_api(port, headers, [json.dumps({"events": w}).encode() for w in warm], 1)

            api = await drive_api(port, headers, bodies, args.clients)
            providers = {str(p): provider for p in packages}
            bare = await baseline(dsn, [as_rows(b, providers) for b in batches], args.clients)
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            broker.stop()
            pg.stop("fast")
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
    }


def main() -> None:
    """Parse the options, run, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--packages", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--with-workers", action="store_true", help="run visit derivation in the API process during the run"
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
