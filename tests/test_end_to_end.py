"""One package of care through all five services, driven only through their public APIs.

Referral -> brokerage offer -> acceptance -> referral placed -> ETMS check-in/out -> completed visit
-> payment line to the penny -> provider KPIs; then the same journey followed through the services'
logs by the referral's correlation id, as ``homecare trace`` does.
"""

from __future__ import annotations

import json
import uuid
from datetime import time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import holidays
import pytest
from shared.clock import LONDON, utcnow
from shared.testing.five_services import (
    TIMEOUT,
    accept,
    calculate,
    check,
    five_services,
    ingest,
    iso_week,
    lines,
    referral_in,
    visit_events,
    visit_id,
    visit_state,
)
from shared.testing.stack import PostgresHandle, wait_for
from shared.tracing import trace

pytestmark = pytest.mark.asyncio(loop_scope="session")

HOURLY_RATE = Decimal("21.37")


def visit_slot() -> tuple[Any, int]:
    """A day and hour whose 60-minute visit is over by now, while the next day's is still ahead."""
    now = utcnow().astimezone(LONDON)
    if now.hour >= 2:
        return now.date(), now.hour - 2
    return now.date() - timedelta(days=1), 21


async def test_a_package_from_referral_to_payment_and_kpis(
    pg: PostgresHandle, bootstrap: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    flow = f"e2e-{uuid.uuid4()}"
    day, hour = visit_slot()
    async with five_services(pg, bootstrap) as s:
        # 1. The council's DPS: a price, a zone, one prime provider.
        admin = await s.headers("admin")
        level = {
            "id": "urban",
            "name": "Urban",
            "rates": [
                {
                    "service_type": "ongoing_support",
                    "from_date": str(day - timedelta(days=60)),
                    "hourly_rate": str(HOURLY_RATE),
                }
            ],
        }
        check(await s.brokerage.post("/v1/pricing-levels", json=level, headers=admin), 201)
        zone = {
            "id": "z1",
            "name": "St Austell",
            "pricing_level_id": "urban",
            "coverage": ["PL25"],
            "planned_weekly_hours": "1000",
        }
        check(await s.brokerage.post("/v1/zones", json=zone, headers=admin), 201)
        provider = {
            "name": "Kernow Care",
            "cqc_location_id": "1-123456789",
            "cqc_rating": "Good",
            "zones": [{"zone_id": "z1", "status": "prime"}],
            "weekly_capacity_hours": "100",
            "enablement_allowed": True,
            "ethical_care_charter": True,
        }
        provider_id = uuid.UUID(check(await s.brokerage.post("/v1/providers", json=provider, headers=admin), 201)["id"])

        # 2. Case management refers one person: 60 minutes every day.
        case_management = await s.headers("case_management")
        start = f"{hour:02d}:00"
        referral = {
            "external_ref": "MOSAIC-E2E-1",
            "person": {
                "nhs_number": "9434765919",
                "given_name": "Morwenna",
                "family_name": "Trelawny",
                "date_of_birth": "1938-02-14",
                "postcode": "PL25 5AB",
                "address": "3 Fore Street, St Austell",
                "needs_summary": "Help with meals and medication",
            },
            "service_type": "ongoing_support",
            "outcomes": [{"code": "meals", "description": "A hot meal every day"}],
            "visit_pattern": [
                {
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "start": start,
                    "duration_minutes": 60,
                }
            ],
            "weekly_hours": "7",
            "payment_basis": "time_and_task",
            "funding": {"council": "1", "nhs": "0"},
            "start_date": str(day),
            "urgency": "standard",
        }
        headers = {**case_management, "Idempotency-Key": "e2e-1", "X-Request-ID": flow}
        r = await s.referrals.post("/v1/referrals", json=referral, headers=headers)
        referral_id = uuid.UUID(check(r, 201)["id"])
        assert r.headers["X-Request-ID"] == flow

        # 3. The provider sees the offer and accepts it; referrals follows the award.
        provider_headers = await s.headers("provider", [provider_id])
        await accept(s, provider_headers, referral_id)
        placed_referral = await referral_in(s, case_management, referral_id, "placed", "active")
        assert placed_referral["provider_id"] == str(provider_id)

        # 4. The carer's device reports the first planned visit: in at :02, out at :01 the next hour.
        vendor = await s.headers("etms_vendor", [provider_id])
        events = visit_events(referral_id, day, time(hour, 0), 59, late_by=2)
        answer = await ingest(s, vendor, events)
        assert {res["status"] for res in answer["results"]} <= {"accepted", "duplicate"}, answer
        vid = visit_id(referral_id, day, time(hour, 0))
        visit = await visit_state(s, vendor, vid, "completed")
        assert visit["state"]["planned_minutes"] == 60

        # 5. Payments: 59 minutes is within 10% of the planned 60, so 60 minutes are paid.
        staff = await s.headers("payments_staff")
        # The test runs on today's date: on an English bank holiday the council's default 1.5x applies.
        bank_holiday = day in holidays.country_holidays("GB", subdiv="ENG", years=day.year)
        expected = (HOURLY_RATE * 60 / 60 * (Decimal("1.5") if bank_holiday else 1)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        r = await s.payments.post("/v1/periods", json={"start_date": str(day), "days": 7}, headers=staff)
        period_id = check(r, 201)["period_id"]

        async def paid_line() -> dict[str, Any] | None:
            # The calculation only pays what payments has consumed: recalculate until the visit is in.
            await calculate(s, staff, period_id)
            items = await lines(s, staff, period_id, visit_id=str(vid))
            # Monitoring may first publish the visit as missed (its plan arrived after the visit's time,
            # before the late check-in/out); the completed revision that follows must replace it.
            return items[0] if items and items[0]["rule"] != "missed_not_paid" else None

        line = await wait_for(paid_line, timeout=TIMEOUT, message="the visit's payment line")
        assert line["provider_id"] == str(provider_id)
        assert line["package_id"] == str(referral_id)
        assert line["service_date"] == str(day)
        assert line["minutes"] == 60, line
        assert line["status"] == "payable", line
        assert Decimal(line["hourly_rate"]) == HOURLY_RATE
        assert Decimal(line["amount"]) == expected == (Decimal("32.06") if bank_holiday else Decimal("21.37"))
        assert Decimal(line["council_amount"]) == expected
        assert Decimal(line["nhs_amount"]) == Decimal("0.00")
        assert line["visit_ids"] == [str(vid)]

        # 6. Quality: the week's KPIs for the provider count the one on-time, full-length visit.
        async def kpis() -> dict[str, Any] | None:
            r = await s.quality.get(
                "/v1/kpis", params={"period": iso_week(day), "provider_id": str(provider_id)}, headers=provider_headers
            )
            body: dict[str, Any] = check(r, 200)
            return body if body["kpis"]["visits"]["completed"] == 1 else None

        body = await wait_for(kpis, timeout=TIMEOUT, message="quality KPIs")
        visits = body["kpis"]["visits"]
        assert (visits["planned"], visits["completed"], visits["missed"]) == (1, 1, 0)
        assert visits["punctuality"] == "1.0000"
        assert visits["verified_share"] == "1.0000"

        # 7. The same journey in the logs: everything the referral caused carries its correlation id.
        consumed_by_quality = ("event_consumed", "quality", str(vid))

        async def quality_consumed_visit() -> bool:
            return any(
                (line.get("event"), line.get("group"), line.get("subject")) == consumed_by_quality
                for line in _log_lines(capsys, tmp_path)
            )

        await wait_for(quality_consumed_visit, timeout=TIMEOUT, message="quality's log of the visit")
    timeline = trace([tmp_path / "services.log"], flow)
    steps = [(line["service"], line["event"], _what(line)) for line in timeline]
    expected = [
        ("referrals", "events_published", "referrals.referral.submitted"),
        ("referrals", "request", "POST /v1/referrals 201"),  # a request's line is written when it ends
        ("brokerage", "event_consumed", "referrals.referral.submitted"),
        ("brokerage", "events_published", "brokerage.package.offered"),
        ("brokerage", "events_published", "brokerage.package.offer_answered"),
        ("brokerage", "events_published", "brokerage.package.awarded"),
        ("brokerage", "request", "POST /v1/offers/{offer_id}/accept 200"),
        ("referrals", "event_consumed", "brokerage.package.awarded"),
        ("electronic-monitoring", "event_consumed", "brokerage.package.awarded"),
        ("payments", "event_consumed", "brokerage.package.awarded"),
        ("electronic-monitoring", "events_published", "monitoring.visit.completed"),
        ("payments", "event_consumed", "monitoring.visit.completed"),
        ("quality", "event_consumed", "monitoring.visit.completed"),
        ("payments", "payment_lines", str(referral_id)),
    ]
    missing = [step for step in expected if step not in steps]
    assert not missing, "\n".join(map(str, steps))
    # Causes before effects (the consumers of one event may log in any order among themselves).
    at = [steps.index(step) for step in expected]
    assert at[:7] == sorted(at[:7]), steps
    assert max(at[7:10]) > at[5]
    assert at[8] < at[10] < min(at[11:13]), steps
    assert all(line["correlation_id"] == flow or line.get("request_id") == line["correlation_id"] for line in timeline)


def _log_lines(capsys: pytest.CaptureFixture[str], folder: Path) -> list[dict[str, Any]]:
    """The services' JSON logs so far, kept in one file as ``homecare up`` keeps them per service."""
    log = folder / "services.log"
    with log.open("a") as out:
        out.write(capsys.readouterr().out)
    return [json.loads(raw) for raw in log.read_text().splitlines() if raw.startswith("{")]


def _what(line: dict[str, Any]) -> str:
    if line["event"] == "request":
        return f"{line['method']} {line['route']} {line['status']}"
    if line["event"] == "events_published":
        return " ".join(line["types"])
    if line["event"] == "payment_lines":
        return str(line["package_id"])
    return str(line.get("type"))
