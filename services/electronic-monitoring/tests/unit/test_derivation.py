"""Recomputing a package's visits over a window."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from monitoring.domain.config import DEFAULT_RULES
from monitoring.domain.derivation import HORIZON, LOOKBACK, Providers, Window, derivation_window, derive_package
from monitoring.domain.plan import WEEKDAYS, PackagePlan, PatternEntry, PatternPeriod
from monitoring.domain.publication import StoredVisit, package_changes, visit_changes
from monitoring.domain.visit_events import VisitEvent
from monitoring.domain.visits import Home, VisitStatus

PACKAGE = uuid.UUID("abababab-abab-abab-abab-abababababab")
PROVIDER = uuid.UUID("cdcdcdcd-cdcd-cdcd-cdcd-cdcdcdcdcdcd")
# January: London is on GMT, so 08:00 and 18:00 London are 08:00 and 18:00 UTC.
PLAN = PackagePlan(
    PACKAGE,
    (PatternPeriod(date(2026, 1, 1), (PatternEntry(WEEKDAYS, time(8), 30), PatternEntry(WEEKDAYS, time(18), 30))),),
)
NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def derive(events: list[VisitEvent], window: Window) -> dict[datetime | None, VisitStatus]:
    result = derive_package(
        plan=PLAN,
        providers=Providers.only(PROVIDER),
        home=Home(None),
        events=events,
        corrections=[],
        cancellations={},
        window=window,
        now=NOW,
        rules=DEFAULT_RULES,
    )
    return {v.record.planned_start or v.record.actual_start: v.record.status for v in result.records}


def test_window_statuses_and_next_missed_check() -> None:
    events = [
        VisitEvent("i", "check_in", at(10, 8, 5), PACKAGE, "c", "nfc"),
        VisitEvent("o", "check_out", at(10, 8, 35), PACKAGE, "c", "nfc"),
        VisitEvent("u", "check_in", at(10, 3), PACKAGE, "c", "nfc"),
    ]
    window = Window(at(9, 12), at(11, 0))
    assert derive(events, window) == {
        at(9, 18): VisitStatus.MISSED,
        at(10, 3): VisitStatus.IN_PROGRESS,  # unplanned, 5 h before the 08:00 visit
        at(10, 8): VisitStatus.COMPLETED,
        at(10, 18): VisitStatus.EXPECTED,
    }
    result = derive_package(
        plan=PLAN,
        providers=Providers.only(PROVIDER),
        home=Home(None),
        events=events,
        corrections=[],
        cancellations={},
        window=window,
        now=NOW,
        rules=DEFAULT_RULES,
    )
    # The 18:00 visit becomes missed at 20:00 unless a check-in arrives.
    assert result.next_check_at == at(10, 20)
    # Stored as derived: nothing changes, nothing is published again.
    stored = {v.record.visit_id: StoredVisit(1, v.state, v.anchor) for v in result.records}
    assert visit_changes(stored, result.records) == []
    first = visit_changes({}, result.records)
    assert sorted((c.event, c.revision) for c in first if c.event) == [("completed", 1), ("missed", 1)]
    assert sum(c.event is None and c.revision == 0 for c in first) == 2


def test_the_window_starts_where_the_change_could_first_move_a_visit() -> None:
    rules = DEFAULT_RULES
    reach = rules.match_window + rules.max_visit_length  # 26 h
    # An event 40 minutes ago: its check-in may be up to 24 h earlier, its planned visit 2 h more.
    window = derivation_window(affected_from=NOW - timedelta(minutes=40), next_check_at=None, now=NOW, rules=rules)
    assert window == Window(NOW - timedelta(minutes=40) - reach, NOW + HORIZON)
    # A plan change (None) or a very late event: the whole lookback, never more.
    whole = Window(NOW - LOOKBACK, NOW + HORIZON)
    assert derivation_window(affected_from=None, next_check_at=None, now=NOW, rules=rules) == whole
    old = NOW - timedelta(days=40)
    assert derivation_window(affected_from=old, next_check_at=None, now=NOW, rules=rules) == whole


def test_the_window_always_holds_the_visit_the_missed_schedule_waits_on() -> None:
    rules = DEFAULT_RULES
    # The schedule waits on a visit planned three days ago (the worker was down): it is recomputed
    # with today's event, so the new schedule cannot skip it.
    waiting = NOW - timedelta(days=3) + rules.missed_after
    window = derivation_window(affected_from=NOW - timedelta(minutes=5), next_check_at=waiting, now=NOW, rules=rules)
    assert window.start == NOW - timedelta(days=3)
    # ...but never beyond the lookback.
    ancient = NOW - timedelta(days=60)
    assert derivation_window(affected_from=NOW, next_check_at=ancient, now=NOW, rules=rules).start == NOW - LOOKBACK


def _stored(visit_id: uuid.UUID, revision: int, status: str) -> StoredVisit:
    state = {
        "visit_id": str(visit_id),
        "package_id": str(PACKAGE),
        "provider_id": str(PROVIDER),
        "status": status,
        "planned_start": at(10, 8).isoformat(),
        "planned_minutes": 30,
        "carers_required": 1,
        "actual_start": at(10, 8, 5).isoformat(),
        "actual_end": at(10, 8, 35).isoformat(),
        "actual_minutes": 30,
        "carers": ["c"],
        "method": "nfc",
        "flags": ["late"],
        "all_flags": ["late"],
        "verified": True,
        "correction": None,
    }
    return StoredVisit(revision, state, at(10, 8))


def test_visits_the_plan_no_longer_holds_are_withdrawn_or_dropped() -> None:
    published, unpublished, already = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    stored = {
        published: _stored(published, 1, "completed"),
        unpublished: _stored(unpublished, 0, "expected"),
        already: _stored(already, 2, "withdrawn"),
    }
    result = package_changes(PACKAGE, stored, [])
    # Never published: nobody downstream knows it, so it is simply dropped.
    assert result.removed == [unpublished]
    # Published: consumers hear it no longer stands, as cancelled (not missed, not paid), once.
    [change] = result.changes
    assert (change.visit_id, change.status, change.event, change.revision) == (published, "withdrawn", "cancelled", 2)
    assert (change.state["actual_start"], change.state["carers"], change.state["flags"]) == (None, [], [])
    assert change.state["planned_start"] == at(10, 8).isoformat()
    assert change.anchor == at(10, 8)


def test_a_visit_derived_again_is_not_withdrawn() -> None:
    result = derive_package(
        plan=PLAN,
        providers=Providers.only(PROVIDER),
        home=Home(None),
        events=[],
        corrections=[],
        cancellations={},
        window=Window(at(10, 0), at(10, 12)),
        now=NOW,
        rules=DEFAULT_RULES,
    )
    [visit] = result.records
    stored = {visit.record.visit_id: StoredVisit(1, {**visit.state, "status": "withdrawn"}, visit.anchor)}
    # A withdrawn visit the plan holds again comes back under a new revision.
    [change] = package_changes(PACKAGE, stored, result.records).changes
    assert (change.status, change.revision, change.event) == ("missed", 2, "missed")


def test_a_visit_belongs_to_the_provider_of_its_day() -> None:
    second = uuid.UUID("efefefef-efef-efef-efef-efefefefefef")
    providers = Providers(((date(2026, 1, 1), PROVIDER), (date(2026, 1, 9), second)))
    events = [
        VisitEvent("i", "check_in", at(8, 8, 2), PACKAGE, "c", "nfc"),
        VisitEvent("o", "check_out", at(8, 8, 31), PACKAGE, "c", "nfc"),
        VisitEvent("j", "check_in", at(9, 8, 1), PACKAGE, "d", "nfc"),
        VisitEvent("p", "check_out", at(9, 8, 30), PACKAGE, "d", "nfc"),
    ]
    result = derive_package(
        plan=PLAN,
        providers=providers,
        home=Home(None),
        events=events,
        corrections=[],
        cancellations={},
        window=Window(at(8, 0), at(9, 12)),
        now=NOW,
        rules=DEFAULT_RULES,
    )
    owners = {v.record.planned_start: v.state["provider_id"] for v in result.records}
    assert owners == {at(8, 8): str(PROVIDER), at(8, 18): str(PROVIDER), at(9, 8): str(second)}
    assert providers.on(date(2025, 12, 1)) == PROVIDER
