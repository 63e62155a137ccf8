"""From stored events to ``monitoring.visit`` events on the broker, and missed visits across a restart."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from monitoring.db import visits_repository
from monitoring.domain.plan import WEEKDAYS, PatternEntry
from monitoring.main import create_app
from monitoring.settings import MonitoringSettings
from shared.clock import london_date, to_london
from shared.settings import to_asyncpg_dsn
from shared.testing.apps import running_app
from shared.testing.stack import PostgresHandle, migrated_database, wait_for

from .conftest import Stack, nfc_event, visit_events_on_broker


def _daily_at(moment: datetime, minutes: int, carers: int = 1) -> PatternEntry:
    return PatternEntry(WEEKDAYS, to_london(moment).time().replace(second=0, microsecond=0), minutes, carers)


async def test_events_in_any_order_give_one_completed_visit_event(
    stack: Stack, provider: uuid.UUID, vendor_headers: dict[str, str]
) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    planned = now - timedelta(minutes=90)
    package_id = await stack.add_package(
        provider_id=provider, entries=[_daily_at(planned, 60, carers=2)], start=london_date(planned)
    )
    # Check-outs first, a resent check-in, and carer b 40 minutes late: late, short (40 of 60 min).
    batches = [
        [nfc_event("a-out", package_id, "check_out", planned + timedelta(minutes=80), "a")],
        [
            nfc_event("b-out", package_id, "check_out", planned + timedelta(minutes=80), "b"),
            nfc_event("b-in", package_id, "check_in", planned + timedelta(minutes=41), "b"),
        ],
        [nfc_event("a-in", package_id, "check_in", planned + timedelta(minutes=40), "a")],
        [nfc_event("a-in", package_id, "check_in", planned + timedelta(minutes=40), "a")],
    ]
    for batch in batches:
        response = await stack.running.client.post("/v1/visit-events", json={"events": batch}, headers=vendor_headers)
        assert response.status_code == 202

    async def completed() -> list[dict[str, Any]]:
        events = await visit_events_on_broker(stack.bootstrap, package_id)
        return [e for e in events if e["type"] == "monitoring.visit.completed" and e["data"]["actual_minutes"] == 40]

    found = await wait_for(completed, timeout=30, message="completed visit event")
    data = found[-1]["data"]
    assert data["actual_minutes"] == 40
    assert data["planned_minutes"] == 60
    assert data["carers"] == ["a", "b"]
    assert sorted(data["flags"]) == ["late", "short"]
    assert data["carers_required"] == 2
    assert data["verified"] is True
    # Intermediate states (before carer a's check-in arrived) were published under lower revisions.
    revisions = [e["data"]["revision"] for e in await visit_events_on_broker(stack.bootstrap, package_id)]
    assert revisions == sorted(set(revisions))
    assert data["revision"] == revisions[-1]


async def test_missed_visit_is_detected_after_a_restart(
    pg: PostgresHandle, bootstrap: str, provider: uuid.UUID
) -> None:
    url = await migrated_database(pg, ("electronic-monitoring",))
    now = datetime.now(UTC)
    if now.second > 40:
        await asyncio.sleep(61 - now.second)
        now = datetime.now(UTC)
    planned = now.replace(second=0, microsecond=0)
    # A council that calls a visit missed one minute after its start, so the test need not wait 2 h.
    first = MonitoringSettings(
        database_url=url, kafka_bootstrap_servers=bootstrap, missed_after_minutes=1, missed_scan_seconds=3600
    )
    async with running_app(create_app(first)) as running:
        stack = Stack(running, url, bootstrap)
        package_id = await stack.add_package(
            provider_id=provider, entries=[_daily_at(planned, 30)], start=london_date(planned)
        )
        conn = await asyncpg.connect(to_asyncpg_dsn(url))
        try:

            async def expected_and_scheduled() -> bool:
                row = await conn.fetchrow(
                    "SELECT v.status, p.next_check_at FROM monitoring.visit v"
                    " JOIN monitoring.package p USING (package_id) WHERE v.package_id = $1",
                    package_id,
                )
                return row is not None and row["status"] == "expected" and row["next_check_at"] is not None

            await wait_for(expected_and_scheduled, timeout=15, message="visit derived as expected")
        finally:
            await conn.close()
    assert await visit_events_on_broker(bootstrap, package_id) == []

    second = MonitoringSettings(
        database_url=url, kafka_bootstrap_servers=bootstrap, missed_after_minutes=1, missed_scan_seconds=0.5
    )
    async with running_app(create_app(second)):

        async def missed() -> list[dict[str, Any]]:
            return [
                e for e in await visit_events_on_broker(bootstrap, package_id) if e["type"] == "monitoring.visit.missed"
            ]

        found = await wait_for(missed, timeout=90, interval=1.0, message="missed visit event")
    assert len(found) == 1
    assert found[0]["data"]["revision"] == 1
    assert datetime.fromisoformat(found[0]["data"]["planned_start"]) == planned
    assert found[0]["data"]["actual_start"] is None


async def test_events_arriving_hours_late_turn_a_missed_visit_into_a_completed_one(
    stack: Stack, provider: uuid.UUID, vendor_headers: dict[str, str]
) -> None:
    planned = (datetime.now(UTC) - timedelta(hours=3)).replace(second=0, microsecond=0)
    package_id = await stack.add_package(
        provider_id=provider, entries=[_daily_at(planned, 30)], start=london_date(planned)
    )

    async def of_type(kind: str) -> list[dict[str, Any]]:
        return [e for e in await visit_events_on_broker(stack.bootstrap, package_id) if e["type"] == kind]

    missed = (await wait_for(lambda: of_type("monitoring.visit.missed"), timeout=30))[0]["data"]
    # The phone was out of signal: its events arrive three hours after the visit.
    batch = [
        nfc_event("late-in", package_id, "check_in", planned + timedelta(minutes=5)),
        nfc_event("late-out", package_id, "check_out", planned + timedelta(minutes=35)),
    ]
    response = await stack.running.client.post("/v1/visit-events", json={"events": batch}, headers=vendor_headers)
    assert response.json()["accepted"] == 2
    completed = (await wait_for(lambda: of_type("monitoring.visit.completed"), timeout=30))[0]["data"]
    assert (completed["visit_id"], completed["revision"]) == (missed["visit_id"], 2)
    assert (completed["actual_minutes"], completed["flags"]) == (30, [])


async def test_a_derivation_round_that_fails_leaves_its_packages_queued(
    pg: PostgresHandle, bootstrap: str, provider: uuid.UUID
) -> None:
    url = await migrated_database(pg, ("electronic-monitoring",))
    # No worker: the test claims by hand, as a round does, and the round then fails.
    settings = MonitoringSettings(database_url=url, kafka_bootstrap_servers=bootstrap, run_workers=False)
    async with running_app(create_app(settings)) as running:
        package_id = await Stack(running, url, bootstrap).add_package(provider_id=provider)
        async with running.runtime.sessionmaker() as session, session.begin():
            assert package_id in await visits_repository.claim_pending(session, 10)
            # Work set-based on the raw connection, in the same transaction, as a round does.
            await visits_repository.set_next_checks(session, {package_id: datetime.now(UTC)})
            await session.rollback()
        conn = await asyncpg.connect(to_asyncpg_dsn(url))
        try:
            queued = await conn.fetchval(
                "SELECT count(*) FROM monitoring.pending_derivation WHERE package_id = $1", package_id
            )
            recorded = await conn.fetchval(
                "SELECT derived_snapshot FROM monitoring.package WHERE package_id = $1", package_id
            )
        finally:
            await conn.close()
    # The claim and everything after it are undone together: the work is not lost.
    assert (queued, recorded) == (1, None)
