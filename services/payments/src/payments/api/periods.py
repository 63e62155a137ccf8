"""Payment runs: create, calculate in the background, read totals and lines, adjust, approve."""

from __future__ import annotations

import asyncio
import base64
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Query
from shared.audit import record_audit
from shared.auth import Principal, require_roles
from shared.clock import utcnow
from shared.contracts.payments import PeriodApproved, ProviderFunderTotal
from shared.db.session import SessionDep
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound, field_error
from shared.logging import get_logger
from shared.web import RuntimeDep
from shared.web.openapi import problem_responses
from shared.web.runtime import ServiceRuntime
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from payments.api.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    AdjustmentRecord,
    ApprovalIn,
    ApprovalOut,
    LineOut,
    LinesPage,
    PeriodIn,
    PeriodOut,
    TotalOut,
    TotalsOut,
)
from payments.calculation import calculate_period, log_package_lines, mark_failed
from payments.db import period_repository as periods
from payments.domain.period import Period
from payments.domain.separation import Actor, may_approve
from payments.settings import PaymentsSettings

log = get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["periods"])

Staff = Annotated[Principal, Depends(require_roles("payments_staff"))]
Approver = Annotated[Principal, Depends(require_roles("payments_approver"))]
Reader = Annotated[Principal, Depends(require_roles("payments_staff", "payments_approver", "admin"))]
Officer = Annotated[Principal, Depends(require_roles("payments_staff", "payments_approver"))]
MAX_PAGE = 1000


def actor(who: Principal) -> str:
    """The name shown for who did something: the person the client was issued to (see domain.separation)."""
    return who.name


async def _period(session: AsyncSession, period_id: uuid.UUID, *, lock: bool = False) -> dict[str, Any]:
    row = await periods.get_period(session, period_id, lock=lock)
    if row is None:
        raise NotFound(f"no period {period_id}")
    return dict(row)


@router.post("/periods", status_code=201, responses=problem_responses(409))
async def create_period(body: PeriodIn, session: SessionDep, runtime: RuntimeDep, who: Staff) -> PeriodOut:
    """Open a draft period (four weeks by default, or as the council's settings say)."""
    settings = runtime.settings
    assert isinstance(settings, PaymentsSettings)
    days = body.days or settings.period_days
    end = body.start_date + timedelta(days=days - 1)
    if await periods.overlapping(session, body.start_date, end):
        raise Conflict("another period already covers some of these days")
    first, last = await periods.calendar_bounds(session)
    day = timedelta(days=1)
    if first is not None and last is not None and body.start_date != last + day and end != first - day:
        # A gap would leave its days' visits unpaid for ever: a period follows on from the last one,
        # or (back-dating) ends the day before the first.
        raise InvalidInput(
            "periods follow on without gaps",
            errors=[field_error("start_date", f"the next period starts on {last + day}, or ends on {first - day}")],
        )
    row = await periods.create_period(session, uuid.uuid4(), body.start_date, end, actor(who), who.client_id)
    if row is None:
        raise Conflict("a period already starts that day")
    return PeriodOut.model_validate(dict(row))


