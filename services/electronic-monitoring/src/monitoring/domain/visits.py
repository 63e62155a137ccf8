"""A visit's record from its matched attendances: status, actual times and flags.

The record is a pure function of the events, the plan, any cancellation and the standing
correction, so recomputing it from stored events always gives the same answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from monitoring.domain.config import MonitoringRules
from monitoring.domain.corrections import Correction
from monitoring.domain.geo import Point, haversine_metres
from monitoring.domain.pairing import Attendance, MatchedVisit
from monitoring.domain.visit_events import VisitEvent


class VisitStatus(StrEnum):
    """Where a visit stands."""

    EXPECTED = "expected"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    MISSED = "missed"
    CANCELLED = "cancelled"
    # Events arrived but no check-in among them, for a visit that was not planned.
    INCOMPLETE = "incomplete"
    # Once planned, no longer: a rota replaced its week, or an amendment, suspension or end removed it.
    WITHDRAWN = "withdrawn"


class Flag(StrEnum):
    """What a council wants to know about a visit."""

    LATE = "late"
    SHORT = "short"
    UNDER_15 = "under_15"
    UNVERIFIED = "unverified"
    MANUAL = "manual"
    UNPLANNED = "unplanned"
    INCOMPLETE_DOUBLE_HANDED = "incomplete_double_handed"
    MISSING_CHECK_OUT = "missing_check_out"
    CORRECTED = "corrected"


@dataclass(frozen=True, slots=True)
class Home:
    """Where the person lives, and whether GPS check-ins there are held to the geofence."""

    location: Point | None
    geofence_enabled: bool = True


@dataclass(frozen=True, slots=True)
class Cancellation:
    """A planned visit the person cancelled, and when they told the provider."""

    visit_id: uuid.UUID
    notified_at: datetime


@dataclass(frozen=True, slots=True)
class VisitRecord:
    """The state of a visit as published on ``monitoring.visit``."""

    visit_id: uuid.UUID
    package_id: uuid.UUID
    status: VisitStatus
    planned_start: datetime | None
    planned_minutes: int | None
    planned_carers: int | None
    actual_start: datetime | None
    actual_end: datetime | None
    carers: tuple[str, ...]
    methods: tuple[str, ...]
    flags: frozenset[Flag]
    correction_id: uuid.UUID | None = None

    @property
    def actual_minutes(self) -> int | None:
        """Whole minutes between the actual start and end."""
        if self.actual_start is None or self.actual_end is None:
            return None
        return int((self.actual_end - self.actual_start).total_seconds() // 60)


def is_unverified(event: VisitEvent, home: Home, rules: MonitoringRules) -> bool:
    """Manual events never verify; a GPS check-in must be inside the geofence unless it is off."""
    if event.method == "manual":
        return True
    if event.method != "gps" or event.type != "check_in" or not home.geofence_enabled:
        return False
    if home.location is None or event.lat is None or event.lon is None:
        return True
    return haversine_metres(Point(event.lat, event.lon), home.location) > rules.geofence_metres


def _status(
    visit: MatchedVisit,
    start: datetime | None,
    end: datetime | None,
    cancellation: Cancellation | None,
    now: datetime,
    rules: MonitoringRules,
) -> VisitStatus:
    planned = visit.planned
    if start is not None:
        return VisitStatus.COMPLETED if end is not None else VisitStatus.IN_PROGRESS
    if planned is None:
        return VisitStatus.INCOMPLETE
    notice = planned.planned_start - cancellation.notified_at if cancellation else None
    if notice is not None and notice >= rules.cancellation_notice:
        return VisitStatus.CANCELLED
    if now >= planned.planned_start + rules.missed_after:
        return VisitStatus.MISSED
    return VisitStatus.EXPECTED


def _actual_times(attendances: tuple[Attendance, ...]) -> tuple[datetime | None, datetime | None]:
    ins = [a.check_in.occurred_at for a in attendances if a.check_in is not None]
    outs = [a.check_out.occurred_at for a in attendances if a.check_in is not None and a.check_out is not None]
    return min(ins, default=None), max(outs, default=None)


def _timing_flags(
    visit: MatchedVisit, start: datetime | None, end: datetime | None, rules: MonitoringRules
) -> set[Flag]:
    flags: set[Flag] = set()
    planned = visit.planned
    if planned is not None and start is not None and start - planned.planned_start > rules.late_after:
        flags.add(Flag.LATE)
    if start is not None and end is not None:
        seconds = (end - start).total_seconds()
        if seconds < rules.under_minutes * 60:
            flags.add(Flag.UNDER_15)
        if planned is not None and seconds < float(rules.short_ratio) * planned.duration_minutes * 60:
            flags.add(Flag.SHORT)
    return flags


def derive_visit(
    visit: MatchedVisit,
    *,
    home: Home,
    now: datetime,
    rules: MonitoringRules,
    cancellation: Cancellation | None = None,
    correction: Correction | None = None,
) -> VisitRecord:
    """The record of one matched visit; a standing correction's times override the events'."""
    events = [e for a in visit.attendances for e in (a.check_in, a.check_out) if e is not None]
    start, end = _actual_times(visit.attendances)
    if correction is not None:
        start, end = correction.check_in_at, correction.check_out_at
    flags = _timing_flags(visit, start, end, rules)
    checked_in = {a.carer_id for a in visit.attendances if a.check_in is not None}
    if any(is_unverified(e, home, rules) for e in events) or (correction is not None and not checked_in):
        flags.add(Flag.UNVERIFIED)
    if any(e.method == "manual" for e in events):
        flags.add(Flag.MANUAL)
    planned = visit.planned
    if planned is None:
        flags.add(Flag.UNPLANNED)
    elif planned.carers > 1 and checked_in and len(checked_in) < planned.carers:
        flags.add(Flag.INCOMPLETE_DOUBLE_HANDED)
    if correction is None and any(a.check_in is not None and a.check_out is None for a in visit.attendances):
        flags.add(Flag.MISSING_CHECK_OUT)
    if correction is not None:
        flags.add(Flag.CORRECTED)
    return VisitRecord(
        visit_id=visit.visit_id,
        package_id=visit.package_id,
        status=_status(visit, start, end, cancellation, now, rules),
        planned_start=planned.planned_start if planned else None,
        planned_minutes=planned.duration_minutes if planned else None,
        planned_carers=planned.carers if planned else None,
        actual_start=start,
        actual_end=end,
        carers=tuple(sorted({a.carer_id for a in visit.attendances})),
        methods=tuple(sorted({e.method for e in events})),
        flags=frozenset(flags),
        correction_id=correction.correction_id if correction else None,
    )


PUBLISHED_STATUSES = {
    VisitStatus.COMPLETED: "completed",
    VisitStatus.MISSED: "missed",
    VisitStatus.CANCELLED: "cancelled",
}


def event_name(record: VisitRecord) -> str | None:
    """The ``monitoring.visit`` event a record is published as, or None while it is still open."""
    if record.status is VisitStatus.COMPLETED and record.correction_id is not None:
        return "corrected"
    return PUBLISHED_STATUSES.get(record.status)
