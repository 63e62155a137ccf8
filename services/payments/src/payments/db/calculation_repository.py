"""The SQL of a period's calculation, on a raw asyncpg connection: bulk reads, a streamed visit
cursor, and COPY for the lines, so half a million visits never become ORM objects."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from payments.domain.budget import Banked
from payments.domain.lines import PaymentLine
from payments.domain.period import PackageState, Period, Stay
from payments.domain.rates import RateChange, RateSchedule, ongoing_from
from payments.domain.terms import (
    Approvals,
    Basis,
    Contribution,
    PackageTerms,
    PatternEntry,
    Visit,
    VisitOutcome,
)

# Late corrections reach back at most this far for retainer, budget and contribution keys.
LEDGER_LOOKBACK = timedelta(days=365)

LINE_COLUMNS = (
    "period_id", "ledger_key", "rule", "package_id", "provider_id", "basis", "service_date", "status",
    "amount", "council_amount", "nhs_amount", "visit_ids", "minutes", "hourly_rate", "carers",
    "multiplier", "note",
)  # fmt: skip

VISITS_SQL = """
SELECT v.visit_id, v.package_id, v.provider_id, v.outcome, v.planned_start, v.planned_minutes,
       v.actual_start, v.actual_end, v.carers_required, v.carers_attended, v.verified, v.revision, v.day
FROM payments.visit v
-- time-and-task visits dated in the period are priced in SQL (time_and_task_sql): skip exactly those
WHERE (v.day BETWEEN $1 AND $2 AND NOT EXISTS (
        SELECT 1 FROM payments.package tp WHERE tp.package_id = v.package_id AND tp.basis = 'time_and_task'))
   -- visits of approved periods that changed, arrived or were approved after that period's lines
   -- were calculated: they are settled against the ledger as prior-period items
   OR (v.day < $1 AND EXISTS (
        SELECT 1 FROM payments.period ap
        WHERE ap.status = 'approved' AND v.day BETWEEN ap.start_date AND ap.end_date
          AND (v.updated_at > ap.calculated_at OR EXISTS (
                SELECT 1 FROM payments.approval a
                WHERE a.subject_id = v.visit_id AND a.approved_at > ap.calculated_at))))
