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
from typing import Any, Literal, NamedTuple

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


class VisitEvent(NamedTuple):
    """A validated check-in or check-out, times in UTC.

    A named tuple rather than a frozen dataclass: a batch builds thousands of them on the ingest
    hot path, a frozen dataclass costs several times more to construct, and the store takes the
    fields column by column straight from the tuples.
    """

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
    # Package ids of the batch already parsed, by their text (the store's lookup needed them first).
    parsed_ids: Mapping[str, uuid.UUID] = field(default_factory=dict)
    # The latest acceptable ``occurred_at``: now plus the allowed clock skew.
    latest: datetime = field(init=False)
    # A batch names few packages many times: each distinct package_id text is judged once.
    resolved_packages: dict[str, uuid.UUID | EventRejected] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "latest", self.now + self.rules.clock_skew)


def _bad_identifier(name: str) -> EventRejected:
    detail = f"{name} must be a string of 1 to {MAX_ID_LENGTH} characters, without NUL"
    return EventRejected(Rejection.INVALID_EVENT, detail, name)


def _is_identifier(value: Any) -> bool:
    # Postgres text cannot hold NUL: let it through and one event would fail the whole batch.
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and "\x00" not in value


def _number(value: Any, name: str) -> float | EventRejected:
    # bool is an int subclass in Python; true/false is not a coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return EventRejected(Rejection.COORDINATES_OUT_OF_RANGE, f"{name} must be a finite number", name)
    return float(value)


def _location(raw: Any) -> tuple[float | None, float | None, float | None] | EventRejected:
    if raw is None:
        return None, None, None
    if type(raw) is dict:
        # The common case in one step: floats in range (NaN and infinities fail the comparisons).
        lat, lon, accuracy = raw.get("lat"), raw.get("lon"), raw.get("accuracy_m")
        if (
            type(lat) is float
            and type(lon) is float
            and -90.0 <= lat <= 90.0
            and -180.0 <= lon <= 180.0
            and (accuracy is None or (type(accuracy) is float and 0.0 <= accuracy < math.inf))
        ):
            return lat, lon, accuracy
    return _location_fault_or_value(raw)


def _location_fault_or_value(raw: Any) -> tuple[float | None, float | None, float | None] | EventRejected:
    if not isinstance(raw, dict):
        return EventRejected(Rejection.INVALID_EVENT, "location must be an object with lat and lon", "location")
    lat = _number(raw.get("lat"), "location.lat")
    if isinstance(lat, EventRejected):
        return lat
    lon = _number(raw.get("lon"), "location.lon")
    if isinstance(lon, EventRejected):
        return lon
    if not coordinates_in_range(lat, lon):
        detail = "lat must be within ±90 and lon within ±180"
        return EventRejected(Rejection.COORDINATES_OUT_OF_RANGE, detail, "location")
    accuracy = raw.get("accuracy_m")
    if accuracy is None:
        return lat, lon, None
    accuracy = _number(accuracy, "location.accuracy_m")
    if isinstance(accuracy, EventRejected):
        return accuracy
    if accuracy < 0:
        return EventRejected(Rejection.INVALID_EVENT, "accuracy_m cannot be negative", "location.accuracy_m")
    return lat, lon, accuracy


def _occurred_at(raw: Any, ctx: IngestContext) -> datetime | EventRejected:
    if not isinstance(raw, str):
        return EventRejected(Rejection.INVALID_TIME, "occurred_at must be an ISO 8601 string", "occurred_at")
    try:
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            return EventRejected(Rejection.INVALID_TIME, "occurred_at must carry its UTC offset", "occurred_at")
        if moment > ctx.latest:
            detail = "occurred_at is in the future beyond the allowed clock skew"
            return EventRejected(Rejection.FUTURE_TIME, detail, "occurred_at")
        return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        # OverflowError: a valid string whose UTC instant falls outside year 1 to 9999.
        return EventRejected(Rejection.INVALID_TIME, "occurred_at is not an ISO 8601 time", "occurred_at")


def _resolve_package(raw: Any, ctx: IngestContext) -> uuid.UUID | EventRejected:
    package_id = ctx.parsed_ids.get(raw) if isinstance(raw, str) else None
    if package_id is None:
        try:
            package_id = uuid.UUID(raw) if isinstance(raw, str) else None
        except ValueError:
            package_id = None
    if package_id is None:
        return EventRejected(Rejection.INVALID_EVENT, "package_id must be a UUID", "package_id")
    provider = ctx.package_providers.get(package_id)
    if provider is None:
        return EventRejected(Rejection.UNKNOWN_PACKAGE, "no awarded package has this id", "package_id")
    if provider not in ctx.served_providers:
        detail = "the package's provider is not served by this vendor"
        return EventRejected(Rejection.PACKAGE_NOT_SERVED, detail, "package_id")
    return package_id


def _package(raw: Any, ctx: IngestContext) -> uuid.UUID | EventRejected:
    if not isinstance(raw, str):
        return _resolve_package(raw, ctx)
    resolved = ctx.resolved_packages.get(raw)
    if resolved is None:
        resolved = ctx.resolved_packages[raw] = _resolve_package(raw, ctx)
    return resolved


_NOT_AN_OBJECT = EventRejected(Rejection.INVALID_EVENT, "an event must be a JSON object")
_UNKNOWN_TYPE = EventRejected(Rejection.UNKNOWN_TYPE, "type must be check_in or check_out", "type")
_UNKNOWN_METHOD = EventRejected(Rejection.UNKNOWN_METHOD, "method must be gps, nfc, telephony or manual", "method")


def validate_event(raw: Any, ctx: IngestContext) -> VisitEvent | EventRejected:
    """Validate one raw event of a batch; the first fault found is the reason.

    Faults are checked in a fixed order: event_id, type, method, occurred_at, carer_id, device_id,
    location, package_id. This runs once per event on the ingest hot path, so the common checks
    are inline and no exception is raised for a bad event.
    """
    if not isinstance(raw, dict):
        return _NOT_AN_OBJECT
    get = raw.get
    event_id = get("event_id")
    if not _is_identifier(event_id):
        return _bad_identifier("event_id")
    event_type = get("type")
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        return _UNKNOWN_TYPE
    method = get("method")
    if not isinstance(method, str) or method not in METHODS:
        return _UNKNOWN_METHOD
    occurred_at = _occurred_at(get("occurred_at"), ctx)
    if isinstance(occurred_at, EventRejected):
        return occurred_at
    carer_id = get("carer_id")
    if not _is_identifier(carer_id):
        return _bad_identifier("carer_id")
    device_id = get("device_id")
    if device_id is not None and not _is_identifier(device_id):
        return _bad_identifier("device_id")
    location = _location(get("location"))
    if isinstance(location, EventRejected):
        return location
    package_id = _package(get("package_id"), ctx)
    if isinstance(package_id, EventRejected):
        return package_id
    lat, lon, accuracy = location
    return VisitEvent(event_id, event_type, occurred_at, package_id, carer_id, method, lat, lon, accuracy, device_id)  # type: ignore[arg-type]


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
