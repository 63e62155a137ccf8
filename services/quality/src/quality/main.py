"""The quality service: KPIs from other services' events, scores, benchmarks and recommendations."""

from __future__ import annotations

from fastapi import FastAPI
from shared.contracts.quality import SOURCE
from shared.web.app import ConsumerSpec, ServiceDefinition, create_service_app

from quality.api.benchmarks import router as benchmarks_router
from quality.api.config import router as config_router
from quality.api.decisions import router as decisions_router
from quality.api.records import router as records_router
from quality.api.reports import router as reports_router
from quality.db.tables import metadata
from quality.events.handlers import CONSUMER_GROUP, HANDLERS
from quality.period_run import evaluate_closed_periods_forever
from quality.settings import QualitySettings


def create_app(settings: QualitySettings | None = None) -> FastAPI:
    """The app; its lifespan opens the database and starts the outbox relay and the consumer."""
    settings = settings or QualitySettings()
    return create_service_app(
        ServiceDefinition(
            name="quality",
            title="homecare quality",
            description="KPIs per provider, zone and council; scores, benchmarks and recommended decisions.",
            settings=settings,
            metadata=metadata,
            source=SOURCE,
            routers=[records_router, reports_router, decisions_router, benchmarks_router, config_router],
            consumers=[ConsumerSpec(group_id=CONSUMER_GROUP, handlers=HANDLERS)],
            background=[evaluate_closed_periods_forever] if settings.auto_evaluate else [],
        )
    )


app = create_app()
