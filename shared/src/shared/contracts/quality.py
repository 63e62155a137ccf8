"""Events of the quality service, topic ``quality.provider`` keyed by provider id."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime

from shared.contracts.topics import QUALITY_PROVIDER
from shared.messaging.envelope import EventData

SOURCE = "/homecare/quality"


class _QualityEvent(EventData):
    topic = QUALITY_PROVIDER
    provider_id: uuid.UUID


class ProviderScored(_QualityEvent):
    """A provider's composite score for a period (used by quality-based award rules)."""

    name = "scored"
    period_start: date
    period_end: date
    score: Decimal
    band: str
    kpis: dict[str, Decimal | None] = {}


class ProviderStatusChanged(_QualityEvent):
    """An officer confirmed a decision; brokerage applies it."""

    name = "status_changed"
    decision_id: uuid.UUID
    decision: Literal["promote_to_prime", "demote_to_supplementary", "suspend_enablement", "reinstate_enablement"]
    zone_id: str | None = None
    reason: str
    decided_by: str
    decided_at: AwareDatetime
