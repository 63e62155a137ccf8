"""The five services running in-process against the test Postgres and a real broker, and the calls the
cross-service tests make through their public APIs (as the council's users would).

The services are found by package name, as ``homecare up`` finds them: the platform imports none of them.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx

from shared.auth.clients import client_maker
from shared.clock import LONDON, london_wall_clock_to_utc
from shared.contracts.monitoring import planned_visit_id
from shared.devstack.services import SERVICES
from shared.testing.apps import running_app
from shared.testing.stack import PostgresHandle, migrated_database, wait_for

TIMEOUT = 60


@dataclass
class FiveServices:
    """An HTTP client per service, and the database the API clients are made in."""

    database_url: str
    referrals: httpx.AsyncClient
    brokerage: httpx.AsyncClient
    monitoring: httpx.AsyncClient
    payments: httpx.AsyncClient
    quality: httpx.AsyncClient

    def targets(self) -> dict[str, str | httpx.AsyncClient]:
        """The clients by service name, as ``shared.simulate`` takes them."""
        return {name: getattr(self, name) for name in ("referrals", "brokerage", "monitoring", "payments", "quality")}

    async def new_client(self, name: str, role: str, provider_ids: list[uuid.UUID]) -> dict[str, str]:
        """An API client with a role (an administrator's job, done on the auth schema)."""
        return await client_maker(self.database_url)(name, role, provider_ids)

    async def headers(
        self, role: str, provider_ids: list[uuid.UUID] | None = None, name: str | None = None
    ) -> dict[str, str]:
        """The auth header of a new client with a role (named after the role unless ``name`` is given)."""
        issued = await self.new_client(name or f"test-{role}", role, provider_ids or [])
        return {"Authorization": f"Bearer {issued['key']}"}


# Settings beyond the connections: webhooks sent promptly, so tests need not wait out the worker's poll.
OVERRIDES: dict[str, dict[str, Any]] = {"brokerage": {"webhook_poll_seconds": 0.2}}


def _app(package: str, settings: dict[str, Any]) -> Any:
    main = importlib.import_module(f"{package}.main")
    settings_class = getattr(importlib.import_module(f"{package}.settings"), f"{package.title()}Settings")
    return main.create_app(settings_class(**settings))


@asynccontextmanager
async def five_services(pg: PostgresHandle, bootstrap: str) -> AsyncIterator[FiveServices]:
    """Run referrals, brokerage, monitoring, payments and quality in-process on a fresh database."""
    url = await migrated_database(pg)
    common: dict[str, Any] = {"database_url": url, "kafka_bootstrap_servers": bootstrap}
    async with AsyncExitStack() as stack:
        clients = {
            svc.package: (
                await stack.enter_async_context(running_app(_app(svc.package, common | OVERRIDES.get(svc.package, {}))))
            ).client
            for svc in SERVICES
            if svc.schema is not None  # the five platform services, not the console (pages over them)
        }
        yield FiveServices(url, **clients)


def check(r: httpx.Response, *codes: int) -> Any:
    """The JSON of an answer with one of the expected codes (else fail with the body)."""
    assert r.status_code in codes, f"{r.request.method} {r.request.url} -> {r.status_code}: {r.text}"
    return r.json() if r.content else None


async def open_offer(s: FiveServices, provider: dict[str, str], package_id: uuid.UUID) -> dict[str, Any]:
    """The provider's open offer of a package, once brokerage has made it."""

    async def mine() -> dict[str, Any] | None:
        page = check(await s.brokerage.get("/v1/offers", params={"status": "open"}, headers=provider), 200)
        found = [o for o in page["items"] if o["package_id"] == str(package_id)]
        return found[0] if found else None

    offer: dict[str, Any] = await wait_for(mine, timeout=TIMEOUT, message=f"an offer of {package_id}")
    return offer


async def accept(s: FiveServices, provider: dict[str, str], package_id: uuid.UUID) -> None:
    """The provider accepts its offer of the package."""
    offer = await open_offer(s, provider, package_id)
    check(await s.brokerage.post(f"/v1/offers/{offer['offer_id']}/accept", json={}, headers=provider), 200)


async def referral_in(
    s: FiveServices, case: dict[str, str], referral_id: uuid.UUID, *statuses: str
) -> dict[str, Any]:
    """The referral once it is in one of ``statuses``."""

    async def got() -> dict[str, Any] | None:
        body: dict[str, Any] = check(await s.referrals.get(f"/v1/referrals/{referral_id}", headers=case), 200)
        return body if body["status"] in statuses else None

    found: dict[str, Any] = await wait_for(got, timeout=TIMEOUT, message=f"referral {referral_id} in {statuses}")
    return found


async def ingest(s: FiveServices, vendor: dict[str, str], events: list[dict[str, Any]]) -> dict[str, Any]:
    """Post device events, again while the package's plan has not yet reached monitoring."""

    async def posted() -> dict[str, Any] | None:
        body: dict[str, Any] = check(
            await s.monitoring.post("/v1/visit-events", json={"events": events}, headers=vendor), 202
        )
        return None if any(r["reason"] == "unknown_package" for r in body["results"]) else body

    answer: dict[str, Any] = await wait_for(posted, timeout=TIMEOUT, message="visit events accepted")
    return answer


def visit_events(
    package_id: uuid.UUID, day: date, start: time, minutes: int, *, late_by: int = 0, carer: str = "carer-1"
) -> list[dict[str, Any]]:
    """A check-in and check-out (NFC) for a visit planned at ``start`` London time on ``day``."""
    check_in = datetime.combine(day, start, tzinfo=LONDON) + timedelta(minutes=late_by)
    base = {"package_id": str(package_id), "carer_id": carer, "method": "nfc"}
    tag = f"{package_id.hex[:12]}-{day:%Y%m%d}-{start:%H%M}-{carer}"
    return [
        {**base, "event_id": f"{tag}-in", "type": "check_in", "occurred_at": check_in.isoformat()},
        {**base, "event_id": f"{tag}-out", "type": "check_out",
         "occurred_at": (check_in + timedelta(minutes=minutes)).isoformat()},
    ]


def visit_id(package_id: uuid.UUID, day: date, start: time) -> uuid.UUID:
    """Monitoring's id of the visit planned at ``start`` London time on ``day``."""
    return planned_visit_id(package_id, london_wall_clock_to_utc(day, start), 0)


async def visit_state(s: FiveServices, reader: dict[str, str], vid: uuid.UUID, status: str) -> dict[str, Any]:
    """A visit once monitoring has it in ``status``."""

    async def got() -> dict[str, Any] | None:
        r = await s.monitoring.get(f"/v1/visits/{vid}", headers=reader)
        if r.status_code == 404:
            return None
        body: dict[str, Any] = check(r, 200)
        return body if body["state"].get("status") == status else None

    found: dict[str, Any] = await wait_for(got, timeout=TIMEOUT, message=f"visit {vid} {status}")
    return found


async def calculate(s: FiveServices, staff: dict[str, str], period_id: str) -> None:
    """Run the period's calculation and wait for it to finish."""
    check(await s.payments.post(f"/v1/periods/{period_id}/calculate", headers=staff), 202)

    async def done() -> bool:
        body = check(await s.payments.get(f"/v1/periods/{period_id}", headers=staff), 200)
        assert body["status"] != "failed", body["error"]
        return bool(body["status"] == "calculated")

    await wait_for(done, timeout=TIMEOUT, message="the calculation")


async def lines(s: FiveServices, staff: dict[str, str], period_id: str, **filters: str) -> list[dict[str, Any]]:
    """Every line of the period matching the filters (package_id, provider_id, visit_id)."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {**filters, "limit": "1000", **({"cursor": cursor} if cursor else {})}
        page = check(await s.payments.get(f"/v1/periods/{period_id}/lines", params=params, headers=staff), 200)
        found += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def iso_week(day: date) -> str:
    """The ISO week label quality reports by."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"
