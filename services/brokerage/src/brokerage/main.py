"""The brokerage service: the DPS, the offer cascade, awards, handbacks and provider webhooks."""

from __future__ import annotations

from fastapi import FastAPI
from shared.contracts.brokerage import SOURCE
from shared.web.app import ConsumerSpec, ServiceDefinition, create_service_app

from brokerage.api.dps import router as dps_router
from brokerage.api.offers import router as offers_router
from brokerage.api.packages import router as packages_router
from brokerage.api.webhooks import router as webhooks_router
from brokerage.db import package_tables  # noqa: F401  (registers the package tables on the metadata)
from brokerage.db.tables import metadata
from brokerage.deadlines import deadline_sweeper
from brokerage.events.handlers import CONSUMER_GROUP, HANDLERS
from brokerage.settings import BrokerageSettings
from brokerage.webhook_worker import webhook_worker


def create_app(settings: BrokerageSettings | None = None) -> FastAPI:
    """The app; its lifespan starts the relay, the consumer, the deadline sweeper and the webhook worker."""
    return create_service_app(
        ServiceDefinition(
            name="brokerage",
            title="homecare brokerage",
            description="The dynamic purchasing system: zones, rates, providers, offers, awards, webhooks.",
            settings=settings or BrokerageSettings(),
            metadata=metadata,
            source=SOURCE,
            routers=[dps_router, offers_router, packages_router, webhooks_router],
            consumers=[ConsumerSpec(group_id=CONSUMER_GROUP, handlers=HANDLERS)],
            background=[deadline_sweeper, webhook_worker],
        )
    )


app = create_app()
