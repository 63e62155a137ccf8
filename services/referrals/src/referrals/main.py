"""The referrals service: the API council case-management systems call (port 8001)."""

from __future__ import annotations

import shared.contracts.referrals
from fastapi import FastAPI
from shared.web import ConsumerSpec, ServiceDefinition, create_service_app

from referrals.api.commands import router as commands_router
from referrals.api.referrals import router as referrals_router
from referrals.db.tables import metadata
from referrals.events.brokerage import HANDLERS
from referrals.settings import ReferralsSettings


def create_app(settings: ReferralsSettings | None = None) -> FastAPI:
    """The referrals app: API, outbox relay and the brokerage consumer."""
    settings = settings or ReferralsSettings()
    return create_service_app(ServiceDefinition(
        name="referrals",
        title="homecare referrals",
        description="Packages of care requested by council case-management systems, followed through "
                    "their life.",
        settings=settings,
        metadata=metadata,
        source=shared.contracts.referrals.SOURCE,
        routers=[referrals_router, commands_router],
        consumers=[ConsumerSpec(group_id="referrals", handlers=HANDLERS)],
    ))


app = create_app()
