"""The five services and the console, each served by uvicorn on a free port, and a small council seeded
through the public APIs: what the console's browser tests look at.

The council is built to be the same shape on every run whatever the day: two packages started 16 days
ago and soon, one placed and one that every provider declined, a week's payment period wholly in the
past with one held visit, one visit over its planned time and one missed, and three ISO weeks of scores
also wholly in the past.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import httpx
import uvicorn
from brokerage.main import create_app as brokerage_app
from brokerage.settings import BrokerageSettings
from console.main import create_app as console_app
from console.settings import ConsoleSettings
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
from shared.clock import LONDON, london_wall_clock_to_utc, utcnow
from shared.devstack.ports import free_port
from shared.testing.apps import api_headers
from shared.testing.stack import wait_for

TIMEOUT = 60
RATE = Decimal("21.37")
VISIT_AT = time(10, 0)
PLANNED_MINUTES = 30


class _Server(uvicorn.Server):
    """uvicorn inside the test's event loop, leaving the test runner's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Serve an app over real HTTP on a free loopback port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    await wait_for(lambda: server.started or task.done(), timeout=TIMEOUT, message="uvicorn started")
    if task.done():
        await task
        raise RuntimeError("uvicorn stopped at start-up")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)


@dataclass
class World:
    """What the tests need to know about the seeded council."""

    console_url: str
    urls: dict[str, str]
    keys: dict[str, str] = field(default_factory=dict)
    providers: dict[str, uuid.UUID] = field(default_factory=dict)
    placed_package: uuid.UUID | None = None
    unplaced_package: uuid.UUID | None = None
    period_id: str = ""
    start: date = date.min
    weeks: list[str] = field(default_factory=list)


def _iso_week(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def _check(response: httpx.Response, *codes: int) -> Any:
    assert response.status_code in codes, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else None


@asynccontextmanager
async def running_world(database_url: str, bootstrap: str) -> AsyncIterator[World]:
    """Serve the five services and the console against the test database and broker, and seed a council."""
    common: dict[str, Any] = {"database_url": database_url, "kafka_bootstrap_servers": bootstrap, "db_pool_size": 4}
    apps = {
        "referrals": referrals_app(ReferralsSettings(**common)),
        "brokerage": brokerage_app(BrokerageSettings(**common, deadline_poll_seconds=0.2)),
        "monitoring": monitoring_app(
            MonitoringSettings(**common, missed_scan_seconds=0.5, derivation_idle_seconds=0.05)
        ),
        "payments": payments_app(PaymentsSettings(**common)),
        "quality": quality_app(QualitySettings(**common, auto_evaluate=False)),
    }
    async with AsyncExitStack() as stack:
        urls = {name: await stack.enter_async_context(serving(app)) for name, app in apps.items()}
        settings = ConsoleSettings(
            brokerage_url=urls["brokerage"],
            monitoring_url=urls["monitoring"],
            payments_url=urls["payments"],
            quality_url=urls["quality"],
            session_secret="console-test-secret",
        )
        console_url = await stack.enter_async_context(serving(console_app(settings)))
        http = {
            name: await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30))
            for name, url in urls.items()
        }
        world = World(console_url, urls)
        await _seed(world, http, database_url)
        yield world


async def _key(database_url: str, role: str, name: str, provider_ids: list[uuid.UUID] | None = None) -> str:
    return (await api_headers(database_url, role=role, name=name, provider_ids=provider_ids))["Authorization"][7:]


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _seed(world: World, http: dict[str, httpx.AsyncClient], database_url: str) -> None:
    today = utcnow().astimezone(LONDON).date()
    world.start = today - timedelta(days=16)
    for person, role in (
        ("Alex Penrose", "payments_staff"),
        ("Alex Penrose", "payments_approver"),
        ("Sam Kitto", "payments_approver"),
        ("Jo Pascoe", "quality_officer"),
        ("Dee Hocking", "admin"),
        ("Mosaic", "case_management"),
    ):
        world.keys[f"{person}/{role}"] = await _key(database_url, role, person)
    await _dps(world, http["brokerage"], _bearer(world.keys["Dee Hocking/admin"]))
    provider_keys = {name: await _key(database_url, "provider", name, [pid]) for name, pid in world.providers.items()}
    world.placed_package = await _refer(http["referrals"], world, "Morwenna", "Trelawny", world.start, "ref-1")
    await _answer(http["brokerage"], provider_keys["Kernow Care"], world.placed_package, accept=True)
    world.unplaced_package = await _refer(
        http["referrals"], world, "Jory", "Penhale", today + timedelta(days=7), "ref-2"
    )
    await _answer(http["brokerage"], provider_keys["Kernow Care"], world.unplaced_package, accept=False)
    await _answer(http["brokerage"], provider_keys["Moorland Homecare"], world.unplaced_package, accept=False)
    await _wait_status(http["brokerage"], world, world.unplaced_package, "unplaced")
    vendor = await _key(database_url, "etms_vendor", "CallMonitor", [world.providers["Kernow Care"]])
    await _visits(http["monitoring"], _bearer(vendor), world.placed_package, world.start, today)
    await _pay(http["payments"], world)
    await _score(http["quality"], world)


