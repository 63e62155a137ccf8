"""The visit pipeline under load, end to end: events posted at a steady rate, each visit's
``monitoring.visit`` completed event caught off the broker, and the backlog watched until it clears.

Used by ``bench_latency.py`` (400 events/s, latency from a visit's completing 202 to its event) and
``bench_soak.py`` (3,000 events/s for minutes: nothing acknowledged lost, the backlog cleared).

The load: each visit is a check-in and, ``gap`` batches later, its check-out, by a carer who makes
no other visit at that package, both a little in the past at the moment they are sent. A visit is
identified by (package, carer, check-out time), which its completed event carries.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer
from benchstack import (
    DAILY_PATTERN,
    BenchStack,
    cpu_used,
    loadavg,
    percentile,
    request_bytes,
    run_load_client,
    seed_packages,
    write_requests,
)
from shared.contracts.topics import VISIT

VisitKey = tuple[str, str, int]  # package, carer, check-out time in epoch milliseconds


@dataclass
class VisitLoad:
    """Pre-built requests, their schedule, and which batch completes each visit."""

    requests: list[bytes]
    batch_times: list[float]
    completed_by: dict[VisitKey, int]
    events: int


def _event(event_id: str, kind: str, at: datetime, package: str, carer: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": kind,
        "occurred_at": at.isoformat(),
        "package_id": package,
        "carer_id": carer,
        "method": "gps",
        "location": {"lat": 50.26, "lon": -5.05, "accuracy_m": 8.0},
        "device_id": f"phone-{carer}",
    }


def make_visit_load(
    packages: Sequence[uuid.UUID],
    *,
    rate: float,
    seconds: float,
    batch_size: int,
    gap: int,
    start_at: float,
    port: int,
    headers: dict[str, str],
    prefix: str,
) -> VisitLoad:
    """Batches of ``batch_size`` events at ``rate`` events a second for ``seconds``: half of each
    batch are new visits' check-ins, half the check-outs of visits checked in ``gap`` batches before."""
    half = batch_size // 2
    interval = batch_size / rate
    visits = int(rate * seconds / 2)
    batches = (visits + half - 1) // half + gap
    names = [str(p) for p in packages]
    requests, times, completed_by, events = [], [], {}, 0
    for i in range(batches):
        sent_at = start_at + i * interval
        body: list[dict[str, Any]] = []
        for v in range(i * half, min((i + 1) * half, visits)):
            check_out_at = datetime.fromtimestamp(start_at + (i + gap) * interval, UTC) - timedelta(seconds=60)
            package, carer = _who(v, names, prefix)
            body.append(_event(f"{prefix}-{v}-in", "check_in", check_out_at - timedelta(minutes=34), package, carer))
        for v in range(max(0, i - gap) * half, min((i - gap + 1) * half, visits)) if i >= gap else ():
            check_out_at = datetime.fromtimestamp(start_at + i * interval, UTC) - timedelta(seconds=60)
            # A distinct millisecond per visit of the batch keeps (package, carer, time) unique.
            check_out_at -= timedelta(milliseconds=v % half)
            package, carer = _who(v, names, prefix)
            body.append(_event(f"{prefix}-{v}-out", "check_out", check_out_at, package, carer))
            completed_by[(package, carer, round(check_out_at.timestamp() * 1000))] = i
        events += len(body)
        requests.append(request_bytes(port, headers, orjson.dumps({"events": body})))
        times.append(sent_at)
    return VisitLoad(requests, times, completed_by, events)


def _who(visit: int, packages: Sequence[str], prefix: str) -> tuple[str, str]:
    # Each carer visits a package once (per run, hence the prefix), so pairing never has to choose
    # between two visits of one carer at one home.
    return packages[visit % len(packages)], f"{prefix}-carer-{visit // len(packages)}"


@dataclass
class CompletedWatcher:
    """Reads ``monitoring.visit`` from the end and notes when each visit's completed event arrived."""

    bootstrap: str
    seen: dict[VisitKey, float] = field(default_factory=dict)
    events_by_type: dict[str, int] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    _ready: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        """Start consuming; returns once the consumer is positioned at the end of the topic."""
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self._ready.wait(), timeout=60)

    async def stop(self) -> None:
        """Stop consuming."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        consumer = AIOKafkaConsumer(
            VISIT, bootstrap_servers=self.bootstrap, group_id=None, auto_offset_reset="latest", enable_auto_commit=False
        )
        await consumer.start()
        try:
            while not consumer.assignment():
                await asyncio.sleep(0.05)
            await consumer.seek_to_end()
            for partition in consumer.assignment():
                await consumer.position(partition)
            self._ready.set()
            while True:
                batches = await consumer.getmany(timeout_ms=200, max_records=5000)
                arrived = time.time()
                for records in batches.values():
                    for record in records:
                        self._note(orjson.loads(record.value), arrived)
        finally:
            await consumer.stop()

    def _note(self, envelope: dict[str, Any], arrived: float) -> None:
        kind = envelope["type"].rsplit(".", 1)[-1]
        self.events_by_type[kind] = self.events_by_type.get(kind, 0) + 1
        data = envelope["data"]
        if kind != "completed" or data["actual_end"] is None or len(data["carers"]) != 1:
            return
        end = round(datetime.fromisoformat(data["actual_end"]).timestamp() * 1000)
        self.seen.setdefault((data["package_id"], data["carers"][0], end), arrived)


async def prepare_packages(stack: BenchStack, count: int) -> list[uuid.UUID]:
    """Seed packages with a four-visit daily pattern and derive them once, as in steady running:
    the plan's visits exist and the missed ones are published before the clock starts."""
    packages = await seed_packages(stack, count, start=date.today() - timedelta(days=2), pattern=DAILY_PATTERN)
    conn = await asyncpg.connect(stack.dsn)
    try:
        await conn.execute(
            "INSERT INTO monitoring.pending_derivation (package_id) SELECT package_id FROM monitoring.package"
        )
    finally:
        await conn.close()
    return packages


