"""Latency benchmark: from a visit's completing 202 to its ``monitoring.visit`` completed event.

The service runs in its production shape on a durable embedded stack: API-only processes
(``MONITORING_RUN_WORKERS=false``) take the events, one worker process derives visits and
publishes them through the outbox. Packages have a four-visit daily plan and are derived once
before the clock starts. A load-client process posts at a steady rate (default 400 events a second,
about a whole country's morning peak), each visit's check-out a couple of seconds after its
check-in; a consumer on the topic notes when each visit's completed event arrives. Prints the
latency percentiles, the loss check and the load average as JSON.

    uv run --frozen python services/electronic-monitoring/bench/bench_latency.py --rate 400 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from benchstack import BenchStack, bench_stack
from pipeline import (
    CompletedWatcher,
    completed_in_outbox,
    prepare_packages,
    steady_run,
    stored_events,
    wait_until_drained,
)


async def measure(stack: BenchStack, args: argparse.Namespace) -> dict[str, Any]:
    """Prepare, run the steady load, wait for every visit's event, report."""
    packages = await prepare_packages(stack, args.packages)
    env = {"MONITORING_DERIVATION_BATCH_PACKAGES": str(args.derivation_batch)} if args.derivation_batch else None
    stack.start_service("worker", workers=1, run_workers=True, max_batches=16, pool=8, extra_env=env)
    port = stack.start_service("api", workers=args.api_processes, run_workers=False, max_batches=16, pool=8)
    prepared_in = await wait_until_drained(stack.dsn, timeout=600)
    watcher = CompletedWatcher(stack.bootstrap)
    await watcher.start()
    load, figures = await steady_run(stack, port, packages, watcher, args, "lat")
    await watcher.stop()
    stored = await stored_events(stack.dsn, "lat")
    latency = figures["visit_latency"]
    return {
        "command": " ".join(sys.argv),
        "cpu_count": os.cpu_count(),
        "packages": args.packages,
        "api_processes": args.api_processes,
        "derivation_of_all_packages_before_the_run_seconds": round(prepared_in, 1),
        **figures,
        "events_published": watcher.events_by_type,
        "lost": {
            "accepted_but_not_stored": figures["client"]["events_accepted"] - stored,
            "completed_pairs_without_event": latency["visits"] - latency["visits_with_completed_event"],
            "completed_events_in_outbox": await completed_in_outbox(stack.dsn),
        },
        "target": {"latency_p99_ms": 2000},
        "target_met": latency["latency_p99_ms"] < 2000,
        "load_generated": load.events,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the stack, measure, stop everything."""
    async with bench_stack() as stack:
        return await measure(stack, args)


def main() -> None:
    """Parse the options, run, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=400, help="events a second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--batch-size", type=int, default=40)
    parser.add_argument("--gap", type=int, default=20, help="batches between a visit's check-in and check-out")
    parser.add_argument("--packages", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--api-processes", type=int, default=1)
    parser.add_argument("--drain-timeout", type=float, default=120)
    parser.add_argument("--derivation-batch", type=int, default=None, help="packages per derivation transaction")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
