"""The terms a package is placed on: the rates payments will pay."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.contracts.common import ServiceType

from brokerage.domain.rates import Rate, rate_on, rates_from
from brokerage.domain.rules import CouncilRules


class NoRateError(LookupError):
    """The zone's pricing level has no rate for the service type on the start date."""


@dataclass(frozen=True, slots=True)
class AwardTerms:
    """The hourly rate and its schedule, the ongoing rate after enablement, and enablement's length."""

    hourly_rate: Decimal
    rates: list[Rate]
    ongoing_hourly_rate: Decimal | None
    enablement_weeks: int | None


def award_terms(
    service_type: ServiceType,
    start_date: date,
    zone_rates: Sequence[Rate],
    bid: Decimal | None,
    rules: CouncilRules,
) -> AwardTerms:
    """Price a placement.

    Enablement is paid at the zone's enablement rate; a bid, where the rule asks for one, is the
    rate for ongoing support after the enablement weeks (Cornwall). For ongoing support the bid,
    if any, replaces the zone's rate for the life of the package; otherwise the zone's schedule
    applies, April uplifts included.
    """
    zone_rate = rate_on(zone_rates, service_type, start_date)
    if service_type == "enablement":
        if zone_rate is None:
            raise NoRateError(f"no enablement rate on {start_date.isoformat()}")
        ongoing = bid if bid is not None else rate_on(zone_rates, "ongoing_support", start_date)
        return AwardTerms(
            hourly_rate=zone_rate,
            rates=rates_from(zone_rates, service_type, start_date),
            ongoing_hourly_rate=ongoing,
            enablement_weeks=rules.enablement_weeks,
        )
    if bid is not None:
        return AwardTerms(bid, [Rate(service_type, start_date, bid)], None, None)
    if zone_rate is None:
        raise NoRateError(f"no ongoing_support rate on {start_date.isoformat()}")
    return AwardTerms(zone_rate, rates_from(zone_rates, service_type, start_date), None, None)
