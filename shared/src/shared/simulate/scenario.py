"""The simulated county as data: providers and referrals, built from a seed, a scale and today's date.

Everything here is pure: the same seed, scale and date give the same county, so a run can be
repeated and a test can compute from the same inputs what every package should be paid.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from shared.money import round_pennies
from shared.simulate.cornwall import (
    COUNCIL_PACKAGES,
    FAMILY_NAMES,
    GIVEN_NAMES,
    LEVELS,
    NHS_PACKAGES,
    PROVIDER_NAMES,
    STREETS,
    ZONES,
    LevelSpec,
    ZoneGeo,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = WEEKDAYS
WEEK_DAYS = WEEKDAYS[:5]
# Simulated care runs over the 27 days before today, inside a 28-day payment period that ends
# yesterday: every visit is in the past (missed-visit detection has fired) and inside monitoring's
# 28-day window of recomputation.
PERIOD_DAYS = 28
CARE_DAYS = 27
MIN_PLANNED_ZONE_HOURS = Decimal(150)
# The least room a provider has in a lane of a zone it staffs: the largest package.
MIN_LANE_CAPACITY = Decimal(25)
# Below the default 40% market-share cap.
CAPACITY_CEILING = Decimal("0.38")
# Packages per lane: a zone's referrals are placed in this many at a time, one after another per lane.
LANE_PACKAGES = 15


@dataclass(frozen=True)
class VisitSlot:
    """A line of a visit pattern."""

    days: tuple[str, ...]
    start: str
    minutes: int
    carers: int = 1

    def as_json(self) -> dict[str, object]:
        """The pattern entry as the referrals API takes it."""
        return {"days": list(self.days), "start": self.start, "duration_minutes": self.minutes, "carers": self.carers}


def weekly_carer_minutes(pattern: tuple[VisitSlot, ...]) -> int:
    """Carer minutes a week: a double-handed visit counts once per carer."""
    return sum(len(s.days) * s.minutes * s.carers for s in pattern)


def hours_text(pattern: tuple[VisitSlot, ...]) -> str:
    """Weekly hours to two places, as the referral states them."""
    return str((Decimal(weekly_carer_minutes(pattern)) / 60).quantize(Decimal("0.01")))


# (weight, visits a day as (start windows, minutes), days, carers): averaging about ten hours a week.
PATTERNS: tuple[tuple[int, tuple[tuple[tuple[str, ...], int], ...], tuple[str, ...], int], ...] = (
    (25, ((("07:30", "08:00", "08:30", "09:00"), 60),), EVERY_DAY, 1),
    (25, ((("07:45", "08:15", "09:00"), 45), (("17:00", "17:30", "18:00"), 45)), EVERY_DAY, 1),
    (15, ((("08:00", "08:30"), 45), (("12:30", "13:00"), 30), (("18:30", "19:00"), 45)), EVERY_DAY, 1),
    (8, ((("07:30", "08:00"), 45), (("12:00", "12:30"), 30), (("16:30", "17:00"), 45), (("20:30", "21:00"), 30)),
        EVERY_DAY, 1),
    (7, ((("08:00", "08:30"), 45), (("19:00", "19:30"), 45)), EVERY_DAY, 2),
    (12, ((("09:30", "10:00", "10:30", "14:00"), 60),), WEEK_DAYS, 1),
    (8, ((("10:00", "11:00", "14:30"), 45),), ("mon", "wed", "fri"), 1),
)


@dataclass(frozen=True)
class Amendment:
    """A new visit pattern from a date."""

    effective_from: date
    pattern: tuple[VisitSlot, ...]


@dataclass(frozen=True)
class HospitalStay:
    """A hospital admission, and the day care resumes (None: still in hospital)."""

    admitted: date
    resumed: date | None


@dataclass(frozen=True)
class Ending:
    """Care ends on a date, for a reason."""

    end_date: date
    reason: str


@dataclass(frozen=True)
class Review:
    """The enablement review: its date and whether every outcome was met."""

    review_date: date
    all_met: bool


@dataclass(frozen=True)
class ReferralSpec:
    """One package of care as the case-management system sends it, with what happens to it later."""

    ref: str
    zone_id: str
    postcode: str
    lat: float
    lon: float
    given_name: str
    family_name: str
    date_of_birth: date
    address: str
    service_type: str
    basis: str
    pattern: tuple[VisitSlot, ...]
    council_share: Decimal
    start_date: date
    urgent: bool
    weekly_budget: Decimal | None = None
    enablement_budget: Decimal | None = None
    contribution: tuple[Decimal, str] | None = None
    amendment: Amendment | None = None
    hospital: HospitalStay | None = None
    ending: Ending | None = None
    review: Review | None = None

    @property
    def nhs_funded(self) -> bool:
        """Funded wholly or partly by the NHS."""
        return self.council_share < 1

    def pattern_on(self, day: date) -> tuple[VisitSlot, ...]:
        """The pattern in force on a day."""
        if self.amendment is not None and day >= self.amendment.effective_from:
            return self.amendment.pattern
        return self.pattern


@dataclass(frozen=True)
class ProviderSpec:
    """A provider on the DPS and how its own scheduling system answers offers."""

    key: str
    name: str
    cqc_location_id: str
    rating: str
    zones: tuple[tuple[str, str], ...]
    # Weekly hours the provider can staff in each of its zones (its own books, not the DPS's figure).
    zone_capacity: dict[str, Decimal] = field(default_factory=dict)
    enablement_allowed: bool = True
    webhook: bool = False
    vendor: int = 0
    # Its bid is the zone rate plus this share; it declines zones paying under its lowest viable rate.
    markup: Decimal = Decimal("0")
    lowest_viable_rate: Decimal = Decimal("0")
    # The share of offers its rota cannot fit (early starts, double-handed calls), decided per package.
    unworkable: float = 0.0

    @property
    def dps_capacity(self) -> Decimal:
        """The capacity declared to the DPS: a little above its own books."""
        return round_pennies(sum(self.zone_capacity.values(), Decimal(0)) * Decimal("1.2"))


@dataclass(frozen=True)
class Scenario:
    """The whole simulated county."""

    seed: int
    scale: float
    today: date
    levels: tuple[LevelSpec, ...]
    zones: tuple[ZoneGeo, ...]
    providers: tuple[ProviderSpec, ...]
    referrals: tuple[ReferralSpec, ...]
    zone_demand: dict[str, Decimal]
    zone_lanes: dict[str, int]
    # Each lane's share of its zone's weekly hours: a provider staffs a lane in that proportion.
    lane_shares: dict[tuple[str, int], Decimal]

    def lane(self, spec: ReferralSpec) -> int:
        """The lane of a referral within its zone."""
        return lane_of(self.zone_lanes[spec.zone_id], offer_facts(spec))

    @property
    def period_start(self) -> date:
        """The first day of the payment period that covers the simulated weeks."""
        return self.today - timedelta(days=PERIOD_DAYS)

    @property
    def period_end(self) -> date:
        """The last day of that period: yesterday."""
        return self.today - timedelta(days=1)

    @property
    def april(self) -> date:
        """The 1 April from which this year's rates apply."""
        return date(self.today.year if self.today.month >= 4 else self.today.year - 1, 4, 1)

    def level_of(self, zone_id: str) -> LevelSpec:
        """A zone's pricing level."""
        level = next(z.level for z in self.zones if z.id == zone_id)
        return next(lv for lv in self.levels if lv.id == level)


