"""Publishing events about a package to the outbox and, for the providers they concern, queueing
signed webhooks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from shared.clock import utcnow
from shared.logging import flow_correlation_id
from shared.messaging.envelope import EventData, build_envelope, envelope_to_dict
from shared.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from brokerage.db import package_repository as packages
from brokerage.db.webhook_repository import queue_deliveries

# An event, and the providers to send it to as a webhook.
Notice = tuple[EventData, Sequence[uuid.UUID]]


async def publish(
    session: AsyncSession,
    outbox: Outbox,
    event: EventData,
    *,
    package: Mapping[str, Any],
    notify: Sequence[uuid.UUID] = (),
) -> None:
    """Write ``event`` about ``package`` (its row) to the outbox and queue it as a webhook to each
    provider in ``notify``."""
    await publish_all(session, outbox, [(event, notify)], package=package)


async def publish_all(
    session: AsyncSession, outbox: Outbox, notices: Sequence[Notice], *, package: Mapping[str, Any]
) -> None:
    """Write events about ``package`` to the outbox in order, each queued as a webhook to its providers.

    A webhook body is the event's own envelope JSON, written in the same transaction as the outbox
    rows, so a provider is told of exactly the changes that committed. Events carry the package's
    flow as correlation id when a request or a sweep (not an event) is the cause. A round's offers go
    out in one outbox write, one read of who has a webhook and one queue write, however many they are.
    """
    if not notices:
        return
    subject = str(package["id"])
    flow = flow_correlation_id(package["correlation_id"])
    await outbox.publish_many(session, [(event, subject) for event, _ in notices], correlation_id=flow)
    wanted = sorted({p for _, notify in notices for p in notify})
    targets = await packages.provider_webhook_targets(session, wanted) if wanted else set()
    if not targets:
        return
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for event, notify in notices:
        receivers = sorted(targets.intersection(notify))
        if not receivers:
            continue
        envelope = build_envelope(event, subject=subject, source=outbox.source, correlation_id=flow)
        body = json.dumps(envelope_to_dict(envelope), separators=(",", ":"))
        rows.extend(
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
            for provider_id in receivers
        )
    await queue_deliveries(session, rows)
