"""The case-management system: referrals sent, their placement followed, and later changes sent.

Packages are placed one at a time within a lane of a zone (lanes run side by side): each provider
answers from its books for the lane, so the order of awards in a lane, and so every placement, is
the same for the same seed.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from shared.clock import utcnow
from shared.simulate.agents import ProviderAgent
from shared.simulate.api import Api, ApiError
from shared.simulate.scenario import ReferralSpec, Scenario, hours_text, nhs_number, weekly_carer_minutes

PLACEMENT_TIMEOUT = 300.0
WATCH_SECONDS = 0.3
PLACED = ("placed", "active", "suspended", "ended")
OUTCOMES = [
    {"code": "personal-care", "description": "Washed and dressed by mid-morning, as the person chooses"},
    {"code": "meals", "description": "A hot meal and drinks every day"},
]


@dataclass
class Placed:
    """What became of a referral in the stack."""

    spec: ReferralSpec
    referral_id: uuid.UUID
    status: str
    provider_key: str | None
    # From sending the referral to seeing it placed or unplaced.
    seconds: float = 0.0


def referral_body(spec: ReferralSpec, seed: int) -> dict[str, Any]:
    """The referral as the case-management system sends it."""
    rng = random.Random(f"{seed}/{spec.ref}/person")
    body: dict[str, Any] = {
        "external_ref": spec.ref,
        "person": {
            "nhs_number": nhs_number(rng),
            "given_name": spec.given_name,
            "family_name": spec.family_name,
            "date_of_birth": str(spec.date_of_birth),
            "postcode": spec.postcode,
            "address": spec.address,
            "needs_summary": "Personal care, meals and medication prompts after a fall",
            "location": {"lat": spec.lat, "lon": spec.lon},
        },
        "service_type": spec.service_type,
        "outcomes": OUTCOMES,
        "visit_pattern": [s.as_json() for s in spec.pattern],
        "weekly_hours": hours_text(spec.pattern),
        "payment_basis": spec.basis,
        "funding": {"council": str(spec.council_share), "nhs": str(1 - spec.council_share)},
        "start_date": str(spec.start_date),
        "urgency": "urgent" if spec.urgent else "standard",
    }
    if spec.weekly_budget is not None:
        body["budget"] = {"amount": str(spec.weekly_budget), "period": "weekly"}
    if spec.enablement_budget is not None:
        body["budget"] = {"amount": str(spec.enablement_budget), "period": "total", "weeks": 6}
    if spec.contribution is not None:
        amount, collection = spec.contribution
        body["client_contribution"] = {"weekly_amount": str(amount), "collection": collection}
    return body


async def submit(api: Api, key: str, spec: ReferralSpec, seed: int) -> uuid.UUID:
    """Send the referral (idempotently, keyed by its reference); returns its id."""
    headers = {"Idempotency-Key": spec.ref}
    created = await api.json(
        "referrals", "POST", "/v1/referrals", key, json=referral_body(spec, seed), headers=headers, ok=(200, 201)
    )
    return uuid.UUID(created["id"])


class PlacementWatcher:
    """Follows referrals as a case-management system does: one listing of what changed since the last
    look (``updated_since``), instead of reading each referral over and over."""

    def __init__(self, api: Api, key: str) -> None:
        self.api = api
        self.key = key
        self.waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.since = utcnow() - timedelta(seconds=5)
        self.errors: list[str] = []

    def expect(self, referral_id: uuid.UUID) -> asyncio.Future[dict[str, Any]]:
        """A future answered with the referral once it is placed or unplaced."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[str(referral_id)] = future
        return future

    async def look(self) -> None:
        """Read every referral changed since the last look and answer the futures now settled."""
        cursor: str | None = None
        latest = self.since
        while True:
            params = {"updated_since": self.since.isoformat(), "limit": "200", **({"cursor": cursor} if cursor else {})}
            page = await self.api.json("referrals", "GET", "/v1/referrals", self.key, params=params)
            for item in page["items"]:
                latest = max(latest, datetime.fromisoformat(item["updated_at"]))
                future = self.waiting.get(item["id"])
                settled = item["status"] == "unplaced" or (item["status"] in PLACED and item["provider_id"])
                if future is not None and settled and not future.done():
                    future.set_result(item)
                    del self.waiting[item["id"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        # A little overlap: a change committed just after the page was read is seen next time.
        self.since = latest - timedelta(seconds=2)

    async def run(self) -> None:
        """Look every ``WATCH_SECONDS`` until cancelled."""
        while True:
            try:
                await self.look()
            except (ApiError, httpx.HTTPError) as exc:  # A slow or refused listing: look again shortly.
                self.errors.append(repr(exc))
            await asyncio.sleep(WATCH_SECONDS)


async def send_changes(api: Api, key: str, placed: Placed) -> list[str]:
    """The changes case management records after placement: amendment, hospital stay, end, review."""
    spec, base = placed.spec, f"/v1/referrals/{placed.referral_id}"
    sent: list[str] = []
    if spec.amendment is not None:
        body = {
            "effective_from": str(spec.amendment.effective_from),
            "visit_pattern": [s.as_json() for s in spec.amendment.pattern],
            "weekly_hours": hours_text(spec.amendment.pattern),
        }
        await api.call("referrals", "POST", f"{base}/amendments", key, json=body)
        sent.append("amended")
    if spec.hospital is not None:
        body = {"reason": "hospital_admission", "from_date": str(spec.hospital.admitted)}
        await api.call("referrals", "POST", f"{base}/suspensions", key, json=body)
        sent.append("suspended")
        if spec.hospital.resumed is not None:
            await api.call("referrals", "POST", f"{base}/resumptions", key,
                           json={"from_date": str(spec.hospital.resumed)})
            sent.append("resumed")
    if spec.ending is not None:
        body = {"end_date": str(spec.ending.end_date), "reason": spec.ending.reason}
        await api.call("referrals", "POST", f"{base}/end", key, json=body)
        sent.append("ended")
    if spec.review is not None:
        second = "met" if spec.review.all_met else "partly_met"
        body = {
            "review_date": str(spec.review.review_date),
            "outcomes": [{"code": "personal-care", "result": "met"}, {"code": "meals", "result": second}],
        }
        await api.call("referrals", "POST", f"{base}/reviews", key, json=body, ok=(201,))
        sent.append("reviewed")
    return sent


async def run_lane(
    api: Api,
    watcher: PlacementWatcher,
    key: str,
    scenario: Scenario,
    specs: list[ReferralSpec],
    agents: dict[str, ProviderAgent],
    provider_key_of: Callable[[uuid.UUID], str],
    done: Callable[[Placed], None],
) -> None:
    """One zone's referrals, one after another: send, await placement, tell the winner's books, send changes."""
    loop = asyncio.get_running_loop()
    for spec in specs:
        sent = loop.time()
        referral_id = await submit(api, key, spec, scenario.seed)
        got = await asyncio.wait_for(watcher.expect(referral_id), PLACEMENT_TIMEOUT)
        placed = Placed(spec, referral_id, got["status"], None, round(loop.time() - sent, 2))
        if got["status"] != "unplaced":
            placed.provider_key = provider_key_of(uuid.UUID(got["provider_id"]))
            hours = Decimal(weekly_carer_minutes(spec.pattern)) / 60
            agents[placed.provider_key].won((spec.zone_id, scenario.lane(spec)), hours)
            await send_changes(api, key, placed)
        done(placed)


async def place_all(
    api: Api,
    key: str,
    scenario: Scenario,
    agents: dict[str, ProviderAgent],
    provider_key_of: Callable[[uuid.UUID], str],
    done: Callable[[Placed], None],
) -> None:
    """Every referral of the county, the zones' lanes side by side."""
    lanes: dict[tuple[str, int], list[ReferralSpec]] = {}
    for spec in scenario.referrals:
        lanes.setdefault((spec.zone_id, scenario.lane(spec)), []).append(spec)
    watcher = PlacementWatcher(api, key)
    watching = asyncio.create_task(watcher.run())
    try:
        async with asyncio.TaskGroup() as group:
            for specs in lanes.values():
                group.create_task(run_lane(api, watcher, key, scenario, specs, agents, provider_key_of, done))
    finally:
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)
