"""Running a period's calculation: stream visits package by package through the domain rules and
COPY the lines back, in one transaction, with progress shown on a second connection."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date

import asyncpg
from shared.logging import get_logger

from payments.db import calculation_repository as repo
from payments.db.time_and_task_sql import insert_time_and_task_lines
from payments.domain.budget import Banked
from payments.domain.lines import PaymentLine
from payments.domain.period import Period, calculate_package
from payments.domain.rules import PaymentRules
from payments.domain.terms import Basis, Visit

log = get_logger(__name__)

BATCH_PACKAGES = 1_000
Streamed = tuple[Visit, bool]


async def _by_package(visits: AsyncIterator[Streamed]) -> AsyncIterator[tuple[uuid.UUID, list[Streamed]]]:
    current: uuid.UUID | None = None
    group: list[Streamed] = []
    async for item in visits:
        if item[0].package_id != current:
            if current is not None:
                yield current, group
            current, group = item[0].package_id, []
        group.append(item)
    if current is not None:
        yield current, group


async def calculate_period(
    dsn: str, period_id: uuid.UUID, period: Period, rules: PaymentRules, calculated_by: str
) -> int:
    """Calculate a draft period from scratch; returns the number of lines written.

    Everything happens in one transaction, so a failed or repeated run never leaves half a period.
    Its snapshot is kept: whatever it could not see is late, and the next period settles it.
    """
    conn = await asyncpg.connect(dsn)
    progress = await asyncpg.connect(dsn)
    written = 0
    try:
        async with conn.transaction():
            if not await repo.claim_calculation(conn, period_id):
                log.info("calculation already done by another process", period_id=str(period_id))
                return 0
            snapshot = await repo.take_snapshot(conn)
            history = await repo.load_history(conn, period)
            terms = await repo.load_terms(conn, period)
            replays = {k: v for k, v in (await repo.load_replays(conn, period, history)).items() if k in terms}
            approvals = await repo.load_approvals(conn)
            paid = await repo.load_paid(conn, period)
            budgets = {k for k, (t, _) in terms.items() if t.basis is Basis.BUDGET}
            opening = {k: replays[k][0].start if k in replays else period.start for k in budgets}
            banks = await repo.load_opening_banks(conn, opening)
            replayed_budgets = {k: replays[k][0].start for k in budgets & replays.keys()}
            await repo.clear_draft(conn, period_id)
            written += await insert_time_and_task_lines(conn, period_id, period, rules)
            total = len(terms)
            await repo.set_progress(progress, period_id, 0, total)
            done = 0
            pending: list[PaymentLine] = []
            stated: list[tuple[uuid.UUID, date, tuple[Banked, ...]]] = []
            unknown = 0

            async def flush() -> None:
                nonlocal written
                await repo.copy_lines(conn, period_id, pending)
                await repo.copy_banks(conn, period_id, stated)
                written += len(pending)
                pending.clear()
                stated.clear()
                await repo.set_progress(progress, period_id, done, total)

            def run(package_id: uuid.UUID, streamed: list[Streamed]) -> None:
                package_terms, state = terms[package_id]
                state = replace(
                    state,
                    paid=paid.get(package_id, {}),
                    opening_bank=banks.get(package_id, ()),
                    replay=replays.get(package_id, ()),
                    late_visits=frozenset(v.visit_id for v, late in streamed if late),
                )
                visits = [v for v, _ in streamed]
                result = calculate_package(package_terms, visits, period, rules, approvals, state)
                pending.extend(result.lines)
                stated.extend((package_id, as_of, bank) for as_of, bank in result.banks)

            remaining = iter(sorted(terms))
            next_quiet = next(remaining, None)
            stream = repo.stream_visits(conn, period, history, replayed_budgets)
            async for package_id, streamed in _by_package(stream):
                # Packages without visits (retainers, contributions, outcome top-ups) come first in order.
                while next_quiet is not None and next_quiet < package_id:
                    run(next_quiet, [])
                    done += 1
                    next_quiet = next(remaining, None)
                if package_id not in terms:
                    unknown += 1
                    continue
                if next_quiet == package_id:
                    next_quiet = next(remaining, None)
                run(package_id, streamed)
                done += 1
                if len(pending) >= 20_000 or done % BATCH_PACKAGES == 0:
                    await flush()
            while next_quiet is not None:
                run(next_quiet, [])
                done += 1
                next_quiet = next(remaining, None)
            await flush()
            await repo.mark_calculated(conn, period_id, calculated_by, done, snapshot)
        if unknown:
            # Visits of packages payments never saw awarded are left for a later run, not guessed at.
            log.warning("visits skipped for packages without terms", packages=unknown)
        return written
    finally:
        await conn.close()
        await progress.close()


async def log_package_lines(dsn: str, period_id: uuid.UUID) -> None:
    """One log line per package with lines in the period, under the package's correlation id.

    A period's lines come from a run over every package, not from one event: this is what ties a
    referral's flow (``homecare trace``) to what it was paid.
    """
    try:
        conn = await asyncpg.connect(dsn)
        try:
            rows = await repo.lines_by_package(conn, period_id)
        finally:
            await conn.close()
    except (OSError, asyncpg.PostgresError) as exc:
        log.warning("payment lines not logged", period_id=str(period_id), error=repr(exc))
        return
    for row in rows:
        log.info(
            "payment_lines",
            correlation_id=row["correlation_id"],
            period_id=str(period_id),
            package_id=str(row["package_id"]),
            provider_id=str(row["provider_id"]),
            lines=row["lines"],
            amount=str(row["amount"]),
            payable=str(row["payable"]),
        )


async def mark_failed(dsn: str, period_id: uuid.UUID, error: str) -> None:
    """Record why a calculation failed; the period stays a draft that can be recalculated."""
    conn = await asyncpg.connect(dsn)
    try:
        await repo.mark_failed(conn, period_id, error)
    finally:
        await conn.close()
