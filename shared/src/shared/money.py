"""Money as Decimal pounds, rounded half-up to the penny once per line."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import PlainSerializer

PENNY = Decimal("0.01")

# A pydantic type that keeps Decimal in Python and writes "12.34" in JSON.
Money = Annotated[Decimal, PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json")]


def round_pennies(amount: Decimal) -> Decimal:
    """Round to the penny, half-up, as councils' finance systems do."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def to_pence(amount: Decimal) -> int:
    """Pounds to integer pence (rounded half-up)."""
    return int(round_pennies(amount) * 100)


def from_pence(pence: int) -> Decimal:
    """Integer pence to Decimal pounds."""
    return (Decimal(pence) / 100).quantize(PENNY)


def split_by_shares(amount: Decimal, first_share: Decimal) -> tuple[Decimal, Decimal]:
    """Split a penny amount in two so that the parts add up exactly.

    The first part is rounded half-up; the second is the remainder, so no penny is lost or made.
    """
    first = round_pennies(amount * first_share)
    return first, amount - first
