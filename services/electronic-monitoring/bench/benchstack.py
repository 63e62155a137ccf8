"""What the monitoring benchmarks share: a durable embedded stack, seeded packages, the service in
its production shape (API-only processes plus one worker process), and a cheap HTTP client.

The service runs in its own processes under uvicorn and the load comes from another process, so
neither the client's CPU nor the measuring consumer's is charged to the server's event loop. They
all still share the machine's cores, which is why every figure is printed with the load average.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from shared.devstack.broker import EmbeddedBroker
from shared.devstack.ports import free_port, port_open
from shared.devstack.postgres import EmbeddedPostgres
from shared.settings import to_asyncpg_dsn
from shared.testing.apps import api_headers
from shared.testing.stack import PostgresHandle, migrated_database

BENCH_DIR = Path(__file__).resolve().parent
# Four visits a day on the London wall clock, as a typical domiciliary care package.
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAILY_PATTERN = [
    {"days": EVERY_DAY, "start": start, "duration_minutes": minutes, "carers": 1}
    for start, minutes in (("08:00", 45), ("12:30", 30), ("17:00", 30), ("21:00", 30))
]


def loadavg() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages (the machine is shared: say how busy it was)."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def _stat(pid: int) -> tuple[int, float] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # After the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15), in clock ticks.
    ticks = sum(int(x) for x in fields[11:15])
    return int(fields[1]), ticks / os.sysconf("SC_CLK_TCK")


def cpu_used(before: dict[str, float], after: dict[str, float], per: float) -> dict[str, float]:
    """CPU milliseconds each process used between two readings, per ``per`` units of work."""
    return {name: round((after[name] - before.get(name, 0.0)) * 1000 / per, 2) for name in after}


def cpu_seconds(root: int) -> float:
    """CPU time used so far by a process and all its descendants (reaped ones included): a figure
    the other engineers' load on the machine does not inflate the way it inflates wall time."""
    stats = {int(d.name): _stat(int(d.name)) for d in Path("/proc").iterdir() if d.name.isdigit()}
    children: dict[int, list[int]] = {}
    for pid, stat in stats.items():
        if stat is not None:
            children.setdefault(stat[0], []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        stat = stats.get(pid)
        if stat is not None:
            total += stat[1]
        todo.extend(children.get(pid, []))
    return total


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The value at ``fraction`` (0-1) of an ascending list, nearest rank."""
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


@dataclass
class BenchStack:
    """A running durable Postgres and broker, the migrated database and a vendor's credentials."""

    url: str
    dsn: str
    bootstrap: str
    provider: uuid.UUID
    vendor_headers: dict[str, str]
    tmp: Path
    postgres_pid: int
    servers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each service process (and its uvicorn workers) and by Postgres."""
        return {
            **{name: cpu_seconds(server.pid) for name, server in self.servers.items()},
            "postgres": cpu_seconds(self.postgres_pid),
        }

    def start_service(
        self,
        name: str,
        *,
        workers: int,
        run_workers: bool,
        max_batches: int,
        pool: int,
        extra_env: dict[str, str] | None = None,
    ) -> int:
        """Start the service under uvicorn; returns its port once it listens."""
        port = free_port()
        env = {
            **(extra_env or {}),
            **os.environ,
            "MONITORING_DATABASE_URL": self.url,
            "MONITORING_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "MONITORING_MAX_CONCURRENT_BATCHES": str(max_batches),
            "MONITORING_DB_POOL_SIZE": str(pool),
            "MONITORING_RUN_WORKERS": "true" if run_workers else "false",
            "LOG_LEVEL": "WARNING",
        }
        argv = [sys.executable, "-m", "uvicorn", "monitoring.main:app", "--port", str(port), "--no-access-log"]
        argv += ["--log-level", "warning", "--loop", "uvloop", "--http", "httptools", "--workers", str(workers)]
        # The server's output goes to stderr, so that stdout holds only the JSON figures.
        self.servers[name] = subprocess.Popen(argv, env=env, stdout=sys.stderr)  # noqa: S603
        deadline = time.monotonic() + 60
        while not port_open(port):
            if time.monotonic() > deadline:
                raise RuntimeError("the service did not start")
            time.sleep(0.2)
        return port

    def stop_services(self) -> None:
        """Stop every service process started, gracefully."""
        for server in self.servers.values():
            server.terminate()
        for server in self.servers.values():
            server.wait(timeout=30)
        self.servers.clear()


@asynccontextmanager
async def bench_stack() -> AsyncIterator[BenchStack]:
    """A durable embedded Postgres (fsync on) and broker with the monitoring schema migrated."""
    with tempfile.TemporaryDirectory(prefix="homecare-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        pg = EmbeddedPostgres(tmp / "pg", free_port(), durable=True)
        pg.start()
        broker = EmbeddedBroker(free_port(), tmp / "broker.log")
        broker.start()
        stack: BenchStack | None = None
        try:
            url = await migrated_database(PostgresHandle(pg.url, pg), ("electronic-monitoring",))
            provider = uuid.uuid4()
            headers = await api_headers(url, role="etms_vendor", provider_ids=[provider])
            postgres_pid = pg.pid()
            assert postgres_pid is not None
            stack = BenchStack(url, to_asyncpg_dsn(url), broker.bootstrap, provider, headers, tmp, postgres_pid)
            yield stack
        finally:
            if stack is not None:
                stack.stop_services()
            broker.stop()
            pg.stop("fast")


async def seed_packages(
    stack: BenchStack, count: int, *, start: date, pattern: list[dict[str, Any]] | None = None
) -> list[uuid.UUID]:
    """Award ``count`` packages to the stack's provider straight into the schema, with a pattern."""
    packages = [uuid.uuid4() for _ in range(count)]
    conn = await asyncpg.connect(stack.dsn)
    try:
        async with conn.transaction():
            await conn.executemany(
                "INSERT INTO monitoring.package (package_id, provider_id, start_date, weekly_hours, home_lat, home_lon)"
                " VALUES ($1, $2, $3, 10, 50.26, -5.05)",
                [(p, stack.provider, start) for p in packages],
            )
            if pattern is not None:
                entries = orjson.dumps(pattern).decode()
                await conn.executemany(
                    "INSERT INTO monitoring.pattern_period (package_id, effective_from, entries)"
                    " VALUES ($1, $2, $3::jsonb)",
                    [(p, start, entries) for p in packages],
                )
    finally:
        await conn.close()
    return packages


def request_bytes(port: int, headers: dict[str, str], body: bytes) -> bytes:
    """A complete HTTP/1.1 POST of a batch, built once before the clock starts."""
    lines = [
        "POST /v1/visit-events HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def write_requests(path: Path, requests: Sequence[bytes]) -> None:
    """Requests as length-prefixed records, for the load client process to read."""
    with path.open("wb") as out:
        for request in requests:
            out.write(len(request).to_bytes(8, "big"))
            out.write(request)


async def run_load_client(
    port: int, requests_file: Path, *, clients: int, rate: float | None = None, start_at: float | None = None
) -> dict[str, Any]:
    """Run ``load_client.py`` in its own process and return what it measured."""
    argv = [sys.executable, str(BENCH_DIR / "load_client.py"), "--port", str(port), "--requests", str(requests_file)]
    argv += ["--clients", str(clients)]
    if rate is not None:
        argv += ["--batches-per-second", str(rate)]
    if start_at is not None:
        argv += ["--start-at", str(start_at)]
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the load client failed with {proc.returncode}")
    result: dict[str, Any] = orjson.loads(out)
    return result