@router.get("/periods")
async def list_periods(
    session: SessionDep, who: Reader, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[PeriodOut]:
    """The latest periods, newest first, each with its status."""
    return [PeriodOut.model_validate(dict(r)) for r in await periods.list_periods(session, limit)]


@router.get("/periods/{period_id}")
async def get_period(period_id: uuid.UUID, session: SessionDep, who: Reader) -> PeriodOut:
    """A period, with its calculation's progress."""
    return PeriodOut.model_validate(await _period(session, period_id))


async def _run(runtime: ServiceRuntime, period_id: uuid.UUID, period: Period, by: str) -> None:
    settings = runtime.settings
    assert isinstance(settings, PaymentsSettings)
    try:
        lines = await calculate_period(settings.asyncpg_dsn, period_id, period, settings.payment_rules(), by)
    except Exception as exc:  # the error is kept on the period for staff to see
        log.exception("period calculation failed", period_id=str(period_id))
        await mark_failed(settings.asyncpg_dsn, period_id, repr(exc))
        return
    log.info("period calculated", period_id=str(period_id), lines=lines)
    await log_package_lines(settings.asyncpg_dsn, period_id)


async def _spawn(runtime: ServiceRuntime, period_id: uuid.UUID, period: Period, by: str) -> None:
    # Started after the response, so the 'calculating' status is committed before the run reads it.
    runtime.tasks.append(asyncio.get_running_loop().create_task(_run(runtime, period_id, period, by)))


async def resume_interrupted_calculations(runtime: ServiceRuntime) -> None:
    """At start-up, run again every calculation a crash interrupted.

    A run is one transaction, so an interrupted one left nothing behind but the period's status.
    """
    async with runtime.sessionmaker() as session:
        interrupted = await periods.in_status(session, "calculating")
    for row in interrupted:
        log.info("resuming interrupted calculation", period_id=str(row["period_id"]))
        await _spawn(runtime, row["period_id"], Period(row["start_date"], row["end_date"]), row["calculated_by"])


@router.post("/periods/{period_id}/calculate", status_code=202, responses=problem_responses(409))
async def calculate(
    period_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, who: Staff, background: BackgroundTasks
) -> PeriodOut:
    """Start (or restart) the calculation of a draft period; poll the period for progress."""
    row = await _period(session, period_id, lock=True)
    if row["status"] == "approved":
        raise Conflict("the period is approved and immutable; late events go to the next period")
    if row["status"] == "calculating":
        raise Conflict("the period is being calculated")
    earlier = await periods.unapproved_before(session, row["start_date"])
    if earlier is not None:
        # A period settles against what earlier ones paid and carries their bank: they come first.
        raise Conflict(f"the period from {earlier['start_date']} must be approved first")
    # Who asked is kept now, so a run interrupted by a crash can be resumed on their behalf.
    await periods.set_status(
        session,
        period_id,
        "calculating",
        packages_done=0,
        error=None,
        calculated_by=actor(who),
        calculated_by_client=who.client_id,
    )
    period = Period(row["start_date"], row["end_date"])
    background.add_task(_spawn, runtime, period_id, period, actor(who))
    return PeriodOut.model_validate(
        {**row, "status": "calculating", "packages_done": 0, "error": None, "calculated_by_client": who.client_id}
    )


@router.get("/periods/{period_id}/totals")
async def get_totals(period_id: uuid.UUID, session: SessionDep, who: Reader) -> TotalsOut:
    """Totals by provider, funder and basis; each is the sum of its lines."""
    row = await _period(session, period_id)
    rows = await periods.totals(session, period_id)
    items = [TotalOut.model_validate(dict(r)) for r in rows]
    return TotalsOut(
        period_id=period_id,
        status=str(row["status"]),
        paid=sum((t.paid for t in items), Decimal("0.00")),
        held=sum((t.held for t in items), Decimal("0.00")),
        totals=items,
    )


def _decode_cursor(cursor: str) -> tuple[str, str, str]:
    try:
        provider, package, key = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 2)
        uuid.UUID(provider)
        uuid.UUID(package)
    except ValueError as exc:
        raise InvalidInput("bad cursor", errors=[field_error("cursor", "not a cursor this API gave")]) from exc
    return provider, package, key


@router.get("/periods/{period_id}/lines")
async def list_lines(
    period_id: uuid.UUID,
    session: SessionDep,
    who: Reader,
    provider_id: uuid.UUID | None = None,
    package_id: uuid.UUID | None = None,
    visit_id: uuid.UUID | None = None,
    status: Literal["payable", "held", "not_payable"] | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 200,
) -> LinesPage:
    """Lines by provider, package, visit or status (``held``: what awaits an officer), with rule and inputs."""
    await _period(session, period_id)
    rows = await periods.lines_page(
        session,
        period_id,
        provider_id=provider_id,
        package_id=package_id,
        visit_id=visit_id,
        after=_decode_cursor(cursor) if cursor else None,
        limit=limit,
        status=status,
    )
    items = [LineOut.model_validate(dict(r)) for r in rows]
    next_cursor = None
    if len(items) == limit:
        last = items[-1]
        raw = f"{last.provider_id}|{last.package_id}|{last.ledger_key}"
        next_cursor = base64.urlsafe_b64encode(raw.encode()).decode()
    return LinesPage(items=items, next_cursor=next_cursor)


