"""Enablement: the whole budget when every enabling outcome is met, else delivered visits capped."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from payments.domain.lines import ZERO, LineStatus, PaymentLine, make_line
from payments.domain.rules import PaymentRules
from payments.domain.terms import Approvals, PackageTerms, Visit, VisitOutcome
from payments.domain.time_and_task import price_visit, visit_events


def enablement_lines(
    terms: PackageTerms,
    visits: list[Visit],
    rules: PaymentRules,
    approvals: Approvals,
    *,
    all_met: bool | None,
    paid_before: Decimal,
    review_date: date | None = None,
    review_events: tuple[uuid.UUID, ...] = (),
) -> list[PaymentLine]:
    """Lines for an enablement package's visits in the enablement weeks.

    Until the review (``all_met`` None) or when it finds outcomes unmet, visits are paid as
    delivered at the zone rate but never beyond the budget (``paid_before`` counts earlier periods);
    the rest is held as exceptional unless approved. When the review finds every outcome met, one
    line tops the payment up to the whole budget whatever time was delivered.
    """
    if terms.enablement_budget is None:
        raise ValueError(f"enablement package {terms.package_id} has no budget")
    budget = terms.enablement_budget
    if all_met:
        service_date = review_date or terms.start_date
        covered = tuple(v.visit_id for v in visits)
        top_up = max(ZERO, budget - paid_before)
        return [
            make_line(
                ledger_key=f"enablement-outcomes:{terms.package_id}",
                rule="enablement_outcomes_met",
                package_id=terms.package_id,
                provider_id=terms.provider_id,
                basis=terms.basis.value,
                service_date=service_date,
                status=LineStatus.PAYABLE,
                amount=top_up,
                council_share=terms.council_share,
                visit_ids=covered,
                note=f"whole budget {budget}; {paid_before} paid before for delivered visits",
                event_ids=review_events + visit_events(tuple(visits)) + terms.events_on(service_date),
            )
        ]
    room = max(ZERO, budget - paid_before)
    exceptional = terms.package_id in approvals.exceptional_packages
    lines: list[PaymentLine] = []
    for visit in sorted(visits, key=lambda v: (v.anchor(), str(v.visit_id))):
        line = price_visit(visit, terms, rules, approvals)
        if line.status is not LineStatus.PAYABLE or visit.outcome is not VisitOutcome.COMPLETED:
            lines.append(line)
            continue
        if line.amount <= room:
            room -= line.amount
            lines.append(_relabel(line, terms, "enablement_delivered", LineStatus.PAYABLE, line.amount, line.note))
            continue
        if exceptional:
            room = ZERO
            lines.append(
                _relabel(
                    line,
                    terms,
                    "enablement_exceptional",
                    LineStatus.PAYABLE,
                    line.amount,
                    "over the budget: exceptional circumstances approved",
                )
            )
            continue
        if room > 0:
            lines.append(
                _relabel(
                    line,
                    terms,
                    "enablement_capped_at_budget",
                    LineStatus.PAYABLE,
                    room,
                    f"{line.amount - room} over the budget of {budget} not paid",
                )
            )
            room = ZERO
            continue
        lines.append(
            _relabel(
                line,
                terms,
                "enablement_over_budget",
                LineStatus.HELD,
                line.amount,
                "over the enablement budget: held unless exceptional circumstances approved",
            )
        )
    return lines


def _relabel(
    line: PaymentLine, terms: PackageTerms, rule: str, status: LineStatus, amount: Decimal, note: str
) -> PaymentLine:
    return make_line(
        ledger_key=line.ledger_key,
        rule=rule,
        package_id=line.package_id,
        provider_id=line.provider_id,
        basis=line.basis,
        service_date=line.service_date,
        status=status,
        amount=amount,
        council_share=terms.council_share,
        visit_ids=line.visit_ids,
        minutes=line.minutes,
        hourly_rate=line.hourly_rate,
        carers=line.carers,
        multiplier=line.multiplier,
        note=note,
        event_ids=line.event_ids,
    )
