"""What the payments pages show: totals by provider and funder, and what an officer may release."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ZERO = Decimal("0.00")
FUNDERS = ("council", "nhs")


@dataclass
class ProviderTotal:
    """A provider's paid and held amounts by funder, from the API's totals by provider, funder and basis."""

    provider_id: str
    paid: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(FUNDERS, ZERO))
    held: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(FUNDERS, ZERO))

    @property
    def total_paid(self) -> Decimal:
        """What the provider is paid by every funder."""
        return sum(self.paid.values(), ZERO)

    @property
    def total_held(self) -> Decimal:
        """What is held back for review, by every funder."""
        return sum(self.held.values(), ZERO)


def totals_by_provider(rows: Iterable[Mapping[str, Any]]) -> list[ProviderTotal]:
    """Fold the API's rows (provider, funder, basis, paid, held) into one row per provider, in its order."""
    by: dict[str, ProviderTotal] = {}
    for row in rows:
        total = by.setdefault(str(row["provider_id"]), ProviderTotal(str(row["provider_id"])))
        funder = str(row["funder"])
        total.paid[funder] = total.paid.get(funder, ZERO) + Decimal(str(row["paid"]))
        total.held[funder] = total.held.get(funder, ZERO) + Decimal(str(row["held"]))
    return list(by.values())


@dataclass(frozen=True)
class Release:
    """An approval an officer may give for a line: its kind and subject as ``POST /v1/approvals`` takes them."""

    kind: str
    subject_id: str
    action: str


EXCEPTIONAL_RULES = frozenset({"budget_exceptional_excess", "enablement_over_budget"})


def release_for(line: Mapping[str, Any]) -> Release | None:
    """What would release a line: a held visit, a package's exceptional excess, or a visit's unpaid excess."""
    visits = [str(v) for v in line.get("visit_ids") or []]
    rule = str(line.get("rule", ""))
    if line.get("status") == "held":
        if str(line.get("ledger_key", "")).startswith("visit:") and len(visits) == 1:
            return Release("unverified_visit", visits[0], "Release the held visit")
        if rule in EXCEPTIONAL_RULES:
            return Release("exceptional_package", str(line["package_id"]), "Approve the exceptional excess")
        return None
    if rule.endswith("+capped_at_planned") and len(visits) == 1:
        return Release("excess_visit", visits[0], "Approve the minutes over planned")
    return None
