"""Opening and closing rounds, awarding, and sending a package to the queue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from shared.contracts.brokerage import OfferAnswered, PackageAwarded, PackageOffered, PackageUnplaced
from shared.contracts.common import RateFrom
from shared.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from brokerage.db import dps_repository as dps
from brokerage.db import package_repository as packages
from brokerage.domain.award import Acceptance
from brokerage.domain.cascade import PackageStatus, after_round, plan_from_round
from brokerage.domain.eligibility import PackageNeed, SkipReason, candidates_for_round
from brokerage.domain.offers import OfferState, OfferStatus, deadline_for, round_is_closed, to_expire
from brokerage.domain.placement import NoRateError, award_terms
from brokerage.domain.rules import CouncilRules
from brokerage.placement.publishing import publish, publish_all


@dataclass(frozen=True)
class Placement:
    """What every step needs: where events go, and the council's rules as of this transaction."""

    outbox: Outbox
    rules: CouncilRules


async def start_cascade(
    session: AsyncSession, ctx: Placement, pkg: dict[str, Any], now: datetime, *, first_round: int = 1
) -> None:
    """Offer the package from ``first_round`` on, passing over rounds where everyone is skipped."""
    if pkg["zone_id"] is None:
        await mark_unplaced(session, ctx, pkg, "no zone covers the postcode", now, status=PackageStatus.QUEUED)
        return
    standings, load, _ = await packages.zone_standings(session, pkg["zone_id"])
    excluded = {p: SkipReason.HANDED_BACK for p in await packages.handed_back_by(session, pkg["id"])}
    need = PackageNeed(pkg["zone_id"], pkg["service_type"], pkg["weekly_hours"])
    plan = plan_from_round(
        first_round,
        ctx.rules,
        lambda n: candidates_for_round(n, standings, need, load, ctx.rules.market_share_cap, excluded),
    )
    for number, skipped in plan.passed_over.items():
        await packages.record_skips(session, pkg["id"], pkg["cascade"], number, skipped, now)
    if plan.round_number is None:
        await mark_unplaced(session, ctx, pkg, "no eligible provider in any round", now)
        return
    await packages.record_skips(session, pkg["id"], pkg["cascade"], plan.round_number, plan.candidates, now)
    await open_round(session, ctx, pkg, plan.round_number, [c.provider_id for c in plan.offerees], now)


async def open_round(
    session: AsyncSession,
    ctx: Placement,
    pkg: dict[str, Any],
    round_number: int,
    provider_ids: list[uuid.UUID],
    now: datetime,
) -> None:
    """Offer the package to these providers, one deadline for the round, one event and webhook each."""
    deadline = deadline_for(now, pkg["urgency"], ctx.rules)
    rows = [
        {
            "id": uuid.uuid4(),
            "package_id": pkg["id"],
            "provider_id": provider_id,
            "cascade": pkg["cascade"],
            "round": round_number,
            "status": OfferStatus.OPEN.value,
            "offered_at": now,
            "deadline": deadline,
        }
        for provider_id in provider_ids
    ]
    await packages.insert_offers(session, rows)
    await packages.update_package(
        session,
        pkg["id"],
        {"status": PackageStatus.OFFERING.value, "current_round": round_number, "round_deadline": deadline},
    )
    offered = [
        PackageOffered(
            package_id=pkg["id"],
            offer_id=row["id"],
            provider_id=row["provider_id"],
            zone_id=pkg["zone_id"],
            round=round_number,
            service_type=pkg["service_type"],
            urgency=pkg["urgency"],
            weekly_hours=pkg["weekly_hours"],
            offered_at=now,
            deadline=deadline,
        )
        for row in rows
    ]
    await publish_all(session, ctx.outbox, [(e, [e.provider_id]) for e in offered], package=pkg)


async def mark_unplaced(
    session: AsyncSession,
    ctx: Placement,
    pkg: dict[str, Any],
    reason: str,
    now: datetime,
    *,
    status: PackageStatus = PackageStatus.UNPLACED,
) -> None:
    """Put the package in the brokerage queue for staff."""
    await packages.update_package(
        session,
        pkg["id"],
        {"status": status.value, "current_round": None, "round_deadline": None, "unplaced_reason": reason},
    )
    await publish(session, ctx.outbox, PackageUnplaced(package_id=pkg["id"], reason=reason, at=now), package=pkg)


def answered_event(row: dict[str, Any], answer: OfferStatus, now: datetime) -> OfferAnswered:
    """The ``offer_answered`` event of an offer that has just been answered, expired or withdrawn."""
    return OfferAnswered(
        package_id=row["package_id"],
        offer_id=row["id"],
        provider_id=row["provider_id"],
        answer=answer.value,
        offered_at=row["offered_at"],
        answered_at=now,
        reason_code=row.get("decline_reason"),
        ongoing_hourly_rate=row.get("bid"),
    )


