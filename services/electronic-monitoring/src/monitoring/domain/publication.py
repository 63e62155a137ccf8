"""Which visit records to store and publish, with their revisions and contract payloads.

Every ``monitoring.visit`` event carries the visit's whole state and a revision that only grows,
so consumers keep the highest revision and late or repeated events never roll a visit back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitoring.domain.corrections import Correction
from monitoring.domain.pairing import MatchedVisit
from monitoring.domain.visits import Flag, VisitRecord, VisitStatus, event_name

# The flags the monitoring.visit contract carries; the others are for the service's own views.
PUBLISHED_FLAGS = frozenset(
    {
        Flag.LATE,
        Flag.SHORT,
        Flag.UNDER_15,
        Flag.UNVERIFIED,
        Flag.UNPLANNED,
        Flag.MANUAL,
        Flag.INCOMPLETE_DOUBLE_HANDED,
    }
)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def visit_state(
    record: VisitRecord, visit: MatchedVisit, provider_id: uuid.UUID, correction: Correction | None
) -> dict[str, Any]:
    """The record as the contract's payload (without the revision), JSON-ready."""
    first_in = next((a.check_in for a in visit.attendances if a.check_in is not None), None)
    return {
        "visit_id": str(record.visit_id),
        "package_id": str(record.package_id),
        "provider_id": str(provider_id),
        "status": record.status.value,
        "planned_start": _iso(record.planned_start),
        "planned_minutes": record.planned_minutes,
        "carers_required": record.planned_carers or 1,
        "actual_start": _iso(record.actual_start),
        "actual_end": _iso(record.actual_end),
        "actual_minutes": record.actual_minutes,
        "carers": list(record.carers),
        "method": first_in.method if first_in else None,
        "flags": sorted(f.value for f in record.flags if f in PUBLISHED_FLAGS),
        "all_flags": sorted(f.value for f in record.flags),
        "verified": Flag.UNVERIFIED not in record.flags and first_in is not None,
        "correction": None
        if correction is None
        else {
            "correction_id": str(correction.correction_id),
            "reason": correction.reason.value,
            "note": correction.note,
            "corrected_by": correction.made_by,
            "status": "applied",
        },
    }


@dataclass(frozen=True, slots=True)
class DerivedVisit:
    """A visit as derivation sees it now: its record, its contract state and where it sits in time."""

    record: VisitRecord
    state: dict[str, Any]
    # The planned start, else the first event: stored so a later derivation finds it by range.
    anchor: datetime


@dataclass(frozen=True, slots=True)
class StoredVisit:
    """A visit as last stored: its published revision, state and anchor."""

    revision: int
    state: dict[str, Any]
    anchor: datetime


@dataclass(frozen=True, slots=True)
class VisitChange:
    """A visit whose state changed: store it, and publish it when ``event`` is set."""

    visit_id: uuid.UUID
    package_id: uuid.UUID
    status: str
    anchor: datetime
    state: dict[str, Any]
    revision: int
    event: str | None


@dataclass(frozen=True, slots=True)
class PackageChanges:
    """What a derivation changes: visits to store (and perhaps publish), unpublished visits to drop."""

    changes: list[VisitChange]
    removed: list[uuid.UUID]


def visit_changes(stored: Mapping[uuid.UUID, StoredVisit], derived: Iterable[DerivedVisit]) -> list[VisitChange]:
    """The visits whose state differs from what is stored; a publishable change takes the next revision."""
    changes: list[VisitChange] = []
    for visit in derived:
        record = visit.record
        before = stored.get(record.visit_id)
        if before is not None and before.state == visit.state:
            continue
        revision = before.revision if before is not None else 0
        name = event_name(record)
        changes.append(
            VisitChange(
                record.visit_id,
                record.package_id,
                record.status.value,
                visit.anchor,
                visit.state,
                revision + 1 if name else revision,
                name,
            )
        )
    return changes


def withdrawn_state(before: Mapping[str, Any]) -> dict[str, Any]:
    """A visit the plan no longer holds: its plan stays for the record, nothing was delivered in it."""
    return {
        **before,
        "status": VisitStatus.WITHDRAWN.value,
        "actual_start": None,
        "actual_end": None,
        "actual_minutes": None,
        "carers": [],
        "method": None,
        "flags": [],
        "all_flags": [],
        "verified": False,
        "correction": None,
    }


def package_changes(
    package_id: uuid.UUID,
    stored: Mapping[uuid.UUID, StoredVisit],
    derived: Sequence[DerivedVisit],
) -> PackageChanges:
    """Changes from one derivation, given the stored visits of the range it recomputed.

    A stored visit that the derivation no longer produces (a rota replaced its week, an amendment
    moved it, a suspension or end removed it) is withdrawn. If it was never published it is simply
    dropped; if it was, consumers must hear that it no longer stands, so it is published once more
    as ``cancelled`` (not missed, not paid: the contract's meaning) with nothing delivered in it.
    Its events are not lost: they are matched again and belong to the visits derived now.
    """
    changes = visit_changes(stored, derived)
    produced = {visit.record.visit_id for visit in derived}
    removed: list[uuid.UUID] = []
    for visit_id, before in stored.items():
        if visit_id in produced or before.state.get("status") == VisitStatus.WITHDRAWN.value:
            continue
        if before.revision == 0:
            removed.append(visit_id)
            continue
        state = withdrawn_state(before.state)
        revision = before.revision + 1
        changes.append(VisitChange(visit_id, package_id, state["status"], before.anchor, state, revision, "cancelled"))
    return PackageChanges(changes, removed)
