"""Kafka clients configured from settings: at-least-once producers, manual-commit consumers."""

from __future__ import annotations

import contextlib

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.contracts.topics import ALL_TOPICS, dlq_topic
from shared.logging import get_logger

log = get_logger(__name__)


def make_producer(bootstrap: str, *, enable_idempotence: bool = False, client_id: str = "homecare") -> AIOKafkaProducer:
    """A producer that waits for all in-sync replicas and retries; idempotent where the broker allows."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=enable_idempotence,
        linger_ms=5,
        request_timeout_ms=10_000,
        retry_backoff_ms=200,
        max_batch_size=256 * 1024,
    )


def make_consumer(bootstrap: str, group_id: str, topics: list[str], *, client_id: str = "homecare") -> AIOKafkaConsumer:
    """A consumer group member that commits offsets itself, after the database has committed."""
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=3_000,
        request_timeout_ms=40_000,
    )


def all_topic_names() -> list[str]:
    """Every topic and its dead-letter topic."""
    return [name for topic in ALL_TOPICS for name in (topic, dlq_topic(topic))]


async def ensure_topics(
    bootstrap: str, topics: list[str] | None = None, *, partitions: int = 3, replication_factor: int = 1
) -> None:
    """Create the topics if they do not exist yet (idempotent); existing topics are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for t in (topics or all_topic_names()) if t not in existing]
        # With acks=all a write needs this many in-sync copies: one broker may be down without stopping writes.
        configs = {"min.insync.replicas": str(replication_factor - 1)} if replication_factor > 1 else {}
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [NewTopic(t, partitions, replication_factor, topic_configs=configs) for t in wanted]
                )
            log.info("topics_created", topics=wanted)
    finally:
        await admin.close()
