"""Which visit records to store and publish, with their revisions and contract payloads.

Every ``monitoring.visit`` event carries the visit's whole state and a revision that only grows,
so consumers keep the highest revision and late or repeated events never roll a visit back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitoring.domain.corrections import Correction
from monitoring.domain.pairing import MatchedVisit
from monitoring.domain.visits import Flag, VisitRecord, event_name

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
class VisitChange:
    """A record whose state changed: store it, and publish it when ``event`` is set."""

    record: VisitRecord
    state: dict[str, Any]
    revision: int
    event: str | None


def visit_changes(
    stored: Mapping[uuid.UUID, tuple[int, dict[str, Any]]],
    derived: Iterable[tuple[VisitRecord, dict[str, Any]]],
) -> list[VisitChange]:
    """The records whose state differs from what is stored; a publishable change takes the next revision."""
    changes: list[VisitChange] = []
    for record, state in derived:
        revision, before = stored.get(record.visit_id, (0, None))
        if before == state:
            continue
        name = event_name(record)
        changes.append(VisitChange(record, state, revision + 1 if name else revision, name))
    return changes
