"""Settling a calculation against the ledger: what was paid stays paid, and only differences move.

A period's lines are worked out afresh every time. Anything the ledger already holds is left out
or, if its figure has changed since, settled by the difference under a key of its own, so the
original line is never silently changed and nothing is paid twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from payments.domain.lines import ZERO, LineStatus, PaymentLine, make_line

ONE = Decimal(1)

# Keys a replay of earlier periods works out in full (every budget week, retainer week and
# contribution week of the replayed days), so one it no longer produces is no longer due.
RECOMPUTED_IN_FULL = frozenset({"budget", "budget-bank", "budget-excess", "retainer", "contribution"})


@dataclass(frozen=True)
class Paid:
    """What the ledger holds under one key (the original line and every adjustment of it)."""

    # Everything paid under the key, an officer's adjustments of the line included.
    amount: Decimal
    # What calculations paid under it: a recalculation giving this figure changes nothing, so an
    # officer's adjustment stands until the line itself changes.
    calculated: Decimal
    # The rule of the line first paid, without any prior-period label.
    rule: str
    service_date: date


@dataclass(frozen=True)
class Owner:
    """Whose lines are settled: what a recovery line needs when no line is produced any more."""

    package_id: uuid.UUID
    provider_id: uuid.UUID
    basis: str
    council_share: Decimal


def recomputed_in_full(key: str) -> bool:
    """True for a key a replay works out in full (see ``RECOMPUTED_IN_FULL``)."""
    return key.split(":", 1)[0] in RECOMPUTED_IN_FULL


def settle(
    lines: list[PaymentLine],
    paid: Mapping[str, Paid],
    period_start: date,
    owner: Owner,
    *,
    late_visits: frozenset[uuid.UUID] = frozenset(),
    replayed_from: date | None = None,
) -> list[PaymentLine]:
    """Settle freshly worked lines against the ledger for the period starting ``period_start``.

    - Not paid before: kept; dated before the period, it is labelled ``prior_period:``. A held or
      unpaid line dated before the period is kept only when it is news: it concerns a late visit,
      or it is a replayed week's amount now held. The rest were explained in their own period.
    - Paid before, same figure: left out. Changed figure: a ``prior_period_adjustment:`` line pays
      or recovers the difference from everything paid under the key. A visit paid before and now
      missed or cancelled (a rejected correction, a late cancellation) is recovered, as is a replayed
      week that is now not payable; a visit paid before and now held for review is left to an officer.
    - With ``replayed_from``, a replayed key paid on or after that day that is produced no more
      (care resumed earlier, a week no longer drawn from the bank) is recovered in full.
    """
    settled: list[PaymentLine] = []
    for line in lines:
        key = line.ledger_key
        before = line.service_date < period_start
        if key in paid:
            figure = line.amount if line.paid else (ZERO if _no_longer_due(line) else None)
            if figure is not None and figure != paid[key].calculated and figure != paid[key].amount:
                settled.append(_adjustment(line, paid[key], figure, period_start))
            continue
        if before and not line.paid and not _news(line, late_visits):
            continue
        settled.append(replace(line, rule=f"prior_period:{line.rule}") if before else line)
    if replayed_from is not None:
        produced = {line.ledger_key for line in lines}
        for key, was in sorted(paid.items()):
            if (
                key not in produced
                and recomputed_in_full(key)
                and replayed_from <= was.service_date < period_start
                and was.amount
            ):
                settled.append(_recovery(key, was, owner, period_start))
    return settled


def _no_longer_due(line: PaymentLine) -> bool:
    return recomputed_in_full(line.ledger_key) or (
        line.ledger_key.startswith("visit:") and line.status is LineStatus.NOT_PAYABLE
    )


def _news(line: PaymentLine, late_visits: frozenset[uuid.UUID]) -> bool:
    held_again = line.status is LineStatus.HELD and recomputed_in_full(line.ledger_key)
    return held_again or not late_visits.isdisjoint(line.visit_ids)


def _adjustment(line: PaymentLine, was: Paid, figure: Decimal, period_start: date) -> PaymentLine:
    return _settling(
        line.ledger_key,
        line.rule,
        period_start,
        package_id=line.package_id,
        provider_id=line.provider_id,
        basis=line.basis,
        service_date=line.service_date,
        amount=figure - was.amount,
        council_share=line.council_share,
        visit_ids=line.visit_ids,
        minutes=line.minutes,
        hourly_rate=line.hourly_rate,
        carers=line.carers,
        multiplier=line.multiplier,
        note=f"was {was.amount}, now {figure}" + (f" ({line.note})" if line.note else ""),
        event_ids=line.event_ids,
    )


def _recovery(key: str, was: Paid, owner: Owner, period_start: date) -> PaymentLine:
    return _settling(
        key,
        was.rule,
        period_start,
        package_id=owner.package_id,
        provider_id=owner.provider_id,
        basis=owner.basis,
        service_date=was.service_date,
        amount=-was.amount,
        # A contribution offsets the council's part only, as when it was deducted.
        council_share=ONE if key.startswith("contribution:") else owner.council_share,
        note=f"was {was.amount}, now no longer due",
    )


def _settling(key: str, rule: str, period_start: date, **line: Any) -> PaymentLine:
    """A line settling ``key`` in the period starting ``period_start``: one such key per period."""
    return make_line(
        ledger_key=f"{key}:adjusted:{period_start}",
        rule=f"prior_period_adjustment:{rule}",
        status=LineStatus.PAYABLE,
        **line,
    )
