"""Exact arithmetic for KPI figures: Decimal shares and rates, never float."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

SHARE_PLACES = Decimal("0.0001")
RATE_PLACES = Decimal("0.01")


def share(part: int, whole: int) -> Decimal | None:
    """``part / whole`` to four places (0.9123 is 91.23%); None when there is nothing to measure."""
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def per_thousand(count: int, whole: int) -> Decimal | None:
    """``count`` per 1,000 of ``whole`` to two places; None when ``whole`` is zero."""
    if whole == 0:
        return None
    return (Decimal(count) * 1000 / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def median(values: Sequence[int | Decimal]) -> Decimal | None:
    """The median (mean of the middle two for an even count) to two places; None when empty."""
    if not values:
        return None
    ordered = sorted(Decimal(v) for v in values)
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return value.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def mean(values: Sequence[int | Decimal]) -> Decimal | None:
    """The arithmetic mean to two places; None when empty."""
    if not values:
        return None
    total = sum((Decimal(v) for v in values), Decimal(0))
    return (total / len(values)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
