"""Visit records: every flag and status, with hand-worked figures."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from monitoring.domain.config import DEFAULT_RULES, MonitoringRules
from monitoring.domain.corrections import Correction, CorrectionReason
from monitoring.domain.geo import Point
from monitoring.domain.pairing import match_to_plan, pair_events
from monitoring.domain.plan import PlannedVisit, planned_visit_id
from monitoring.domain.visit_events import EventType, Method, VisitEvent
from monitoring.domain.visits import (
    Cancellation,
    Flag,
    Home,
    VisitRecord,
    VisitStatus,
    derive_visit,
    event_name,
)

PACKAGE = uuid.UUID("77777777-7777-7777-7777-777777777777")
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOME = Home(Point(50.2660, -5.0527))
NEAR = (50.2660, -5.0527 + 0.0027)  # 0.0027 deg of longitude at 50.27 N is about 192 m east
FAR = (50.2678, -5.0527)  # 200.15 m north


def ev(
    event_id: str,
    kind: EventType,
    minutes: float,
    carer: str = "c1",
    method: Method = "nfc",
    at: tuple[float, float] | None = None,
) -> VisitEvent:
    lat, lon = at if at else (None, None)
    return VisitEvent(event_id, kind, T0 + timedelta(minutes=minutes), PACKAGE, carer, method, lat, lon)


def planned(duration: int = 60, carers: int = 1) -> PlannedVisit:
    return PlannedVisit(planned_visit_id(PACKAGE, T0, 0), PACKAGE, T0, duration, carers)


def record(
    events: list[VisitEvent],
    *,
    plan: PlannedVisit | None = None,
    now_minutes: float = 600,
    home: Home = HOME,
    rules: MonitoringRules = DEFAULT_RULES,
    cancellation: Cancellation | None = None,
    correction: Correction | None = None,
) -> VisitRecord:
    plan = plan if plan is not None else planned()
    matched = match_to_plan(PACKAGE, pair_events(events, rules), [plan], rules)
    assert len(matched) == 1, "the test events should all match the one planned visit"
    return derive_visit(
        matched[0],
        home=home,
        now=T0 + timedelta(minutes=now_minutes),
        rules=rules,
        cancellation=cancellation,
        correction=correction,
    )


def visit(start: float, end: float | None, **kwargs: object) -> list[VisitEvent]:
    events = [ev("in", "check_in", start, **kwargs)]  # type: ignore[arg-type]
    if end is not None:
        events.append(ev("out", "check_out", end, **kwargs))  # type: ignore[arg-type]
    return events


@pytest.mark.parametrize(
    ("start", "end", "flags"),
    [
        # Planned 08:00 for 60 min. On time, full length: no flags.
        (0, 60, set()),
        # 30 minutes late is not late; 30 min 1 s is.
        (30, 90, set()),
        (30.02, 90, {Flag.LATE}),
        # 45 of 60 minutes is exactly 75%: not short; 44 min 59 s is short.
        (0, 45, set()),
        (0, 44.99, {Flag.SHORT}),
        # 14 min 59 s is under 15 (and short); 15 min exactly is not under 15.
        (0, 14.99, {Flag.SHORT, Flag.UNDER_15}),
        (0, 15, {Flag.SHORT}),
        # Early arrival is never late.
        (-20, 40, set()),
        (45, 70, {Flag.LATE, Flag.SHORT}),
    ],
)
def test_timing_flags(start: float, end: float, flags: set[Flag]) -> None:
    result = record(visit(start, end))
    assert result.status is VisitStatus.COMPLETED
    assert result.flags == flags
    assert result.actual_minutes == int(end - start)


def test_under_15_applies_to_short_planned_visits_too() -> None:
    # A planned 15-minute visit delivered in 12 minutes: 80% of plan, so not short, but under 15.
    assert record(visit(0, 12), plan=planned(duration=15)).flags == {Flag.UNDER_15}


def test_thresholds_come_from_the_rules() -> None:
    strict = MonitoringRules(late_after=timedelta(minutes=10))
    assert record(visit(11, 71), rules=strict).flags == {Flag.LATE}


@pytest.mark.parametrize(
    ("method", "at", "home", "unverified"),
    [
        ("gps", NEAR, HOME, False),
        ("gps", FAR, HOME, True),
        ("gps", None, HOME, True),
        ("gps", NEAR, Home(None), True),
        # The geofence switched off for a rural home: GPS is not held to it.
        ("gps", FAR, Home(Point(50.2660, -5.0527), geofence_enabled=False), False),
        ("nfc", None, HOME, False),
        ("telephony", None, HOME, False),
        ("manual", None, HOME, True),
        ("manual", None, Home(None, geofence_enabled=False), True),
    ],
)
def test_unverified(method: Method, at: tuple[float, float] | None, home: Home, unverified: bool) -> None:
    events = [ev("in", "check_in", 0, method=method, at=at), ev("out", "check_out", 60)]
    flags = record(events, home=home).flags
    assert (Flag.UNVERIFIED in flags) is unverified
    assert (Flag.MANUAL in flags) is (method == "manual")


def test_a_manual_check_out_is_unverified_and_a_far_gps_check_out_is_not() -> None:
    manual_out = [ev("in", "check_in", 0), ev("out", "check_out", 60, method="manual")]
    far_out = [ev("in", "check_in", 0), ev("out", "check_out", 60, method="gps", at=FAR)]
    assert {Flag.UNVERIFIED, Flag.MANUAL} <= record(manual_out).flags
    assert Flag.UNVERIFIED not in record(far_out).flags


@pytest.mark.parametrize(
    ("now_minutes", "status"),
    [
        (60, VisitStatus.EXPECTED),
        (119.99, VisitStatus.EXPECTED),
        (120, VisitStatus.MISSED),
        (600, VisitStatus.MISSED),
    ],
)
def test_missed_two_hours_after_planned_start_without_a_check_in(now_minutes: float, status: VisitStatus) -> None:
    assert record([], now_minutes=now_minutes).status is status


def test_a_lone_check_out_does_not_save_a_visit_from_missed() -> None:
    result = record([ev("out", "check_out", 60)], now_minutes=180)
    assert result.status is VisitStatus.MISSED
    assert result.carers == ("c1",)


def test_check_in_without_check_out_is_in_progress() -> None:
    result = record(visit(0, None))
    assert result.status is VisitStatus.IN_PROGRESS
    assert result.flags == {Flag.MISSING_CHECK_OUT}


@pytest.mark.parametrize(
    ("notice", "status"),
    [
        (timedelta(hours=24), VisitStatus.CANCELLED),
        (timedelta(days=3), VisitStatus.CANCELLED),
        # Short notice: the provider was still expected to attend.
        (timedelta(hours=23, minutes=59), VisitStatus.MISSED),
    ],
)
def test_cancelled_with_notice_is_not_missed(notice: timedelta, status: VisitStatus) -> None:
    plan = planned()
    cancellation = Cancellation(plan.visit_id, T0 - notice)
    assert record([], plan=plan, cancellation=cancellation).status is status


def test_a_cancelled_visit_that_happened_anyway_is_completed() -> None:
    plan = planned()
    result = record(visit(0, 60), plan=plan, cancellation=Cancellation(plan.visit_id, T0 - timedelta(days=2)))
    assert result.status is VisitStatus.COMPLETED


@pytest.mark.parametrize(
    ("events", "complete"),
    [
        ([ev("a1", "check_in", 0, "a"), ev("a2", "check_out", 60, "a")], False),
        (
            [
                ev("a1", "check_in", 0, "a"),
                ev("b1", "check_in", 4, "b"),
                ev("b2", "check_out", 58, "b"),
                ev("a2", "check_out", 61, "a"),
            ],
            True,
        ),
        # Carer b only checked out: not a check-in, so not complete.
        (
            [ev("a1", "check_in", 0, "a"), ev("a2", "check_out", 60, "a"), ev("b2", "check_out", 60, "b")],
            False,
        ),
    ],
)
def test_double_handed_complete_only_when_both_checked_in(events: list[VisitEvent], complete: bool) -> None:
    result = record(events, plan=planned(carers=2))
    assert (Flag.INCOMPLETE_DOUBLE_HANDED not in result.flags) is complete
    assert result.status is VisitStatus.COMPLETED


def test_double_handed_actual_times_span_both_carers() -> None:
    events = [
        ev("a1", "check_in", 0, "a"),
        ev("b1", "check_in", 4, "b"),
        ev("b2", "check_out", 58, "b"),
        ev("a2", "check_out", 61, "a"),
    ]
    result = record(events, plan=planned(carers=2))
    assert (result.actual_start, result.actual_end) == (T0, T0 + timedelta(minutes=61))
    assert result.carers == ("a", "b")


def test_unplanned_visit() -> None:
    rules = DEFAULT_RULES
    matched = match_to_plan(PACKAGE, pair_events(visit(0, 30), rules), [], rules)
    result = derive_visit(matched[0], home=HOME, now=T0 + timedelta(hours=5), rules=rules)
    assert result.status is VisitStatus.COMPLETED
    assert result.flags == {Flag.UNPLANNED}
    assert result.planned_start is None


def correction(minutes_in: float, minutes_out: float, **kwargs: object) -> Correction:
    fields: dict[str, object] = {
        "correction_id": uuid.UUID(int=1),
        "visit_id": planned().visit_id,
        "reason": CorrectionReason.CARER_FORGOT,
        "note": None,
        "check_in_at": T0 + timedelta(minutes=minutes_in),
        "check_out_at": T0 + timedelta(minutes=minutes_out),
        "made_by": "provider:p1",
        "made_at": T0 + timedelta(hours=3),
    } | kwargs
    return Correction(**fields)  # type: ignore[arg-type]


def test_correction_turns_a_missed_visit_into_a_corrected_one() -> None:
    result = record([], correction=correction(5, 65))
    assert result.status is VisitStatus.COMPLETED
    assert result.flags == {Flag.CORRECTED, Flag.UNVERIFIED}
    assert (result.actual_start, result.actual_minutes) == (T0 + timedelta(minutes=5), 60)
    assert event_name(result) == "corrected"


def test_correction_overrides_event_times_and_flags_follow_the_corrected_times() -> None:
    original = record(visit(0, 10))
    corrected = record(visit(0, 10), correction=correction(0, 55))
    assert original.flags == {Flag.SHORT, Flag.UNDER_15}
    assert corrected.flags == {Flag.CORRECTED}


def test_event_names() -> None:
    completed = record(visit(0, 60))
    missed = record([], now_minutes=200)
    expected = record([], now_minutes=10)
    in_progress = record(visit(0, None))
    assert [event_name(r) for r in (completed, missed, expected, in_progress)] == [
        "completed",
        "missed",
        None,
        None,
    ]
