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
from monitoring.domain.derivation import context_margin, derivation_window, derive_package
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


async def derive_once(session: AsyncSession, runtime: ServiceRuntime, rules: MonitoringRules, limit: int) -> int:
    """Recompute the visits of up to ``limit`` queued packages; returns how many packages were done.

    Each package is recomputed over its own window (from where it was changed), with every read
    and write set-based over the whole claim, so a round costs a fixed number of round trips.
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
    margin = context_margin(rules)
    events = await visits.load_events(session, {p: (w.start - margin, w.end + margin) for p, w in windows.items()})
    states = await visits.load_visit_states(session, {p: (w.start, w.end) for p, w in windows.items()})
    corrections = await visits.load_corrections(session, list(windows))
    cancellations = await visits.load_cancellations(session, list(windows))
    results = _Results()
    for package_id, stored in stored_packages.items():
        try:
            derived = derive_package(
                plan=stored.plan,
                providers=stored.providers,
                home=stored.home,
                events=events.get(package_id, ()),
                corrections=corrections.get(package_id, []),
                cancellations=cancellations.get(package_id, {}),
                window=windows[package_id],
                now=now,
                rules=rules,
            )
            changed = package_changes(package_id, states.get(package_id, {}), derived.records)
            package_events = [(_event(c), str(c.visit_id)) for c in changed.changes if c.event is not None]
        except Exception as exc:
            # One package's bad data must not stall every other package: the scan retries it later.
            log.error("package_derivation_failed", package_id=str(package_id), error=repr(exc))
            results.next_checks[package_id] = now + RETRY_FAILED_AFTER
            continue
        results.changes.extend(changed.changes)
        results.removed.extend(changed.removed)
        results.published.extend(package_events)
        # A visit belongs to its package's flow: the referral it was awarded from can be traced to it.
        results.flows.extend(flow_correlation_id(stored.correlation_id) for _ in package_events)
        results.next_checks[package_id] = derived.next_check_at
        # Derivation is CPU work on the event loop: let requests in between packages.
        await asyncio.sleep(0)
    await visits.save_visits(session, results.changes)
    await visits.remove_visits(session, results.removed)
    await visits.set_next_checks(session, results.next_checks)
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
