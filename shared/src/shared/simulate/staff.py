"""Council staff's work once the weeks are in: waiting for the services to catch up, the payment
run (calculated by one officer, approved by another) and the quality evaluation."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from typing import Any

import httpx

from shared.simulate.api import Api, ApiError, poll

QUIET_SECONDS = 3.0
SETTLE_TIMEOUT = 1800.0
CALCULATION_TIMEOUT = 900.0
_SAMPLE = re.compile(
    r"^(events_published_total|events_consumed_total|outbox_backlog|consumer_lag|consumer_catching_up)(?:\{[^}]*\})?\s+(\S+)$"
)


async def _activity(api: Api) -> tuple[float, float]:
    """Events published and consumed so far, and what is still waiting (outbox rows, consumer lag)."""
    moved = waiting = 0.0
    for service in api.clients:
        try:
            text = (await api.clients[service].get("/metrics")).text
        except httpx.TransportError:
            # A service restarting is not quiet: it has work to pick up again.
            return moved, waiting + 1
        for line in text.splitlines():
            match = _SAMPLE.match(line)
            if match is None:
                continue
            value = float(match.group(2))
            if match.group(1) in ("outbox_backlog", "consumer_lag", "consumer_catching_up"):
                waiting += value
            else:
                moved += value
    return moved, waiting


async def settle(api: Api) -> float:
    """Wait until no service publishes or consumes anything for a few seconds and nothing is
    waiting, read from each service's public ``/metrics``; returns the seconds it took."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    quiet_since: float | None = None
    last: float | None = None

    async def quiet() -> bool:
        nonlocal quiet_since, last
        moved, waiting = await _activity(api)
        now = loop.time()
        if waiting or moved != last:
            quiet_since, last = None, moved
            return False
        quiet_since = quiet_since or now
        return now - quiet_since >= QUIET_SECONDS

    await poll(quiet, "the services to catch up", SETTLE_TIMEOUT, every=0.5)
    return loop.time() - began


async def run_payments(api: Api, staff: str, approver: str, period_id: str) -> dict[str, Any]:
    """Calculate the period (payments officer), read its totals, approve it (another person)."""
    await api.call("payments", "POST", f"/v1/periods/{period_id}/calculate", staff, ok=(202,))

    async def calculated() -> dict[str, Any] | None:
        got: dict[str, Any] = await api.json("payments", "GET", f"/v1/periods/{period_id}", staff)
        if got["status"] == "failed":
            raise ApiError(f"the payment calculation failed: {got['error']}")
        return got if got["status"] == "calculated" else None

    await poll(calculated, "the payment calculation", CALCULATION_TIMEOUT, every=0.5)
    totals: dict[str, Any] = await api.json("payments", "GET", f"/v1/periods/{period_id}/totals", staff)
    approved = await api.json("payments", "POST", f"/v1/periods/{period_id}/approve", approver)
    return {"totals": totals, "period": approved}


def last_full_week(first: date, last: date) -> str:
    """The label of the last ISO week lying wholly between two days."""
    monday = last - timedelta(days=last.weekday())
    if monday + timedelta(days=6) > last:
        monday -= timedelta(days=7)
    if monday < first:
        raise ValueError("no whole ISO week in the range")
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


async def run_quality(api: Api, officer: str, week: str) -> dict[str, Any]:
    """Score every provider for the week, then read the council's KPIs and the league table."""
    evaluation = await api.json("quality", "POST", f"/v1/periods/{week}/evaluation", officer)
    kpis = await api.json("quality", "GET", "/v1/kpis", officer, params={"period": week})
    table = await api.json("quality", "GET", "/v1/benchmarks", officer, params={"period": week})
    return {"week": week, "evaluation": evaluation, "kpis": kpis, "league_table": table}
