"""Validation of each raw ingest event, one test row per rejection reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from monitoring.domain.config import DEFAULT_RULES
from monitoring.domain.visit_events import (
    EventRejected,
    IngestContext,
    Rejection,
    VisitEvent,
    check_out_too_late,
    validate_event,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PACKAGE = uuid.UUID("22222222-2222-2222-2222-222222222222")
OTHER_PACKAGE = uuid.UUID("33333333-3333-3333-3333-333333333333")
PROVIDER = uuid.UUID("44444444-4444-4444-4444-444444444444")
OTHER_PROVIDER = uuid.UUID("55555555-5555-5555-5555-555555555555")
CTX = IngestContext(
    now=NOW,
    package_providers={PACKAGE: PROVIDER, OTHER_PACKAGE: OTHER_PROVIDER},
    served_providers=frozenset({PROVIDER}),
    rules=DEFAULT_RULES,
)


def raw(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": "ev-1",
        "type": "check_in",
        "occurred_at": "2026-03-02T08:58:00+00:00",
        "package_id": str(PACKAGE),
        "carer_id": "carer-7",
        "method": "gps",
        "location": {"lat": 50.26, "lon": -5.05, "accuracy_m": 8},
        "device_id": "phone-1",
    }
    for key, value in changes.items():
        if value is ...:
            del event[key]
        else:
            event[key] = value
    return event


def test_a_good_event_is_accepted_in_utc() -> None:
    result = validate_event(raw(occurred_at="2026-03-02T08:58:00+01:00"), CTX)
    assert result == VisitEvent(
        event_id="ev-1",
        type="check_in",
        occurred_at=datetime(2026, 3, 2, 7, 58, tzinfo=UTC),
        package_id=PACKAGE,
        carer_id="carer-7",
        method="gps",
        lat=50.26,
        lon=-5.05,
        accuracy_m=8.0,
        device_id="phone-1",
    )


def test_optional_parts_may_be_left_out() -> None:
    result = validate_event(raw(location=..., device_id=..., method="nfc", occurred_at="2026-03-02T08:58Z"), CTX)
    assert isinstance(result, VisitEvent)
    assert (result.lat, result.lon, result.device_id) == (None, None, None)


@pytest.mark.parametrize(
    ("event", "reason", "field"),
    [
        ("not an object", Rejection.INVALID_EVENT, None),
        (raw(event_id=...), Rejection.INVALID_EVENT, "event_id"),
        (raw(event_id=""), Rejection.INVALID_EVENT, "event_id"),
        (raw(event_id="x" * 129), Rejection.INVALID_EVENT, "event_id"),
        (raw(carer_id=17), Rejection.INVALID_EVENT, "carer_id"),
        # Postgres text cannot hold NUL: refused here, it never reaches (and fails) the batch's insert.
        (raw(carer_id="carer\x007"), Rejection.INVALID_EVENT, "carer_id"),
        (raw(device_id=["a"]), Rejection.INVALID_EVENT, "device_id"),
        (raw(type="arrived"), Rejection.UNKNOWN_TYPE, "type"),
        (raw(type=...), Rejection.UNKNOWN_TYPE, "type"),
        # Unhashable JSON values are faults of the event, not errors of the service.
        (raw(type=["check_in"]), Rejection.UNKNOWN_TYPE, "type"),
        (raw(method={"gps": True}), Rejection.UNKNOWN_METHOD, "method"),
        (raw(package_id=[str(PACKAGE)]), Rejection.INVALID_EVENT, "package_id"),
        (raw(method="bluetooth"), Rejection.UNKNOWN_METHOD, "method"),
        (raw(occurred_at="yesterday"), Rejection.INVALID_TIME, "occurred_at"),
        (raw(occurred_at="2026-03-02T08:58:00"), Rejection.INVALID_TIME, "occurred_at"),
        (raw(occurred_at=1772441880), Rejection.INVALID_TIME, "occurred_at"),
        # A valid string whose UTC instant is before year 1.
        (raw(occurred_at="0001-01-01T00:30:00+01:00"), Rejection.INVALID_TIME, "occurred_at"),
        # 5 min 1 s ahead of the server clock is beyond the allowed skew.
        (raw(occurred_at="2026-03-02T09:05:01+00:00"), Rejection.FUTURE_TIME, "occurred_at"),
        (raw(location={"lat": 91, "lon": 0}), Rejection.COORDINATES_OUT_OF_RANGE, "location"),
        (raw(location={"lat": 50, "lon": -180.01}), Rejection.COORDINATES_OUT_OF_RANGE, "location"),
        (raw(location={"lat": "50", "lon": 0}), Rejection.COORDINATES_OUT_OF_RANGE, "location.lat"),
        (raw(location={"lat": 50, "lon": True}), Rejection.COORDINATES_OUT_OF_RANGE, "location.lon"),
        (raw(location={"lat": 50}), Rejection.COORDINATES_OUT_OF_RANGE, "location.lon"),
        (
            raw(location={"lat": 50.5, "lon": 0.5, "accuracy_m": "9"}),
            Rejection.COORDINATES_OUT_OF_RANGE,
            "location.accuracy_m",
        ),
        (
            raw(location={"lat": 50, "lon": 0, "accuracy_m": -1}),
            Rejection.INVALID_EVENT,
            "location.accuracy_m",
        ),
        (raw(location=[50, 0]), Rejection.INVALID_EVENT, "location"),
        (raw(package_id="not-a-uuid"), Rejection.INVALID_EVENT, "package_id"),
        (raw(package_id=str(uuid.UUID(int=9))), Rejection.UNKNOWN_PACKAGE, "package_id"),
        (raw(package_id=str(OTHER_PACKAGE)), Rejection.PACKAGE_NOT_SERVED, "package_id"),
    ],
)
def test_rejections(event: Any, reason: Rejection, field: str | None) -> None:
    result = validate_event(event, CTX)
    assert isinstance(result, EventRejected)
    assert (result.reason, result.field) == (reason, field)
    assert result.detail


def test_exactly_five_minutes_of_skew_is_allowed() -> None:
    assert isinstance(validate_event(raw(occurred_at="2026-03-02T09:05:00+00:00"), CTX), VisitEvent)


CHECK_OUT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("previous", "too_late"),
    [
        (None, False),
        (("check_in", CHECK_OUT - timedelta(hours=24)), False),
        (("check_in", CHECK_OUT - timedelta(hours=24, seconds=1)), True),
        # Yesterday's visit was closed by its check-out: today's check-in may simply be late.
        (("check_out", CHECK_OUT - timedelta(hours=25)), False),
    ],
)
def test_check_out_more_than_24_hours_after_its_check_in(previous: tuple[Any, datetime] | None, too_late: bool) -> None:
    assert check_out_too_late(CHECK_OUT, previous, DEFAULT_RULES) is too_late
