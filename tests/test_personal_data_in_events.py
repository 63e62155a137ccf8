"""Which events may carry personal data: only those whose consumers need it.

A person's name, NHS number, date of birth and address travel only in ``referrals.referral.submitted``
(brokerage shows them to the winning provider); the home's location only in
``brokerage.package.awarded`` (monitoring checks GPS check-ins against it). A new event type, or a
new field, that carries any of them fails here until it is added below, on purpose.
"""

from __future__ import annotations

import importlib
import pkgutil
import typing
from typing import Any

import shared.contracts
from pydantic import BaseModel
from shared.messaging.envelope import EventData

PERSONAL_FIELDS = frozenset({"nhs_number", "given_name", "family_name", "date_of_birth", "address", "location"})
ALLOWED = {
    "referrals.referral.submitted": {"person.nhs_number", "person.given_name", "person.family_name",
                                     "person.date_of_birth", "person.address", "person.location"},
    "brokerage.package.awarded": {"location"},
}  # fmt: skip


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def personal_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Dotted paths of the personal fields a model holds, however deep."""
    found = set()
    for name, info in model.model_fields.items():
        if name in PERSONAL_FIELDS:
            found.add(prefix + name)
        for inner in _models(info.annotation):
            found |= personal_paths(inner, f"{prefix}{name}.")
    return found


def event_types() -> dict[str, type[EventData]]:
    """Every event type of every producer's contract module."""
    for module in pkgutil.iter_modules(shared.contracts.__path__):
        importlib.import_module(f"shared.contracts.{module.name}")
    found: dict[str, type[EventData]] = {}
    stack = list(EventData.__subclasses__())
    while stack:
        cls = stack.pop()
        stack += cls.__subclasses__()
        if "name" in cls.__dict__ and cls.__module__.startswith("shared.contracts."):
            found[cls.event_type()] = cls
    return found


def test_personal_data_is_only_in_the_events_that_need_it() -> None:
    types = event_types()
    assert len(types) > 15, "the contracts were not all found"
    carrying = {t: paths for t, cls in types.items() if (paths := personal_paths(cls))}
    assert carrying == ALLOWED
