"""Property: whatever order, duplicates or lateness, KPIs come from the latest revision of each fact."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from quality.domain.config import KpiSettings
from quality.domain.facts import Facts, VisitFact, latest_visits
from quality.domain.kpis import compute_report
from quality.domain.periods import parse_period
from quality.domain.scope import OVERALL

WEEK = parse_period("2026-W47")
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)
PROVIDER = uuid.UUID(int=7)


@st.composite
def revision(draw: st.DrawFn, visit_no: int, rev: int) -> VisitFact:
    planned = MONDAY + timedelta(days=draw(st.integers(0, 13)), minutes=draw(st.integers(360, 1320)))
    status = draw(st.sampled_from(["completed", "missed", "cancelled"]))
    planned_minutes = draw(st.sampled_from([15, 30, 45, 60]))
    start = planned + timedelta(minutes=draw(st.integers(-60, 90)))
    completed = status == "completed"
    return VisitFact(
        visit_id=uuid.UUID(int=visit_no),
        revision=rev,
        package_id=uuid.UUID(int=100 + visit_no % 3),
        provider_id=PROVIDER,
        zone="north",
        status=status,  # type: ignore[arg-type]
        planned_start=planned,
        planned_minutes=planned_minutes,
        actual_start=start if completed else None,
        actual_end=start + timedelta(minutes=draw(st.integers(0, 90))) if completed else None,
        carer_ids=(f"c{draw(st.integers(1, 4))}",) if completed else (),
        verified=draw(st.booleans()),
    )


@st.composite
def history(draw: st.DrawFn) -> list[list[VisitFact]]:
    visits = draw(st.integers(1, 8))
    return [[draw(revision(n, r)) for r in range(draw(st.integers(1, 3)))] for n in range(visits)]


@settings(max_examples=60, deadline=None)
@given(history(), st.randoms(use_true_random=False), st.integers(0, 5))
def test_order_and_duplicates_do_not_change_kpis(revisions, random, duplicates) -> None:
    in_order = [rev for revs in revisions for rev in revs]
    arrivals = in_order + [random.choice(in_order) for _ in range(duplicates)]
    random.shuffle(arrivals)
    final = [revs[-1] for revs in revisions]
    expected = compute_report(Facts(visits=tuple(final)), OVERALL, WEEK, KpiSettings())
    got = compute_report(Facts(visits=latest_visits(arrivals)), OVERALL, WEEK, KpiSettings())
    assert got == expected
    assert got.visits.planned + got.visits.cancelled <= len(revisions)
