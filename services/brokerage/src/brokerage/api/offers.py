"""Provider endpoints for offers: list, read, accept, decline. A provider sees only its own."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from shared.clock import utcnow
from shared.db.session import SessionDep
from shared.errors import NotFound
from shared.web.openapi import problem_responses

from brokerage.api.deps import MAX_PAGE, ProviderDep, bound_provider
from brokerage.api.offer_schemas import AcceptIn, AnswerOut, DeclineIn, OfferPage
from brokerage.db import dps_repository as dps
from brokerage.db import package_repository as packages
from brokerage.domain.offers import OfferStatus, OfferView, PackageFacts, offer_view
from brokerage.domain.rates import Rate, rate_on
from brokerage.domain.rules import CouncilRules
from brokerage.outbox import OUTBOX
from brokerage.placement.actions import answer_offer
from brokerage.placement.rounds import Placement

router = APIRouter(prefix="/v1/offers", tags=["offers"])


def _view(offer: dict[str, Any], pkg: dict[str, Any], rules: CouncilRules, zone_rates: list[Rate]) -> OfferView:
    facts = PackageFacts(
        package_id=pkg["id"],
        zone_id=pkg["zone_id"],
        postcode=pkg["postcode"],
        service_type=pkg["service_type"],
        outcomes=pkg["outcomes"],
        visit_pattern=pkg["visit_pattern"],
        weekly_hours=pkg["weekly_hours"],
        start_date=pkg["start_date"],
        urgency=pkg["urgency"],
    )
    return offer_view(
        facts,
        offer_id=offer["id"],
        round_number=offer["round"],
        status=OfferStatus(offer["status"]),
        offered_at=offer["offered_at"],
        deadline=offer["deadline"],
        # The zone's price, so a provider knows what a fixed-price award would pay.
        hourly_rate=rate_on(zone_rates, pkg["service_type"], pkg["start_date"]),
        rules=rules,
    )


@router.get("")
async def list_offers(
    session: SessionDep,
    principal: ProviderDep,
    status: Literal["open", "accepted", "declined", "expired", "withdrawn"] | None = None,
    after: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> OfferPage:
    """This provider's offers, without the person's name, NHS number or address."""
    rows = await packages.offers_for_provider(
        session, bound_provider(principal), status=status, after=after, limit=limit
    )
    rules = await dps.load_rules(session)
    zone_rates = await dps.rates_by_zone(session, sorted({p["zone_id"] for _, p in rows}))
    return OfferPage(
        items=[_view(o, p, rules, zone_rates[p["zone_id"]]) for o, p in rows],
        next_after=rows[-1][0]["id"] if len(rows) == limit else None,
    )


@router.get("/{offer_id}")
async def get_offer(offer_id: uuid.UUID, session: SessionDep, principal: ProviderDep) -> OfferView:
    """One of this provider's offers."""
    offer = await packages.get_offer(session, offer_id)
    if offer is None or offer["provider_id"] != bound_provider(principal):
        raise NotFound(f"No offer {offer_id}.")
    pkg = await packages.get_package(session, offer["package_id"])
    assert pkg is not None
    zone_rates = await dps.rates_by_zone(session, [pkg["zone_id"]])
    return _view(offer, pkg, await dps.load_rules(session), zone_rates[pkg["zone_id"]])


def _answer_out(row: dict[str, Any]) -> AnswerOut:
    return AnswerOut(
        offer_id=row["id"],
        package_id=row["package_id"],
        status=row["status"],
        answered_at=row["answered_at"],
        ongoing_hourly_rate=row.get("bid"),
        reason_code=row.get("decline_reason"),
    )


@router.post("/{offer_id}/accept", responses=problem_responses(409))
async def accept_offer(offer_id: uuid.UUID, body: AcceptIn, session: SessionDep, principal: ProviderDep) -> AnswerOut:
    """Accept an open offer (409 once it is closed; 404 if it is not this provider's)."""
    ctx = Placement(OUTBOX, await dps.load_rules(session))
    row = await answer_offer(
        session, ctx, offer_id, bound_provider(principal), utcnow(), accept=True, bid=body.ongoing_hourly_rate
    )
    return _answer_out(row)


@router.post("/{offer_id}/decline", responses=problem_responses(409))
async def decline_offer(offer_id: uuid.UUID, body: DeclineIn, session: SessionDep, principal: ProviderDep) -> AnswerOut:
    """Decline an open offer with a reason code."""
    ctx = Placement(OUTBOX, await dps.load_rules(session))
    row = await answer_offer(
        session,
        ctx,
        offer_id,
        bound_provider(principal),
        utcnow(),
        accept=False,
        reason=body.reason_code,
        note=body.note,
    )
    return _answer_out(row)