async def backlog(dsn: str) -> dict[str, int]:
    """Work not yet done: packages queued for derivation, outbox rows not yet on the broker."""
    conn = await asyncpg.connect(dsn)
    try:
        return {
            "pending_packages": await conn.fetchval("SELECT count(*) FROM monitoring.pending_derivation"),
            "unpublished_events": await conn.fetchval(
                "SELECT count(*) FROM monitoring.outbox_event WHERE published_at IS NULL"
            ),
        }
    finally:
        await conn.close()


async def wait_until_drained(dsn: str, *, timeout: float, extra: Any = None) -> float:
    """Seconds until nothing is queued or unpublished (and ``extra()`` holds, if given)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        left = await backlog(dsn)
        if not any(left.values()) and (extra is None or extra()):
            return time.monotonic() - started
        await asyncio.sleep(0.25)
    raise TimeoutError(f"the backlog did not clear within {timeout} s: {await backlog(dsn)}")


def latency_figures(load: VisitLoad, done_at: dict[int, float], seen: dict[VisitKey, float]) -> dict[str, Any]:
    """From each visit's completing 202 to its completed event on the broker."""
    latencies = sorted(
        seen[key] - done_at[batch] for key, batch in load.completed_by.items() if key in seen and batch in done_at
    )
    return {
        "visits": len(load.completed_by),
        "visits_with_completed_event": sum(1 for key in load.completed_by if key in seen),
        "latency_p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "latency_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "latency_max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
    }


def client_figures(result: dict[str, Any], load: VisitLoad) -> dict[str, Any]:
    """What the load client saw: achieved rate, batch latency, refusals and errors."""
    records = result["records"]
    batch_latency = sorted(r[2] - r[1] for r in records)
    elapsed = max(r[2] for r in records) - result["started_at"]
    return {
        "events_sent": load.events,
        "events_accepted": sum(r[3] for r in records),
        "events_rejected_or_duplicate": sum(r[4] + r[5] for r in records),
        "achieved_events_per_second": round(sum(r[3] for r in records) / elapsed),
        "batch_p50_ms": round(percentile(batch_latency, 0.50) * 1000, 1),
        "batch_p99_ms": round(percentile(batch_latency, 0.99) * 1000, 1),
        "answers_429_or_503": result["refused_429_or_503"],
        "answers_5xx": result["answers_5xx"],
        "connection_errors": result["connection_errors"],
        "loadavg": loadavg(),
    }


async def stored_events(dsn: str, prefix: str) -> int:
    """Events of this run in the database."""
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval("SELECT count(*) FROM monitoring.visit_event WHERE event_id LIKE $1", f"{prefix}-%")
        )
    finally:
        await conn.close()


async def completed_in_outbox(dsn: str) -> dict[str, int]:
    """The completed visit events the service wrote to its outbox, and how many of them the relay
    marked sent: a visit the watcher never saw but the outbox holds was lost on the way, not derived."""
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT count(*) AS written, count(published_at) AS sent FROM monitoring.outbox_event"
            " WHERE payload->>'type' = 'monitoring.visit.completed'"
        )
        return {"written": row["written"], "marked_sent": row["sent"]}
    finally:
        await conn.close()


async def steady_run(
    stack: BenchStack,
    port: int,
    packages: Sequence[uuid.UUID],
    watcher: CompletedWatcher,
    args: Any,
    prefix: str,
) -> tuple[VisitLoad, dict[str, Any]]:
    """Post ``args.rate`` events a second for ``args.seconds`` from a load-client process, then time
    the backlog (queued packages, unpublished outbox rows, visits without their event) until it clears."""
    start_at = time.time() + 20
    load = make_visit_load(
        packages,
        rate=args.rate,
        seconds=args.seconds,
        batch_size=args.batch_size,
        gap=args.gap,
        start_at=start_at,
        port=port,
        headers=stack.vendor_headers,
        prefix=prefix,
    )
    requests_file = stack.tmp / f"{prefix}.bin"
    write_requests(requests_file, load.requests)
    load_before, cpu_before = loadavg(), stack.cpu()
    result = await run_load_client(
        port, requests_file, clients=args.clients, rate=args.rate / args.batch_size, start_at=start_at
    )
    last_answer = max(r[2] for r in result["records"])
    at_end: dict[str, int] = {**await backlog(stack.dsn)}
    at_end["visits_without_event_yet"] = sum(1 for k in load.completed_by if k not in watcher.seen)
    cleared_after: float | None = None
    with contextlib.suppress(TimeoutError):
        await wait_until_drained(
            stack.dsn, timeout=args.drain_timeout, extra=lambda: all(k in watcher.seen for k in load.completed_by)
        )
        cleared_after = round(time.time() - last_answer, 1)
    done_at = {int(r[0]): r[2] for r in result["records"]}
    return load, {
        "rate_events_per_second": args.rate,
        "seconds": args.seconds,
        "batch_size": args.batch_size,
        "loadavg_before": load_before,
        "client": client_figures(result, load),
        "visit_latency": latency_figures(load, done_at, watcher.seen),
        "backlog_at_last_answer": at_end,
        "backlog_cleared_seconds_after_last_answer": cleared_after,
        "loadavg_after_clearing": loadavg(),
        # CPU per visit, run and drain together: what it cost whatever else the machine was doing.
        "cpu_ms_per_visit": cpu_used(cpu_before, stack.cpu(), len(load.completed_by)),
    }
