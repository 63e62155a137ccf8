"""Periods, their lines and totals, adjustments, approvals and the ledger written at approval."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import any_, cast, func, insert, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from payments.db.tables import MONEY, adjustment, approval, ledger, line, period


async def create_period(
    session: AsyncSession, period_id: uuid.UUID, start: date, end: date, created_by: str, client_id: uuid.UUID
) -> RowMapping | None:
    """A new draft period; None when one already starts that day."""
    stmt = (
        pg_insert(period)
        .values(
            period_id=period_id,
            start_date=start,
            end_date=end,
            status="draft",
            created_by=created_by,
            created_by_client=client_id,
        )
        .on_conflict_do_nothing(index_elements=[period.c.start_date])
        .returning(*period.c)
    )
    return (await session.execute(stmt)).mappings().first()


async def overlapping(session: AsyncSession, start: date, end: date) -> bool:
    """True when another period covers any of these days."""
    stmt = select(func.count()).where(period.c.start_date <= end, period.c.end_date >= start)
    return bool((await session.execute(stmt)).scalar_one())


async def calendar_bounds(session: AsyncSession) -> tuple[date | None, date | None]:
    """The first day of the earliest period and the last day of the latest (None, None without any)."""
    first, last = (await session.execute(select(func.min(period.c.start_date), func.max(period.c.end_date)))).one()
    return first, last


async def unapproved_before(session: AsyncSession, start: date) -> RowMapping | None:
    """The earliest period before ``start`` not yet approved, if any."""
    stmt = (
        select(period)
        .where(period.c.start_date < start, period.c.status != "approved")
        .order_by(period.c.start_date)
        .limit(1)
    )
    return (await session.execute(stmt)).mappings().first()


async def get_period(session: AsyncSession, period_id: uuid.UUID, *, lock: bool = False) -> RowMapping | None:
    """A period by id."""
    stmt = select(period).where(period.c.period_id == period_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).mappings().first()


async def list_periods(session: AsyncSession, limit: int) -> list[RowMapping]:
    """The latest periods, newest first."""
    stmt = select(period).order_by(period.c.start_date.desc()).limit(limit)
    return list((await session.execute(stmt)).mappings().all())


async def in_status(session: AsyncSession, status: str) -> list[RowMapping]:
    """Every period in a status, oldest first."""
    stmt = select(period).where(period.c.status == status).order_by(period.c.start_date)
    return list((await session.execute(stmt)).mappings().all())


async def set_status(session: AsyncSession, period_id: uuid.UUID, status: str, **values: Any) -> None:
    """Move a period to a status."""
    await session.execute(update(period).where(period.c.period_id == period_id).values(status=status, **values))


async def totals(session: AsyncSession, period_id: uuid.UUID) -> list[RowMapping]:
    """Paid and held per provider, funder and basis: sums of lines, plus adjustments as their own basis."""
    rows: list[RowMapping] = []
    for funder, col in (("council", line.c.council_amount), ("nhs", line.c.nhs_amount)):
        stmt = (
            select(
                line.c.provider_id,
                literal(funder).label("funder"),
                line.c.basis,
                cast(func.coalesce(func.sum(col).filter(line.c.status == "payable"), 0), MONEY).label("paid"),
                cast(func.coalesce(func.sum(col).filter(line.c.status == "held"), 0), MONEY).label("held"),
            )
            .where(line.c.period_id == period_id, line.c.status != "not_payable")
            .group_by(line.c.provider_id, line.c.basis)
        )
        rows += list((await session.execute(stmt)).mappings())
    adj = (
        select(
            adjustment.c.provider_id,
            adjustment.c.funder,
            literal("adjustment").label("basis"),
            func.sum(adjustment.c.amount).label("paid"),
            literal(Decimal("0.00")).label("held"),
        )
        .where(adjustment.c.period_id == period_id)
        .group_by(adjustment.c.provider_id, adjustment.c.funder)
    )
    rows += list((await session.execute(adj)).mappings())
    rows = [r for r in rows if r["paid"] or r["held"]]
    return sorted(rows, key=lambda r: (str(r["provider_id"]), r["funder"], r["basis"]))


async def lines_page(
    session: AsyncSession,
    period_id: uuid.UUID,
    *,
    provider_id: uuid.UUID | None,
    package_id: uuid.UUID | None,
    visit_id: uuid.UUID | None,
    after: tuple[str, str, str] | None,
    limit: int,
    status: str | None = None,
) -> list[RowMapping]:
    """Lines ordered by provider, package and key, after a cursor."""
    stmt = select(line).where(line.c.period_id == period_id)
    if status is not None:
        stmt = stmt.where(line.c.status == status)
    if provider_id is not None:
        stmt = stmt.where(line.c.provider_id == provider_id)
    if package_id is not None:
        stmt = stmt.where(line.c.package_id == package_id)
    if visit_id is not None:
        stmt = stmt.where(literal(visit_id) == any_(line.c.visit_ids))
    if after is not None:
        stmt = stmt.where(
            tuple_(line.c.provider_id, line.c.package_id, line.c.ledger_key)
            > tuple_(literal(uuid.UUID(after[0])), literal(uuid.UUID(after[1])), literal(after[2]))
        )
    stmt = stmt.order_by(line.c.provider_id, line.c.package_id, line.c.ledger_key).limit(limit)
    return list((await session.execute(stmt)).mappings())


async def get_line(session: AsyncSession, period_id: uuid.UUID, ledger_key: str) -> RowMapping | None:
    """One line of a period."""
    stmt = select(line).where(line.c.period_id == period_id, line.c.ledger_key == ledger_key)
    return (await session.execute(stmt)).mappings().first()


async def add_adjustment(session: AsyncSession, values: dict[str, Any]) -> None:
    """Record an adjustment."""
    await session.execute(insert(adjustment).values(**values))


async def list_adjustments(session: AsyncSession, period_id: uuid.UUID) -> list[RowMapping]:
    """A period's adjustments in the order they were made."""
    stmt = (
        select(adjustment)
        .where(adjustment.c.period_id == period_id)
        .order_by(adjustment.c.created_at, adjustment.c.adjustment_id)
    )
    return list((await session.execute(stmt)).mappings().all())


