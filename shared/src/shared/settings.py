"""Service settings from the environment.

Each service subclasses :class:`ServiceSettings` with its own ``env_prefix`` (``REFERRALS_``,
``BROKERAGE_``...). The two connection strings also fall back to the unprefixed ``DATABASE_URL`` and
``KAFKA_BOOTSTRAP_SERVERS`` so one environment can point every service at the same servers.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import Field
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from shared.ratelimit import RateLimit

UNPREFIXED_VARIABLES = {
    "database_url": "DATABASE_URL",
    "kafka_bootstrap_servers": "KAFKA_BOOTSTRAP_SERVERS",
    "kafka_enable_idempotence": "KAFKA_ENABLE_IDEMPOTENCE",
    "kafka_topic_partitions": "KAFKA_TOPIC_PARTITIONS",
    "kafka_topic_replication_factor": "KAFKA_TOPIC_REPLICATION_FACTOR",
    "process_role": "PROCESS_ROLE",
    "log_level": "LOG_LEVEL",
}


class _UnprefixedFallbackSource(PydanticBaseSettingsSource):
    """Reads the shared, unprefixed variables; ranked below the prefixed ones."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        env_name = UNPREFIXED_VARIABLES.get(field_name)
        value = os.environ.get(env_name) if env_name else None
        return value, field_name, False

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for field_name, env_name in UNPREFIXED_VARIABLES.items():
            if field_name in self.settings_cls.model_fields and env_name in os.environ:
                found[field_name] = os.environ[env_name]
        return found


class ServiceSettings(BaseSettings):
    """Settings every service has; subclasses add their own rules and set ``env_prefix``."""

    model_config = SettingsConfigDict(env_prefix="HOMECARE_", extra="ignore")

    service_name: str = "homecare"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/homecare"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Apache Kafka supports the idempotent producer; the embedded Tansu broker refuses it.
    kafka_enable_idempotence: bool = False
    kafka_topic_partitions: int = 3
    # 1 for the single embedded broker; 3 on a production cluster, so a topic survives losing a broker.
    kafka_topic_replication_factor: int = Field(default=1, ge=1)
    log_level: str = "INFO"
    # "all": one process serves the API and runs the consumers and background tasks (make up).
    # "api": HTTP and the outbox relay only, so API replicas scale freely; "worker": also the
    # consumers and background tasks, replicas at most the partitions of the topics consumed.
    process_role: Literal["all", "api", "worker"] = "all"
    outbox_batch_size: int = Field(default=500, ge=1, le=10_000)
    consumer_max_attempts: int = Field(default=5, ge=1)
    db_pool_size: int = 10
    max_body_bytes: int = 1024 * 1024
    # Requests per API client (see shared.ratelimit): the service's default and per-role overrides,
    # e.g. REFERRALS_RATE_LIMIT='{"per_second": 5, "burst": 50}',
    # MONITORING_RATE_LIMITS_BY_ROLE='{"etms_vendor": {"per_second": 50, "burst": 200}}'.
    rate_limit: RateLimit = RateLimit(per_second=20, burst=200)
    rate_limits_by_role: dict[str, RateLimit] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            _UnprefixedFallbackSource(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )

    @property
    def asyncpg_dsn(self) -> str:
        """The database URL as plain asyncpg expects it (no SQLAlchemy driver suffix)."""
        return to_asyncpg_dsn(self.database_url)


def to_asyncpg_dsn(url: str) -> str:
    """``postgresql+asyncpg://...`` -> ``postgresql://...``."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}"


def to_sqlalchemy_url(url: str) -> str:
    """Any postgres URL -> the asyncpg dialect SQLAlchemy needs."""
    scheme, sep, rest = url.partition("://")
    if scheme in ("postgres", "postgresql"):
        scheme = "postgresql+asyncpg"
    return f"{scheme}{sep}{rest}"
