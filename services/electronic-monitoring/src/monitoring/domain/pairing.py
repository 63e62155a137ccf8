"""Pairing check-ins with check-outs, and matching what happened to what was planned.

Both steps sort the distinct events into one canonical order before they look at them, so the
result depends only on the set of events: not on the order they arrived in, nor on duplicates.
"""

from __future__ import annotations

import bisect
import functools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitoring.domain.config import MonitoringRules
from monitoring.domain.plan import PlannedVisit
from monitoring.domain.visit_events import VisitEvent

_TYPE_ORDER = {"check_in": 0, "check_out": 1}
UNPLANNED_VISIT_NAMESPACE = uuid.UUID("0d7c5a44-8c43-4b8e-bd0e-1f6f7c2b7a90")


@dataclass(frozen=True, slots=True)
class Attendance:
    """One carer's presence at the home: a check-in, its check-out, or either alone."""

    carer_id: str
    check_in: VisitEvent | None
    check_out: VisitEvent | None

    @property
    def anchor(self) -> datetime:
        """The time the attendance is matched on: its check-in, else its check-out."""
        event = self.check_in or self.check_out
        assert event is not None  # an attendance always holds at least one event
        return event.occurred_at


@dataclass(frozen=True, slots=True)
class MatchedVisit:
    """The attendances matched to one planned visit, or one unplanned attendance."""

    visit_id: uuid.UUID
    package_id: uuid.UUID
    planned: PlannedVisit | None
    attendances: tuple[Attendance, ...]


def _canonical(events: Iterable[VisitEvent]) -> list[VisitEvent]:
    by_id: dict[str, VisitEvent] = {}
    for event in events:
        kept = by_id.get(event.event_id)
        # Two different payloads under one id: keep the same one whatever the arrival order.
        if kept is None or repr(event) < repr(kept):
            by_id[event.event_id] = event
    return sorted(by_id.values(), key=lambda e: (e.occurred_at, _TYPE_ORDER[e.type], e.event_id))


def pair_events(events: Iterable[VisitEvent], rules: MonitoringRules) -> list[Attendance]:
    """Pair each carer's check-ins and check-outs at one package into attendances.

    A check-out closes the carer's open check-in when it is within the maximum visit length; a
    second check-in while one is open leaves the first without a check-out; a check-out with
    nothing open to close stands alone.
    """
    by_carer: dict[str, list[VisitEvent]] = defaultdict(list)
    for event in _canonical(events):
        by_carer[event.carer_id].append(event)
    attendances: list[Attendance] = []
    for carer_id in sorted(by_carer):
        open_in: VisitEvent | None = None
        for event in by_carer[carer_id]:
            if event.type == "check_in":
                if open_in is not None:
                    attendances.append(Attendance(carer_id, open_in, None))
                open_in = event
            elif open_in is not None and event.occurred_at - open_in.occurred_at <= rules.max_visit_length:
                attendances.append(Attendance(carer_id, open_in, event))
                open_in = None
            else:
                if open_in is not None:
                    attendances.append(Attendance(carer_id, open_in, None))
                    open_in = None
                attendances.append(Attendance(carer_id, None, event))
        if open_in is not None:
            attendances.append(Attendance(carer_id, open_in, None))
    attendances.sort(key=lambda a: (a.anchor, a.carer_id))
    return attendances


def _distance(attendance: Attendance, planned: PlannedVisit) -> timedelta:
    # A lone check-out is compared with the planned end, where it should have been.
    target = planned.planned_start if attendance.check_in is not None else planned.planned_end
    return abs(attendance.anchor - target)


def unplanned_visit_id(package_id: uuid.UUID, attendance: Attendance) -> uuid.UUID:
    """A stable id for an attendance that matched no planned visit."""
    event = attendance.check_in or attendance.check_out
    assert event is not None
    return _unplanned_id(package_id, event.event_id)


# Memoised: derivation recomputes the same attendances again and again, and the id is pure.
@functools.lru_cache(maxsize=1 << 17)
def _unplanned_id(package_id: uuid.UUID, event_id: str) -> uuid.UUID:
    return uuid.uuid5(UNPLANNED_VISIT_NAMESPACE, f"{package_id}/{event_id}")


@dataclass(frozen=True, slots=True)
class _Plan:
    """Planned visits sorted by start, with what finding those near an attendance needs."""

    visits: list[PlannedVisit]
    starts: list[datetime]
    longest: timedelta

    def near(self, attendance: Attendance, window: timedelta) -> list[PlannedVisit]:
        """The visits that may lie within ``window`` of the attendance: a bisected slice, so that
        matching a long run of attendances is not every attendance by every planned visit."""
        # A lone check-out is compared with the planned end, up to the longest visit after the start.
        reach = window + (self.longest if attendance.check_in is None else timedelta(0))
        first = bisect.bisect_left(self.starts, attendance.anchor - reach)
        return self.visits[first : bisect.bisect_right(self.starts, attendance.anchor + window)]


def match_to_plan(
    package_id: uuid.UUID,
    attendances: Sequence[Attendance],
    planned: Sequence[PlannedVisit],
    rules: MonitoringRules,
) -> list[MatchedVisit]:
    """Give each attendance the nearest planned visit within the match window, else make it unplanned.

    Closest pairs are taken first; a planned visit takes as many carers as it plans, each carer once.
    Every planned visit appears in the result, with no attendances when nobody came.
    """
    planned = sorted(planned, key=lambda p: (p.planned_start, str(p.visit_id)))
    plan = _Plan(
        planned,
        [p.planned_start for p in planned],
        max((timedelta(minutes=p.duration_minutes) for p in planned), default=timedelta(0)),
    )
    candidates = sorted(
        (distance, p.planned_start, str(p.visit_id), i, p)
        for i, a in enumerate(attendances)
        for p in plan.near(a, rules.match_window)
        if (distance := _distance(a, p)) <= rules.match_window
    )
    taken: dict[uuid.UUID, list[Attendance]] = {p.visit_id: [] for p in planned}
    assigned: set[int] = set()
    for _, _, _, index, visit in candidates:
        attendance = attendances[index]
        crew = taken[visit.visit_id]
        if index in assigned or len(crew) >= visit.carers:
            continue
        if any(other.carer_id == attendance.carer_id for other in crew):
            continue
        crew.append(attendance)
        assigned.add(index)
    result = [
        MatchedVisit(p.visit_id, package_id, p, tuple(sorted(taken[p.visit_id], key=lambda a: (a.anchor, a.carer_id))))
        for p in planned
    ]
    result.extend(
        MatchedVisit(unplanned_visit_id(package_id, a), package_id, None, (a,))
        for i, a in enumerate(attendances)
        if i not in assigned
    )
    return result
