"""The ``auth`` schema: the platform's API clients (an identity service would own it in production)
and the audit log of what they, and the operators, did with administrative powers."""

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, String, Table, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from shared.db.base import make_metadata

SCHEMA = "auth"
metadata = make_metadata(SCHEMA)

api_client = Table(
    "api_client",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("provider_ids", ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"),
    Column("key_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("rotated_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

# Append-only: a trigger (migration auth_0002) refuses UPDATE, DELETE and TRUNCATE.
audit_entry = Table(
    "audit_entry",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    # now(): the start of the action's own transaction, the same instant its other writes carry.
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("service", String(40), nullable=False),
    # Null when an operator acted on the server's command line rather than through an API client.
    Column("actor_client_id", UUID(as_uuid=True), nullable=True),
    Column("actor_name", String(200), nullable=False),
    Column("actor_role", String(40), nullable=False),
    Column("action", String(100), nullable=False),
    Column("resource", String(300), nullable=False),
    Column("reason", Text, nullable=True),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("correlation_id", String(100), nullable=True),
    Index("ix_audit_entry_service_id", "service", "id"),
)
