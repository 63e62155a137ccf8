"""How a ``monitoring.visit`` event's state maps onto a visit fact."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from quality.events.handlers import unverified_reason, visit_status
from shared.contracts import monitoring

START = datetime(2026, 11, 16, 9, tzinfo=UTC)


def event(cls, **kw):
    base = {"visit_id": uuid.uuid4(), "package_id": uuid.uuid4(), "provider_id": uuid.uuid4(), "revision": 1}
    return cls(**{**base, **kw})


@pytest.mark.parametrize(
    ("cls", "kw", "status"),
    [
        (monitoring.VisitCompleted, {"actual_start": START}, "completed"),
        (monitoring.VisitMissed, {}, "missed"),
        (monitoring.VisitCancelled, {}, "cancelled"),
        (monitoring.VisitCorrected, {"actual_start": START}, "completed"),  # corrected into a visit
        (monitoring.VisitCorrected, {}, "missed"),  # corrected to say nobody came
    ],
)
def test_visit_status(cls, kw, status) -> None:
    assert visit_status(event(cls, **kw)) == status


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"verified": True, "method": "gps"}, None),
        ({"verified": False, "method": "manual"}, "manual"),
        ({"verified": False, "method": "nfc", "flags": ["manual"]}, "manual"),
        ({"verified": False, "method": "gps", "flags": ["unverified"]}, "outside_geofence"),
        ({"verified": False, "method": "telephony"}, "unverified_telephony"),
        ({"verified": False}, "unverified_unknown"),
    ],
)
def test_unverified_reason(kw, reason) -> None:
    assert unverified_reason(event(monitoring.VisitCompleted, **kw)) == reason
