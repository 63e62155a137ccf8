"""The DPS administration endpoints: pricing levels, zones, providers and the council's rules."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from shared.audit import record_audit
from shared.clock import utcnow
from shared.db.session import SessionDep
from shared.errors import Conflict, InvalidInput, NotFound, field_error
from shared.web.openapi import problem_responses

from brokerage.api.deps import MAX_PAGE, AdminDep, StaffReaderDep
from brokerage.api.dps_schemas import (
    PricingLevelIn,
    PricingLevelOut,
    ProviderIn,
    ProviderOut,
    ProviderPage,
    ProviderPatch,
    ProviderZoneIn,
    RateOut,
    ZoneIn,
    ZoneOut,
)
from brokerage.db import dps_repository as dps
from brokerage.domain.rates import Rate
from brokerage.domain.rules import CouncilRules
from brokerage.domain.zones import InvalidPostcodeError, normalise_coverage
from brokerage.outbox import OUTBOX
from brokerage.placement.providers import publish_provider

router = APIRouter(prefix="/v1", tags=["dps"])


def _level_out(level_id: str, name: str, rates: list[Rate]) -> PricingLevelOut:
    return PricingLevelOut(
        id=level_id,
        name=name,
        rates=[RateOut(service_type=r.service_type, from_date=r.from_date, hourly_rate=r.hourly_rate) for r in rates],
    )


@router.post("/pricing-levels", status_code=201, responses=problem_responses(409))
async def create_pricing_level(body: PricingLevelIn, session: SessionDep, who: AdminDep) -> PricingLevelOut:
    """Create a pricing level with its rates by service type and start date."""
    keys = [(r.service_type, r.from_date) for r in body.rates]
    dupes = [i for i, k in enumerate(keys) if keys.index(k) != i]
    if dupes:
        raise InvalidInput(
            "Two rates for one service type start on the same date.",
            errors=[field_error(f"rates.{i}.from_date", "duplicate service type and date", "duplicate") for i in dupes],
        )
    rates = [Rate(r.service_type, r.from_date, r.hourly_rate) for r in body.rates]
    if not await dps.insert_pricing_level(session, body.id, body.name, rates):
        raise Conflict(f"Pricing level {body.id} already exists.")
    await record_audit(session, who, "pricing_level.create", f"pricing-levels/{body.id}", details=body.model_dump())
    return _level_out(body.id, body.name, rates)


@router.get("/pricing-levels")
async def list_pricing_levels(session: SessionDep, _: AdminDep) -> list[PricingLevelOut]:
    """Every pricing level with its rates."""
    return [_level_out(*level) for level in await dps.list_pricing_levels(session)]


@router.post("/zones", status_code=201, responses=problem_responses(409))
async def create_zone(body: ZoneIn, session: SessionDep, who: AdminDep) -> ZoneOut:
    """Create a zone covering postcode districts (``PL25``) and/or sectors (``PL26 6``)."""
    errors = []
    coverage: list[str] = []
    for i, entry in enumerate(body.coverage):
        try:
            normalised = normalise_coverage(entry)
        except InvalidPostcodeError as exc:
            errors.append(field_error(f"coverage.{i}", str(exc), "invalid_postcode_area"))
            continue
        if normalised not in coverage:
            coverage.append(normalised)
    if not await dps.pricing_level_exists(session, body.pricing_level_id):
        errors.append(field_error("pricing_level_id", f"no pricing level {body.pricing_level_id}", "unknown"))
    if errors:
        raise InvalidInput("The zone has errors.", errors=errors)
    created = await dps.insert_zone(
        session,
        zone_id=body.id,
        name=body.name,
        pricing_level_id=body.pricing_level_id,
        coverage=coverage,
        planned_weekly_hours=body.planned_weekly_hours,
    )
    if not created:
        raise Conflict(f"Zone {body.id} already exists.")
    await record_audit(session, who, "zone.create", f"zones/{body.id}", details={"coverage": coverage})
    return ZoneOut(**{**body.model_dump(), "coverage": coverage})


@router.get("/zones")
async def list_zones(session: SessionDep, _: AdminDep) -> list[ZoneOut]:
    """Every zone with its coverage."""
    return [ZoneOut(**z) for z in await dps.list_zones(session)]


def _provider_out(row: dict[str, Any]) -> ProviderOut:
    zones = [ProviderZoneIn(zone_id=z, status=s) for z, s in row["zones"].items()]
    return ProviderOut(**{**row, "zones": zones})


async def _check_zones(session: SessionDep, zones: list[ProviderZoneIn]) -> dict[str, str]:
    ids = [z.zone_id for z in zones]
    known = await dps.existing_zone_ids(session, ids)
    errors = [field_error(f"zones.{i}.zone_id", f"no zone {z}", "unknown") for i, z in enumerate(ids) if z not in known]
    errors += [
        field_error(f"zones.{i}.zone_id", "zone listed twice", "duplicate")
        for i, z in enumerate(ids)
        if ids.index(z) != i
    ]
    if errors:
        raise InvalidInput("The provider's zones have errors.", errors=errors)
    return {z.zone_id: z.status for z in zones}


@router.post("/providers", status_code=201)
async def admit_provider(body: ProviderIn, session: SessionDep, who: AdminDep) -> ProviderOut:
    """Admit a provider to the DPS with its zones, capacity and webhook."""
    zones = await _check_zones(session, body.zones)
    if (body.webhook_url is None) != (body.webhook_secret is None):
        message = "webhook_url and webhook_secret go together"
        raise InvalidInput(message, errors=[field_error("webhook_secret", message, "required")])
    provider_id = uuid.uuid4()
    values = body.model_dump(exclude={"zones"})
    values |= {"id": provider_id, "webhook_url": str(body.webhook_url) if body.webhook_url else None}
    await dps.insert_provider(session, values, zones)
    await record_audit(session, who, "provider.admit", f"providers/{provider_id}", details={"zones": zones})
    return _provider_out(await publish_provider(session, OUTBOX, provider_id, admitted=True))


@router.get("/providers")
async def list_providers(
    session: SessionDep,
    _: StaffReaderDep,
    after: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> ProviderPage:
    """Providers by id, a page at a time."""
    rows = await dps.list_providers(session, after=after, limit=limit)
    return ProviderPage(
        items=[_provider_out(r) for r in rows], next_after=rows[-1]["id"] if len(rows) == limit else None
    )


@router.get("/providers/{provider_id}")
async def get_provider(provider_id: uuid.UUID, session: SessionDep, _: StaffReaderDep) -> ProviderOut:
    """One provider."""
    row = await dps.get_provider(session, provider_id)
    if row is None:
        raise NotFound(f"No provider {provider_id}.")
    return _provider_out(row)


@router.patch("/providers/{provider_id}")
async def update_provider(
    provider_id: uuid.UUID, body: ProviderPatch, session: SessionDep, who: AdminDep
) -> ProviderOut:
    """Change a provider's standing; publishes ``brokerage.provider.updated``."""
    if await dps.get_provider(session, provider_id, lock=True) is None:
        raise NotFound(f"No provider {provider_id}.")
    changes = body.model_dump(exclude_unset=True, exclude={"zones", "reason"})
    if "webhook_url" in changes and changes["webhook_url"] is not None:
        changes["webhook_url"] = str(changes["webhook_url"])
    if body.zones is not None:
        await dps.set_provider_zones(session, provider_id, await _check_zones(session, body.zones))
    await dps.update_provider(session, provider_id, changes)
    changed = body.model_dump(mode="json", exclude_unset=True, exclude={"reason", "webhook_secret"})
    await record_audit(session, who, "provider.update", f"providers/{provider_id}", body.reason, changed)
    return _provider_out(await publish_provider(session, OUTBOX, provider_id, admitted=False, reason=body.reason))


@router.get("/rules")
async def get_rules(session: SessionDep, _: AdminDep) -> CouncilRules:
    """The council's placement rules (defaults until set)."""
    return await dps.load_rules(session)


@router.put("/rules")
async def put_rules(body: CouncilRules, session: SessionDep, who: AdminDep) -> CouncilRules:
    """Replace the council's placement rules; rounds already open keep their deadlines."""
    await dps.save_rules(session, body, utcnow())
    await record_audit(session, who, "rules.replace", "rules", details=body.model_dump(mode="json"))
    return body
