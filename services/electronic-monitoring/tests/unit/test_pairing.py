"""Pairing check-ins with check-outs, and matching to the plan, whatever the arrival order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from monitoring.domain.config import DEFAULT_RULES
from monitoring.domain.pairing import Attendance, match_to_plan, pair_events
from monitoring.domain.plan import PlannedVisit, planned_visit_id
from monitoring.domain.visit_events import EventType, VisitEvent

PACKAGE = uuid.UUID("66666666-6666-6666-6666-666666666666")
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def ev(event_id: str, kind: EventType, minutes: float, carer: str = "c1") -> VisitEvent:
    return VisitEvent(event_id, kind, T0 + timedelta(minutes=minutes), PACKAGE, carer, "nfc")


def planned(minutes: float, duration: int = 30, carers: int = 1) -> PlannedVisit:
    start = T0 + timedelta(minutes=minutes)
    return PlannedVisit(planned_visit_id(PACKAGE, start, 0), PACKAGE, start, duration, carers)


def shape(attendances: list[Attendance]) -> list[tuple[str, str | None, str | None]]:
    return [
        (
            a.carer_id,
            a.check_in.event_id if a.check_in else None,
            a.check_out.event_id if a.check_out else None,
        )
        for a in attendances
    ]


def test_check_out_before_its_check_in_in_arrival_order_still_pairs() -> None:
    events = [ev("out", "check_out", 30), ev("in", "check_in", 0)]
    assert shape(pair_events(events, DEFAULT_RULES)) == [("c1", "in", "out")]


def test_a_day_of_visits_pairs_in_order() -> None:
    events = [
        ev("i1", "check_in", 0),
        ev("o1", "check_out", 30),
        ev("i2", "check_in", 240),
        ev("o2", "check_out", 275),
        ev("i3", "check_in", 600),
    ]
    assert shape(pair_events(reversed(events), DEFAULT_RULES)) == [
        ("c1", "i1", "o1"),
        ("c1", "i2", "o2"),
        ("c1", "i3", None),
    ]


def test_lost_check_out_leaves_the_check_in_open_and_the_next_visit_pairs() -> None:
    events = [ev("i1", "check_in", 0), ev("i2", "check_in", 240), ev("o2", "check_out", 270)]
    assert shape(pair_events(events, DEFAULT_RULES)) == [("c1", "i1", None), ("c1", "i2", "o2")]


def test_lone_check_out_and_check_out_beyond_24_hours_stand_alone() -> None:
    events = [ev("o0", "check_out", -10), ev("i1", "check_in", 0), ev("o1", "check_out", 24 * 60 + 1)]
    assert shape(pair_events(events, DEFAULT_RULES)) == [
        ("c1", None, "o0"),
        ("c1", "i1", None),
        ("c1", None, "o1"),
    ]


def test_two_carers_pair_separately() -> None:
    events = [
        ev("a-in", "check_in", 0, "a"),
        ev("b-in", "check_in", 2, "b"),
        ev("b-out", "check_out", 40, "b"),
        ev("a-out", "check_out", 45, "a"),
    ]
    assert shape(pair_events(events, DEFAULT_RULES)) == [("a", "a-in", "a-out"), ("b", "b-in", "b-out")]


# Up to 3 carers, events within two days, a small id space so that duplicates of one id occur.
event_strategy = st.builds(
    ev,
    st.integers(0, 40).map(lambda n: f"e{n}"),
    st.sampled_from(["check_in", "check_out"]),
    st.integers(-60, 48 * 60),
    st.sampled_from(["a", "b", "c"]),
)


@given(st.lists(event_strategy, max_size=30), st.data())
def test_pairing_and_matching_ignore_order_and_duplicates(events: list[VisitEvent], data: st.DataObject) -> None:
    # Keep one payload per id, as the store does, then resend some and shuffle.
    unique = list({e.event_id: e for e in events}.values())
    resent = unique + data.draw(st.lists(st.sampled_from(unique), max_size=10)) if unique else []
    shuffled = data.draw(st.permutations(resent))
    plan = [planned(0), planned(240, carers=2), planned(24 * 60), planned(30 * 60)]

    first = pair_events(unique, DEFAULT_RULES)
    second = pair_events(shuffled, DEFAULT_RULES)
    assert first == second
    assert match_to_plan(PACKAGE, first, plan, DEFAULT_RULES) == match_to_plan(
        PACKAGE, second, list(reversed(plan)), DEFAULT_RULES
    )
    # Every event ends up in exactly one attendance.
    used = [e.event_id for a in first for e in (a.check_in, a.check_out) if e is not None]
    assert sorted(used) == sorted(e.event_id for e in unique)


def test_nearest_planned_visit_within_two_hours_else_unplanned() -> None:
    morning, lunch = planned(0), planned(240)
    attendances = pair_events(
        [
            ev("i1", "check_in", 100),  # 100 min after 08:00, 140 before 12:00: morning
            ev("i2", "check_in", 500),  # 260 min after 12:00: nothing within 2 h
            ev("i3", "check_in", 120, "b"),  # exactly 2 h after the morning visit: still matches?
        ],
        DEFAULT_RULES,
    )
    matched = match_to_plan(PACKAGE, attendances, [morning, lunch], DEFAULT_RULES)
    by_id = {m.visit_id: m for m in matched}
    # The morning visit plans one carer; c1 is closer (100 min) than b (120 min), so b goes to lunch.
    assert [a.carer_id for a in by_id[morning.visit_id].attendances] == ["c1"]
    assert [a.carer_id for a in by_id[lunch.visit_id].attendances] == ["b"]
    unplanned = [m for m in matched if m.planned is None]
    assert [(m.attendances[0].check_in.event_id if m.attendances[0].check_in else None) for m in unplanned] == ["i2"]


def test_match_window_boundary() -> None:
    visit = planned(0)
    at_limit = pair_events([ev("i", "check_in", 120)], DEFAULT_RULES)
    beyond = pair_events([ev("j", "check_in", 120.5)], DEFAULT_RULES)
    assert match_to_plan(PACKAGE, at_limit, [visit], DEFAULT_RULES)[0].attendances == tuple(at_limit)
    result = match_to_plan(PACKAGE, beyond, [visit], DEFAULT_RULES)
    assert result[0].attendances == ()
    assert result[1].planned is None


def test_double_handed_visit_takes_two_different_carers() -> None:
    visit = planned(0, carers=2)
    attendances = pair_events(
        [
            ev("a1", "check_in", 1, "a"),
            ev("a2", "check_in", 3, "a"),
            ev("b1", "check_in", 5, "b"),
        ],
        DEFAULT_RULES,
    )
    matched = match_to_plan(PACKAGE, attendances, [visit], DEFAULT_RULES)
    assert sorted(a.carer_id for a in matched[0].attendances) == ["a", "b"]
    # Carer a's second check-in cannot fill the second place: it is unplanned.
    assert [m.attendances[0].carer_id for m in matched[1:]] == ["a"]


def test_lone_check_out_is_matched_on_the_planned_end() -> None:
    visit = planned(0, duration=60)
    attendances = pair_events([ev("o", "check_out", 170)], DEFAULT_RULES)
    # 170 min after the start but 110 after the planned end: matched.
    assert match_to_plan(PACKAGE, attendances, [visit], DEFAULT_RULES)[0].attendances == tuple(attendances)


@given(
    st.lists(st.tuples(st.integers(-600, 600), st.integers(5, 600)), max_size=12),
    st.integers(-900, 900),
    st.booleans(),
)
def test_matching_looks_at_every_planned_visit_within_the_window(
    plan: list[tuple[int, int]], at: int, lone_check_out: bool
) -> None:
    # Matching only looks at the planned visits near each attendance (a bisected slice); a planned
    # visit within the window, by its start or (for a lone check-out) by its end, must be among them.
    visits = [planned(start, duration) for start, duration in dict(plan).items()]  # one visit per start
    event = ev("e", "check_out" if lone_check_out else "check_in", at)
    attendance = Attendance("c1", None, event) if lone_check_out else Attendance("c1", event, None)
    matched = [v for v in match_to_plan(PACKAGE, [attendance], visits, DEFAULT_RULES) if v.attendances]
    within = [
        p
        for p in visits
        if abs(event.occurred_at - (p.planned_end if lone_check_out else p.planned_start)) <= DEFAULT_RULES.match_window
    ]
    # With any planned visit within the window, the attendance is matched to the nearest of them.
    if within:
        [chosen] = matched
        assert chosen.planned is not None
        nearest = min(abs(event.occurred_at - (p.planned_end if lone_check_out else p.planned_start)) for p in within)
        target = chosen.planned.planned_end if lone_check_out else chosen.planned.planned_start
        assert abs(event.occurred_at - target) == nearest
    else:
        assert [v.planned for v in matched] == [None]
