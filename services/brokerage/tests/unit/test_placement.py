"""Award terms: the rates a placement is paid at."""

from datetime import date
from decimal import Decimal

import pytest
from brokerage.domain.placement import NoRateError, award_terms
from brokerage.domain.rates import Rate
from brokerage.domain.rules import CouncilRules

RATES = [
    Rate("enablement", date(2026, 4, 6), Decimal("25.10")),
    Rate("ongoing_support", date(2026, 4, 6), Decimal("22.86")),
    Rate("ongoing_support", date(2027, 4, 5), Decimal("23.70")),
]
CORNWALL = CouncilRules(award_rule="lowest_ongoing_rate", enablement_weeks=6)
LEEDS = CouncilRules(award_rule="fixed_price_quality")


def test_enablement_pays_the_zone_rate_and_keeps_the_bid_for_after() -> None:
    terms = award_terms("enablement", date(2026, 12, 1), RATES, Decimal("21.40"), CORNWALL)
    assert terms.hourly_rate == Decimal("25.10")
    assert terms.ongoing_hourly_rate == Decimal("21.40")
    assert terms.enablement_weeks == 6
    assert terms.rates == [RATES[0]]


def test_enablement_without_a_bid_falls_back_to_the_zone_ongoing_rate() -> None:
    terms = award_terms("enablement", date(2026, 12, 1), RATES, None, LEEDS)
    assert terms.ongoing_hourly_rate == Decimal("22.86")


def test_ongoing_support_at_the_zone_rate_carries_the_april_uplift() -> None:
    terms = award_terms("ongoing_support", date(2026, 12, 1), RATES, None, LEEDS)
    assert terms.hourly_rate == Decimal("22.86")
    assert terms.rates == RATES[1:]
    assert (terms.ongoing_hourly_rate, terms.enablement_weeks) == (None, None)


def test_ongoing_support_bid_replaces_the_zone_rate() -> None:
    terms = award_terms("ongoing_support", date(2026, 12, 1), RATES, Decimal("20.95"), CORNWALL)
    assert terms.hourly_rate == Decimal("20.95")
    assert [(r.from_date, r.hourly_rate) for r in terms.rates] == [(date(2026, 12, 1), Decimal("20.95"))]


@pytest.mark.parametrize("service_type", ["enablement", "ongoing_support"])
def test_no_rate_on_the_start_date(service_type: str) -> None:
    with pytest.raises(NoRateError):
        award_terms(service_type, date(2026, 1, 1), RATES, None, LEEDS)  # type: ignore[arg-type]
