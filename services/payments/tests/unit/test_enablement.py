"""Enablement: both review outcomes, the cap at the budget and exceptional approval."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from payments.domain.enablement import enablement_lines
from payments.domain.lines import LineStatus, PaymentLine
from payments.domain.rules import PaymentRules
from payments.domain.terms import Approvals, Basis, Visit

from .builders import PACKAGE, at, pence, terms, visit

START = date(2026, 11, 2)


def one_hour_visits(n: int) -> list[Visit]:
    """``n`` one-hour visits, one a day from the start (each worth £20 at the zone rate)."""
    return [visit(at(START + timedelta(days=i)), 60, planned=60) for i in range(n)]


def paid(lines: list[PaymentLine]) -> int:
    return sum(pence(line.amount) for line in lines if line.status is LineStatus.PAYABLE)


def lines_for(
    n: int, budget: str, *, all_met: bool | None, paid_before: str = "0", approvals: Approvals = Approvals()
) -> list[PaymentLine]:
    t = terms(basis=Basis.ENABLEMENT_OUTCOMES, rate="20.00", enablement_budget=budget, start=START)
    return enablement_lines(
        t, one_hour_visits(n), PaymentRules(), approvals, all_met=all_met, paid_before=Decimal(paid_before)
    )


def test_all_outcomes_met_pays_the_whole_budget_whatever_was_delivered() -> None:
    lines = lines_for(10, "600.00", all_met=True)
    assert [(line.rule, pence(line.amount)) for line in lines] == [("enablement_outcomes_met", 60000)]
    assert len(lines[0].visit_ids) == 10


def test_all_met_tops_up_what_earlier_periods_paid() -> None:
    # 10 hours (£200) were paid as delivered before the review: the top-up is £400.
    assert paid(lines_for(10, "600.00", all_met=True, paid_before="200.00")) == 40000


def test_not_met_pays_delivered_visits_at_the_zone_rate() -> None:
    lines = lines_for(20, "600.00", all_met=False)
    assert paid(lines) == 40000
    assert {line.rule for line in lines} == {"enablement_delivered"}


def test_not_met_is_capped_at_the_budget() -> None:
    # 35 visits worth £700 against £610: 30 paid in full, the 31st capped at £10, 4 held.
    lines = lines_for(35, "610.00", all_met=False)
    assert paid(lines) == 61000
    assert [line.rule for line in lines].count("enablement_capped_at_budget") == 1
    held = [line for line in lines if line.status is LineStatus.HELD]
    assert len(held) == 4
    assert sum(pence(line.amount) for line in held) == 8000


def test_exceptional_circumstances_pay_beyond_the_budget() -> None:
    approvals = Approvals(exceptional_packages=frozenset({PACKAGE}))
    assert paid(lines_for(35, "600.00", all_met=False, approvals=approvals)) == 70000


def test_before_the_review_delivered_visits_are_paid_within_the_budget() -> None:
    assert paid(lines_for(5, "600.00", all_met=None, paid_before="590.00")) == 1000
