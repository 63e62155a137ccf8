"""A provider's webhook deliveries: the log, and replaying one."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from shared.clock import utcnow
from shared.db.session import SessionDep
from shared.errors import NotFound

from brokerage.api.deps import MAX_PAGE, ProviderDep, bound_provider
from brokerage.api.offer_schemas import DeliveryOut, DeliveryPage
from brokerage.db import webhook_repository as deliveries

router = APIRouter(prefix="/v1/webhook-deliveries", tags=["webhooks"])


@router.get("")
async def list_deliveries(
    session: SessionDep,
    principal: ProviderDep,
    status: Literal["pending", "delivered", "failed"] | None = None,
    after: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> DeliveryPage:
    """This provider's deliveries, with each one's attempts and last error."""
    rows = await deliveries.list_for_provider(
        session, bound_provider(principal), status=status, after=after, limit=limit
    )
    return DeliveryPage(
        items=[DeliveryOut(**r) for r in rows], next_after=rows[-1]["id"] if len(rows) == limit else None
    )


@router.post("/{delivery_id}/replay", status_code=202)
async def replay_delivery(delivery_id: uuid.UUID, session: SessionDep, principal: ProviderDep) -> None:
    """Send a delivery again now (with a fresh 24-hour retry window)."""
    if not await deliveries.requeue(session, delivery_id, bound_provider(principal), utcnow()):
        raise NotFound(f"No delivery {delivery_id}.")
