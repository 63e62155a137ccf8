"""The demo council seeds through the five running services' public APIs."""

from __future__ import annotations

import random
import uuid
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from brokerage.main import create_app as brokerage_app
from brokerage.settings import BrokerageSettings
from monitoring.main import create_app as monitoring_app
from monitoring.settings import MonitoringSettings
from payments.main import create_app as payments_app
from payments.settings import PaymentsSettings
from quality.main import create_app as quality_app
from quality.settings import QualitySettings
from referrals.main import create_app as referrals_app
from referrals.settings import ReferralsSettings
from shared.auth.clients import create_client
from shared.db.engine import create_engine
from shared.demo import nhs_number, seed_demo_council
from shared.testing.apps import running_app
from shared.testing.stack import PostgresHandle, migrated_database
from sqlalchemy import text


def test_nhs_numbers_pass_modulus_11() -> None:
    rng = random.Random(7)
    for _ in range(50):
        n = nhs_number(rng)
        digits = [int(d) for d in n]
        check = (11 - sum(d * (10 - i) for i, d in enumerate(digits[:9])) % 11) % 11
        assert len(n) == 10
        assert check == digits[9]


@pytest.mark.asyncio(loop_scope="session")
async def test_demo_council_is_seeded_through_the_apis(
    pg: PostgresHandle, bootstrap: str, capfd: pytest.CaptureFixture[str]
) -> None:
    url = await migrated_database(pg)
    common: dict[str, Any] = {"database_url": url, "kafka_bootstrap_servers": bootstrap}
    engine = create_engine(url, pool_size=1)

    async def make_client(name: str, role: str, provider_ids: list[uuid.UUID]) -> dict[str, str]:
        async with engine.begin() as conn:
            issued = await create_client(conn, name=name, role=role, provider_ids=provider_ids)
        return {"id": str(issued.id), "key": issued.key}

    try:
        async with AsyncExitStack() as stack:
            apps = {
                "referrals": referrals_app(ReferralsSettings(**common)),
                "brokerage": brokerage_app(BrokerageSettings(**common)),
                "monitoring": monitoring_app(MonitoringSettings(**common)),
                "payments": payments_app(PaymentsSettings(**common)),
                "quality": quality_app(QualitySettings(**common)),
            }
            clients: dict[str, str | httpx.AsyncClient] = {}
            for name, app in apps.items():
                clients[name] = (await stack.enter_async_context(running_app(app))).client
            report = await seed_demo_council(clients, make_client, seed=1)

            packages = report["packages"]
            assert packages["submitted"] == 6
            assert packages["placed"] == 6, report
            assert packages["unplaced"] == 0
            visits = report["visits"]
            assert visits["posted"] > 0
            assert visits["accepted"] == visits["posted"], visits
            assert visits["posted"] == 2 * (visits["planned"] - 1)
            assert len(report["clients"]["providers"]) == 3
            assert {r: c["name"] for r, c in report["clients"]["staff"].items()} == {
                "payments_staff": "Alex Penrose",
                "payments_approver": "Sam Kitto",
                "quality_officer": "Jo Pascoe",
            }
            assert report["payment_period"] is not None

            case = {"Authorization": f"Bearer {report['clients']['case_management']['key']}"}
            referrals = clients["referrals"]
            assert isinstance(referrals, httpx.AsyncClient)
            for rid in packages["referral_ids"]:
                got = await referrals.get(f"/v1/referrals/{rid}", headers=case)
                assert got.status_code == 200, got.text
                assert got.json()["status"] in ("placed", "active")

            # The five services' logs of the whole run carry no one's name, NHS number, birth date or address.
            async with engine.connect() as conn:
                people = (await conn.execute(text("SELECT person FROM referrals.referral"))).scalars().all()
            values = [p[k] for p in people for k in ("nhs_number", "given_name", "family_name", "date_of_birth")]
            values += [p["address"] for p in people]
            assert len(values) == 5 * packages["submitted"]
            logs = "".join(capfd.readouterr())
            assert '"service": "brokerage"' in logs or "brokerage" in logs
            assert [v for v in values if v in logs] == []
    finally:
        await engine.dispose()
