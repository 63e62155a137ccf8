"""Calls on the payments API shared by the integration tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from shared.testing.stack import wait_for


def at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 9, tzinfo=UTC)


async def calculated(client: httpx.AsyncClient, period_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Start a calculation and poll the period until it is done."""
    r = await client.post(f"/v1/periods/{period_id}/calculate", headers=headers)
    assert r.status_code == 202, r.text

    async def done() -> dict[str, Any] | None:
        body: dict[str, Any] = (await client.get(f"/v1/periods/{period_id}", headers=headers)).json()
        assert body["status"] != "failed", body["error"]
        return body if body["status"] == "calculated" else None

    result: dict[str, Any] = await wait_for(done, timeout=60, message="calculation")
    return result


async def all_lines(client: httpx.AsyncClient, period_id: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every line of a period, following the cursor with a small page to exercise it."""
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"/v1/periods/{period_id}/lines", params=params, headers=headers)).json()
        out += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return out
