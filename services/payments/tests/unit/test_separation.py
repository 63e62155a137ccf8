"""Who may approve a period: neither the same API client nor the same person under another key."""

from __future__ import annotations

import uuid

import pytest
from payments.domain.separation import Actor, may_approve, person

ALICE_STAFF, ALICE_APPROVER, BOB = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize(
    ("approver", "doers", "allowed"),
    [
        (Actor(BOB, "Bob Tonkin"), [Actor(ALICE_STAFF, "Alice Pascoe")], True),
        (Actor(ALICE_STAFF, "Alice Pascoe"), [Actor(ALICE_STAFF, "Alice Pascoe")], False),
        # The same client renamed is still the same client.
        (Actor(ALICE_STAFF, "Someone Else"), [Actor(ALICE_STAFF, "Alice Pascoe")], False),
        # The same person's second key, however the name is cased or spaced.
        (Actor(ALICE_APPROVER, " alice  PASCOE"), [Actor(ALICE_STAFF, "Alice Pascoe")], False),
        # An adjuster counts as much as the calculator.
        (Actor(BOB, "Bob Tonkin"), [Actor(ALICE_STAFF, "Alice Pascoe"), Actor(BOB, "Bob Tonkin")], False),
        # A period calculated before clients were recorded: the name still decides.
        (Actor(BOB, "Bob Tonkin"), [Actor(None, "bob tonkin")], False),
        (Actor(BOB, "Bob Tonkin"), [Actor(None, None)], True),
        (Actor(BOB, "Bob Tonkin"), [], True),
    ],
)
def test_may_approve(approver: Actor, doers: list[Actor], allowed: bool) -> None:
    assert may_approve(approver, doers) is allowed


def test_a_person_is_the_name_without_case_or_spacing() -> None:
    assert person("  Alex\tPenrose ") == person("alex penrose") == "alex penrose"
    assert person("") is None
    assert person(None) is None
