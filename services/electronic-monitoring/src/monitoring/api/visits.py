"""Visits: read one (with its corrections), correct it (provider), reject a correction (officer)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from shared.audit import record_audit
from shared.auth.dependency import Principal, require_roles
from shared.clock import utcnow
from shared.db.session import SessionDep
from shared.errors import Conflict, InvalidInput, NotFound, field_error
from shared.web.openapi import problem_responses
from shared.web.runtime import RuntimeDep

from monitoring.api.access import ensure_visible
from monitoring.db import corrections_repository as repo
from monitoring.domain.corrections import Correction, CorrectionReason, correction_errors
from monitoring.settings import MonitoringSettings

router = APIRouter(prefix="/v1/visits", tags=["visits"])
OFFICER_ROLES = ("quality_officer", "payments_staff", "payments_approver", "admin")
ReaderDep = Annotated[Principal, Depends(require_roles("provider", "etms_vendor", "case_management", *OFFICER_ROLES))]
ProviderDep = Annotated[Principal, Depends(require_roles("provider"))]
OfficerDep = Annotated[Principal, Depends(require_roles(*OFFICER_ROLES))]


class CorrectionRequest(BaseModel):
    """Corrected times for a visit and why."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reason": "device_failure",
                    "check_in_at": "2026-03-02T08:03:00+00:00",
                    "check_out_at": "2026-03-02T08:34:00+00:00",
                },
                {
                    "reason": "other",
                    "note": "Carer's phone was stolen on the way to the visit.",
                    "check_in_at": "2026-03-02T12:01:00+00:00",
                    "check_out_at": "2026-03-02T12:31:00+00:00",
                },
            ]
        }
    )

    reason: CorrectionReason
    note: str | None = Field(default=None, max_length=2000)
    check_in_at: AwareDatetime
    check_out_at: AwareDatetime


class RejectionRequest(BaseModel):
    """An officer's reason for rejecting a correction."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"note": "Times do not match the carer's rota for that day."}]}
    )

    note: str = Field(min_length=1, max_length=2000)


class CorrectionView(BaseModel):
    """One correction in the visit's audit trail."""

    correction_id: uuid.UUID
    reason: CorrectionReason
    note: str | None
    check_in_at: datetime
    check_out_at: datetime
    made_by: str
    made_at: datetime
    status: str
    rejected_by: str | None
    rejected_at: datetime | None
    rejection_note: str | None


class VisitView(BaseModel):
    """A visit's current state, its published revision and every correction made to it."""

    visit_id: uuid.UUID
    revision: int
    state: dict[str, Any]
    corrections: list[CorrectionView]


def _view(c: Correction) -> CorrectionView:
    return CorrectionView(
        correction_id=c.correction_id,
        reason=c.reason,
        note=c.note,
        check_in_at=c.check_in_at,
        check_out_at=c.check_out_at,
        made_by=c.made_by,
        made_at=c.made_at,
        status="rejected" if c.rejected else "applied",
        rejected_by=c.rejected_by,
        rejected_at=c.rejected_at,
        rejection_note=c.rejection_note,
    )


def _who(principal: Principal) -> str:
    return f"{principal.role}:{principal.name}:{principal.client_id}"


async def _visit_for(session: SessionDep, visit_id: uuid.UUID, principal: Principal) -> Any:
    row = await repo.find_visit(session, visit_id)
    if row is None:
        raise NotFound("No visit with this id is visible to you.")
    await ensure_visible(session, principal, package_id=row.package_id, provider_id=row.provider_id, what="visit")
    return row


@router.get("/{visit_id}", response_model=VisitView)
async def get_visit(visit_id: uuid.UUID, session: SessionDep, principal: ReaderDep) -> VisitView:
    """A visit with its full correction audit: providers and vendors see their providers' visits, a
    case-management client the visits of the packages it referred."""
    row = await _visit_for(session, visit_id, principal)
    corrections = await repo.corrections_of(session, visit_id)
    return VisitView(
        visit_id=visit_id, revision=row.revision, state=row.state, corrections=[_view(c) for c in corrections]
    )


@router.post("/{visit_id}/corrections", status_code=201, response_model=CorrectionView)
async def correct_visit(
    visit_id: uuid.UUID, body: CorrectionRequest, session: SessionDep, runtime: RuntimeDep, principal: ProviderDep
) -> CorrectionView:
    """Correct a visit's times with a reason; the original events are kept and this overrides them."""
    row = await _visit_for(session, visit_id, principal)
    settings = runtime.settings
    assert isinstance(settings, MonitoringSettings)
    now = utcnow()
    errors = correction_errors(body.reason, body.note, body.check_in_at, body.check_out_at, now, settings.rules())
    if errors:
        raise InvalidInput("The correction has errors.", errors=[field_error(e.field, e.message) for e in errors])
    made = Correction(
        correction_id=uuid.uuid4(),
        visit_id=visit_id,
        reason=body.reason,
        note=body.note,
        check_in_at=body.check_in_at,
        check_out_at=body.check_out_at,
        made_by=_who(principal),
        made_at=now,
    )
    await repo.add_correction(session, made, row.package_id)
    return _view(made)


@router.post(
    "/{visit_id}/corrections/{correction_id}/rejection",
    response_model=CorrectionView,
    responses=problem_responses(409),
)
async def reject_correction(
    visit_id: uuid.UUID,
    correction_id: uuid.UUID,
    body: RejectionRequest,
    session: SessionDep,
    principal: OfficerDep,
) -> CorrectionView:
    """A council officer rejects a correction: the events (or an earlier correction) stand again."""
    row = await _visit_for(session, visit_id, principal)
    rejected = await repo.reject_correction(
        session,
        visit_id=visit_id,
        correction_id=correction_id,
        package_id=row.package_id,
        by=_who(principal),
        at=utcnow(),
        note=body.note,
    )
    corrections = {c.correction_id: c for c in await repo.corrections_of(session, visit_id)}
    if correction_id not in corrections:
        raise NotFound("No such correction on this visit.")
    if not rejected:
        raise Conflict("This correction was already rejected.")
    resource = f"visits/{visit_id}/corrections/{correction_id}"
    await record_audit(session, principal, "correction.reject", resource, body.note)
    return _view(corrections[correction_id])
