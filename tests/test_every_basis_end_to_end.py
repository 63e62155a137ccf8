"""Every payment basis through all five services, to the penny: referral -> offer -> award -> device
events (or a hospital stay, or an outcome review) -> the four-week payment period -> KPIs; and a
handback re-offered and placed with someone else.

The care is the four weeks just past (started 27 days ago), so every visit is over and missed
detection has run. Each package has its own zone, so quality's zone KPIs are each package's own.
Visits fall on days that are not bank holidays, so the amounts below are plain hand arithmetic.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import holidays
import pytest
import pytest_asyncio
from shared.clock import LONDON, utcnow
from shared.testing.five_services import (
    TIMEOUT,
    FiveServices,
    accept,
    calculate,
    check,
    five_services,
    ingest,
    iso_week,
    lines,
    referral_in,
    visit_events,
    visit_id,
    visit_state,
)
from shared.testing.stack import PostgresHandle, wait_for

pytestmark = pytest.mark.asyncio(loop_scope="session")

RATE = Decimal("21.37")
ENABLEMENT_RATE = Decimal("23.10")
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
NINE, TEN, ELEVEN = time(9), time(10), time(11)
ZONES = {"budget": "PL25", "met": "PL26", "not-met": "PL27", "nhs": "PL28", "contrib": "PL29",
         "hospital": "PL30", "handback": "PL31"}


def working_days(first: date, last: date, count: int) -> list[date]:
    """The first ``count`` days from ``first`` to ``last`` that are not English bank holidays."""
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(first.year, last.year + 1))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    chosen = [d for d in days if d not in bank][:count]
    assert len(chosen) == count
    return chosen


@dataclass
class World:
    """The running services, who is who, and what was sent."""

    s: FiveServices
    today: date
    start: date
    staff: dict[str, str]
    officer: dict[str, str]
    admin: dict[str, str]
    case: dict[str, str]
    provider_id: uuid.UUID
    other_provider_id: uuid.UUID
    period_id: str = ""
    packages: dict[str, uuid.UUID] = field(default_factory=dict)
    visits: dict[str, list[tuple[date, time]]] = field(default_factory=dict)


def referral(name: str, start: date, pattern_start: time, minutes: int, **extra: Any) -> dict[str, Any]:
    """A referral in the named package's own zone, every day at ``pattern_start``."""
    body: dict[str, Any] = {
        "external_ref": f"E2E-{name}",
        "person": {
            "nhs_number": "9434765919",
            "given_name": "Morwenna",
            "family_name": "Trelawny",
            "date_of_birth": "1938-02-14",
            "postcode": f"{ZONES[name]} 5AB",
            "address": "3 Fore Street",
            "needs_summary": "Help with meals and medication",
        },
        "service_type": "ongoing_support",
        "outcomes": [{"code": "meals", "description": "A hot meal every day"}],
        "visit_pattern": [{"days": EVERY_DAY, "start": f"{pattern_start:%H:%M}", "duration_minutes": minutes}],
        "weekly_hours": str(Decimal(7 * minutes) / 60),
        "payment_basis": "time_and_task",
        "funding": {"council": "1", "nhs": "0"},
        "start_date": str(start),
        "urgency": "standard",
    }
    return body | extra


async def _dps(s: FiveServices, admin: dict[str, str], start: date) -> tuple[uuid.UUID, uuid.UUID]:
    level = {"id": "urban", "name": "Urban", "rates": [
        {"service_type": "ongoing_support", "from_date": str(start - timedelta(days=60)), "hourly_rate": str(RATE)},
        {"service_type": "enablement", "from_date": str(start - timedelta(days=60)),
         "hourly_rate": str(ENABLEMENT_RATE)},
    ]}
    check(await s.brokerage.post("/v1/pricing-levels", json=level, headers=admin), 201)
    for name, district in ZONES.items():
        zone = {"id": name, "name": name, "pricing_level_id": "urban", "coverage": [district],
                "planned_weekly_hours": "1000"}
        check(await s.brokerage.post("/v1/zones", json=zone, headers=admin), 201)
    ids = []
    for n, zones in enumerate(([{"zone_id": z, "status": "prime"} for z in ZONES],
                               [{"zone_id": "handback", "status": "supplementary"}])):
        provider = {"name": f"Provider {n}", "cqc_location_id": f"1-12345678{n}", "cqc_rating": "Good",
                    "zones": zones, "weekly_capacity_hours": "1000", "enablement_allowed": True,
                    "ethical_care_charter": True}
        ids.append(uuid.UUID(check(await s.brokerage.post("/v1/providers", json=provider, headers=admin), 201)["id"]))
    return ids[0], ids[1]


