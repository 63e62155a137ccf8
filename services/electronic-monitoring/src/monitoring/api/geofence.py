"""``PUT /v1/packages/{id}/geofence``: switch the GPS geofence off (or on) for a person's home."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from shared.audit import record_audit
from shared.auth.dependency import Principal, require_roles
from shared.db.session import SessionDep
from shared.errors import NotFound

from monitoring.api.access import ensure_visible
from monitoring.db import plans_repository as plans

router = APIRouter(prefix="/v1/packages", tags=["geofence"])
CouncilDep = Annotated[Principal, Depends(require_roles("case_management", "admin"))]


class GeofenceSetting(BaseModel):
    """Whether GPS check-ins must be within the geofence of the person's home."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"enabled": False}]})

    enabled: bool


@router.put("/{package_id}/geofence", response_model=GeofenceSetting)
async def put_geofence(
    package_id: uuid.UUID, body: GeofenceSetting, session: SessionDep, who: CouncilDep
) -> GeofenceSetting:
    """E.g. off for a rural home with poor signal, where NFC or telephony verify visits instead."""
    found = await plans.find_package(session, package_id)
    if found is None:
        raise NotFound("No package with this id is visible to you.")
    await ensure_visible(session, who, package_id=package_id, provider_id=found.provider_id, what="package")
    await plans.set_geofence(session, package_id, body.enabled)
    await record_audit(session, who, "geofence.set", f"packages/{package_id}/geofence", details=body.model_dump())
    return body
