"""From a visit's actual time to the minutes the council pays for."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from payments.domain.rules import PaymentRules, RoundingRule


@dataclass(frozen=True)
class MinutesDecision:
    """Payable minutes per carer and why: the reason is shown on the line."""

    minutes: int
    reason: str
    # Minutes delivered beyond planned that were not paid (0 when approved or none).
    unpaid_excess: int


def nearest_minute(actual_seconds: int) -> int:
    """Seconds to whole minutes, half a minute rounding up."""
    if actual_seconds < 0:
        raise ValueError("actual_seconds must not be negative")
    return (actual_seconds + 30) // 60


def band_15(minutes: int) -> int:
    """Call-monitoring bands of 15 minutes centred on the quarter: 8-22 -> 15, 23-37 -> 30, 38-52 -> 45."""
    return (minutes + 7) // 15 * 15


def complete_units(minutes: int, unit_minutes: int) -> int:
    """Only complete units are paid: 44 minutes in 15-minute units pays 30."""
    return minutes // unit_minutes * unit_minutes


def within_tolerance(actual_minutes: int, planned_minutes: int, tolerance: Decimal) -> bool:
    """True when the visit is short of planned by no more than the tolerance."""
    floor = (Decimal(planned_minutes) * (1 - tolerance)).to_integral_value(rounding=ROUND_FLOOR)
    return floor <= actual_minutes < planned_minutes


def payable_minutes(
    actual_seconds: int, planned_minutes: int, rules: PaymentRules, *, excess_approved: bool = False
) -> MinutesDecision:
    """Apply the council's rounding, tolerance and cap to one visit.

    Tolerance is judged on the actual minutes before banding, so a band can never push a visit
    that was nearly on time out of tolerance.
    """
    if planned_minutes < 0:
        raise ValueError("planned_minutes must not be negative")
    if rules.rounding is RoundingRule.PLANNED:
        return MinutesDecision(planned_minutes, "planned_time", 0)
    actual = nearest_minute(actual_seconds)
    if within_tolerance(actual, planned_minutes, rules.tolerance):
        return MinutesDecision(planned_minutes, "within_tolerance", 0)
    if rules.rounding is RoundingRule.BANDS_15:
        rounded, reason = band_15(actual), "band_15"
    elif rules.rounding is RoundingRule.COMPLETE_UNITS:
        rounded, reason = complete_units(actual, rules.unit_minutes), "complete_units"
    else:
        rounded, reason = actual, "nearest_minute"
    if rounded > planned_minutes and planned_minutes > 0:
        if excess_approved:
            return MinutesDecision(rounded, f"{reason}+excess_approved", 0)
        return MinutesDecision(planned_minutes, f"{reason}+capped_at_planned", rounded - planned_minutes)
    return MinutesDecision(rounded, reason, 0)
