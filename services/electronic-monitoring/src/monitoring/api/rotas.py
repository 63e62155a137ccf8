"""``PUT /v1/packages/{id}/rota/{iso_week}``: a provider's flexible weekly rota for a package."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from shared.auth.dependency import Principal, require_roles
from shared.clock import london_date, london_wall_clock_to_utc, utcnow
from shared.db.session import SessionDep
from shared.errors import InvalidInput, NotFound, field_error
from shared.web.runtime import RuntimeDep

from monitoring.db import plans_repository as plans
from monitoring.domain.config import MonitoringRules
from monitoring.domain.plan import IsoWeek, RotaVisit
from monitoring.domain.rota import (
    Activity,
    banked_hours,
    banking_weeks,
    check_rota,
    days_outside_week,
    parse_iso_week,
    week_monday,
)
from monitoring.settings import MonitoringSettings

router = APIRouter(prefix="/v1/packages", tags=["rotas"])
ProviderDep = Annotated[Principal, Depends(require_roles("provider"))]


class RotaVisitIn(BaseModel):
    """A visit of the rota on a London day and wall-clock time."""

    day: date
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["08:30"])
    duration_minutes: int = Field(gt=0, le=24 * 60)
    carers: Literal[1, 2] = 1


class RotaRequest(BaseModel):
    """The week's visits, replacing the package's pattern for that week."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "visits": [
                        {"day": "2026-03-02", "start": "08:30", "duration_minutes": 60, "carers": 1},
                        {"day": "2026-03-04", "start": "14:00", "duration_minutes": 180, "carers": 1},
                    ]
                }
            ]
        }
    )

    visits: list[RotaVisitIn] = Field(max_length=500)


class RotaAnswer(BaseModel):
    """The rota's carer hours against weekly hours plus bank; over the allowance it is flagged, not refused."""

    package_id: uuid.UUID
    iso_week: str
    planned_hours: Decimal
    banked_hours: Decimal = Field(description="Unused carer hours of the recent complete weeks (the banking window).")
    allowed_hours: Decimal
    over_by_hours: Decimal
    over_allowance: bool


async def _bank(session: SessionDep, stored: plans.StoredPackage, week: IsoWeek, rules: MonitoringRules) -> Decimal:
    weeks = banking_weeks(week, london_date(utcnow()), rules.banking_window_weeks)
    if not weeks:
        return Decimal(0)
    since = london_wall_clock_to_utc(week_monday(weeks[0]), time(0))
    until = london_wall_clock_to_utc(week_monday(weeks[-1]) + timedelta(days=7), time(0))
    package_id = stored.plan.package_id
    delivered = await plans.delivered_carer_minutes(session, package_id, since, until)
    activity = Activity(stored.start_date, stored.plan.ended_at, stored.plan.suspensions)
    return banked_hours(stored.weekly_hours, weeks, activity, delivered)


@router.put("/{package_id}/rota/{iso_week}", response_model=RotaAnswer)
async def put_rota(
    package_id: uuid.UUID,
    iso_week: str,
    body: RotaRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: ProviderDep,
) -> RotaAnswer:
    """Set the week's rota for a package the provider delivers; it replaces the pattern's visits that week."""
    try:
        week = parse_iso_week(iso_week)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=[field_error("iso_week", "must be an ISO week like 2026-W09")]) from None
    stored = (await plans.load_packages(session, [package_id])).get(package_id)
    if stored is None or not principal.serves(stored.provider_id):
        raise NotFound("No package with this id is delivered by you.")
    settings = runtime.settings
    assert isinstance(settings, MonitoringSettings)
    visits = [RotaVisit(v.day, time.fromisoformat(v.start), v.duration_minutes, v.carers) for v in body.visits]
    outside = days_outside_week(visits, week)
    if outside:
        raise InvalidInput(
            f"Every visit must fall in {iso_week}.",
            errors=[field_error(f"visits.{i}.day", f"not in {iso_week}") for i in outside],
        )
    bank = await _bank(session, stored, week, settings.rules())
    result = check_rota(visits, stored.weekly_hours, bank)
    await plans.save_rota(
        session,
        package_id=package_id,
        week=week,
        visits=visits,
        check=result,
        submitted_by=f"{principal.role}:{principal.name}:{principal.client_id}",
    )
    return RotaAnswer(
        package_id=package_id,
        iso_week=iso_week,
        planned_hours=result.planned_hours,
        banked_hours=result.banked_hours,
        allowed_hours=result.allowed_hours,
        over_by_hours=result.over_by_hours,
        over_allowance=result.over_allowance,
    )
