"""Faults injected into a stack ``homecare up`` started (its record in ``<home>/run/stack.json``), and
an HTTP prober that records what callers see while a fault lasts.

- The broker is frozen with SIGSTOP and thawed with SIGCONT: it keeps its data only in memory, so
  killing it would model losing Kafka's disks, not an outage.
- A service's process group is killed with SIGKILL (no shutdown hooks run) and started again.
- Postgres is stopped with ``pg_ctl stop -m immediate``: every backend dies at once and the next start
  runs crash recovery, as after a power cut. (A SIGSTOP of the postmaster alone would leave the
  backends of already-open connections answering, so the services would barely notice.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.devstack.postgres import EmbeddedPostgres
from shared.devstack.services import by_name
from shared.devstack.stack import StackRecord, process_alive, start_service, wait_ready

PROBE_TIMEOUT = 10.0


@dataclass
class StackFaults:
    """The faults of one running stack."""

    home: Path

    @property
    def record(self) -> StackRecord:
        """The stack's record as it is now (restarts change the pids)."""
        record = StackRecord.load(self.home)
        if record is None:
            raise RuntimeError(f"no stack recorded under {self.home}")
        return record

    def freeze_broker(self) -> None:
        """SIGSTOP the broker: connections hang, nothing is lost."""
        pid = self.record.broker_pid
        assert pid is not None, "the stack has no embedded broker"
        os.kill(pid, signal.SIGSTOP)

    def thaw_broker(self) -> None:
        """SIGCONT the broker."""
        pid = self.record.broker_pid
        assert pid is not None, "the stack has no embedded broker"
        os.kill(pid, signal.SIGCONT)

    def kill_service(self, name: str) -> None:
        """SIGKILL the service's process group and wait until it is gone."""
        pid = self.record.services[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if not process_alive(pid):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{name} (pid {pid}) survived SIGKILL")

    async def start_service(self, name: str, extra_env: Mapping[str, str] | None = None, timeout: float = 120) -> None:
        """Start the service again (with extra environment, e.g. a fault switch) and wait for /readyz."""
        record = self.record
        svc = by_name(name)
        record.services[name] = start_service(svc, record, self.home, dict(extra_env or {}))
        record.save(self.home)
        ready = await wait_ready((svc,), timeout=timeout)
        if not ready[svc.name]:
            raise RuntimeError(f"{name} did not become ready after a restart; see {self.home / 'logs'}")

    def _postgres(self) -> EmbeddedPostgres:
        record = self.record
        assert record.postgres_data is not None, "the stack has no embedded Postgres"
        port = int(record.database_url.rsplit(":", 1)[1].split("/", 1)[0])
        return EmbeddedPostgres(Path(record.postgres_data), port)

    def stop_postgres(self) -> None:
        """``pg_ctl stop -m immediate``: a crash, as far as the services can tell."""
        self._postgres().stop("immediate")

    def start_postgres(self) -> None:
        """Start it again (crash recovery runs first)."""
        self._postgres().start()


@dataclass(frozen=True)
class Probe:
    """One read a caller makes: service name, base URL, path and the key it sends."""

    service: str
    url: str
    key: str


@dataclass
class ProbeLog:
    """What callers saw: answers by kind, and the findings (5xx other than 503 with Retry-After, hangs)."""

    seen: Counter[str] = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)

    def merge(self, other: ProbeLog) -> None:
        """Add another log's counts and findings."""
        self.seen.update(other.seen)
        self.findings.extend(other.findings)


def classify(r: httpx.Response) -> str:
    """``ok`` for any answer below 500, ``503+retry-after`` for a proper outage answer, else the code."""
    if r.status_code < 500:
        return "ok"
    if r.status_code == 503 and r.headers.get("Retry-After"):
        return "503+retry-after"
    return str(r.status_code)


async def probe_once(client: httpx.AsyncClient, probe: Probe, log: ProbeLog, label: str) -> None:
    """Send one probe and record what came back."""
    try:
        r = await client.get(probe.url, headers={"Authorization": f"Bearer {probe.key}"}, timeout=PROBE_TIMEOUT)
    except httpx.TimeoutException:
        log.seen[f"{probe.service}:hang"] += 1
        log.findings.append(f"{label}: GET {probe.url} gave no answer within {PROBE_TIMEOUT:.0f} s")
        return
    except httpx.TransportError:
        # Nobody listening (the process is dead): a load balancer in front would answer 503.
        log.seen[f"{probe.service}:refused"] += 1
        return
    kind = classify(r)
    log.seen[f"{probe.service}:{kind}"] += 1
    if kind not in ("ok", "503+retry-after"):
        log.findings.append(f"{label}: GET {probe.url} -> {r.status_code} {r.text[:300]}")


async def probe_while(probes: list[Probe], stop: asyncio.Event, label: str, every: float = 0.5) -> ProbeLog:
    """Probe every endpoint each ``every`` seconds, concurrently, until ``stop`` is set."""
    log = ProbeLog()
    async with httpx.AsyncClient() as client:
        while True:
            await asyncio.gather(*(probe_once(client, p, log, label) for p in probes))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)
            if stop.is_set():
                return log
