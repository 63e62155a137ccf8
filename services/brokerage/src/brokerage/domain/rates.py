"""Hourly rates by pricing level, service type and the date each rate applies from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.contracts.common import ServiceType


@dataclass(frozen=True, slots=True)
class Rate:
    """One hourly rate of a pricing level, applying from ``from_date`` until the next one."""

    service_type: ServiceType
    from_date: date
    hourly_rate: Decimal


def rate_on(rates: Iterable[Rate], service_type: ServiceType, day: date) -> Decimal | None:
    """The rate in force on ``day``: the latest that started on or before it; None before the first."""
    in_force = [r for r in rates if r.service_type == service_type and r.from_date <= day]
    if not in_force:
        return None
    return max(in_force, key=lambda r: r.from_date).hourly_rate


def rates_from(rates: Iterable[Rate], service_type: ServiceType, start: date) -> list[Rate]:
    """The rate in force on ``start`` and every later change, oldest first.

    Payments needs the whole schedule because a package outlives an April uplift.
    """
    of_type = sorted((r for r in rates if r.service_type == service_type), key=lambda r: r.from_date)
    current = [r for r in of_type if r.from_date <= start][-1:]
    return current + [r for r in of_type if r.from_date > start]