def nhs_number(rng: random.Random) -> str:
    """A ten-digit NHS number with a correct modulus-11 check digit."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        digits[0] = rng.randint(4, 9)
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _pattern(rng: random.Random, enablement: bool) -> tuple[VisitSlot, ...]:
    choices = PATTERNS[:2] + PATTERNS[5:6] if enablement else PATTERNS
    _, visits, days, carers = rng.choices(choices, weights=[c[0] for c in choices])[0]
    return tuple(VisitSlot(days, rng.choice(starts), minutes, carers) for starts, minutes in visits)


def _amended(rng: random.Random, pattern: tuple[VisitSlot, ...]) -> tuple[VisitSlot, ...]:
    first = pattern[0]
    if len(pattern) > 1 and rng.random() < 0.5:
        return pattern[:-1]  # A visit no longer needed.
    longer = VisitSlot(first.days, first.start, min(first.minutes + 15, 90), first.carers)
    return (longer, *pattern[1:])


def _postcode(rng: random.Random, zone: ZoneGeo) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{rng.choice(zone.districts)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def _lifecycle(rng: random.Random, spec: ReferralSpec, today: date) -> ReferralSpec:
    """Amendments, hospital stays, ends and enablement reviews, each on a share of the packages."""
    last = today - timedelta(days=1)
    days_in = (last - spec.start_date).days
    roll = rng.random()
    if spec.service_type == "enablement":
        if days_in < 14:
            return spec
        review_day = min(spec.start_date + timedelta(days=rng.randint(14, 24)), last)
        return replace(spec, review=Review(review_day, rng.random() < 0.7))
    if days_in >= 14 and roll < 0.04 and spec.basis == "time_and_task":
        effective = spec.start_date + timedelta(days=rng.randint(7, days_in - 3))
        return replace(spec, amendment=Amendment(effective, _amended(rng, spec.pattern)))
    if days_in >= 14 and roll < 0.07:
        admitted = spec.start_date + timedelta(days=rng.randint(4, days_in - 6))
        resumed = admitted + timedelta(days=rng.randint(5, 16))
        stay = HospitalStay(admitted, resumed if resumed <= last else None)
        return replace(spec, hospital=stay)
    if days_in >= 10 and roll < 0.10:
        reason = rng.choices(("deceased", "moved_to_residential", "independent", "other"), weights=(4, 3, 2, 1))[0]
        return replace(spec, ending=Ending(spec.start_date + timedelta(days=rng.randint(7, days_in - 1)), reason))
    return spec


def _referral(rng: random.Random, i: int, seed: int, today: date, nhs: bool) -> ReferralSpec:
    zone = rng.choices(ZONES, weights=[z.weight for z in ZONES])[0]
    enablement = not nhs and rng.random() < 0.12
    pattern = _pattern(rng, enablement)
    first_day = today - timedelta(days=CARE_DAYS)
    if enablement:
        start = first_day + timedelta(days=rng.randint(0, CARE_DAYS - 8))
    else:
        start = first_day if rng.random() < 0.85 else first_day + timedelta(days=rng.randint(1, CARE_DAYS - 5))
    level = next(lv for lv in LEVELS if lv.id == zone.level)
    weekly_cost = Decimal(weekly_carer_minutes(pattern)) * level.ongoing / 60
    basis, share = "time_and_task", Decimal(1)
    weekly_budget = enablement_budget = None
    contribution = None
    if enablement:
        basis = "enablement_outcomes"
        enablement_budget = round_pennies(Decimal(weekly_carer_minutes(pattern)) * level.enablement / 60 * 6)
    elif nhs:
        share = Decimal(0) if rng.random() < 0.75 else Decimal("0.5")
    else:
        if rng.random() < 0.18:
            basis = "budget"
            weekly_budget = round_pennies(weekly_cost * Decimal(rng.choice(("0.95", "1.02", "1.08", "1.15"))))
        if rng.random() < 0.3:
            contribution = (Decimal(rng.randint(10, 60)) + Decimal("0.50"), rng.choice(("net", "gross")))
    spec = ReferralSpec(
        ref=f"SIM{seed}-{i + 1:05d}",
        zone_id=zone.id,
        postcode=_postcode(rng, zone),
        lat=round(zone.lat + rng.uniform(-0.04, 0.04), 5),
        lon=round(zone.lon + rng.uniform(-0.06, 0.06), 5),
        given_name=rng.choice(GIVEN_NAMES),
        family_name=rng.choice(FAMILY_NAMES),
        date_of_birth=date(rng.randint(1926, 1960), rng.randint(1, 12), rng.randint(1, 28)),
        address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
        service_type="enablement" if enablement else "ongoing_support",
        basis=basis,
        pattern=pattern,
        council_share=share,
        start_date=start,
        urgent=rng.random() < 0.1,
        weekly_budget=weekly_budget,
        enablement_budget=enablement_budget,
        contribution=contribution,
    )
    return _lifecycle(rng, spec, today)


def planned_zone_hours(demand: Decimal) -> Decimal:
    """The zone's planned weekly hours as the council declares them (the market-share cap's denominator);
    at least a few packages' worth, so a tiny simulated zone does not cap every provider at its first package."""
    return max(demand, MIN_PLANNED_ZONE_HOURS)


