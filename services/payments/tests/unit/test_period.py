"""A package's period: net and gross end to end, the ledger and prior-period adjustments."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from payments.domain.lines import LineStatus
from payments.domain.period import PackageState, Period, package_lines
from payments.domain.rules import PaymentRules
from payments.domain.settlement import Paid
from payments.domain.suspensions import Suspension
from payments.domain.terms import Approvals, Basis, PatternEntry, Visit, VisitOutcome
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
    paid = {x.ledger_key: Paid(x.amount, x.amount, x.rule, x.service_date) for x in first if x.paid}
    again = package_lines(terms(), visits, WEEK, RULES, Approvals(), PackageState(paid=paid))
    assert again == []


def test_a_correction_after_approval_becomes_a_prior_period_adjustment() -> None:
    original = visit(at(WEEK.start), 30, planned=30)
    paid = {f"visit:{original.visit_id}": Paid(Decimal("9.26"), Decimal("9.26"), "time_and_task", WEEK.start)}
    corrected = visit(at(WEEK.start), 20, planned=30, visit_id=original.visit_id)
    next_period = Period(date(2026, 11, 9), date(2026, 11, 15))
    lines = package_lines(terms(), [corrected], next_period, RULES, Approvals(), PackageState(paid=paid))
    # now 20 x 18.52 / 60 = 6.17: recover 3.09 in the next period
    assert [(line.rule, pence(line.amount)) for line in lines] == [
        ("prior_period_adjustment:time_and_task:nearest_minute", -309)
    ]


def test_a_paid_visit_now_missed_is_recovered_and_one_now_held_is_left_to_an_officer() -> None:
    original = visit(at(WEEK.start), 30, planned=30)
    paid = {f"visit:{original.visit_id}": Paid(Decimal("9.26"), Decimal("9.26"), "time_and_task", WEEK.start)}
    next_period = Period(date(2026, 11, 9), date(2026, 11, 15))
    # The provider's correction that made it a visit was rejected: it is missed after all.
    missed = visit(at(WEEK.start), 0, planned=30, outcome=VisitOutcome.MISSED, visit_id=original.visit_id)
    lines = package_lines(terms(), [missed], next_period, RULES, Approvals(), PackageState(paid=paid))
    assert [(line.rule, line.status, pence(line.amount)) for line in lines] == [
        ("prior_period_adjustment:missed_not_paid", LineStatus.PAYABLE, -926)
    ]
    unverified = visit(at(WEEK.start), 30, planned=30, verified=False, visit_id=original.visit_id)
    assert package_lines(terms(), [unverified], next_period, RULES, Approvals(), PackageState(paid=paid)) == []


def test_a_late_visit_is_paid_in_the_next_period_as_prior_period() -> None:
    late = visit(at(WEEK.start), 30, planned=30)
    next_period = Period(date(2026, 11, 9), date(2026, 11, 15))
    [line] = package_lines(terms(), [late], next_period, RULES, Approvals(), PackageState())
    assert line.rule == "prior_period:time_and_task:nearest_minute"
    assert pence(line.amount) == 926


def test_hospital_stay_pays_retainer_alongside_visits() -> None:
    pattern = (PatternEntry(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), 60, 1),)
    # 7 hours a week at £20 = £140; in hospital from Thursday: 4 days = 80.00
    state = PackageState(suspensions=(Suspension(date(2026, 11, 5)),))
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


def test_the_whole_enablement_budget_is_paid_once() -> None:
    # Paid in full when the review found every outcome met; the next period neither pays nor
    # recovers any of it (it used to claw the whole budget back).
    t = terms(basis=Basis.ENABLEMENT_OUTCOMES, rate="20.00", enablement_budget="600.00", start=date(2026, 10, 5))
    key = f"enablement-outcomes:{t.package_id}"
    state = PackageState(
        enablement_weeks=6,
        all_met=True,
        paid={key: Paid(Decimal("600.00"), Decimal("600.00"), "enablement_outcomes_met", date(2026, 11, 5))},
    )
    assert package_lines(t, [], Period(date(2026, 11, 2), date(2026, 11, 29)), RULES, Approvals(), state) == []


def test_an_officers_adjustment_stands_until_the_line_itself_changes() -> None:
    original = visit(at(WEEK.start), 30, planned=30)
    key = f"visit:{original.visit_id}"
    # Paid 9.26, then an officer took 1.00 off: 8.26 paid in all, 9.26 by calculation.
    paid = {key: Paid(Decimal("8.26"), Decimal("9.26"), "time_and_task:nearest_minute", WEEK.start)}
    next_period = Period(date(2026, 11, 9), date(2026, 11, 15))
    same = package_lines(terms(), [original], next_period, RULES, Approvals(), PackageState(paid=paid))
    assert same == []
    # A correction to 20 minutes (6.17) settles against everything paid: 6.17 - 8.26 = -2.09.
    corrected = visit(at(WEEK.start), 20, planned=30, visit_id=original.visit_id)
    [line] = package_lines(terms(), [corrected], next_period, RULES, Approvals(), PackageState(paid=paid))
    assert (line.ledger_key, pence(line.amount)) == (f"{key}:adjusted:2026-11-09", -209)


def test_corrections_back_and_forth_each_have_a_key_of_their_own() -> None:
    # 30 minutes paid (9.26), corrected to 20 (6.17), back to 30, then to 20 again: every
    # adjustment is keyed by the period that pays it, so none collides with an earlier one.
    v30 = visit(at(WEEK.start), 30, planned=30)
    v20 = visit(at(WEEK.start), 20, planned=30, visit_id=v30.visit_id)
    ledger: dict[str, Decimal] = {f"visit:{v30.visit_id}": Decimal("9.26")}
    keys = []
    for n, corrected in enumerate([v20, v30, v20], start=1):
        total = sum(ledger.values(), Decimal(0))
        paid = {f"visit:{v30.visit_id}": Paid(total, total, "time_and_task:nearest_minute", WEEK.start)}
        period = Period(WEEK.start + timedelta(weeks=n), WEEK.end + timedelta(weeks=n))
        [line] = package_lines(terms(), [corrected], period, RULES, Approvals(), PackageState(paid=paid))
        assert line.ledger_key not in ledger
        ledger[line.ledger_key] = line.amount
        keys.append(pence(line.amount))
    assert keys == [-309, 309, -309]
    assert sum(ledger.values(), Decimal(0)) == Decimal("6.17")


def test_a_late_resumption_recovers_the_retainer_weeks_no_longer_due() -> None:
    # Seven hours a week at £20 = 140.00. The first period paid four retainer weeks for a stay
    # from 2 November; then the person turns out to have come home on Thursday 12 November.
    pattern = (PatternEntry(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), 60, 1),)
    t = terms(rate="20.00", pattern=pattern, contribution=("35.00", "net"))
    first = Period(date(2026, 11, 2), date(2026, 11, 29))
    paid = {
        **{
            f"retainer:{t.package_id}:{first.start + timedelta(weeks=w)}": Paid(
                Decimal("140.00"), Decimal("140.00"), "retainer", first.start + timedelta(weeks=w)
            )
            for w in range(4)
        },
        # In hospital all along, no contribution was charged; the waived weeks were never paid.
    }
    state = PackageState(suspensions=(Suspension(first.start, date(2026, 11, 12)),), paid=paid, replay=(first,))
    lines = package_lines(t, [], Period(date(2026, 11, 30), date(2026, 12, 27)), RULES, Approvals(), state)
    prior = [(x.rule, x.service_date, pence(x.amount)) for x in lines if x.service_date < date(2026, 11, 30)]
    assert prior == [
        # The days at home are charged: Thu-Sun 4/7 of 35 = 20.00, then whole weeks ...
        ("prior_period:client_contribution_net", date(2026, 11, 9), -2000),
        ("prior_period:client_contribution_net", date(2026, 11, 16), -3500),
        ("prior_period:client_contribution_net", date(2026, 11, 23), -3500),
        # ... and the retainer's week 2 is Mon-Wed only: 140 x 3/7 = 60.00, so 80.00 comes back,
        # with the two weeks after it in full.
        ("prior_period_adjustment:retainer", date(2026, 11, 9), -8000),
        ("prior_period_adjustment:retainer", date(2026, 11, 16), -14000),
        ("prior_period_adjustment:retainer", date(2026, 11, 23), -14000),
    ]
