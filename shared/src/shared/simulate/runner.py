"""Running the whole simulation against a running stack, stage by stage, through the public APIs."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import httpx
from rich.console import Console

from shared.clock import LONDON
from shared.simulate import etms
from shared.simulate.agents import POLL_SECONDS, ProviderAgent
from shared.simulate.api import Api, CreateClient, open_api, poll
from shared.simulate.council import Council, set_up_council
from shared.simulate.progress import Stages
from shared.simulate.referrals import Placed, place_all
from shared.simulate.report import money_section, packages_section, visits_section, where_section
from shared.simulate.scenario import Scenario, build_scenario
from shared.simulate.staff import last_full_week, run_payments, run_quality, settle
from shared.simulate.visits import DeviceVisit, device_visits
from shared.simulate.webhooks import WebhookCounts, webhook_receiver

SAMPLE_VISITS = 200
VERIFY_TIMEOUT = 600.0
CORRECTIONS_IN_FLIGHT = 8


class PeriodTaken(RuntimeError):
    """Payments already has a period over the simulated weeks: the stack has seen a simulation."""


@dataclass(frozen=True)
class SimulationOptions:
    """What to simulate: ``scale`` 1 is Cornwall; ``speed`` compresses the device streams (0: flat out)."""

    scale: float = 0.01
    seed: int = 1
    speed: float = 0.0
    today: date | None = None
    show_progress: bool = True
    webhooks: bool = True
    # How often a provider without a webhook reads its open offers.
    poll_seconds: float = POLL_SECONDS
    # How long a call keeps retrying while a service is down or answers 503 (the soak test's faults).
    patience: float = 0.0


@dataclass
class Simulated:
    """Everything a run did, for the report and for tests that check the money."""

    scenario: Scenario
    council: Council
    placed: list[Placed]
    visits: dict[str, list[DeviceVisit]]
    period_id: str
    report: dict[str, Any]


async def _open_period(api: Api, key: str, scenario: Scenario) -> str:
    body = {"start_date": str(scenario.period_start), "days": 28}
    r = await api.call("payments", "POST", "/v1/periods", key, json=body, ok=(201, 409))
    if r.status_code == 409:
        raise PeriodTaken(
            f"payments already has a period over {scenario.period_start} to {scenario.period_end}: this stack has "
            "run a simulation already. Simulate on a fresh stack (make down; remove .homecare or set HOMECARE_HOME; "
            "homecare up)."
        )
    return str(r.json()["period_id"])


async def _place(
    api: Api, council: Council, scenario: Scenario, agents: dict[str, ProviderAgent], stages: Stages, poll: float
) -> tuple[list[Placed], Counter[str]]:
    agents.update({
        p.key: ProviderAgent(
            p, council.provider_ids[p.key], council.provider_keys[p.key], scenario.seed, scenario.zone_lanes,
            scenario.lane_shares,
            poll_seconds=poll,
        )
        for p in scenario.providers
    })
    placed: list[Placed] = []
    changes: Counter[str] = Counter()
    tasks = [asyncio.create_task(a.run(api)) for a in agents.values()]
    try:
        with stages.stage("referrals placed", len(scenario.referrals)) as advance:

            def done(p: Placed) -> None:
                placed.append(p)
                advance(1)

            await place_all(api, council.keys["case_management"], scenario, agents, council.provider_key_of, done)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for p in placed:
        s = p.spec
        if p.provider_key is not None:
            changes.update(k for k, v in (("amended", s.amendment), ("hospital", s.hospital), ("ended", s.ending),
                                          ("reviewed", s.review)) if v is not None)
    placed.sort(key=lambda p: p.spec.ref)
    return placed, changes


async def _stream(
    api: Api, council: Council, scenario: Scenario, placed: list[Placed], speed: float, stages: Stages
) -> tuple[dict[str, list[DeviceVisit]], etms.StreamCounts]:
    vendor_of = {p.key: p.vendor for p in scenario.providers}
    visits: dict[str, list[DeviceVisit]] = {}
    uploads: list[etms.Upload] = []
    rng = random.Random(f"{scenario.seed}/uploads")
    for p in placed:
        if p.provider_key is None:
            continue
        vendor = vendor_of[p.provider_key]
        drawn = device_visits(p.spec, scenario.period_start, scenario.period_end, vendor_gps=vendor == 0,
                              seed=scenario.seed)
        visits[p.spec.ref] = drawn
        for v in drawn:
            uploads.extend(etms.uploads_of(v, p.referral_id, vendor, rng))
    count = sum(len(v) for v in visits.values())
    start = datetime.combine(scenario.period_start, datetime.min.time(), tzinfo=LONDON)
    end = datetime.combine(scenario.today, datetime.min.time(), tzinfo=LONDON)
    for vendor in (0, 1):
        uploads.extend(etms.bad_events(max(1, count // etms.BAD_EVENT_EVERY // 2), start, end, vendor, rng))
    keys = [council.keys["vendor0"], council.keys["vendor1"]]
    with stages.stage("device events streamed", len(uploads)) as advance:
        counts = await etms.stream(api, keys, uploads, speed=speed, progress=advance)
    return visits, counts


async def _correct(
    api: Api, council: Council, placed: list[Placed], visits: dict[str, list[DeviceVisit]], stages: Stages
) -> int:
    todo = [
        (p, v) for p in placed if p.provider_key for v in visits.get(p.spec.ref, []) if v.correction is not None
    ]
    # Providers correct side by side: one at a time, each waiting for its visit in monitoring, took
    # longer than streaming the whole month.
    gate = asyncio.Semaphore(CORRECTIONS_IN_FLIGHT)
    with stages.stage("provider corrections", len(todo)) as advance:

        async def correct(p: Placed, v: DeviceVisit) -> None:
            assert v.correction is not None
            assert p.provider_key is not None
            key = council.provider_keys[p.provider_key]
            visit_id = v.planned.visit_id(p.referral_id)

            async def known() -> bool:
                r = await api.call("monitoring", "GET", f"/v1/visits/{visit_id}", key, ok=(200, 404))
                return r.status_code == 200

            async with gate:
                await poll(known, f"visit {visit_id} in monitoring", VERIFY_TIMEOUT, every=0.5)
                await etms.correct(api, key, visit_id, *v.correction)
            advance(1)

        async with asyncio.TaskGroup() as group:
            for p, v in todo:
                group.create_task(correct(p, v))
    return len(todo)


def _expected_status(v: DeviceVisit) -> str:
    return "missed" if v.missed else "completed"


async def _verify_sample(api: Api, council: Council, placed: list[Placed], visits: dict[str, list[DeviceVisit]],
                         seed: int) -> None:
    """Check a sample of visits reached their final state in monitoring, waiting while any has not."""
    pool = [(p, v) for p in placed if p.provider_key for v in visits.get(p.spec.ref, [])
            if "no_check_out" not in v.kinds or v.correction is not None]
    waiting = random.Random(f"{seed}/sample").sample(pool, min(SAMPLE_VISITS, len(pool)))
    key = council.keys["quality_officer"]

    async def all_final() -> bool:
        # A visit once final stays so: each look reads only those not yet seen final.
        for p, v in list(waiting):
            got = await api.json("monitoring", "GET", f"/v1/visits/{v.planned.visit_id(p.referral_id)}", key,
                                 ok=(200, 404))
            if not got or got.get("state", {}).get("status") != _expected_status(v):
                return False
            waiting.remove((p, v))
        return True

    await poll(all_final, "sampled visits to reach their final state", VERIFY_TIMEOUT, every=1.0)


@dataclass
class Outcome:
    """What the stages produced, for the report."""

    placed: list[Placed]
    changes: Counter[str]
    visits: dict[str, list[DeviceVisit]]
    stream: etms.StreamCounts
    corrections: int
    totals: dict[str, Any]
    quality: dict[str, Any]


def _report(
    scenario: Scenario,
    council: Council,
    api: Api,
    agents: dict[str, ProviderAgent],
    hooks: WebhookCounts | None,
    done: Outcome,
    period_id: str,
) -> dict[str, Any]:
    names = {str(council.provider_ids[p.key]): p.name for p in scenario.providers}
    answers: Counter[str] = Counter()
    for agent in agents.values():
        answers.update(agent.counts)
    week = done.quality["week"]
    return {
        "seed": scenario.seed,
        "scale": scenario.scale,
        "today": str(scenario.today),
        "period": {"id": period_id, "start": str(scenario.period_start), "end": str(scenario.period_end)},
        "packages": packages_section(scenario, done.placed, done.changes),
        "offers": {
            "answers": dict(sorted(answers.items())),
            "provider_errors": {a.spec.name: a.last_error for a in agents.values() if a.last_error},
            "webhooks": {"received": hooks.received, "refused": hooks.refused} if hooks else None,
        },
        "visits": visits_section([v for vs in done.visits.values() for v in vs], done.stream, done.corrections),
        "money": money_section(done.totals, names),
        "quality": {
            "week": week,
            "council_visits": done.quality["kpis"]["kpis"].get("visits"),
            "scored": done.quality["evaluation"]["scored"],
            "league_table": done.quality["league_table"]["rows"],
        },
        "where": where_section(api, period_id, week),
        "clients": council.clients,
    }


async def simulate(
    targets: Mapping[str, str | httpx.AsyncClient],
    create_client: CreateClient,
    options: SimulationOptions,
    console: Console | None = None,
) -> Simulated:
    """Run the county against the stack; returns what was done and the report."""
    began = time.perf_counter()
    today = options.today or datetime.now(LONDON).date()
    scenario = build_scenario(options.seed, options.scale, today)
    agents: dict[str, ProviderAgent] = {}
    secrets: dict[str, str] = {}

    def wake(provider: str, event_type: str) -> None:
        # An offer webhook wakes the provider's program, which then reads all its open offers.
        if provider in agents and event_type.endswith("offered"):
            agents[provider].wake.set()

    async with AsyncExitStack() as stack:
        api = await open_api(stack, targets, options.patience)
        webhook_base, hooks = None, None
        if options.webhooks:
            webhook_base, hooks = await stack.enter_async_context(webhook_receiver(lambda: secrets, wake))
        with Stages(options.show_progress, console) as stages:
            with stages.stage("council set up", len(scenario.providers)):
                council = await set_up_council(api, create_client, scenario, webhook_base)
                secrets.update(council.webhook_secrets)
                period_id = await _open_period(api, council.keys["payments_staff"], scenario)
            placed, changes = await _place(api, council, scenario, agents, stages, options.poll_seconds)
            visits, stream = await _stream(api, council, scenario, placed, options.speed, stages)
            corrections = await _correct(api, council, placed, visits, stages)
            with stages.stage("services catching up", 1):
                # Monitoring has derived the visits (a sample is checked), then everyone has consumed them.
                await _verify_sample(api, council, placed, visits, scenario.seed)
                await settle(api)
            with stages.stage("payment run", 1):
                money = await run_payments(
                    api, council.keys["payments_staff"], council.keys["payments_approver"], period_id
                )
            week = last_full_week(scenario.period_start, scenario.period_end)
            with stages.stage("quality evaluation", 1):
                quality = await run_quality(api, council.keys["quality_officer"], week)
        outcome = Outcome(placed, changes, visits, stream, corrections, money["totals"], quality)
        report = _report(scenario, council, api, agents, hooks, outcome, period_id)
        report |= {"stage_seconds": stages.seconds, "elapsed_seconds": round(time.perf_counter() - began, 1)}
        return Simulated(scenario, council, placed, visits, period_id, report)