def _plan(start: date, today: date) -> dict[str, tuple[dict[str, Any], list[tuple[date, time, int]]]]:
    """Each package's referral and the visits its carers make (day, planned start, minutes on site)."""
    week = [(start + timedelta(days=7 * w), start + timedelta(days=7 * w + 6)) for w in range(4)]
    last = today - timedelta(days=1)
    enablement = {"service_type": "enablement", "payment_basis": "enablement_outcomes",
                  "budget": {"amount": "500.00", "period": "total", "weeks": 6}}
    w1, w2 = working_days(*week[0], 1), working_days(*week[1], 2)
    w4 = working_days(week[3][0], last, 1)
    three = working_days(start, start + timedelta(days=13), 3)
    return {
        # Week 1 under budget (banked), week 2 over (the bank, then the rest held), week 3 nothing
        # delivered, week 4 a 45-minute visit of a planned hour.
        "budget": (referral("budget", start, NINE, 60, payment_basis="budget",
                            budget={"amount": "30.00", "period": "weekly"}),
                   [(w1[0], NINE, 60), (w2[0], NINE, 60), (w2[1], NINE, 60), (w4[0], NINE, 45)]),
        "met": (referral("met", start, TEN, 45, **enablement), [(d, TEN, 45) for d in three]),
        "not-met": (referral("not-met", start, TEN, 45, **enablement), [(d, TEN, 45) for d in three]),
        "nhs": (referral("nhs", start, ELEVEN, 45, funding={"council": "0.5", "nhs": "0.5"}),
                [(d, ELEVEN, 45) for d in three[:2]]),
        "net": (referral("contrib", start, NINE, 60, external_ref="E2E-net",
                         client_contribution={"weekly_amount": "35.00", "collection": "net"}), [(w1[0], NINE, 60)]),
        "gross": (referral("contrib", start, TEN, 60, external_ref="E2E-gross",
                           client_contribution={"weekly_amount": "35.00", "collection": "gross"}),
                  [(w1[0], TEN, 60)]),
        "hospital": (referral("hospital", start, NINE, 60),
                     [(working_days(start, start + timedelta(days=4), 1)[0], NINE, 60)]),
        "handback": (referral("handback", start, NINE, 60), [(w1[0], NINE, 60)]),
    }


async def _place_and_visit(w: World, case: dict[str, str]) -> None:
    s = w.s
    provider = await s.headers("provider", [w.provider_id])
    vendor = await s.headers("etms_vendor", [w.provider_id, w.other_provider_id])
    for name, (body, visits) in _plan(w.start, w.today).items():
        r = await s.referrals.post("/v1/referrals", json=body, headers={**case, "Idempotency-Key": name})
        w.packages[name] = uuid.UUID(check(r, 201)["id"])
        w.visits[name] = [(d, t) for d, t, _ in visits]
        await accept(s, provider, w.packages[name])
        await referral_in(s, case, w.packages[name], "active")
        events = [e for d, t, minutes in visits for e in visit_events(w.packages[name], d, t, minutes)]
        await ingest(s, vendor, events)
    base = f"/v1/referrals/{w.packages['hospital']}"
    admitted, resumed = w.start + timedelta(days=5), w.start + timedelta(days=15)
    check(await s.referrals.post(f"{base}/suspensions", headers=case,
                                 json={"reason": "hospital_admission", "from_date": str(admitted)}), 200)
    check(await s.referrals.post(f"{base}/resumptions", headers=case, json={"from_date": str(resumed)}), 200)
    for name, result in (("met", "met"), ("not-met", "partly_met")):
        review = {"review_date": str(w.start + timedelta(days=14)), "outcomes": [{"code": "meals", "result": result}]}
        check(await s.referrals.post(f"/v1/referrals/{w.packages[name]}/reviews", json=review, headers=case), 201)
    for name, sent in w.visits.items():
        for d, t in sent:
            await visit_state(s, vendor, visit_id(w.packages[name], d, t), "completed")


def _settled(w: World, found: list[dict[str, Any]]) -> bool:
    """Every sent visit is in a line that pays or holds it, and the stay and the reviews have arrived."""
    paid_ids = {v for line in found if line["rule"] != "missed_not_paid" for v in line["visit_ids"]}
    sent = {str(visit_id(w.packages[n], d, t)) for n, visits in w.visits.items() for d, t in visits}
    rules = [(line["package_id"], line["rule"]) for line in found]
    return (
        sent <= paid_ids
        # Two retainer weeks once the resumption has arrived (four without it).
        and rules.count((str(w.packages["hospital"]), "retainer")) == 2
        and (str(w.packages["met"]), "enablement_outcomes_met") in rules
    )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(pg: PostgresHandle, bootstrap: str) -> AsyncIterator[World]:
    """Eight packages placed, visited, changed and paid in one four-week period."""
    today = utcnow().astimezone(LONDON).date()
    start = today - timedelta(days=27)
    async with five_services(pg, bootstrap) as s:
        admin = await s.headers("admin")
        provider_id, other_id = await _dps(s, admin, start)
        w = World(s, today, start, await s.headers("payments_staff"), await s.headers("quality_officer"), admin,
                  await s.headers("case_management"), provider_id, other_id)
        await _place_and_visit(w, w.case)
        body = {"start_date": str(today - timedelta(days=28)), "days": 28}
        w.period_id = check(await s.payments.post("/v1/periods", json=body, headers=w.staff), 201)["period_id"]

        async def settled() -> bool:
            # Payments pays what it has consumed: recalculate until every fact has arrived.
            await calculate(s, w.staff, w.period_id)
            return _settled(w, await lines(s, w.staff, w.period_id))

        await wait_for(settled, timeout=TIMEOUT, interval=0.5, message="every fact in the period")
        yield w


