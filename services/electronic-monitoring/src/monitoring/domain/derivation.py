"""Recomputing a package's visits over a window from its stored events, plan and corrections.

Only visits planned (or attended) inside the window's core are returned: the margins give the
matching its context, so a visit near the edge is judged with every event that could belong to it.

The window is not the whole 28 days each time: it starts where the change that queued the package
could first have moved a visit (an event's reach back to its check-in and planned visit, a plan's
effective time), and never later than the visit the missed-visit schedule is waiting on, so every
visit still expected is always recomputed and the schedule stays whole.

A package queued by new events alone, with no visit due to be missed yet, is narrowed further:
its visits are matched twice, with and without the new events, and only the visits whose
attendances differ are recomputed. Every other visit's inputs are as its stored state was derived
from, and no visit has changed with time (the schedule is still ahead), so the stored state stands.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared.clock import london_date

from monitoring.domain.config import MonitoringRules
from monitoring.domain.corrections import Correction, standing_correction
from monitoring.domain.pairing import MatchedVisit, match_to_plan, pair_events
from monitoring.domain.plan import PackagePlan, expand_plan
from monitoring.domain.publication import DerivedVisit, visit_state
from monitoring.domain.visit_events import VisitEvent
from monitoring.domain.visits import Cancellation, Home, VisitStatus, derive_visit


@dataclass(frozen=True, slots=True)
class Window:
    """Visits planned or attended in ``[start, end)`` are recomputed."""

    start: datetime
    end: datetime


# How far back a late event or a plan change still changes a visit: a four-weekly payment period.
LOOKBACK = timedelta(days=28)
# How far ahead planned visits are derived (as expected), so the missed-visit schedule can see them.
HORIZON = timedelta(days=1)
# With nothing expected, a package is looked at again after this, as its horizon moves on.
IDLE_RECHECK = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class Providers:
    """Who delivered a package from which day: the first award, then each re-award after a handback."""

    since: tuple[tuple[date, uuid.UUID], ...]

    def __post_init__(self) -> None:
        # In day order once, rather than sorted again for every visit derived.
        object.__setattr__(self, "since", tuple(sorted(self.since)))

    @classmethod
    def only(cls, provider_id: uuid.UUID) -> Providers:
        """A package that has had one provider throughout."""
        return cls(((date.min, provider_id),))

    def on(self, day: date) -> uuid.UUID:
        """The provider delivering on ``day``; before the first award, the first provider."""
        found = self.since[0][1]
        for from_day, provider_id in self.since:
            if from_day > day:
                break
            found = provider_id
        return found


@dataclass(frozen=True, slots=True)
class Narrowing:
    """What a derivation of just the visits new events change needs.

    ``fresh`` holds the ids of exactly the events the stored visits were not derived from (one
    more would make the matching before them wrong, and a visit it changed could be missed);
    ``scheduled`` is the package's stored next missed-visit check, which the visits not recomputed
    still hold to.
    """

    fresh: frozenset[str]
    scheduled: datetime


@dataclass(frozen=True, slots=True)
class PackageDerivation:
    """A package's recomputed visits and when it next needs looking at for a missed visit.

    ``recomputed`` names the visits looked at when narrowed (the stored visits to compare with,
    withdrawing those not produced again); None: every visit of the window.
    """

    records: list[DerivedVisit]
    next_check_at: datetime
    recomputed: frozenset[uuid.UUID] | None = None


def context_margin(rules: MonitoringRules) -> timedelta:
    """How far an event can sit from the visit it belongs to: a check-out is up to the maximum visit
    length after its check-in, which is up to the match window from the planned start."""
    return rules.match_window + rules.max_visit_length


def derivation_window(
    *, affected_from: datetime | None, next_check_at: datetime | None, now: datetime, rules: MonitoringRules
) -> Window:
    """The visits to recompute for a package queued as changed from ``affected_from`` (None: the
    whole window); the window never reaches back beyond the lookback."""
    floor = now - LOOKBACK
    margin = context_margin(rules)
    start = floor if affected_from is None or affected_from <= floor + margin else affected_from - margin
    if next_check_at is not None:
        # The visit the schedule waits on (planned start = next check - missed_after) stays inside.
        start = min(start, max(floor, next_check_at - rules.missed_after))
    return Window(start, now + HORIZON)


def narrows(
    *, affected_from: datetime | None, seen_recorded: bool, next_check_at: datetime | None, now: datetime
) -> bool:
    """Whether only the visits new events change need recomputing: events queued the package (a
    plan change, correction, cancellation or failed derivation queue the whole window, None), its
    last derivation recorded which events it saw, and no visit is due to be missed yet (the
    missed-visit scan's packages are due)."""
    return affected_from is not None and seen_recorded and next_check_at is not None and next_check_at > now


def _anchor(visit: MatchedVisit) -> datetime:
    return visit.planned.planned_start if visit.planned else visit.attendances[0].anchor


def _changed_visits(
    matched: Sequence[MatchedVisit], before: Sequence[MatchedVisit], window: Window
) -> tuple[list[MatchedVisit], frozenset[uuid.UUID]]:
    """The visits of ``matched`` whose attendances differ from ``before``, and the ids of the
    visits in the window that the two matchings hold differently (one only ``before`` holds is
    withdrawn)."""
    earlier = {visit.visit_id: visit for visit in before}
    changed = [v for v in matched if (e := earlier.get(v.visit_id)) is None or e.attendances != v.attendances]
    held = {v.visit_id for v in matched}
    gone = [v for v in before if v.visit_id not in held]
    ids = frozenset(v.visit_id for v in (*changed, *gone) if window.start <= _anchor(v) < window.end)
    return changed, ids


def derive_package(
    *,
    plan: PackagePlan,
    providers: Providers,
    home: Home,
    events: Iterable[VisitEvent],
    corrections: Sequence[Correction],
    cancellations: Mapping[uuid.UUID, Cancellation],
    window: Window,
    now: datetime,
    rules: MonitoringRules,
    narrowing: Narrowing | None = None,
) -> PackageDerivation:
    """Every visit of the package in the window, derived from scratch, with its contract state;
    narrowed, only those whose attendances the fresh events changed.

    A visit belongs to the provider delivering on its day, so a re-award after a handback leaves the
    visits the first provider made as its own (and paid to it).
    """
    margin = context_margin(rules)
    planned = [
        p
        for p in expand_plan(plan, london_date(window.start - margin), london_date(window.end + margin))
        if window.start - margin <= p.planned_start < window.end + margin
    ]
    events = list(events)
    matched = match_to_plan(plan.package_id, pair_events(events, rules), planned, rules)
    next_check = now + IDLE_RECHECK
    recomputed: frozenset[uuid.UUID] | None = None
    if narrowing is not None:
        older = [e for e in events if e.event_id not in narrowing.fresh]
        before = match_to_plan(plan.package_id, pair_events(older, rules), planned, rules)
        matched, recomputed = _changed_visits(matched, before, window)
        next_check = narrowing.scheduled
    by_visit: dict[uuid.UUID, list[Correction]] = {}
    for made in corrections:
        by_visit.setdefault(made.visit_id, []).append(made)
    records: list[DerivedVisit] = []
    for visit in matched:
        anchor = _anchor(visit)
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
        provider_id = providers.on(london_date(anchor))
        records.append(DerivedVisit(record, visit_state(record, visit, provider_id, correction), anchor))
    return PackageDerivation(records, next_check, recomputed)
