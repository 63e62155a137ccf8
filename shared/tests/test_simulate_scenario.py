"""The simulated county as data: deterministic for a seed, Cornwall-sized at scale 1, with plans that
follow the referral's changes, and providers' programs answering by their books and prices."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from shared.simulate.agents import decide
from shared.simulate.scenario import (
    Amendment,
    Ending,
    HospitalStay,
    ProviderSpec,
    VisitSlot,
    build_scenario,
    lane_of,
    nhs_number,
    weekly_carer_minutes,
)
from shared.simulate.staff import last_full_week
from shared.simulate.visits import device_visits, planned_visits

TODAY = date(2026, 12, 1)


def test_nhs_numbers_pass_modulus_11() -> None:
    rng = random.Random(7)
    for _ in range(50):
        n = nhs_number(rng)
        digits = [int(d) for d in n]
        check = (11 - sum(d * (10 - i) for i, d in enumerate(digits[:9])) % 11) % 11
        assert len(n) == 10
        assert check == digits[9]


def test_the_same_seed_gives_the_same_county_and_another_seed_another() -> None:
    a, b, c = (build_scenario(seed, 0.05, TODAY) for seed in (3, 3, 4))
    assert a == b
    assert a.referrals != c.referrals
    spec = a.referrals[0]
    assert device_visits(spec, a.period_start, a.period_end, vendor_gps=True, seed=3) == device_visits(
        spec, a.period_start, a.period_end, vendor_gps=True, seed=3
    )


def test_scale_one_is_cornwall_sized() -> None:
    county = build_scenario(1, 1, TODAY)
    funded = Counter(r.nhs_funded for r in county.referrals)
    assert (funded[False], funded[True]) == (2_700, 680)
    hours = sum(weekly_carer_minutes(r.pattern) for r in county.referrals) / 60
    assert 32_000 < hours < 36_000
    kinds = Counter(r.basis for r in county.referrals)
    assert kinds["enablement_outcomes"] > 200
    assert kinds["budget"] > 300
    assert sum(r.urgent for r in county.referrals) > 200
    changed = Counter(
        k for r in county.referrals for k, v in (("amended", r.amendment), ("hospital", r.hospital),
                                                  ("ended", r.ending), ("reviewed", r.review)) if v
    )
    assert min(changed.values()) > 50, changed
    # Care lies in the 27 days before today, inside the 28-day period ending yesterday.
    assert min(r.start_date for r in county.referrals) == TODAY - timedelta(days=27)
    assert (county.period_start, county.period_end) == (TODAY - timedelta(days=28), TODAY - timedelta(days=1))


def test_a_plan_follows_the_amendment_the_hospital_stay_and_the_end() -> None:
    spec = build_scenario(1, 0.01, TODAY).referrals[0]
    start = TODAY - timedelta(days=27)
    daily = (VisitSlot(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "09:00", 60),)
    spec = replace(spec, start_date=start, pattern=daily, amendment=None, hospital=None, ending=None)
    assert len(planned_visits(spec, start, TODAY - timedelta(days=1))) == 27
    twice = (*daily, VisitSlot(daily[0].days, "18:00", 30))
    amended = replace(spec, amendment=Amendment(start + timedelta(days=20), twice))
    assert len(planned_visits(amended, start, TODAY - timedelta(days=1))) == 27 + 7
    away = replace(spec, hospital=HospitalStay(start + timedelta(days=5), start + timedelta(days=15)))
    assert len(planned_visits(away, start, TODAY - timedelta(days=1))) == 17
    ended = replace(spec, ending=Ending(start + timedelta(days=9), "deceased"))
    assert [v.day for v in planned_visits(ended, start, TODAY)][-1] == start + timedelta(days=9)


def test_devices_record_each_kind_of_visit_at_its_rate() -> None:
    county = build_scenario(2, 0.05, TODAY)
    visits = [v for r in county.referrals for v in device_visits(r, county.period_start, county.period_end,
                                                                  vendor_gps=True, seed=2)]
    kinds = Counter(k for v in visits for k in v.kinds)
    share = {k: n / len(visits) for k, n in kinds.items()}
    assert 0.01 < share["missed"] < 0.02
    assert 0.04 < share["late"] < 0.06
    assert 0.005 < share["gps_far"] < 0.015
    assert all(v.correction is not None for v in visits if "no_check_out" in v.kinds)
    double = [v for v in visits if v.planned.carers == 2 and not v.missed]
    assert double
    assert all(len({a.carer_id for a in v.attendances}) == len(v.attendances) for v in double)


def offer(**changes: Any) -> dict[str, Any]:
    return {"zone_id": "truro", "postcode_district": "TR1", "start_date": "2026-11-04", "weekly_hours": "10.50",
            "visit_pattern": [], "urgency": "standard", "service_type": "ongoing_support", "hourly_rate": "21.37",
            "bid_required": True} | changes


def test_a_provider_answers_by_its_books_and_its_prices() -> None:
    provider = ProviderSpec("p01", "Kernow Care", "1-1", "Good", (("truro", "prime"),),
                            zone_capacity={"truro": Decimal(60)}, markup=Decimal("0.05"))
    half = Decimal("0.5")
    assert decide(provider, 1, offer(), Decimal(0), half).bid == Decimal("22.44")  # 21.37 x 1.05 = 22.4385
    # Thirty hours in a lane with half the zone's packages; 20 held, so another 10.5 is more than it can staff.
    assert decide(provider, 1, offer(), Decimal(20), half).reason == "no_capacity"
    # A lane with a tenth of the zone's packages still has room for the largest package.
    assert decide(provider, 1, offer(), Decimal(14), Decimal("0.1")).accept
    assert decide(provider, 1, offer(), Decimal(15), Decimal("0.1")).reason == "no_capacity"
    fussy = replace(provider, lowest_viable_rate=Decimal("22.00"))
    assert decide(fussy, 1, offer(), Decimal(0), half).reason == "rate_unviable"
    assert decide(provider, 1, offer(bid_required=False), Decimal(0), half).bid is None


def test_a_lane_is_read_the_same_from_the_referral_and_from_the_offer() -> None:
    assert lane_of(5, offer(weekly_hours="10.50")) == lane_of(5, offer(weekly_hours="10.5"))
    county = build_scenario(1, 0.2, TODAY)
    lanes = Counter((r.zone_id, county.lane(r)) for r in county.referrals)
    assert set(lanes) == {(z, n) for z, count in county.zone_lanes.items() for n in range(count)}
    # A zone's lanes share out its hours between them.
    for zone in county.zone_lanes:
        assert sum(v for (z, _), v in county.lane_shares.items() if z == zone) == pytest.approx(Decimal(1))


def test_a_county_has_the_carers_to_place_nearly_every_package() -> None:
    """A fully staffed zone's providers have a fifth more hours than its packages need, and lanes are
    of like length (each provider staffs a lane in proportion to its packages, see room_in_lane)."""
    county = build_scenario(1, 1.0, TODAY)
    for zone in county.zones:
        staffed = sum((p.zone_capacity.get(zone.id, Decimal(0)) for p in county.providers), Decimal(0))
        if zone.staffing == 1.0:
            assert staffed > county.zone_demand[zone.id] * Decimal("1.2")
    # No lane is starved of hours by the hash: the longest is not three times the typical one.
    sizes = sorted(Counter((r.zone_id, county.lane(r)) for r in county.referrals).values())
    assert sizes[-1] < 3 * sizes[len(sizes) // 2]


def test_the_league_table_week_is_the_last_whole_week_in_the_period() -> None:
    assert last_full_week(date(2026, 11, 3), date(2026, 11, 30)) == "2026-W48"  # Mon 23 to Sun 29 November
    assert last_full_week(date(2026, 11, 3), date(2026, 11, 29)) == "2026-W48"
