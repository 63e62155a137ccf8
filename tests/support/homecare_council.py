"""A small council running on all five services in-process (one database, one broker), with an API
client for every role and a second one of the bound roles, and one resource of each kind that party
A owns: what the authorisation matrix, the fuzzer and the audit tests act on.

Party A: case-management client A, provider P1 (client ``provider``), vendor ``etms_vendor`` serving
P1. Party B: case-management client B, provider P2, a vendor serving P2: they own nothing of A's.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
from brokerage.main import create_app as brokerage_app
from brokerage.settings import BrokerageSettings
from fastapi import FastAPI
from monitoring.domain.plan import planned_visit_id
from monitoring.main import create_app as monitoring_app
from monitoring.settings import MonitoringSettings
from payments.main import create_app as payments_app
from payments.settings import PaymentsSettings
from quality.main import create_app as quality_app
from quality.settings import QualitySettings
from referrals.main import create_app as referrals_app
from referrals.settings import ReferralsSettings
from shared.auth.clients import create_client, revoke
from shared.clock import LONDON, london_wall_clock_to_utc, utcnow
from shared.db.engine import create_engine
from shared.testing.apps import running_app
from shared.testing.stack import PostgresHandle, migrated_database, wait_for
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

TIMEOUT = 60
SERVICES = ("referrals", "brokerage", "monitoring", "payments", "quality")
# Principals: every role, the second of each bound role, and the two without a valid key.
PRINCIPALS = (
    "anonymous",
    "revoked",
    "case_management",
    "case_management_b",
    "provider",
    "provider_b",
    "etms_vendor",
    "etms_vendor_b",
    "payments_staff",
    "payments_approver",
    "quality_officer",
    "admin",
)


def role_of(principal: str) -> str | None:
    """The role a principal holds (None for no key or a revoked one)."""
    if principal in ("anonymous", "revoked"):
        return None
    return principal.removesuffix("_b")


def visit_slot() -> tuple[date, int]:
    """A London day and hour whose one-hour visit is over by now."""
    now = utcnow().astimezone(LONDON)
    if now.hour >= 2:
        return now.date(), now.hour - 2
    return now.date() - timedelta(days=1), 21


def person(n: int) -> dict[str, Any]:
    """A person with recognisable personal data (so tests can look for it where it must not be)."""
    return {
        "nhs_number": ["9434765919", "9434765870", "4010232137"][n % 3],
        "given_name": f"Morwenna{n}",
        "family_name": f"Trelawny{n}",
        "date_of_birth": "1938-02-14",
        "postcode": "PL25 5AB",
        "address": f"{n} Fore Street, St Austell",
        "needs_summary": "Help with meals and medication",
    }


def referral_body(n: int, day: date, hour: int, *, postcode: str = "PL25 5AB") -> dict[str, Any]:
    """A daily one-hour time-and-task referral from ``day``."""
    return {
        "external_ref": f"COUNCIL-{n}-{uuid.uuid4().hex[:8]}",
        "person": {**person(n), "postcode": postcode},
        "service_type": "ongoing_support",
        "outcomes": [{"code": "meals", "description": "A hot meal every day"}],
        "visit_pattern": [
            {
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "start": f"{hour:02d}:00",
                "duration_minutes": 60,
            }
        ],
        "weekly_hours": "7",
        "payment_basis": "time_and_task",
        "funding": {"council": "1", "nhs": "0"},
        "start_date": str(day),
        "urgency": "standard",
    }


@dataclass
class Council:
    """The running services, the API clients and party A's resources."""

    url: str
    engine: AsyncEngine
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    client_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> httpx.AsyncClient:
        """The in-process HTTP client of a service."""
        return self.clients[service]

    async def call(
        self, service: str, method: str, path: str, principal: str, body: Any = None, **kwargs: Any
    ) -> httpx.Response:
        """A request as a principal."""
        headers = {**self.headers.get(principal, {}), **kwargs.pop("headers", {})}
        return await self.clients[service].request(method, path, json=body, headers=headers, **kwargs)

    async def ok(self, service: str, method: str, path: str, principal: str, body: Any = None, **kw: Any) -> Any:
        """A request that must succeed; its JSON."""
        r = await self.call(service, method, path, principal, body, **kw)
        assert r.is_success, (method, path, r.status_code, r.text)
        return r.json() if r.content and r.headers.get("content-type", "").endswith("json") else None

    async def sql(self, statement: str, **params: Any) -> Any:
        """Rows of a query (test set-up and inspection only)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(text(statement), params)
            return result.mappings().all() if result.returns_rows else None

    async def new_client(self, name: str, role: str, provider_ids: list[uuid.UUID] | None = None) -> str:
        """Create an API client; returns its key."""
        async with self.engine.begin() as conn:
            issued = await create_client(conn, name=name, role=role, provider_ids=provider_ids)
        self.client_ids[name] = issued.id
        return issued.key


async def _issue_clients(council: Council, p1: uuid.UUID, p2: uuid.UUID) -> None:
    bound = {"provider": [p1], "provider_b": [p2], "etms_vendor": [p1], "etms_vendor_b": [p2]}
    for principal in PRINCIPALS:
        role = role_of(principal) or "admin"
        if principal in ("admin", "anonymous"):
            continue
        key = await council.new_client(principal, role, bound.get(principal))
        council.headers[principal] = {"Authorization": f"Bearer {key}"}
    async with council.engine.begin() as conn:
        await revoke(conn, council.client_ids["revoked"])
    council.headers["anonymous"] = {}


async def _set_up_dps(council: Council, day: date) -> tuple[uuid.UUID, uuid.UUID]:
    rates = [{"service_type": "ongoing_support", "from_date": str(day - timedelta(days=60)), "hourly_rate": "21.37"}]
    level = {"id": "urban", "name": "Urban", "rates": rates}
    await council.ok("brokerage", "POST", "/v1/pricing-levels", "admin", level)
    zone = {"id": "z1", "name": "St Austell", "pricing_level_id": "urban", "coverage": ["PL25"]}
    zone["planned_weekly_hours"] = "1000"
    await council.ok("brokerage", "POST", "/v1/zones", "admin", zone)
    ids = []
    for name, status in (("Kernow Care", "prime"), ("Tamar Care", "supplementary")):
        provider = {
            "name": name,
            "cqc_location_id": "1-123456789",
            "cqc_rating": "Good",
            "zones": [{"zone_id": "z1", "status": status}],
            "weekly_capacity_hours": "100",
            "enablement_allowed": True,
            "ethical_care_charter": True,
            # Nobody listens here: deliveries fail and wait for their retry, as with a provider that is down.
            "webhook_url": "http://127.0.0.1:9/hooks",
            "webhook_secret": "a-long-random-secret-of-32-chars!",
        }
        ids.append(uuid.UUID((await council.ok("brokerage", "POST", "/v1/providers", "admin", provider))["id"]))
    return ids[0], ids[1]


async def _place_with_p1(council: Council, day: date, hour: int) -> tuple[uuid.UUID, uuid.UUID]:
    """Referral R1 of client A, offered to and accepted by P1; returns (referral id, offer id)."""
    body = referral_body(1, day, hour)
    created = await council.ok(
        "referrals", "POST", "/v1/referrals", "case_management", body, headers={"Idempotency-Key": "r1"}
    )
    referral_id = uuid.UUID(created["id"])

    async def open_offer() -> dict[str, Any] | None:
        page = await council.ok("brokerage", "GET", "/v1/offers", "provider", params={"status": "open"})
        mine = [o for o in page["items"] if o["package_id"] == str(referral_id)]
        return mine[0] if mine else None

    offer = await wait_for(open_offer, timeout=TIMEOUT, message="the offer to P1")
    await council.ok("brokerage", "POST", f"/v1/offers/{offer['offer_id']}/accept", "provider", {})

    async def placed() -> bool:
        got = await council.ok("referrals", "GET", f"/v1/referrals/{referral_id}", "case_management")
        return bool(got["status"] in ("placed", "active"))

    await wait_for(placed, timeout=TIMEOUT, message="R1 placed")
    return referral_id, uuid.UUID(offer["offer_id"])


async def _visit(council: Council, package_id: uuid.UUID, day: date, hour: int) -> uuid.UUID:
    """The planned visit of ``day`` at ``hour``, checked in and out by P1's vendor."""
    base = {"package_id": str(package_id), "carer_id": "carer-1", "method": "nfc"}
    check_in = datetime.combine(day, time(hour, 2), tzinfo=LONDON).isoformat()
    check_out = datetime.combine(day, time(hour, 58), tzinfo=LONDON).isoformat()
    batch = {
        "events": [
            {**base, "event_id": f"in-{package_id}", "type": "check_in", "occurred_at": check_in},
            {**base, "event_id": f"out-{package_id}", "type": "check_out", "occurred_at": check_out},
        ]
    }

    async def ingested() -> bool:
        answer = await council.ok("monitoring", "POST", "/v1/visit-events", "etms_vendor", batch)
        return all(r["reason"] != "unknown_package" for r in answer["results"])

    await wait_for(ingested, timeout=TIMEOUT, message="visit events accepted")
    visit_id = planned_visit_id(package_id, london_wall_clock_to_utc(day, time(hour, 0)), 0)

    async def derived() -> bool:
        r = await council.call("monitoring", "GET", f"/v1/visits/{visit_id}", "etms_vendor")
        return r.status_code == 200

    await wait_for(derived, timeout=TIMEOUT, message="the visit")
    return visit_id


