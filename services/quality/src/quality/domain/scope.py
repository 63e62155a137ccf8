"""Who a KPI report is about: a provider, a zone, a provider within a zone, or the whole council."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """Facts match a scope when they belong to its provider (if set) and its zone (if set)."""

    provider_id: uuid.UUID | None = None
    zone: str | None = None

    @property
    def kind(self) -> str:
        """``overall``, ``provider``, ``zone`` or ``provider_zone``."""
        if self.provider_id is None:
            return "overall" if self.zone is None else "zone"
        return "provider" if self.zone is None else "provider_zone"

    def matches(self, provider_id: uuid.UUID | None, zone: str | None) -> bool:
        """Whether a fact with this provider and zone is inside the scope."""
        if self.provider_id is not None and provider_id != self.provider_id:
            return False
        return self.zone is None or zone == self.zone


OVERALL = Scope()
