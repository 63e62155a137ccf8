"""``POST /v1/visit-events``: the ETMS vendors' batch ingest (the service's hot path)."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from shared.auth.dependency import Principal, require_roles
from shared.clock import utcnow
from shared.db.session import SessionDep
from shared.errors import TooManyRequests
from shared.web.runtime import RuntimeDep

from monitoring.db.connection import raw_connection
from monitoring.ingest import ingest, parse_batch
from monitoring.settings import MonitoringSettings

router = APIRouter(prefix="/v1", tags=["visit-events"])
VendorDep = Annotated[Principal, Depends(require_roles("etms_vendor"))]

_EXAMPLE = {
    "events": [
        {
            "event_id": "app-7f3a-000123",
            "type": "check_in",
            "occurred_at": "2026-03-02T08:02:11+00:00",
            "package_id": "0b5c6f5e-8d7a-4e0c-9a51-3f1d2c7b9e10",
            "carer_id": "carer-4411",
            "method": "gps",
            "location": {"lat": 50.2660, "lon": -5.0527, "accuracy_m": 12},
            "device_id": "phone-88",
        },
        {
            "event_id": "nfc-91-000877",
            "type": "check_out",
            "occurred_at": "2026-03-02T08:33:40+00:00",
            "package_id": "0b5c6f5e-8d7a-4e0c-9a51-3f1d2c7b9e10",
            "carer_id": "carer-4411",
            "method": "nfc",
        },
    ]
}

_EVENT_SCHEMA = {
    "type": "object",
    "required": ["event_id", "type", "occurred_at", "package_id", "carer_id", "method"],
    "properties": {
        "event_id": {
            "type": "string",
            "maxLength": 128,
            "description": "Unique per vendor; resends dedupe on it.",
        },
        "type": {"type": "string", "enum": ["check_in", "check_out"]},
        "occurred_at": {"type": "string", "format": "date-time", "description": "ISO 8601 with offset."},
        "package_id": {"type": "string", "format": "uuid"},
        "carer_id": {"type": "string", "maxLength": 128},
        "method": {"type": "string", "enum": ["gps", "nfc", "telephony", "manual"]},
        "location": {
            "type": "object",
            "required": ["lat", "lon"],
            "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
                "accuracy_m": {"type": "number", "minimum": 0},
            },
        },
        "device_id": {"type": "string", "maxLength": 128},
    },
}

_OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["events"],
                    "properties": {"events": {"type": "array", "maxItems": 5000, "items": _EVENT_SCHEMA}},
                },
                "example": _EXAMPLE,
            }
        },
    }
}


class EventResult(BaseModel):
    """What became of one event, in the order sent."""

    index: int
    event_id: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = None
    detail: str | None = None
    field: str | None = None


class IngestAnswer(BaseModel):
    """Counts and per-event results; accepted events are durably stored before this is sent."""

    accepted: int
    duplicates: int
    rejected: int
    results: list[EventResult]


class _InFlight:
    """Counts batches being processed so that overload is answered 429 rather than queued unboundedly."""

    def __init__(self) -> None:
        self.count = 0


@router.post(
    "/visit-events",
    status_code=202,
    response_model=IngestAnswer,
    openapi_extra=_OPENAPI_BODY,
    summary="Post a batch of up to 5,000 check-in and check-out events",
)
async def post_visit_events(request: Request, session: SessionDep, runtime: RuntimeDep, vendor: VendorDep) -> Response:
    """Validate, dedupe and store a batch; one bad event never sinks the batch."""
    settings = runtime.settings
    assert isinstance(settings, MonitoringSettings)
    rules = settings.rules()
    in_flight: _InFlight = runtime.state.setdefault("ingest_in_flight", _InFlight())
    if in_flight.count >= settings.max_concurrent_batches:
        raise TooManyRequests("Ingest is at capacity; retry the batch after the Retry-After delay.")
    in_flight.count += 1
    try:
        raw_events = parse_batch(await request.body(), rules)
        conn = await raw_connection(session)
        outcomes = await ingest(
            conn,
            vendor_id=vendor.client_id,
            served_providers=vendor.provider_ids,
            raw_events=raw_events,
            now=utcnow(),
            rules=rules,
        )
    finally:
        in_flight.count -= 1
    counts = Counter(o.status for o in outcomes)
    # Encoded by orjson straight from the outcome dataclasses: building and validating 5,000
    # response models would cost more than storing the events.
    answer = {
        "accepted": counts["accepted"],
        "duplicates": counts["duplicate"],
        "rejected": counts["rejected"],
        "results": outcomes,
    }
    return Response(orjson.dumps(answer), status_code=202, media_type="application/json")
