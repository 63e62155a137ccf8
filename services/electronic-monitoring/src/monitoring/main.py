"""The electronic-monitoring service: ETMS ingest, visits matched to plans, ``monitoring.visit`` events."""

from __future__ import annotations

from fastapi import FastAPI
from shared.contracts.monitoring import SOURCE
from shared.web.app import ConsumerSpec, ServiceDefinition, create_service_app

from monitoring.api.cancellations import router as cancellations_router
from monitoring.api.geofence import router as geofence_router
from monitoring.api.rotas import router as rotas_router
from monitoring.api.visit_events import router as visit_events_router
from monitoring.api.visits import router as visits_router
from monitoring.db.tables import metadata
from monitoring.events.package_handlers import HANDLERS
from monitoring.events.visit_worker import derive_visits_forever, scan_missed_forever
from monitoring.settings import MonitoringSettings


def create_app(settings: MonitoringSettings | None = None) -> FastAPI:
    """The app; its lifespan opens the database, starts the relay, the consumer and the workers."""
    settings = settings or MonitoringSettings()
    rules = settings.rules()
    return create_service_app(
        ServiceDefinition(
            name="electronic-monitoring",
            title="homecare electronic monitoring",
            description="ETMS check-in and check-out ingest, visits matched to plans, and flags.",
            settings=settings,
            metadata=metadata,
            source=SOURCE,
            routers=[visit_events_router, visits_router, rotas_router, cancellations_router, geofence_router],
            consumers=[ConsumerSpec(group_id="monitoring-plans", handlers=HANDLERS)],
            background=[derive_visits_forever, scan_missed_forever] if settings.run_workers else [],
            # The JSON of 5,000 events can approach the 10 MiB the issue allows; over it is a 413.
            body_limits={"/v1/visit-events": rules.max_batch_bytes},
        )
    )


app = create_app()
