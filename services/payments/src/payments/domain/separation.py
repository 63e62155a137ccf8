"""Four eyes: who may approve a payment period.

The approver must be neither the API client that calculated or adjusted the period nor the same
person holding another key. API clients carry no identity of their own beyond the name the council's
administrator gave them when issuing the key (`homecare clients create --name`), and staff clients
are named for the person who holds them, so the person is the name, compared without regard to case
or spacing. Both are checked: a renamed client is still the same client, and a second key issued to
the same person is still the same person. Two different people who share a name must be issued keys
with names that tell them apart ("Alex Penrose (finance)"); refusing them is the safe failure.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who did something to a period: the API client and the name it was issued under."""

    client_id: uuid.UUID | None
    name: str | None


def person(name: str | None) -> str | None:
    """The person a client's name stands for: case and spacing do not make another person."""
    return " ".join(name.casefold().split()) if name else None


def may_approve(approver: Actor, doers: Iterable[Actor]) -> bool:
    """Whether the approver is independent of everyone who calculated or adjusted the period."""
    me = person(approver.name)
    for doer in doers:
        if doer.client_id is not None and doer.client_id == approver.client_id:
            return False
        if me is not None and person(doer.name) == me:
            return False
    return True
