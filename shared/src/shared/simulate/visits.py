"""What carers' devices record for each planned visit: on time, late, short, missed, far from home...

Pure: a package's planned visits come from its referral (pattern, amendment, hospital stay, end),
and what happened at each is drawn from a random source seeded by the run's seed and the referral.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from shared.clock import london_wall_clock_to_utc
from shared.contracts.monitoring import planned_visit_id
from shared.simulate.scenario import WEEKDAYS, ReferralSpec

# How often each thing happens at a visit (the rest go as planned).
P_MISSED = 0.015
P_LATE = 0.05
P_SHORT = 0.03
P_LONG = 0.03
P_GPS_FAR = 0.01
P_NO_CHECK_OUT = 0.006
P_SECOND_CARER_ABSENT = 0.03
P_DUPLICATE = 0.02
P_OUT_OF_ORDER = 0.03


@dataclass(frozen=True)
class PlannedVisit:
    """A visit the plan asks for."""

    ref: str
    day: date
    start: datetime
    minutes: int
    carers: int

    def visit_id(self, package_id: uuid.UUID) -> uuid.UUID:
        """Monitoring's id for this planned visit."""
        return planned_visit_id(package_id, self.start, 0)


@dataclass(frozen=True)
class Attendance:
    """One carer at a visit: when the device checked in and out (None: no check-out was sent)."""

    carer_id: str
    check_in: datetime
    check_out: datetime | None
    method: str
    # Where a GPS check-in was made, when it was.
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class DeviceVisit:
    """A planned visit and what the devices recorded of it; ``attendances`` is empty when it was missed."""

    planned: PlannedVisit
    attendances: tuple[Attendance, ...]
    kinds: frozenset[str] = field(default_factory=frozenset)
    # The provider's correction (check-in, check-out) for a visit whose check-out never came.
    correction: tuple[datetime, datetime] | None = None

    @property
    def missed(self) -> bool:
        """No carer came."""
        return not self.attendances


def planned_visits(spec: ReferralSpec, first_day: date, last_day: date) -> list[PlannedVisit]:
    """The visits planned for the referral between two London days inclusive, as monitoring plans them."""
    visits: list[PlannedVisit] = []
    day = max(first_day, spec.start_date)
    last = min(last_day, spec.ending.end_date) if spec.ending else last_day
    while day <= last:
        stay = spec.hospital
        away = stay is not None and stay.admitted <= day and (stay.resumed is None or day < stay.resumed)
        if not away:
            weekday = WEEKDAYS[day.weekday()]
            for slot in spec.pattern_on(day):
                if weekday in slot.days:
                    start = london_wall_clock_to_utc(day, time.fromisoformat(slot.start))
                    visits.append(PlannedVisit(spec.ref, day, start, slot.minutes, slot.carers))
        day += timedelta(days=1)
    return sorted(visits, key=lambda v: v.start)


def _far_from(lat: float, lon: float) -> tuple[float, float]:
    # About three kilometres north-east: well outside a 200-metre geofence.
    return round(lat + 0.02, 5), round(lon + 0.03, 5)


def device_visit(planned: PlannedVisit, spec: ReferralSpec, vendor_gps: bool, rng: random.Random) -> DeviceVisit:
    """Draw what happened at one planned visit."""
    if rng.random() < P_MISSED:
        return DeviceVisit(planned, (), frozenset({"missed"}))
    kinds: set[str] = set()
    delay = rng.randint(-300, 600)
    if rng.random() < P_LATE:
        delay = rng.randint(31 * 60, 50 * 60)
        kinds.add("late")
    seconds = planned.minutes * 60 + rng.randint(-150, 60)
    if rng.random() < P_SHORT:
        seconds = int(planned.minutes * 60 * rng.uniform(0.55, 0.85))
        kinds.add("short")
    elif rng.random() < P_LONG:
        seconds = planned.minutes * 60 + rng.randint(6 * 60, 20 * 60)
        kinds.add("long")
    check_in = planned.start + timedelta(seconds=delay)
    check_out: datetime | None = check_in + timedelta(seconds=seconds)
    correction = None
    if rng.random() < P_NO_CHECK_OUT:
        kinds.add("no_check_out")
        assert check_out is not None
        correction = (check_in, check_in + timedelta(minutes=planned.minutes))
        check_out = None
    far = vendor_gps and rng.random() < P_GPS_FAR
    if far:
        kinds.add("gps_far")
    lat, lon = _far_from(spec.lat, spec.lon) if far else (spec.lat, spec.lon)
    carers = planned.carers
    if carers == 2 and rng.random() < P_SECOND_CARER_ABSENT:
        carers = 1
        kinds.add("second_carer_absent")
    attendances = []
    for n in range(carers):
        carer = f"{spec.zone_id}-carer-{rng.randint(1, 400)}"
        stagger = timedelta(seconds=n * rng.randint(0, 90))
        attendances.append(
            Attendance(
                carer_id=carer,
                check_in=check_in + stagger,
                check_out=check_out + stagger if check_out else None,
                method="gps" if vendor_gps else rng.choice(("nfc", "nfc", "telephony")),
                lat=lat if vendor_gps else None,
                lon=lon if vendor_gps else None,
            )
        )
    if len({a.carer_id for a in attendances}) < len(attendances):
        # Two draws of the same carer would pair as one; the second carer is someone else.
        attendances[1] = replace(attendances[1], carer_id=f"{attendances[0].carer_id}-b")
    if rng.random() < P_DUPLICATE:
        kinds.add("duplicate")
    if check_out is not None and rng.random() < P_OUT_OF_ORDER:
        kinds.add("out_of_order")
    return DeviceVisit(planned, tuple(attendances), frozenset(kinds), correction)


def device_visits(
    spec: ReferralSpec, first_day: date, last_day: date, *, vendor_gps: bool, seed: int
) -> list[DeviceVisit]:
    """Every planned visit of a referral and what the devices recorded, the same for the same seed."""
    rng = random.Random(f"{seed}/{spec.ref}/devices")
    return [device_visit(p, spec, vendor_gps, rng) for p in planned_visits(spec, first_day, last_day)]
