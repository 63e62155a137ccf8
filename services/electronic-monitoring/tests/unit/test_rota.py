"""Weekly rotas against weekly hours plus banked time."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from monitoring.domain.plan import RotaVisit
from monitoring.domain.rota import check_rota, days_outside_week, parse_iso_week


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
