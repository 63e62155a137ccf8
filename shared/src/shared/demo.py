"""The demo council that ``make up`` seeds: driven only through the running services' public HTTP APIs."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx

LONDON = ZoneInfo("Europe/London")
TIMEOUT = 90.0
SERVICES = ("referrals", "brokerage", "monitoring", "payments", "quality")
CreateClient = Callable[[str, str, list[uuid.UUID]], Awaitable[dict[str, str]]]


def nhs_number(rng: random.Random) -> str:
    """A ten-digit NHS number with a correct modulus-11 check digit."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        digits[0] = rng.randint(4, 9)
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


async def _poll(predicate: Callable[[], Awaitable[Any]], message: str, timeout: float = TIMEOUT) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {message}")
        await asyncio.sleep(0.2)


def _check(r: httpx.Response, *codes: int) -> Any:
    if r.status_code not in codes:
        raise RuntimeError(f"{r.request.method} {r.request.url} -> {r.status_code}: {r.text}")
    return r.json() if r.content else None


def _april(today: date) -> date:
    return date(today.year if today.month >= 4 else today.year - 1, 4, 1)


ZONES = [
    {"id": "demo-urban", "name": "St Austell", "pricing_level_id": "urban", "coverage": ["PL25", "PL26"]},
    {"id": "demo-rural", "name": "Bodmin Moor", "pricing_level_id": "rural", "coverage": ["PL30", "PL31"]},
]
PROVIDERS = [
    ("Kernow Care", "1-100000001", [("demo-urban", "prime"), ("demo-rural", "supplementary")], "120"),
    ("Moorland Homecare", "1-100000002", [("demo-rural", "prime"), ("demo-urban", "supplementary")], "80"),
    ("Clay Country Carers", "1-100000003", [("demo-urban", "supplementary")], "60"),
]
# (service type, payment basis, postcode, visit start hours, minutes)
REFERRALS = [
    ("ongoing_support", "time_and_task", "PL25 5AB", ["08:00", "17:00"], 45),
    ("ongoing_support", "time_and_task", "PL30 4AA", ["09:00"], 60),
    ("ongoing_support", "budget", "PL26 7QQ", ["10:00"], 30),
    ("ongoing_support", "budget", "PL31 2BB", ["12:00"], 60),
    ("enablement", "enablement_outcomes", "PL25 3DB", ["11:00"], 45),
    ("enablement", "enablement_outcomes", "PL30 5EF", ["14:00"], 30),
]
# The council's own staff, one API client each (the console's sign-in).
STAFF = {
    "payments_staff": "Alex Penrose",
    "payments_approver": "Sam Kitto",
    "quality_officer": "Jo Pascoe",
}
GIVEN = ["Morwenna", "Jory", "Tamsin", "Kerensa", "Piran", "Demelza"]
FAMILY = ["Trelawny", "Penhale", "Tregenza", "Rowe", "Nance", "Carne"]


async def seed_demo_council(
    base_urls: Mapping[str, str | httpx.AsyncClient],
    create_client: CreateClient,
    *,
    seed: int = 1,
    today: date | None = None,
    days_back: int = 3,
) -> dict[str, Any]:
    """Seed a small council through the services' APIs; ``base_urls`` maps each service to a URL or a client."""
    rng = random.Random(seed)
    today = today or datetime.now(LONDON).date()
    now = datetime.now(LONDON)
    async with AsyncExitStack() as stack:
        http: dict[str, httpx.AsyncClient] = {}
        for name in SERVICES:
            target = base_urls[name]
            if isinstance(target, httpx.AsyncClient):
                http[name] = target
            else:
                http[name] = await stack.enter_async_context(httpx.AsyncClient(base_url=target, timeout=30))
        return await _seed(http, base_urls, create_client, rng, seed, today, now, days_back)


