"""The SQL of a period's calculation, on a raw asyncpg connection: bulk reads, a streamed visit
cursor, and COPY for the lines, so half a million visits never become ORM objects."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from payments.domain.budget import Banked
from payments.domain.lines import PaymentLine
from payments.domain.period import PackageState, Period
from payments.domain.rates import RateChange, RateSchedule, ongoing_from
from payments.domain.settlement import Paid
from payments.domain.suspensions import Suspension
from payments.domain.terms import (
    Approvals,
    Basis,
    Contribution,
    PackageTerms,
    PatternEntry,
    TermsChange,
    Visit,
    VisitOutcome,
)

# Late corrections reach back at most this far.
LEDGER_LOOKBACK = timedelta(days=365)
# A snapshot that saw every row written before snapshots were kept (written_xid 0) and nothing since.
SEEN_BEFORE = "1:1:"

LINE_COLUMNS = (
    "period_id", "ledger_key", "rule", "package_id", "provider_id", "basis", "service_date", "status",
    "amount", "council_amount", "nhs_amount", "visit_ids", "minutes", "hourly_rate", "carers",
    "multiplier", "note", "event_ids",
)  # fmt: skip


@dataclass(frozen=True)
class History:
    """The approved periods corrections can reach, and what the last of them could see."""

    approved: tuple[Period, ...]
    # The last approved calculation's snapshot: a row written by a transaction it could not see is
    # late, whatever its clock said (None: nothing approved yet).
    snapshot: str | None

    def from_day(self, day: date) -> tuple[Period, ...]:
        """The approved periods from the one holding ``day`` onwards."""
        return tuple(p for p in self.approved if p.end >= day)


# payments.unseen(written_xid, snapshot): the row was written by a transaction the snapshot could
# not see (committed after it was taken, or in flight then). See the 0002 migration.

# $1 period start, $2 end, $3 the last approved calculation's snapshot, $4/$5 budget packages
# replayed and from which day.
VISITS_SQL = """
WITH late AS MATERIALIZED (
    -- visits of approved periods that changed, arrived or were released after the last calculation
    SELECT v.visit_id FROM payments.visit v
    WHERE payments.unseen(v.written_xid, $3::text::pg_snapshot)
      AND v.day < $1 AND v.day >= $1 - 365
    UNION
    SELECT v.visit_id FROM payments.approval a
    -- a visit's own release, or the release of its package's excess as exceptional
    JOIN payments.visit v ON v.visit_id = a.subject_id
         OR (a.kind = 'exceptional_package' AND v.package_id = a.subject_id)
    WHERE payments.unseen(a.written_xid, $3::text::pg_snapshot)
      AND v.day < $1 AND v.day >= $1 - 365
    UNION
    -- visits of a package whose award arrived after them (they could not be paid before)
    SELECT v.visit_id FROM payments.package p JOIN payments.visit v ON v.package_id = p.package_id
    WHERE payments.unseen(p.written_xid, $3::text::pg_snapshot)
      AND v.day < $1 AND v.day >= greatest(p.start_date, $1 - 365)
), replayed AS (
    SELECT * FROM unnest($4::uuid[], $5::date[]) AS r(package_id, from_day)
)
SELECT v.visit_id, v.package_id, v.provider_id, v.outcome, v.planned_start, v.planned_minutes,
       v.actual_start, v.actual_end, v.carers_required, v.carers_attended, v.verified, v.revision, v.day,
       v.event_id, l.visit_id IS NOT NULL AS late
FROM payments.visit v
LEFT JOIN late l ON l.visit_id = v.visit_id
-- time-and-task visits dated in the period are priced in SQL (time_and_task_sql): skip exactly those
WHERE (v.day BETWEEN $1 AND $2 AND NOT EXISTS (
        SELECT 1 FROM payments.package tp WHERE tp.package_id = v.package_id AND tp.basis = 'time_and_task'))
   OR l.visit_id IS NOT NULL
   -- a budget replayed from an earlier period brings every visit of the replayed weeks
   OR (v.day < $1 AND EXISTS (
        SELECT 1 FROM replayed r WHERE r.package_id = v.package_id AND v.day >= r.from_day))
