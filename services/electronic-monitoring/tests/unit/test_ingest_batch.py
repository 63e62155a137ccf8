"""A batch's outcomes: rejections, in-batch and stored duplicates, late check-outs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from monitoring.domain.config import DEFAULT_RULES
from monitoring.domain.ingest_batch import (
    EventOutcome,
    carer_keys,
    final_outcomes,
    reject_late_check_outs,
    validate_batch,
)
from monitoring.domain.visit_events import IngestContext

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PACKAGE = uuid.UUID("88888888-8888-8888-8888-888888888888")
PROVIDER = uuid.UUID("99999999-9999-9999-9999-999999999999")
CTX = IngestContext(NOW, {PACKAGE: PROVIDER}, frozenset({PROVIDER}), DEFAULT_RULES)


def raw(event_id: str, kind: str, at: datetime, carer: str = "c1") -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": kind,
        "occurred_at": at.isoformat(),
        "package_id": str(PACKAGE),
        "carer_id": carer,
        "method": "nfc",
    }


def test_one_bad_event_never_sinks_the_batch_and_in_batch_repeats_are_duplicates() -> None:
    at = NOW - timedelta(hours=1)
    batch = validate_batch(
        [
            raw("a", "check_in", at),
            raw("b", "teleport", at),
            raw("a", "check_in", at),
            raw("c", "check_out", at + timedelta(minutes=30)),
            # An invalid first copy does not make the valid second copy a duplicate.
            {**raw("d", "check_in", at), "method": "pigeon"},
            raw("d", "check_in", at),
        ],
        CTX,
    )
    assert [i for i, _ in batch.candidates] == [0, 3, 5]
    # "c" was stored by an earlier batch: it is a duplicate now.
    outcomes = final_outcomes(batch, stored_ids={"a", "d"})
    assert [(o.index, o.event_id, o.status, o.reason) for o in outcomes] == [
        (0, "a", "accepted", None),
        (1, "b", "rejected", "unknown_type"),
        (2, "a", "duplicate", None),
        (3, "c", "duplicate", None),
        (4, "d", "rejected", "unknown_method"),
        (5, "d", "accepted", None),
    ]


def test_check_out_rejected_when_its_check_in_is_over_24_hours_earlier() -> None:
    check_in_at = NOW - timedelta(hours=30)
    batch = validate_batch(
        [
            raw("in", "check_in", check_in_at),
            raw("out", "check_out", check_in_at + timedelta(hours=24, minutes=1)),
            raw("b-out", "check_out", NOW - timedelta(hours=1), "b"),
            raw("c-out", "check_out", NOW - timedelta(hours=1), "c"),
        ],
        CTX,
    )
    stored = {
        # Carer b's open check-in 26 h before, already stored: too late.
        (PACKAGE, "b", NOW - timedelta(hours=1)): ("check_in", NOW - timedelta(hours=26)),
        # Carer c's last stored event is a check-out: today's check-in may still come.
        (PACKAGE, "c", NOW - timedelta(hours=1)): ("check_out", NOW - timedelta(hours=26)),
    }
    # c1's check-out has its check-in in the batch but 24 h 1 min before: it still needs the store.
    assert sorted(k[1] for k in carer_keys(batch, DEFAULT_RULES)) == ["b", "c", "c1"]
    reject_late_check_outs(batch, stored, DEFAULT_RULES)
    outcomes = final_outcomes(batch, stored_ids={"in", "c-out"})
    assert [(o.event_id, o.status, o.reason, o.field) for o in outcomes] == [
        ("in", "accepted", None, None),
        ("out", "rejected", "check_out_too_late", "occurred_at"),
        ("b-out", "rejected", "check_out_too_late", "occurred_at"),
        ("c-out", "accepted", None, None),
    ]


def test_a_later_in_batch_check_in_shadows_an_old_stored_one() -> None:
    out_at = NOW - timedelta(hours=1)
    batch = validate_batch(
        [raw("in", "check_in", out_at - timedelta(minutes=40)), raw("out", "check_out", out_at)], CTX
    )
    reject_late_check_outs(batch, {(PACKAGE, "c1", out_at): ("check_in", NOW - timedelta(days=3))}, DEFAULT_RULES)
    assert final_outcomes(batch, {"in", "out"}) == [
        EventOutcome(0, "in", "accepted"),
        EventOutcome(1, "out", "accepted"),
    ]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["check_in", "check_out"]), st.integers(0, 12), st.sampled_from(["c1", "c2"])),
        min_size=1,
        max_size=12,
    )
)
def test_each_check_out_sees_the_latest_earlier_event_of_its_carer_in_the_batch(
    events: list[tuple[str, int, str]],
) -> None:
    # Times on a coarse grid so that ties, and events at the check-out's own instant, are common.
    batch = validate_batch(
        [raw(f"e{i}", kind, NOW - timedelta(hours=hours), carer) for i, (kind, hours, carer) in enumerate(events)], CTX
    )
    for index, (kind, hours, carer) in enumerate(events):
        if kind != "check_out":
            continue
        earlier = [(h, i, k) for i, (k, h, c) in enumerate(events) if c == carer and h > hours]
        # The latest earlier instant (fewest hours ago); of events at that instant, the last sent.
        expected = None
        if earlier:
            latest = min(h for h, _, _ in earlier)
            _, _, expected_kind = max(e for e in earlier if e[0] == latest)
            expected = (expected_kind, NOW - timedelta(hours=latest))
        assert batch.previous_in_batch[index] == expected
