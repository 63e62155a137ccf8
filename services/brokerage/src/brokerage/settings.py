"""Settings of the brokerage service (environment prefix ``BROKERAGE_``).

The council's placement rules are not settings: they are data (``GET/PUT /v1/rules``), so a change
needs no redeploy. These are the machinery's timings.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings


class BrokerageSettings(ServiceSettings):
    """Connection settings and the timings of the deadline sweeper and webhook worker."""

    model_config = SettingsConfigDict(env_prefix="BROKERAGE_", extra="ignore")

    service_name: str = "brokerage"
    deadline_poll_seconds: float = Field(default=5.0, gt=0)
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_base_seconds: float = Field(default=30.0, gt=0)
    webhook_retry_cap_seconds: float = Field(default=7200.0, gt=0)
    webhook_retry_window_hours: float = Field(default=24.0, gt=0)
    webhook_max_concurrent_providers: int = Field(default=50, ge=1)
