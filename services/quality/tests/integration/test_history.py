"""A provider's scores over time and the list of evaluated periods: what the console charts from."""

from __future__ import annotations

import uuid

from shared.testing.stack import wait_for

from .test_scores_and_decisions import award, provider_event, visit


async def test_a_providers_scores_oldest_first_and_evaluated_periods_newest_first(stack) -> None:
    provider, package = uuid.uuid4(), uuid.uuid4()
    # Weeks 46, 47 and 48: one visit each, missed only in week 47.
    await stack.publish(
        [
            (provider_event(provider, "Kernow Care", "prime"), str(provider)),
            award(provider, package),
            visit(provider, package, 10, missed=False),
            visit(provider, package, 17, missed=True),
            visit(provider, package, 24, missed=False),
        ]
    )
    officer = await stack.headers("quality_officer")
    client = stack.running.client

    async def consumed() -> bool:
        response = await client.get("/v1/kpis", params={"period": "2026-W45+4w"}, headers=officer)
        return response.json()["kpis"]["visits"]["planned"] == 3

    await wait_for(consumed, timeout=60, message="visits consumed")
    for week in ("2026-W48", "2026-W46", "2026-W47"):
        assert (await client.post(f"/v1/periods/{week}/evaluation", headers=officer)).status_code == 200

    history = await client.get(f"/v1/providers/{provider}/scores", headers=officer)
    assert history.status_code == 200, history.text
    rows = history.json()
    assert [r["period"] for r in rows] == ["2026-W46", "2026-W47", "2026-W48"]
    assert [r["kpis"]["visits"]["missed"] for r in rows] == [0, 1, 0]
    latest_two = (await client.get(f"/v1/providers/{provider}/scores?limit=2", headers=officer)).json()
    assert [r["period"] for r in latest_two] == ["2026-W47", "2026-W48"]
    assert (await client.get(f"/v1/providers/{uuid.uuid4()}/scores", headers=officer)).json() == []

    periods = (await client.get("/v1/periods", headers=officer)).json()
    assert [(p["period"], p["period_start"]) for p in periods] == [
        ("2026-W48", "2026-11-23"),
        ("2026-W47", "2026-11-16"),
        ("2026-W46", "2026-11-09"),
    ]
    own = await stack.headers("provider", provider_ids=[provider])
    assert (await client.get(f"/v1/providers/{provider}/scores", headers=own)).status_code == 403
    assert (await client.get("/v1/periods", headers=own)).status_code == 200
