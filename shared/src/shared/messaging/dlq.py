"""Replaying a dead-letter topic once the consumer is fixed."""

from __future__ import annotations

import uuid

from aiokafka import AIOKafkaConsumer

from shared.contracts.topics import dlq_topic
from shared.messaging.kafka import make_producer


async def replay_dead_letters(bootstrap: str, topic: str, *, enable_idempotence: bool = False) -> int:
    """Send every message on ``<topic>.dlq`` back to ``<topic>`` (same key and value).

    Uses a fresh consumer group each time so every dead letter is seen; a replayed event that a
    group already applied is skipped by that group's idempotency markers.
    """
    consumer = AIOKafkaConsumer(
        dlq_topic(topic),
        bootstrap_servers=bootstrap,
        group_id=f"dlq-replay-{uuid.uuid4()}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = make_producer(bootstrap, enable_idempotence=enable_idempotence, client_id="dlq-replay")
    await consumer.start()
    await producer.start()
    count = 0
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=1500)
            if not batch:
                break
            for records in batch.values():
                for rec in records:
                    headers = [(k, v) for k, v in (rec.headers or []) if not k.startswith("dlq.")]
                    headers.append(("dlq.replayed", b"1"))
                    await (await producer.send(topic, value=rec.value, key=rec.key, headers=headers))
                    count += 1
    finally:
        await consumer.stop()
        await producer.stop()
    return count
