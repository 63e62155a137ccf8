"""Settings of the console (environment prefix ``CONSOLE_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from shared.devstack.services import by_name


def _local(service: str) -> str:
    return f"http://127.0.0.1:{by_name(service).port}"


class ConsoleSettings(BaseSettings):
    """Where the services answer, and how staff sessions are kept."""

    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore")

    brokerage_url: str = Field(default_factory=lambda: _local("brokerage"))
    monitoring_url: str = Field(default_factory=lambda: _local("electronic-monitoring"))
    payments_url: str = Field(default_factory=lambda: _local("payments"))
    quality_url: str = Field(default_factory=lambda: _local("quality"))
    # Seals the session cookie; unset, a random one is made at start-up (sessions end when it restarts).
    # Replicas behind one address must share it.
    session_secret: SecretStr | None = None
    session_minutes: int = Field(default=480, ge=5, le=7 * 24 * 60)
    # True wherever the console is served over HTTPS (everywhere but a developer's loopback).
    cookie_secure: bool = False
    upstream_timeout_seconds: float = Field(default=20.0, gt=0)
    log_level: str = "INFO"

    def service_urls(self) -> dict[str, str]:
        """Base URL of each service the console reads, by short name."""
        return {
            "brokerage": self.brokerage_url,
            "monitoring": self.monitoring_url,
            "payments": self.payments_url,
            "quality": self.quality_url,
        }