def offer_facts(spec: ReferralSpec) -> dict[str, Any]:
    """The facts of a referral its offers show, in the offer's shape."""
    return {
        "zone_id": spec.zone_id,
        "postcode_district": spec.postcode.split()[0],
        "start_date": str(spec.start_date),
        "weekly_hours": hours_text(spec.pattern),
        "visit_pattern": [s.as_json() for s in spec.pattern],
        "urgency": "urgent" if spec.urgent else "standard",
        "service_type": spec.service_type,
    }


def lane_of(zone_lanes: int, offer: Mapping[str, Any]) -> int:
    """Which of the zone's lanes a package is placed in, from facts its offer shows.

    Packages of one lane are placed one after another and each provider keeps separate books per
    lane, so lanes never compete for the same hours and run side by side with the same outcome.
    The visit times are among the facts: most packages start on the same day with one of a few
    weekly hours, and without them whole groups of packages fell in one lane, the longest six
    times the typical one.
    """
    visits = ";".join(
        f"{','.join(sorted(v['days']))}@{v['start']}/{v['duration_minutes']}x{v.get('carers', 1)}"
        for v in offer["visit_pattern"]
    )
    facts = "/".join((
        offer["postcode_district"], str(offer["start_date"]), str(Decimal(str(offer["weekly_hours"])).normalize()),
        visits, offer["urgency"], offer["service_type"],
    ))
    return int(hashlib.sha256(facts.encode()).hexdigest()[:8], 16) % zone_lanes


