"""Events from the real broker become facts and KPIs; late and repeated events count once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shared.contracts import brokerage, monitoring, referrals
from shared.contracts.common import Funding, Outcome, RateFrom, VisitPatternEntry
from shared.testing.stack import wait_for

PA = uuid.uuid4()
PKG = uuid.uuid4()
PATTERN = [VisitPatternEntry(days=["mon", "tue"], start="09:00", duration_minutes=30)]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def submitted() -> referrals.ReferralSubmitted:
    return referrals.ReferralSubmitted(
        referral_id=PKG,
        client_id=uuid.uuid4(),
        external_ref="MOSAIC-1",
        person=referrals.Person(
            nhs_number="9434765919",
            given_name="Ada",
            family_name="Lovelace",
            date_of_birth=date(1940, 1, 1),
            postcode="TR1 1AA",
            address="1 High St",
            needs_summary="help with meals",
        ),
        service_type="enablement",
        outcomes=[Outcome(code="meals", description="can make a hot meal")],
        visit_pattern=PATTERN,
        weekly_hours=Decimal(1),
        payment_basis="enablement_outcomes",
        funding=Funding(council=Decimal(1), nhs=Decimal(0)),
        start_date=date(2026, 11, 16),
        urgency="urgent",
        submitted_at=at(16, 6),
    )


def awarded() -> brokerage.PackageAwarded:
    return brokerage.PackageAwarded(
        package_id=PKG,
        referral_id=PKG,
        provider_id=PA,
        zone_id="north",
        pricing_level="urban",
        service_type="enablement",
        payment_basis="enablement_outcomes",
        hourly_rate=Decimal("21.50"),
        rates=[RateFrom(from_date=date(2026, 4, 1), hourly_rate=Decimal("21.50"))],
        funding=Funding(council=Decimal(1), nhs=Decimal(0)),
        visit_pattern=PATTERN,
        weekly_hours=Decimal(1),
        outcomes=[Outcome(code="meals", description="can make a hot meal")],
        start_date=date(2026, 11, 16),
        urgency="urgent",
        submitted_at=at(16, 6),
        awarded_at=at(16, 8),
    )


def visit_event(cls: type[Any], visit_no: int, revision: int, **kw: Any) -> Any:
    return cls(
        visit_id=uuid.UUID(int=visit_no),
        package_id=PKG,
        provider_id=PA,
        revision=revision,
        planned_minutes=30,
        **kw,
    )


async def test_events_become_kpis_and_late_corrections_recompute(stack) -> None:
    offer_id = uuid.uuid4()
    late_first = visit_event(
        monitoring.VisitCompleted,
        2,
        1,
        planned_start=at(17, 9),
        actual_start=at(17, 9, 50),
        actual_end=at(17, 10, 20),
        carers=["c1"],
        method="gps",
        verified=False,
        flags=["late", "unverified"],
    )
    correction = visit_event(
        monitoring.VisitCorrected,
        2,
        2,
        planned_start=at(17, 9),
        actual_start=at(17, 9, 5),
        actual_end=at(17, 9, 35),
        carers=["c1"],
        method="manual",
        verified=False,
        correction=monitoring.CorrectionInfo(correction_id=uuid.uuid4(), reason="device_failure", corrected_by="pa"),
    )
    events: list[tuple[Any, str]] = [
        (submitted(), str(PKG)),
        # The answer before its offer: brokerage's two events may arrive in either order.
        (
            brokerage.OfferAnswered(
                package_id=PKG,
                offer_id=offer_id,
                provider_id=PA,
                answer="accepted",
                offered_at=at(16, 7),
                answered_at=at(16, 7, 30),
            ),
            str(PKG),
        ),
        (
            brokerage.PackageOffered(
                package_id=PKG,
                offer_id=offer_id,
                provider_id=PA,
                zone_id="north",
                round=1,
                service_type="enablement",
                urgency="urgent",
                weekly_hours=Decimal(1),
                offered_at=at(16, 7),
                deadline=at(16, 9),
            ),
            str(PKG),
        ),
        (awarded(), str(PKG)),
        (
            visit_event(
                monitoring.VisitCompleted,
                1,
                1,
                planned_start=at(16, 9),
                actual_start=at(16, 9, 10),
                actual_end=at(16, 9, 40),
                carers=["c1"],
                method="nfc",
                verified=True,
            ),
            str(uuid.UUID(int=1)),
        ),
        (visit_event(monitoring.VisitMissed, 3, 1, planned_start=at(18, 9)), str(uuid.UUID(int=3))),
        # The correction (revision 2) overtakes the original record (revision 1) of the same visit.
        (correction, str(uuid.UUID(int=2))),
        (late_first, str(uuid.UUID(int=2))),
        (
            referrals.ReferralReviewed(
                referral_id=PKG,
                review_date=date(2026, 11, 20),
                all_met=True,
                outcomes=[referrals.OutcomeReview(code="meals", result="met")],
            ),
            str(PKG),
        ),
    ]
    await stack.publish(events, repeat_last=True)
    officer = await stack.headers("quality_officer")

    async def kpis() -> dict[str, Any] | None:
        response = await stack.running.client.get(
            "/v1/kpis", params={"period": "2026-W47", "provider_id": str(PA)}, headers=officer
        )
        assert response.status_code == 200, response.text
        body = response.json()
        ready = body["kpis"]["referrals"]["enablement_reviewed"] == 1 and body["kpis"]["visits"]["planned"] == 3
        return body if ready else None

    body = await wait_for(kpis, timeout=60, message="facts consumed")
    visits, offers, refs = body["kpis"]["visits"], body["kpis"]["offers"], body["kpis"]["referrals"]
    assert (visits["completed"], visits["missed"]) == (2, 1)
    assert visits["punctuality"] == "1.0000"  # the correction put visit 2 on time
    assert visits["missed_per_1000"] == "333.33"
    assert visits["duration_compliance"] == "1.0000"  # 60 of 60 minutes
    assert visits["verified_share"] == "0.5000"
    assert visits["unverified_per_1000_by_reason"] == {"manual": "500.00"}
    assert visits["corrections_per_1000_by_reason"] == {"device_failure": "500.00"}
    assert (offers["offers"], offers["offer_acceptance_rate"], offers["median_answer_minutes"]) == (
        1,
        "1.0000",
        "30.00",
    )
    assert refs["accepted_within_window_share"] == "1.0000"  # 2 hours
    assert refs["started_on_planned_date_share"] == "1.0000"
    assert refs["enablement_outcomes_met_share"] == "1.0000"
    assert {t["kpi"]: t["met"] for t in body["targets"]}["missed_share"] is False

    # The same provider in another zone has nothing; the council overall has the same visits.
    other_zone = await stack.running.client.get(
        "/v1/kpis", params={"period": "2026-W47", "zone_id": "south"}, headers=officer
    )
    assert other_zone.json()["kpis"]["visits"]["planned"] == 0
