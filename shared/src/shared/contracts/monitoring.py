"""Events of the electronic-monitoring service, topic ``monitoring.visit`` keyed by visit id.

Every event carries the visit's whole current state and a ``revision``: consumers keep the highest
revision they have seen, so late or reordered events never roll a visit back.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime

from shared.contracts.common import ContractModel
from shared.contracts.topics import VISIT
from shared.messaging.envelope import EventData

SOURCE = "/homecare/electronic-monitoring"

# Fixed namespace, so every replica and every provider's system derives the same id for a planned visit.
PLANNED_VISIT_NAMESPACE = uuid.UUID("5b0f7f3e-4c1e-4d43-9a52-7d7f2b0c9e11")


def planned_visit_id(package_id: uuid.UUID, planned_start: datetime, ordinal: int) -> uuid.UUID:
    """The id of a planned visit: the package, its UTC planned start and its ordinal among visits
    planned at the same instant (0 for the first). Part of the contract: providers can name a visit
    (to correct it) from the plan alone."""
    return uuid.uuid5(PLANNED_VISIT_NAMESPACE, f"{package_id}/{planned_start.isoformat()}/{ordinal}")

VisitFlag = Literal["late", "short", "under_15", "unverified", "unplanned", "manual", "incomplete_double_handed"]
CorrectionReason = Literal[
    "device_failure",
    "no_signal",
    "carer_forgot",
    "service_user_refused",
    "service_user_not_home",
    "hospital_admission",
    "other",
]


class CorrectionInfo(ContractModel):
    """The correction now in force over the original events."""

    correction_id: uuid.UUID
    reason: CorrectionReason
    note: str | None = None
    corrected_by: str
    status: Literal["applied", "rejected"] = "applied"


class _VisitEvent(EventData):
    topic = VISIT
    visit_id: uuid.UUID
    package_id: uuid.UUID
    provider_id: uuid.UUID
    revision: int
    planned_start: AwareDatetime | None = None
    planned_minutes: int | None = None
    carers_required: int = 1
    actual_start: AwareDatetime | None = None
    actual_end: AwareDatetime | None = None
    actual_minutes: int | None = None
    carers: list[str] = []
    method: Literal["gps", "nfc", "telephony", "manual"] | None = None
    flags: list[VisitFlag] = []
    verified: bool = False
    correction: CorrectionInfo | None = None


class VisitCompleted(_VisitEvent):
    """A visit happened (checked in and out)."""

    name = "completed"


class VisitMissed(_VisitEvent):
    """No check-in two hours after the planned start."""

    name = "missed"


class VisitCorrected(_VisitEvent):
    """A provider corrected the record (or an officer rejected a correction)."""

    name = "corrected"


class VisitCancelled(_VisitEvent):
    """The person cancelled with notice: not missed, not paid."""

    name = "cancelled"
