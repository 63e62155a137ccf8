"""Amendments, suspensions, resumptions and ends take effect on their own day, whenever they arrive:
each day is paid under the terms in force on it. Hand-worked pence."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from payments.domain.lines import LineStatus, PaymentLine
from payments.domain.period import PackageState, Period, package_lines
from payments.domain.rules import PaymentRules
from payments.domain.suspensions import Suspension
from payments.domain.terms import Approvals, Basis, PatternEntry, TermsChange, Visit

from .builders import at, pence, terms, visit

PERIOD = Period(date(2026, 11, 2), date(2026, 11, 29))  # four weeks from a Monday
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# 7 x 60 = 420 carer minutes a week: at £18.52, £129.64. Amended: 10 hours, £185.20.
SEVEN_HOURS = (PatternEntry(EVERY_DAY, 60),)
TEN_HOURS = (PatternEntry(EVERY_DAY, 60), PatternEntry(("mon", "wed", "fri"), 30, 2))


def paid(lines: list[PaymentLine], rule: str) -> list[tuple[date, int]]:
    return [(x.service_date, pence(x.amount)) for x in lines if x.rule == rule and x.status is LineStatus.PAYABLE]


@pytest.mark.parametrize(
    ("description", "changes", "expected"),
    [
        (
            "pattern amended from Thursday of week 2",
            (TermsChange(date(2026, 11, 12), pattern=TEN_HOURS),),
            # Mon-Wed at the old pattern: 129.64 x 3/7 = 55.56; Thu-Sun at the new: 185.20 x 4/7 = 105.8286
            [(date(2026, 11, 2), 12964), (date(2026, 11, 9), 5556), (date(2026, 11, 12), 10583),
             (date(2026, 11, 16), 18520), (date(2026, 11, 23), 18520)],
        ),
        (
            "amended from a day in the next period: this one is untouched",
            (TermsChange(date(2026, 12, 3), pattern=TEN_HOURS),),
            [(date(2026, 11, 2), 12964), (date(2026, 11, 9), 12964), (date(2026, 11, 16), 12964),
             (date(2026, 11, 23), 12964)],
        ),
        (
            "amended before the period began: all of it",
            (TermsChange(date(2026, 10, 1), pattern=TEN_HOURS),),
            [(date(2026, 11, 2), 18520), (date(2026, 11, 9), 18520), (date(2026, 11, 16), 18520),
             (date(2026, 11, 23), 18520)],
        ),
    ],
)  # fmt: skip
def test_a_retainer_follows_the_pattern_in_force_each_day(
    description: str, changes: tuple[TermsChange, ...], expected: list[tuple[date, int]]
) -> None:
    t = terms(pattern=SEVEN_HOURS, amendments=changes)
    state = PackageState(suspensions=(Suspension(PERIOD.start),))
    assert paid(package_lines(t, [], PERIOD, PaymentRules(), Approvals(), state), "retainer") == expected, description


def test_a_retainer_follows_a_rate_change_from_its_day() -> None:
    # From Wednesday of week 2 at £19.00: 420 x 19.00 / 60 = 133.00 a week.
    # Mon-Tue 129.64 x 2/7 = 37.04; Wed-Sun 133.00 x 5/7 = 95.00.
    t = terms(pattern=SEVEN_HOURS, changes=((date(2026, 11, 11), "19.00"),))
    state = PackageState(suspensions=(Suspension(PERIOD.start),))
    assert paid(package_lines(t, [], PERIOD, PaymentRules(), Approvals(), state), "retainer") == [
        (date(2026, 11, 2), 12964),
        (date(2026, 11, 9), 3704),
        (date(2026, 11, 11), 9500),
        (date(2026, 11, 16), 13300),
        (date(2026, 11, 23), 13300),
    ]


def hours(week: int, count: int, first_day: int = 0) -> list[Visit]:
    """``count`` one-hour visits in week ``week`` (0-based) from its ``first_day``, one a day."""
    return [visit(at(PERIOD.start + timedelta(weeks=week, days=first_day + i)), 60, planned=None) for i in range(count)]


def budget_lines(
    weekly: str,
    visits: list[Visit],
    *,
    start: date = PERIOD.start,
    changes: tuple[TermsChange, ...] = (),
    state: PackageState = PackageState(),
    contribution: tuple[str, str] | None = None,
) -> dict[tuple[str, date], tuple[LineStatus, int]]:
    t = terms(basis=Basis.BUDGET, rate="20.00", weekly_budget=weekly, start=start, amendments=changes,
              contribution=contribution)  # fmt: skip
    lines = package_lines(t, visits, PERIOD, PaymentRules(), Approvals(), state)
    return {(x.rule, x.service_date): (x.status, pence(x.amount)) for x in lines}


def week(n: int) -> date:
    return PERIOD.start + timedelta(weeks=n)


P, H, N = LineStatus.PAYABLE, LineStatus.HELD, LineStatus.NOT_PAYABLE


def test_a_budget_amended_mid_week_brings_each_day_its_own_budget() -> None:
    # £100 a week, £140 from Wednesday of week 2; every hour is worth £20.
    # Week 2: 100 x 2/7 + 140 x 5/7 = 28.5714 + 100 = 128.5714 -> 128.57; 7 hours (140) leave 11.43 over.
    lines = budget_lines(
        "100.00",
        hours(0, 5) + hours(1, 7) + hours(2, 7) + hours(3, 5),
        changes=(TermsChange(date(2026, 11, 11), weekly_budget=Decimal("140.00")),),
    )
    assert {k: v for k, v in lines.items() if k[0] != "budget_banked"} == {
        ("budget_week", week(0)): (P, 10000),
        ("budget_week", week(1)): (P, 12857),
        ("budget_exceptional_excess", week(1)): (H, 1143),
        ("budget_week", week(2)): (P, 14000),
        ("budget_week", week(3)): (P, 10000),
    }
    assert lines[("budget_banked", week(3))] == (N, 4000)


def test_a_budget_amended_from_the_next_period_changes_nothing_now() -> None:
    lines = budget_lines(
        "100.00",
        hours(1, 7),
        changes=(TermsChange(date(2026, 11, 30), weekly_budget=Decimal("140.00")),),
    )
    # Week 2 delivers 140 against 100: the other 40 comes from week 1's unused budget.
    assert lines[("budget_week", week(1))] == (P, 10000)
    assert lines[("budget_bank_used", week(1))] == (P, 4000)


def test_budget_weeks_are_the_periods_weeks_and_a_first_part_week_brings_its_days() -> None:
    # Starting on Wednesday: the period's first week brings 5/7 of £100 = 71.4286 -> 71.43;
    # one hour (20.00) is used and 51.43 banked.
    lines = budget_lines("100.00", hours(0, 1, first_day=3), start=date(2026, 11, 4))
    assert lines[("budget_week", week(0))] == (P, 2000)
    assert lines[("budget_banked", week(0))] == (N, 5143)
    assert lines[("budget_banked", week(1))] == (N, 10000)


def test_an_end_mid_period_stops_the_budget_and_contribution_on_its_day() -> None:
    # Ends Wednesday 18 November: week 3 brings Mon-Wed, 3/7 of 100 = 42.86; its three hours (60.00)
    # take 17.14 from week 1's bank. It is charged 3/7 of a £35 contribution (15.00); nothing after.
    lines = budget_lines(
        "100.00", hours(2, 3), state=PackageState(end_date=date(2026, 11, 18)), contribution=("35.00", "net")
    )
    assert lines[("budget_week", week(2))] == (P, 4286)
    assert lines[("budget_bank_used", week(2))] == (P, 1714)
    assert [(k, v) for k, v in lines.items() if k[0] == "client_contribution_net"] == [
        (("client_contribution_net", week(0)), (P, -3500)),
        (("client_contribution_net", week(1)), (P, -3500)),
        (("client_contribution_net", week(2)), (P, -1500)),
    ]
    assert not any(k[1] == week(3) for k in lines)


def test_a_suspension_dated_ahead_pauses_the_budget_from_its_day_until_care_resumes() -> None:
    # Respite from Thursday 12 to Monday 23 November (resumed that day): week 2 brings Mon-Wed,
    # 3/7 of 100 = 42.86; week 3 brings nothing and is left out; week 4 is whole again.
    state = PackageState(suspensions=(Suspension(date(2026, 11, 12), date(2026, 11, 23), "respite"),))
    lines = budget_lines("100.00", hours(1, 2) + hours(3, 5), state=state)
    assert lines[("budget_week", week(1))] == (P, 4000)
    assert lines[("budget_banked", week(1))] == (N, 286)
    assert not any(k[1] == week(2) for k in lines)
    assert lines[("budget_week", week(3))] == (P, 10000)
