"""Reading what visit derivation needs and writing visits, all set-based over many packages."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from monitoring.db.connection import raw_connection
from monitoring.db.tables import cancellation, correction
from monitoring.domain.corrections import Correction, CorrectionReason
from monitoring.domain.publication import StoredVisit, VisitChange
from monitoring.domain.visit_events import VisitEvent
from monitoring.domain.visits import Cancellation

# A failed package is queued again for later (requested_at in the future): it waits till then.
_CLAIM_SQL = text("""
DELETE FROM monitoring.pending_derivation AS q
WHERE q.package_id IN (
    SELECT package_id FROM monitoring.pending_derivation WHERE requested_at <= now()
    ORDER BY requested_at LIMIT :limit FOR UPDATE SKIP LOCKED
)
RETURNING q.package_id, q.affected_from
""")

_RETRY_SQL = """
INSERT INTO monitoring.pending_derivation AS q (package_id, requested_at)
SELECT package_id, $2::timestamptz FROM unnest($1::uuid[]) AS r(package_id) ORDER BY package_id
ON CONFLICT (package_id) DO UPDATE SET affected_from = NULL, requested_at = excluded.requested_at
"""

_QUEUE_DUE_SQL = """
INSERT INTO monitoring.pending_derivation (package_id, affected_from)
SELECT package_id, $1::timestamptz FROM monitoring.package WHERE next_check_at <= $1
ORDER BY package_id
ON CONFLICT (package_id) DO NOTHING
"""

# The last column: for a package asked about (r.fresh), whether the event is new to the stored
# visits, i.e. its inserting transaction (xmin) is not visible in the snapshot of the package's
# last derivation. Events are only ever inserted, each in the ingest transaction that also queues
# its package, so xmin is that transaction's. xmin is a 32-bit xid: it is widened to the xid8 the
# snapshot functions take by counting back from the next xid to be assigned. That is right for any
# event less than 2^32 transactions old; the events read span the 28-day lookback, so that would
# take over 1,700 writing transactions a second (an ingest batch, a derivation round, a relay batch
# each write in one) for 28 days.
_EVENTS_SQL = """
SELECT e.vendor_id::text || '/' || e.event_id, e.type, e.occurred_at, e.package_id, e.carer_id, e.method,
    e.lat, e.lon, e.accuracy_m, e.device_id,
    CASE WHEN r.fresh THEN NOT pg_visible_in_snapshot(
        (x.next - ((x.next - e.xmin::text::bigint) & 4294967295))::text::xid8, p.derived_snapshot::pg_snapshot
    ) ELSE false END
FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::bool[]) AS r(package_id, since, until, fresh)
CROSS JOIN (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS next) AS x
JOIN monitoring.package AS p ON p.package_id = r.package_id
JOIN monitoring.visit_event AS e
    ON e.package_id = r.package_id AND e.occurred_at >= r.since AND e.occurred_at < r.until
"""

_VISITS_SQL = """
SELECT v.package_id, v.visit_id, v.revision, v.state::text AS state, v.anchor_at
FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS r(package_id, since, until)
JOIN monitoring.visit AS v
    ON v.package_id = r.package_id AND v.anchor_at >= r.since AND v.anchor_at < r.until
"""

_VISITS_BY_ID_SQL = """
SELECT package_id, visit_id, revision, state::text AS state, anchor_at
FROM monitoring.visit WHERE visit_id = ANY($1::uuid[])
"""

_SAVE_SQL = """
INSERT INTO monitoring.visit AS v (visit_id, package_id, provider_id, revision, status, state, anchor_at)
SELECT c.visit_id, c.package_id, c.provider_id, c.revision, c.status, c.state::jsonb, c.anchor_at
FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::text[], $7::timestamptz[])
    AS c(visit_id, package_id, provider_id, revision, status, state, anchor_at)
ORDER BY c.visit_id
ON CONFLICT (visit_id) DO UPDATE SET
    revision = excluded.revision, status = excluded.status, state = excluded.state,
    anchor_at = excluded.anchor_at, updated_at = now()
"""

# The snapshot recorded is this statement's: a claimed package's events cannot change during the
# round (an ingest of more waits on the queue row the claim deleted), so it sees what derivation saw.
_NEXT_CHECKS_SQL = """
UPDATE monitoring.package AS p SET next_check_at = n.at, derived_snapshot = pg_current_snapshot()::text
FROM unnest($1::uuid[], $2::timestamptz[]) AS n(package_id, at)
WHERE p.package_id = n.package_id
"""

Range = tuple[datetime, datetime]


async def claim_pending(session: AsyncSession, limit: int) -> dict[uuid.UUID, datetime | None]:
    """Take up to ``limit`` queued packages, the longest waiting first, with the time each was
    changed from (None: the whole window); another worker skips them until this transaction ends."""
    # Through SQLAlchemy, not the raw connection: SQLAlchemy begins the transaction at its first
    # statement, and a claim sent straight to asyncpg before it would commit on its own at once,
    # so a crash mid-round would lose the claimed work, and ingest would not wait on the claim.
    rows = await session.execute(_CLAIM_SQL, {"limit": limit})
    return {row.package_id: row.affected_from for row in rows}


async def retry_later(session: AsyncSession, package_ids: Sequence[uuid.UUID], at: datetime) -> None:
    """Queue packages whose derivation failed again, over their whole window, not before ``at``."""
    if package_ids:
        conn = await raw_connection(session)
        await conn.execute(_RETRY_SQL, list(package_ids), at)


async def queue_due_checks(session: AsyncSession, now: datetime) -> int:
    """Queue every package with a visit now due to be missed; the schedule is in the database, so
    a restart loses nothing."""
    conn = await raw_connection(session)
    status = await conn.execute(_QUEUE_DUE_SQL, now)
    return int(status.split()[-1])


def _ranges(ranges: Mapping[uuid.UUID, Range]) -> tuple[list[uuid.UUID], list[datetime], list[datetime]]:
    ids = list(ranges)
    return ids, [ranges[i][0] for i in ids], [ranges[i][1] for i in ids]


@dataclass
class PackageEvents:
    """A package's stored events in a range, and the ids of those its last derivation did not see."""

    events: list[VisitEvent] = field(default_factory=list)
    fresh: set[str] = field(default_factory=set)


