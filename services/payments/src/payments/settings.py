"""Payments settings: connections from the platform, and the council's payment rules."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from shared.settings import ServiceSettings

from payments.domain.rules import HospitalContribution, PaymentRules, RoundingRule


class PaymentsSettings(ServiceSettings):
    """Environment variables prefixed ``PAYMENTS_``; every payment rule has the usual default."""

    model_config = ServiceSettings.model_config | {"env_prefix": "PAYMENTS_"}

    service_name: str = "payments"
    rounding: RoundingRule = RoundingRule.NEAREST_MINUTE
    unit_minutes: int = Field(default=15, ge=1)
    tolerance: Decimal = Field(default=Decimal("0.10"), ge=0, lt=1)
    bank_holiday_multiplier: Decimal = Field(default=Decimal("1.5"), ge=1)
    banking_window_weeks: int = Field(default=4, ge=0)
    retainer_share: Decimal = Field(default=Decimal("1"), ge=0, le=1)
    retainer_max_weeks: int = Field(default=4, ge=0)
    hospital_contribution: HospitalContribution = HospitalContribution.WAIVED
    period_days: int = Field(default=28, ge=7)

    def payment_rules(self) -> PaymentRules:
        """The rules the calculation applies."""
        return PaymentRules(
            rounding=self.rounding,
            unit_minutes=self.unit_minutes,
            tolerance=self.tolerance,
            bank_holiday_multiplier=self.bank_holiday_multiplier,
            banking_window_weeks=self.banking_window_weeks,
            retainer_share=self.retainer_share,
            retainer_max_weeks=self.retainer_max_weeks,
            hospital_contribution=self.hospital_contribution,
        )
