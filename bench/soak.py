"""``make soak``: the simulated county run twice, once without faults and once with a fault after
another, and the two end states compared by stable keys; prints a summary and writes it as JSON.

Each run gets a fresh stack (``homecare up`` in its own home). The second run injects, in turn and
while the county's traffic runs: a SIGKILL and restart of referrals, of brokerage, of monitoring and of
quality (each at a point of the traffic given by what the first run did); the broker frozen 30 s
(SIGSTOP/SIGCONT); Postgres stopped 10 s (``pg_ctl stop -m immediate``, a crash) and started again;
payments' consumer failing on ``monitoring.visit.completed`` from the start (a test-only switch) until
payments is SIGKILLed and started without it mid-stream and the dead letters are replayed with
``homecare dlq replay``; payments SIGKILLed while the period's calculation runs. While each fault
lasts every service is probed over HTTP: a 5xx other than 503 with ``Retry-After``, or no answer
within 10 s, is a finding. Exit status 1 on any difference or finding.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import asyncpg
from shared.settings import to_asyncpg_dsn

PATIENCE = 180.0
BROKER_FROZEN_SECONDS = 30.0
POSTGRES_DOWN_SECONDS = 10.0
FAIL_EVENT = "payments:monitoring.visit.completed"
FAULT_TIMEOUT = 1800.0
AFTERMATH_SECONDS = 5.0


def _ports() -> None:
    """Use the ports given in the environment, else free ones (as the county benchmark picks them)."""
    from bench_county import _free_block

    os.environ.setdefault("HOMECARE_PG_PORT", str(_free_block(1)))
    os.environ.setdefault("HOMECARE_BROKER_PORT", str(_free_block(1)))
    os.environ.setdefault("HOMECARE_PORT_OFFSET", str(_free_block(6) - 8000))


@dataclass
class FaultRecord:
    """One fault: what, when (the progress it began at), how long, what callers saw."""

    name: str
    began_at: str = ""
    seconds: float = 0.0
    seen: dict[str, int] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Progress:
    """What the first run came to, so the second can place its faults in the traffic."""

    referrals: int
    visit_events: int


async def _count(database_url: str, sql: str) -> int:
    conn = await asyncpg.connect(to_asyncpg_dsn(database_url), timeout=5)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


REFERRALS_SQL = "SELECT COUNT(*) FROM referrals.referral"
EVENTS_SQL = "SELECT COUNT(*) FROM monitoring.visit_event"
PERIOD_SQL = "SELECT status, packages_done, packages_total FROM payments.period"


class Injector:
    """Runs the faults in turn against the second run's stack."""

    def __init__(self, home: Path, database_url: str, reference: Progress, probes: list[Any]) -> None:
        from shared.testing.faults import StackFaults

        self.faults = StackFaults(home)
        self.home = home
        self.db = database_url
        self.reference = reference
        self.probes = probes
        self.done: list[FaultRecord] = []
        self.replayed = 0

    async def _until(self, sql: str, target: float) -> str:
        """Wait until the count reaches ``target``; returns where it was."""
        deadline = time.monotonic() + FAULT_TIMEOUT
        while True:
            try:
                n = await _count(self.db, sql)
            except (OSError, asyncpg.PostgresError):
                n = -1
            if n >= target:
                return f"{n} of {sql.rsplit(' ', 1)[-1]}"
            if time.monotonic() > deadline:
                raise TimeoutError(f"the traffic never reached {target} ({sql})")
            await asyncio.sleep(0.5)

    async def _fault(self, record: FaultRecord, action: Callable[[], Awaitable[None]]) -> None:
        from shared.testing.faults import probe_while

        stop = asyncio.Event()
        label = record.name
        prober = asyncio.create_task(probe_while(self.probes, stop, label))
        began = time.perf_counter()
        try:
            await action()
        finally:
            record.seconds = round(time.perf_counter() - began, 1)
            # Callers keep being watched a little after: the first requests on stale pooled connections.
            await asyncio.sleep(AFTERMATH_SECONDS)
            stop.set()
            log = await prober
            record.seen = dict(sorted(log.seen.items()))
            record.findings = log.findings
            self.done.append(record)
            print(f"fault done: {record.name} at {record.began_at} in {record.seconds} s; {record.seen}",
                  file=sys.stderr, flush=True)

    async def _kill_restart(self, service: str, at: str, extra_env: dict[str, str] | None = None,
                            name: str | None = None) -> FaultRecord:
        record = FaultRecord(name or f"SIGKILL {service} and restart", began_at=at)

        async def action() -> None:
            self.faults.kill_service(service)
            await asyncio.sleep(1)
            await self.faults.start_service(service, extra_env)

        await self._fault(record, action)
        return record

    async def run(self) -> None:
        """The fault sequence, each at its point of the traffic."""
        refs, events = self.reference.referrals, self.reference.visit_events
        await self._kill_restart("referrals", await self._until(REFERRALS_SQL, refs * 0.2))
        await self._kill_restart("brokerage", await self._until(REFERRALS_SQL, refs * 0.4))
        await self._outage(
            f"broker frozen {BROKER_FROZEN_SECONDS:.0f} s (SIGSTOP/SIGCONT)",
            await self._until(REFERRALS_SQL, refs * 0.6),
            self.faults.freeze_broker, self.faults.thaw_broker, BROKER_FROZEN_SECONDS,
        )
        await self._kill_restart("electronic-monitoring", await self._until(EVENTS_SQL, events * 0.15))
        await self._outage(
            f"Postgres stopped {POSTGRES_DOWN_SECONDS:.0f} s (pg_ctl stop -m immediate) and started",
            await self._until(EVENTS_SQL, events * 0.3),
            self.faults.stop_postgres, self.faults.start_postgres, POSTGRES_DOWN_SECONDS,
        )
        await self._kill_restart("quality", await self._until(EVENTS_SQL, events * 0.45))
        await self._fix_and_replay(await self._until(EVENTS_SQL, events * 0.6))
        await self._kill_calculation()

    async def _outage(self, name: str, at: str, take: Callable[[], None], give_back: Callable[[], None],
                      seconds: float) -> None:
        """Take a dependency away for ``seconds``, then give it back."""

        async def action() -> None:
            take()
            try:
                await asyncio.sleep(seconds)
            finally:
                give_back()

        await self._fault(FaultRecord(name, at), action)

    async def _fix_and_replay(self, at: str) -> None:
        from shared.messaging.fault_injection import FAIL_EVENT_ENV
        from shared.testing.end_state import dead_letters

        bootstrap = self.faults.record.kafka_bootstrap_servers
        while not any("injected" in k for k in (await dead_letters(bootstrap))):
            await asyncio.sleep(2)  # the switch has not yet met a completed visit
        before = await dead_letters(bootstrap)
        record = await self._kill_restart(
            "payments", at, {FAIL_EVENT_ENV: ""},
            name=f"payments' consumer failing on {FAIL_EVENT.split(':')[1]}: SIGKILL, restart fixed, dlq replay",
        )
        env = {**os.environ, "HOMECARE_HOME": str(self.home)}
        out = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "shared.cli", "dlq", "replay", "--topic", "monitoring.visit"],
            env=env, capture_output=True, text=True, check=True,
        )
        self.replayed = int(json.loads(out.stdout.strip().splitlines()[-1])["replayed"])
        record.note = f"dead letters before the fix: {before}; replayed {self.replayed}"

    async def _kill_calculation(self) -> None:
        conn = await asyncpg.connect(to_asyncpg_dsn(self.db))
        try:
            while (row := await conn.fetchrow(PERIOD_SQL)) is None or row["status"] != "calculating":
                await asyncio.sleep(0.02)
            # Killed at first sight: the run lasts a second or two at scale 0.1 and its progress counter
            # moves in large steps, so waiting for it to show half-way lets the run finish first.
            self.faults.kill_service("payments")
        finally:
            await conn.close()
        at = f"{row['status']}, {row['packages_done']} of {row['packages_total']} packages done"
        record = await self._kill_restart("payments", at, name="SIGKILL payments during the period's calculation")
        record.note = "killed while the period was 'calculating'; the restarted service resumes the run"


