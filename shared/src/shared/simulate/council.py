"""Setting up the council: pricing levels with April rates, zones, award rules, providers, API clients."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from shared.simulate.api import Api, CreateClient
from shared.simulate.scenario import ProviderSpec, Scenario, planned_zone_hours

# Bids are asked for and weighed against quality, as councils with a price-quality DPS do.
RULES = {
    "award_rule": "price_quality_weighted",
    "price_weight": "0.6",
    "quality_weight": "0.4",
    "deadlines": {"urgent_minutes": 120, "standard_minutes": 1440},
    "rounds": 2,
    "market_share_cap": "0.40",
    "enablement_weeks": 6,
    "min_handback_notice_days": 14,
}
VENDORS = ("CallMonitor GPS", "Kernow NFC Systems")


@dataclass
class Council:
    """Who is who in the running stack: provider ids and every role's API key."""

    keys: dict[str, str]
    clients: dict[str, dict[str, str]]
    provider_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    provider_keys: dict[str, str] = field(default_factory=dict)
    webhook_secrets: dict[str, str] = field(default_factory=dict)

    def provider_key_of(self, provider_id: uuid.UUID) -> str:
        """The spec key of a provider id."""
        return next(k for k, v in self.provider_ids.items() if v == provider_id)


def webhook_secret(seed: int, provider: ProviderSpec) -> str:
    """A provider's webhook secret: derived from the seed, so reruns agree."""
    return hashlib.sha256(f"homecare-sim/{seed}/{provider.key}".encode()).hexdigest()[:40]


async def _dps(api: Api, admin: str, scenario: Scenario) -> None:
    last_april = scenario.april.replace(year=scenario.april.year - 1)
    for level in scenario.levels:
        body: dict[str, Any] = {
            "id": level.id,
            "name": level.name,
            "rates": [
                {"service_type": kind, "from_date": str(day), "hourly_rate": str(rate)}
                for day, kind, rate in (
                    (last_april, "ongoing_support", level.last_year_ongoing),
                    (last_april, "enablement", level.last_year_enablement),
                    (scenario.april, "ongoing_support", level.ongoing),
                    (scenario.april, "enablement", level.enablement),
                )
            ],
        }
        await api.call("brokerage", "POST", "/v1/pricing-levels", admin, json=body, ok=(201, 409))
    for zone in scenario.zones:
        body = {
            "id": zone.id,
            "name": zone.name,
            "pricing_level_id": zone.level,
            "coverage": list(zone.districts),
            "planned_weekly_hours": str(planned_zone_hours(scenario.zone_demand[zone.id])),
        }
        await api.call("brokerage", "POST", "/v1/zones", admin, json=body, ok=(201, 409))
    await api.call("brokerage", "PUT", "/v1/rules", admin, json=RULES)


async def set_up_council(
    api: Api, create_client: CreateClient, scenario: Scenario, webhook_base: str | None
) -> Council:
    """Create the DPS and every API client the simulated users need; returns their ids and keys."""
    tag = f"sim{scenario.seed}"
    clients: dict[str, dict[str, str]] = {}
    for role, name in (
        ("admin", "Commissioning team"),
        ("case_management", "Mosaic case management"),
        ("payments_staff", "Payments officer (Jenna Pascoe)"),
        ("payments_approver", "Head of finance (Roger Tonkin)"),
        ("quality_officer", "Quality officer (Wenna Libby)"),
    ):
        clients[role] = await create_client(f"{tag} {name}", role, [])
    council = Council(keys={role: c["key"] for role, c in clients.items()}, clients=clients)
    await _dps(api, council.keys["admin"], scenario)
    for spec in scenario.providers:
        body: dict[str, Any] = {
            "name": spec.name,
            "cqc_location_id": spec.cqc_location_id,
            "cqc_rating": spec.rating,
            "zones": [{"zone_id": z, "status": s} for z, s in spec.zones],
            "weekly_capacity_hours": str(spec.dps_capacity),
            "enablement_allowed": spec.enablement_allowed,
            "ethical_care_charter": True,
        }
        if spec.webhook and webhook_base:
            council.webhook_secrets[spec.key] = webhook_secret(scenario.seed, spec)
            body["webhook_url"] = f"{webhook_base}/{spec.key}"
            body["webhook_secret"] = council.webhook_secrets[spec.key]
        created = await api.json("brokerage", "POST", "/v1/providers", council.keys["admin"], json=body, ok=(201,))
        pid = uuid.UUID(created["id"])
        council.provider_ids[spec.key] = pid
        issued = await create_client(f"{tag} {spec.name}", "provider", [pid])
        council.provider_keys[spec.key] = issued["key"]
        clients[f"provider:{spec.key}"] = {**issued, "provider_id": str(pid), "name": spec.name}
    for n, vendor in enumerate(VENDORS):
        served = [council.provider_ids[p.key] for p in scenario.providers if p.vendor == n]
        issued = await create_client(f"{tag} {vendor}", "etms_vendor", served)
        council.keys[f"vendor{n}"] = issued["key"]
        clients[f"etms_vendor:{n}"] = {**issued, "name": vendor}
    return council
