"""GET /v1/referrals: a client's own referrals, filtered and paged by cursor."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from .conftest import today

if TYPE_CHECKING:
    from .conftest import Stack

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def submit_as(stack: Stack, headers: dict[str, str], body: dict[str, Any]) -> uuid.UUID:
    """Submit as a given client; returns the new id."""
    response = await stack.submit(body, headers=headers)
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


async def listed(stack: Stack, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    """One page of the list as a given client."""
    response = await stack.client.get("/v1/referrals", params=params, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def test_paging_walks_every_referral_once(stack: Stack, make_body: Any) -> None:
    me = await stack.headers()
    ids = [await submit_as(stack, me, make_body()) for _ in range(5)]
    await submit_as(stack, await stack.headers(), make_body())  # someone else's
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await listed(stack, me, **params)
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(i) for i in ids]  # oldest change first
    assert pages == 3


async def test_filters(stack: Stack, make_body: Any) -> None:
    me = await stack.headers()
    first_body = make_body()
    first = await submit_as(stack, me, first_body)
    placed = await submit_as(stack, me, make_body())
    started = await submit_as(stack, me, make_body())
    await stack.sql("UPDATE referrals.referral SET status = 'placed', care_start_date = :d WHERE id = :id",
                    d=today() + timedelta(days=3), id=placed)
    await stack.sql("UPDATE referrals.referral SET status = 'placed', care_start_date = :d WHERE id = :id",
                    d=today(), id=started)

    by_ref = await listed(stack, me, external_ref=first_body["external_ref"])
    assert [i["id"] for i in by_ref["items"]] == [str(first)]
    assert [i["id"] for i in (await listed(stack, me, status="submitted"))["items"]] == [str(first)]
    assert [i["id"] for i in (await listed(stack, me, status="placed"))["items"]] == [str(placed)]
    # placed with the start date come is listed, and shown, as active
    active = (await listed(stack, me, status="active"))["items"]
    assert [(i["id"], i["status"]) for i in active] == [(str(started), "active")]

    await stack.sql("UPDATE referrals.referral SET updated_at = now() - interval '2 days' WHERE id = :id", id=first)
    since = (await listed(stack, me, updated_since=(today() - timedelta(days=1)).isoformat() + "T00:00:00Z"))
    assert {i["id"] for i in since["items"]} == {str(placed), str(started)}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"status": "lost"}, "query.status"),
        ({"limit": 0}, "query.limit"),
        ({"updated_since": "2026-11-01T00:00:00"}, "query.updated_since"),  # no offset: ambiguous
    ],
)
async def test_bad_query_parameters_are_named(stack: Stack, params: dict[str, Any], field: str) -> None:
    response = await stack.client.get("/v1/referrals", params=params, headers=stack.cm)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
