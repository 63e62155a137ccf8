"""A small seeded county simulated through the five running services: what payments pays each
provider, by funder, equals the sum of every package's figure worked out here from the same inputs
(the referrals, the awards and what the devices recorded), by the council's rules written out afresh."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import holidays
import pytest
from shared.clock import london_date
from shared.db.engine import create_engine
from shared.simulate import Simulated, SimulationOptions, simulate
from shared.simulate.referrals import Placed
from shared.simulate.scenario import Scenario, weekly_carer_minutes
from shared.simulate.visits import DeviceVisit
from shared.testing.five_services import check, five_services
from shared.testing.stack import PostgresHandle
from sqlalchemy import text

pytestmark = pytest.mark.asyncio(loop_scope="session")

PENNY = Decimal("0.01")
Totals = dict[tuple[str, str], Decimal]


def pennies(x: Decimal) -> Decimal:
    return x.quantize(PENNY, rounding=ROUND_HALF_UP)


class Package:
    """One placed package's money for the period, by the rules: time and task per visit, budgets per
    week with a bank, enablement on its review, retainers per hospital week, contributions per week."""

    def __init__(self, sim: Simulated, placed: Placed) -> None:
        self.sc: Scenario = sim.scenario
        self.spec = placed.spec
        assert placed.provider_key is not None
        self.provider = next(p for p in self.sc.providers if p.key == placed.provider_key)
        self.provider_id = str(sim.council.provider_ids[placed.provider_key])
        self.visits: list[DeviceVisit] = sim.visits.get(self.spec.ref, [])
        self.level = self.sc.level_of(self.spec.zone_id)
        self.bank_holidays = holidays.country_holidays("GB", subdiv="ENG", years=range(2020, 2040))
        self.last = min(self.sc.period_end, self.spec.ending.end_date) if self.spec.ending else self.sc.period_end
        self.paid: Totals = defaultdict(Decimal)

    def rate(self, day: date) -> Decimal:
        """Enablement at the zone's rate of the day; ongoing support at the winning bid for the package."""
        this_year = day >= self.sc.april
        if self.spec.service_type == "enablement":
            return self.level.enablement if this_year else self.level.last_year_enablement
        offered = self.level.ongoing if self.spec.start_date >= self.sc.april else self.level.last_year_ongoing
        return pennies(offered * (1 + self.provider.markup))

    def pay(self, amount: Decimal) -> None:
        council = pennies(amount * self.spec.council_share)
        self.paid[(self.provider_id, "council")] += council
        self.paid[(self.provider_id, "nhs")] += amount - council

    def multiplier(self, day: date) -> Decimal:
        return Decimal("1.5") if day in self.bank_holidays else Decimal(1)

    @staticmethod
    def seconds(v: DeviceVisit) -> int:
        if v.correction is not None:
            return int((v.correction[1] - v.correction[0]).total_seconds())
        start = min(a.check_in for a in v.attendances)
        end = max(a.check_out for a in v.attendances if a.check_out is not None)
        return int((end - start).total_seconds())

    def day_of(self, v: DeviceVisit) -> date:
        return london_date(min(a.check_in for a in v.attendances))

    def carers(self, v: DeviceVisit) -> int:
        return max(1, min(len({a.carer_id for a in v.attendances}), v.planned.carers))

    def visit_amount(self, v: DeviceVisit) -> Decimal:
        """Time and task: nearest minute; within 10% short pays planned; over planned is capped."""
        actual = (self.seconds(v) + 30) // 60
        planned = v.planned.minutes
        floor = (Decimal(planned) * Decimal("0.9")).to_integral_value(rounding=ROUND_FLOOR)
        minutes = planned if floor <= actual < planned or actual > planned else actual
        day = self.day_of(v)
        return pennies(Decimal(minutes) * self.rate(day) * self.carers(v) * self.multiplier(day) / 60)

    def payable_visits(self) -> list[DeviceVisit]:
        """Visits that happened and were verified (GPS far from home is held for review)."""
        return [v for v in self.visits if not v.missed and "gps_far" not in v.kinds]

    def time_and_task(self) -> None:
        for v in self.payable_visits():
            self.pay(self.visit_amount(v))

    def in_hospital(self, day: date) -> bool:
        stay = self.spec.hospital
        return stay is not None and stay.admitted <= day and (stay.resumed is None or day < stay.resumed)

    def budget(self) -> None:
        """Weeks counted from the period's first day; each day of care brings a seventh of the budget
        (none before the start, after the end or in hospital); a week's budget rounded once."""
        assert self.spec.weekly_budget is not None
        first = self.sc.period_start

        def week_of(day: date) -> date:
            return first + timedelta(days=(day - first).days // 7 * 7)

        days = [first + timedelta(days=i) for i in range((self.last - first).days + 1)]
        care_days: dict[date, int] = defaultdict(int)
        for day in days:
            care_days[week_of(day)] += day >= self.spec.start_date and not self.in_hospital(day)
        delivered: dict[date, Decimal] = defaultdict(Decimal)
        for v in self.payable_visits():
            day = self.day_of(v)
            minutes = (self.seconds(v) + 30) // 60
            delivered[week_of(day)] += Decimal(minutes) * self.rate(day) * self.carers(v) * self.multiplier(day) / 60
        bank: list[Decimal] = []
        for week in sorted(care_days):
            budget = pennies(self.spec.weekly_budget * care_days[week] / 7)
            value = pennies(delivered[week])
            self.pay(min(value, budget))
            over = max(Decimal(0), value - budget)
            while over > 0 and bank:
                take = min(bank[0], over)
                self.pay(take)
                over -= take
                bank[0] -= take
                if bank[0] == 0:
                    bank.pop(0)
            if budget > value:
                bank.append(budget - value)

    def enablement(self) -> None:
        assert self.spec.enablement_budget is not None
        review = self.spec.review
        if review is not None and review.all_met:
            self.pay(self.spec.enablement_budget)
            return
        room = self.spec.enablement_budget
        for v in sorted(self.payable_visits(), key=lambda v: min(a.check_in for a in v.attendances)):
            amount = min(self.visit_amount(v), room)
            self.pay(amount)
            room -= amount

    def retainer(self) -> None:
        stay = self.spec.hospital
        assert stay is not None
        last = min(self.last, stay.resumed - timedelta(days=1)) if stay.resumed else self.last
        minutes = weekly_carer_minutes(self.spec.pattern)
        day = stay.admitted
        while day <= last:
            week_no = (day - stay.admitted).days // 7
            week_begins = stay.admitted + timedelta(weeks=week_no)
            end = min(last, week_begins + timedelta(days=6))
            if week_no < 4:
                weekly = Decimal(minutes) * self.rate(week_begins) / 60
                self.pay(pennies(weekly * ((end - day).days + 1) / 7))
            day = end + timedelta(days=1)

    def contribution(self) -> None:
        if self.spec.contribution is None or self.spec.contribution[1] != "net":
            return
        amount = self.spec.contribution[0]
        day = max(self.sc.period_start, self.spec.start_date)
        while day <= self.last:
            days = min(7, (self.last - day).days + 1)
            # Not charged for days in hospital (the council's default, PAYMENTS_HOSPITAL_CONTRIBUTION=waived).
            charged = sum(not self.in_hospital(day + timedelta(days=i)) for i in range(days))
            self.paid[(self.provider_id, "council")] -= pennies(amount * charged / 7)
            day += timedelta(days=days)

    def money(self) -> Totals:
        {"time_and_task": self.time_and_task, "budget": self.budget, "enablement_outcomes": self.enablement}[
            self.spec.basis
        ]()
        if self.spec.hospital is not None:
            self.retainer()
        self.contribution()
        return self.paid


def expected_totals(sim: Simulated) -> Totals:
    totals: Totals = defaultdict(Decimal)
    for placed in sim.placed:
        if placed.provider_key is None:
            continue
        for key, amount in Package(sim, placed).money().items():
            totals[key] += amount
    return {k: v for k, v in totals.items() if v}


async def test_a_seeded_county_is_paid_what_each_package_adds_up_to(
    pg: PostgresHandle, bootstrap: str, capfd: pytest.CaptureFixture[str]
) -> None:
    async with five_services(pg, bootstrap) as s:
        options = SimulationOptions(scale=0.004, seed=11, show_progress=False, poll_seconds=0.5)
        sim = await simulate(s.targets(), s.new_client, options)
        staff = {"Authorization": f"Bearer {sim.council.keys['payments_staff']}"}
        got: dict[str, Any] = check(await s.payments.get(f"/v1/periods/{sim.period_id}/totals", headers=staff), 200)
        people = await _people(s.database_url)
    # The five services' logs of the whole run carry no one's name, NHS number, birth date or address.
    logs = "".join(capfd.readouterr())
    assert '"service": "brokerage"' in logs
    assert len(people) == 5 * sim.report["packages"]["submitted"] > 0
    assert [v for v in people if v in logs] == []

    report = sim.report
    assert report["packages"]["placed"] >= 0.8 * report["packages"]["submitted"], report["packages"]
    # The county has every kind of package and every kind of visit in it, or it checks too little.
    assert set(report["packages"]["by_basis"]) == {"time_and_task", "budget", "enablement_outcomes"}
    assert report["packages"]["nhs_funded"] > 0
    assert {"late", "missed", "short", "long", "duplicate", "out_of_order"} <= set(report["visits"]["by_state"])
    assert report["visits"]["events"]["rejected"] > 0
    paid: Totals = defaultdict(Decimal)
    for t in got["totals"]:
        paid[(t["provider_id"], t["funder"])] += Decimal(t["paid"])
    assert {k: v for k, v in paid.items() if v} == expected_totals(sim)
    assert Decimal(got["paid"]) == sum(expected_totals(sim).values()) == Decimal(report["money"]["paid"])
    assert got["status"] == "approved"


async def _people(database_url: str) -> list[str]:
    """Every referred person's name, NHS number, birth date and address, as referrals holds them."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT person FROM referrals.referral"))).scalars().all()
    finally:
        await engine.dispose()
    keys = ("nhs_number", "given_name", "family_name", "date_of_birth", "address")
    return [str(p[k]) for p in rows for k in keys]
