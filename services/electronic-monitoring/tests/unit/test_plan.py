"""Expanding visit patterns into planned visits on the London wall clock."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from monitoring.domain.plan import (
    PackagePlan,
    PatternEntry,
    PatternPeriod,
    RotaVisit,
    Suspension,
    expand_plan,
    weekly_hours,
)

PACKAGE = uuid.UUID("11111111-1111-1111-1111-111111111111")
DAILY_8AM = PatternEntry(days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"), start=time(8), duration_minutes=30)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def starts(plan: PackagePlan, first: date, last: date) -> list[datetime]:
    return [v.planned_start for v in expand_plan(plan, first, last)]


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        # 2026 clocks go forward on Sunday 29 March and back on Sunday 25 October.
        (date(2026, 3, 28), utc(2026, 3, 28, 8)),
        (date(2026, 3, 29), utc(2026, 3, 29, 7)),
        (date(2026, 3, 30), utc(2026, 3, 30, 7)),
        (date(2026, 10, 24), utc(2026, 10, 24, 7)),
        (date(2026, 10, 25), utc(2026, 10, 25, 8)),
        (date(2026, 1, 15), utc(2026, 1, 15, 8)),
    ],
)
def test_wall_clock_start_converts_to_utc_across_clock_changes(day: date, expected_utc: datetime) -> None:
    plan = PackagePlan(PACKAGE, (PatternPeriod(date(2026, 1, 1), (DAILY_8AM,)),))
    assert starts(plan, day, day) == [expected_utc]


def test_start_in_the_spring_forward_gap_moves_an_hour_later() -> None:
    night = PatternEntry(days=("sun",), start=time(1, 30), duration_minutes=30)
    plan = PackagePlan(PACKAGE, (PatternPeriod(date(2026, 3, 1), (night,)),))
    # 01:30 does not exist on 29 March 2026; it is read as 01:30 GMT, i.e. 02:30 BST.
    assert starts(plan, date(2026, 3, 29), date(2026, 3, 29)) == [utc(2026, 3, 29, 1, 30)]


def test_pattern_days_start_date_and_double_handed_visits() -> None:
    entries = (
        PatternEntry(days=("mon", "wed"), start=time(9), duration_minutes=45, carers=2),
        PatternEntry(days=("mon",), start=time(18, 15), duration_minutes=30),
    )
    # Starts Wednesday 14 January 2026: Monday 12th is before the start.
    plan = PackagePlan(PACKAGE, (PatternPeriod(date(2026, 1, 14), entries),))
    visits = expand_plan(plan, date(2026, 1, 12), date(2026, 1, 19))
    assert [(v.planned_start, v.duration_minutes, v.carers) for v in visits] == [
        (utc(2026, 1, 14, 9), 45, 2),
        (utc(2026, 1, 19, 9), 45, 2),
        (utc(2026, 1, 19, 18, 15), 30, 1),
    ]


def test_amendment_replaces_the_pattern_from_its_day() -> None:
    later = PatternEntry(days=DAILY_8AM.days, start=time(10), duration_minutes=60)
    plan = PackagePlan(
        PACKAGE,
        (PatternPeriod(date(2026, 1, 1), (DAILY_8AM,)), PatternPeriod(date(2026, 1, 3), (later,))),
    )
    assert starts(plan, date(2026, 1, 1), date(2026, 1, 4)) == [
        utc(2026, 1, 1, 8),
        utc(2026, 1, 2, 8),
        utc(2026, 1, 3, 10),
        utc(2026, 1, 4, 10),
    ]


def test_suspension_and_end_remove_visits() -> None:
    twice = PatternEntry(days=DAILY_8AM.days, start=time(8), duration_minutes=30)
    evening = PatternEntry(days=DAILY_8AM.days, start=time(18), duration_minutes=30)
    plan = PackagePlan(
        PACKAGE,
        (PatternPeriod(date(2026, 1, 1), (twice, evening)),),
        # Admitted to hospital at noon on the 2nd, home on the 4th at 09:00: the 4th's 08:00 is gone.
        suspensions=(Suspension(utc(2026, 1, 2, 12), utc(2026, 1, 4, 9)),),
        ended_at=utc(2026, 1, 5, 12),
    )
    assert starts(plan, date(2026, 1, 1), date(2026, 1, 7)) == [
        utc(2026, 1, 1, 8),
        utc(2026, 1, 1, 18),
        utc(2026, 1, 2, 8),
        utc(2026, 1, 4, 18),
        utc(2026, 1, 5, 8),
    ]


def test_open_suspension_removes_everything_after_it() -> None:
    plan = PackagePlan(
        PACKAGE,
        (PatternPeriod(date(2026, 1, 1), (DAILY_8AM,)),),
        suspensions=(Suspension(utc(2026, 1, 2, 9)),),
    )
    assert starts(plan, date(2026, 1, 1), date(2026, 1, 10)) == [utc(2026, 1, 1, 8), utc(2026, 1, 2, 8)]


def test_rota_replaces_the_pattern_for_its_iso_week_only() -> None:
    # ISO week 2026-W03 is Monday 12 to Sunday 18 January.
    rota = (RotaVisit(date(2026, 1, 13), time(14), 120), RotaVisit(date(2026, 1, 17), time(9), 60, carers=2))
    plan = PackagePlan(PACKAGE, (PatternPeriod(date(2026, 1, 1), (DAILY_8AM,)),), rotas={(2026, 3): rota})
    assert starts(plan, date(2026, 1, 11), date(2026, 1, 19)) == [
        utc(2026, 1, 11, 8),
        utc(2026, 1, 13, 14),
        utc(2026, 1, 17, 9),
        utc(2026, 1, 19, 8),
    ]


def test_visit_ids_are_stable_and_distinct() -> None:
    plan = PackagePlan(PACKAGE, (PatternPeriod(date(2026, 1, 1), (DAILY_8AM, DAILY_8AM)),))
    first = expand_plan(plan, date(2026, 1, 1), date(2026, 1, 2))
    again = expand_plan(plan, date(2026, 1, 2), date(2026, 1, 2))
    assert len({v.visit_id for v in first}) == 4
    assert [v.visit_id for v in first[2:]] == [v.visit_id for v in again]


@pytest.mark.parametrize(
    ("entries", "hours"),
    [
        # 4 calls a day of 30 min, 7 days: 14 h.
        ((PatternEntry(DAILY_8AM.days, time(8), 30),) * 4, Decimal(14)),
        # Double-handed 45 min Mon-Fri counts per carer: 45 * 5 * 2 / 60 = 7.5 h.
        ((PatternEntry(("mon", "tue", "wed", "thu", "fri"), time(8), 45, carers=2),), Decimal("7.5")),
        ((), Decimal(0)),
    ],
)
def test_weekly_hours_are_carer_hours(entries: tuple[PatternEntry, ...], hours: Decimal) -> None:
    assert weekly_hours(entries) == hours


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"days": (), "start": time(8), "duration_minutes": 30}, "days"),
        ({"days": ("monday",), "start": time(8), "duration_minutes": 30}, "days"),
        ({"days": ("mon",), "start": time(8), "duration_minutes": 0}, "duration_minutes"),
        ({"days": ("mon",), "start": time(8), "duration_minutes": 30, "carers": 3}, "carers"),
    ],
)
def test_bad_pattern_entries_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PatternEntry(**kwargs)  # type: ignore[arg-type]
