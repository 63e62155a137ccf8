"""KPIs of delivery, from the visits of one scope and period."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from shared.clock import london_date

from quality.domain.config import KpiSettings
from quality.domain.facts import CorrectionFact, VisitFact
from quality.domain.numbers import median, per_thousand, share

# The bands the national fair cost of care returns ask for, by planned length, upper bound inclusive.
LENGTH_BANDS: tuple[tuple[str, int | None], ...] = (
    ("up_to_15", 15),
    ("16_to_30", 30),
    ("31_to_45", 45),
    ("46_to_60", 60),
    ("over_60", None),
)
ETHICAL_CARE_MINIMUM_MINUTES = 15


@dataclass(frozen=True)
class VisitKpis:
    """Delivery figures; shares are None where nothing was there to measure."""

    planned: int
    completed: int
    missed: int
    cancelled: int
    unplanned: int
    on_time: int
    punctuality: Decimal | None
    missed_share: Decimal | None
    missed_per_1000: Decimal | None
    planned_minutes: int
    delivered_minutes: int
    duration_compliance: Decimal | None
    short: int
    short_share: Decimal | None
    under_15: int
    under_15_share: Decimal | None
    planned_under_15: int
    length_histogram: dict[str, int]
    verified: int
    verified_share: Decimal | None
    continuity_median_carers: Decimal | None
    unverified_per_1000: Decimal | None
    unverified_per_1000_by_reason: dict[str, Decimal] = field(default_factory=dict)
    corrections_per_1000: Decimal | None = None
    corrections_per_1000_by_reason: dict[str, Decimal] = field(default_factory=dict)


def length_band(minutes: int) -> str:
    """The fair-cost-of-care band of a planned visit length."""
    for name, upper in LENGTH_BANDS:
        if upper is None or minutes <= upper:
            return name
    raise AssertionError("the last band is open-ended")


def _is_on_time(visit: VisitFact, window: timedelta) -> bool:
    if visit.planned_start is None or visit.actual_start is None:
        return False
    return abs(visit.actual_start - visit.planned_start) <= window


def _is_short(visit: VisitFact, ratio: Decimal) -> bool:
    delivered = visit.delivered_minutes
    if delivered is None or visit.planned_minutes is None:
        return False
    return Decimal(delivered) < Decimal(visit.planned_minutes) * ratio


def _rates_by_reason(reasons: Iterable[str], whole: int) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for reason, count in sorted(Counter(reasons).items()):
        rate = per_thousand(count, whole)
        if rate is not None:
            out[reason] = rate
    return out


def continuity(visits: Iterable[VisitFact]) -> Decimal | None:
    """Median, over the people visited, of how many different carers each saw."""
    carers: dict[uuid.UUID, set[str]] = defaultdict(set)
    for visit in visits:
        if visit.status == "completed":
            carers[visit.package_id].update(visit.carer_ids)
    return median([len(seen) for seen in carers.values() if seen])


def visit_kpis(
    visits: Sequence[VisitFact],
    corrections: Sequence[CorrectionFact],
    settings: KpiSettings,
) -> VisitKpis:
    """Delivery KPIs over visits already narrowed to a scope and period.

    ``corrections`` may hold corrections of any visit; only those of ``visits`` count. Planned
    figures exclude visits the person cancelled with notice; timing and length figures use
    completed planned visits; verification and continuity use every completed visit.
    """
    window = timedelta(minutes=settings.punctuality_window_minutes)
    completed = [v for v in visits if v.status == "completed"]
    missed = [v for v in visits if v.status == "missed" and v.planned]
    completed_planned = [v for v in completed if v.planned and v.actual_start is not None]
    timed = [v for v in completed_planned if v.delivered_minutes is not None]
    planned_count = len(completed_planned) + len(missed)

    on_time = sum(1 for v in completed_planned if _is_on_time(v, window))
    planned_minutes = sum(v.planned_carer_minutes for v in timed)
    delivered_minutes = sum(v.delivered_carer_minutes for v in timed)
    short = sum(1 for v in timed if _is_short(v, settings.short_visit_ratio))
    delivered = [v for v in completed if v.delivered_minutes is not None]
    under_15 = sum(1 for v in delivered if (v.delivered_minutes or 0) < ETHICAL_CARE_MINIMUM_MINUTES)
    planned_visits = [v for v in visits if v.planned and v.status != "cancelled"]
    histogram = {name: 0 for name, _ in LENGTH_BANDS}
    for visit in planned_visits:
        histogram[length_band(visit.planned_minutes or 0)] += 1

    verified = sum(1 for v in completed if v.verified)
    unverified_reasons = [v.unverified_reason or "unspecified" for v in completed if not v.verified]
    ids = {v.visit_id for v in completed}
    correction_reasons = [c.reason for c in corrections if c.visit_id in ids]

    return VisitKpis(
        planned=planned_count,
        completed=len(completed),
        missed=len(missed),
        cancelled=sum(1 for v in visits if v.status == "cancelled"),
        unplanned=sum(1 for v in completed if not v.planned),
        on_time=on_time,
        punctuality=share(on_time, len(completed_planned)),
        missed_share=share(len(missed), planned_count),
        missed_per_1000=per_thousand(len(missed), planned_count),
        planned_minutes=planned_minutes,
        delivered_minutes=delivered_minutes,
        duration_compliance=share(delivered_minutes, planned_minutes),
        short=short,
        short_share=share(short, len(timed)),
        under_15=under_15,
        under_15_share=share(under_15, len(delivered)),
        planned_under_15=sum(1 for v in planned_visits if (v.planned_minutes or 0) < ETHICAL_CARE_MINIMUM_MINUTES),
        length_histogram=histogram,
        verified=verified,
        verified_share=share(verified, len(completed)),
        continuity_median_carers=continuity(completed),
        unverified_per_1000=per_thousand(len(unverified_reasons), len(completed)),
        unverified_per_1000_by_reason=_rates_by_reason(unverified_reasons, len(completed)),
        corrections_per_1000=per_thousand(len(correction_reasons), len(completed)),
        corrections_per_1000_by_reason=_rates_by_reason(correction_reasons, len(completed)),
    )


def first_visit_days(visits: Iterable[VisitFact]) -> dict[uuid.UUID, date]:
    """The London day each package's first completed visit actually happened."""
    first: dict[uuid.UUID, date] = {}
    for visit in visits:
        if visit.status != "completed" or visit.actual_start is None:
            continue
        day = london_date(visit.actual_start)
        if visit.package_id not in first or day < first[visit.package_id]:
            first[visit.package_id] = day
    return first
