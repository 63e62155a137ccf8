"""Weekly rotas against weekly hours plus banked time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from monitoring.domain.plan import RotaVisit, Suspension
from monitoring.domain.rota import (
    Activity,
    banked_hours,
    banking_weeks,
    check_rota,
    days_outside_week,
    parse_iso_week,
)


@pytest.mark.parametrize(
    ("visits", "weekly", "bank", "planned", "over_by"),
    [
        # 3 x 2 h single-handed = 6 h against 7 h: fine.
        ([RotaVisit(date(2026, 1, 12), time(9), 120)] * 3, Decimal(7), Decimal(0), Decimal(6), Decimal(0)),
        # 4 h double-handed = 8 h against 7 h + 1.5 h bank: fine.
        (
            [RotaVisit(date(2026, 1, 12), time(9), 240, carers=2)],
            Decimal(7),
            Decimal("1.5"),
            Decimal(8),
            Decimal(0),
        ),
        # 10 h against 7 h + 2 h bank: over by 1 h.
        ([RotaVisit(date(2026, 1, 12), time(9), 600)], Decimal(7), Decimal(2), Decimal(10), Decimal(1)),
        # A negative bank (time owed) never lowers the allowance below weekly hours.
        (
            [RotaVisit(date(2026, 1, 12), time(9), 450)],
            Decimal(7),
            Decimal(-3),
            Decimal("7.5"),
            Decimal("0.5"),
        ),
    ],
)
def test_rota_against_hours_plus_bank(
    visits: list[RotaVisit], weekly: Decimal, bank: Decimal, planned: Decimal, over_by: Decimal
) -> None:
    result = check_rota(visits, weekly, bank)
    assert result.planned_hours == planned
    assert result.over_by_hours == over_by
    assert result.over_allowance is (over_by > 0)


def test_iso_week_parsing() -> None:
    assert parse_iso_week("2026-W03") == (2026, 3)
    assert parse_iso_week("2026-W53") == (2026, 53)  # 2026 has 53 ISO weeks
    for bad in ("2025-W53", "2026-03", "W03", "2026-W0x"):
        with pytest.raises(ValueError, match="ISO week"):
            parse_iso_week(bad)


def test_days_outside_the_week_are_found() -> None:
    visits = [RotaVisit(date(2026, 1, 12), time(9), 30), RotaVisit(date(2026, 1, 19), time(9), 30)]
    assert days_outside_week(visits, (2026, 3)) == [1]


def test_the_banking_weeks_are_the_complete_weeks_before_the_rota() -> None:
    wednesday = date(2026, 3, 4)  # in 2026-W10
    # A rota for next week still draws only on weeks already over, not on this one.
    assert banking_weeks((2026, 11), wednesday, 4) == [(2026, 6), (2026, 7), (2026, 8), (2026, 9)]
    assert banking_weeks((2026, 10), wednesday, 2) == [(2026, 8), (2026, 9)]
    # A rota for a past week draws on the weeks before it.
    assert banking_weeks((2026, 3), wednesday, 1) == [(2026, 2)]
    assert banking_weeks((2026, 1), wednesday, 1) == [(2025, 52)]
    assert banking_weeks((2026, 10), wednesday, 0) == []


ALWAYS = Activity(date(2026, 1, 1), None, ())


def _visit(day: int, carer_minutes: int) -> tuple[datetime, int]:
    # February 2026 is GMT, so London days are UTC days.
    return datetime(2026, 2, day, 10, tzinfo=UTC), carer_minutes


@pytest.mark.parametrize(
    ("activity", "delivered", "bank"),
    [
        # Nothing delivered in two 7 h weeks: 14 h banked.
        (ALWAYS, [], Decimal(14)),
        # W6 (2-8 Feb): 3 h; W7 (9-15 Feb): 5 h 30 min: 14 - 8.5.
        (ALWAYS, [_visit(2, 120), _visit(5, 60), _visit(10, 330)], Decimal("5.5")),
        # Over the hours in W7 draws the bank down: 7 - 1 + 7 - 10.
        (ALWAYS, [_visit(3, 60), _visit(11, 600)], Decimal(3)),
        # Never negative: time owed is not carried forward.
        (ALWAYS, [_visit(11, 1200)], Decimal(0)),
        # Visits outside the banking weeks do not count.
        (ALWAYS, [_visit(1, 600), _visit(16, 600)], Decimal(14)),
        # Started on Thursday 12 Feb: W6 not live, W7 live 4 of 7 days: 4 h.
        (Activity(date(2026, 2, 12), None, ()), [], Decimal(4)),
        # Suspended from Monday 9 Feb to Saturday 14 Feb (hospital): W7 live 2 days: 7 + 2.
        (
            Activity(
                date(2026, 1, 1),
                None,
                (Suspension(datetime(2026, 2, 9, tzinfo=UTC), datetime(2026, 2, 14, tzinfo=UTC)),),
            ),
            [],
            Decimal(9),
        ),
        # Ended after Tuesday 10 Feb: W7 live 2 days, as the suspension case.
        (Activity(date(2026, 1, 1), datetime(2026, 2, 11, tzinfo=UTC), ()), [], Decimal(9)),
    ],
)
def test_the_bank_is_the_unused_hours_of_the_live_days(
    activity: Activity, delivered: list[tuple[datetime, int]], bank: Decimal
) -> None:
    assert banked_hours(Decimal(7), [(2026, 6), (2026, 7)], activity, delivered) == bank


def test_the_bank_is_to_the_hundredth() -> None:
    # 7 h a week for 1 live day of 7 = 1 h (exactly); 10 minutes used: 0.833... h.
    activity = Activity(date(2026, 2, 15), None, ())
    assert banked_hours(Decimal(7), [(2026, 7)], activity, [_visit(15, 10)]) == Decimal("0.83")
