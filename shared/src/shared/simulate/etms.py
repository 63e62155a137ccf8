"""The two ETMS vendors' device streams: the four weeks of check-ins and check-outs replayed in the
order devices upload them, compressed in time, with what real devices send: resends, check-outs
uploaded before their check-ins, and the odd malformed event."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.clock import utcnow
from shared.simulate.api import Api
from shared.simulate.visits import DeviceVisit

BATCH_EVENTS = 1_000
CHUNK = timedelta(hours=6)
IN_FLIGHT = 4
# One malformed event (a vendor's bug) for about this many visits.
BAD_EVENT_EVERY = 400


@dataclass(frozen=True, order=True)
class Upload:
    """An event as a device uploads it, at ``at`` (simulated time)."""

    at: datetime
    vendor: int
    event: dict[str, Any] = field(compare=False)


@dataclass
class StreamCounts:
    """What the vendors sent and what monitoring answered."""

    posted: int = 0
    batches: int = 0
    results: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)


def _event(visit: DeviceVisit, package_id: uuid.UUID, n: int, kind: str, at: datetime, vendor: int) -> dict[str, Any]:
    a = visit.attendances[n]
    event: dict[str, Any] = {
        "event_id": f"v{vendor}-{visit.planned.ref}-{visit.planned.start:%Y%m%dT%H%M}-{n}-{kind}",
        "type": kind,
        "occurred_at": at.isoformat(),
        "package_id": str(package_id),
        "carer_id": a.carer_id,
        "method": a.method,
        "device_id": f"device-{a.carer_id}",
    }
    if a.lat is not None and a.lon is not None:
        event["location"] = {"lat": a.lat, "lon": a.lon, "accuracy_m": 12}
    return event


def uploads_of(visit: DeviceVisit, package_id: uuid.UUID, vendor: int, rng: random.Random) -> list[Upload]:
    """Every upload the visit's devices make, with resends and out-of-order uploads as drawn."""
    out: list[Upload] = []
    for n, a in enumerate(visit.attendances):
        check_in = _event(visit, package_id, n, "check_in", a.check_in, vendor)
        in_at = a.check_in + timedelta(seconds=rng.randint(5, 300))
        if a.check_out is not None:
            out_at = a.check_out + timedelta(seconds=rng.randint(5, 300))
            out.append(Upload(out_at, vendor, _event(visit, package_id, n, "check_out", a.check_out, vendor)))
            if "out_of_order" in visit.kinds:
                # The phone lost signal at the door: the check-in reaches the vendor after the check-out.
                in_at = out_at + timedelta(minutes=rng.randint(20, 90))
        out.append(Upload(in_at, vendor, check_in))
        if "duplicate" in visit.kinds and n == 0:
            out.append(Upload(in_at + timedelta(minutes=rng.randint(1, 40)), vendor, check_in))
    return out


def bad_events(count: int, start: datetime, end: datetime, vendor: int, rng: random.Random) -> list[Upload]:
    """Malformed events a vendor's bug might send: each is refused with its reason, the batch goes on."""
    out = []
    span = int((end - start).total_seconds())
    for i in range(count):
        at = start + timedelta(seconds=rng.randint(0, span))
        kind = rng.choice(("unknown_method", "coordinates", "future", "unknown_package", "not_a_time"))
        event: dict[str, Any] = {
            "event_id": f"v{vendor}-bad-{i}",
            "type": "check_in",
            "occurred_at": at.isoformat(),
            "package_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "carer_id": "carer-x",
            "method": "nfc",
        }
        if kind == "unknown_method":
            event["method"] = "carrier-pigeon"
        elif kind == "coordinates":
            event |= {"method": "gps", "location": {"lat": 123.4, "lon": -5.0}}
        elif kind == "future":
            event["occurred_at"] = (utcnow() + timedelta(days=2)).isoformat()
        elif kind == "not_a_time":
            event["occurred_at"] = "yesterday teatime"
        out.append(Upload(at, vendor, event))
    return out


async def stream(
    api: Api,
    vendor_keys: list[str],
    uploads: Iterable[Upload],
    *,
    speed: float,
    progress: Callable[[int], None],
) -> StreamCounts:
    """Post the uploads in simulated-time order, in batches per vendor, ``speed`` times faster than
    real time (0: as fast as monitoring takes them; 429s are retried after their Retry-After)."""
    ordered = sorted(uploads)
    counts = StreamCounts()
    if not ordered:
        return counts
    loop = asyncio.get_running_loop()
    began, first = loop.time(), ordered[0].at
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def post(vendor: int, events: list[dict[str, Any]]) -> None:
        async with gate:
            answer = await api.json(
                "monitoring", "POST", "/v1/visit-events", vendor_keys[vendor], json={"events": events}, ok=(202,)
            )
        counts.posted += len(events)
        counts.batches += 1
        for result in answer["results"]:
            counts.results[result["status"]] += 1
            if result["status"] == "rejected":
                counts.rejected[result["reason"]] += 1
        progress(len(events))

    for chunk_end, by_vendor in _chunks(ordered, CHUNK if speed > 0 else None):
        if speed > 0:
            due = began + (chunk_end - first).total_seconds() / speed
            await asyncio.sleep(max(0.0, due - loop.time()))
        # A chunk's batches all go before the next chunk's, so uploads keep their order chunk by chunk;
        # vendors post side by side, each its batches one after another, so what monitoring has stored
        # when a batch arrives (a check-out is judged against its stored check-in) is the same every run.
        await asyncio.gather(*[_in_order(post, vendor, events) for vendor, events in sorted(by_vendor.items())])
    return counts


async def _in_order(
    post: Callable[[int, list[dict[str, Any]]], Awaitable[None]], vendor: int, events: list[dict[str, Any]]
) -> None:
    for b in range(0, len(events), BATCH_EVENTS):
        await post(vendor, events[b : b + BATCH_EVENTS])


def _chunks(
    ordered: list[Upload], span: timedelta | None
) -> Iterator[tuple[datetime, dict[int, list[dict[str, Any]]]]]:
    """Uploads grouped by vendor per ``span`` of simulated time (all in one go when ``span`` is None)."""
    i = 0
    while i < len(ordered):
        end = ordered[i].at + span if span is not None else ordered[-1].at + timedelta(seconds=1)
        by_vendor: dict[int, list[dict[str, Any]]] = {}
        while i < len(ordered) and ordered[i].at < end:
            by_vendor.setdefault(ordered[i].vendor, []).append(ordered[i].event)
            i += 1
        yield end, by_vendor


async def correct(api: Api, key: str, visit_id: uuid.UUID, check_in: datetime, check_out: datetime) -> None:
    """A provider corrects a visit whose check-out never came (the carer's phone died)."""
    body = {"reason": "device_failure", "check_in_at": check_in.isoformat(), "check_out_at": check_out.isoformat()}
    await api.call("monitoring", "POST", f"/v1/visits/{visit_id}/corrections", key, json=body, ok=(201,))
