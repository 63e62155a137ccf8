"""Publishing an event to the outbox and, for the providers it concerns, queueing a signed webhook."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from shared.clock import utcnow
from shared.logging import flow_correlation_id
from shared.messaging.envelope import EventData, build_envelope, envelope_to_dict
from shared.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from brokerage.db import package_repository as packages
from brokerage.db.webhook_repository import queue_deliveries


async def publish(
    session: AsyncSession, outbox: Outbox, event: EventData, *, subject: str, notify: Sequence[uuid.UUID] = ()
) -> None:
    """Write ``event`` to the outbox and queue it as a webhook to each provider in ``notify``.

    The webhook body is the event's own envelope JSON, written in the same transaction as the
    outbox row, so a provider is told of exactly the changes that committed. Both carry the
    package's flow as correlation id when a request or a sweep (not an event) is the cause.
    """
    flow = flow_correlation_id(await packages.correlation_id_of(session, uuid.UUID(subject)))
    await outbox.publish(session, event, subject=subject, correlation_id=flow)
    targets = await packages.provider_webhook_targets(session, notify) if notify else set()
    if not targets:
        return
    envelope = build_envelope(event, subject=subject, source=outbox.source, correlation_id=flow)
    body = json.dumps(envelope_to_dict(envelope), separators=(",", ":"))
    now = utcnow()
    await queue_deliveries(
        session,
        [
            {
                "id": uuid.uuid4(),
                "provider_id": provider_id,
                "event_id": envelope.id,
                "event_type": envelope.type,
                "body": body,
                "status": "pending",
                "created_at": now,
                "next_attempt_at": now,
            }
            for provider_id in sorted(targets)
        ],
    )
