"""Time and task: each visit paid on its minutes at the day's rate, per carer, with bank holidays."""

from __future__ import annotations

import uuid
from decimal import Decimal

from payments.domain.days import is_bank_holiday
from payments.domain.lines import ZERO, LineStatus, PaymentLine, make_line, minutes_amount
from payments.domain.minutes import payable_minutes
from payments.domain.rules import PaymentRules
from payments.domain.terms import Approvals, PackageTerms, Visit, VisitOutcome

ONE = Decimal(1)


def visit_events(visits: tuple[Visit, ...]) -> tuple[uuid.UUID, ...]:
    """The events of the visit revisions a line pays."""
    return tuple(v.event_id for v in visits if v.event_id is not None)


def visit_key(visit: Visit) -> str:
    """Ledger key of a visit: a visit is paid at most once, whatever period it lands in."""
    return f"visit:{visit.visit_id}"


def price_visit(visit: Visit, terms: PackageTerms, rules: PaymentRules, approvals: Approvals) -> PaymentLine:
    """One line for one visit under time and task."""
    day = visit.service_day()
    rate = terms.rates.rate_on(day)

    def line(
        rule: str,
        status: LineStatus,
        amount: Decimal,
        minutes: int,
        carers: int,
        multiplier: Decimal,
        note: str = "",
    ) -> PaymentLine:
        return make_line(
            ledger_key=visit_key(visit),
            rule=rule,
            package_id=terms.package_id,
            # The provider that delivered the visit: after a hand-back, late visits are still theirs.
            provider_id=visit.provider_id,
            basis=terms.basis.value,
            service_date=day,
            status=status,
            amount=amount,
            council_share=terms.council_share,
            visit_ids=(visit.visit_id,),
            minutes=minutes,
            hourly_rate=rate,
            carers=carers,
            multiplier=multiplier,
            note=note,
            event_ids=visit_events((visit,)),
        )

    if visit.outcome is not VisitOutcome.COMPLETED:
        # Missed and cancelled visits are shown, so the remittance explains the gap, but never paid.
        return line(f"{visit.outcome.value}_not_paid", LineStatus.NOT_PAYABLE, ZERO, 0, 0, ONE)
    multiplier = rules.bank_holiday_multiplier if is_bank_holiday(day) else ONE
    carers = max(1, min(visit.carers_attended, visit.carers_required))
    if visit.planned_minutes is None:
        minutes, reason, excess = visit.actual_seconds() // 60, "unplanned", 0
    else:
        decision = payable_minutes(
            visit.actual_seconds(),
            visit.planned_minutes,
            rules,
            excess_approved=visit.visit_id in approvals.excess_visits,
        )
        minutes, reason, excess = decision.minutes, decision.reason, decision.unpaid_excess
    amount = minutes_amount(minutes, rate, carers, multiplier)
    status = LineStatus.PAYABLE
    notes = []
    if multiplier != ONE:
        notes.append(f"bank holiday x{multiplier}")
    if excess:
        notes.append(f"{excess} min over planned not paid unless approved")
    if visit.planned_minutes is None and visit.visit_id not in approvals.unverified_visits:
        status = LineStatus.HELD
        notes.append("unplanned visit held for review")
    if not visit.verified and visit.visit_id not in approvals.unverified_visits:
        status = LineStatus.HELD
        notes.append("unverified visit held for review")
    return line(f"time_and_task:{reason}", status, amount, minutes, carers, multiplier, "; ".join(notes))