ORDER BY v.package_id, v.day, v.visit_id
"""


async def load_terms(conn: asyncpg.Connection, period: Period) -> dict[uuid.UUID, tuple[PackageTerms, PackageState]]:
    """Terms and state of every package that can have lines in the period."""
    rows = await conn.fetch(
        """SELECT p.package_id, p.provider_id, p.basis, p.hourly_rate, p.ongoing_hourly_rate, p.enablement_weeks,
                  p.council_share, p.contribution_weekly, p.contribution_collection, p.enablement_budget,
                  p.start_date, coalesce(r.pattern, p.pattern) AS pattern,
                  coalesce(r.weekly_budget, p.weekly_budget) AS weekly_budget,
                  r.end_date, r.all_met, r.review_date
           FROM payments.package p LEFT JOIN payments.referral_state r USING (package_id)
           WHERE p.start_date <= $2 AND (r.end_date IS NULL OR r.end_date >= $1)""",
        period.start - LEDGER_LOOKBACK,
        period.end,
    )
    rates: dict[uuid.UUID, list[RateChange]] = defaultdict(list)
    for r in await conn.fetch("SELECT package_id, from_date, hourly_rate FROM payments.package_rate"):
        rates[r["package_id"]].append(RateChange(r["from_date"], r["hourly_rate"]))
    stays: dict[uuid.UUID, list[Stay]] = defaultdict(list)
    for r in await conn.fetch(
        "SELECT package_id, admitted, resumed FROM payments.hospital_stay WHERE admitted <= $2 "
        "AND (resumed IS NULL OR resumed > $1)",
        period.start,
        period.end,
    ):
        stays[r["package_id"]].append(Stay(r["admitted"], r["resumed"]))
    out: dict[uuid.UUID, tuple[PackageTerms, PackageState]] = {}
    for r in rows:
        pid = r["package_id"]
        contribution = (
            Contribution(r["contribution_weekly"], r["contribution_collection"])
            if r["contribution_weekly"] is not None
            else None
        )
        pattern = json.loads(r["pattern"]) if isinstance(r["pattern"], str) else r["pattern"]
        terms = PackageTerms(
            package_id=pid,
            provider_id=r["provider_id"],
            basis=Basis(r["basis"]),
            rates=RateSchedule(
                r["hourly_rate"],
                tuple(rates[pid]),
                r["ongoing_hourly_rate"],
                ongoing_from(r["start_date"], r["enablement_weeks"]),
            ),
            start_date=r["start_date"],
            council_share=r["council_share"],
            pattern=tuple(
                PatternEntry(tuple(p["days"]), int(p["duration_minutes"]), int(p.get("carers", 1))) for p in pattern
            ),
            weekly_budget=r["weekly_budget"],
            enablement_budget=r["enablement_budget"],
            contribution=contribution,
        )
        state = PackageState(
            stays=tuple(sorted(stays[pid], key=lambda s: s.admitted)),
            end_date=r["end_date"],
            enablement_weeks=r["enablement_weeks"],
            all_met=r["all_met"],
            review_date=r["review_date"],
        )
        out[pid] = (terms, state)
    return out


async def load_approvals(conn: asyncpg.Connection) -> Approvals:
    """Every officer's approval of held visits, excess and exceptional circumstances."""
    kinds: dict[str, set[uuid.UUID]] = defaultdict(set)
    for r in await conn.fetch("SELECT kind, subject_id FROM payments.approval"):
        kinds[r["kind"]].add(r["subject_id"])
    return Approvals(
        unverified_visits=frozenset(kinds["unverified_visit"]),
        excess_visits=frozenset(kinds["excess_visit"]),
        exceptional_packages=frozenset(kinds["exceptional_package"]),
    )


async def load_paid(conn: asyncpg.Connection, period: Period) -> dict[uuid.UUID, dict[str, Decimal]]:
    """What the ledger already paid, per package and settled key, as far back as corrections reach."""
    paid: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(dict)
    for r in await conn.fetch(
        "SELECT package_id, settles, sum(amount) AS amount FROM payments.ledger "
        "WHERE service_date >= $1 GROUP BY package_id, settles",
        period.start - LEDGER_LOOKBACK,
    ):
        paid[r["package_id"]][r["settles"]] = r["amount"]
    return paid


async def load_enablement_paid(conn: asyncpg.Connection) -> dict[uuid.UUID, Decimal]:
    """Per package, what enablement visits have been paid so far."""
    rows = await conn.fetch(
        "SELECT package_id, sum(amount) AS amount FROM payments.ledger WHERE rule LIKE 'enablement%' "
        "OR rule LIKE 'prior_period%enablement%' GROUP BY package_id"
    )
    return {r["package_id"]: r["amount"] for r in rows}


async def load_opening_bank(conn: asyncpg.Connection, period: Period) -> dict[uuid.UUID, tuple[Banked, ...]]:
    """Budget banked at the end of the latest approved period before this one."""
    rows = await conn.fetch(
        """SELECT b.package_id, b.week, b.amount FROM payments.bank_balance b
           WHERE b.period_id = (SELECT period_id FROM payments.period WHERE status = 'approved'
                                AND end_date < $1 ORDER BY end_date DESC LIMIT 1)
           ORDER BY b.package_id, b.week""",
        period.start,
    )
    bank: dict[uuid.UUID, list[Banked]] = defaultdict(list)
    for r in rows:
        bank[r["package_id"]].append(Banked(r["week"], r["amount"]))
    return {k: tuple(v) for k, v in bank.items()}


