"""Provider standing changes and their ``brokerage.provider`` events."""

from __future__ import annotations

import uuid
from typing import Any

from shared.contracts.brokerage import ProviderAdmitted, ProviderUpdated, ProviderZone
from shared.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from brokerage.db import dps_repository as dps


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "provider_id": row["id"],
        "name_of_provider": row["name"],
        "cqc_location_id": row["cqc_location_id"],
        "cqc_rating": row["cqc_rating"],
        "zones": [ProviderZone(zone_id=z, status=s) for z, s in row["zones"].items()],
        "enablement_allowed": row["enablement_allowed"],
        "ethical_care_charter": row["ethical_care_charter"],
        "weekly_capacity_hours": row["weekly_capacity_hours"],
    }


async def publish_provider(
    session: AsyncSession,
    outbox: Outbox,
    provider_id: uuid.UUID,
    *,
    admitted: bool,
    reason: str | None = None,
) -> dict[str, Any]:
    """Publish the provider's current standing as ``admitted`` or ``updated``; returns the row."""
    row = await dps.get_provider(session, provider_id)
    assert row is not None, "publish after the provider is written"
    event = ProviderAdmitted(**_fields(row)) if admitted else ProviderUpdated(**_fields(row), reason=reason)
    await outbox.publish(session, event, subject=str(provider_id))
    return row
