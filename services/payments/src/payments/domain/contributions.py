"""The person's contribution: deducted from a net package's payment, collected by the council if gross."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from shared.money import round_pennies

from payments.domain.lines import LineStatus, PaymentLine, make_line
from payments.domain.terms import PackageTerms


def contribution_lines(terms: PackageTerms, *, first_day: date, last_day: date) -> list[PaymentLine]:
    """One line per week (from ``first_day``) the package is active in the period.

    Net: the provider collects the contribution, so the council's payment is that much less (a
    negative council line). Gross: shown for the record but not deducted.
    """
    contribution = terms.contribution
    if contribution is None or contribution.weekly_amount == 0 or last_day < first_day:
        return []
    net = contribution.collection == "net"
    lines: list[PaymentLine] = []
    day = first_day
    while day <= last_day:
        days = min(7, (last_day - day).days + 1)
        amount = round_pennies(contribution.weekly_amount * days / 7)
        lines.append(
            make_line(
                ledger_key=f"contribution:{terms.package_id}:{day}",
                rule="client_contribution_net" if net else "client_contribution_gross",
                package_id=terms.package_id,
                provider_id=terms.provider_id,
                basis=terms.basis.value,
                service_date=day,
                status=LineStatus.PAYABLE if net else LineStatus.NOT_PAYABLE,
                amount=-amount if net else amount,
                # The contribution offsets the council's part only; the NHS never collects it.
                council_share=Decimal(1),
                note=f"{days}/7 of weekly {contribution.weekly_amount}"
                + ("; provider collects it" if net else "; council collects it"),
            )
        )
        day += timedelta(days=days)
    return lines
