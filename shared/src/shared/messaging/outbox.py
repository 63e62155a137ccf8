"""Writing events to the outbox, in the caller's transaction, beside the change they describe."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from itertools import repeat
from typing import Any

from sqlalchemy import Table, event, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.logging import get_logger
from shared.messaging.envelope import Envelope, EventData, build_envelope, envelope_to_dict

log = get_logger(__name__)

# The Kafka headers of every event, so a consumer can route or trace without parsing the value.
KAFKA_HEADERS = {
    "ce_type": "The envelope's type (CloudEvents Kafka binding name).",
    "ce_id": "The envelope's id.",
    "correlationid": "The envelope's correlationid, when it has one.",
}


def kafka_headers(envelope: Envelope[EventData]) -> dict[str, str]:
    """The headers an event is sent with (stored on its outbox row)."""
    headers = {"ce_type": envelope.type, "ce_id": str(envelope.id)}
    if envelope.correlationid:
        headers["correlationid"] = envelope.correlationid
    return headers


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
        return {
            "id": env.id,
            "aggregatetype": event.topic,
            "aggregateid": subject,
            "type": env.type,
            "topic": event.topic,
            "payload": envelope_to_dict(env),
            "headers": kafka_headers(env),
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
        correlation_ids: Sequence[str | None] | None = None,
    ) -> None:
        """Add many ``(event, subject)`` pairs in one statement, in order.

        ``correlation_ids`` gives one per event, for a batch that spans several flows.
        """
        if not events:
            return
        cids = correlation_ids if correlation_ids is not None else repeat(correlation_id)
        rows = [self._row(e, s, cid, causation_id) for (e, s), cid in zip(events, cids, strict=False)]
        await session.execute(insert(self.table), rows)
        await session.execute(text("SELECT pg_notify(:ch, '')"), {"ch": notify_channel(self.schema)})
        # Logged when the transaction commits: a rolled-back change published nothing.
        event.listen(session.sync_session, "after_commit", lambda _: _log_published(rows), once=True)


def _log_published(rows: Sequence[dict[str, Any]]) -> None:
    """One line per flow: what was written to the outbox under that correlation id."""
    by_flow: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_flow[row["payload"]["correlationid"]].append(row)
    for cid, flow_rows in by_flow.items():
        log.info(
            "events_published",
            correlation_id=cid,
            count=len(flow_rows),
            types=sorted({r["type"] for r in flow_rows}),
            subjects=sorted({r["aggregateid"] for r in flow_rows})[:10],
        )


def payload_bytes(payload: Any) -> bytes:
    """The Kafka message value of an outbox payload (stored as JSONB)."""
    return json.dumps(payload, separators=(",", ":")).encode()