async def stream_visits(conn: asyncpg.Connection, period: Period) -> AsyncIterator[Visit]:
    """The period's visits, and late ones for approved periods, ordered by package (needs a transaction)."""
    async for r in conn.cursor(VISITS_SQL, period.start, period.end, prefetch=10_000):
        yield Visit(
            visit_id=r["visit_id"],
            package_id=r["package_id"],
            provider_id=r["provider_id"],
            outcome=VisitOutcome(r["outcome"]),
            planned_start=r["planned_start"],
            planned_minutes=r["planned_minutes"],
            actual_start=r["actual_start"],
            actual_end=r["actual_end"],
            carers_required=r["carers_required"],
            carers_attended=r["carers_attended"],
            verified=r["verified"],
            revision=r["revision"],
            day=r["day"],
        )


async def clear_draft(conn: asyncpg.Connection, period_id: uuid.UUID) -> None:
    """Remove a draft's earlier lines and bank before recalculating it."""
    await conn.execute("DELETE FROM payments.line WHERE period_id = $1", period_id)
    await conn.execute("DELETE FROM payments.bank_balance WHERE period_id = $1", period_id)


async def copy_lines(conn: asyncpg.Connection, period_id: uuid.UUID, lines: Iterable[PaymentLine]) -> None:
    """Write lines with COPY."""
    records: list[tuple[Any, ...]] = [
        (
            period_id,
            x.ledger_key,
            x.rule,
            x.package_id,
            x.provider_id,
            x.basis,
            x.service_date,
            x.status.value,
            x.amount,
            x.council_amount,
            x.nhs_amount,
            list(x.visit_ids),
            x.minutes,
            x.hourly_rate,
            x.carers,
            x.multiplier,
            x.note,
        )
        for x in lines
    ]
    if records:
        await conn.copy_records_to_table("line", schema_name="payments", columns=LINE_COLUMNS, records=records)


async def copy_bank(
    conn: asyncpg.Connection, period_id: uuid.UUID, bank: list[tuple[uuid.UUID, date, Decimal]]
) -> None:
    """Write the budget banked at the end of the period."""
    if bank:
        await conn.copy_records_to_table(
            "bank_balance",
            schema_name="payments",
            columns=("period_id", "package_id", "week", "amount"),
            records=[(period_id, *b) for b in bank],
        )


async def set_progress(conn: asyncpg.Connection, period_id: uuid.UUID, done: int, total: int) -> None:
    """Show progress (on a connection of its own, so it is seen while the calculation runs)."""
    await conn.execute(
        "UPDATE payments.period SET packages_done = $2, packages_total = $3 WHERE period_id = $1",
        period_id,
        done,
        total,
    )


async def mark_calculated(conn: asyncpg.Connection, period_id: uuid.UUID, by: str, packages: int) -> None:
    """The calculation finished: record who ran it and when (approval compares both)."""
    await conn.execute(
        "UPDATE payments.period SET status = 'calculated', calculated_by = $2, calculated_at = now(), "
        "error = NULL, packages_done = $3 WHERE period_id = $1",
        period_id,
        by,
        packages,
    )


async def mark_failed(conn: asyncpg.Connection, period_id: uuid.UUID, error: str) -> None:
    """The calculation failed: keep the error where staff can read it."""
    await conn.execute(
        "UPDATE payments.period SET status = 'failed', error = $2 WHERE period_id = $1", period_id, error[:2000]
    )


async def lines_by_package(conn: asyncpg.Connection, period_id: uuid.UUID) -> list[asyncpg.Record]:
    """Each package's lines in the period, counted and totalled, with the package's flow."""
    return list(
        await conn.fetch(
            """
            SELECT l.package_id, l.provider_id, p.correlation_id, count(*) AS lines, sum(l.amount) AS amount,
                   coalesce(sum(l.amount) FILTER (WHERE l.status = 'payable'), 0) AS payable
            FROM payments.line l LEFT JOIN payments.package p ON p.package_id = l.package_id
            WHERE l.period_id = $1
            GROUP BY l.package_id, l.provider_id, p.correlation_id
            ORDER BY l.package_id, l.provider_id
            """,
            period_id,
        )
    )
