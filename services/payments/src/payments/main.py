"""The payments service: pays providers for what was delivered, to the penny, once."""

from __future__ import annotations

from fastapi import FastAPI
from shared.contracts.payments import SOURCE
from shared.web import ConsumerSpec, ServiceDefinition, create_service_app

from payments.api.periods import resume_interrupted_calculations
from payments.api.periods import router as periods_router
from payments.api.remittances import router as remittances_router
from payments.db.tables import metadata
from payments.events.handlers import HANDLERS
from payments.settings import PaymentsSettings


def create_app(settings: PaymentsSettings | None = None) -> FastAPI:
    """The payments app: API, the consumer of package, referral and visit events, the outbox relay."""
    settings = settings or PaymentsSettings()
    return create_service_app(
        ServiceDefinition(
            name="payments",
            title="homecare payments",
            description="Four-weekly payment of home care providers: lines, totals, approval, remittances.",
            settings=settings,
            metadata=metadata,
            source=SOURCE,
            routers=[periods_router, remittances_router],
            consumers=[ConsumerSpec(group_id="payments", handlers=HANDLERS)],
            background=[resume_interrupted_calculations],
        )
    )


app = create_app()
