"""Packages: the winner's view (with personal data), handbacks, and staff's brokerage queue."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from shared.audit import record_audit
from shared.clock import utcnow
from shared.db.session import SessionDep
from shared.errors import NotFound
from shared.web.openapi import problem_responses

from brokerage.api.deps import MAX_PAGE, AdminDep, ProviderDep, ProviderOrAdminDep, bound_provider
from brokerage.api.offer_schemas import (
    HandbackIn,
    HandbackOut,
    ManualAwardIn,
    ManualOfferIn,
    OfferRecord,
    PackageOut,
    PackagePage,
    QueuedPackage,
    SkipOut,
)
from brokerage.db import dps_repository as dps
from brokerage.db import package_repository as packages
from brokerage.domain.cascade import QUEUE_STATUSES, PackageStatus
from brokerage.outbox import OUTBOX
from brokerage.placement.actions import award_by_hand, hand_back, offer_to_named
from brokerage.placement.rounds import Placement

router = APIRouter(prefix="/v1", tags=["packages"])


def _out(pkg: dict[str, Any]) -> PackageOut:
    return PackageOut(**pkg)


@router.get("/packages/{package_id}")
async def get_package(package_id: uuid.UUID, session: SessionDep, principal: ProviderOrAdminDep) -> PackageOut:
    """A package with the person's details: for staff, and for the provider it is awarded to only."""
    pkg = await packages.get_package(session, package_id)
    if pkg is None:
        raise NotFound(f"No package {package_id}.")
    if principal.role == "provider":
        holds_it = pkg["status"] == PackageStatus.AWARDED.value and pkg["provider_id"] == bound_provider(principal)
        if not holds_it:
            raise NotFound(f"No package {package_id}.")
    return _out(pkg)


@router.get("/packages")
async def list_my_packages(
    session: SessionDep,
    principal: ProviderDep,
    after: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> PackagePage:
    """The packages awarded to this provider."""
    rows = await packages.list_packages(
        session,
        statuses=[PackageStatus.AWARDED.value],
        provider_id=bound_provider(principal),
        after=after,
        limit=limit,
    )
    return PackagePage(items=[_out(r) for r in rows], next_after=rows[-1]["id"] if len(rows) == limit else None)


@router.post("/packages/{package_id}/handbacks", status_code=202, responses=problem_responses(409))
async def hand_package_back(
    package_id: uuid.UUID, body: HandbackIn, session: SessionDep, principal: ProviderDep
) -> HandbackOut:
    """Hand a package back with notice; it is re-offered at once, starting after the notice date."""
    ctx = Placement(OUTBOX, await dps.load_rules(session))
    await hand_back(session, ctx, package_id, bound_provider(principal), body.notice_date, body.reason, utcnow())
    pkg = await packages.get_package(session, package_id)
    assert pkg is not None
    return HandbackOut(package_id=package_id, notice_date=body.notice_date, package_status=pkg["status"])


@router.get("/queue")
async def brokerage_queue(
    session: SessionDep,
    _: AdminDep,
    after: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> list[QueuedPackage]:
    """Packages waiting for staff: no zone, or nobody accepted; with each round's offers and recorded skips."""
    rows = await packages.list_packages(
        session, statuses=[s.value for s in QUEUE_STATUSES], provider_id=None, after=after, limit=limit
    )
    return [
        QueuedPackage(
            package=_out(r),
            skips=[SkipOut(**s) for s in await packages.skips_of(session, r["id"])],
            offers=[OfferRecord(**o) for o in await packages.offers_of(session, r["id"])],
        )
        for r in rows
    ]


@router.get("/packages/{package_id}/skips")
async def package_skips(package_id: uuid.UUID, session: SessionDep, _: AdminDep) -> list[SkipOut]:
    """Every provider passed over for the package, by cascade and round, with the reason."""
    return [SkipOut(**s) for s in await packages.skips_of(session, package_id)]


@router.get("/packages/{package_id}/offers")
async def package_offers(package_id: uuid.UUID, session: SessionDep, _: AdminDep) -> list[OfferRecord]:
    """Every offer made for the package, by cascade and round, with each provider's answer."""
    if await packages.get_package(session, package_id) is None:
        raise NotFound(f"No package {package_id}.")
    return [OfferRecord(**o) for o in await packages.offers_of(session, package_id)]


@router.post("/packages/{package_id}/offers", status_code=201, responses=problem_responses(409))
async def offer_to_providers(
    package_id: uuid.UUID, body: ManualOfferIn, session: SessionDep, who: AdminDep
) -> PackageOut:
    """Offer a queued package to named providers, with the usual deadline."""
    ctx = Placement(OUTBOX, await dps.load_rules(session))
    await offer_to_named(session, ctx, package_id, body.provider_ids, body.zone_id, utcnow())
    await record_audit(session, who, "package.offer_by_hand", f"packages/{package_id}", details=body.model_dump())
    pkg = await packages.get_package(session, package_id)
    assert pkg is not None
    return _out(pkg)


@router.post("/packages/{package_id}/award", responses=problem_responses(409))
async def award_package(package_id: uuid.UUID, body: ManualAwardIn, session: SessionDep, who: AdminDep) -> PackageOut:
    """Award a queued package by hand with a reason (``hourly_rate`` overrides the zone rate)."""
    ctx = Placement(OUTBOX, await dps.load_rules(session))
    await award_by_hand(
        session, ctx, package_id, body.provider_id, body.reason, body.hourly_rate, body.zone_id, utcnow()
    )
    award = body.model_dump(exclude={"reason"})
    await record_audit(session, who, "package.award_by_hand", f"packages/{package_id}", body.reason, award)
    pkg = await packages.get_package(session, package_id)
    assert pkg is not None
    return _out(pkg)
