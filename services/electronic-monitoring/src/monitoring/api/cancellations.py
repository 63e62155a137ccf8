"""``POST /v1/packages/{id}/cancellations``: the person cancelled a planned visit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict
from shared.auth.dependency import Principal, require_roles
from shared.clock import london_date, utcnow
from shared.db.session import SessionDep
from shared.errors import Conflict, InvalidInput, NotFound, field_error
from shared.web.openapi import problem_responses
from shared.web.runtime import RuntimeDep

from monitoring.api.access import ensure_visible
from monitoring.db import plans_repository as plans
from monitoring.domain.plan import expand_plan
from monitoring.settings import MonitoringSettings

router = APIRouter(prefix="/v1/packages", tags=["cancellations"])
RecorderDep = Annotated[Principal, Depends(require_roles("provider", "case_management"))]


class CancellationRequest(BaseModel):
    """Which planned visit the person cancelled, and when they gave notice."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"planned_start": "2026-03-05T08:00:00+00:00", "notified_at": "2026-03-03T17:20:00+00:00"}]
        }
    )

    planned_start: AwareDatetime
    notified_at: AwareDatetime | None = None


class CancellationAnswer(BaseModel):
    """The cancelled visit; with notice it is published as cancelled, never as missed."""

    visit_id: uuid.UUID
    package_id: uuid.UUID
    planned_start: datetime
    notified_at: datetime
    with_notice: bool


@router.post(
    "/{package_id}/cancellations",
    status_code=201,
    response_model=CancellationAnswer,
    responses=problem_responses(409),
)
async def cancel_visit(
    package_id: uuid.UUID, body: CancellationRequest, session: SessionDep, runtime: RuntimeDep, who: RecorderDep
) -> CancellationAnswer:
    """Record a cancellation by the person; the provider records it, or the council's case management."""
    settings = runtime.settings
    assert isinstance(settings, MonitoringSettings)
    rules = settings.rules()
    stored = (await plans.load_packages(session, [package_id])).get(package_id)
    if stored is None:
        raise NotFound("No package with this id is visible to you.")
    await ensure_visible(session, who, package_id=package_id, provider_id=stored.provider_id, what="package")
    now = utcnow()
    notified_at = body.notified_at or now
    if notified_at > now + rules.clock_skew:
        raise InvalidInput(
            "Notice cannot be given in the future.", errors=[field_error("notified_at", "in the future")]
        )
    day = london_date(body.planned_start)
    planned = next((v for v in expand_plan(stored.plan, day, day) if v.planned_start == body.planned_start), None)
    if planned is None:
        raise InvalidInput(
            "No visit is planned at that time.", errors=[field_error("planned_start", "no planned visit starts then")]
        )
    recorded = await plans.save_cancellation(
        session,
        visit_id=planned.visit_id,
        package_id=package_id,
        notified_at=notified_at,
        recorded_by=f"{who.role}:{who.name}:{who.client_id}",
    )
    if not recorded:
        raise Conflict("This visit's cancellation is already recorded.")
    return CancellationAnswer(
        visit_id=planned.visit_id,
        package_id=package_id,
        planned_start=planned.planned_start,
        notified_at=notified_at,
        with_notice=planned.planned_start - notified_at >= rules.cancellation_notice,
    )