async def package_lines(w: World, name: str) -> list[dict[str, Any]]:
    """The package's lines, without the missed visits' zero lines."""
    found = await lines(w.s, w.staff, w.period_id, package_id=str(w.packages[name]))
    return [line for line in found if line["rule"] != "missed_not_paid"]


def summary(found: list[dict[str, Any]]) -> list[tuple[str, str, Decimal]]:
    """(rule, status, amount) of each line, in ledger order."""
    return [(line["rule"], line["status"], Decimal(line["amount"])) for line in found]


def paid(found: list[dict[str, Any]], part: str = "amount") -> Decimal:
    """What the payable lines add up to."""
    return sum((Decimal(line[part]) for line in found if line["status"] == "payable"), Decimal("0.00"))


async def zone_kpis(w: World, zone: str, day: date) -> dict[str, Any]:
    """Quality's visit KPIs for a package's zone in the ISO week of ``day``."""
    r = await w.s.quality.get("/v1/kpis", params={"period": iso_week(day), "zone_id": zone}, headers=w.officer)
    visits: dict[str, Any] = check(r, 200)["kpis"]["visits"]
    return visits


async def assert_week_kpis(w: World, name: str, zone: str) -> None:
    """The zone's week of the first visit: every day planned, the sent visits completed, the rest missed."""
    day = w.visits[name][0][0]
    monday = day - timedelta(days=day.weekday())
    planned = sum(1 for i in range(7) if w.start <= monday + timedelta(days=i) < w.today)
    done = sum(1 for d, _ in w.visits[name] if monday <= d <= monday + timedelta(days=6))

    async def counted() -> dict[str, Any] | None:
        got = await zone_kpis(w, zone, day)
        return got if got["completed"] == done and got["planned"] == planned else None

    visits = await wait_for(counted, timeout=TIMEOUT, message=f"{zone} KPIs")
    assert (visits["planned"], visits["completed"], visits["missed"]) == (planned, done, planned - done)


async def test_budget_pays_to_the_weekly_budget_and_banks_the_rest(world: World) -> None:
    found = await package_lines(world, "budget")
    by_week = [(line["rule"], line["status"], Decimal(line["amount"])) for line in
               sorted(found, key=lambda x: (x["service_date"], x["rule"]))]
    # Budget weeks are the period's weeks; care began on the period's second day, so week 1 has six
    # days of care and six sevenths of the budget: 30.00 x 6/7 = 25.714 -> 25.71.
    assert by_week == [
        # Week 1: one hour (21.37) of a 25.71 budget; 4.34 banked.
        ("budget_banked", "not_payable", Decimal("4.34")),
        ("budget_week", "payable", Decimal("21.37")),
        # Week 2: two hours (42.74): the 30.00 budget, the 4.34 bank of week 1, and 8.40 held as exceptional.
        ("budget_bank_used", "payable", Decimal("4.34")),
        ("budget_exceptional_excess", "held", Decimal("8.40")),
        ("budget_week", "payable", Decimal("30.00")),
        # Week 3: nothing delivered; the whole budget is banked.
        ("budget_banked", "not_payable", Decimal("30.00")),
        ("budget_week", "payable", Decimal("0.00")),
        # Week 4: 45 minutes delivered (16.0275 -> 16.03); 13.97 banked.
        ("budget_banked", "not_payable", Decimal("13.97")),
        ("budget_week", "payable", Decimal("16.03")),
    ]
    assert paid(found) == Decimal("71.74")
    await assert_week_kpis(world, "budget", "budget")


async def test_enablement_with_every_outcome_met_pays_the_whole_budget(world: World) -> None:
    found = await package_lines(world, "met")
    assert summary(found) == [("enablement_outcomes_met", "payable", Decimal("500.00"))]
    sent = {str(visit_id(world.packages["met"], d, t)) for d, t in world.visits["met"]}
    assert sent <= set(found[0]["visit_ids"])
    await assert_week_kpis(world, "met", "met")


