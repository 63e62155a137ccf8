"""Referrals and brokerage as real processes (as ``homecare up`` runs them), each SIGKILLed while
referrals stream in and started again: every referral accepted reaches brokerage once, from the outbox
and the committed offsets, and nothing is done twice. (``make soak`` does this to all five services
under the whole county's traffic.)"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import asyncpg
import httpx
import pytest
from shared.devstack.ports import free_port
from shared.devstack.services import by_name
from shared.devstack.stack import down, up, wait_ready
from shared.settings import to_asyncpg_dsn
from shared.simulate.referrals import referral_body
from shared.simulate.scenario import build_scenario
from shared.testing.apps import api_headers
from shared.testing.faults import StackFaults
from shared.testing.stack import PostgresHandle, wait_for

pytestmark = pytest.mark.asyncio(loop_scope="session")

SERVICES = (by_name("referrals"), by_name("brokerage"))
SEED = 5


def _free_pair() -> int:
    """An offset putting referrals and brokerage (8001, 8002) on two free ports."""
    while True:
        first = free_port()
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", first))
                b.bind(("127.0.0.1", first + 1))
            return first - 8001
        except OSError:
            continue


@pytest.fixture
def stack_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HOMECARE_PORT_OFFSET", str(_free_pair()))
    home = tmp_path / "home"
    yield home
    down(home)


async def _post(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, object], ref: str) -> str:
    """Submit a referral, again while referrals is down or answers 503 (same Idempotency-Key)."""
    for _ in range(240):
        try:
            r = await client.post("/v1/referrals", json=body, headers={**headers, "Idempotency-Key": ref})
        except httpx.TransportError:
            await asyncio.sleep(0.5)
            continue
        if r.status_code == 503:
            await asyncio.sleep(0.5)
            continue
        assert r.status_code in (200, 201), r.text
        return str(r.json()["id"])
    raise AssertionError(f"referral {ref} never accepted")


async def test_services_killed_mid_stream_lose_nothing_and_do_nothing_twice(
    pg: PostgresHandle, bootstrap: str, stack_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = await pg.create_database()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", bootstrap)
    await asyncio.to_thread(up, stack_home, services=SERVICES)
    assert all((await wait_ready(SERVICES, timeout=120)).values())
    faults = StackFaults(stack_home)
    headers = await api_headers(url, role="case_management")
    specs = build_scenario(SEED, 0.01, date.today()).referrals[:24]
    ids: list[str] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{by_name('referrals').port}", timeout=30) as client:
        for n, spec in enumerate(specs):
            if n == 8:
                faults.kill_service("brokerage")  # its consumer was applying the first referrals
            if n == 12:
                faults.kill_service("referrals")  # its relay had events to send
                await faults.start_service("referrals")
            ids.append(await _post(client, headers, referral_body(spec, SEED), spec.ref))
    await faults.start_service("brokerage")

    conn = await asyncpg.connect(to_asyncpg_dsn(url))
    try:

        async def all_arrived() -> bool:
            n = await conn.fetchval("SELECT COUNT(*) FROM brokerage.package")
            unsent = await conn.fetchval("SELECT COUNT(*) FROM referrals.outbox_event WHERE published_at IS NULL")
            return n == len(specs) and unsent == 0

        await wait_for(all_arrived, timeout=120, message="every referral in brokerage")
        assert await conn.fetchval("SELECT COUNT(*) FROM referrals.referral") == len(specs)
        packages = {str(r["id"]) for r in await conn.fetch("SELECT id FROM brokerage.package")}
        assert packages == set(ids)
        # A submission applied twice would show as brokerage publishing the same thing twice.
        twice = await conn.fetch(
            "SELECT aggregateid, type, COUNT(*) FROM brokerage.outbox_event GROUP BY 1, 2 HAVING COUNT(*) > 1"
        )
        assert twice == []
        submitted = await conn.fetchval(
            "SELECT COUNT(*) FROM referrals.outbox_event WHERE type = 'referrals.referral.submitted'"
        )
        assert submitted == len(specs)
    finally:
        await conn.close()