def _providers(rng: random.Random, scale: float, demand: dict[str, Decimal]) -> tuple[ProviderSpec, ...]:
    count = min(len(PROVIDER_NAMES), max(6, round(45 * scale**0.5)))
    # A zone has a few primes and a couple of supplementaries, as councils' lots do: every offeree
    # must answer before a round closes, so more would only slow placement.
    primes_per_zone, supplementary_per_zone = 3, 2
    zones_of: dict[int, list[tuple[str, str]]] = {i: [] for i in range(count)}
    capacity: dict[int, dict[str, Decimal]] = {i: {} for i in range(count)}
    for zone in ZONES:
        chosen = rng.sample(range(count), primes_per_zone + supplementary_per_zone)
        for n, who in enumerate(chosen):
            status = "prime" if n < primes_per_zone else "supplementary"
            zones_of[who].append((zone.id, status))
            # Primes staff most of the zone, supplementaries the rest; hard-to-staff zones get less. No
            # provider can staff past the council's market-share cap, so the cap itself never decides.
            share = Decimal("0.95") / primes_per_zone if status == "prime" else Decimal("0.6") / supplementary_per_zone
            factor = Decimal(str(round(rng.uniform(0.8, 1.05) * zone.staffing, 2)))
            planned = planned_zone_hours(demand[zone.id])
            hours = max(demand[zone.id] * min(share, Decimal("0.36")) * factor, MIN_LANE_CAPACITY * factor)
            capacity[who][zone.id] = round_pennies(min(hours, planned * CAPACITY_CEILING))
    providers = []
    for i in range(count):
        providers.append(
            ProviderSpec(
                key=f"p{i + 1:02d}",
                name=PROVIDER_NAMES[i],
                cqc_location_id=f"1-{100000001 + i}",
                rating=rng.choices(("Outstanding", "Good", "Requires improvement"), weights=(1, 6, 2))[0],
                zones=tuple(sorted(zones_of[i])),
                zone_capacity=capacity[i],
                enablement_allowed=rng.random() < 0.8,
                webhook=i % 3 == 1,
                vendor=i % 2,
                # Distinct bids, so awards never hinge on a tie.
                markup=Decimal(i * 37 % 80 + 1) / 1000,
                lowest_viable_rate=Decimal("22.00") if rng.random() < 0.15 else Decimal(0),
                unworkable=rng.choice((0.02, 0.05, 0.1)),
            )
        )
    return tuple(providers)


def build_scenario(seed: int, scale: float, today: date) -> Scenario:
    """The county for ``seed`` at ``scale`` (1 = Cornwall), with care over the four weeks before ``today``."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = random.Random(seed)
    council = max(1, round(COUNCIL_PACKAGES * scale))
    nhs = max(1, round(NHS_PACKAGES * scale))
    flags = [False] * council + [True] * nhs
    rng.shuffle(flags)
    referrals = tuple(_referral(rng, i, seed, today, is_nhs) for i, is_nhs in enumerate(flags))
    demand = {z.id: Decimal(0) for z in ZONES}
    for r in referrals:
        demand[r.zone_id] += Decimal(weekly_carer_minutes(r.pattern)) / 60
    per_zone = {z.id: sum(1 for r in referrals if r.zone_id == z.id) for z in ZONES}
    lanes = {k: max(2, -(-n // LANE_PACKAGES)) for k, n in per_zone.items()}
    lane_hours = {(z, n): Decimal(0) for z, count in lanes.items() for n in range(count)}
    for r in referrals:
        lane = (r.zone_id, lane_of(lanes[r.zone_id], offer_facts(r)))
        lane_hours[lane] += Decimal(weekly_carer_minutes(r.pattern)) / 60
    providers = _providers(rng, scale, demand)
    return Scenario(
        seed=seed,
        scale=scale,
        today=today,
        levels=LEVELS,
        zones=ZONES,
        providers=providers,
        referrals=referrals,
        zone_demand={k: round_pennies(v) for k, v in demand.items()},
        zone_lanes=lanes,
        lane_shares={k: v / demand[k[0]] if demand[k[0]] else Decimal(0) for k, v in lane_hours.items()},
    )
