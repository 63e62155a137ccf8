"""Weekly carer hours from the visit pattern, and each visit's rules."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from referrals.domain.commands import VisitIn
from referrals.domain.pattern import (
    hours_agreement_errors,
    pattern_errors,
    tidy_hours,
    weekly_hours,
    weekly_minutes,
)

ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def visit(days: list[str], minutes: int, carers: int = 1, reason: str | None = None) -> VisitIn:
    return VisitIn.model_validate(
        {"days": days, "start": "08:00", "duration_minutes": minutes, "carers": carers,
         "short_visit_reason": reason}
    )


@pytest.mark.parametrize(
    ("pattern", "minutes", "hours"),
    [
        ([], 0, Decimal(0)),
        # 45 min x 7 days x 2 carers = 630; 30 x 3 x 1 = 90; 720 min = 12 h
        ([visit(ALL_WEEK, 45, 2), visit(["mon", "wed", "fri"], 30)], 720, Decimal(12)),
        # four calls a day of 30 min = 4 x 30 x 7 = 840 min = 14 h
        ([visit(ALL_WEEK, 30)] * 4, 840, Decimal(14)),
        # 20 min x 5 days = 100 min = 1 h 40 = 1.666... h
        ([visit(["mon", "tue", "wed", "thu", "fri"], 20, reason="meds")], 100, Decimal(100) / 60),
    ],
)
def test_weekly_carer_hours(pattern: list[VisitIn], minutes: int, hours: Decimal) -> None:
    assert weekly_minutes(pattern) == minutes
    assert weekly_hours(pattern) == hours


@pytest.mark.parametrize(
    ("stated", "agrees"),
    [
        (Decimal("12"), True),
        (Decimal("12.01"), True),  # 720.6 min: within a minute
        (Decimal("11.99"), True),  # 719.4 min
        (Decimal("12.0166"), True),  # 720.996 min
        (Decimal("12.02"), False),  # 721.2 min
        (Decimal("11.98"), False),  # 718.8 min
        (Decimal("6.75"), False),  # counting the double-handed visit once: 315 + 90 = 405 min
    ],
)
def test_hours_agree_with_pattern_within_a_minute(stated: Decimal, agrees: bool) -> None:
    pattern = [visit(ALL_WEEK, 45, 2), visit(["mon", "wed", "fri"], 30)]
    errors = hours_agreement_errors(pattern, stated)
    assert (errors == []) is agrees
    if not agrees:
        assert errors[0].field == "weekly_hours"
        assert "720 carer minutes" in errors[0].message


@pytest.mark.parametrize(
    ("entry", "fields"),
    [
        (visit(["mon"], 30), []),
        (visit(["mon"], 240), []),
        (visit(["mon"], 15, reason="Medication prompt"), []),
        (visit(["mon"], 29, reason="Medication prompt"), []),
        (visit(["mon"], 14, reason="Medication prompt"), ["visit_pattern.0.duration_minutes"]),
        (visit(["mon"], 241), ["visit_pattern.0.duration_minutes"]),
        (visit(["mon"], 15), ["visit_pattern.0.short_visit_reason"]),
        (visit(["mon"], 29, reason="   "), ["visit_pattern.0.short_visit_reason"]),
        (visit([], 30), ["visit_pattern.0.days"]),
        (visit(["mon", "mon"], 30), ["visit_pattern.0.days"]),
        (visit([], 10), ["visit_pattern.0.days", "visit_pattern.0.duration_minutes"]),
    ],
)
def test_visit_rules(entry: VisitIn, fields: list[str]) -> None:
    assert [e.field for e in pattern_errors([entry])] == fields


def test_every_faulty_visit_is_named_by_its_index() -> None:
    pattern = [visit(["mon"], 30), visit(["tue"], 10), visit(["wed"], 20)]
    assert [e.field for e in pattern_errors(pattern)] == [
        "visit_pattern.1.duration_minutes",
        "visit_pattern.2.short_visit_reason",
    ]


@given(st.lists(st.tuples(st.sets(st.sampled_from(ALL_WEEK), min_size=1), st.integers(15, 240),
                          st.sampled_from([1, 2])), max_size=8))
def test_derived_hours_always_agree_with_their_pattern(entries: list[tuple[set[str], int, int]]) -> None:
    pattern = [visit(sorted(days), minutes, carers, reason="prompt") for days, minutes, carers in entries]
    hours = weekly_hours(pattern).quantize(Decimal("0.01"))
    assert hours_agreement_errors(pattern, hours) == []
    assert hours_agreement_errors(pattern, hours + Decimal("0.03")) != [] or not pattern


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("12.0000", "12.00"), ("1.5000", "1.50"), ("1.6667", "1.6667"), ("0.3330", "0.333"), ("7.2500", "7.25")],
)
def test_stored_hours_are_shown_as_stated(stored: str, shown: str) -> None:
    assert format(tidy_hours(Decimal(stored)), "f") == shown
