"""An ingest batch: each event's outcome, in-batch duplicates, and late check-outs.

The store decides the remaining duplicates (events seen in earlier batches) with its
``ON CONFLICT DO NOTHING``; everything else about a batch is decided here, without I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from monitoring.domain.config import MonitoringRules
from monitoring.domain.visit_events import (
    EventRejected,
    EventType,
    IngestContext,
    Rejection,
    VisitEvent,
    check_out_too_late,
    validate_event,
)

Status = Literal["accepted", "duplicate", "rejected"]
CarerKey = tuple[uuid.UUID, str]
PreviousKey = tuple[uuid.UUID, str, datetime]


# Not frozen: a batch makes one per event and the answer encoder serialises the slots directly.
@dataclass(slots=True)
class EventOutcome:
    """What became of one event of a batch, in the order the vendor sent them."""

    index: int
    event_id: str | None
    status: Status
    reason: str | None = None
    detail: str | None = None
    field: str | None = None


@dataclass(slots=True)
class ValidatedBatch:
    """The batch after validation: one outcome slot per event (None while still a candidate),
    the events to store with their indexes, and the candidates grouped by carer and package."""

    outcomes: list[EventOutcome | None]
    candidates: list[tuple[int, VisitEvent]]
    by_carer: dict[CarerKey, list[VisitEvent]]


def _raw_event_id(raw: Any) -> str | None:
    value = raw.get("event_id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def _rejected(index: int, raw: Any, rejection: EventRejected) -> EventOutcome:
    return EventOutcome(
        index, _raw_event_id(raw), "rejected", rejection.reason.value, rejection.detail, rejection.field
    )


def validate_batch(raw_events: Sequence[Any], ctx: IngestContext) -> ValidatedBatch:
    """Validate every event; a repeated event id within the batch is a duplicate of its first valid copy."""
    outcomes: list[EventOutcome | None] = [None] * len(raw_events)
    candidates: list[tuple[int, VisitEvent]] = []
    by_carer: dict[CarerKey, list[VisitEvent]] = {}
    seen: set[str] = set()
    for index, raw in enumerate(raw_events):
        result = validate_event(raw, ctx)
        if type(result) is not VisitEvent:
            assert isinstance(result, EventRejected)
            outcomes[index] = _rejected(index, raw, result)
        elif result.event_id in seen:
            outcomes[index] = EventOutcome(index, result.event_id, "duplicate")
        else:
            seen.add(result.event_id)
            candidates.append((index, result))
            key = (result.package_id, result.carer_id)
            group = by_carer.get(key)
            if group is None:
                by_carer[key] = [result]
            else:
                group.append(result)
    return ValidatedBatch(outcomes, candidates, by_carer)


def carer_keys(batch: ValidatedBatch, rules: MonitoringRules) -> list[PreviousKey]:
    """(package, carer, time) of each check-out whose predecessor the store must find.

    A check-out with an event of the same carer and package in the batch within the maximum visit
    length before it cannot be too late, whatever is stored, so it needs no lookup.
    """
    keys = []
    for _, e in batch.candidates:
        if e.type != "check_out":
            continue
        at = e.occurred_at
        earliest = at - rules.max_visit_length
        if not any(earliest <= o.occurred_at < at for o in batch.by_carer[(e.package_id, e.carer_id)]):
            keys.append((e.package_id, e.carer_id, at))
    return keys


def _previous_in_batch(
    event: VisitEvent, batch: ValidatedBatch, stored: tuple[EventType, datetime] | None
) -> tuple[EventType, datetime] | None:
    previous = stored
    for other in batch.by_carer[(event.package_id, event.carer_id)]:
        if other.occurred_at < event.occurred_at and (previous is None or other.occurred_at >= previous[1]):
            previous = (other.type, other.occurred_at)
    return previous


def reject_late_check_outs(
    batch: ValidatedBatch,
    stored_previous: Mapping[PreviousKey, tuple[EventType, datetime]],
    rules: MonitoringRules,
) -> None:
    """Reject check-outs more than the maximum visit length after the carer's open check-in.

    The event before a check-out is the latest of the stored one (from ``stored_previous``, keyed
    as :func:`carer_keys`) and any earlier event of the same carer and package in this batch.
    """
    kept: list[tuple[int, VisitEvent]] = []
    for index, event in batch.candidates:
        if event.type == "check_out":
            stored = stored_previous.get((event.package_id, event.carer_id, event.occurred_at))
            if check_out_too_late(event.occurred_at, _previous_in_batch(event, batch, stored), rules):
                batch.outcomes[index] = EventOutcome(
                    index,
                    event.event_id,
                    "rejected",
                    Rejection.CHECK_OUT_TOO_LATE.value,
                    "the carer's check-in before this check-out is more than 24 hours earlier",
                    "occurred_at",
                )
                continue
        kept.append((index, event))
    batch.candidates = kept


def final_outcomes(batch: ValidatedBatch, stored_ids: Collection[str]) -> list[EventOutcome]:
    """Every event's outcome in batch order, once the store said which candidates were new."""
    outcomes = batch.outcomes
    for index, event in batch.candidates:
        status: Status = "accepted" if event.event_id in stored_ids else "duplicate"
        outcomes[index] = EventOutcome(index, event.event_id, status)
    result = [o for o in outcomes if o is not None]
    assert len(result) == len(outcomes), "every event has an outcome"
    return result
