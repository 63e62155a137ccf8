"""The person's contribution: deducted from a net package's payment, collected by the council if gross."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from shared.money import round_pennies

from payments.domain.lines import ZERO, LineStatus, PaymentLine, make_line
from payments.domain.rules import HospitalContribution, PaymentRules
from payments.domain.suspensions import Suspension, suspended_on
from payments.domain.terms import PackageTerms

ONE_WEEK = 7
ONE = Decimal(1)


def waived_by(day: date, suspensions: Sequence[Suspension], rules: PaymentRules) -> Suspension | None:
    """The suspension that means no contribution is charged on ``day``, if any.

    No care is delivered while care is suspended, so nothing is charged: during respite or another
    pause always; in hospital too, unless the council charges while it pays a retainer, in which
    case only the days after the retainer's last week go uncharged.
    """
    suspension = suspended_on(suspensions, day)
    if suspension is None:
        return None
    retained = suspension.week_no(day) <= rules.retainer_max_weeks
    if suspension.hospital and rules.hospital_contribution is HospitalContribution.CHARGED_WHILE_RETAINED and retained:
        return None
    return suspension


def contribution_lines(
    terms: PackageTerms,
    rules: PaymentRules,
    *,
    first_day: date,
    last_day: date,
    suspensions: Sequence[Suspension] = (),
) -> list[PaymentLine]:
    """One line per week (counted from ``first_day``) the package is active in the period.

    Net: the provider collects the contribution, so the council's payment is that much less (a
    negative council line). Gross: shown for the record but not deducted. A week is charged for
    the days it is not waived (see :func:`waived_by`), in sevenths; a week waived in full shows a
    line of nothing, so the remittance says why.
    """
    contribution = terms.contribution
    if contribution is None or contribution.weekly_amount == 0 or last_day < first_day:
        return []
    net = contribution.collection == "net"
    lines: list[PaymentLine] = []
    day = first_day
    while day <= last_day:
        days = min(ONE_WEEK, (last_day - day).days + 1)
        span = [day + timedelta(days=i) for i in range(days)] if suspensions else []
        waivers = [w for d in span if (w := waived_by(d, suspensions, rules))]
        charged = days - len(waivers)
        amount = round_pennies(contribution.weekly_amount * charged / ONE_WEEK)
        note = f"{charged}/7 of weekly {contribution.weekly_amount}"
        if waivers:
            reasons = ", ".join(sorted({w.reason for w in waivers}))
            note += f"; {len(waivers)} days suspended ({reasons}) not charged"
        note += "; provider collects it" if net else "; council collects it"
        if charged == 0:
            rule, status, amount = "client_contribution_waived", LineStatus.NOT_PAYABLE, ZERO
        elif net:
            rule, status, amount = "client_contribution_net", LineStatus.PAYABLE, -amount
        else:
            rule, status = "client_contribution_gross", LineStatus.NOT_PAYABLE
        lines.append(
            make_line(
                ledger_key=f"contribution:{terms.package_id}:{day}",
                rule=rule,
                package_id=terms.package_id,
                provider_id=terms.provider_id,
                basis=terms.basis.value,
                service_date=day,
                status=status,
                amount=amount,
                # The contribution offsets the council's part only; the NHS never collects it.
                council_share=ONE,
                note=note,
                event_ids=terms.events_on(day) + tuple(e for w in waivers for e in w.event_ids),
            )
        )
        day += timedelta(days=days)
    return lines
