"""The commands on a referral: amend, suspend, resume, end, cancel and review.

Each checks the transition against the status as of today first (409 with the reason), then the
body's rules (422 naming every field), then writes the change and its event in one transaction.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter
from shared.clock import utcnow
from shared.contracts.referrals import (
    OutcomeReview,
    ReferralCancelled,
    ReferralEnded,
    ReferralResumed,
    ReferralReviewed,
    ReferralSuspended,
)
from shared.db.session import SessionDep
from shared.errors import Conflict
from shared.web import RuntimeDep
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.api.common import PROBLEMS, CaseManagement, load_own_referral, refuse_if_any, today
from referrals.api.schemas import ReferralOut, ReviewOut
from referrals.db.repository import insert_amendment, insert_review, update_referral
from referrals.domain.commands import (
    AmendmentIn,
    CancelIn,
    EndIn,
    ResumptionIn,
    ReviewIn,
    SuspensionIn,
    VisitIn,
)
from referrals.domain.errors import TransitionRefused
from referrals.domain.lifecycle import Command, Status, after_command, current_status
from referrals.domain.validation import amendment_errors, dated_after_start_errors, review_errors
from referrals.events.publishing import amended_event

router = APIRouter(prefix="/v1/referrals/{referral_id}", tags=["referral lifecycle"], responses=PROBLEMS)


def _transition(row: RowMapping, command: Command) -> tuple[Status, Status]:
    """The status now and after the command, or 409 with the reason it cannot happen."""
    now = current_status(Status(row["status"]), row["care_start_date"], today())
    try:
        return now, after_command(now, command)
    except TransitionRefused as refused:
        raise Conflict(refused.reason, current_status=str(now)) from refused


def _care_start(row: RowMapping) -> date:
    """The day care starts: the provider's agreed start once placed, else the one asked for."""
    start: date = row["care_start_date"] or row["start_date"]
    return start


async def _save(session: AsyncSession, referral_id: uuid.UUID, values: dict[str, Any]) -> RowMapping:
    return await update_referral(session, referral_id, values | {"updated_at": utcnow()})


@router.post("/amendments", response_model=ReferralOut)
async def amend_referral(
    referral_id: uuid.UUID, body: AmendmentIn, session: SessionDep, runtime: RuntimeDep, who: CaseManagement,
) -> ReferralOut:
    """Change the pattern, hours, budget or outcomes from a date."""
    row = await load_own_referral(session, referral_id, who, for_update=True)
    _transition(row, Command.AMEND)
    current_pattern = [VisitIn.model_validate(v) for v in row["visit_pattern"]]
    refuse_if_any(amendment_errors(
        body, service_type=row["service_type"], current_pattern=current_pattern,
        current_hours=row["weekly_hours"], start_date=row["start_date"],
    ))
    changes = body.model_dump(mode="json", exclude_none=True, exclude={"effective_from"})
    values = dict(changes)
    if body.weekly_hours is not None:
        values["weekly_hours"] = body.weekly_hours
    saved = await _save(session, referral_id, values)
    await insert_amendment(session, referral_id, body.effective_from, changes)
    await runtime.outbox.publish(session, amended_event(saved, body), subject=str(referral_id))
    return ReferralOut.from_row(saved, today())


@router.post("/suspensions", response_model=ReferralOut)
async def suspend_referral(
    referral_id: uuid.UUID, body: SuspensionIn, session: SessionDep, runtime: RuntimeDep, who: CaseManagement,
) -> ReferralOut:
    """Pause care from a date (a hospital admission, respite or another reason)."""
    row = await load_own_referral(session, referral_id, who, for_update=True)
    _, after = _transition(row, Command.SUSPEND)
    refuse_if_any(dated_after_start_errors("from_date", body.from_date, _care_start(row)))
    saved = await _save(session, referral_id, {
        "status": after, "suspension_reason": body.reason, "suspended_from": body.from_date})
    event = ReferralSuspended(referral_id=referral_id, reason=body.reason, from_date=body.from_date)
    await runtime.outbox.publish(session, event, subject=str(referral_id))
    return ReferralOut.from_row(saved, today())


@router.post("/resumptions", response_model=ReferralOut)
async def resume_referral(
    referral_id: uuid.UUID, body: ResumptionIn, session: SessionDep, runtime: RuntimeDep, who: CaseManagement,
) -> ReferralOut:
    """Restart suspended care from a date."""
    row = await load_own_referral(session, referral_id, who, for_update=True)
    _, after = _transition(row, Command.RESUME)
    refuse_if_any(dated_after_start_errors("from_date", body.from_date, row["suspended_from"]))
    saved = await _save(session, referral_id, {"status": after, "suspension_reason": None, "suspended_from": None})
    await runtime.outbox.publish(
        session, ReferralResumed(referral_id=referral_id, from_date=body.from_date), subject=str(referral_id))
    return ReferralOut.from_row(saved, today())


@router.post("/end", response_model=ReferralOut)
async def end_referral(
    referral_id: uuid.UUID, body: EndIn, session: SessionDep, runtime: RuntimeDep, who: CaseManagement,
) -> ReferralOut:
    """End care on a date, with the reason."""
    row = await load_own_referral(session, referral_id, who, for_update=True)
    _, after = _transition(row, Command.END)
    refuse_if_any(dated_after_start_errors("end_date", body.end_date, _care_start(row)))
    saved = await _save(session, referral_id, {"status": after, "end_date": body.end_date, "end_reason": body.reason})
    event = ReferralEnded(referral_id=referral_id, end_date=body.end_date, reason=body.reason)
    await runtime.outbox.publish(session, event, subject=str(referral_id))
    return ReferralOut.from_row(saved, today())


@router.post("/cancel", response_model=ReferralOut)
async def cancel_referral(
    referral_id: uuid.UUID, body: CancelIn, session: SessionDep, runtime: RuntimeDep, who: CaseManagement,
) -> ReferralOut:
    """Withdraw the referral before care starts."""
    row = await load_own_referral(session, referral_id, who, for_update=True)
    _, after = _transition(row, Command.CANCEL)
    saved = await _save(session, referral_id, {"status": after, "cancel_reason": body.reason})
    await runtime.outbox.publish(
        session, ReferralCancelled(referral_id=referral_id, reason=body.reason), subject=str(referral_id))
    return ReferralOut.from_row(saved, today())


@router.post("/reviews", status_code=201, response_model=ReviewOut)
async def review_referral(
    referral_id: uuid.UUID, body: ReviewIn, session: SessionDep, runtime: RuntimeDep, who: CaseManagement,
) -> ReviewOut:
    """Record the assessor's review of every outcome; for enablement it decides the payment."""
    row = await load_own_referral(session, referral_id, who, for_update=True)
    _transition(row, Command.REVIEW)
    codes = [o["code"] for o in row["outcomes"]]
    refuse_if_any(review_errors(body, outcome_codes=codes, start_date=_care_start(row), today=today()))
    all_met = all(o.result == "met" for o in body.outcomes)
    outcomes = [o.model_dump() for o in body.outcomes]
    await insert_review(session, referral_id, body.review_date, outcomes, all_met)
    await _save(session, referral_id, {})
    event = ReferralReviewed(
        referral_id=referral_id, review_date=body.review_date, all_met=all_met,
        outcomes=[OutcomeReview.model_validate(o) for o in outcomes],
    )
    await runtime.outbox.publish(session, event, subject=str(referral_id))
    return ReviewOut(referral_id=referral_id, review_date=body.review_date, outcomes=body.outcomes, all_met=all_met)