async def close_round_if_due(session: AsyncSession, ctx: Placement, package_id: uuid.UUID, now: datetime) -> bool:
    """Close the package's open round if its deadline passed or all have answered; True if it closed."""
    pkg = await packages.get_package(session, package_id, lock=True)
    return pkg is not None and await close_round(session, ctx, pkg, now)


async def close_round(session: AsyncSession, ctx: Placement, pkg: dict[str, Any], now: datetime) -> bool:
    """``close_round_if_due`` for a package row already locked in this transaction."""
    if pkg["status"] != PackageStatus.OFFERING.value:
        return False
    offers = await packages.round_offers(session, pkg["id"], pkg["cascade"], pkg["current_round"])
    states = [OfferState(o["id"], o["provider_id"], OfferStatus(o["status"]), o["deadline"]) for o in offers]
    if not round_is_closed(states, now):
        return False
    expired = set(to_expire(states, now))
    await packages.set_offer_status(session, list(expired), OfferStatus.EXPIRED, now)
    notices = [(answered_event(o, OfferStatus.EXPIRED, now), ()) for o in offers if o["id"] in expired]
    await publish_all(session, ctx.outbox, notices, package=pkg)
    acceptances = await _acceptances(session, pkg, offers)
    result = after_round(pkg["current_round"], acceptances, ctx.rules)
    if result.winner is not None:
        await award(session, ctx, pkg, result.winner.provider_id, result.winner.bid, now, method="rule", reason=None)
    elif result.next_round is not None:
        await start_cascade(session, ctx, pkg, now, first_round=result.next_round)
    else:
        await mark_unplaced(session, ctx, pkg, "no provider accepted", now)
    return True


async def _acceptances(session: AsyncSession, pkg: dict[str, Any], offers: list[dict[str, Any]]) -> list[Acceptance]:
    accepted = [o for o in offers if o["status"] == OfferStatus.ACCEPTED.value]
    if not accepted:
        return []
    standings, load, scores = await packages.zone_standings(session, pkg["zone_id"])
    in_zone = {s.provider_id: s.hours_in_zone for s in standings}
    return [
        Acceptance(
            provider_id=o["provider_id"],
            answered_at=o["answered_at"],
            quality_score=scores.get(o["provider_id"]),
            current_share=_share(in_zone.get(o["provider_id"], Decimal(0)), load.placed_hours),
            bid=o["bid"],
        )
        for o in accepted
    ]


def _share(provider_hours: Decimal, zone_hours: Decimal) -> Decimal:
    return provider_hours / zone_hours if zone_hours else Decimal(0)


async def award(
    session: AsyncSession,
    ctx: Placement,
    pkg: dict[str, Any],
    provider_id: uuid.UUID,
    bid: Decimal | None,
    now: datetime,
    *,
    method: str,
    reason: str | None,
) -> bool:
    """Place the package with the provider on the zone's terms; False (queued) if the zone has no rate."""
    zone = await dps.get_zone(session, pkg["zone_id"])
    assert zone is not None, "a package's zone always exists"
    rates = await dps.rates_of_level(session, zone["pricing_level_id"])
    try:
        terms = award_terms(pkg["service_type"], pkg["start_date"], rates, bid, ctx.rules)
    except NoRateError as exc:
        await mark_unplaced(session, ctx, pkg, f"cannot award: {exc}", now)
        return False
    await packages.update_package(
        session,
        pkg["id"],
        {
            "status": PackageStatus.AWARDED.value,
            "provider_id": provider_id,
            "hourly_rate": terms.hourly_rate,
            "ongoing_hourly_rate": terms.ongoing_hourly_rate,
            "awarded_at": now,
            "award_method": method,
            "award_reason": reason,
            "current_round": None,
            "round_deadline": None,
            "unplaced_reason": None,
        },
    )
    event = PackageAwarded(
        package_id=pkg["id"],
        referral_id=pkg["id"],
        provider_id=provider_id,
        zone_id=pkg["zone_id"],
        pricing_level=zone["pricing_level_id"],
        service_type=pkg["service_type"],
        payment_basis=pkg["payment_basis"],
        hourly_rate=terms.hourly_rate,
        rates=[RateFrom(from_date=r.from_date, hourly_rate=r.hourly_rate) for r in terms.rates],
        ongoing_hourly_rate=terms.ongoing_hourly_rate,
        enablement_weeks=terms.enablement_weeks,
        funding=pkg["funding"],
        client_contribution=pkg["client_contribution"],
        visit_pattern=pkg["visit_pattern"],
        weekly_hours=pkg["weekly_hours"],
        budget=pkg["budget"],
        outcomes=pkg["outcomes"],
        start_date=pkg["start_date"],
        urgency=pkg["urgency"],
        location=(pkg["person"] or {}).get("location"),
        submitted_at=pkg["submitted_at"],
        awarded_at=now,
        award_method=method,
        award_reason=reason,
    )
    await publish(session, ctx.outbox, event, package=pkg, notify=[provider_id])
    return True
