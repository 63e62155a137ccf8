"""The referrals service's settings (environment prefix ``REFERRALS_``)."""

from __future__ import annotations

from shared.settings import ServiceSettings


class ReferralsSettings(ServiceSettings):
    """Settings of the referrals service."""

    model_config = ServiceSettings.model_config | {"env_prefix": "REFERRALS_"}

    service_name: str = "referrals"
