"""The status state machine: every command in every status, and brokerage's events."""

from datetime import date

import pytest
from referrals.domain.errors import TransitionRefused
from referrals.domain.lifecycle import (
    BrokerageEvent,
    Command,
    Status,
    after_brokerage,
    after_command,
    current_status,
)

S = Status
C = Command
REFUSED = None

# Every (status, command) pair: the status after it, or REFUSED.
COMMAND_TABLE: dict[Status, dict[Command, Status | None]] = {
    S.SUBMITTED: {C.AMEND: S.SUBMITTED, C.SUSPEND: REFUSED, C.RESUME: REFUSED, C.END: REFUSED,
                  C.CANCEL: S.CANCELLED, C.REVIEW: REFUSED},
    S.OFFERED: {C.AMEND: S.OFFERED, C.SUSPEND: REFUSED, C.RESUME: REFUSED, C.END: REFUSED,
                C.CANCEL: S.CANCELLED, C.REVIEW: REFUSED},
    S.UNPLACED: {C.AMEND: S.UNPLACED, C.SUSPEND: REFUSED, C.RESUME: REFUSED, C.END: REFUSED,
                 C.CANCEL: S.CANCELLED, C.REVIEW: REFUSED},
    S.PLACED: {C.AMEND: S.PLACED, C.SUSPEND: REFUSED, C.RESUME: REFUSED, C.END: REFUSED,
               C.CANCEL: S.CANCELLED, C.REVIEW: REFUSED},
    S.ACTIVE: {C.AMEND: S.ACTIVE, C.SUSPEND: S.SUSPENDED, C.RESUME: REFUSED, C.END: S.ENDED,
               C.CANCEL: REFUSED, C.REVIEW: S.ACTIVE},
    S.SUSPENDED: {C.AMEND: S.SUSPENDED, C.SUSPEND: REFUSED, C.RESUME: S.ACTIVE, C.END: S.ENDED,
                  C.CANCEL: REFUSED, C.REVIEW: S.SUSPENDED},
    S.ENDED: {C.AMEND: REFUSED, C.SUSPEND: REFUSED, C.RESUME: REFUSED, C.END: REFUSED,
              C.CANCEL: REFUSED, C.REVIEW: S.ENDED},
    S.CANCELLED: {C.AMEND: REFUSED, C.SUSPEND: REFUSED, C.RESUME: REFUSED, C.END: REFUSED,
                  C.CANCEL: REFUSED, C.REVIEW: REFUSED},
}

CASES = [(status, command, after) for status, row in COMMAND_TABLE.items() for command, after in row.items()]


def test_the_table_covers_every_pair() -> None:
    assert len(CASES) == len(Status) * len(Command)


@pytest.mark.parametrize(("status", "command", "after"), CASES)
def test_command_transitions(status: Status, command: Command, after: Status | None) -> None:
    if after is REFUSED:
        with pytest.raises(TransitionRefused) as refused:
            after_command(status, command)
        assert refused.value.reason  # a refusal always says why
    else:
        assert after_command(status, command) is after


@pytest.mark.parametrize(
    ("status", "command", "phrase"),
    [
        (S.PLACED, C.END, "cancel it instead"),
        (S.ACTIVE, C.CANCEL, "end it instead"),
        (S.SUSPENDED, C.SUSPEND, "already suspended"),
        (S.ENDED, C.AMEND, "nothing more can change"),
        (S.SUBMITTED, C.REVIEW, "once care has started"),
    ],
)
def test_refusals_give_the_reason(status: Status, command: Command, phrase: str) -> None:
    with pytest.raises(TransitionRefused, match=phrase):
        after_command(status, command)


@pytest.mark.parametrize(
    ("stored", "care_start", "today", "expected"),
    [
        (S.PLACED, date(2026, 12, 1), date(2026, 11, 30), S.PLACED),
        (S.PLACED, date(2026, 12, 1), date(2026, 12, 1), S.ACTIVE),
        (S.PLACED, None, date(2027, 1, 1), S.PLACED),
        (S.SUBMITTED, date(2026, 12, 1), date(2027, 1, 1), S.SUBMITTED),
        (S.SUSPENDED, date(2026, 12, 1), date(2027, 1, 1), S.SUSPENDED),
    ],
)
def test_placed_becomes_active_on_the_start_date(
    stored: Status, care_start: date | None, today: date, expected: Status
) -> None:
    assert current_status(stored, care_start, today) is expected


B = BrokerageEvent
BROKERAGE_TABLE: dict[Status, dict[BrokerageEvent, Status]] = {
    S.SUBMITTED: {B.OFFERED: S.OFFERED, B.AWARDED: S.PLACED, B.UNPLACED: S.UNPLACED,
                  B.HANDED_BACK: S.SUBMITTED, B.ENDED: S.ENDED},
    S.OFFERED: {B.OFFERED: S.OFFERED, B.AWARDED: S.PLACED, B.UNPLACED: S.UNPLACED,
                B.HANDED_BACK: S.OFFERED, B.ENDED: S.ENDED},
    S.UNPLACED: {B.OFFERED: S.OFFERED, B.AWARDED: S.PLACED, B.UNPLACED: S.UNPLACED,
                 B.HANDED_BACK: S.UNPLACED, B.ENDED: S.ENDED},
    # handed back before care started: it goes round the offers again
    S.PLACED: {B.OFFERED: S.OFFERED, B.AWARDED: S.PLACED, B.UNPLACED: S.UNPLACED,
               B.HANDED_BACK: S.PLACED, B.ENDED: S.ENDED},
    # care goes on while a handed-back package is re-brokered
    S.ACTIVE: {B.OFFERED: S.ACTIVE, B.AWARDED: S.ACTIVE, B.UNPLACED: S.ACTIVE,
               B.HANDED_BACK: S.ACTIVE, B.ENDED: S.ENDED},
    S.SUSPENDED: {B.OFFERED: S.SUSPENDED, B.AWARDED: S.SUSPENDED, B.UNPLACED: S.SUSPENDED,
                  B.HANDED_BACK: S.SUSPENDED, B.ENDED: S.ENDED},
    S.ENDED: {e: S.ENDED for e in BrokerageEvent},
    S.CANCELLED: {e: S.CANCELLED for e in BrokerageEvent},
}

BROKERAGE_CASES = [(s, e, after) for s, row in BROKERAGE_TABLE.items() for e, after in row.items()]


def test_the_brokerage_table_covers_every_pair() -> None:
    assert len(BROKERAGE_CASES) == len(Status) * len(BrokerageEvent)


@pytest.mark.parametrize(("status", "event", "after"), BROKERAGE_CASES)
def test_brokerage_transitions(status: Status, event: BrokerageEvent, after: Status) -> None:
    assert after_brokerage(status, event) is after
