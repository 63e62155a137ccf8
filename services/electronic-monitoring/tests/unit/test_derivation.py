"""Recomputing a package's visits over a window."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

from monitoring.domain.config import DEFAULT_RULES
from monitoring.domain.derivation import Window, derive_package
from monitoring.domain.plan import WEEKDAYS, PackagePlan, PatternEntry, PatternPeriod
from monitoring.domain.publication import StoredVisit, visit_changes
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
        provider_id=PROVIDER,
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
        provider_id=PROVIDER,
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
