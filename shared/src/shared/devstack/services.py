"""The five services and the staff console: name, package, port, schema (if it has a database), settings prefix."""

from __future__ import annotations

import importlib.resources
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServiceInfo:
    """How to run and migrate one service; ``schema`` is None for one without a database (the console)."""

    name: str
    package: str
    default_port: int
    schema: str | None

    @property
    def port(self) -> int:
        """The loopback port ``homecare up`` serves it on.

        ``HOMECARE_PORT_OFFSET`` moves them all together, so two stacks (two checkouts) can run side by side.
        """
        return self.default_port + int(os.environ.get("HOMECARE_PORT_OFFSET", "0"))

    @property
    def app_path(self) -> str:
        """The ASGI app for uvicorn."""
        return f"{self.package}.main:app"

    @property
    def env_prefix(self) -> str:
        """Prefix of the service's own settings."""
        return f"{self.package.upper()}_"

    def migrations_dir(self) -> Path | None:
        """The Alembic script folder inside the package; None for a service without a database."""
        if self.schema is None:
            return None
        return Path(str(importlib.resources.files(self.package) / "db" / "migrations"))

    def installed(self) -> bool:
        """Whether the service's app module is importable."""
        return importlib.util.find_spec(f"{self.package}.main") is not None


SERVICES: tuple[ServiceInfo, ...] = (
    ServiceInfo("referrals", "referrals", 8001, "referrals"),
    ServiceInfo("brokerage", "brokerage", 8002, "brokerage"),
    ServiceInfo("electronic-monitoring", "monitoring", 8003, "monitoring"),
    ServiceInfo("payments", "payments", 8004, "payments"),
    ServiceInfo("quality", "quality", 8005, "quality"),
    # Staff's web pages over the five services' public APIs: no database of its own.
    ServiceInfo("console", "console", 8000, None),
)

AUTH_SCHEMA = "auth"


def auth_migrations_dir() -> Path:
    """The platform's own migrations (API clients)."""
    return Path(str(importlib.resources.files("shared.auth") / "migrations"))


def by_name(name: str) -> ServiceInfo:
    """A service by name or package."""
    for svc in SERVICES:
        if name in (svc.name, svc.package):
            return svc
    raise KeyError(name)
