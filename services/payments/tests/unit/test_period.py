"""A package's period: net and gross end to end, the ledger and prior-period adjustments."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from payments.domain.lines import LineStatus
from payments.domain.period import PackageState, Period, Stay, package_lines
from payments.domain.rules import PaymentRules
from payments.domain.terms import Approvals, Basis, PatternEntry, Visit
from payments.domain.totals import grand_total, provider_totals

from .builders import PROVIDER, at, pence, terms, visit

WEEK = Period(date(2026, 11, 2), date(2026, 11, 8))
RULES = PaymentRules()


def four_hours() -> list[Visit]:
    return [visit(at(WEEK.start + timedelta(days=i)), 60, planned=60) for i in range(4)]


def test_net_deducts_the_contribution_and_gross_does_not() -> None:
    # 4 hours at £20 = £80; the person's contribution is £10 a week.
    visits = four_hours()
    net = package_lines(
        terms(rate="20.00", contribution=("10.00", "net")), visits, WEEK, RULES, Approvals(), PackageState()
    )
    gross = package_lines(
        terms(rate="20.00", contribution=("10.00", "gross")), visits, WEEK, RULES, Approvals(), PackageState()
    )
    assert pence(grand_total(net)) == 7000
    assert pence(grand_total(gross)) == 8000


def test_nhs_split_totals_add_up_to_the_penny() -> None:
    # Three 45-minute visits at £18.52 = £13.89 each; council 50%: 6.95 + 6.94 per line.
    visits = [visit(at(WEEK.start + timedelta(days=i)), 45, planned=45) for i in range(3)]
    lines = package_lines(terms(council_share="0.5"), visits, WEEK, RULES, Approvals(), PackageState())
    totals = {t.funder: pence(t.paid) for t in provider_totals(lines)}
    assert totals == {"council": 2085, "nhs": 2082}
    assert sum(totals.values()) == pence(grand_total(lines)) == 4167


def test_already_paid_visits_are_left_out() -> None:
    visits = four_hours()
    first = package_lines(terms(), visits, WEEK, RULES, Approvals(), PackageState())
    paid = {line.ledger_key: line.amount for line in first if line.status is LineStatus.PAYABLE}
    again = package_lines(terms(), visits, WEEK, RULES, Approvals(), PackageState(paid=paid))
    assert again == []


def test_a_correction_after_approval_becomes_a_prior_period_adjustment() -> None:
    original = visit(at(WEEK.start), 30, planned=30)
    paid = {f"visit:{original.visit_id}": Decimal("9.26")}
    corrected = visit(at(WEEK.start), 20, planned=30, visit_id=original.visit_id)
    next_period = Period(date(2026, 11, 9), date(2026, 11, 15))
    lines = package_lines(terms(), [corrected], next_period, RULES, Approvals(), PackageState(paid=paid))
    # now 20 x 18.52 / 60 = 6.17: recover 3.09 in the next period
    assert [(line.rule, pence(line.amount)) for line in lines] == [
        ("prior_period_adjustment:time_and_task:nearest_minute", -309)
    ]


def test_a_late_visit_is_paid_in_the_next_period_as_prior_period() -> None:
    late = visit(at(WEEK.start), 30, planned=30)
    next_period = Period(date(2026, 11, 9), date(2026, 11, 15))
    [line] = package_lines(terms(), [late], next_period, RULES, Approvals(), PackageState())
    assert line.rule == "prior_period:time_and_task:nearest_minute"
    assert pence(line.amount) == 926


def test_hospital_stay_pays_retainer_alongside_visits() -> None:
    pattern = (PatternEntry(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), 60, 1),)
    # 7 hours a week at £20 = £140; in hospital from Thursday: 4 days = 80.00
    state = PackageState(stays=(Stay(date(2026, 11, 5)),))
    visits = four_hours()[:3]
    lines = package_lines(terms(rate="20.00", pattern=pattern), visits, WEEK, RULES, Approvals(), state)
    assert [line.rule for line in lines if line.rule == "retainer"] == ["retainer"]
    assert pence(grand_total(lines)) == 6000 + 8000


def test_enablement_then_ongoing_at_the_bid_rate() -> None:
    # Four enablement weeks from 5 October at the £20 zone rate, then the winning bid of £17.50.
    t = terms(
        basis=Basis.ENABLEMENT_OUTCOMES,
        rate="20.00",
        enablement_budget="600.00",
        start=date(2026, 10, 5),
        ongoing=("17.50", date(2026, 11, 2)),
    )
    state = PackageState(enablement_weeks=4, all_met=False)
    period = Period(date(2026, 10, 26), date(2026, 11, 8))
    visits = [visit(at(date(2026, 10, 30)), 60, planned=60), visit(at(date(2026, 11, 3)), 60, planned=60)]
    lines = package_lines(t, visits, period, RULES, Approvals(), state)
    assert {line.rule: pence(line.amount) for line in lines} == {
        "enablement_delivered": 2000,
        "time_and_task:nearest_minute": 1750,
    }
    assert all(line.provider_id == PROVIDER for line in lines)
