"""``homecare up`` / ``down``: the embedded stack and the five services as background processes.

Everything we start is recorded in ``<home>/run/stack.json`` so ``down`` stops exactly those
processes and nothing else. Logs go to ``<home>/logs/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from shared.devstack.broker import EmbeddedBroker
from shared.devstack.migrate import migrate_all_sync
from shared.devstack.postgres import EmbeddedPostgres
from shared.devstack.services import SERVICES, ServiceInfo
from shared.messaging.kafka import ensure_topics

DEFAULT_PG_PORT = 15432  # below the ephemeral range, so no test port can take it
DEFAULT_BROKER_PORT = 19092


def stack_home() -> Path:
    """Where the stack keeps data, logs and its process record (``HOMECARE_HOME`` or ./.homecare)."""
    return Path(os.environ.get("HOMECARE_HOME", Path.cwd() / ".homecare")).resolve()


@dataclass
class StackRecord:
    """What ``up`` started, for ``down`` and for commands that need the URLs."""

    database_url: str
    kafka_bootstrap_servers: str
    postgres_data: str | None = None
    broker_pid: int | None = None
    services: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, home: Path | None = None) -> StackRecord | None:
        """The running stack's record, if any."""
        path = (home or stack_home()) / "run" / "stack.json"
        if not path.exists():
            return None
        return cls(**json.loads(path.read_text()))

    def save(self, home: Path) -> None:
        """Write the record."""
        path = home / "run" / "stack.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2))


def resolve_urls() -> tuple[str, str]:
    """Database URL and bootstrap servers: the environment first, else the running stack."""
    record = StackRecord.load()
    db = os.environ.get("DATABASE_URL") or (record.database_url if record else None)
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or (record.kafka_bootstrap_servers if record else None)
    if not db or not kafka:
        raise RuntimeError("No stack: run `make up`, or set DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS.")
    return db, kafka


def process_alive(pid: int | None) -> bool:
    """Whether the process runs; a child of ours that has exited (a zombie until reaped) does not."""
    if not pid:
        return False
    with contextlib.suppress(ChildProcessError):  # not our child: only kill(0) can tell
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def start_service(svc: ServiceInfo, record: StackRecord, home: Path, extra_env: dict[str, str] | None = None) -> int:
    """Run one service under uvicorn in its own process group; returns its pid."""
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": record.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": record.kafka_bootstrap_servers,
        **(extra_env or {}),
    }
    with open(logs / f"{svc.name}.log", "ab") as log:
        proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "uvicorn",
                svc.app_path,
                "--host",
                "127.0.0.1",
                "--port",
                str(svc.port),
                "--no-access-log",
                "--timeout-graceful-shutdown",
                "5",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    return proc.pid


async def wait_ready(services: tuple[ServiceInfo, ...], timeout: float = 60) -> dict[str, bool]:
    """Poll every service's /readyz until all answer 200 or the timeout passes."""
    deadline = time.monotonic() + timeout
    ready = {s.name: False for s in services}
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline and not all(ready.values()):
            for svc in services:
                if ready[svc.name]:
                    continue
                try:
                    r = await client.get(f"http://127.0.0.1:{svc.port}/readyz")
                    ready[svc.name] = r.status_code == 200
                except httpx.HTTPError:
                    pass
            await asyncio.sleep(0.3)
    return ready


def up(home: Path | None = None, *, services: tuple[ServiceInfo, ...] = SERVICES) -> StackRecord:
    """Start Postgres and the broker (unless external ones are configured), migrate, start services."""
    home = home or stack_home()
    existing = StackRecord.load(home)
    if existing and any(process_alive(pid) for pid in existing.services.values()):
        raise RuntimeError(f"a stack is already running (see {home / 'run' / 'stack.json'}); run `make down` first")
    db_url = os.environ.get("DATABASE_URL")
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    record = StackRecord(database_url=db_url or "", kafka_bootstrap_servers=bootstrap or "")
    if not db_url:
        pg = EmbeddedPostgres(home / "postgres", int(os.environ.get("HOMECARE_PG_PORT", DEFAULT_PG_PORT)))
        pg.start()
        record.database_url = pg.url
        record.postgres_data = str(pg.data_dir)
    if not bootstrap:
        broker = EmbeddedBroker(
            int(os.environ.get("HOMECARE_BROKER_PORT", DEFAULT_BROKER_PORT)), home / "logs" / "broker.log"
        )
        record.broker_pid = broker.start()
        record.kafka_bootstrap_servers = broker.bootstrap
    record.save(home)
    asyncio.run(ensure_topics(record.kafka_bootstrap_servers))
    migrate_all_sync(record.database_url, services)
    for svc in services:
        record.services[svc.name] = start_service(svc, record, home)
        record.save(home)
    return record


def _stop_pid(pid: int, *, group: bool) -> None:
    try:
        if group:
            os.killpg(pid, signal.SIGTERM)
        else:
            os.kill(pid, signal.SIGTERM)
    except OSError:
        return
    deadline = time.monotonic() + 10
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if process_alive(pid):
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL) if group else os.kill(pid, signal.SIGKILL)


def down(home: Path | None = None) -> list[str]:
    """Stop exactly what ``up`` started; returns what was stopped."""
    home = home or stack_home()
    record = StackRecord.load(home)
    if record is None:
        return []
    stopped = []
    for name, pid in record.services.items():
        if process_alive(pid):
            _stop_pid(pid, group=True)
            stopped.append(name)
    if record.broker_pid and process_alive(record.broker_pid):
        os.kill(record.broker_pid, signal.SIGCONT)  # a frozen broker ignores SIGTERM until thawed
        _stop_pid(record.broker_pid, group=True)
        stopped.append("broker")
    if record.postgres_data:
        pg = EmbeddedPostgres(Path(record.postgres_data), 0)
        if pg.running():
            pg.stop()
            stopped.append("postgres")
    (home / "run" / "stack.json").unlink(missing_ok=True)
    return stopped
