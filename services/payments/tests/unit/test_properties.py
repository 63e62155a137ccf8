"""Properties over random packages and visits: totals, reruns, no visit paid twice, and whatever
arrives late ending up paid exactly as if it had arrived in time."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from payments.domain.lines import LineStatus, PaymentLine
from payments.domain.period import PackageResult, PackageState, Period, calculate_package, package_lines
from payments.domain.rules import PaymentRules, RoundingRule
from payments.domain.settlement import Paid
from payments.domain.suspensions import Suspension
from payments.domain.terms import Approvals, Basis, PackageTerms, PatternEntry, TermsChange, Visit, VisitOutcome
from payments.domain.totals import grand_total, provider_totals

from .builders import terms

FIRST = Period(date(2026, 11, 30), date(2026, 12, 27))
SECOND = Period(date(2026, 12, 28), date(2027, 1, 24))
DAYS = (SECOND.end - FIRST.start).days + 1

rates = st.decimals(min_value=Decimal("10.00"), max_value=Decimal("40.00"), places=2)
shares = st.decimals(min_value=Decimal(0), max_value=Decimal(1), places=3)
rules_strategy = st.builds(
    PaymentRules,
    rounding=st.sampled_from(list(RoundingRule)),
    tolerance=st.sampled_from([Decimal(0), Decimal("0.10"), Decimal("0.25")]),
)


@dataclass(frozen=True)
class Case:
    """A package, its visits, and what of it the first period did not know yet."""

    terms: PackageTerms
    visits: list[Visit]
    suspensions: tuple[Suspension, ...]
    # Known only after the first period was approved: visits, the suspension (or only its
    # resumption: the first period saw it open-ended), the amendment.
    late_visits: frozenset[uuid.UUID]
    late_suspension: str | None
    late_amendment: bool


# Whether a suspension became known late, in full or only its resumption (weighted to restatements).
LATE_SUSPENSION = [None, "suspension", "resumption", "resumption"]


def day(offset: int) -> date:
    return FIRST.start + timedelta(days=offset)


@st.composite
def cases(draw: st.DrawFn, max_visits: int = 25) -> Case:
    package_id = uuid.UUID(int=draw(st.integers(1, 2**64)))
    provider_id = uuid.UUID(int=draw(st.integers(1, 4)))
    basis = draw(st.sampled_from([Basis.TIME_AND_TASK, Basis.BUDGET]))
    amendment = draw(
        st.none()
        | st.builds(
            TermsChange,
            from_date=st.integers(1, DAYS - 1).map(day),
            pattern=st.just((PatternEntry(("mon", "thu"), 45, 2),)),
            weekly_budget=st.integers(40, 300).map(Decimal) if basis is Basis.BUDGET else st.none(),
        )
    )
    t = terms(
        basis=basis,
        rate=str(draw(rates)),
        council_share=str(draw(shares)),
        weekly_budget=str(draw(st.integers(50, 400))) if basis is Basis.BUDGET else None,
        contribution=draw(st.none() | st.tuples(st.sampled_from(["5.00", "12.34"]), st.sampled_from(["net", "gross"]))),
        pattern=(PatternEntry(("mon", "wed", "fri"), 30, 1),),
        start=date(2026, 11, 30),
        package_id=package_id,
        provider_id=provider_id,
        amendments=(amendment,) if amendment else (),
    )
    suspensions: tuple[Suspension, ...] = ()
    if draw(st.booleans()):
        # Mostly stays starting and ending within the first period: what a late resumption restates.
        start = draw(st.integers(0, 13) | st.integers(0, DAYS - 1))
        resumed = draw(st.integers(start, max(start, 27)) | st.none() | st.integers(start, DAYS + 7))
        reason = draw(st.sampled_from(["hospital_admission", "respite"]))
        suspensions = (Suspension(day(start), day(resumed) if resumed is not None else None, reason),)
    visits = []
    late = set()
    for _ in range(draw(st.integers(0, max_visits))):
        # Visits over both periods, some of them on Christmas and the other bank holidays.
        start = datetime(2026, 11, 30, 6, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, DAYS * 24 * 60 - 1)))
        planned = draw(st.sampled_from([15, 30, 45, 60]))
        carers = draw(st.sampled_from([1, 2]))
        outcome = draw(st.sampled_from(list(VisitOutcome)))
        completed = outcome is VisitOutcome.COMPLETED
        visit = Visit(
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
        visits.append(visit)
        if draw(st.booleans()):
            late.add(visit.visit_id)
    unique = list({v.visit_id: v for v in visits}.values())
    return Case(
        t,
        unique,
        suspensions,
        frozenset(late),
        late_suspension=draw(st.sampled_from([None, "suspension", "resumption", "resumption"]))
        if suspensions
        else None,
        late_amendment=amendment is not None and draw(st.booleans()),
    )


def in_period(visits: list[Visit], period: Period) -> list[Visit]:
    return [v for v in visits if period.contains(v.service_day())]


@settings(max_examples=100, deadline=None)
@given(cases(), rules_strategy)
def test_totals_equal_the_sum_of_lines(case: Case, rules: PaymentRules) -> None:
    state = PackageState(suspensions=case.suspensions)
    lines = package_lines(case.terms, in_period(case.visits, FIRST), FIRST, rules, Approvals(), state)
    totals = provider_totals(lines)
    assert sum((x.paid for x in totals), Decimal(0)) == grand_total(lines)
    assert sum((x.held for x in totals), Decimal(0)) == sum(
        (line.amount for line in lines if line.status is LineStatus.HELD), Decimal(0)
    )
    for line in lines:
        assert line.council_amount + line.nhs_amount == line.amount
        assert line.amount == line.amount.quantize(Decimal("0.01"))


@settings(max_examples=60, deadline=None)
@given(cases(), rules_strategy)
def test_recalculation_is_identical(case: Case, rules: PaymentRules) -> None:
    state = PackageState(suspensions=case.suspensions)
    visits = in_period(case.visits, FIRST)
    first = package_lines(case.terms, visits, FIRST, rules, Approvals(), state)
    # The same inputs in another order must give the same lines in the same order.
    again = package_lines(case.terms, list(reversed(visits)), FIRST, rules, Approvals(), state)
    assert repr(first) == repr(again)


class Ledger:
    """A stand-in for the ledger table: its primary key on the ledger key forbids paying twice."""

    def __init__(self) -> None:
        self.rows: dict[str, PaymentLine] = {}

    def pay(self, lines: list[PaymentLine]) -> None:
        for line in lines:
            if line.paid:
                assert line.ledger_key not in self.rows, f"paid twice: {line.ledger_key}"
                self.rows[line.ledger_key] = line

    def paid(self) -> dict[str, Paid]:
        """What the calculation loads from the ledger: totals per settled key."""
        by: dict[str, list[PaymentLine]] = defaultdict(list)
        for key, line in self.rows.items():
            by[key.split(":adjusted:")[0]].append(line)
        return {
            key: Paid(
                sum((x.amount for x in rows), Decimal(0)),
                sum((x.amount for x in rows), Decimal(0)),
                rows[0].rule.removeprefix("prior_period:"),
                rows[0].service_date,
            )
            for key, rows in by.items()
        }

    def total(self) -> Decimal:
        return sum((x.amount for x in self.rows.values()), Decimal(0))


def _known(case: Case, *, late_too: bool) -> tuple[PackageTerms, tuple[Suspension, ...]]:
    t = case.terms
    if late_too:
        return t, case.suspensions
    if case.late_amendment:
        t = PackageTerms(**{**t.__dict__, "amendments": ()})
    if case.late_suspension == "suspension":
        return t, ()
    if case.late_suspension == "resumption":
        return t, tuple(Suspension(s.start, None, s.reason) for s in case.suspensions)
    return t, case.suspensions


def _in_time(case: Case, rules: PaymentRules) -> Decimal:
    """Both periods paid as if everything had been known in time."""
    t, suspensions = _known(case, late_too=True)
    first = calculate_package(
        t, in_period(case.visits, FIRST), FIRST, rules, Approvals(), PackageState(suspensions=suspensions)
    )
    state = PackageState(suspensions=suspensions, opening_bank=first.closing_bank)
    second = calculate_package(t, in_period(case.visits, SECOND), SECOND, rules, Approvals(), state)
    return grand_total(first.lines) + grand_total(second.lines)


@settings(max_examples=100, deadline=None)
@given(cases(), rules_strategy)
def test_late_arrivals_are_paid_once_as_if_in_time(case: Case, rules: PaymentRules) -> None:
    """Visits, stays and amendments of the first period that arrive after its approval are settled
    in the second: no key is paid twice, and the two periods together pay what they would have
    paid had everything arrived in time (budgets and banks replayed, retainers and contributions
    restated)."""
    _paid_once_as_if_in_time(case, rules)


@settings(max_examples=100, deadline=None)
@given(cases(max_visits=3), rules_strategy)
def test_late_stays_and_amendments_are_restated(case: Case, rules: PaymentRules) -> None:
    """The same with few visits, so the suspensions and amendments vary more."""
    _paid_once_as_if_in_time(case, rules)


def _paid_once_as_if_in_time(case: Case, rules: PaymentRules) -> None:
    ledger = Ledger()
    t, suspensions = _known(case, late_too=False)
    on_time = [v for v in in_period(case.visits, FIRST) if v.visit_id not in case.late_visits]
    first: PackageResult = calculate_package(
        t, on_time, FIRST, rules, Approvals(), PackageState(suspensions=suspensions)
    )
    ledger.pay(first.lines)

    late = frozenset(v.visit_id for v in in_period(case.visits, FIRST) if v.visit_id in case.late_visits)
    # As the database decides: a late suspension or amendment, or a late visit of a budget, replays
    # the first period; otherwise the budget opens with the bank the first period left.
    replay = bool(case.late_suspension or case.late_amendment or (case.terms.basis is Basis.BUDGET and late))
    visits = in_period(case.visits, SECOND) + [
        v for v in in_period(case.visits, FIRST) if v.visit_id in late or (replay and case.terms.basis is Basis.BUDGET)
    ]
    state = PackageState(
        suspensions=case.suspensions,
        paid=ledger.paid(),
        replay=(FIRST,) if replay else (),
        opening_bank=() if replay else first.closing_bank,
        late_visits=late,
    )
    second = calculate_package(case.terms, visits, SECOND, rules, Approvals(), state)
    ledger.pay(second.lines)

    assert ledger.total() == _in_time(case, rules)
    originals = [line for key, line in ledger.rows.items() if key.startswith("visit:") and ":adjusted:" not in key]
    paid_visits = [vid for line in originals for vid in line.visit_ids]
    assert len(paid_visits) == len(set(paid_visits))