async def new_correction(council: Council) -> uuid.UUID:
    """A fresh correction by P1 of the seeded visit (each officer's rejection needs its own)."""
    day, hour = council.ids["day"], council.ids["hour"]
    body = {
        "reason": "device_failure",
        "check_in_at": datetime.combine(day, time(hour, 1), tzinfo=LONDON).isoformat(),
        "check_out_at": datetime.combine(day, time(hour, 59), tzinfo=LONDON).isoformat(),
    }
    made = await council.ok("monitoring", "POST", f"/v1/visits/{council.ids['visit']}/corrections", "provider", body)
    return uuid.UUID(made["correction_id"])


async def new_recommendation(council: Council, provider_id: uuid.UUID | None = None) -> uuid.UUID:
    """An open recommendation, as the rules would have made (each decision needs its own)."""
    rid = uuid.uuid4()
    await council.sql(
        "INSERT INTO quality.recommendation (recommendation_id, kind, provider_id, zone_id, period, reason)"
        " VALUES (:rid, 'demote_to_supplementary', :pid, 'z1', :period, 'two periods below target')",
        rid=rid,
        pid=provider_id or uuid.uuid4(),
        period=f"2026-W{uuid.uuid4().int % 50 + 1:02d}",
    )
    return rid


async def _seed(council: Council) -> None:
    day, hour = visit_slot()
    ids = council.ids
    ids.update(day=day, hour=hour)
    admin_key = await council.new_client("admin", "admin")
    council.headers["admin"] = {"Authorization": f"Bearer {admin_key}"}
    p1, p2 = await _set_up_dps(council, day)
    ids.update(p1=p1, p2=p2)
    await _issue_clients(council, p1, p2)
    ids["referral"], ids["offer"] = await _place_with_p1(council, day, hour)
    # R3: in a postcode no zone covers, so it waits in brokerage's queue and never reaches care.
    queued = referral_body(3, day + timedelta(days=7), 9, postcode="TR1 1AA")
    r3 = await council.ok(
        "referrals", "POST", "/v1/referrals", "case_management", queued, headers={"Idempotency-Key": "r3"}
    )
    ids["queued_referral"] = uuid.UUID(r3["id"])
    ids["visit"] = await _visit(council, ids["referral"], day, hour)
    ids["period"] = uuid.UUID(
        (await council.ok("payments", "POST", "/v1/periods", "payments_staff", {"start_date": str(day), "days": 7}))[
            "period_id"
        ]
    )

    async def delivery() -> Any:
        page = await council.ok("brokerage", "GET", "/v1/webhook-deliveries", "provider")
        return page["items"][0]["id"] if page["items"] else None

    ids["delivery"] = uuid.UUID(await wait_for(delivery, timeout=TIMEOUT, message="a webhook delivery to P1"))

    async def queued_in_brokerage() -> bool:
        queue = await council.ok("brokerage", "GET", "/v1/queue", "admin")
        return any(q["package"]["id"] == str(ids["queued_referral"]) for q in queue)

    await wait_for(queued_in_brokerage, timeout=TIMEOUT, message="R3 in the brokerage queue")

    async def quality_knows_p1() -> bool:
        rows = await council.sql("SELECT count(*) AS n FROM quality.provider WHERE provider_id = :p", p=p1)
        return bool(rows[0]["n"])

    await wait_for(quality_knows_p1, timeout=TIMEOUT, message="quality knows P1")
    iso = day.isocalendar()
    ids["week"] = f"{iso.year}-W{iso.week:02d}"
    later = (day + timedelta(days=14)).isocalendar()
    ids["rota_week"] = f"{later.year}-W{later.week:02d}"
    await council.ok("quality", "POST", f"/v1/periods/{ids['week']}/evaluation", "quality_officer")
    rating = {"rating": "good", "rated_on": "2025-06-01"}
    await council.ok("quality", "PUT", f"/v1/providers/{p1}/cqc-rating", "quality_officer", rating)


@asynccontextmanager
async def open_council(pg: PostgresHandle, bootstrap: str, **overrides: Any) -> AsyncIterator[Council]:
    """Five services on a fresh database, seeded; ``overrides`` go into every service's settings."""
    url = await migrated_database(pg)
    common: dict[str, Any] = {"database_url": url, "kafka_bootstrap_servers": bootstrap, "db_pool_size": 4}
    common |= overrides
    apps = {
        "referrals": referrals_app(ReferralsSettings(**common)),
        "brokerage": brokerage_app(BrokerageSettings(**common, webhook_retry_base_seconds=3600)),
        "monitoring": monitoring_app(MonitoringSettings(**common)),
        "payments": payments_app(PaymentsSettings(**common)),
        "quality": quality_app(QualitySettings(**common, auto_evaluate=False)),
    }
    engine = create_engine(url, pool_size=2)
    try:
        async with AsyncExitStack() as stack:
            clients = {name: (await stack.enter_async_context(running_app(app))).client for name, app in apps.items()}
            council = Council(url, engine, apps, clients)
            await _seed(council)
            yield council
    finally:
        await engine.dispose()
