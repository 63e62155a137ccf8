"""A payment line: one amount, the rule that produced it, and every input needed to explain it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from shared.money import round_pennies, split_by_shares

ZERO = Decimal("0.00")


class LineStatus(StrEnum):
    """Whether a line is paid this period."""

    PAYABLE = "payable"
    # Held for review (unverified visit, unapproved excess): paid only once approved.
    HELD = "held"
    # Explains why nothing is paid (a missed visit, a lapsed bank, retainer week 5).
    NOT_PAYABLE = "not_payable"


@dataclass(frozen=True)
class PaymentLine:
    """One line of a provider's payment.

    ``ledger_key`` names what is being paid (a visit, a retainer week, a budget week); the ledger's
    unique constraint on it is what makes paying the same thing twice impossible.
    """

    ledger_key: str
    rule: str
    package_id: uuid.UUID
    provider_id: uuid.UUID
    basis: str
    service_date: date
    status: LineStatus
    amount: Decimal
    council_amount: Decimal
    nhs_amount: Decimal
    visit_ids: tuple[uuid.UUID, ...] = ()
    minutes: int | None = None
    hourly_rate: Decimal | None = None
    carers: int | None = None
    multiplier: Decimal | None = None
    note: str = ""
    # The events behind the line: the visits' revisions, the award, amendments, suspensions, reviews.
    event_ids: tuple[uuid.UUID, ...] = ()
    # The council's share the amount was split by, so an adjustment of the line splits the same way.
    council_share: Decimal = Decimal(1)

    @property
    def paid(self) -> bool:
        """True when the line counts towards this period's payment."""
        return self.status is LineStatus.PAYABLE


def minutes_amount(minutes: int, hourly_rate: Decimal, carers: int, multiplier: Decimal) -> Decimal:
    """Minutes at an hourly rate for each carer, enhanced, rounded half-up to the penny once."""
    return round_pennies(Decimal(minutes) * hourly_rate * carers * multiplier / 60)


def split_funding(amount: Decimal, council_share: Decimal) -> tuple[Decimal, Decimal]:
    """Council and NHS parts of an amount: the council's rounded half-up, the NHS the remainder."""
    return split_by_shares(amount, council_share)


def make_line(
    *,
    ledger_key: str,
    rule: str,
    package_id: uuid.UUID,
    provider_id: uuid.UUID,
    basis: str,
    service_date: date,
    status: LineStatus,
    amount: Decimal,
    council_share: Decimal,
    visit_ids: tuple[uuid.UUID, ...] = (),
    minutes: int | None = None,
    hourly_rate: Decimal | None = None,
    carers: int | None = None,
    multiplier: Decimal | None = None,
    note: str = "",
    event_ids: tuple[uuid.UUID, ...] = (),
) -> PaymentLine:
    """Build a line whose funder parts add up to its amount to the penny."""
    council, nhs = split_funding(amount, council_share)
    return PaymentLine(
        ledger_key=ledger_key,
        rule=rule,
        package_id=package_id,
        provider_id=provider_id,
        basis=basis,
        service_date=service_date,
        status=status,
        amount=amount,
        council_amount=council,
        nhs_amount=nhs,
        visit_ids=visit_ids,
        minutes=minutes,
        hourly_rate=hourly_rate,
        carers=carers,
        multiplier=multiplier,
        note=note,
        event_ids=tuple(dict.fromkeys(event_ids)),
        council_share=council_share,
    )
