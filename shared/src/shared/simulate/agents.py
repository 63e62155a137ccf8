"""Providers as programs: each reads its open offers (woken by a webhook, or polling) and accepts,
bids or declines by its own staffing in the zone and the price.

A decision depends only on the offer's facts and the hours the provider already holds in the zone,
so with packages placed one at a time per zone the same seed gives the same placements.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shared.money import round_pennies
from shared.simulate.api import Api
from shared.simulate.scenario import MIN_LANE_CAPACITY, ProviderSpec, lane_of

# Reading open offers is brokerage's heaviest read: providers without a webhook look every few seconds.
POLL_SECONDS = 5.0
# A provider with a webhook still looks now and then (this many polls apart), in case a delivery is lost.
WEBHOOK_FALLBACK_POLLS = 6


@dataclass(frozen=True)
class Answer:
    """Accept (with a bid where asked) or decline with a reason code."""

    accept: bool
    bid: Decimal | None = None
    reason: str | None = None


def _draw(seed: int, provider: str, offer: dict[str, Any]) -> float:
    """A number in [0, 1) fixed by the offer's facts, so reruns decide alike."""
    facts = f"{seed}/{provider}/{offer['zone_id']}/{offer['postcode_district']}/{offer['start_date']}/"
    facts += f"{offer['weekly_hours']}/{offer['visit_pattern']}"
    return int(hashlib.sha256(facts.encode()).hexdigest()[:8], 16) / 2**32


def room_in_lane(spec: ProviderSpec, zone_id: str, lane_share: Decimal) -> Decimal:
    """The weekly hours the provider staffs in a lane of a zone: its hours in the zone in proportion
    to the lane's share of the zone's packages, so the lanes together have exactly its zone's hours.
    A lane always has room for the largest package, when the zone has."""
    zone_hours = spec.zone_capacity.get(zone_id, Decimal(0))
    return max(zone_hours * lane_share, min(zone_hours, MIN_LANE_CAPACITY))


def decide(spec: ProviderSpec, seed: int, offer: dict[str, Any], held: Decimal, lane_share: Decimal) -> Answer:
    """How this provider answers an offer, given the weekly hours it already holds in the offer's lane
    of the zone (its books for a zone are kept per lane, see ``room_in_lane``)."""
    hours = Decimal(str(offer["weekly_hours"]))
    if held + hours > room_in_lane(spec, offer["zone_id"], lane_share):
        return Answer(False, reason="no_capacity")
    rate = Decimal(str(offer["hourly_rate"])) if offer.get("hourly_rate") is not None else None
    if rate is not None and rate < spec.lowest_viable_rate:
        return Answer(False, reason="rate_unviable")
    if _draw(seed, spec.key, offer) < spec.unworkable:
        return Answer(False, reason="visit_times_unworkable")
    bid = round_pennies(rate * (1 + spec.markup)) if offer.get("bid_required") and rate is not None else None
    return Answer(True, bid=bid)


@dataclass
class ProviderAgent:
    """One provider's offer-handling program."""

    spec: ProviderSpec
    provider_id: uuid.UUID
    key: str
    seed: int
    zone_lanes: dict[str, int]
    lane_shares: dict[tuple[str, int], Decimal]
    held: dict[tuple[str, int], Decimal] = field(default_factory=dict)
    answered: set[str] = field(default_factory=set)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    counts: dict[str, int] = field(default_factory=dict)
    last_error: str | None = None
    poll_seconds: float = POLL_SECONDS

    def lane(self, offer: dict[str, Any]) -> tuple[str, int]:
        """The zone and lane an offer falls in, from what the offer shows."""
        zone = offer["zone_id"]
        return zone, lane_of(self.zone_lanes[zone], offer)

    def won(self, zone_lane: tuple[str, int], hours: Decimal) -> None:
        """The provider's books after an award: the hours are now held in the zone's lane."""
        self.held[zone_lane] = self.held.get(zone_lane, Decimal(0)) + hours

    async def sweep(self, api: Api) -> int:
        """Answer every open offer not yet answered; returns how many were answered."""
        page = await api.json("brokerage", "GET", "/v1/offers", self.key, params={"status": "open", "limit": "200"})
        done = 0
        for offer in sorted(page["items"], key=lambda o: o["offer_id"]):
            if offer["offer_id"] in self.answered:
                continue
            lane = self.lane(offer)
            answer = decide(self.spec, self.seed, offer, self.held.get(lane, Decimal(0)), self.lane_shares[lane])
            path = f"/v1/offers/{offer['offer_id']}"
            if answer.accept:
                body = {"ongoing_hourly_rate": str(answer.bid)} if answer.bid is not None else {}
                await api.call("brokerage", "POST", f"{path}/accept", self.key, json=body, ok=(200, 409))
                outcome = "bid" if answer.bid is not None else "accepted"
            else:
                await api.call("brokerage", "POST", f"{path}/decline", self.key,
                               json={"reason_code": answer.reason}, ok=(200, 409))
                outcome = f"declined:{answer.reason}"
            self.counts[outcome] = self.counts.get(outcome, 0) + 1
            self.answered.add(offer["offer_id"])
            done += 1
        return done

    async def run(self, api: Api) -> None:
        """Sweep whenever woken by a webhook, or every poll interval, until cancelled."""
        interval = self.poll_seconds * (WEBHOOK_FALLBACK_POLLS if self.spec.webhook else 1)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=interval)
            self.wake.clear()
            try:
                await self.sweep(api)
            except Exception as exc:  # A provider's program keeps running; the report shows its errors.
                self.counts["errors"] = self.counts.get("errors", 0) + 1
                self.last_error = repr(exc)