async def load_events(
    session: AsyncSession, ranges: Mapping[uuid.UUID, Range], fresh_of: Collection[uuid.UUID] = ()
) -> dict[uuid.UUID, PackageEvents]:
    """Stored events of each package in its own time range ``[since, until)``; for the packages in
    ``fresh_of`` (each with a recorded last derivation), also which events it did not see."""
    conn = await raw_connection(session)
    loaded: dict[uuid.UUID, PackageEvents] = defaultdict(PackageEvents)
    ids, starts, ends = _ranges(ranges)
    # Event ids are unique per vendor; the vendor prefix keeps two vendors' ids apart in pairing.
    # The columns are VisitEvent's fields in order, then whether the event is fresh.
    for row in await conn.fetch(_EVENTS_SQL, ids, starts, ends, [i in fresh_of for i in ids]):
        *fields, fresh = row
        package = loaded[row[3]]
        package.events.append(VisitEvent(*fields))
        if fresh:
            package.fresh.add(row[0])
    return loaded


def correction_from_row(r: Any) -> Correction:
    """A stored correction as the domain's value."""
    return Correction(
        correction_id=r.correction_id,
        visit_id=r.visit_id,
        reason=CorrectionReason(r.reason),
        note=r.note,
        check_in_at=r.check_in_at,
        check_out_at=r.check_out_at,
        made_by=r.made_by,
        made_at=r.made_at,
        rejected_by=r.rejected_by,
        rejected_at=r.rejected_at,
        rejection_note=r.rejection_note,
    )


async def load_corrections(
    session: AsyncSession, package_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Correction]]:
    """Every correction of the packages' visits, rejected ones included."""
    rows = await session.execute(select(correction).where(correction.c.package_id.in_(list(package_ids))))
    result: dict[uuid.UUID, list[Correction]] = defaultdict(list)
    for r in rows:
        result[r.package_id].append(correction_from_row(r))
    return result


async def load_cancellations(
    session: AsyncSession, package_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, Cancellation]]:
    """Cancellations by package and visit."""
    rows = await session.execute(select(cancellation).where(cancellation.c.package_id.in_(list(package_ids))))
    result: dict[uuid.UUID, dict[uuid.UUID, Cancellation]] = defaultdict(dict)
    for r in rows:
        result[r.package_id][r.visit_id] = Cancellation(r.visit_id, r.notified_at)
    return result


async def load_visit_states(
    session: AsyncSession, ranges: Mapping[uuid.UUID, Range]
) -> dict[uuid.UUID, dict[uuid.UUID, StoredVisit]]:
    """The stored visits of each package anchored in its range, by package and visit."""
    if not ranges:
        return {}
    conn = await raw_connection(session)
    return _by_package(await conn.fetch(_VISITS_SQL, *_ranges(ranges)))


def _by_package(rows: Sequence[Any]) -> dict[uuid.UUID, dict[uuid.UUID, StoredVisit]]:
    result: dict[uuid.UUID, dict[uuid.UUID, StoredVisit]] = defaultdict(dict)
    for r in rows:
        result[r["package_id"]][r["visit_id"]] = StoredVisit(r["revision"], orjson.loads(r["state"]), r["anchor_at"])
    return result


async def load_visits_by_id(
    session: AsyncSession, visit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, StoredVisit]]:
    """The stored visits among ``visit_ids``, by package and visit."""
    if not visit_ids:
        return {}
    conn = await raw_connection(session)
    return _by_package(await conn.fetch(_VISITS_BY_ID_SQL, list(visit_ids)))


async def save_visits(session: AsyncSession, changes: Sequence[VisitChange]) -> None:
    """Upsert the changed visits in one statement."""
    if not changes:
        return
    conn = await raw_connection(session)
    await conn.execute(
        _SAVE_SQL,
        [c.visit_id for c in changes],
        [c.package_id for c in changes],
        [uuid.UUID(c.state["provider_id"]) for c in changes],
        [c.revision for c in changes],
        [c.status for c in changes],
        [orjson.dumps(c.state).decode() for c in changes],
        [c.anchor for c in changes],
    )


async def remove_visits(session: AsyncSession, visit_ids: Sequence[uuid.UUID]) -> None:
    """Drop visits that were never published and that the plan no longer holds."""
    if visit_ids:
        conn = await raw_connection(session)
        await conn.execute(
            "DELETE FROM monitoring.visit WHERE visit_id = ANY($1::uuid[]) AND revision = 0", list(visit_ids)
        )


async def set_next_checks(session: AsyncSession, next_checks: Mapping[uuid.UUID, datetime]) -> None:
    """When each package should next be recomputed for missed visits."""
    if next_checks:
        conn = await raw_connection(session)
        await conn.execute(_NEXT_CHECKS_SQL, list(next_checks), list(next_checks.values()))
