"""Settings of the quality service (environment prefix ``QUALITY_``).

The council's rules (targets, weights, bands, thresholds) are not settings: they are data, edited
through ``PUT /v1/config`` and stored in the quality schema, so a change needs no redeploy.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings


class QualitySettings(ServiceSettings):
    """Connection settings of the quality service."""

    model_config = SettingsConfigDict(env_prefix="QUALITY_", extra="ignore")

    service_name: str = "quality"
    # Score each week and four-week period by itself once it has closed (officers can always ask).
    auto_evaluate: bool = True
    # How often to look for a week or four-week period that has closed and not been scored yet.
    evaluation_interval_seconds: float = Field(default=3600.0, gt=0)