async def _probes(database_url: str) -> list[Any]:
    from shared.auth.clients import client_maker
    from shared.devstack.services import by_name
    from shared.testing.faults import Probe

    make = client_maker(database_url)
    keys = {role: (await make(f"soak probe {role}", role, []))["key"]
            for role in ("case_management", "admin", "quality_officer", "payments_staff")}

    def url(service: str, path: str) -> str:
        return f"http://127.0.0.1:{by_name(service).port}{path}"

    return [
        Probe("referrals", url("referrals", "/v1/referrals?limit=1"), keys["case_management"]),
        Probe("brokerage", url("brokerage", "/v1/providers?limit=1"), keys["admin"]),
        Probe("monitoring", url("monitoring", f"/v1/visits/{uuid.uuid4()}"), keys["quality_officer"]),
        Probe("payments", url("payments", "/v1/periods"), keys["payments_staff"]),
        Probe("quality", url("quality", "/v1/kpis?period=2026-W01"), keys["quality_officer"]),
    ]


async def _score_last_four_weeks(officer: str, today: date) -> None:
    """Score the last closed four-week period, as a quality officer would once the weeks are in.

    Quality scores it by itself when it starts (and hourly): a restart mid-stream scores it with the
    facts so far, which the next hourly pass corrects. Asking for it now makes both runs' KPIs final.
    """
    import httpx
    from quality.domain.periods import closed_periods
    from shared.devstack.services import by_name

    label = closed_periods(today)[1].label
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{by_name('quality').port}", timeout=120) as client:
        r = await client.post(f"/v1/periods/{label}/evaluation", headers={"Authorization": f"Bearer {officer}"})
        r.raise_for_status()


