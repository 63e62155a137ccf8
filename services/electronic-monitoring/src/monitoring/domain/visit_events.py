"""ETMS visit events: validation of each raw event of an ingest batch, with the exact reasons.

This is the ingest hot path, so it works on the decoded JSON dicts directly rather than building a
pydantic model per event: one bad event is a rejection with a reason, never an exception.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from monitoring.domain.config import MonitoringRules
from monitoring.domain.geo import coordinates_in_range

EventType = Literal["check_in", "check_out"]
Method = Literal["gps", "nfc", "telephony", "manual"]
EVENT_TYPES: frozenset[str] = frozenset(("check_in", "check_out"))
METHODS: frozenset[str] = frozenset(("gps", "nfc", "telephony", "manual"))
MAX_ID_LENGTH = 128


class Rejection(StrEnum):
    """Why an event was refused; every reason is named in the 202 answer beside the event."""

    INVALID_EVENT = "invalid_event"
    UNKNOWN_TYPE = "unknown_type"
    UNKNOWN_METHOD = "unknown_method"
    INVALID_TIME = "invalid_time"
    FUTURE_TIME = "future_time"
    COORDINATES_OUT_OF_RANGE = "coordinates_out_of_range"
    UNKNOWN_PACKAGE = "unknown_package"
    PACKAGE_NOT_SERVED = "package_not_served"
    CHECK_OUT_TOO_LATE = "check_out_too_late"


@dataclass(frozen=True, slots=True)
class VisitEvent:
    """A validated check-in or check-out, times in UTC."""

    event_id: str
    type: EventType
    occurred_at: datetime
    package_id: uuid.UUID
    carer_id: str
    method: Method
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    device_id: str | None = None


@dataclass(frozen=True, slots=True)
class EventRejected:
    """A refused event: its reason, and the field at fault where there is one."""

    reason: Rejection
    detail: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class IngestContext:
    """What validation needs to know beyond the event: the clock, the packages and the vendor's reach."""

    now: datetime
    # Known packages of the batch, by id, to the provider they were awarded to.
    package_providers: Mapping[uuid.UUID, uuid.UUID]
    served_providers: frozenset[uuid.UUID]
    rules: MonitoringRules
    # Package ids of the batch already parsed, by their text: a batch names few packages many times.
    parsed_ids: Mapping[str, uuid.UUID] = field(default_factory=dict)


def _identifier(raw: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = raw.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        detail = f"{name} must be a string of 1 to {MAX_ID_LENGTH} characters"
        raise _Invalid(Rejection.INVALID_EVENT, detail, name)
    return value


class _Invalid(Exception):
    def __init__(self, reason: Rejection, detail: str, field: str | None) -> None:
        super().__init__(detail)
        self.rejection = EventRejected(reason, detail, field)


def _number(value: Any, name: str) -> float:
    # bool is an int subclass in Python; true/false is not a coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Invalid(Rejection.COORDINATES_OUT_OF_RANGE, f"{name} must be a finite number", name)
    return float(value)


def _location(raw: Any) -> tuple[float | None, float | None, float | None]:
    if raw is None:
        return None, None, None
    if not isinstance(raw, dict):
        raise _Invalid(Rejection.INVALID_EVENT, "location must be an object with lat and lon", "location")
    lat = _number(raw.get("lat"), "location.lat")
    lon = _number(raw.get("lon"), "location.lon")
    if not coordinates_in_range(lat, lon):
        raise _Invalid(Rejection.COORDINATES_OUT_OF_RANGE, "lat must be within ±90 and lon within ±180", "location")
    accuracy = raw.get("accuracy_m")
    if accuracy is not None:
        accuracy = _number(accuracy, "location.accuracy_m")
        if accuracy < 0:
            raise _Invalid(Rejection.INVALID_EVENT, "accuracy_m cannot be negative", "location.accuracy_m")
    return lat, lon, accuracy


def _occurred_at(raw: Any, ctx: IngestContext) -> datetime:
    if not isinstance(raw, str):
        raise _Invalid(Rejection.INVALID_TIME, "occurred_at must be an ISO 8601 string", "occurred_at")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise _Invalid(Rejection.INVALID_TIME, "occurred_at is not ISO 8601", "occurred_at") from None
    if moment.tzinfo is None:
        raise _Invalid(Rejection.INVALID_TIME, "occurred_at must carry its UTC offset", "occurred_at")
    moment = moment.astimezone(UTC)
    if moment > ctx.now + ctx.rules.clock_skew:
        detail = "occurred_at is in the future beyond the allowed clock skew"
        raise _Invalid(Rejection.FUTURE_TIME, detail, "occurred_at")
    return moment


def _package(raw: Any, ctx: IngestContext) -> uuid.UUID:
    package_id = ctx.parsed_ids.get(raw) if isinstance(raw, str) else None
    if package_id is None:
        try:
            package_id = uuid.UUID(raw) if isinstance(raw, str) else None
        except ValueError:
            package_id = None
    if package_id is None:
        raise _Invalid(Rejection.INVALID_EVENT, "package_id must be a UUID", "package_id")
    provider = ctx.package_providers.get(package_id)
    if provider is None:
        raise _Invalid(Rejection.UNKNOWN_PACKAGE, "no awarded package has this id", "package_id")
    if provider not in ctx.served_providers:
        detail = "the package's provider is not served by this vendor"
        raise _Invalid(Rejection.PACKAGE_NOT_SERVED, detail, "package_id")
    return package_id


def validate_event(raw: Any, ctx: IngestContext) -> VisitEvent | EventRejected:
    """Validate one raw event of a batch; the first fault found is the reason."""
    if not isinstance(raw, dict):
        return EventRejected(Rejection.INVALID_EVENT, "an event must be a JSON object")
    try:
        event_id = _identifier(raw, "event_id", required=True)
        event_type = raw.get("type")
        if event_type not in EVENT_TYPES:
            raise _Invalid(Rejection.UNKNOWN_TYPE, "type must be check_in or check_out", "type")
        method = raw.get("method")
        if method not in METHODS:
            raise _Invalid(Rejection.UNKNOWN_METHOD, "method must be gps, nfc, telephony or manual", "method")
        occurred_at = _occurred_at(raw.get("occurred_at"), ctx)
        carer_id = _identifier(raw, "carer_id", required=True)
        device_id = _identifier(raw, "device_id", required=False)
        lat, lon, accuracy = _location(raw.get("location"))
        package_id = _package(raw.get("package_id"), ctx)
    except _Invalid as invalid:
        return invalid.rejection
    # required=True never returns None; the asserts narrow the types for mypy.
    assert event_id is not None
    assert carer_id is not None
    return VisitEvent(
        event_id=event_id,
        type=event_type,
        occurred_at=occurred_at,
        package_id=package_id,
        carer_id=carer_id,
        method=method,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy,
        device_id=device_id,
    )


def check_out_too_late(
    check_out_at: datetime, previous: tuple[EventType, datetime] | None, rules: MonitoringRules
) -> bool:
    """True when the carer's last event at the package before this check-out is an open check-in
    more than the maximum visit length earlier.

    With no earlier event the check-out is kept: its check-in may still arrive, late, and pairing
    refuses the pair then.
    """
    if previous is None:
        return False
    previous_type, previous_at = previous
    return previous_type == "check_in" and check_out_at - previous_at > rules.max_visit_length
