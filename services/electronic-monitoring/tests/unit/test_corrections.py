"""Correction requests and which correction stands."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from monitoring.domain.config import DEFAULT_RULES
from monitoring.domain.corrections import Correction, CorrectionReason, correction_errors, standing_correction

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
IN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("reason", "note", "check_in", "check_out", "fields"),
    [
        (CorrectionReason.DEVICE_FAILURE, None, IN, IN + timedelta(minutes=45), []),
        (CorrectionReason.OTHER, "carer's phone was stolen", IN, IN + timedelta(minutes=45), []),
        (CorrectionReason.OTHER, None, IN, IN + timedelta(minutes=45), ["note"]),
        (CorrectionReason.OTHER, "   ", IN, IN + timedelta(minutes=45), ["note"]),
        (CorrectionReason.NO_SIGNAL, None, IN, IN, ["check_out_at"]),
        (
            CorrectionReason.NO_SIGNAL,
            None,
            IN - timedelta(days=1),
            IN + timedelta(minutes=1),
            ["check_out_at"],
        ),
        (
            CorrectionReason.CARER_FORGOT,
            None,
            NOW + timedelta(hours=1),
            NOW + timedelta(hours=2),
            ["check_in_at", "check_out_at"],
        ),
        (CorrectionReason.OTHER, "", IN + timedelta(hours=1), IN, ["note", "check_out_at"]),
    ],
)
def test_correction_errors_name_every_field(
    reason: CorrectionReason, note: str | None, check_in: datetime, check_out: datetime, fields: list[str]
) -> None:
    errors = correction_errors(reason, note, check_in, check_out, NOW, DEFAULT_RULES)
    assert [e.field for e in errors] == fields


def make(n: int, made_minutes: int, *, rejected: bool = False) -> Correction:
    return Correction(
        correction_id=uuid.UUID(int=n),
        visit_id=uuid.UUID(int=99),
        reason=CorrectionReason.NO_SIGNAL,
        note=None,
        check_in_at=IN,
        check_out_at=IN + timedelta(minutes=30 + n),
        made_by="provider:p1",
        made_at=NOW + timedelta(minutes=made_minutes),
        rejected_by="officer:o1" if rejected else None,
        rejected_at=NOW + timedelta(hours=1) if rejected else None,
    )


def test_latest_correction_not_rejected_stands() -> None:
    first, second, third = make(1, 0), make(2, 10), make(3, 20, rejected=True)
    assert standing_correction([third, first, second]) == second
    assert standing_correction([first, third]) == first
    assert standing_correction([third]) is None
    assert standing_correction([]) is None
