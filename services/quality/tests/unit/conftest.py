"""A small event history for week 2026-W47 (Mon 16 to Sun 22 November; London is on GMT, so UTC).

Every expected figure in the unit tests is worked by hand from this history; the comments beside each
fact say what it contributes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import ClassVar

import pytest
from quality.domain.facts import (
    AssessmentFact,
    CorrectionFact,
    CqcRatingFact,
    Facts,
    HandbackFact,
    IncidentFact,
    OfferFact,
    ReferralFact,
    VisitFact,
)

PA = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
PB = uuid.UUID("00000000-0000-0000-0000-0000000000b2")
PKG1 = uuid.UUID("00000000-0000-0000-0000-000000000001")
PKG2 = uuid.UUID("00000000-0000-0000-0000-000000000002")
R2 = uuid.UUID("00000000-0000-0000-0000-000000000003")
R3 = uuid.UUID("00000000-0000-0000-0000-000000000004")
R4 = uuid.UUID("00000000-0000-0000-0000-000000000005")
R5 = uuid.UUID("00000000-0000-0000-0000-000000000006")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A UTC instant in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def vid(n: int) -> uuid.UUID:
    """A visit id."""
    return uuid.UUID(int=1000 + n)


def visit(n: int, status: str = "completed", **kw: object) -> VisitFact:
    """A visit of provider A in zone north, package 1, unless told otherwise."""
    base: dict[str, object] = {
        "visit_id": vid(n),
        "revision": 1,
        "package_id": PKG1,
        "provider_id": PA,
        "zone": "north",
        "status": status,
    }
    base.update(kw)
    return VisitFact(**base)  # type: ignore[arg-type]


@dataclass(frozen=True)
class History:
    """The facts of the example week, with the ids tests refer to."""

    PA: ClassVar[uuid.UUID] = PA
    PB: ClassVar[uuid.UUID] = PB
    PKG1: ClassVar[uuid.UUID] = PKG1
    at = staticmethod(at)
    vid = staticmethod(vid)
    visit = staticmethod(visit)

    visits: tuple[VisitFact, ...]
    corrections: tuple[CorrectionFact, ...]
    offers: tuple[OfferFact, ...]
    handbacks: tuple[HandbackFact, ...]
    referrals: tuple[ReferralFact, ...]
    incidents: tuple[IncidentFact, ...]
    assessments: tuple[AssessmentFact, ...]
    ratings: tuple[CqcRatingFact, ...]

    def facts(self) -> Facts:
        """Everything as one Facts value."""
        return Facts(
            visits=self.visits,
            corrections=self.corrections,
            offers=self.offers,
            handbacks=self.handbacks,
            referrals=self.referrals,
            incidents=self.incidents,
            assessments=self.assessments,
            cqc_ratings=self.ratings,
        )


def build_history() -> History:
    """The example week."""
    visits = (
        # on time (10 min late), 30 of 30 minutes, verified
        visit(
            1,
            planned_start=at(16, 9),
            planned_minutes=30,
            actual_start=at(16, 9, 10),
            actual_end=at(16, 9, 40),
            carer_ids=("c1",),
            verified=True,
        ),
        # late (45 min), 45 of 60 minutes: exactly 75%, so not short
        visit(
            2,
            planned_start=at(16, 10),
            planned_minutes=60,
            actual_start=at(16, 10, 45),
            actual_end=at(16, 11, 30),
            carer_ids=("c2",),
            verified=True,
        ),
        # on time (20 min early), 10 of 30 minutes: short and under 15; outside the geofence
        visit(
            3,
            planned_start=at(17, 12),
            planned_minutes=30,
            actual_start=at(17, 11, 40),
            actual_end=at(17, 11, 50),
            carer_ids=("c1",),
            unverified_reason="outside_geofence",
        ),
        # missed, 45 planned minutes
        visit(4, "missed", planned_start=at(18, 13), planned_minutes=45),
        # cancelled by the person with notice: not planned, not missed
        visit(5, "cancelled", planned_start=at(18, 14), planned_minutes=15),
        # unplanned, package 2, verified, 20 minutes
        visit(
            6,
            package_id=PKG2,
            actual_start=at(19, 16),
            actual_end=at(19, 16, 20),
            carer_ids=("c3",),
            verified=True,
        ),
        # provider B in zone south: outside provider A's scope
        visit(
            7,
            provider_id=PB,
            zone="south",
            package_id=R3,
            planned_start=at(19, 9),
            planned_minutes=30,
            actual_start=at(19, 9),
            actual_end=at(19, 9, 30),
            carer_ids=("c9",),
            verified=True,
        ),
        # provider A, the week before (W46): outside the period
        visit(8, "missed", planned_start=at(12, 9), planned_minutes=30),
    )
    corrections = (
        CorrectionFact(uuid.uuid4(), vid(2), "device_failure"),
        CorrectionFact(uuid.uuid4(), vid(7), "no_signal"),
    )
    offers = (
        OfferFact(uuid.uuid4(), PKG1, PA, "north", at(16, 9), "accepted", at(16, 9, 30)),
        OfferFact(uuid.uuid4(), R2, PA, "north", at(17, 10), "declined", at(17, 12)),
        OfferFact(uuid.uuid4(), R3, PA, "north", at(18, 10)),
        OfferFact(uuid.uuid4(), R4, PA, "north", at(19, 10), "accepted", at(19, 10, 10)),
        OfferFact(uuid.uuid4(), R3, PB, "south", at(18, 10), "accepted", at(18, 11)),
    )
    handbacks = (HandbackFact(R4, PA, "north", at(20, 15)),)
    referrals = (
        # awarded 3 hours after submission; starts on the 16th and was first visited then; enablement, met
        ReferralFact(
            PKG1,
            "enablement",
            at(16, 8),
            date(2026, 11, 16),
            "north",
            PA,
            at(16, 11),
            date(2026, 11, 19),
            True,
        ),
        # awarded 6 hours after submission; due on the 20th, never visited
        ReferralFact(R2, "ongoing_support", at(17, 8), date(2026, 11, 20), "north", PA, at(17, 14)),
        # submitted in the north, not placed yet: counts for the zone, not for any provider
        ReferralFact(R3, "ongoing_support", at(18, 8), date(2026, 12, 1), "north"),
        # older enablement packages reviewed this week: one not met, one met
        ReferralFact(
            R4,
            "enablement",
            at(5, 8, month=10),
            date(2026, 10, 8),
            "north",
            PA,
            at(5, 9, month=10),
            date(2026, 11, 20),
            False,
        ),
        ReferralFact(
            R5,
            "enablement",
            at(6, 8, month=10),
            date(2026, 10, 9),
            "north",
            PA,
            at(6, 9, month=10),
            date(2026, 11, 21),
            True,
        ),
    )
    incidents = (
        IncidentFact(uuid.uuid4(), PA, "complaint", date(2026, 11, 17), "north"),
        IncidentFact(uuid.uuid4(), PA, "safeguarding", date(2026, 11, 18)),
        IncidentFact(uuid.uuid4(), PA, "compliment", date(2026, 11, 10)),
        IncidentFact(uuid.uuid4(), PB, "complaint", date(2026, 11, 18), "south"),
    )
    assessments = (
        AssessmentFact(
            uuid.uuid4(),
            PA,
            date(2026, 10, 1),
            {"safe": 3, "effective": 2, "caring": 4, "responsive": 3, "well_led": 3},
        ),
        # after the period: not yet known at its end
        AssessmentFact(uuid.uuid4(), PA, date(2026, 11, 30), {"safe": 1}),
        AssessmentFact(uuid.uuid4(), PB, date(2026, 9, 1), {"safe": 4, "caring": 4}),
    )
    ratings = (
        CqcRatingFact(PA, "requires_improvement", date(2024, 1, 1)),
        CqcRatingFact(PA, "good", date(2025, 6, 1)),
        CqcRatingFact(PB, "outstanding", date(2025, 1, 1)),
    )
    return History(visits, corrections, offers, handbacks, referrals, incidents, assessments, ratings)


@pytest.fixture
def history() -> History:
    """The example week's facts."""
    return build_history()
