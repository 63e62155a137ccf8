"""Submitting, reading and listing referrals."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime
from shared.clock import utcnow
from shared.db.session import SessionDep
from shared.errors import Conflict, InvalidInput, field_error
from shared.web import RuntimeDep

from referrals.api.common import PROBLEMS, CaseManagement, load_own_referral, refuse_if_any, today
from referrals.api.schemas import ReferralOut, ReferralPage
from referrals.db.repository import (
    ListFilter,
    claim_idempotency_key,
    insert_referral,
    list_referrals,
    record_idempotent_response,
)
from referrals.domain.commands import ReferralIn
from referrals.domain.fingerprint import body_fingerprint, is_replay
from referrals.domain.identifiers import normalise_nhs_number, normalise_postcode
from referrals.domain.lifecycle import Status
from referrals.domain.validation import referral_errors
from referrals.events.publishing import submitted_event

router = APIRouter(prefix="/v1/referrals", tags=["referrals"], responses=PROBLEMS)

IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


@router.post("", status_code=201, response_model=ReferralOut)
async def submit_referral(
    body: ReferralIn, idempotency_key: IdempotencyKey, session: SessionDep, runtime: RuntimeDep,
    who: CaseManagement,
) -> ReferralOut | JSONResponse:
    """Ask for a package of care. The same key and body again answers the first result."""
    now = utcnow()
    sent = body.model_dump(mode="json")
    # The key first: a retry of an accepted referral answers as it did, even where the rules would
    # refuse it today (its start date has since fallen more than four weeks behind, say).
    used = await claim_idempotency_key(session, who.client_id, idempotency_key, body_fingerprint(sent))
    if used is not None:
        if used.response is None or not is_replay(used.fingerprint, sent):
            raise Conflict("This Idempotency-Key was already used with a different body.")
        return JSONResponse(used.response, status_code=201)
    # Refusing rolls the claim back with everything else, so a refused body does not use up its key.
    refuse_if_any(referral_errors(body, today()))
    referral_id = uuid.uuid4()
    person = body.person.model_dump(mode="json") | {
        "nhs_number": normalise_nhs_number(body.person.nhs_number),
        "postcode": normalise_postcode(body.person.postcode),
    }
    values = sent | {
        "id": referral_id, "client_id": who.client_id, "status": Status.SUBMITTED, "person": person,
        "weekly_hours": body.weekly_hours, "start_date": body.start_date,
        "submitted_at": now, "updated_at": now,
    }
    row = await insert_referral(session, values)
    if row is None:
        raise Conflict(
            f"A referral with external_ref {body.external_ref!r} already exists.",
            errors=[field_error("external_ref", "Already used by another referral of yours.", "duplicate")],
        )
    await runtime.outbox.publish(session, submitted_event(row), subject=str(referral_id))
    out = ReferralOut.from_row(row, today())
    await record_idempotent_response(session, who.client_id, idempotency_key, out.model_dump(mode="json"))
    return out


@router.get("/{referral_id}", response_model=ReferralOut)
async def get_one_referral(referral_id: uuid.UUID, session: SessionDep, who: CaseManagement) -> ReferralOut:
    """One of your referrals, with its status today."""
    return ReferralOut.from_row(await load_own_referral(session, referral_id, who), today())


def _encode_cursor(updated_at: datetime, referral_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{updated_at.isoformat()}|{referral_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        stamp, rid = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(stamp), uuid.UUID(rid)
    except (ValueError, binascii.Error, UnicodeDecodeError) as bad:
        raise InvalidInput("The cursor is not one this API gave.",
                           errors=[field_error("cursor", "Not a cursor from a previous page.")]) from bad


@router.get("", response_model=ReferralPage)
async def list_own_referrals(
    session: SessionDep,
    who: CaseManagement,
    external_ref: Annotated[str | None, Query(max_length=100)] = None,
    status: Status | None = None,
    updated_since: AwareDatetime | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReferralPage:
    """Your referrals, oldest change first, filtered; page on with ``next_cursor``."""
    filters = ListFilter(
        external_ref=external_ref, status=status, updated_since=updated_since,
        after=_decode_cursor(cursor) if cursor else None,
    )
    day = today()
    rows = await list_referrals(session, who.client_id, filters, limit=limit + 1, today=day)
    page = rows[:limit]
    more = len(rows) > limit
    return ReferralPage(
        items=[ReferralOut.from_row(r, day) for r in page],
        next_cursor=_encode_cursor(page[-1]["updated_at"], page[-1]["id"]) if more else None,
    )


