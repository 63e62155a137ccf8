"""The ``referrals`` schema: referrals, their amendments and reviews, and used idempotency keys."""

from __future__ import annotations

from shared.db.base import make_metadata
from shared.db.platform_tables import add_platform_tables
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

SCHEMA = "referrals"
metadata = make_metadata(SCHEMA)
add_platform_tables(metadata)

referral = Table(
    "referral",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("client_id", UUID(as_uuid=True), nullable=False),
    Column("external_ref", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    # The personal data, as the case-management system sent it (NHS number and postcode normalised).
    Column("person", JSONB, nullable=False),
    Column("service_type", String(30), nullable=False),
    Column("outcomes", JSONB, nullable=False),
    Column("visit_pattern", JSONB, nullable=False),
    Column("weekly_hours", Numeric(10, 4), nullable=False),
    Column("budget", JSONB, nullable=True),
    Column("payment_basis", String(30), nullable=False),
    Column("funding", JSONB, nullable=False),
    Column("client_contribution", JSONB, nullable=True),
    Column("start_date", Date, nullable=False),
    Column("urgency", String(10), nullable=False),
    # From brokerage's award: who delivers and from when (a placed package is active from then).
    Column("provider_id", UUID(as_uuid=True), nullable=True),
    Column("care_start_date", Date, nullable=True),
    Column("suspension_reason", String(30), nullable=True),
    Column("suspended_from", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("end_reason", String(30), nullable=True),
    Column("cancel_reason", Text, nullable=True),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("client_id", "external_ref"),
    # The list endpoint pages each client's referrals by (updated_at, id).
    Index("ix_referral_client_updated", "client_id", "updated_at", "id"),
)

amendment = Table(
    "amendment",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("referral_id", UUID(as_uuid=True), ForeignKey(referral.c.id), nullable=False, index=True),
    Column("effective_from", Date, nullable=False),
    Column("changes", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

review = Table(
    "review",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("referral_id", UUID(as_uuid=True), ForeignKey(referral.c.id), nullable=False, index=True),
    Column("review_date", Date, nullable=False),
    Column("outcomes", JSONB, nullable=False),
    Column("all_met", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

idempotency_key = Table(
    "idempotency_key",
    metadata,
    Column("client_id", UUID(as_uuid=True), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    # The first answer, replayed as it was for the same key and body.
    Column("response", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
