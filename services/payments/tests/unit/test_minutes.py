"""Rounding, tolerance and the cap at planned minutes."""

from decimal import Decimal

import pytest
from payments.domain.minutes import band_15, complete_units, nearest_minute, payable_minutes
from payments.domain.rules import PaymentRules, RoundingRule


@pytest.mark.parametrize(("seconds", "minutes"), [(0, 0), (29, 0), (30, 1), (1769, 29), (1770, 30), (1800, 30)])
def test_nearest_minute_rounds_half_a_minute_up(seconds: int, minutes: int) -> None:
    assert nearest_minute(seconds) == minutes


@pytest.mark.parametrize(
    ("actual", "paid"),
    [(0, 0), (7, 0), (8, 15), (22, 15), (23, 30), (37, 30), (38, 45), (52, 45), (53, 60), (67, 60), (68, 75)],
)
def test_15_minute_bands(actual: int, paid: int) -> None:
    assert band_15(actual) == paid


@pytest.mark.parametrize(("actual", "unit", "paid"), [(44, 15, 30), (45, 15, 45), (14, 15, 0), (59, 30, 30)])
def test_complete_units_only(actual: int, unit: int, paid: int) -> None:
    assert complete_units(actual, unit) == paid


DEFAULT = PaymentRules()
BANDS = PaymentRules(rounding=RoundingRule.BANDS_15)
UNITS = PaymentRules(rounding=RoundingRule.COMPLETE_UNITS)
PLANNED = PaymentRules(rounding=RoundingRule.PLANNED)


@pytest.mark.parametrize(
    ("rules", "actual_min", "planned", "approved", "paid", "reason", "unpaid_excess"),
    [
        # 10% short of 30 is 27: 27 pays planned, 26 pays 26.
        (DEFAULT, 27, 30, False, 30, "within_tolerance", 0),
        (DEFAULT, 26, 30, False, 26, "nearest_minute", 0),
        # 10% short of 45 is 40.5: the tolerance floor is 40 minutes.
        (DEFAULT, 40, 45, False, 45, "within_tolerance", 0),
        (DEFAULT, 39, 45, False, 39, "nearest_minute", 0),
        (DEFAULT, 30, 30, False, 30, "nearest_minute", 0),
        (DEFAULT, 35, 30, False, 30, "nearest_minute+capped_at_planned", 5),
        (DEFAULT, 35, 30, True, 35, "nearest_minute+excess_approved", 0),
        (PaymentRules(tolerance=Decimal(0)), 29, 30, False, 29, "nearest_minute", 0),
        # Bands: 50 of 60 is out of tolerance (floor 54) and falls in the 38-52 band.
        (BANDS, 50, 60, False, 45, "band_15", 0),
        (BANDS, 55, 60, False, 60, "within_tolerance", 0),
        (BANDS, 70, 60, False, 60, "band_15+capped_at_planned", 15),
        (UNITS, 44, 60, False, 30, "complete_units", 0),
        (PLANNED, 10, 30, False, 30, "planned_time", 0),
        (PLANNED, 90, 30, False, 30, "planned_time", 0),
    ],
)
def test_payable_minutes(
    rules: PaymentRules,
    actual_min: int,
    planned: int,
    approved: bool,
    paid: int,
    reason: str,
    unpaid_excess: int,
) -> None:
    decision = payable_minutes(actual_min * 60, planned, rules, excess_approved=approved)
    assert (decision.minutes, decision.reason, decision.unpaid_excess) == (paid, reason, unpaid_excess)


def test_rules_reject_a_tolerance_of_one() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        PaymentRules(tolerance=Decimal(1))
