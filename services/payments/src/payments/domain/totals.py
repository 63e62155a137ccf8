"""Totals: always the sum of the lines they summarise, never computed another way."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from payments.domain.lines import ZERO, LineStatus, PaymentLine


@dataclass(frozen=True)
class ProviderTotal:
    """What one funder pays one provider, and what is held back for review."""

    provider_id: uuid.UUID
    funder: str
    basis: str
    paid: Decimal
    held: Decimal


def provider_totals(lines: Iterable[PaymentLine]) -> list[ProviderTotal]:
    """Totals by provider, funder and basis, sorted for stable output."""
    paid: dict[tuple[uuid.UUID, str, str], Decimal] = defaultdict(lambda: ZERO)
    held: dict[tuple[uuid.UUID, str, str], Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        if line.status is LineStatus.NOT_PAYABLE:
            continue
        target = paid if line.status is LineStatus.PAYABLE else held
        for funder, part in (("council", line.council_amount), ("nhs", line.nhs_amount)):
            target[(line.provider_id, funder, line.basis)] += part
    keys = sorted(set(paid) | set(held), key=lambda k: (str(k[0]), k[1], k[2]))
    return [ProviderTotal(k[0], k[1], k[2], paid[k], held[k]) for k in keys if paid[k] or held[k]]


def grand_total(lines: Iterable[PaymentLine]) -> Decimal:
    """The period's payable amount."""
    return sum((line.amount for line in lines if line.status is LineStatus.PAYABLE), ZERO)
