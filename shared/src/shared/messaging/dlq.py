"""Dead letters: the headers a dead-lettered event carries, and replaying a dead-letter topic once
the consumer is fixed."""

from __future__ import annotations

import uuid

from aiokafka import AIOKafkaConsumer, ConsumerRecord

from shared.contracts.topics import dlq_topic
from shared.messaging.kafka import make_producer

# Added to the event's own headers when a consumer group gives up on it.
DEAD_LETTER_HEADERS = {
    "dlq.error": "Why the consumer gave up: the last error (at most 4,000 characters).",
    "dlq.consumer_group": "The consumer group that could not apply the event.",
    "dlq.original_topic": "The topic the event was read from.",
    "dlq.original_partition": "Its partition there.",
    "dlq.original_offset": "Its offset there.",
}
REPLAYED_HEADER = "dlq.replayed"


def dead_letter_headers(record: ConsumerRecord[bytes, bytes], group_id: str, error: str) -> list[tuple[str, bytes]]:
    """The record's own headers plus why, where from and by whom it was dead-lettered."""
    return [
        *list(record.headers or []),
        ("dlq.error", error[:4000].encode()),
        ("dlq.consumer_group", group_id.encode()),
        ("dlq.original_topic", record.topic.encode()),
        ("dlq.original_partition", str(record.partition).encode()),
        ("dlq.original_offset", str(record.offset).encode()),
    ]


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
                    headers.append((REPLAYED_HEADER, b"1"))
                    await (await producer.send(topic, value=rec.value, key=rec.key, headers=headers))
                    count += 1
    finally:
        await consumer.stop()
        await producer.stop()
    return count
