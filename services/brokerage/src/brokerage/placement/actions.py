"""What providers, staff and referral events do to a package, each in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.clock import london_date
from shared.contracts.brokerage import PackageEnded, PackageHandedBack
from shared.errors import Conflict, InvalidInput, NotFound, field_error
from sqlalchemy.ext.asyncio import AsyncSession

from brokerage.db import dps_repository as dps
from brokerage.db import package_repository as packages
from brokerage.domain.cascade import (
    MANUAL_ROUND,
    QUEUE_STATUSES,
    HandbackNoticeError,
    PackageStatus,
    check_handback_notice,
    reoffer_start,
)
from brokerage.domain.offers import (
    BidRequiredError,
    DeclineReason,
    OfferClosedError,
    OfferStatus,
    check_answerable,
    check_bid,
)
from brokerage.placement.publishing import publish, publish_all
from brokerage.placement.rounds import (
    Placement,
    answered_event,
    award,
    close_round,
    open_round,
    start_cascade,
)


async def _locked_package(session: AsyncSession, package_id: uuid.UUID) -> dict[str, Any]:
    pkg = await packages.get_package(session, package_id, lock=True)
    if pkg is None:
        raise NotFound(f"No package {package_id}.")
    return pkg


async def answer_offer(
    session: AsyncSession,
    ctx: Placement,
    offer_id: uuid.UUID,
    provider_id: uuid.UUID,
    now: datetime,
    *,
    accept: bool,
    bid: Decimal | None = None,
    reason: DeclineReason | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Accept or decline an offer; the round closes at once if this was the last answer.

    Another provider's offer is reported as not found, so offer ids do not leak.
    """
    found = await packages.get_offer(session, offer_id)
    if found is None or found["provider_id"] != provider_id:
        raise NotFound(f"No offer {offer_id}.")
    # The package lock serialises answers with the deadline sweeper: re-read the offer under it.
    pkg = await _locked_package(session, found["package_id"])
    offer = await packages.get_offer(session, offer_id)
    assert offer is not None
    try:
        check_answerable(OfferStatus(offer["status"]), offer["deadline"], now)
        if accept:
            check_bid(bid, ctx.rules)
    except OfferClosedError as exc:
        raise Conflict(f"Offer {offer_id} is {offer['status']}; it can no longer be answered.") from exc
    except BidRequiredError as exc:
        raise InvalidInput(str(exc), errors=[field_error("ongoing_hourly_rate", str(exc), "required")]) from exc
    status = OfferStatus.ACCEPTED if accept else OfferStatus.DECLINED
    values: dict[str, Any] = {"bid": bid if accept else None}
    if not accept:
        values |= {"decline_reason": reason.value if reason else None, "decline_note": note}
    await packages.set_offer_status(session, [offer_id], status, now, **values)
    answered = {**offer, **values, "status": status.value, "answered_at": now}
    await publish(session, ctx.outbox, answered_event(answered, status, now), package=pkg)
    await close_round(session, ctx, pkg, now)
    return answered


async def withdraw_open_offers(session: AsyncSession, ctx: Placement, pkg: dict[str, Any], now: datetime) -> None:
    """Withdraw the package's open offers, telling each provider."""
    open_offers = await packages.open_offers_of_package(session, pkg["id"])
    await packages.set_offer_status(session, [o["id"] for o in open_offers], OfferStatus.WITHDRAWN, now)
    notices = [(answered_event(o, OfferStatus.WITHDRAWN, now), [o["provider_id"]]) for o in open_offers]
    await publish_all(session, ctx.outbox, notices, package=pkg)


