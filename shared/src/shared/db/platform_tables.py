"""Tables every service has in its own schema: the outbox and the processed-event markers."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID


def outbox_table(metadata: MetaData) -> Table:
    """The transactional outbox, Debezium-outbox-router compatible, plus ``seq`` for strict order."""
    return Table(
        "outbox_event",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("seq", BigInteger, Identity(always=True), nullable=False, unique=True),
        Column("aggregatetype", String(100), nullable=False),
        Column("aggregateid", String(100), nullable=False),
        Column("type", String(200), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
        Index("ix_outbox_event_unpublished", "seq", postgresql_where=text("published_at IS NULL")),
    )


def processed_event_table(metadata: MetaData) -> Table:
    """One row per event a consumer group has applied: the idempotency marker."""
    return Table(
        "processed_event",
        metadata,
        Column("consumer_group", String(200), nullable=False),
        Column("event_id", UUID(as_uuid=True), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer_group", "event_id"),
    )


def add_platform_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Register the outbox and processed-event tables in a service's metadata."""
    return outbox_table(metadata), processed_event_table(metadata)


def create_platform_tables(schema: str) -> None:
    """For a service's first Alembic migration: create the outbox and processed-event tables."""
    from alembic import op

    from shared.db.base import make_metadata

    metadata = make_metadata(schema)
    add_platform_tables(metadata)
    metadata.create_all(op.get_bind())


def drop_platform_tables(schema: str) -> None:
    """Downgrade counterpart of :func:`create_platform_tables`."""
    from alembic import op

    op.drop_table("processed_event", schema=schema)
    op.drop_table("outbox_event", schema=schema)
