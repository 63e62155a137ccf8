"""The referral's status and what may happen to it in each status.

API commands are refused with a reason when the status does not allow them. Brokerage's events
describe what already happened elsewhere, so they are never refused: one that no longer changes
anything (a late offer after an award, an echo of our own end) leaves the status as it is.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import assert_never

from referrals.domain.errors import TransitionRefused


class Status(StrEnum):
    """Where the package is in its life."""

    SUBMITTED = "submitted"
    OFFERED = "offered"
    PLACED = "placed"
    UNPLACED = "unplaced"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"
    CANCELLED = "cancelled"


class Command(StrEnum):
    """What the case-management system may ask for."""

    AMEND = "amend"
    SUSPEND = "suspend"
    RESUME = "resume"
    END = "end"
    CANCEL = "cancel"
    REVIEW = "review"


TERMINAL = frozenset({Status.ENDED, Status.CANCELLED})
# Care is being delivered (or paused) by a provider.
IN_CARE = frozenset({Status.ACTIVE, Status.SUSPENDED})
REVIEWABLE = IN_CARE | {Status.ENDED}


def current_status(stored: Status, care_start: date | None, today: date) -> Status:
    """The status as seen today: a placed package becomes active on its start date."""
    if stored is Status.PLACED and care_start is not None and care_start <= today:
        return Status.ACTIVE
    return stored


def after_command(status: Status, command: Command) -> Status:
    """The status after a command, or :class:`TransitionRefused` saying why it cannot happen.

    ``status`` is the current one (see :func:`current_status`), so "before it starts" is
    any status short of active.
    """
    if command is Command.REVIEW:
        # An enablement review often follows the end of the six weeks.
        if status not in REVIEWABLE:
            raise TransitionRefused(f"Outcomes are reviewed once care has started; the referral is {status}.")
        return status
    if status in TERMINAL:
        raise TransitionRefused(f"The referral is {status}; nothing more can change.")
    match command:
        case Command.AMEND:
            return status
        case Command.SUSPEND:
            if status is Status.SUSPENDED:
                raise TransitionRefused("The referral is already suspended.")
            if status is not Status.ACTIVE:
                raise TransitionRefused(f"Only active care can be suspended; the referral is {status}.")
            return Status.SUSPENDED
        case Command.RESUME:
            if status is not Status.SUSPENDED:
                raise TransitionRefused(f"Only suspended care can resume; the referral is {status}.")
            return Status.ACTIVE
        case Command.END:
            if status not in IN_CARE:
                raise TransitionRefused(
                    f"Care has not started (the referral is {status}): cancel it instead.")
            return Status.ENDED
        case Command.CANCEL:
            if status in IN_CARE:
                raise TransitionRefused(f"Care has started (the referral is {status}): end it instead.")
            return Status.CANCELLED
        case _:
            assert_never(command)


class BrokerageEvent(StrEnum):
    """Brokerage's package events that move a referral's status."""

    OFFERED = "offered"
    AWARDED = "awarded"
    UNPLACED = "unplaced"
    HANDED_BACK = "handed_back"
    ENDED = "ended"


def after_brokerage(status: Status, event: BrokerageEvent) -> Status:
    """The status after one of brokerage's package events, from the current status.

    While care is delivered, re-brokerage after a hand-back does not interrupt it: the provider
    delivers until its notice date, so offers, "unplaced" and the new award leave it as it is.
    Before care starts, a handed-back package goes back through offers like a new one.
    """
    if status in TERMINAL:
        return status
    if status in IN_CARE and event is not BrokerageEvent.ENDED:
        return status
    match event:
        case BrokerageEvent.OFFERED:
            return Status.OFFERED
        case BrokerageEvent.UNPLACED:
            return Status.UNPLACED
        case BrokerageEvent.AWARDED:
            return Status.PLACED
        case BrokerageEvent.HANDED_BACK:
            return status
        case BrokerageEvent.ENDED:
            return Status.ENDED
        case _:
            assert_never(event)