ORDER BY v.package_id, v.day, v.visit_id
"""

# $1 period start, $2 the last approved calculation's snapshot. The earliest day each package's
# lines could have changed on since then: a replay from that day's period works them out again.
CHANGED_SINCE_SQL = """
SELECT package_id, min(day) AS day FROM (
    -- a budget week is paid as a whole, so a late visit of a budget reopens its week
    SELECT v.package_id, v.day FROM payments.visit v JOIN payments.package p USING (package_id)
    WHERE p.basis = 'budget' AND v.day < $1 AND v.day >= $1 - 365
      AND payments.unseen(v.written_xid, $2::text::pg_snapshot)
    UNION ALL
    SELECT v.package_id, v.day FROM payments.approval a
    JOIN payments.visit v ON v.visit_id = a.subject_id
    JOIN payments.package p ON p.package_id = v.package_id
    WHERE p.basis = 'budget' AND v.day < $1
      AND payments.unseen(a.written_xid, $2::text::pg_snapshot)
    UNION ALL
    -- excess approved as exceptional: every held week of the budget is paid
    SELECT p.package_id, p.start_date FROM payments.approval a JOIN payments.package p ON p.package_id = a.subject_id
    WHERE p.basis = 'budget' AND a.kind = 'exceptional_package'
      AND payments.unseen(a.written_xid, $2::text::pg_snapshot)
    UNION ALL
    -- an award that arrived late: its earlier periods were worked out without it
    SELECT package_id, start_date FROM payments.package
    WHERE start_date < $1 AND payments.unseen(written_xid, $2::text::pg_snapshot)
    UNION ALL
    SELECT package_id, from_date FROM payments.suspension
    WHERE from_date < $1 AND payments.unseen(written_xid, $2::text::pg_snapshot)
    UNION ALL
    SELECT package_id, effective_from FROM payments.package_amendment
    WHERE effective_from < $1 AND payments.unseen(written_xid, $2::text::pg_snapshot)
    UNION ALL
    SELECT package_id, end_date FROM payments.referral_state
    WHERE end_date < $1 AND payments.unseen(written_xid, $2::text::pg_snapshot)
) changed GROUP BY package_id
"""


async def load_history(conn: asyncpg.Connection, period: Period) -> History:
    """The approved periods before this one within the lookback, and what the last of them could see.

    Periods are calculated in order, each after the one before is approved, so whatever the last
    approved calculation could not see has been settled by none.
    """
    rows = await conn.fetch(
        "SELECT start_date, end_date, snapshot FROM payments.period WHERE status = 'approved' "
        "AND end_date < $1 AND end_date >= $2 ORDER BY start_date",
        period.start,
        period.start - LEDGER_LOOKBACK,
    )
    if not rows:
        return History((), None)
    # A period approved before snapshots were kept is taken to have seen what existed then.
    return History(tuple(Period(r["start_date"], r["end_date"]) for r in rows), rows[-1]["snapshot"] or SEEN_BEFORE)


async def claim_calculation(conn: asyncpg.Connection, period_id: uuid.UUID) -> bool:
    """Take the period's calculation for this transaction; False if it is no longer to be calculated.

    Two processes may both resume an interrupted run at start-up: the second waits on the lock, and
    once the first has committed it finds the period calculated (perhaps approved since) and stops.
    If the first dies instead, its lock goes with it and the second carries on.
    """
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('payments.calculation:' || $1::uuid::text, 0))", period_id
    )
    status = await conn.fetchval("SELECT status FROM payments.period WHERE period_id = $1", period_id)
    return bool(status == "calculating")


async def take_snapshot(conn: asyncpg.Connection) -> str:
    """What this calculation can see, taken before it reads anything (kept with the period)."""
    return str(await conn.fetchval("SELECT pg_current_snapshot()::text"))


async def load_replays(
    conn: asyncpg.Connection, period: Period, history: History
) -> dict[uuid.UUID, tuple[Period, ...]]:
    """Per package, the approved periods to work out again because something about them came late."""
    if history.snapshot is None:
        return {}
    replays: dict[uuid.UUID, tuple[Period, ...]] = {}
    for r in await conn.fetch(CHANGED_SINCE_SQL, period.start, history.snapshot):
        periods = history.from_day(r["day"])
        if periods:
            replays[r["package_id"]] = periods
    return replays


async def load_terms(conn: asyncpg.Connection, period: Period) -> dict[uuid.UUID, tuple[PackageTerms, PackageState]]:
    """Terms and state of every package that can have lines in the period (or be corrected in it)."""
    lookback = period.start - LEDGER_LOOKBACK
    rows = await conn.fetch(
        """SELECT p.package_id, p.provider_id, p.basis, p.hourly_rate, p.ongoing_hourly_rate, p.enablement_weeks,
                  p.council_share, p.contribution_weekly, p.contribution_collection,
                  coalesce(r.enablement_budget, p.enablement_budget) AS enablement_budget,
                  p.start_date, p.pattern, p.weekly_budget, p.event_id,
                  r.end_date, r.all_met, r.review_date, r.review_event_id
           FROM payments.package p LEFT JOIN payments.referral_state r USING (package_id)
           WHERE p.start_date <= $2 AND (r.end_date IS NULL OR r.end_date >= $1)""",
        lookback,
        period.end,
    )
    rates: dict[uuid.UUID, list[RateChange]] = defaultdict(list)
    for r in await conn.fetch("SELECT package_id, from_date, hourly_rate FROM payments.package_rate"):
        rates[r["package_id"]].append(RateChange(r["from_date"], r["hourly_rate"]))
    amendments: dict[uuid.UUID, list[TermsChange]] = defaultdict(list)
    for r in await conn.fetch(
        "SELECT package_id, effective_from, pattern, weekly_budget, event_id FROM payments.package_amendment"
    ):
        amendments[r["package_id"]].append(
            TermsChange(
                r["effective_from"],
                _pattern(r["pattern"]) if r["pattern"] is not None else None,
                r["weekly_budget"],
                r["event_id"],
            )
        )
    suspensions: dict[uuid.UUID, list[Suspension]] = defaultdict(list)
    for r in await conn.fetch(
        "SELECT package_id, from_date, resumed, reason, suspended_event_id, resumed_event_id "
        "FROM payments.suspension WHERE from_date <= $2 AND (resumed IS NULL OR resumed > $1) ORDER BY from_date",
        lookback,
        period.end,
    ):
        events = tuple(e for e in (r["suspended_event_id"], r["resumed_event_id"]) if e is not None)
        suspensions[r["package_id"]].append(Suspension(r["from_date"], r["resumed"], r["reason"], events))
    out: dict[uuid.UUID, tuple[PackageTerms, PackageState]] = {}
    for r in rows:
        pid = r["package_id"]
        contribution = (
            Contribution(r["contribution_weekly"], r["contribution_collection"])
            if r["contribution_weekly"] is not None
            else None
        )
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
            pattern=_pattern(r["pattern"]),
            weekly_budget=r["weekly_budget"],
            enablement_budget=r["enablement_budget"],
            contribution=contribution,
            amendments=tuple(amendments[pid]),
            award_event_id=r["event_id"],
        )
        state = PackageState(
            suspensions=tuple(suspensions[pid]),
            end_date=r["end_date"],
            enablement_weeks=r["enablement_weeks"],
            all_met=r["all_met"],
            review_date=r["review_date"],
            review_events=(r["review_event_id"],) if r["review_event_id"] else (),
        )
        out[pid] = (terms, state)
    return out


def _pattern(raw: Any) -> tuple[PatternEntry, ...]:
    entries = json.loads(raw) if isinstance(raw, str) else raw
    return tuple(PatternEntry(tuple(p["days"]), int(p["duration_minutes"]), int(p.get("carers", 1))) for p in entries)


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


async def load_paid(conn: asyncpg.Connection, period: Period) -> dict[uuid.UUID, dict[str, Paid]]:
    """What the ledger holds, per package and settled key, as far back as corrections reach."""
    paid: dict[uuid.UUID, dict[str, Paid]] = defaultdict(dict)
    for r in await conn.fetch(
        """SELECT package_id, settles, sum(amount) AS amount,
                  coalesce(sum(amount) FILTER (WHERE rule <> 'adjustment'), 0) AS calculated,
                  min(service_date) AS service_date,
                  coalesce(max(regexp_replace(rule, '^prior_period(_adjustment)?:', ''))
                           FILTER (WHERE ledger_key = settles), 'adjustment') AS rule
           FROM payments.ledger WHERE service_date >= $1 GROUP BY package_id, settles""",
        period.start - LEDGER_LOOKBACK,
    ):
        paid[r["package_id"]][r["settles"]] = Paid(r["amount"], r["calculated"], r["rule"], r["service_date"])
    return paid


async def load_opening_banks(
    conn: asyncpg.Connection, opening: dict[uuid.UUID, date]
) -> dict[uuid.UUID, tuple[Banked, ...]]:
    """Per budget package, the bank at the start of the first period worked out (``opening``).

    It is the bank at the end of the day before, as last stated by an approved calculation: the
    period's own, or a later one that replayed it.
    """
    rows = await conn.fetch(
        """WITH wanted AS (SELECT * FROM unnest($1::uuid[], $2::date[]) AS w(package_id, as_of)),
           stated AS (
               SELECT DISTINCT ON (w.package_id) w.package_id, w.as_of, b.period_id
               FROM wanted w
               JOIN payments.bank_balance b ON b.package_id = w.package_id AND b.as_of = w.as_of
               JOIN payments.period p ON p.period_id = b.period_id AND p.status = 'approved'
               ORDER BY w.package_id, p.start_date DESC)
           SELECT b.package_id, b.week, b.amount
           FROM stated s JOIN payments.bank_balance b USING (period_id, package_id, as_of)
           WHERE b.amount <> 0 ORDER BY b.package_id, b.week""",
        list(opening),
        [d - timedelta(days=1) for d in opening.values()],
    )
    bank: dict[uuid.UUID, list[Banked]] = defaultdict(list)
    for r in rows:
        bank[r["package_id"]].append(Banked(r["week"], r["amount"]))
    return {k: tuple(v) for k, v in bank.items()}


async def stream_visits(
    conn: asyncpg.Connection, period: Period, history: History, replayed_budgets: dict[uuid.UUID, date]
) -> AsyncIterator[tuple[Visit, bool]]:
    """The period's visits, late ones and those of replayed budgets, ordered by package, each with
    whether it is late (needs a transaction)."""
    async for r in conn.cursor(
        VISITS_SQL,
        period.start,
        period.end,
        history.snapshot,
        list(replayed_budgets),
        list(replayed_budgets.values()),
        prefetch=10_000,
    ):
        visit = Visit(
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
            event_id=r["event_id"],
        )
        yield visit, r["late"]


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
            list(x.event_ids),
        )
        for x in lines
    ]
    if records:
        await conn.copy_records_to_table("line", schema_name="payments", columns=LINE_COLUMNS, records=records)


async def copy_banks(
    conn: asyncpg.Connection,
    period_id: uuid.UUID,
    banks: list[tuple[uuid.UUID, date, tuple[Banked, ...]]],
) -> None:
    """Write each budget's bank at the end of every period worked out (package, as of, entries).

    An empty bank is stated too, by a row of nothing, so a later replay knows it was stated empty.
    """
    records = [
        (period_id, package_id, as_of, b.week, b.amount)
        for package_id, as_of, bank in banks
        for b in (bank or (Banked(as_of, Decimal("0.00")),))
    ]
    if records:
        await conn.copy_records_to_table(
            "bank_balance",
            schema_name="payments",
            columns=("period_id", "package_id", "as_of", "week", "amount"),
            records=records,
        )


async def set_progress(conn: asyncpg.Connection, period_id: uuid.UUID, done: int, total: int) -> None:
    """Show progress (on a connection of its own, so it is seen while the calculation runs)."""
    await conn.execute(
        "UPDATE payments.period SET packages_done = $2, packages_total = $3 WHERE period_id = $1",
        period_id,
        done,
        total,
    )


async def mark_calculated(
    conn: asyncpg.Connection, period_id: uuid.UUID, by: str, packages: int, snapshot: str
) -> None:
    """The calculation finished: record who ran it, when, and what it could see (later writes are late)."""
    await conn.execute(
        "UPDATE payments.period SET status = 'calculated', calculated_by = $2, calculated_at = now(), "
        "error = NULL, packages_done = $3, snapshot = $4 WHERE period_id = $1",
        period_id,
        by,
        packages,
        snapshot,
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
