"""Hospital retainer: the council's share of the planned weekly cost, for up to the council's weeks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from shared.money import round_pennies

from payments.domain.lines import LineStatus, PaymentLine, make_line
from payments.domain.rules import PaymentRules
from payments.domain.suspensions import Suspension
from payments.domain.terms import PackageTerms


def planned_weekly_cost(terms: PackageTerms, on: date) -> Decimal:
    """The pattern's carer minutes a week at the rate, both as in force on ``on``, unrounded."""
    return Decimal(terms.planned_weekly_carer_minutes(on)) * terms.rates.rate_on(on) / 60


def retainer_lines(
    terms: PackageTerms,
    rules: PaymentRules,
    stay: Suspension,
    *,
    period_start: date,
    period_end: date,
) -> list[PaymentLine]:
    """One line per retainer week (or part of one) of a hospital stay falling in the period.

    Weeks count from the admission. A part week (the period or the stay ends inside it, or the
    pattern or rate changes inside it) pays its days in sevenths at the terms in force on those
    days. Weeks after the council's maximum are shown but not paid.
    """
    first = max(stay.start, period_start)
    last = min(period_end, (stay.resumed - timedelta(days=1)) if stay.resumed else period_end)
    changes = sorted(d for d in terms.change_days() if first < d <= last)
    lines: list[PaymentLine] = []
    day = first
    while day <= last:
        week_no = stay.week_no(day)
        week_begins = stay.start + timedelta(weeks=week_no - 1)
        next_change = next((d for d in changes if d > day), None)
        chunk_end = min(last, week_begins + timedelta(days=6))
        if next_change is not None:
            chunk_end = min(chunk_end, next_change - timedelta(days=1))
        days = (chunk_end - day).days + 1
        amount = round_pennies(planned_weekly_cost(terms, day) * rules.retainer_share * days / 7)
        paid = week_no <= rules.retainer_max_weeks
        lines.append(
            make_line(
                ledger_key=f"retainer:{terms.package_id}:{day}",
                rule="retainer" if paid else "retainer_expired",
                package_id=terms.package_id,
                provider_id=terms.provider_id,
                basis=terms.basis.value,
                service_date=day,
                status=LineStatus.PAYABLE if paid else LineStatus.NOT_PAYABLE,
                amount=amount,
                council_share=terms.council_share,
                minutes=terms.planned_weekly_carer_minutes(day),
                hourly_rate=terms.rates.rate_on(day),
                multiplier=rules.retainer_share,
                note=f"hospital week {week_no}, {days}/7 days"
                + ("" if paid else f"; beyond {rules.retainer_max_weeks} weeks: not paid"),
                event_ids=stay.event_ids + terms.events_on(day),
            )
        )
        day = chunk_end + timedelta(days=1)
    return lines
