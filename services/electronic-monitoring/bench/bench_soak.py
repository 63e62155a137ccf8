"""Soak benchmark: 3,000 events a second for five minutes, then the backlog must clear, with nothing
acknowledged lost; and past capacity the API answers 429 or 503 with Retry-After, never 5xx.

The service runs in its production shape on a durable embedded stack (API-only processes plus one
worker process). Two phases, both checked for loss at the end:

1. Past capacity: many closed-loop clients post 1,000-event batches at once, more than the API lets
   in flight; refused batches are sent again after their Retry-After, as a vendor would.
2. Sustained: a load-client process posts at a steady rate (default 3,000 events a second for 300
   seconds; ``--quick`` runs 60) while a consumer on ``monitoring.visit`` notes each visit's
   completed event. The backlog (packages queued for derivation, outbox rows not yet on the broker,
   visits whose completed event has not arrived) is timed from the last 202 until it is empty.

"Lost" counts events acknowledged (202, accepted) but not in the database, and visits whose
check-in and check-out were both accepted but whose completed event never arrived.

    uv run --frozen python services/electronic-monitoring/bench/bench_soak.py [--quick | --seconds 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

from benchstack import BenchStack, bench_stack, run_load_client, write_requests
from pipeline import (
    CompletedWatcher,
    VisitLoad,
    client_figures,
    make_visit_load,
    prepare_packages,
    steady_run,
    stored_events,
    wait_until_drained,
)


async def past_capacity(stack: BenchStack, port: int, packages: list[Any], args: argparse.Namespace) -> dict[str, Any]:
    """More clients than the API lets in flight, closed loop; returns what they saw."""
    load = make_visit_load(
        packages,
        rate=1_000_000,
        seconds=args.overload_batches * 1000 / 1_000_000,
        batch_size=1000,
        gap=0,
        start_at=time.time() - 120,
        port=port,
        headers=stack.vendor_headers,
        prefix="over",
    )
    requests_file = stack.tmp / "overload.bin"
    write_requests(requests_file, load.requests)
    result = await run_load_client(port, requests_file, clients=args.overload_clients)
    figures = client_figures(result, load)
    figures["clients"] = args.overload_clients
    figures["api_max_batches_in_flight"] = args.max_in_flight
    return {"load": load, "figures": figures}


def _lost(loads: list[VisitLoad], accepted: int, stored: int, seen: dict[Any, float], cleared: bool) -> dict[str, int]:
    missing = sum(1 for load in loads for key in load.completed_by if key not in seen)
    # A visit without its event is lost only once the backlog has cleared; before that it is still
    # queued (durably, in pending_derivation) when the wait for the backlog ran out.
    key = "completed_pairs_without_event" if cleared else "visits_still_queued_when_the_wait_ended"
    return {"accepted_but_not_stored": accepted - stored, key: missing}


async def measure(stack: BenchStack, args: argparse.Namespace) -> dict[str, Any]:
    """Prepare, overload, drain, soak, drain; check nothing was lost."""
    packages = await prepare_packages(stack, args.packages)
    stack.start_service("worker", workers=1, run_workers=True, max_batches=args.max_in_flight, pool=8)
    port = stack.start_service(
        "api", workers=args.api_processes, run_workers=False, max_batches=args.max_in_flight, pool=args.max_in_flight
    )
    prepared_in = await wait_until_drained(stack.dsn, timeout=900)
    watcher = CompletedWatcher(stack.bootstrap)
    await watcher.start()
    over = await past_capacity(stack, port, packages, args)
    over_drained = await wait_until_drained(
        stack.dsn, timeout=900, extra=lambda: all(k in watcher.seen for k in over["load"].completed_by)
    )
    over["figures"]["backlog_cleared_seconds"] = round(over_drained, 1)
    soak_load, figures = await steady_run(stack, port, packages, watcher, args, "soak")
    await watcher.stop()
    accepted = over["figures"]["events_accepted"] + figures["client"]["events_accepted"]
    stored = await stored_events(stack.dsn, "over") + await stored_events(stack.dsn, "soak")
    cleared = figures["backlog_cleared_seconds_after_last_answer"] is not None
    lost = _lost([over["load"], soak_load], accepted, stored, watcher.seen, cleared)
    return {
        "command": " ".join(sys.argv),
        "cpu_count": os.cpu_count(),
        "packages": args.packages,
        "api_processes": args.api_processes,
        "derivation_of_all_packages_before_the_run_seconds": round(prepared_in, 1),
        "past_capacity": over["figures"],
        "sustained": figures,
        "events_published": watcher.events_by_type,
        "lost": lost,
        "targets_met": {
            "nothing_lost": lost["accepted_but_not_stored"] == 0 and lost.get("completed_pairs_without_event") == 0,
            "backlog_cleared_within_60_s": figures["backlog_cleared_seconds_after_last_answer"] is not None
            and figures["backlog_cleared_seconds_after_last_answer"] <= 60,
            "past_capacity_429_or_503_never_5xx": over["figures"]["answers_429_or_503"] > 0
            and over["figures"]["answers_5xx"] == 0
            and figures["client"]["answers_5xx"] == 0,
        },
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the stack, measure, stop everything."""
    async with bench_stack() as stack:
        return await measure(stack, args)


def main() -> None:
    """Parse the options, run, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=3000, help="events a second")
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--quick", action="store_true", help="a 60-second run")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--gap", type=int, default=20, help="batches between a visit's check-in and check-out")
    parser.add_argument("--packages", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--api-processes", type=int, default=1)
    parser.add_argument("--max-in-flight", type=int, default=8, help="batches each API process takes at once")
    parser.add_argument("--overload-clients", type=int, default=24)
    parser.add_argument("--overload-batches", type=int, default=60)
    parser.add_argument("--drain-timeout", type=float, default=300)
    args = parser.parse_args()
    if args.quick:
        args.seconds = 60
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
