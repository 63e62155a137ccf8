"""Small builders for domain values used across the unit tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from payments.domain.rates import RateChange, RateSchedule
from payments.domain.terms import Basis, Contribution, PackageTerms, PatternEntry, TermsChange, Visit, VisitOutcome

PACKAGE = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
PROVIDER = uuid.UUID("00000000-0000-0000-0000-0000000000b1")


def terms(
    *,
    basis: Basis = Basis.TIME_AND_TASK,
    rate: str = "18.52",
    changes: tuple[tuple[date, str], ...] = (),
    council_share: str = "1",
    pattern: tuple[PatternEntry, ...] = (),
    weekly_budget: str | None = None,
    enablement_budget: str | None = None,
    contribution: tuple[str, str] | None = None,
    start: date = date(2026, 11, 2),
    ongoing: tuple[str, date] | None = None,
    package_id: uuid.UUID = PACKAGE,
    provider_id: uuid.UUID = PROVIDER,
    amendments: tuple[TermsChange, ...] = (),
) -> PackageTerms:
    """Package terms with a Monday start and sensible defaults."""
    return PackageTerms(
        package_id=package_id,
        provider_id=provider_id,
        basis=basis,
        rates=RateSchedule(
            Decimal(rate),
            tuple(RateChange(d, Decimal(r)) for d, r in changes),
            Decimal(ongoing[0]) if ongoing else None,
            ongoing[1] if ongoing else None,
        ),
        start_date=start,
        council_share=Decimal(council_share),
        pattern=pattern,
        weekly_budget=Decimal(weekly_budget) if weekly_budget else None,
        enablement_budget=Decimal(enablement_budget) if enablement_budget else None,
        contribution=Contribution(Decimal(contribution[0]), contribution[1]) if contribution else None,
        amendments=amendments,
    )


def visit(
    start: datetime,
    minutes: float,
    *,
    planned: int | None = 30,
    outcome: VisitOutcome = VisitOutcome.COMPLETED,
    carers_required: int = 1,
    carers_attended: int | None = None,
    verified: bool = True,
    visit_id: uuid.UUID | None = None,
    package_id: uuid.UUID = PACKAGE,
    provider_id: uuid.UUID = PROVIDER,
) -> Visit:
    """A visit starting at ``start`` (aware UTC) lasting ``minutes`` (fractions give seconds)."""
    return Visit(
        visit_id=visit_id or uuid.uuid4(),
        package_id=package_id,
        provider_id=provider_id,
        outcome=outcome,
        planned_start=start,
        planned_minutes=planned,
        actual_start=start if outcome is VisitOutcome.COMPLETED else None,
        actual_end=start + timedelta(seconds=round(minutes * 60)) if outcome is VisitOutcome.COMPLETED else None,
        carers_required=carers_required,
        carers_attended=carers_required if carers_attended is None else carers_attended,
        verified=verified,
    )


def at(day: date, hour: int = 9) -> datetime:
    """An aware UTC instant on ``day``."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def pence(amount: Decimal) -> int:
    """Decimal pounds as integer pence, exactly (fails on a fraction of a penny)."""
    value = amount * 100
    assert value == value.to_integral_value(), amount
    return int(value)
