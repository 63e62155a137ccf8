"""The ``auth`` schema: the platform's API clients (an identity service would own it in production)."""

from sqlalchemy import Column, DateTime, String, Table, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, UUID

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