@router.post("/periods/{period_id}/adjustments", status_code=201, responses=problem_responses(409))
async def add_adjustment(period_id: uuid.UUID, body: AdjustmentIn, session: SessionDep, who: Staff) -> AdjustmentOut:
    """Adjust a line or a provider's payment, with a reason; only while the period is a draft."""
    row = await _period(session, period_id, lock=True)
    if row["status"] == "approved":
        raise Conflict("the period is approved and immutable; adjust in the next period")
    package_id = None
    provider_id = body.provider_id
    if body.ledger_key is not None:
        target = await periods.get_line(session, period_id, body.ledger_key)
        if target is None:
            raise InvalidInput("no such line", errors=[field_error("ledger_key", "no line with this key")])
        if provider_id is not None and provider_id != target["provider_id"]:
            raise InvalidInput(
                "line and provider disagree", errors=[field_error("provider_id", "not the line's provider")]
            )
        provider_id, package_id = target["provider_id"], target["package_id"]
    if provider_id is None:
        raise InvalidInput(
            "say what is adjusted",
            errors=[
                field_error("ledger_key", "give a line or a provider", "missing"),
                field_error("provider_id", "give a line or a provider", "missing"),
            ],
        )
    if body.amount == 0:
        raise InvalidInput("an adjustment of nothing", errors=[field_error("amount", "must not be zero")])
    adjustment_id = uuid.uuid4()
    await periods.add_adjustment(
        session,
        {
            "adjustment_id": adjustment_id,
            "period_id": period_id,
            "provider_id": provider_id,
            "package_id": package_id,
            "ledger_key": body.ledger_key,
            "funder": body.funder,
            "amount": body.amount,
            "reason": body.reason,
            "created_by": actor(who),
            "created_by_client": who.client_id,
        },
    )
    adjusted = {"amount": body.amount, "funder": body.funder, "provider_id": provider_id, "ledger_key": body.ledger_key}
    resource = f"periods/{period_id}/adjustments/{adjustment_id}"
    await record_audit(session, who, "adjustment.add", resource, body.reason, adjusted)
    return AdjustmentOut(
        adjustment_id=adjustment_id,
        period_id=period_id,
        provider_id=provider_id,
        amount=body.amount,
        funder=body.funder,
    )


@router.get("/periods/{period_id}/adjustments")
async def list_adjustments(period_id: uuid.UUID, session: SessionDep, who: Reader) -> list[AdjustmentRecord]:
    """A period's adjustments with their reasons and who made them, oldest first."""
    await _period(session, period_id)
    return [AdjustmentRecord.model_validate(dict(r)) for r in await periods.list_adjustments(session, period_id)]


@router.post("/approvals", status_code=201)
async def approve_held(body: ApprovalIn, session: SessionDep, who: Officer) -> ApprovalOut:
    """Release a held visit, excess minutes or exceptional excess; the next calculation pays it."""
    created = await periods.add_approval(session, body.kind, body.subject_id, body.reason, actor(who), who.client_id)
    await record_audit(session, who, f"approval.{body.kind}", f"approvals/{body.subject_id}", body.reason)
    return ApprovalOut(kind=body.kind, subject_id=body.subject_id, created=created)


@router.post("/periods/{period_id}/approve", responses=problem_responses(409))
async def approve_period(period_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, who: Approver) -> PeriodOut:
    """Approve a calculated period: neither the API client nor the person that calculated or adjusted
    it may approve it (domain.separation). Final."""
    row = await _period(session, period_id, lock=True)
    if row["status"] != "calculated":
        raise Conflict(f"only a calculated period can be approved; this one is {row['status']}")
    doers = [Actor(row["calculated_by_client"], row["calculated_by"])]
    doers += [Actor(client_id, name) for client_id, name in await periods.adjusters(session, period_id)]
    if not may_approve(Actor(who.client_id, who.name), doers):
        raise Forbidden("the approver must not be the person who calculated or adjusted the period")
    me = actor(who)
    try:
        async with session.begin_nested():
            await periods.write_ledger(session, period_id)
    except IntegrityError as exc:
        raise Conflict("a line of this period was already paid in another period: recalculate it") from exc
    now = utcnow()
    await periods.set_status(
        session, period_id, "approved", approved_by=me, approved_by_client=who.client_id, approved_at=now
    )
    totals = [ProviderFunderTotal(**t) for t in await periods.provider_funder_totals(session, period_id)]
    event = PeriodApproved(
        period_id=period_id,
        start_date=row["start_date"],
        end_date=row["end_date"],
        approved_by=me,
        approved_at=now,
        totals=totals,
    )
    await runtime.outbox.publish(session, event, subject=str(period_id))
    await record_audit(session, who, "period.approve", f"periods/{period_id}", details={"totals": totals})
    return PeriodOut.model_validate(
        {**row, "status": "approved", "approved_by": me, "approved_by_client": who.client_id, "approved_at": now}
    )
