"""Who a round offers a package to, and why each other provider of the zone is skipped."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Literal
from uuid import UUID

from shared.contracts.common import ServiceType

ZoneStatus = Literal["prime", "supplementary"]

# Round 1 goes to the zone's prime providers, round 2 to its supplementary ones.
ROUND_STATUS: dict[int, ZoneStatus] = {1: "prime", 2: "supplementary"}


class SkipReason(StrEnum):
    """Why a provider of the round's status was not offered the package."""

    NOT_SERVING_ZONE = "not_serving_zone"
    BARRED_FROM_ENABLEMENT = "barred_from_enablement"
    NO_CAPACITY = "no_capacity"
    OVER_SHARE_CAP = "over_share_cap"
    ALREADY_OFFERED = "already_offered"
    HANDED_BACK = "handed_back"


@dataclass(frozen=True, slots=True)
class ProviderStanding:
    """What eligibility needs to know about one provider, as of now."""

    provider_id: UUID
    zones: dict[str, ZoneStatus]
    weekly_capacity_hours: Decimal
    committed_hours: Decimal
    enablement_allowed: bool
    hours_in_zone: Decimal
    active: bool = True


@dataclass(frozen=True, slots=True)
class PackageNeed:
    """What eligibility needs to know about the package."""

    zone_id: str
    service_type: ServiceType
    weekly_hours: Decimal


@dataclass(frozen=True, slots=True)
class ZoneLoad:
    """The zone's placed weekly hours and its planned demand, the cap's denominator."""

    placed_hours: Decimal
    planned_weekly_hours: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One provider considered in a round: offered, or skipped with a reason."""

    provider_id: UUID
    skip_reason: SkipReason | None

    @property
    def offered(self) -> bool:
        """Whether the round offers this provider the package."""
        return self.skip_reason is None


def share_after_award(provider_hours: Decimal, package_hours: Decimal, zone: ZoneLoad) -> Decimal:
    """The provider's share of the zone's weekly hours if it took this package.

    The denominator is the larger of the zone's placed hours (with the package) and its planned
    demand, so a young zone with a planned demand does not read every first package as 100%.
    """
    placed = zone.placed_hours + package_hours
    denominator = max(placed, zone.planned_weekly_hours or Decimal(0))
    if denominator <= 0:
        return Decimal(0)
    return (provider_hours + package_hours) / denominator


def skip_reason(provider: ProviderStanding, package: PackageNeed, zone: ZoneLoad, cap: Decimal) -> SkipReason | None:
    """Why ``provider`` may not be offered ``package``, or None when it may."""
    if not provider.active or package.zone_id not in provider.zones:
        return SkipReason.NOT_SERVING_ZONE
    if package.service_type == "enablement" and not provider.enablement_allowed:
        return SkipReason.BARRED_FROM_ENABLEMENT
    if provider.committed_hours + package.weekly_hours > provider.weekly_capacity_hours:
        return SkipReason.NO_CAPACITY
    if share_after_award(provider.hours_in_zone, package.weekly_hours, zone) > cap:
        return SkipReason.OVER_SHARE_CAP
    return None


def candidates_for_round(
    round_number: int,
    providers: Iterable[ProviderStanding],
    package: PackageNeed,
    zone: ZoneLoad,
    cap: Decimal,
    excluded: dict[UUID, SkipReason] | None = None,
) -> list[Candidate]:
    """Every provider holding the round's status in the package's zone, offered or skipped.

    ``excluded`` names providers left out whatever their standing (one that handed the package
    back, one already offered it in an earlier round), with the reason to record.
    """
    status = ROUND_STATUS[round_number]
    excluded = excluded or {}
    result: list[Candidate] = []
    for provider in sorted(providers, key=lambda p: str(p.provider_id)):
        if provider.zones.get(package.zone_id) != status:
            continue
        reason = excluded.get(provider.provider_id) or skip_reason(provider, package, zone, cap)
        result.append(Candidate(provider.provider_id, reason))
    return result
