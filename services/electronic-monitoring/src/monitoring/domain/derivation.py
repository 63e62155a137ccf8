"""Recomputing a package's visits over a window from its stored events, plan and corrections.

Only visits planned (or attended) inside the window's core are returned: the margins give the
matching its context, so a visit near the edge is judged with every event that could belong to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.clock import london_date

from monitoring.domain.config import MonitoringRules
from monitoring.domain.corrections import Correction, standing_correction
from monitoring.domain.pairing import match_to_plan, pair_events
from monitoring.domain.plan import PackagePlan, expand_plan
from monitoring.domain.publication import visit_state
from monitoring.domain.visit_events import VisitEvent
from monitoring.domain.visits import Cancellation, Home, VisitRecord, VisitStatus, derive_visit


@dataclass(frozen=True, slots=True)
class Window:
    """Visits planned or attended in ``[start, end)`` are recomputed."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class PackageDerivation:
    """A package's recomputed visits and when it next needs looking at for a missed visit."""

    records: list[tuple[VisitRecord, dict[str, Any]]]
    next_check_at: datetime


def derive_package(
    *,
    plan: PackagePlan,
    provider_id: uuid.UUID,
    home: Home,
    events: Iterable[VisitEvent],
    corrections: Sequence[Correction],
    cancellations: Mapping[uuid.UUID, Cancellation],
    window: Window,
    now: datetime,
    rules: MonitoringRules,
) -> PackageDerivation:
    """Every visit of the package in the window, derived from scratch, with its contract state."""
    margin = rules.match_window + rules.max_visit_length
    planned = [
        p
        for p in expand_plan(plan, london_date(window.start - margin), london_date(window.end + margin))
        if window.start - margin <= p.planned_start < window.end + margin
    ]
    attendances = pair_events(events, rules)
    by_visit: dict[uuid.UUID, list[Correction]] = {}
    for made in corrections:
        by_visit.setdefault(made.visit_id, []).append(made)
    records: list[tuple[VisitRecord, dict[str, Any]]] = []
    next_check = now + timedelta(hours=12)
    for visit in match_to_plan(plan.package_id, attendances, planned, rules):
        anchor = visit.planned.planned_start if visit.planned else visit.attendances[0].anchor
        if not window.start <= anchor < window.end:
            continue
        correction = standing_correction(by_visit.get(visit.visit_id, ()))
        record = derive_visit(
            visit,
            home=home,
            now=now,
            rules=rules,
            cancellation=cancellations.get(visit.visit_id),
            correction=correction,
        )
        if record.status is VisitStatus.EXPECTED and visit.planned is not None:
            next_check = min(next_check, visit.planned.planned_start + rules.missed_after)
        records.append((record, visit_state(record, visit, provider_id, correction)))
    return PackageDerivation(records, next_check)
