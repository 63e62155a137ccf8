"""Properties over random packages and visits: totals, reruns, and no visit paid twice."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from payments.domain.lines import LineStatus, PaymentLine
from payments.domain.period import PackageState, Period, package_lines
from payments.domain.rules import PaymentRules, RoundingRule
from payments.domain.terms import Approvals, Basis, PackageTerms, Visit, VisitOutcome
from payments.domain.totals import grand_total, provider_totals

from .builders import terms

FIRST = Period(date(2026, 11, 30), date(2026, 12, 27))
SECOND = Period(date(2026, 12, 28), date(2027, 1, 24))

rates = st.decimals(min_value=Decimal("10.00"), max_value=Decimal("40.00"), places=2)
shares = st.decimals(min_value=Decimal(0), max_value=Decimal(1), places=3)
rules_strategy = st.builds(
    PaymentRules,
    rounding=st.sampled_from(list(RoundingRule)),
    tolerance=st.sampled_from([Decimal(0), Decimal("0.10"), Decimal("0.25")]),
)


@st.composite
def package_and_visits(draw: st.DrawFn) -> tuple[PackageTerms, list[Visit]]:
    package_id = uuid.UUID(int=draw(st.integers(1, 2**64)))
    provider_id = uuid.UUID(int=draw(st.integers(1, 4)))
    basis = draw(st.sampled_from([Basis.TIME_AND_TASK, Basis.BUDGET]))
    t = terms(
        basis=basis,
        rate=str(draw(rates)),
        council_share=str(draw(shares)),
        weekly_budget=str(draw(st.integers(50, 400))) if basis is Basis.BUDGET else None,
        contribution=draw(st.none() | st.tuples(st.sampled_from(["5.00", "12.34"]), st.sampled_from(["net", "gross"]))),
        start=date(2026, 11, 30),
        package_id=package_id,
        provider_id=provider_id,
    )
    visits = []
    for _ in range(draw(st.integers(0, 25))):
        # Visits over both periods, some of them on Christmas and the other bank holidays.
        start = datetime(2026, 11, 30, 6, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 56 * 24 * 60 - 1)))
        planned = draw(st.sampled_from([15, 30, 45, 60]))
        carers = draw(st.sampled_from([1, 2]))
        outcome = draw(st.sampled_from(list(VisitOutcome)))
        completed = outcome is VisitOutcome.COMPLETED
        visits.append(
            Visit(
                visit_id=uuid.UUID(int=draw(st.integers(1, 2**64))),
                package_id=package_id,
                provider_id=provider_id,
                outcome=outcome,
                planned_start=start,
                planned_minutes=planned,
                actual_start=start if completed else None,
                actual_end=start + timedelta(seconds=draw(st.integers(0, 2 * planned * 60))) if completed else None,
                carers_required=carers,
                carers_attended=draw(st.integers(1, carers)),
                verified=draw(st.booleans()),
            )
        )
    unique = {v.visit_id: v for v in visits}
    return t, list(unique.values())


def in_period(visits: list[Visit], period: Period) -> list[Visit]:
    return [v for v in visits if v.anchor().date() <= period.end]


@settings(max_examples=150, deadline=None)
@given(package_and_visits(), rules_strategy)
def test_totals_equal_the_sum_of_lines(case: tuple[PackageTerms, list[Visit]], rules: PaymentRules) -> None:
    t, visits = case
    lines = package_lines(t, in_period(visits, FIRST), FIRST, rules, Approvals(), PackageState())
    totals = provider_totals(lines)
    assert sum((x.paid for x in totals), Decimal(0)) == grand_total(lines)
    assert sum((x.held for x in totals), Decimal(0)) == sum(
        (line.amount for line in lines if line.status is LineStatus.HELD), Decimal(0)
    )
    for line in lines:
        assert line.council_amount + line.nhs_amount == line.amount
        assert line.amount == line.amount.quantize(Decimal("0.01"))


@settings(max_examples=100, deadline=None)
@given(package_and_visits(), rules_strategy)
def test_recalculation_is_identical(case: tuple[PackageTerms, list[Visit]], rules: PaymentRules) -> None:
    t, visits = case
    first = package_lines(t, in_period(visits, FIRST), FIRST, rules, Approvals(), PackageState())
    # The same inputs in another order must give the same lines in the same order.
    again = package_lines(t, list(reversed(in_period(visits, FIRST))), FIRST, rules, Approvals(), PackageState())
    assert repr(first) == repr(again)


class Ledger:
    """A stand-in for the ledger table's unique constraint on the ledger key."""

    def __init__(self) -> None:
        self.paid: dict[str, Decimal] = {}

    def pay(self, lines: list[PaymentLine]) -> None:
        for line in lines:
            if line.status is LineStatus.PAYABLE:
                assert line.ledger_key not in self.paid, f"paid twice: {line.ledger_key}"
                self.paid[line.ledger_key] = line.amount


@settings(max_examples=100, deadline=None)
@given(package_and_visits(), rules_strategy)
def test_no_visit_is_paid_twice_across_periods(case: tuple[PackageTerms, list[Visit]], rules: PaymentRules) -> None:
    t, visits = case
    ledger = Ledger()
    first = package_lines(t, in_period(visits, FIRST), FIRST, rules, Approvals(), PackageState())
    ledger.pay(first)
    # The second period is given every visit again, as a late-arriving stream would.
    second = package_lines(
        t, in_period(visits, SECOND), SECOND, rules, Approvals(), PackageState(paid=dict(ledger.paid))
    )
    ledger.pay(second)
    if t.basis is Basis.TIME_AND_TASK:
        paid_visits = [vid for line in [*first, *second] if line.status is LineStatus.PAYABLE for vid in line.visit_ids]
        assert len(paid_visits) == len(set(paid_visits))