async def _run(
    home: Path, scale: float, seed: int, speed: float, today: date, reference: Progress | None
) -> dict[str, Any]:
    """One county on a fresh stack; with a reference, with the faults."""
    from shared.auth.clients import client_maker
    from shared.devstack.services import SERVICES
    from shared.devstack.stack import down, up, wait_ready
    from shared.messaging.fault_injection import FAIL_EVENT_ENV
    from shared.simulate import SimulationOptions, simulate
    from shared.testing.end_state import capture_database, dead_letters, event_counts
    from shared.testing.faults import ProbeLog, probe_while

    os.environ["HOMECARE_HOME"] = str(home)
    if reference is not None:
        os.environ[FAIL_EVENT_ENV] = FAIL_EVENT  # only payments' consumer group matches it
    try:
        record = await asyncio.to_thread(up, home)
    finally:
        os.environ.pop(FAIL_EVENT_ENV, None)
    began = time.perf_counter()
    try:
        if not all((await wait_ready(SERVICES, timeout=180)).values()):
            raise RuntimeError(f"the stack did not become ready; see {home / 'logs'}")
        urls: dict[str, Any] = {svc.package: f"http://127.0.0.1:{svc.port}" for svc in SERVICES}
        options = SimulationOptions(
            scale=scale, seed=seed, speed=speed, today=today, show_progress=False, patience=PATIENCE
        )
        sim_task = asyncio.create_task(simulate(urls, client_maker(record.database_url), options))
        injector = None
        error = None
        if reference is not None:
            injector = Injector(home, record.database_url, reference, await _probes(record.database_url))
            faults_task = asyncio.create_task(injector.run())
            # Whichever fails first stops the other: a simulation that gave up leaves the faults waiting.
            await asyncio.wait((sim_task, faults_task), return_when=asyncio.FIRST_EXCEPTION)
            if faults_task.done() and faults_task.exception() is not None:
                sim_task.cancel()
                raise faults_task.exception()  # type: ignore[misc]
            faults_task.cancel()  # done already, unless the simulation gave up before the last fault
        try:
            sim = await sim_task
        except Exception as exc:
            if reference is None:
                raise
            # The county did not finish under the faults: what it came to is still compared, and reported.
            error = f"the simulation failed: {exc!r}"
            print(error, file=sys.stderr, flush=True)
        else:
            await _score_last_four_weeks(sim.council.keys["quality_officer"], today)

        state, withdrawn = await capture_database(record.database_url, today)
        result: dict[str, Any] = {
            "seconds": round(time.perf_counter() - began, 1),
            "report": None if error else sim.report,
            "simulation_error": error,
            "state": state,
            "withdrawn": withdrawn,
            "events": await event_counts(record.database_url),
            "dead_letters": await dead_letters(record.kafka_bootstrap_servers),
            "progress": {
                "referrals": await _count(record.database_url, REFERRALS_SQL),
                "visit_events": await _count(record.database_url, EVENTS_SQL),
            },
        }
        if injector is not None:
            after = ProbeLog()
            stop = asyncio.Event()
            stop.set()
            after.merge(await probe_while(injector.probes, stop, "after the faults"))
            result["faults"] = [f.__dict__ for f in injector.done] + [
                {"name": "probe after the faults", "seen": dict(after.seen), "findings": after.findings}
            ]
            result["replayed"] = injector.replayed
        return result
    finally:
        await asyncio.to_thread(down, home)