async def test_enablement_not_met_pays_the_visits_delivered(world: World) -> None:
    found = await package_lines(world, "not-met")
    # 45 minutes at the enablement rate 23.10 is 17.325, rounded half-up once per visit.
    assert summary(found) == [("enablement_delivered", "payable", Decimal("17.33"))] * 3
    assert paid(found) == Decimal("51.99")
    await assert_week_kpis(world, "not-met", "not-met")


async def test_nhs_share_splits_each_line_to_the_penny(world: World) -> None:
    found = await package_lines(world, "nhs")
    # 45 minutes at 21.37 is 16.0275 -> 16.03; the council's half 8.015 rounds up, the NHS has the rest.
    assert summary(found) == [("time_and_task:nearest_minute", "payable", Decimal("16.03"))] * 2
    assert [(line["council_amount"], line["nhs_amount"]) for line in found] == [("8.02", "8.01")] * 2
    assert (paid(found, "council_amount"), paid(found, "nhs_amount")) == (Decimal("16.04"), Decimal("16.02"))
    await assert_week_kpis(world, "nhs", "nhs")


async def test_a_net_contribution_is_deducted_and_a_gross_one_only_shown(world: World) -> None:
    net, gross = await package_lines(world, "net"), await package_lines(world, "gross")
    # Weeks of 7, 7, 7 and 6 days of a 35.00 weekly contribution: 35.00 x3 and 30.00.
    weeks = [Decimal("35.00")] * 3 + [Decimal("30.00")]
    assert [Decimal(x["amount"]) for x in net if x["rule"] == "client_contribution_net"] == [-a for a in weeks]
    assert [Decimal(x["amount"]) for x in gross if x["rule"] == "client_contribution_gross"] == weeks
    assert {x["status"] for x in gross if x["rule"] == "client_contribution_gross"} == {"not_payable"}
    assert paid(net) == Decimal("21.37") - Decimal("135.00") == paid(net, "council_amount")
    assert paid(gross) == Decimal("21.37")


async def test_a_hospital_stay_pays_a_retainer_for_its_days(world: World) -> None:
    found = await package_lines(world, "hospital")
    # Seven hours a week at 21.37 is 149.59; admitted on day 5, home on day 15: a week and 3/7.
    assert [(x["rule"], x["service_date"], Decimal(x["amount"])) for x in found if x["rule"] == "retainer"] == [
        ("retainer", str(world.start + timedelta(days=5)), Decimal("149.59")),
        ("retainer", str(world.start + timedelta(days=12)), Decimal("64.11")),
    ]
    assert paid(found) == Decimal("21.37") + Decimal("149.59") + Decimal("64.11")


async def test_a_handback_is_offered_again_and_placed_with_another_provider(world: World) -> None:
    s, package_id = world.s, world.packages["handback"]
    first = await s.headers("provider", [world.provider_id])
    notice = world.today + timedelta(days=14)
    body = {"notice_date": str(notice), "reason": "Lost our only carer near Bodmin"}
    check(await s.brokerage.post(f"/v1/packages/{package_id}/handbacks", json=body, headers=first), 202)
    # The prime provider handed it back, so the cascade goes on to the zone's supplementary provider.
    await accept(s, await s.headers("provider", [world.other_provider_id]), package_id)
    case = world.case

    async def moved() -> dict[str, Any] | None:
        got: dict[str, Any] = check(await s.referrals.get(f"/v1/referrals/{package_id}", headers=case), 200)
        return got if got["provider_id"] == str(world.other_provider_id) else None

    await wait_for(moved, timeout=TIMEOUT, message="the referral placed with the other provider")
    pkg = check(await s.brokerage.get(f"/v1/packages/{package_id}", headers=world.admin), 200)
    assert (pkg["status"], pkg["provider_id"]) == ("awarded", str(world.other_provider_id))
    assert pkg["start_date"] == str(notice + timedelta(days=1))
    skips = check(await s.brokerage.get(f"/v1/packages/{package_id}/skips", headers=world.admin), 200)
    assert {(x["provider_id"], x["reason"]) for x in skips} >= {(str(world.provider_id), "handed_back")}

    # The first provider's visit before the handback is still its own, paid in full.
    vid = str(visit_id(package_id, *world.visits["handback"][0]))

    async def first_visit_paid() -> list[dict[str, Any]]:
        await calculate(s, world.staff, world.period_id)
        return await lines(s, world.staff, world.period_id, visit_id=vid)

    found = await wait_for(first_visit_paid, timeout=TIMEOUT, message="the handed-back package's visit line")
    expected = [(str(world.provider_id), "payable", "21.37")]
    assert [(x["provider_id"], x["status"], x["amount"]) for x in found] == expected
