"""The cascade: which round comes next, and what happens when a round closes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from brokerage.domain.award import Acceptance, choose_winner
from brokerage.domain.eligibility import Candidate
from brokerage.domain.rules import CouncilRules


class PackageStatus(StrEnum):
    """Where a package stands in brokerage."""

    QUEUED = "queued"  # no zone for its postcode: staff must place it
    OFFERING = "offering"  # a round is open
    UNPLACED = "unplaced"  # every round closed without an acceptance
    AWARDED = "awarded"
    ENDED = "ended"


# Staff's offers to named providers form round 0: it never cascades on to the DPS rounds.
MANUAL_ROUND = 0

# Staff may offer to named providers, or award by hand, only from the brokerage queue.
QUEUE_STATUSES = frozenset({PackageStatus.QUEUED, PackageStatus.UNPLACED})


@dataclass(frozen=True, slots=True)
class RoundPlan:
    """The first round, from a given one, that has providers to offer to, and the rounds passed over."""

    round_number: int | None
    candidates: list[Candidate]
    passed_over: dict[int, list[Candidate]] = field(default_factory=dict)

    @property
    def offerees(self) -> list[Candidate]:
        """The candidates who get an offer in the planned round."""
        return [c for c in self.candidates if c.offered]


def plan_from_round(first: int, rules: CouncilRules, candidates_for: Callable[[int], list[Candidate]]) -> RoundPlan:
    """Walk the rounds from ``first`` until one has someone to offer to.

    A round where everyone is skipped is passed over at once rather than waiting for a deadline
    nobody can answer. ``round_number`` is None when no round is left: the package is unplaced.
    """
    passed: dict[int, list[Candidate]] = {}
    for number in range(first, rules.rounds + 1):
        candidates = candidates_for(number)
        if any(c.offered for c in candidates):
            return RoundPlan(number, candidates, passed)
        passed[number] = candidates
    return RoundPlan(None, [], passed)


@dataclass(frozen=True, slots=True)
class RoundResult:
    """A closed round's consequence: a winner, or the round to try next (None: unplaced)."""

    winner: Acceptance | None
    next_round: int | None


def after_round(round_number: int, acceptances: Sequence[Acceptance], rules: CouncilRules) -> RoundResult:
    """Award among this round's acceptances; with none, go to the next round if there is one."""
    winner = choose_winner(acceptances, rules)
    if winner is not None or round_number == MANUAL_ROUND:
        return RoundResult(winner, None)
    following = round_number + 1
    return RoundResult(None, following if following <= rules.rounds else None)


class HandbackNoticeError(ValueError):
    """The notice date is too soon."""


def check_handback_notice(notice_date: date, today: date, rules: CouncilRules) -> None:
    """Raise unless the provider gives at least the council's minimum notice."""
    earliest = today + timedelta(days=rules.min_handback_notice_days)
    if notice_date < earliest:
        raise HandbackNoticeError(f"notice_date must be on or after {earliest.isoformat()}")


def reoffer_start(original_start: date, notice_date: date) -> date:
    """A handed-back package starts with its new provider the day after the old one's notice ends."""
    return max(original_start, notice_date + timedelta(days=1))