async def _dps(world: World, brokerage: httpx.AsyncClient, admin: dict[str, str]) -> None:
    level = {
        "id": "urban",
        "name": "Urban",
        "rates": [{"service_type": "ongoing_support", "from_date": str(world.start - timedelta(days=60)),
                   "hourly_rate": str(RATE)}],
    }  # fmt: skip
    _check(await brokerage.post("/v1/pricing-levels", json=level, headers=admin), 201)
    zone = {"id": "st-austell", "name": "St Austell", "pricing_level_id": "urban", "coverage": ["PL25"],
            "planned_weekly_hours": "1000"}  # fmt: skip
    _check(await brokerage.post("/v1/zones", json=zone, headers=admin), 201)
    for name, status, capacity in (
        ("Kernow Care", "prime", "100"),
        ("Clay Country Carers", "prime", "1"),
        ("Moorland Homecare", "supplementary", "100"),
    ):
        body = {
            "name": name,
            "cqc_location_id": f"1-{len(world.providers) + 100000001}",
            "cqc_rating": "Good",
            "zones": [{"zone_id": "st-austell", "status": status}],
            "weekly_capacity_hours": capacity,
            "enablement_allowed": True,
            "ethical_care_charter": True,
        }
        created = _check(await brokerage.post("/v1/providers", json=body, headers=admin), 201)
        world.providers[name] = uuid.UUID(created["id"])


async def _refer(
    referrals: httpx.AsyncClient, world: World, given: str, family: str, start: date, ref: str
) -> uuid.UUID:
    body = {
        "external_ref": ref,
        "person": {
            "nhs_number": "9434765919" if ref == "ref-1" else "9434765870",
            "given_name": given,
            "family_name": family,
            "date_of_birth": "1938-02-14",
            "postcode": "PL25 5AB",
            "address": "3 Fore Street, St Austell",
            "needs_summary": "Help with meals and medication",
        },
        "service_type": "ongoing_support",
        "outcomes": [{"code": "meals", "description": "A hot meal every day"}],
        "visit_pattern": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "10:00",
                           "duration_minutes": PLANNED_MINUTES}],
        "weekly_hours": "3.5",
        "payment_basis": "time_and_task",
        "funding": {"council": "1", "nhs": "0"},
        "start_date": str(start),
        "urgency": "standard",
    }  # fmt: skip
    headers = {**_bearer(world.keys["Mosaic/case_management"]), "Idempotency-Key": ref}
    return uuid.UUID(_check(await referrals.post("/v1/referrals", json=body, headers=headers), 201)["id"])


async def _answer(brokerage: httpx.AsyncClient, key: str, package_id: uuid.UUID, *, accept: bool) -> None:
    async def offer() -> dict[str, Any] | None:
        page = _check(await brokerage.get("/v1/offers", params={"status": "open"}, headers=_bearer(key)), 200)
        return next((o for o in page["items"] if o["package_id"] == str(package_id)), None)

    found = await wait_for(offer, timeout=TIMEOUT, message="an open offer")
    if accept:
        path, body = f"/v1/offers/{found['offer_id']}/accept", {}
    else:
        path, body = f"/v1/offers/{found['offer_id']}/decline", {"reason_code": "no_staff_in_area"}
    _check(await brokerage.post(path, json=body, headers=_bearer(key)), 200)


async def _wait_status(brokerage: httpx.AsyncClient, world: World, package_id: uuid.UUID, status: str) -> None:
    admin = _bearer(world.keys["Dee Hocking/admin"])

    async def reached() -> bool:
        got = _check(await brokerage.get(f"/v1/packages/{package_id}", headers=admin), 200)
        return bool(got["status"] == status)

    await wait_for(reached, timeout=TIMEOUT, message=f"package {status}")


