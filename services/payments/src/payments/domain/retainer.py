"""Hospital retainer: the council's share of the planned weekly cost, for up to the council's weeks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from shared.money import round_pennies

from payments.domain.lines import LineStatus, PaymentLine, make_line
from payments.domain.rules import PaymentRules
from payments.domain.terms import PackageTerms


def planned_weekly_cost(terms: PackageTerms, on: date) -> Decimal:
    """The pattern's carer minutes a week at the rate on ``on``, unrounded."""
    return Decimal(terms.planned_weekly_carer_minutes()) * terms.rates.rate_on(on) / 60


def retainer_lines(
    terms: PackageTerms,
    rules: PaymentRules,
    *,
    admitted: date,
    resumed: date | None,
    period_start: date,
    period_end: date,
) -> list[PaymentLine]:
    """One line per retainer week (or part of one) of a hospital stay falling in the period.

    Weeks count from the admission; a part week (the period or the stay ends inside it) pays its
    days in sevenths. Weeks after the council's maximum are shown but not paid.
    """
    first = max(admitted, period_start)
    last = min(period_end, (resumed - timedelta(days=1)) if resumed else period_end)
    lines: list[PaymentLine] = []
    day = first
    while day <= last:
        week_no = (day - admitted).days // 7 + 1
        week_begins = admitted + timedelta(weeks=week_no - 1)
        chunk_end = min(last, week_begins + timedelta(days=6))
        days = (chunk_end - day).days + 1
        weekly = planned_weekly_cost(terms, week_begins) * rules.retainer_share
        amount = round_pennies(weekly * days / 7)
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
                minutes=terms.planned_weekly_carer_minutes(),
                hourly_rate=terms.rates.rate_on(week_begins),
                multiplier=rules.retainer_share,
                note=f"hospital week {week_no}, {days}/7 days"
                + ("" if paid else f"; beyond {rules.retainer_max_weeks} weeks: not paid"),
            )
        )
        day = chunk_end + timedelta(days=1)
    return lines
