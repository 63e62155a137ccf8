"""Budget-based ongoing support: budget, bank, lapse and exceptional excess."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from payments.domain.budget import BudgetResult, BudgetWeek, budget_period
from payments.domain.lines import LineStatus, PaymentLine
from payments.domain.period import PackageState, Period, calculate_package
from payments.domain.rules import PaymentRules
from payments.domain.settlement import Paid
from payments.domain.terms import Approvals, Basis, Visit

from .builders import PACKAGE, at, pence, terms, visit

START = date(2026, 11, 2)  # a Monday
# £100 a week at £20 an hour: every delivered hour is worth 2,000 pence.
TERMS = terms(basis=Basis.BUDGET, rate="20.00", weekly_budget="100.00", start=START)


def hours_in_week(week: int, hours: int) -> list[Visit]:
    """``hours`` one-hour visits in week ``week`` (1-based), on its Tuesday."""
    day = START + timedelta(weeks=week - 1, days=1)
    return [visit(at(day, 8 + h), 60, planned=None) for h in range(hours)]


def by_rule(lines: tuple[PaymentLine, ...], week: int) -> dict[str, tuple[LineStatus, int]]:
    monday = START + timedelta(weeks=week - 1)
    return {line.rule: (line.status, pence(line.amount)) for line in lines if line.service_date == monday}


def run(hours: list[int], rules: PaymentRules = PaymentRules(), approvals: Approvals = Approvals()) -> BudgetResult:
    visits = [v for i, h in enumerate(hours, start=1) for v in hours_in_week(i, h)]
    weeks = [BudgetWeek(START + timedelta(weeks=i), TERMS.weekly_budget or Decimal(0)) for i in range(len(hours))]
    return budget_period(TERMS, visits, weeks, rules, approvals)


def test_under_budget_pays_delivered_and_banks_the_rest() -> None:
    result = run([3])
    assert by_rule(result.lines, 1) == {
        "budget_week": (LineStatus.PAYABLE, 6000),
        "budget_banked": (LineStatus.NOT_PAYABLE, 4000),
    }
    assert [(b.week, pence(b.amount)) for b in result.closing_bank] == [(START, 4000)]


def test_bank_pays_later_weeks_then_excess_is_held() -> None:
    # week 1: 3h = 60 paid, 40 banked; week 2: 6h = 120 -> 100 + 20 from bank (20 left);
    # week 3: 7h = 140 -> 100 + 20 from bank + 20 excess held
    result = run([3, 6, 7])
    assert by_rule(result.lines, 2) == {
        "budget_week": (LineStatus.PAYABLE, 10000),
        "budget_bank_used": (LineStatus.PAYABLE, 2000),
    }
    assert by_rule(result.lines, 3) == {
        "budget_week": (LineStatus.PAYABLE, 10000),
        "budget_bank_used": (LineStatus.PAYABLE, 2000),
        "budget_exceptional_excess": (LineStatus.HELD, 2000),
    }
    assert result.closing_bank == ()


def test_exceptional_excess_is_paid_when_approved() -> None:
    result = run([7], approvals=Approvals(exceptional_packages=frozenset({PACKAGE})))
    assert by_rule(result.lines, 1)["budget_exceptional_excess"] == (LineStatus.PAYABLE, 4000)


def test_banked_time_lapses_after_the_window() -> None:
    # Default window 4 weeks: banked in week 1, usable in weeks 2-5, lapsed by week 6.
    within = run([0, 5, 5, 5, 7])
    assert by_rule(within.lines, 5)["budget_bank_used"] == (LineStatus.PAYABLE, 4000)
    lapsed = run([0, 5, 5, 5, 5, 7])
    assert by_rule(lapsed.lines, 6) == {
        "budget_bank_lapsed": (LineStatus.NOT_PAYABLE, 10000),
        "budget_week": (LineStatus.PAYABLE, 10000),
        "budget_exceptional_excess": (LineStatus.HELD, 4000),
    }


def test_a_shorter_window_lapses_sooner() -> None:
    result = run([3, 5, 6], rules=PaymentRules(banking_window_weeks=1))
    assert by_rule(result.lines, 3) == {
        "budget_bank_lapsed": (LineStatus.NOT_PAYABLE, 4000),
        "budget_week": (LineStatus.PAYABLE, 10000),
        "budget_exceptional_excess": (LineStatus.HELD, 2000),
    }


def test_unverified_visits_are_held_outside_the_budget() -> None:
    held = visit(at(START + timedelta(days=2)), 60, planned=None, verified=False)
    week = [BudgetWeek(START, Decimal("100.00"))]
    result = budget_period(TERMS, [*hours_in_week(1, 2), held], week, PaymentRules(), Approvals())
    visit_lines = [line for line in result.lines if line.visit_ids == (held.visit_id,)]
    assert [(line.status, pence(line.amount)) for line in visit_lines] == [(LineStatus.HELD, 2000)]
    assert by_rule(result.lines, 1)["budget_week"] == (LineStatus.PAYABLE, 4000)


def test_a_late_visit_is_settled_as_the_budget_and_bank_would_have_paid_it() -> None:
    # Period 1 (four weeks): 3, 5, 6 and 5 hours. Week 1 banks 40; week 3 draws 20 of it.
    first_period = Period(START, START + timedelta(days=27))
    on_time = [v for week, h in enumerate([3, 5, 6, 5], start=1) for v in hours_in_week(week, h)]
    first = calculate_package(TERMS, on_time, first_period, PaymentRules(), Approvals(), PackageState())
    paid = {x.ledger_key: Paid(x.amount, x.amount, x.rule, x.service_date) for x in first.lines if x.paid}
    # Two more hours of week 2 arrive after approval: the next period replays the first.
    late = [visit(at(START + timedelta(days=12), 8 + h), 60, planned=None) for h in range(2)]
    second_period = Period(START + timedelta(days=28), START + timedelta(days=55))
    state = PackageState(paid=paid, replay=(first_period,), late_visits=frozenset(v.visit_id for v in late))
    second = calculate_package(TERMS, on_time + late, second_period, PaymentRules(), Approvals(), state)
    before = [x for x in second.lines if x.service_date < second_period.start]
    prior = [(x.rule, x.service_date, x.status, pence(x.amount)) for x in before]
    assert prior == [
        # Week 2 delivered 140: in time, 40 would have come from week 1's bank.
        ("prior_period:budget_bank_used", START + timedelta(weeks=1), LineStatus.PAYABLE, 4000),
        # So week 3 found the bank empty: its 20 is recovered and its excess held instead.
        ("prior_period_adjustment:budget_bank_used", START + timedelta(weeks=2), LineStatus.PAYABLE, -2000),
        ("prior_period:budget_exceptional_excess", START + timedelta(weeks=2), LineStatus.HELD, 2000),
    ]
    # The second period opens with the bank as restated: nothing left from the first.
    assert second.banks[0] == (first_period.end, ())