def _visit_events(package_id: uuid.UUID, start: date, today: date) -> list[dict[str, Any]]:
    """Every day up to yesterday: on time, except a manual (unverified) one, a long one and two missed."""
    events = []
    day = start
    while day < today:
        offset = (day - start).days
        if offset not in (3, 10):
            planned = datetime.combine(day, VISIT_AT, tzinfo=LONDON)
            minutes = 55 if offset == 2 else PLANNED_MINUTES
            method = "manual" if offset == 1 else "nfc"
            base = {"package_id": str(package_id), "carer_id": f"carer-{offset % 3}", "method": method}
            check_in = planned + timedelta(minutes=1)
            events += [
                {**base, "event_id": f"v{offset}-in", "type": "check_in", "occurred_at": check_in.isoformat()},
                {**base, "event_id": f"v{offset}-out", "type": "check_out",
                 "occurred_at": (check_in + timedelta(minutes=minutes)).isoformat()},
            ]  # fmt: skip
        day += timedelta(days=1)
    return events


async def _visits(
    monitoring: httpx.AsyncClient, vendor: dict[str, str], package_id: uuid.UUID, start: date, today: date
) -> None:
    batch = {"events": _visit_events(package_id, start, today)}

    async def ingested() -> bool:
        body = _check(await monitoring.post("/v1/visit-events", json=batch, headers=vendor), 202)
        return not any(r["reason"] == "unknown_package" for r in body["results"])

    await wait_for(ingested, timeout=TIMEOUT, message="visit events accepted")
    yesterday = today - timedelta(days=1)
    last = planned_visit_id(package_id, london_wall_clock_to_utc(yesterday, VISIT_AT), 0)

    async def derived() -> bool:
        r = await monitoring.get(f"/v1/visits/{last}", headers=vendor)
        return r.status_code == 200 and r.json()["state"].get("status") == "completed"

    await wait_for(derived, timeout=TIMEOUT, message="visits derived")


async def _pay(payments: httpx.AsyncClient, world: World) -> None:
    staff = _bearer(world.keys["Alex Penrose/payments_staff"])
    period = _check(
        await payments.post("/v1/periods", json={"start_date": str(world.start), "days": 7}, headers=staff), 201
    )
    world.period_id = period["period_id"]

    async def complete() -> bool:
        # Payments pays what it has consumed: calculate again until all seven days are in, as monitoring last said.
        _check(await payments.post(f"/v1/periods/{world.period_id}/calculate", headers=staff), 202)

        async def done() -> bool:
            got = _check(await payments.get(f"/v1/periods/{world.period_id}", headers=staff), 200)
            assert got["status"] != "failed", got["error"]
            return bool(got["status"] == "calculated")

        await wait_for(done, timeout=TIMEOUT, message="calculation")
        lines = _check(await payments.get(f"/v1/periods/{world.period_id}/lines", headers=staff), 200)["items"]
        statuses = sorted(x["status"] for x in lines)
        return statuses == ["held", "not_payable", "payable", "payable", "payable", "payable", "payable"]

    await wait_for(complete, timeout=TIMEOUT, interval=0.5, message="the period's seven lines")


async def _score(quality: httpx.AsyncClient, world: World) -> None:
    officer = _bearer(world.keys["Jo Pascoe/quality_officer"])
    world.weeks = [_iso_week(world.start + timedelta(days=d)) for d in (-7, 0, 7)]
    kernow = str(world.providers["Kernow Care"])

    async def consumed() -> bool:
        for week in world.weeks[1:]:
            r = await quality.get("/v1/kpis", params={"period": week, "provider_id": kernow}, headers=officer)
            visits = _check(r, 200)["kpis"]["visits"]
            if not visits["planned"] or visits["completed"] + visits["missed"] != visits["planned"]:
                return False
        return True

    await wait_for(consumed, timeout=TIMEOUT, message="visits in quality")
    config = _check(await quality.get("/v1/config", headers=officer), 200)
    # Every band counts as poor for one period, so the rules recommend demoting the prime provider.
    config["recommendations"] = {**config["recommendations"], "consecutive_periods": 1,
                                 "poor_bands": [b["name"] for b in config["bands"]]}  # fmt: skip
    _check(await quality.put("/v1/config", json=config, headers=officer), 200)
    for week in world.weeks:
        _check(await quality.post(f"/v1/periods/{week}/evaluation", headers=officer), 200)