async def adjusters(session: AsyncSession, period_id: uuid.UUID) -> set[tuple[uuid.UUID | None, str | None]]:
    """The API clients (id and name) that adjusted the period."""
    stmt = select(adjustment.c.created_by_client, adjustment.c.created_by).where(adjustment.c.period_id == period_id)
    return {(r[0], r[1]) for r in (await session.execute(stmt.distinct())).all()}


async def add_approval(
    session: AsyncSession, kind: str, subject_id: uuid.UUID, reason: str, by: str, client_id: uuid.UUID
) -> bool:
    """Record an officer's approval; False when it was already approved."""
    stmt = (
        pg_insert(approval)
        .values(kind=kind, subject_id=subject_id, reason=reason, approved_by=by, approved_by_client=client_id)
        .on_conflict_do_nothing()
        .returning(approval.c.subject_id)
    )
    return (await session.execute(stmt)).first() is not None


async def write_ledger(session: AsyncSession, period_id: uuid.UUID) -> int:
    """Enter every payable line and adjustment in the ledger; a key paid before violates its primary key."""
    settles = func.split_part(line.c.ledger_key, ":adjusted:", 1)
    from_lines = select(
        line.c.ledger_key, settles, line.c.period_id, line.c.package_id, line.c.rule, line.c.service_date, line.c.amount
    ).where(line.c.period_id == period_id, line.c.status == "payable")
    result = await session.execute(
        insert(ledger).from_select(
            ["ledger_key", "settles", "period_id", "package_id", "rule", "service_date", "amount"], from_lines
        )
    )
    key = func.concat("adjustment:", adjustment.c.adjustment_id)
    from_adjustments = select(
        key,
        func.coalesce(adjustment.c.ledger_key, key),
        adjustment.c.period_id,
        func.coalesce(adjustment.c.package_id, adjustment.c.provider_id),
        literal("adjustment"),
        select(period.c.end_date).where(period.c.period_id == period_id).scalar_subquery(),
        adjustment.c.amount,
    ).where(adjustment.c.period_id == period_id)
    await session.execute(
        insert(ledger).from_select(
            ["ledger_key", "settles", "period_id", "package_id", "rule", "service_date", "amount"], from_adjustments
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def provider_funder_totals(
    session: AsyncSession, period_id: uuid.UUID, funder: str | None = None
) -> list[dict[str, Any]]:
    """Totals by provider and funder only (one funder's, if given): the export and the approval event."""
    by: dict[tuple[uuid.UUID, str], Decimal] = {}
    for r in await totals(session, period_id):
        if funder is not None and r["funder"] != funder:
            continue
        by[(r["provider_id"], r["funder"])] = by.get((r["provider_id"], r["funder"]), Decimal(0)) + r["paid"]
    return [
        {"provider_id": k[0], "funder": k[1], "amount": v}
        for k, v in sorted(by.items(), key=lambda kv: (str(kv[0][0]), kv[0][1]))
    ]
