"""Reading what visit derivation needs and writing visits, all set-based over many packages."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from monitoring.db.tables import cancellation, correction, package, pending_derivation, visit, visit_event
from monitoring.domain.corrections import Correction, CorrectionReason
from monitoring.domain.publication import VisitChange
from monitoring.domain.visit_events import VisitEvent
from monitoring.domain.visits import Cancellation


async def claim_pending(session: AsyncSession, limit: int) -> list[uuid.UUID]:
    """Take up to ``limit`` queued packages; another worker skips them until this transaction ends."""
    claimed = (
        select(pending_derivation.c.package_id)
        .order_by(pending_derivation.c.requested_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = await session.execute(
        delete(pending_derivation)
        .where(pending_derivation.c.package_id.in_(claimed))
        .returning(pending_derivation.c.package_id)
    )
    return [row[0] for row in rows]


async def queue_due_checks(session: AsyncSession, now: datetime) -> int:
    """Queue every package with a visit now due to be missed; the schedule is in the database, so
    a restart loses nothing."""
    due = select(package.c.package_id).where(package.c.next_check_at <= now)
    result = await session.execute(insert(pending_derivation).from_select(["package_id"], due).on_conflict_do_nothing())
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def load_events(
    session: AsyncSession, package_ids: Sequence[uuid.UUID], since: datetime, until: datetime
) -> dict[uuid.UUID, list[VisitEvent]]:
    """Stored events of the packages in a time range."""
    rows = await session.execute(
        select(visit_event).where(
            and_(
                visit_event.c.package_id.in_(list(package_ids)),
                visit_event.c.occurred_at >= since,
                visit_event.c.occurred_at < until,
            )
        )
    )
    events: dict[uuid.UUID, list[VisitEvent]] = defaultdict(list)
    for r in rows:
        events[r.package_id].append(
            VisitEvent(
                # Event ids are unique per vendor; prefixing keeps two vendors' ids apart in pairing.
                f"{r.vendor_id}/{r.event_id}",
                r.type,
                r.occurred_at,
                r.package_id,
                r.carer_id,
                r.method,
                r.lat,
                r.lon,
                r.accuracy_m,
                r.device_id,
            )
        )
    return events


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
    session: AsyncSession, package_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, dict[str, Any]]]:
    """The stored revision and state of the packages' visits."""
    rows = await session.execute(
        select(visit.c.visit_id, visit.c.revision, visit.c.state).where(visit.c.package_id.in_(list(package_ids)))
    )
    return {r.visit_id: (r.revision, r.state) for r in rows}


async def save_visits(session: AsyncSession, changes: Sequence[VisitChange]) -> None:
    """Upsert the changed visits; an executemany, so any number of rows stays under the bind limit."""
    if not changes:
        return
    stmt = insert(visit)
    stmt = stmt.on_conflict_do_update(
        index_elements=[visit.c.visit_id],
        set_={
            "revision": stmt.excluded.revision,
            "status": stmt.excluded.status,
            "state": stmt.excluded.state,
            "updated_at": func.now(),
        },
    )
    await session.execute(
        stmt,
        [
            {
                "visit_id": c.record.visit_id,
                "package_id": c.record.package_id,
                "provider_id": uuid.UUID(c.state["provider_id"]),
                "revision": c.revision,
                "status": c.record.status.value,
                "state": c.state,
            }
            for c in changes
        ],
    )


async def set_next_checks(session: AsyncSession, next_checks: dict[uuid.UUID, datetime]) -> None:
    """When each package should next be recomputed for missed visits."""
    for package_id, at in next_checks.items():
        await session.execute(update(package).where(package.c.package_id == package_id).values(next_check_at=at))
