"""Background tasks: derive visits from stored events, and find visits that are now missed.

Both keep their to-do list in the database (``pending_derivation`` and ``package.next_check_at``),
written in the same transactions as the events and plans, so a crash or restart loses no work.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.clock import utcnow
from shared.contracts.monitoring import VisitCancelled, VisitCompleted, VisitCorrected, VisitMissed
from shared.logging import flow_correlation_id, get_logger
from shared.messaging.envelope import EventData
from shared.web.runtime import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncSession

from monitoring.db import plans_repository as plans
from monitoring.db import visits_repository as visits
from monitoring.domain.config import MonitoringRules
from monitoring.domain.derivation import (
    Narrowing,
    PackageDerivation,
    context_margin,
    derivation_window,
    derive_package,
    narrows,
)
from monitoring.domain.publication import VisitChange, package_changes
from monitoring.settings import MonitoringSettings

log = get_logger(__name__)

RETRY_FAILED_AFTER = timedelta(minutes=5)
_EVENT_MODELS: dict[str, type[EventData]] = {
    "completed": VisitCompleted,
    "missed": VisitMissed,
    "corrected": VisitCorrected,
    "cancelled": VisitCancelled,
}


def _event(change: VisitChange) -> EventData:
    payload = {k: v for k, v in change.state.items() if k not in ("status", "all_flags")}
    assert change.event is not None
    return _EVENT_MODELS[change.event].model_validate({**payload, "revision": change.revision})


@dataclass
class _Results:
    """What one derivation round writes, gathered over its packages."""

    changes: list[VisitChange] = field(default_factory=list)
    removed: list[uuid.UUID] = field(default_factory=list)
    published: list[tuple[EventData, str]] = field(default_factory=list)
    flows: list[str | None] = field(default_factory=list)
    next_checks: dict[uuid.UUID, datetime] = field(default_factory=dict)
    failed: list[uuid.UUID] = field(default_factory=list)

    def fail(self, package_id: uuid.UUID, exc: Exception) -> None:
        """One package's bad data must not stall every other package: it is retried later, whole."""
        log.error("package_derivation_failed", package_id=str(package_id), error=repr(exc))
        self.failed.append(package_id)


async def derive_once(session: AsyncSession, runtime: ServiceRuntime, rules: MonitoringRules, limit: int) -> int:
    """Recompute the visits of up to ``limit`` queued packages; returns how many packages were done.

    Each package is recomputed over its own window (from where it was changed), or, when events
    alone queued it, just the visits those events change; every read and write is set-based over
    the whole claim, so a round costs a fixed number of round trips.
    """
    claimed = await visits.claim_pending(session, limit)
    if not claimed:
        return 0
    now = utcnow()
    stored_packages = await plans.load_packages(session, list(claimed))
    windows = {
        package_id: derivation_window(
            affected_from=claimed[package_id], next_check_at=stored.next_check_at, now=now, rules=rules
        )
        for package_id, stored in stored_packages.items()
    }
    scheduled = {
        package_id: stored.next_check_at
        for package_id, stored in stored_packages.items()
        if stored.next_check_at is not None
        and narrows(
            affected_from=claimed[package_id],
            seen_recorded=stored.seen_recorded,
            next_check_at=stored.next_check_at,
            now=now,
        )
    }
    margin = context_margin(rules)
    loaded = await visits.load_events(
        session, {p: (w.start - margin, w.end + margin) for p, w in windows.items()}, fresh_of=set(scheduled)
    )
    corrections = await visits.load_corrections(session, list(windows))
    cancellations = await visits.load_cancellations(session, list(windows))
    results = _Results()
    derived: dict[uuid.UUID, PackageDerivation] = {}
    for package_id, stored in stored_packages.items():
        events = loaded.get(package_id) or visits.PackageEvents()
        narrowing = Narrowing(frozenset(events.fresh), scheduled[package_id]) if package_id in scheduled else None
        try:
            derived[package_id] = derive_package(
                plan=stored.plan,
                providers=stored.providers,
                home=stored.home,
                events=events.events,
                corrections=corrections.get(package_id, []),
                cancellations=cancellations.get(package_id, {}),
                window=windows[package_id],
                now=now,
                rules=rules,
                narrowing=narrowing,
            )
        except Exception as exc:
            results.fail(package_id, exc)
        # Derivation is CPU work on the event loop: let requests in between packages.
        await asyncio.sleep(0)
    whole = {p: (windows[p].start, windows[p].end) for p, d in derived.items() if d.recomputed is None}
    in_window = await visits.load_visit_states(session, whole)
    by_id = await visits.load_visits_by_id(session, [v for d in derived.values() for v in d.recomputed or ()])
    for package_id, derivation in derived.items():
        stored_visits = (in_window if derivation.recomputed is None else by_id).get(package_id, {})
        try:
            changed = package_changes(package_id, stored_visits, derivation.records)
            package_events = [(_event(c), str(c.visit_id)) for c in changed.changes if c.event is not None]
        except Exception as exc:
            results.fail(package_id, exc)
            continue
        results.changes.extend(changed.changes)
        results.removed.extend(changed.removed)
        results.published.extend(package_events)
        # A visit belongs to its package's flow: the referral it was awarded from can be traced to it.
        correlation_id = stored_packages[package_id].correlation_id
        results.flows.extend(flow_correlation_id(correlation_id) for _ in package_events)
        results.next_checks[package_id] = derivation.next_check_at
    await visits.save_visits(session, results.changes)
    await visits.remove_visits(session, results.removed)
    await visits.set_next_checks(session, results.next_checks)
    await visits.retry_later(session, results.failed, now + RETRY_FAILED_AFTER)
    await runtime.outbox.publish_many(session, results.published, correlation_ids=results.flows)
    return len(claimed)


async def derive_visits_forever(runtime: ServiceRuntime) -> None:
    """Drain the derivation queue; idle briefly when it is empty, back off while the database is down."""
    settings = runtime.settings
    assert isinstance(settings, MonitoringSettings)
    rules = settings.rules()
    while True:
        try:
            async with runtime.sessionmaker() as session, session.begin():
                done = await derive_once(session, runtime, rules, settings.derivation_batch_packages)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("visit_derivation_failed", error=repr(exc))
            done = 0
            await asyncio.sleep(1.0)
        if done == 0:
            await asyncio.sleep(settings.derivation_idle_seconds)


async def scan_missed_forever(runtime: ServiceRuntime) -> None:
    """Queue packages whose next visit is due to be missed, so a missed alert goes out promptly."""
    settings = runtime.settings
    assert isinstance(settings, MonitoringSettings)
    while True:
        try:
            async with runtime.sessionmaker() as session, session.begin():
                await visits.queue_due_checks(session, utcnow())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("missed_scan_failed", error=repr(exc))
        await asyncio.sleep(settings.missed_scan_seconds)
