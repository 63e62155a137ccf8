"""Signed webhooks to real HTTP receivers: retries with backoff, replay, and per-provider isolation."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from shared.devstack.ports import free_port
from shared.testing.stack import PostgresHandle, migrated_database, wait_for

SECRET = "receiver-secret-0123456789abcdef"


@dataclass
class Receiver:
    """A provider's webhook endpoint: records every request and checks its signature itself."""

    base_url: str
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failures_left: dict[str, int] = field(default_factory=dict)

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [r["body"] for r in self.received.get(path, [])]


def _valid(header: str, body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(","))
    expected = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    port = free_port()
    state = Receiver(f"http://127.0.0.1:{port}")
    app = FastAPI()

    @app.post("/{name}")
    async def hook(name: str, request: Request) -> Response:
        body = await request.body()
        state.received.setdefault(name, []).append(
            {"body": json.loads(body), "signed": _valid(request.headers["x-homecare-signature"], body)}
        )
        if name == "hang":
            await asyncio.sleep(3600)
        if state.failures_left.get(name, 0) > 0:
            state.failures_left[name] -= 1
            return Response(status_code=500)
        return Response(status_code=204)

    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
    )
    task = asyncio.create_task(server.serve())
    await wait_for(lambda: server.started, timeout=10, message="receiver started")
    try:
        yield state
    finally:
        server.should_exit = True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _open_offer_id(stack: Any, headers: dict[str, str], package_id: Any) -> str:
    items = (await stack.client.get("/v1/offers", params={"status": "open"}, headers=headers)).json()["items"]
    (offer,) = [o for o in items if o["package_id"] == str(package_id)]
    return str(offer["offer_id"])


async def test_signed_offer_delivered_on_the_third_try_and_not_again(stack: Any, make_referral: Any) -> None:
    async with receiver() as hooks:
        hooks.failures_left["flaky"] = 2
        await stack.setup_dps()
        provider_id = await stack.admit("flaky", webhook_url=f"{hooks.base_url}/flaky", webhook_secret=SECRET)
        ref = make_referral()
        await stack.publish([(ref, str(ref.referral_id))])
        await stack.settled(ref.referral_id, "offering")
        headers = await stack.as_provider(provider_id)

        async def delivered() -> dict[str, Any] | None:
            items = (await stack.client.get("/v1/webhook-deliveries", headers=headers)).json()["items"]
            return items[0] if items and items[0]["status"] == "delivered" else None

        delivery = await wait_for(delivered, timeout=20, message="offer delivered")
        assert delivery["attempts"] == 3
        assert delivery["event_type"] == "brokerage.package.offered"
        offered = hooks.received["flaky"]
        assert len(offered) == 3
        assert all(r["signed"] for r in offered)
        assert offered[0]["body"]["data"]["package_id"] == str(ref.referral_id)
        assert "Trelawny" not in json.dumps(offered[0]["body"])

        # An award delivered after it proves the worker kept going: the offer was not sent again.
        offer_id = await _open_offer_id(stack, headers, ref.referral_id)
        await stack.client.post(f"/v1/offers/{offer_id}/accept", json={}, headers=headers)
        await wait_for(lambda: len(hooks.received["flaky"]) == 4, timeout=20, message="award delivered")
        types = [b["type"] for b in hooks.bodies("flaky")]
        assert types == ["brokerage.package.offered"] * 3 + ["brokerage.package.awarded"]

        replayed = await stack.client.post(f"/v1/webhook-deliveries/{delivery['id']}/replay", headers=headers)
        assert replayed.status_code == 202
        await wait_for(lambda: len(hooks.received["flaky"]) == 5, timeout=20, message="replay")
        assert hooks.bodies("flaky")[4] == hooks.bodies("flaky")[0]
        other = await stack.as_provider(uuid.UUID(int=1))
        assert (
            await stack.client.post(f"/v1/webhook-deliveries/{delivery['id']}/replay", headers=other)
        ).status_code == 404


async def test_a_receiver_that_never_answers_holds_up_nobody_else(
    pg: PostgresHandle, bootstrap: str, stack_opener: Any, make_referral: Any
) -> None:
    url = await migrated_database(pg, ("brokerage",))
    async with receiver() as hooks, stack_opener(url, bootstrap, webhook_timeout_seconds=30) as stack:
        await stack.setup_dps()
        await stack.admit("hangs", webhook_url=f"{hooks.base_url}/hang", webhook_secret=SECRET)
        prompt = await stack.admit("prompt", webhook_url=f"{hooks.base_url}/ok", webhook_secret=SECRET)
        refs = [make_referral() for _ in range(3)]
        await stack.publish([(r, str(r.referral_id)) for r in refs])
        # Three offers reach the prompt provider while the first to the other is still hanging.
        await wait_for(lambda: len(hooks.received.get("ok", [])) == 3, timeout=20, message="prompt deliveries")
        assert len(hooks.received.get("hang", [])) == 1
        assert {b["data"]["package_id"] for b in hooks.bodies("ok")} == {str(r.referral_id) for r in refs}
        # Each provider is sent only its own offers.
        assert {b["data"]["provider_id"] for b in hooks.bodies("ok")} == {str(prompt)}