def _auth(client: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {client['key']}"}


async def _seed(
    http: dict[str, httpx.AsyncClient],
    base_urls: Mapping[str, str | httpx.AsyncClient],
    create_client: CreateClient,
    rng: random.Random,
    seed: int,
    today: date,
    now: datetime,
    days_back: int,
) -> dict[str, Any]:
    tag = f"demo-{seed}"
    brokerage, referrals, monitoring = http["brokerage"], http["referrals"], http["monitoring"]
    admin = await create_client(f"{tag}-admin", "admin", [])
    a = _auth(admin)

    april = str(_april(today))
    body: dict[str, Any]
    for level, urban_rate, enable_rate in (("urban", "21.37", "23.10"), ("rural", "23.85", "25.40")):
        body = {
            "id": level,
            "name": level.title(),
            "rates": [
                {"service_type": "ongoing_support", "from_date": april, "hourly_rate": urban_rate},
                {"service_type": "enablement", "from_date": april, "hourly_rate": enable_rate},
            ],
        }
        _check(await brokerage.post("/v1/pricing-levels", json=body, headers=a), 201, 409)
    for zone in ZONES:
        _check(await brokerage.post("/v1/zones", json={**zone, "planned_weekly_hours": "500"}, headers=a), 201, 409)

    providers: list[dict[str, Any]] = []
    for name, cqc, zones, capacity in PROVIDERS:
        body = {
            "name": name,
            "cqc_location_id": cqc,
            "cqc_rating": "Good",
            "zones": [{"zone_id": z, "status": s} for z, s in zones],
            "weekly_capacity_hours": capacity,
            "enablement_allowed": True,
            "ethical_care_charter": True,
        }
        created = _check(await brokerage.post("/v1/providers", json=body, headers=a), 201)
        pid = uuid.UUID(created["id"])
        client = await create_client(f"{tag}-{name}", "provider", [pid])
        providers.append({"id": pid, "name": name, "client": client})
    provider_ids = [p["id"] for p in providers]
    vendor = await create_client(f"{tag}-etms", "etms_vendor", provider_ids)
    case = await create_client(f"{tag}-case-management", "case_management", [])
    c = _auth(case)

    start = today - timedelta(days=days_back)
    referral_ids: list[uuid.UUID] = []
    patterns: dict[uuid.UUID, list[tuple[str, int]]] = {}
    for i, (service_type, basis, postcode, starts, minutes) in enumerate(REFERRALS):
        pattern = [
            {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": s, "duration_minutes": minutes}
            for s in starts
        ]
        weekly = Decimal(7 * minutes * len(starts)) / 60
        body = {
            "external_ref": f"{tag.upper()}-{i + 1}",
            "person": {
                "nhs_number": nhs_number(rng),
                "given_name": GIVEN[i],
                "family_name": FAMILY[i],
                "date_of_birth": str(date(1930 + rng.randint(0, 20), rng.randint(1, 12), rng.randint(1, 28))),
                "postcode": postcode,
                "address": f"{rng.randint(1, 60)} Fore Street",
                "needs_summary": "Help with meals, medication and personal care",
            },
            "service_type": service_type,
            "outcomes": [{"code": "meals", "description": "A hot meal every day"}],
            "visit_pattern": pattern,
            "weekly_hours": str(weekly.quantize(Decimal("0.01"))),
            "payment_basis": basis,
            "funding": {"council": "1", "nhs": "0"},
            "start_date": str(start),
            "urgency": "standard",
        }
        if basis == "budget":
            body["budget"] = {"amount": "250.00", "period": "weekly"}
        elif basis == "enablement_outcomes":
            body["budget"] = {"amount": "900.00", "period": "total", "weeks": 6}
        headers = {**c, "Idempotency-Key": f"{tag}-referral-{i + 1}"}
        created = _check(await referrals.post("/v1/referrals", json=body, headers=headers), 200, 201)
        rid = uuid.UUID(created["id"])
        referral_ids.append(rid)
        patterns[rid] = [(s, minutes) for s in starts]

    # Each provider accepts its open offers for the demo's packages, bidding where the rule asks.
    pending = set(referral_ids)
    placed: dict[uuid.UUID, uuid.UUID] = {}

    async def accept_and_check() -> bool:
        for p in providers:
            h = _auth(p["client"])
            page = _check(await brokerage.get("/v1/offers", params={"status": "open"}, headers=h), 200)
            for offer in page["items"]:
                if uuid.UUID(offer["package_id"]) not in pending:
                    continue
                url = f"/v1/offers/{offer['offer_id']}/accept"
                r = await brokerage.post(url, json={}, headers=h)
                if r.status_code >= 400 and "bid" in r.text.lower():
                    r = await brokerage.post(url, json={"ongoing_hourly_rate": "21.90"}, headers=h)
                _check(r, 200, 409)
        for rid in list(pending):
            got = _check(await referrals.get(f"/v1/referrals/{rid}", headers=c), 200)
            if got["status"] in ("placed", "active") and got["provider_id"]:
                placed[rid] = uuid.UUID(got["provider_id"])
                pending.discard(rid)
        return not pending

    with contextlib.suppress(TimeoutError):  # Whatever is not placed by then is reported as unplaced.
        await _poll(accept_and_check, "all referrals placed")

    # Check-in/out for the planned visits of the past few days: a couple late, one missed by omission.
    slots: list[tuple[uuid.UUID, datetime, int]] = []
    for rid in sorted(placed, key=referral_ids.index):
        for day_offset in range(days_back + 1):
            day = start + timedelta(days=day_offset)
            for s, minutes in patterns[rid]:
                planned = datetime.combine(day, time.fromisoformat(s), tzinfo=LONDON)
                if planned + timedelta(minutes=minutes + 5) < now:
                    slots.append((rid, planned, minutes))
    missed = rng.randrange(len(slots)) if slots else -1
    late = set(rng.sample([i for i in range(len(slots)) if i != missed], k=min(2, max(0, len(slots) - 1))))
    events_by_package: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for i, (rid, planned, minutes) in enumerate(slots):
        if i == missed:
            continue
        delay = rng.randint(25, 40) if i in late else rng.randint(-3, 4)
        check_in = planned + timedelta(minutes=delay)
        check_out = check_in + timedelta(minutes=minutes + rng.randint(-3, 2))
        base = {"package_id": str(rid), "carer_id": f"carer-{rng.randint(1, 9)}", "method": "nfc"}
        events_by_package.setdefault(rid, []).extend([
            {**base, "event_id": f"{tag}-{i}-in", "type": "check_in", "occurred_at": check_in.isoformat()},
            {**base, "event_id": f"{tag}-{i}-out", "type": "check_out", "occurred_at": check_out.isoformat()},
        ])
    v = _auth(vendor)
    posted = accepted = 0
    for rid, events in events_by_package.items():
        batch = {"events": events}

        async def ingest(batch: dict[str, Any] = batch) -> dict[str, Any] | None:
            body: dict[str, Any] = _check(await monitoring.post("/v1/visit-events", json=batch, headers=v), 202)
            if any(res.get("reason") == "unknown_package" for res in body["results"]):
                return None  # The plan has not reached monitoring yet.
            return body

        answer = await _poll(ingest, f"visit events for {rid} accepted")
        posted += len(events)
        accepted += sum(1 for res in answer["results"] if res["status"] in ("accepted", "duplicate"))

    def where(service: str, path: str) -> str:
        target = base_urls[service]
        root = str(target.base_url) if isinstance(target, httpx.AsyncClient) else target
        return root.rstrip("/") + path

    staff = {role: await create_client(name, role, []) for role, name in STAFF.items()}
    period = _check(
        await http["payments"].post(
            "/v1/periods", json={"start_date": str(start)}, headers=_auth(staff["payments_staff"])
        ),
        201,
        409,
    )

    iso = today.isocalendar()
    return {
        "seed": seed,
        "packages": {
            "submitted": len(referral_ids),
            "placed": len(placed),
            "unplaced": len(referral_ids) - len(placed),
            "referral_ids": [str(r) for r in referral_ids],
        },
        "visits": {"planned": len(slots), "posted": posted, "accepted": accepted, "missed": 1 if slots else 0,
                   "late": len(late)},
        "clients": {
            "admin": admin,
            "case_management": case,
            "etms_vendor": vendor,
            "providers": [{"provider_id": str(p["id"]), "name": p["name"], **p["client"]} for p in providers],
            # Council staff sign in to the console with these; separation of duties goes by name.
            "staff": {role: {"name": STAFF[role], **client} for role, client in staff.items()},
        },
        "payment_period": period.get("period_id") if isinstance(period, dict) else None,
        "urls": {
            "referrals": where("referrals", "/v1/referrals"),
            "offers": where("brokerage", "/v1/offers"),
            "providers": where("brokerage", "/v1/providers"),
            "visits": where("monitoring", "/v1/visits"),
            "periods": where("payments", "/v1/periods"),
            "kpis": where("quality", f"/v1/kpis?period={iso.year}-W{iso.week:02d}"),
            **({"console": where("console", "/")} if "console" in base_urls else {}),
        },
    }
