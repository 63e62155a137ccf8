"""An ingest batch: each event's outcome, in-batch duplicates, and late check-outs.

The store decides the remaining duplicates (events seen in earlier batches) with its
``ON CONFLICT DO NOTHING``; everything else about a batch is decided here, without I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
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


Previous = tuple[EventType, datetime]


@dataclass(slots=True)
class ValidatedBatch:
    """The batch after validation: one outcome slot per event (None while still a candidate), the
    events to store with their indexes, and for each check-out among them (by index) the latest
    earlier event of the same carer at the same package within the batch, if any."""

    outcomes: list[EventOutcome | None]
    candidates: list[tuple[int, VisitEvent]]
    previous_in_batch: dict[int, Previous | None]


def _raw_event_id(raw: Any) -> str | None:
    value = raw.get("event_id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def _rejected(index: int, raw: Any, rejection: EventRejected) -> EventOutcome:
    return EventOutcome(
        index, _raw_event_id(raw), "rejected", rejection.reason.value, rejection.detail, rejection.field
    )


def _check_out_predecessors(groups: Iterable[list[tuple[int, VisitEvent]]]) -> dict[int, Previous | None]:
    previous: dict[int, Previous | None] = {}
    for group in groups:
        # Stable: among events at the same instant the later one in the batch counts as later.
        ordered = sorted(group, key=lambda item: item[1].occurred_at) if len(group) > 1 else group
        for position, (index, event) in enumerate(ordered):
            if event.type != "check_out":
                continue
            before = position - 1
            while before >= 0 and ordered[before][1].occurred_at == event.occurred_at:
                before -= 1
            other = ordered[before][1] if before >= 0 else None
            previous[index] = (other.type, other.occurred_at) if other is not None else None
    return previous


def validate_batch(raw_events: Sequence[Any], ctx: IngestContext) -> ValidatedBatch:
    """Validate every event; a repeated event id within the batch is a duplicate of its first valid copy."""
    outcomes: list[EventOutcome | None] = [None] * len(raw_events)
    candidates: list[tuple[int, VisitEvent]] = []
    by_carer: dict[CarerKey, list[tuple[int, VisitEvent]]] = {}
    seen: set[str] = set()
    for index, raw in enumerate(raw_events):
        result = validate_event(raw, ctx)
        if isinstance(result, EventRejected):
            outcomes[index] = _rejected(index, raw, result)
        elif result.event_id in seen:
            outcomes[index] = EventOutcome(index, result.event_id, "duplicate")
        else:
            seen.add(result.event_id)
            candidates.append((index, result))
            key = (result.package_id, result.carer_id)
            group = by_carer.get(key)
            if group is None:
                by_carer[key] = [(index, result)]
            else:
                group.append((index, result))
    return ValidatedBatch(outcomes, candidates, _check_out_predecessors(by_carer.values()))


def carer_keys(batch: ValidatedBatch, rules: MonitoringRules) -> list[PreviousKey]:
    """(package, carer, time) of each check-out whose predecessor the store must find.

    A check-out with an event of the same carer and package in the batch within the maximum visit
    length before it cannot be too late, whatever is stored, so it needs no lookup.
    """
    keys = []
    for index, event in batch.candidates:
        if event.type != "check_out":
            continue
        previous = batch.previous_in_batch[index]
        if previous is None or event.occurred_at - previous[1] > rules.max_visit_length:
            keys.append((event.package_id, event.carer_id, event.occurred_at))
    return keys


def reject_late_check_outs(
    batch: ValidatedBatch,
    stored_previous: Mapping[PreviousKey, Previous],
    rules: MonitoringRules,
) -> None:
    """Reject check-outs more than the maximum visit length after the carer's open check-in.

    The event before a check-out is the later of the stored one (from ``stored_previous``, keyed
    as :func:`carer_keys`) and the one before it in this batch (the batch's wins a tie).
    """
    kept: list[tuple[int, VisitEvent]] = []
    for index, event in batch.candidates:
        if event.type == "check_out":
            in_batch = batch.previous_in_batch[index]
            stored = stored_previous.get((event.package_id, event.carer_id, event.occurred_at))
            previous = in_batch if stored is None or (in_batch is not None and in_batch[1] >= stored[1]) else stored
            if check_out_too_late(event.occurred_at, previous, rules):
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
