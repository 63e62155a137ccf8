"""Putting events on the broker in tests, as the producing service would."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from shared.messaging.envelope import EventData, build_envelope, envelope_to_dict
from shared.messaging.kafka import make_producer
from shared.messaging.outbox import payload_bytes


async def publish_events(
    bootstrap: str, events: Sequence[tuple[EventData, str]], *, source: str = "/tests", repeat_last: bool = False
) -> list[uuid.UUID]:
    """Send ``(event, subject)`` pairs keyed by subject, awaiting each; returns the envelope ids.

    ``repeat_last`` sends the last envelope twice: a redelivery an idempotent consumer must ignore.
    """
    producer = make_producer(bootstrap)
    await producer.start()
    ids: list[uuid.UUID] = []
    try:
        payload = b""
        topic = subject = ""
        for data, subject in events:
            envelope = build_envelope(data, subject=subject, source=source)
            payload, topic = payload_bytes(envelope_to_dict(envelope)), data.topic
            await producer.send_and_wait(topic, payload, key=subject.encode())
            ids.append(envelope.id)
        if repeat_last and ids:
            await producer.send_and_wait(topic, payload, key=subject.encode())
    finally:
        await producer.stop()
    return ids
