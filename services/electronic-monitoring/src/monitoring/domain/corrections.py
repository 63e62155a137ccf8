"""Provider corrections of a visit record: reasons, validation, and which correction stands.

Original events are never changed; a correction overrides them until a council officer rejects
it, and every correction is kept with who made it and who rejected it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from monitoring.domain.config import MonitoringRules


class CorrectionReason(StrEnum):
    """Why a provider corrected a visit record."""

    DEVICE_FAILURE = "device_failure"
    NO_SIGNAL = "no_signal"
    CARER_FORGOT = "carer_forgot"
    SERVICE_USER_REFUSED = "service_user_refused"
    SERVICE_USER_NOT_HOME = "service_user_not_home"
    HOSPITAL_ADMISSION = "hospital_admission"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Correction:
    """A provider's corrected times for a visit, with its audit trail."""

    correction_id: uuid.UUID
    visit_id: uuid.UUID
    reason: CorrectionReason
    note: str | None
    check_in_at: datetime
    check_out_at: datetime
    made_by: str
    made_at: datetime
    rejected_by: str | None = None
    rejected_at: datetime | None = None
    rejection_note: str | None = None

    @property
    def rejected(self) -> bool:
        """True once a council officer has rejected the correction."""
        return self.rejected_at is not None


@dataclass(frozen=True, slots=True)
class FieldError:
    """A fault in a request, named by its field, for problem+json."""

    field: str
    message: str


def correction_errors(
    reason: CorrectionReason,
    note: str | None,
    check_in_at: datetime,
    check_out_at: datetime,
    now: datetime,
    rules: MonitoringRules,
) -> list[FieldError]:
    """Every fault in a correction request; empty when it may be recorded."""
    errors: list[FieldError] = []
    if reason is CorrectionReason.OTHER and not (note and note.strip()):
        errors.append(FieldError("note", "a note is required when the reason is other"))
    if check_out_at <= check_in_at:
        errors.append(FieldError("check_out_at", "check_out_at must be after check_in_at"))
    elif check_out_at - check_in_at > rules.max_visit_length:
        errors.append(FieldError("check_out_at", "a visit cannot last longer than the maximum visit length"))
    for name, moment in (("check_in_at", check_in_at), ("check_out_at", check_out_at)):
        if moment > now + rules.clock_skew:
            errors.append(FieldError(name, f"{name} cannot be in the future"))
    return errors


def standing_correction(corrections: Iterable[Correction]) -> Correction | None:
    """The correction in force: the latest one not rejected (the original events stand if none)."""
    live = [c for c in corrections if not c.rejected]
    return max(live, key=lambda c: (c.made_at, str(c.correction_id)), default=None)
