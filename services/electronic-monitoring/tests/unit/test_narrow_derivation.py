"""Recomputing only the visits new events change gives what recomputing the whole window gives."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from monitoring.domain.config import DEFAULT_RULES
from monitoring.domain.derivation import (
    HORIZON,
    Narrowing,
    PackageDerivation,
    Providers,
    Window,
    derive_package,
    narrows,
)
from monitoring.domain.plan import WEEKDAYS, PackagePlan, PatternEntry, PatternPeriod
from monitoring.domain.publication import StoredVisit, package_changes
from monitoring.domain.visit_events import VisitEvent
from monitoring.domain.visits import Home

PACKAGE = uuid.UUID("abababab-abab-abab-abab-abababababab")
PROVIDER = uuid.UUID("cdcdcdcd-cdcd-cdcd-cdcd-cdcdcdcdcdcd")
# January, so London is on UTC; visits close together (and one double-handed) so that matching
# has choices to make and a new event can move an attendance from one visit to another.
PLAN = PackagePlan(
    PACKAGE,
    (
        PatternPeriod(
            date(2026, 1, 1),
            (
                PatternEntry(WEEKDAYS, time(8), 30),
                PatternEntry(WEEKDAYS, time(9, 30), 45, carers=2),
                PatternEntry(WEEKDAYS, time(12), 30),
                PatternEntry(WEEKDAYS, time(18), 30),
            ),
        ),
    ),
)
NOW = datetime(2026, 1, 9, 13, 0, tzinfo=UTC)
WINDOW = Window(NOW - timedelta(days=2), NOW + HORIZON)
Stored = dict[uuid.UUID, StoredVisit]


def derive(events: list[VisitEvent], narrowing: Narrowing | None = None) -> PackageDerivation:
    return derive_package(
        plan=PLAN,
        providers=Providers.only(PROVIDER),
        home=Home(None),
        events=events,
        corrections=[],
        cancellations={},
        window=WINDOW,
        now=NOW,
        rules=DEFAULT_RULES,
        narrowing=narrowing,
    )


def store(stored: Stored, derivation: PackageDerivation) -> Stored:
    """What the worker stores after a derivation: compared with the stored visits it recomputed."""
    compared = stored if derivation.recomputed is None else {k: stored[k] for k in derivation.recomputed if k in stored}
    changes = package_changes(PACKAGE, compared, derivation.records)
    after = dict(stored)
    for change in changes.changes:
        after[change.visit_id] = StoredVisit(change.revision, change.state, change.anchor)
    for visit_id in changes.removed:
        del after[visit_id]
    return after


def random_events(rng: random.Random, prefix: str, count: int, carers: list[str]) -> list[VisitEvent]:
    """Check-ins and check-outs at random times on the morning of the 9th and the day before."""
    events = []
    for i in range(count):
        day = rng.choice((8, 9))
        minute = rng.randrange(6 * 60, 13 * 60 if day == 9 else 20 * 60)
        occurred = datetime(2026, 1, day, tzinfo=UTC) + timedelta(minutes=minute)
        kind = rng.choice(("check_in", "check_out"))
        events.append(VisitEvent(f"{prefix}{i}", kind, occurred, PACKAGE, rng.choice(carers), "nfc"))
    return events


@pytest.mark.parametrize("seed", range(300))
def test_recomputing_the_changed_visits_stores_what_the_whole_window_would(seed: int) -> None:
    rng = random.Random(seed)
    carers = [f"carer-{c}" for c in range(rng.randint(1, 4))]
    events = random_events(rng, "old-", rng.randint(0, 14), carers)
    first = derive(events)
    stored, scheduled = store({}, first), first.next_check_at
    # Two rounds of new events, each derived narrowly on what the one before stored.
    for round_ in range(2):
        new = random_events(rng, f"new-{round_}-", rng.randint(1, 4), carers)
        events = [*events, *new]
        narrowed = derive(events, Narrowing(frozenset(e.event_id for e in new), scheduled))
        whole = derive(events)
        assert narrowed.recomputed is not None
        assert store(stored, narrowed) == store(stored, whole)
        # The schedule may look too early (a visit it waited on was completed), never too late.
        assert NOW < narrowed.next_check_at <= whole.next_check_at
        stored, scheduled = store(stored, narrowed), narrowed.next_check_at


def test_only_the_visits_the_new_events_change_are_recomputed() -> None:
    before = [
        VisitEvent("a-in", "check_in", datetime(2026, 1, 9, 8, 2, tzinfo=UTC), PACKAGE, "a", "nfc"),
        VisitEvent("a-out", "check_out", datetime(2026, 1, 9, 8, 30, tzinfo=UTC), PACKAGE, "a", "nfc"),
    ]
    first = derive(before)
    # An unplanned visit in the afternoon, far from any planned one: one new visit, nothing else.
    new = [VisitEvent("b-in", "check_in", datetime(2026, 1, 9, 15, 0, tzinfo=UTC), PACKAGE, "b", "nfc")]
    narrowed = derive([*before, *new], Narrowing(frozenset({"b-in"}), first.next_check_at))
    [visit] = narrowed.records
    assert visit.record.actual_start == new[0].occurred_at
    assert narrowed.recomputed == {visit.record.visit_id}
    # The 12:00 visit (still expected at 13:00) keeps the schedule it had.
    assert narrowed.next_check_at == first.next_check_at == datetime(2026, 1, 9, 14, 0, tzinfo=UTC)


def test_a_check_in_closer_to_the_plan_moves_the_visit_to_it() -> None:
    early = VisitEvent("a-in", "check_in", datetime(2026, 1, 9, 11, 0, tzinfo=UTC), PACKAGE, "a", "nfc")
    first = derive([early])
    closer = VisitEvent("b-in", "check_in", datetime(2026, 1, 9, 12, 1, tzinfo=UTC), PACKAGE, "b", "nfc")
    narrowed = derive([early, closer], Narrowing(frozenset({"b-in"}), first.next_check_at))
    # The 12:00 visit now has b; a's check-in moves on to the 09:30 visit, the next nearest (a
    # change that cascades), and both visits are recomputed, nothing else.
    by_start = {v.record.actual_start: v.record for v in narrowed.records}
    assert by_start[closer.occurred_at].planned_start == datetime(2026, 1, 9, 12, 0, tzinfo=UTC)
    assert by_start[early.occurred_at].planned_start == datetime(2026, 1, 9, 9, 30, tzinfo=UTC)
    assert len(narrowed.records) == 2


def test_which_queued_packages_are_narrowed() -> None:
    later, earlier = NOW + timedelta(hours=1), NOW - timedelta(minutes=1)
    assert narrows(affected_from=earlier, seen_recorded=True, next_check_at=later, now=NOW)
    # A plan change, correction, cancellation or retry (affected_from None): the whole window.
    assert not narrows(affected_from=None, seen_recorded=True, next_check_at=later, now=NOW)
    # Not known which events the stored visits were derived from: the whole window.
    assert not narrows(affected_from=earlier, seen_recorded=False, next_check_at=later, now=NOW)
    # A visit due to be missed (the scan queued it) changes with time, not events: the whole window.
    assert not narrows(affected_from=earlier, seen_recorded=True, next_check_at=NOW, now=NOW)
    # Never derived: nothing stored to keep.
    assert not narrows(affected_from=earlier, seen_recorded=True, next_check_at=None, now=NOW)
