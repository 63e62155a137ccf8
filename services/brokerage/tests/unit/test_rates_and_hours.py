"""Rates by service type and effective date; carer hours of a visit pattern."""

from datetime import date
from decimal import Decimal

import pytest
from brokerage.domain.hours import weekly_carer_hours
from brokerage.domain.rates import Rate, rate_on, rates_from
from shared.contracts.common import VisitPatternEntry

RATES = [
    Rate("ongoing_support", date(2025, 4, 1), Decimal("21.50")),
    Rate("ongoing_support", date(2026, 4, 6), Decimal("22.86")),
    Rate("enablement", date(2025, 4, 1), Decimal("24.00")),
]


@pytest.mark.parametrize(
    ("service_type", "day", "rate"),
    [
        ("ongoing_support", date(2025, 3, 31), None),  # before the first rate
        ("ongoing_support", date(2025, 4, 1), Decimal("21.50")),  # from its first day
        ("ongoing_support", date(2026, 4, 5), Decimal("21.50")),
        ("ongoing_support", date(2026, 4, 6), Decimal("22.86")),  # the April uplift
        ("enablement", date(2027, 1, 1), Decimal("24.00")),
    ],
)
def test_rate_on(service_type: str, day: date, rate: Decimal | None) -> None:
    assert rate_on(RATES, service_type, day) == rate  # type: ignore[arg-type]


def test_rates_from_gives_the_rate_in_force_and_later_changes() -> None:
    assert rates_from(reversed(RATES), "ongoing_support", date(2025, 6, 1)) == RATES[:2]
    assert rates_from(RATES, "ongoing_support", date(2026, 5, 1)) == [RATES[1]]
    assert rates_from(RATES, "ongoing_support", date(2024, 5, 1)) == RATES[:2]


@pytest.mark.parametrize(
    ("pattern", "hours"),
    [
        # 120 minutes every day: 840 minutes = 14 hours
        (
            [
                {
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "start": "08:00",
                    "duration_minutes": 120,
                }
            ],
            Decimal("14.00"),
        ),
        # double-handed 45 minutes, mon-fri: 45*5*2 = 450 min = 7.5 h
        (
            [
                {
                    "days": ["mon", "tue", "wed", "thu", "fri"],
                    "start": "07:30",
                    "duration_minutes": 45,
                    "carers": 2,
                }
            ],
            Decimal("7.50"),
        ),
        # 20 min mon/wed + 40 min sat double: 40 + 80 = 120 min = 2 h
        (
            [
                {"days": ["mon", "wed"], "start": "12:00", "duration_minutes": 20},
                {"days": ["sat"], "start": "18:00", "duration_minutes": 40, "carers": 2},
            ],
            Decimal("2.00"),
        ),
        ([], Decimal("0.00")),
    ],
)
def test_weekly_carer_hours(pattern: list[dict[str, object]], hours: Decimal) -> None:
    entries = [VisitPatternEntry.model_validate(e) for e in pattern]
    assert weekly_carer_hours(entries) == hours
