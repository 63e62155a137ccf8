"""Field errors and refused transitions: the domain's ways of saying no."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class FieldError:
    """One fault, named by its dotted field path (``person.nhs_number``, ``visit_pattern.0.days``)."""

    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        """The entry of a problem+json ``errors`` list."""
        return asdict(self)


class TransitionRefused(Exception):
    """A command or event that the referral's current status does not allow, with the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
