"""The whole simulated county (``homecare simulate``) against a stack of its own; prints JSON.

Starts an embedded stack on free ports in a temporary home, runs the simulation at ``--scale``
(1 = Cornwall), stops the stack, and prints how long each stage took and what the county came to,
with the load average before and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _free_block(size: int) -> int:
    """The first of ``size`` free ports below the ephemeral range (where outgoing connections would
    take them between this check and the services binding them)."""
    rng = random.Random()
    while True:
        first = rng.randrange(20_000, 32_000)
        try:
            for port in range(first, first + size):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue


def _load() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


async def _simulate(scale: float, seed: int, database_url: str) -> dict[str, Any]:
    from shared.auth.clients import client_maker
    from shared.devstack.services import SERVICES
    from shared.simulate import SimulationOptions, simulate

    urls: dict[str, Any] = {svc.package: f"http://127.0.0.1:{svc.port}" for svc in SERVICES}
    options = SimulationOptions(scale=scale, seed=seed, show_progress=False)
    sim = await simulate(urls, client_maker(database_url), options)
    return sim.report


def main() -> None:
    """Run the county once and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="homecare-county-"))
    os.environ |= {
        "HOMECARE_HOME": str(home),
        "HOMECARE_PG_PORT": str(_free_block(1)),
        "HOMECARE_BROKER_PORT": str(_free_block(1)),
        "HOMECARE_PORT_OFFSET": str(_free_block(5) - 8001),
    }
    from shared.devstack.services import SERVICES
    from shared.devstack.stack import down, up, wait_ready

    load_before = _load()
    record = up(home)
    try:
        if not all(asyncio.run(wait_ready(SERVICES, timeout=120)).values()):
            sys.exit("the stack did not become ready")
        started = time.perf_counter()
        report = asyncio.run(_simulate(args.scale, args.seed, record.database_url))
        seconds = round(time.perf_counter() - started, 1)
    finally:
        down(home)
        shutil.rmtree(home, ignore_errors=True)
    p, v, m = report["packages"], report["visits"], report["money"]
    print(json.dumps({
        "scale": args.scale,
        "seconds": seconds,
        "stage_seconds": report["stage_seconds"],
        "packages_submitted": p["submitted"],
        "packages_placed": p["placed"],
        "weekly_hours_placed": p["weekly_hours_placed"],
        "visits_planned": v["planned"],
        "events_posted": v["events"]["posted"],
        "paid": m["paid"],
        "held": m["held"],
        "load_average_before": load_before,
        "load_average_after": _load(),
    }))


if __name__ == "__main__":
    main()
