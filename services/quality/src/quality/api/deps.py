"""Who may call what, and the period query parameter every report takes."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Query
from shared.auth import Principal, require_roles
from shared.errors import InvalidInput, NotFound, field_error

from quality.domain.periods import InvalidPeriod, Period, parse_period

WRITERS = ("quality_officer", "admin")
READERS_OF_KPIS = ("quality_officer", "admin", "provider")

Writer = Annotated[Principal, Depends(require_roles(*WRITERS))]
# Officers' own working data (records, scores, recommendations, configuration) is read by the same two roles.
Officer = Writer
KpiReader = Annotated[Principal, Depends(require_roles(*READERS_OF_KPIS))]

PeriodLabel = Annotated[
    str,
    Query(
        description="an ISO week (2026-W47) or a four-week period (2026-W45+4w)",
        examples=["2026-W47"],
        max_length=16,
    ),
]


def read_period(label: str, anchor: date) -> Period:
    """A period label (four-week periods counted from the council's anchor), or a 422 naming ``period``."""
    try:
        return parse_period(label, anchor)
    except InvalidPeriod as exc:
        raise InvalidInput(str(exc), errors=[field_error("period", str(exc), "invalid_period")]) from exc


def only_own_provider(principal: Principal, provider_id: uuid.UUID | None) -> uuid.UUID | None:
    """A provider reads only its own figures: another provider's, a zone's or the council's are not found."""
    if principal.role != "provider":
        return provider_id
    if provider_id is None or not principal.serves(provider_id):
        raise NotFound("No such KPIs for this client.")
    return provider_id
