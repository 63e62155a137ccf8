"""Events as brokerage and monitoring publish them, for the integration tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from shared.contracts.brokerage import PackageAwarded
from shared.contracts.common import ClientContribution, Funding, VisitPatternEntry
from shared.contracts.monitoring import VisitCompleted, VisitCorrected, VisitMissed

NOW = datetime(2026, 10, 30, 12, tzinfo=UTC)


def awarded(
    package_id: uuid.UUID,
    provider_id: uuid.UUID,
    *,
    rate: str,
    council: str = "1",
    contribution: tuple[str, str] | None = None,
    start: date = date(2026, 11, 2),
) -> PackageAwarded:
    """A time-and-task award with a daily hour's visit."""
    return PackageAwarded(
        package_id=package_id,
        referral_id=package_id,
        provider_id=provider_id,
        zone_id="Z1",
        pricing_level="urban",
        service_type="ongoing_support",
        payment_basis="time_and_task",
        hourly_rate=Decimal(rate),
        rates=[],
        funding=Funding(council=Decimal(council), nhs=1 - Decimal(council)),
        client_contribution=ClientContribution(weekly_amount=Decimal(contribution[0]), collection=contribution[1])
        if contribution
        else None,  # type: ignore[arg-type]
        visit_pattern=[VisitPatternEntry(days=["mon", "wed"], start="09:00", duration_minutes=60, carers=1)],
        weekly_hours=Decimal(2),
        outcomes=[],
        start_date=start,
        urgency="standard",
        submitted_at=NOW,
        awarded_at=NOW,
    )


def completed(
    visit_id: uuid.UUID,
    package_id: uuid.UUID,
    provider_id: uuid.UUID,
    start: datetime,
    minutes: int,
    *,
    planned: int = 30,
    carers: int = 1,
    verified: bool = True,
    revision: int = 1,
    corrected: bool = False,
) -> VisitCompleted | VisitCorrected:
    """A visit that happened, or a correction of one."""
    cls = VisitCorrected if corrected else VisitCompleted
    return cls(
        visit_id=visit_id,
        package_id=package_id,
        provider_id=provider_id,
        revision=revision,
        planned_start=start,
        planned_minutes=planned,
        carers_required=carers,
        actual_start=start,
        actual_end=start + timedelta(minutes=minutes),
        actual_minutes=minutes,
        carers=[f"carer-{i}" for i in range(carers)],
        method="nfc",
        flags=[] if verified else ["unverified"],
        verified=verified,
    )


def missed(
    visit_id: uuid.UUID, package_id: uuid.UUID, provider_id: uuid.UUID, start: datetime, revision: int = 1
) -> VisitMissed:
    """A visit nobody checked in to."""
    return VisitMissed(
        visit_id=visit_id,
        package_id=package_id,
        provider_id=provider_id,
        revision=revision,
        planned_start=start,
        planned_minutes=30,
    )
