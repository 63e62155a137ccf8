"""Writing events to the outbox, in the caller's transaction, beside the change they describe."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.messaging.envelope import EventData, build_envelope, envelope_to_dict


def notify_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel that wakes a service's relay."""
    return f"homecare_outbox_{schema}"


class Outbox:
    """A service's outbox: ``await outbox.publish(session, event, subject=...)``.

    Nothing is sent here: the row commits with the caller's transaction and the relay sends it,
    so a change and its event are written together or not at all.
    """

    def __init__(self, table: Table, *, source: str) -> None:
        self.table = table
        self.source = source
        self.schema = table.schema or "public"

    def _row(
        self, event: EventData, subject: str, correlation_id: str | None, causation_id: str | None
    ) -> dict[str, Any]:
        env = build_envelope(
            event, subject=subject, source=self.source, correlation_id=correlation_id, causation_id=causation_id
        )
        headers = {"ce_type": env.type, "ce_id": str(env.id)}
        if env.correlationid:
            headers["correlationid"] = env.correlationid
        return {
            "id": env.id,
            "aggregatetype": event.topic,
            "aggregateid": subject,
            "type": env.type,
            "topic": event.topic,
            "payload": envelope_to_dict(env),
            "headers": headers,
        }

    async def publish(
        self,
        session: AsyncSession,
        event: EventData,
        *,
        subject: str,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> None:
        """Add one event to the outbox in the session's transaction."""
        await self.publish_many(session, [(event, subject)], correlation_id=correlation_id, causation_id=causation_id)

    async def publish_many(
        self,
        session: AsyncSession,
        events: Sequence[tuple[EventData, str]],
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> None:
        """Add many ``(event, subject)`` pairs in one statement, in order."""
        if not events:
            return
        rows = [self._row(e, s, correlation_id, causation_id) for e, s in events]
        await session.execute(insert(self.table), rows)
        await session.execute(text("SELECT pg_notify(:ch, '')"), {"ch": notify_channel(self.schema)})


def payload_bytes(payload: Any) -> bytes:
    """The Kafka message value of an outbox payload (stored as JSONB)."""
    return json.dumps(payload, separators=(",", ":")).encode()
