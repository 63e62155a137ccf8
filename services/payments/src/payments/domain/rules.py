"""The council's payment rules: configuration, not constants, each with the usual default."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class RoundingRule(StrEnum):
    """How actual visit minutes become payable minutes."""

    NEAREST_MINUTE = "nearest_minute"
    BANDS_15 = "bands_15"
    COMPLETE_UNITS = "complete_units"
    PLANNED = "planned"


class HospitalContribution(StrEnum):
    """Whether the person's contribution is charged while they are in hospital.

    Councils differ: most stop charging while no care is delivered; some keep charging while
    they pay the provider a retainer to hold the package open, and stop once the retainer ends.
    """

    WAIVED = "waived"
    CHARGED_WHILE_RETAINED = "charged_while_retained"


@dataclass(frozen=True)
class PaymentRules:
    """One council's payment rules."""

    rounding: RoundingRule = RoundingRule.NEAREST_MINUTE
    # Only used by COMPLETE_UNITS: minutes in one paid unit.
    unit_minutes: int = 15
    # A visit this fraction short of planned (or less short) is paid as planned.
    tolerance: Decimal = Decimal("0.10")
    bank_holiday_multiplier: Decimal = Decimal("1.5")
    banking_window_weeks: int = 4
    retainer_share: Decimal = Decimal("1")
    retainer_max_weeks: int = 4
    hospital_contribution: HospitalContribution = HospitalContribution.WAIVED

    def __post_init__(self) -> None:
        if self.unit_minutes <= 0:
            raise ValueError("unit_minutes must be positive")
        if not Decimal(0) <= self.tolerance < Decimal(1):
            raise ValueError("tolerance must be in [0, 1)")
        if self.bank_holiday_multiplier < 1:
            raise ValueError("bank_holiday_multiplier must be at least 1")
        if self.banking_window_weeks < 0 or self.retainer_max_weeks < 0:
            raise ValueError("week counts must not be negative")
        if not Decimal(0) <= self.retainer_share <= Decimal(1):
            raise ValueError("retainer_share must be in [0, 1]")
