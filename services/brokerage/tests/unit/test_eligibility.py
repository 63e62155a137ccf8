"""Who a round offers to, and the recorded reason for each provider skipped."""

from decimal import Decimal
from uuid import UUID

import pytest
from brokerage.domain.eligibility import (
    PackageNeed,
    ProviderStanding,
    SkipReason,
    ZoneLoad,
    candidates_for_round,
    share_after_award,
    skip_reason,
)

CAP = Decimal("0.40")
ZONE = ZoneLoad(placed_hours=Decimal(100), planned_weekly_hours=Decimal(200))


def provider(n: int, **overrides: object) -> ProviderStanding:
    fields: dict[str, object] = {
        "provider_id": UUID(int=n),
        "zones": {"z1": "prime"},
        "weekly_capacity_hours": Decimal(100),
        "committed_hours": Decimal(0),
        "enablement_allowed": True,
        "hours_in_zone": Decimal(0),
    }
    fields.update(overrides)
    return ProviderStanding(**fields)  # type: ignore[arg-type]


ONGOING = PackageNeed("z1", "ongoing_support", Decimal(10))
ENABLEMENT = PackageNeed("z1", "enablement", Decimal(10))


@pytest.mark.parametrize(
    ("standing", "package", "reason"),
    [
        (provider(1), ONGOING, None),
        (provider(1, zones={"z2": "prime"}), ONGOING, SkipReason.NOT_SERVING_ZONE),
        (provider(1, active=False), ONGOING, SkipReason.NOT_SERVING_ZONE),
        (provider(1, enablement_allowed=False), ENABLEMENT, SkipReason.BARRED_FROM_ENABLEMENT),
        (provider(1, enablement_allowed=False), ONGOING, None),  # the bar is for enablement only
        # 95 committed + 10 = 105 > 100
        (provider(1, committed_hours=Decimal(95)), ONGOING, SkipReason.NO_CAPACITY),
        # exactly full is allowed: 90 + 10 = 100
        (provider(1, committed_hours=Decimal(90)), ONGOING, None),
        # share after: (71 + 10) / max(110, 200) = 0.405 > 0.40
        (provider(1, hours_in_zone=Decimal(71)), ONGOING, SkipReason.OVER_SHARE_CAP),
        # (70 + 10) / 200 = 0.40 exactly: at the cap, not over it
        (provider(1, hours_in_zone=Decimal(70)), ONGOING, None),
        # capacity is checked before the cap
        (
            provider(1, hours_in_zone=Decimal(90), committed_hours=Decimal(95)),
            ONGOING,
            SkipReason.NO_CAPACITY,
        ),
    ],
)
def test_skip_reason(standing: ProviderStanding, package: PackageNeed, reason: SkipReason | None) -> None:
    assert skip_reason(standing, package, ZONE, CAP) == reason


@pytest.mark.parametrize(
    ("provider_hours", "package_hours", "zone", "share"),
    [
        (Decimal(0), Decimal(10), ZoneLoad(Decimal(0), None), Decimal(1)),  # first package, no plan
        (Decimal(0), Decimal(10), ZoneLoad(Decimal(0), Decimal(100)), Decimal("0.1")),
        # placed hours above the plan: the real total counts. (30+10)/(190+10) = 0.2
        (Decimal(30), Decimal(10), ZoneLoad(Decimal(190), Decimal(100)), Decimal("0.2")),
        (Decimal(0), Decimal(0), ZoneLoad(Decimal(0), None), Decimal(0)),
    ],
)
def test_share_after_award(provider_hours: Decimal, package_hours: Decimal, zone: ZoneLoad, share: Decimal) -> None:
    assert share_after_award(provider_hours, package_hours, zone) == share


def test_round_one_is_prime_round_two_supplementary_with_skips_recorded() -> None:
    providers = [
        provider(1),
        provider(2, committed_hours=Decimal(100)),
        provider(3, zones={"z1": "supplementary"}),
        provider(4, zones={"z1": "supplementary"}, hours_in_zone=Decimal(75)),
        provider(5, zones={"z9": "prime"}),
    ]
    round1 = candidates_for_round(1, providers, ONGOING, ZONE, CAP)
    assert [(c.provider_id.int, c.skip_reason) for c in round1] == [(1, None), (2, SkipReason.NO_CAPACITY)]
    round2 = candidates_for_round(2, providers, ONGOING, ZONE, CAP)
    assert [(c.provider_id.int, c.skip_reason) for c in round2] == [(3, None), (4, SkipReason.OVER_SHARE_CAP)]
    assert [c.offered for c in round2] == [True, False]


def test_excluded_providers_keep_the_given_reason() -> None:
    providers = [provider(1), provider(2)]
    round1 = candidates_for_round(1, providers, ONGOING, ZONE, CAP, excluded={UUID(int=1): SkipReason.HANDED_BACK})
    assert [(c.provider_id.int, c.skip_reason) for c in round1] == [(1, SkipReason.HANDED_BACK), (2, None)]
