"""What the referral routes share: today's date, the caller's role and loading the caller's referral."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import Depends
from shared.auth import Principal, require_roles
from shared.clock import london_date, utcnow
from shared.errors import InvalidInput, NotFound
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.db.repository import get_referral
from referrals.domain.errors import FieldError

CaseManagement = Annotated[Principal, Depends(require_roles("case_management"))]


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {}}}


# Documented on every route, so clients know each failure comes as RFC 9457 problem+json.
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: _problem("No valid API key."),
    403: _problem("The API client's role is not case_management."),
    404: _problem("No such referral among yours."),
    409: _problem("Impossible in the referral's status (the reason is in detail), or a reused key or ref."),
    413: _problem("Body over 1 MiB."),
    422: _problem("Every field at fault, in errors[]."),
}


def today() -> date:
    """Today on the London calendar, the day referrals' dates are written in."""
    return london_date(utcnow())


def refuse_if_any(errors: list[FieldError]) -> None:
    """Raise one 422 naming every field at fault, if there is any."""
    if errors:
        raise InvalidInput("The request has errors.", errors=[e.as_dict() for e in errors])


async def load_own_referral(
    session: AsyncSession, referral_id: uuid.UUID, who: Principal, *, for_update: bool = False
) -> RowMapping:
    """The caller's referral, or 404 (also for another client's, so ids don't leak)."""
    row = await get_referral(session, referral_id, who.client_id, for_update=for_update)
    if row is None:
        raise NotFound(f"No referral {referral_id}.")
    return row