def _summary(baseline: dict[str, Any], faulty: dict[str, Any], scale: float, seed: int) -> dict[str, Any]:
    from shared.testing.end_state import count_differences, differences

    diffs = differences(baseline["state"], faulty["state"])
    dead = faulty["dead_letters"]
    unexpected = {k: v for k, v in dead.items() if not k.endswith(" injected")}
    unexpected |= baseline["dead_letters"]
    injected = sum(v for k, v in dead.items() if k.endswith(" injected"))
    findings = [f for fault in faulty["faults"] for f in fault.get("findings", [])]
    applied = sum(v for k, v in faulty["events"].items() if k.endswith(".applied"))
    published = sum(v for k, v in faulty["events"].items() if k.endswith(".published"))
    return {
        "scale": scale,
        "seed": seed,
        "faults_injected": [f["name"] for f in faulty["faults"] if "began_at" in f],
        "faults": faulty["faults"],
        "events_published": published,
        "events_applied": applied,
        "events": {"baseline": baseline["events"], "with_faults": faulty["events"]},
        "dead_letters": {"injected_and_replayed": injected, "replayed": faulty["replayed"],
                         "unexpected": unexpected},
        "http_findings": findings,
        "keys_compared": {s: len(v) for s, v in baseline["state"].items()},
        "withdrawn_not_compared": {"baseline": baseline["withdrawn"], "with_faults": faulty["withdrawn"]},
        "differences_found": count_differences(baseline["state"], faulty["state"]),
        "differences": diffs,
        "simulation_error": faulty["simulation_error"],
        "paid": {"baseline": baseline["report"]["money"]["paid"],
                 "with_faults": faulty["report"]["money"]["paid"] if faulty["report"] else None},
        "seconds": {"baseline": baseline["seconds"], "with_faults": faulty["seconds"]},
        "stage_seconds": {"baseline": baseline["report"]["stage_seconds"],
                          "with_faults": faulty["report"]["stage_seconds"] if faulty["report"] else None},
    }


def main() -> None:
    """Run both counties, compare, print and write the summary."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--speed", type=float, default=20_000.0,
                        help="device events replayed this many times real time: 20,000 spreads the weeks over 2 min")
    parser.add_argument("--json", default="bench-results/soak.json", help="where to write the summary")
    args = parser.parse_args()
    _ports()
    from shared.clock import LONDON

    today = datetime.now(LONDON).date()
    root = Path(tempfile.mkdtemp(prefix="homecare-soak-"))
    started = time.perf_counter()
    baseline = asyncio.run(_run(root / "baseline", args.scale, args.seed, args.speed, today, None))
    print(f"baseline done in {baseline['seconds']} s", file=sys.stderr, flush=True)
    reference = Progress(baseline["progress"]["referrals"], baseline["progress"]["visit_events"])
    faulty = asyncio.run(_run(root / "faults", args.scale, args.seed, args.speed, today, reference))
    summary = _summary(baseline, faulty, args.scale, args.seed)
    summary["wall_seconds"] = round(time.perf_counter() - started, 1)
    summary["load_average"] = Path("/proc/loadavg").read_text().split()[:3]
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, default=str))
    print(json.dumps({k: summary[k] for k in ("faults_injected", "events_published", "events_applied",
                                               "dead_letters", "http_findings", "simulation_error", "differences_found",
                                               "differences", "wall_seconds")}, indent=2, default=str))
    bad = (summary["differences_found"] or summary["http_findings"] or summary["dead_letters"]["unexpected"]
           or summary["simulation_error"])
    if bad:
        print(f"the two stacks' logs and databases are kept in {root}", file=sys.stderr)
        sys.exit(1)
    shutil.rmtree(root, ignore_errors=True)  # two clusters' worth of data: kept only when something differed


if __name__ == "__main__":
    main()
