"""Time and task: hand-worked pence for each visit rule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from payments.domain.lines import LineStatus
from payments.domain.rules import PaymentRules, RoundingRule
from payments.domain.terms import Approvals, VisitOutcome
from payments.domain.time_and_task import price_visit

from .builders import at, pence, terms, visit

RULES = PaymentRules()
TUESDAY = date(2026, 11, 24)
WEDNESDAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("description", "minutes", "planned", "carers_required", "carers_attended", "day", "expected_pence"),
    [
        # 30 x 18.52 / 60 = 9.26
        ("on time", 30, 30, 1, 1, TUESDAY, 926),
        # 27 is within 10% of 30: paid as planned
        ("within tolerance", 27, 30, 1, 1, TUESDAY, 926),
        # 20 x 18.52 / 60 = 6.1733 -> 6.17
        ("short", 20, 30, 1, 1, TUESDAY, 617),
        # 45 x 18.52 x 2 / 60 = 27.78
        ("double-handed", 45, 45, 2, 2, TUESDAY, 2778),
        # one of two carers came: paid for one, 45 x 18.52 / 60 = 13.89
        ("double-handed, one carer", 45, 45, 2, 1, TUESDAY, 1389),
        # capped at planned: 40 minutes pays 30
        ("over planned", 40, 30, 1, 1, TUESDAY, 926),
        # Christmas Day: 30 x 18.52 x 1.5 / 60 = 13.89
        ("christmas", 30, 30, 1, 1, date(2026, 12, 25), 1389),
        # Boxing Day falls on a Saturday in 2026; Monday 28th is the substitute bank holiday
        ("boxing day observed", 30, 30, 1, 1, date(2026, 12, 28), 1389),
        # double-handed on Easter Monday 2026: 60 x 18.52 x 2 x 1.5 / 60 = 55.56
        ("double-handed bank holiday", 60, 60, 2, 2, date(2026, 4, 6), 5556),
    ],
)
def test_completed_visit(
    description: str,
    minutes: int,
    planned: int,
    carers_required: int,
    carers_attended: int,
    day: date,
    expected_pence: int,
) -> None:
    line = price_visit(
        visit(
            at(day),
            minutes,
            planned=planned,
            carers_required=carers_required,
            carers_attended=carers_attended,
        ),
        terms(),
        RULES,
        Approvals(),
    )
    assert line.status is LineStatus.PAYABLE, description
    assert pence(line.amount) == expected_pence, description


def test_line_carries_its_inputs() -> None:
    v = visit(at(date(2026, 12, 25)), 45, planned=45, carers_required=2)
    line = price_visit(v, terms(), RULES, Approvals())
    assert line.visit_ids == (v.visit_id,)
    assert (line.minutes, line.hourly_rate, line.carers, line.multiplier) == (
        45,
        Decimal("18.52"),
        2,
        Decimal("1.5"),
    )
    assert line.rule == "time_and_task:nearest_minute"
    assert line.ledger_key == f"visit:{v.visit_id}"
    assert "bank holiday" in line.note


def test_rounding_is_half_up_once_per_line() -> None:
    # 10 x 18.51 / 60 = 3.085 exactly: half-up gives 3.09 (banker's rounding would give 3.08)
    line = price_visit(visit(at(TUESDAY), 10, planned=10), terms(rate="18.51"), RULES, Approvals())
    assert pence(line.amount) == 309


@pytest.mark.parametrize("outcome", [VisitOutcome.MISSED, VisitOutcome.CANCELLED])
def test_missed_and_cancelled_visits_are_not_paid(outcome: VisitOutcome) -> None:
    line = price_visit(visit(at(TUESDAY), 0, outcome=outcome), terms(), RULES, Approvals())
    assert line.status is LineStatus.NOT_PAYABLE
    assert line.amount == 0
    assert line.rule == f"{outcome.value}_not_paid"


def test_unverified_visit_is_held_until_approved() -> None:
    v = visit(at(TUESDAY), 30, verified=False)
    held = price_visit(v, terms(), RULES, Approvals())
    approved = price_visit(v, terms(), RULES, Approvals(unverified_visits=frozenset({v.visit_id})))
    assert (held.status, pence(held.amount)) == (LineStatus.HELD, 926)
    assert (approved.status, pence(approved.amount)) == (LineStatus.PAYABLE, 926)


def test_unplanned_visit_is_held_until_approved() -> None:
    v = visit(at(TUESDAY), 30, planned=None)
    assert price_visit(v, terms(), RULES, Approvals()).status is LineStatus.HELD


def test_excess_is_paid_only_when_approved() -> None:
    v = visit(at(TUESDAY), 40, planned=30)
    approved = price_visit(v, terms(), RULES, Approvals(excess_visits=frozenset({v.visit_id})))
    # 40 x 18.52 / 60 = 12.3466 -> 12.35
    assert pence(approved.amount) == 1235


def test_a_rate_change_applies_from_its_day_not_its_week() -> None:
    t = terms(changes=((WEDNESDAY, "19.00"),))
    tuesday = price_visit(visit(at(TUESDAY), 60, planned=60), t, RULES, Approvals())
    wednesday = price_visit(visit(at(WEDNESDAY), 60, planned=60), t, RULES, Approvals())
    assert (pence(tuesday.amount), pence(wednesday.amount)) == (1852, 1900)


def test_the_day_is_the_london_day() -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST): the 1 July rate applies.
    t = terms(changes=((date(2026, 7, 1), "19.00"),))
    line = price_visit(visit(datetime(2026, 6, 30, 23, 30, tzinfo=UTC), 60, planned=60), t, RULES, Approvals())
    assert line.service_date == date(2026, 7, 1)
    assert pence(line.amount) == 1900


@pytest.mark.parametrize(
    ("share", "amount_pence", "council_pence", "nhs_pence"),
    [
        # 27.78 x 0.6 = 16.668 -> 16.67; the NHS gets the remainder 11.11
        ("0.6", 2778, 1667, 1111),
        # 9.26 x 0.5 = 4.63 exactly
        ("0.5", 926, 463, 463),
        # 13.89 x 0.5 = 6.945 -> 6.95 half-up; NHS 6.94: no penny lost or made
        ("0.5", 1389, 695, 694),
        ("1", 926, 926, 0),
        ("0", 926, 0, 926),
    ],
)
def test_funding_split_leaves_no_penny_unaccounted(
    share: str, amount_pence: int, council_pence: int, nhs_pence: int
) -> None:
    minutes = {2778: 45, 926: 30, 1389: 45}[amount_pence]
    carers = 2 if amount_pence == 2778 else 1
    v = visit(at(TUESDAY), minutes, planned=minutes, carers_required=carers)
    line = price_visit(v, terms(council_share=share), RULES, Approvals())
    assert (pence(line.amount), pence(line.council_amount), pence(line.nhs_amount)) == (
        amount_pence,
        council_pence,
        nhs_pence,
    )


@pytest.mark.parametrize(
    ("rounding", "unit", "actual", "planned", "excess_approved", "expected_pence"),
    [
        # 50 of 60 minutes is out of the 10% tolerance (54): 50 x 18.52 / 60 = 15.4333 -> 15.43
        (RoundingRule.NEAREST_MINUTE, 15, 50, 60, False, 1543),
        # the 38-52 band pays 45: 45 x 18.52 / 60 = 13.89
        (RoundingRule.BANDS_15, 15, 50, 60, False, 1389),
        # complete 15-minute units: 45 -> 13.89; complete 10-minute units: 50 -> 15.43
        (RoundingRule.COMPLETE_UNITS, 15, 50, 60, False, 1389),
        (RoundingRule.COMPLETE_UNITS, 10, 50, 60, False, 1543),
        # planned time whatever the actual: 60 -> 18.52
        (RoundingRule.PLANNED, 15, 50, 60, False, 1852),
        # 44 minutes: 13.5813 -> 13.58; band 45 -> 13.89; two units 30 -> 9.26
        (RoundingRule.NEAREST_MINUTE, 15, 44, 60, False, 1358),
        (RoundingRule.BANDS_15, 15, 44, 60, False, 1389),
        (RoundingRule.COMPLETE_UNITS, 15, 44, 60, False, 926),
        # 70 minutes falls in the 68-82 band (75): capped at the planned 60 (18.52) unless the
        # excess is approved: 75 x 18.52 / 60 = 23.15
        (RoundingRule.BANDS_15, 15, 70, 60, False, 1852),
        (RoundingRule.BANDS_15, 15, 70, 60, True, 2315),
    ],
)
def test_rounding_options_in_pence(
    rounding: RoundingRule, unit: int, actual: int, planned: int, excess_approved: bool, expected_pence: int
) -> None:
    v = visit(at(TUESDAY), actual, planned=planned)
    approvals = Approvals(excess_visits=frozenset({v.visit_id})) if excess_approved else Approvals()
    line = price_visit(v, terms(), PaymentRules(rounding=rounding, unit_minutes=unit), approvals)
    assert (line.status, pence(line.amount)) == (LineStatus.PAYABLE, expected_pence)