async def hand_back(
    session: AsyncSession,
    ctx: Placement,
    package_id: uuid.UUID,
    provider_id: uuid.UUID,
    notice_date: date,
    reason: str,
    now: datetime,
) -> None:
    """The provider gives the package back with notice; it is re-offered from round 1 without it."""
    pkg = await _locked_package(session, package_id)
    if pkg["status"] != PackageStatus.AWARDED.value or pkg["provider_id"] != provider_id:
        raise NotFound(f"No package {package_id}.")
    try:
        check_handback_notice(notice_date, london_date(now), ctx.rules)
    except HandbackNoticeError as exc:
        raise InvalidInput(str(exc), errors=[field_error("notice_date", str(exc), "too_soon")]) from exc
    await packages.insert_handback(
        session,
        {
            "id": uuid.uuid4(),
            "package_id": package_id,
            "provider_id": provider_id,
            "notice_date": notice_date,
            "reason": reason,
            "at": now,
        },
    )
    event = PackageHandedBack(
        package_id=package_id, provider_id=provider_id, notice_date=notice_date, reason=reason, at=now
    )
    await publish(session, ctx.outbox, event, package=pkg)
    await packages.update_package(
        session,
        package_id,
        {
            "cascade": pkg["cascade"] + 1,
            "start_date": reoffer_start(pkg["start_date"], notice_date),
            "provider_id": None,
            "hourly_rate": None,
            "ongoing_hourly_rate": None,
            "awarded_at": None,
            "award_method": None,
            "award_reason": None,
        },
    )
    await start_cascade(session, ctx, await _locked_package(session, package_id), now)


async def end_package(
    session: AsyncSession, ctx: Placement, package_id: uuid.UUID, end_date: date, reason: str, now: datetime
) -> None:
    """End the package: withdraw open offers, and tell payments and monitoring it has ended."""
    pkg = await packages.get_package(session, package_id, lock=True)
    if pkg is None or pkg["status"] == PackageStatus.ENDED.value:
        return
    await withdraw_open_offers(session, ctx, pkg, now)
    await packages.update_package(
        session,
        package_id,
        {
            "status": PackageStatus.ENDED.value,
            "end_date": end_date,
            "current_round": None,
            "round_deadline": None,
        },
    )
    holder = pkg["provider_id"] if pkg["status"] == PackageStatus.AWARDED.value else None
    event = PackageEnded(package_id=package_id, provider_id=holder, end_date=end_date, reason=reason)
    await publish(session, ctx.outbox, event, package=pkg, notify=[holder] if holder else [])


async def _queued_with_zone(session: AsyncSession, package_id: uuid.UUID, zone_id: str | None) -> dict[str, Any]:
    pkg = await _locked_package(session, package_id)
    if PackageStatus(pkg["status"]) not in QUEUE_STATUSES:
        raise Conflict(f"Package {package_id} is {pkg['status']}, not in the brokerage queue.")
    if zone_id is not None and zone_id != pkg["zone_id"]:
        if await dps.get_zone(session, zone_id) is None:
            raise InvalidInput("Unknown zone.", errors=[field_error("zone_id", f"no zone {zone_id}", "unknown")])
        await packages.update_package(session, package_id, {"zone_id": zone_id})
        pkg["zone_id"] = zone_id
    if pkg["zone_id"] is None:
        message = "the package has no zone: name one"
        raise InvalidInput(message, errors=[field_error("zone_id", message, "required")])
    return pkg


async def _check_providers(session: AsyncSession, provider_ids: list[uuid.UUID], field: str) -> None:
    missing = [str(p) for p in provider_ids if await dps.get_provider(session, p) is None]
    if missing:
        raise InvalidInput(
            "Unknown provider.", errors=[field_error(field, f"no provider {m}", "unknown") for m in missing]
        )


async def offer_to_named(
    session: AsyncSession,
    ctx: Placement,
    package_id: uuid.UUID,
    provider_ids: list[uuid.UUID],
    zone_id: str | None,
    now: datetime,
) -> None:
    """Staff offer a queued package to providers they name (round 0: no cascade after it)."""
    pkg = await _queued_with_zone(session, package_id, zone_id)
    await _check_providers(session, provider_ids, "provider_ids")
    pkg["cascade"] += 1
    await packages.update_package(session, package_id, {"cascade": pkg["cascade"], "unplaced_reason": None})
    await open_round(session, ctx, pkg, MANUAL_ROUND, sorted(set(provider_ids)), now)


async def award_by_hand(
    session: AsyncSession,
    ctx: Placement,
    package_id: uuid.UUID,
    provider_id: uuid.UUID,
    reason: str,
    hourly_rate: Decimal | None,
    zone_id: str | None,
    now: datetime,
) -> None:
    """Staff award a queued package to a provider, with their reason recorded on the event."""
    pkg = await _queued_with_zone(session, package_id, zone_id)
    await _check_providers(session, [provider_id], "provider_id")
    if not await award(session, ctx, pkg, provider_id, hourly_rate, now, method="manual", reason=reason):
        message = "the zone's pricing level has no rate for this service on the start date: give hourly_rate"
        raise Conflict(message)
