"""Ingesting one batch of ETMS events: validate in bulk, then store it in one transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from shared.errors import InvalidInput, PayloadTooLarge, field_error

from monitoring.db import ingest_repository as repo
from monitoring.domain.config import MonitoringRules
from monitoring.domain.ingest_batch import (
    EventOutcome,
    carer_keys,
    final_outcomes,
    reject_late_check_outs,
    validate_batch,
)
from monitoring.domain.visit_events import IngestContext


def parse_batch(body: bytes, rules: MonitoringRules) -> list[Any]:
    """The batch's raw events; a malformed batch is refused whole with problem+json."""
    if len(body) > rules.max_batch_bytes:
        raise PayloadTooLarge(f"A batch may be at most {rules.max_batch_bytes} bytes.")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidInput("The body is not JSON.", errors=[field_error("body", "not valid JSON")]) from None
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, list):
        raise InvalidInput(
            "The body must be an object with an events array.",
            errors=[field_error("events", "an array of events is required", "missing")],
        )
    if not events:
        raise InvalidInput("A batch needs at least one event.", errors=[field_error("events", "empty")])
    if len(events) > rules.max_batch_events:
        raise InvalidInput(
            f"A batch may hold at most {rules.max_batch_events} events.",
            errors=[field_error("events", f"{len(events)} events is over {rules.max_batch_events}", "too_long")],
        )
    return events


def _package_ids(raw_events: list[Any]) -> dict[str, uuid.UUID]:
    texts = {value for raw in raw_events if isinstance(raw, dict) and isinstance(value := raw.get("package_id"), str)}
    ids: dict[str, uuid.UUID] = {}
    for value in texts:
        try:
            ids[value] = uuid.UUID(value)
        except ValueError:
            continue  # validation names the field for this event
    return ids


async def ingest(
    conn: asyncpg.Connection,
    *,
    vendor_id: uuid.UUID,
    served_providers: frozenset[uuid.UUID],
    raw_events: list[Any],
    now: datetime,
    rules: MonitoringRules,
) -> list[EventOutcome]:
    """Every event's outcome; accepted events are stored in the caller's transaction."""
    parsed = _package_ids(raw_events)
    providers = await repo.package_providers(conn, list(set(parsed.values())))
    ctx = IngestContext(
        now=now, package_providers=providers, served_providers=served_providers, rules=rules, parsed_ids=parsed
    )
    batch = validate_batch(raw_events, ctx)
    previous = await repo.previous_events(conn, carer_keys(batch, rules))
    reject_late_check_outs(batch, previous, rules)
    stored = await repo.insert_events(conn, vendor_id, [e for _, e in batch.candidates])
    return final_outcomes(batch, stored)
