"""A referral change sent right after placement can reach monitoring before the award (the two topics
are not ordered with each other). The soak run found such a hospital stay ignored, its visits left
planned and then missed; it must be held and applied once the award plans the package."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal

import asyncpg
from monitoring.db import early_events_repository as early_events
from monitoring.events.package_handlers import HANDLERS
from shared.clock import london_wall_clock_to_utc
from shared.contracts import brokerage, referrals
from shared.contracts.common import Funding, VisitPatternEntry
from shared.db.engine import create_engine, create_sessionmaker
from shared.messaging.envelope import EventData, build_envelope
from shared.settings import to_asyncpg_dsn
from shared.testing.stack import PostgresHandle, migrated_database


def _awarded(package_id: uuid.UUID) -> brokerage.PackageAwarded:
    now = datetime.now(UTC)
    return brokerage.PackageAwarded(
        package_id=package_id, referral_id=package_id, provider_id=uuid.uuid4(), zone_id="z1",
        pricing_level="urban", service_type="ongoing_support", payment_basis="time_and_task",
        hourly_rate=Decimal("21.50"), rates=[], funding=Funding(council=Decimal(1), nhs=Decimal(0)),
        visit_pattern=[VisitPatternEntry(days=["mon", "wed"], start="08:00", duration_minutes=45, carers=1)],
        weekly_hours=Decimal("1.5"), outcomes=[], start_date=date(2026, 11, 2), urgency="standard",
        submitted_at=now, awarded_at=now,
    )


async def test_a_hospital_stay_arriving_before_the_award_is_applied_with_it(pg: PostgresHandle) -> None:
    url = await migrated_database(pg, ("electronic-monitoring",))
    engine = create_engine(url, pool_size=1)
    sessionmaker = create_sessionmaker(engine)
    package_id = uuid.uuid4()
    arriving: list[tuple[EventData, str]] = [
        (referrals.ReferralSuspended(referral_id=package_id, reason="hospital_admission", from_date=date(2026, 11, 11)),
         referrals.SOURCE),
        (referrals.ReferralResumed(referral_id=package_id, from_date=date(2026, 11, 25)), referrals.SOURCE),
        (_awarded(package_id), brokerage.SOURCE),
    ]
    try:
        for data, source in arriving:
            envelope = build_envelope(data, subject=str(package_id), source=source)
            async with sessionmaker() as session, session.begin():
                await HANDLERS[envelope.type](session, envelope)
        async with sessionmaker() as session:
            assert await early_events.held(session, package_id) == 0
    finally:
        await engine.dispose()
    conn = await asyncpg.connect(to_asyncpg_dsn(url))
    try:
        stays = await conn.fetch(
            "SELECT starts_at, ends_at FROM monitoring.suspension WHERE package_id = $1", package_id
        )
    finally:
        await conn.close()
    assert [(s["starts_at"], s["ends_at"]) for s in stays] == [
        (london_wall_clock_to_utc(date(2026, 11, 11), time(0)), london_wall_clock_to_utc(date(2026, 11, 25), time(0)))
    ]
