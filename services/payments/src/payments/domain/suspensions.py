"""Suspensions of care: a hospital admission (which pays a retainer), respite, or another pause."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

HOSPITAL = "hospital_admission"


@dataclass(frozen=True)
class Suspension:
    """Care paused from ``start`` until ``resumed`` (the day it restarts, not itself suspended).

    Dates may lie in the future: a suspension or resumption is honoured on its day, not on arrival.
    """

    start: date
    resumed: date | None = None
    reason: str = HOSPITAL
    # The suspension and resumption events.
    event_ids: tuple[uuid.UUID, ...] = ()

    def __post_init__(self) -> None:
        if self.resumed is not None and self.resumed < self.start:
            raise ValueError("care cannot resume before it was suspended")

    @property
    def hospital(self) -> bool:
        """True for a hospital admission."""
        return self.reason == HOSPITAL

    def covers(self, day: date) -> bool:
        """True when care is paused on ``day``."""
        return self.start <= day and (self.resumed is None or day < self.resumed)

    def week_no(self, day: date) -> int:
        """The week of the suspension ``day`` falls in, counting from 1."""
        return (day - self.start).days // 7 + 1


def suspended_on(suspensions: Iterable[Suspension], day: date) -> Suspension | None:
    """The suspension covering ``day``, if any."""
    return next((s for s in suspensions if s.covers(day)), None)
