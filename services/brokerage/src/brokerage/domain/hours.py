"""Carer hours of a visit pattern."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from shared.contracts.common import VisitPatternEntry


def weekly_carer_hours(pattern: Iterable[VisitPatternEntry]) -> Decimal:
    """Carer hours a week: a double-handed visit counts twice, as each carer is paid."""
    minutes = sum(entry.duration_minutes * len(set(entry.days)) * entry.carers for entry in pattern)
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))
