"""Packages, their offers, the skips recorded per round, handbacks and webhook deliveries."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from brokerage.db.tables import metadata

package = Table(
    "package",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),  # the referral id
    Column("status", String(20), nullable=False),
    Column("zone_id", String(50), nullable=True),
    Column("postcode", String(10), nullable=False),
    # The person's identity: shown to the winner only, never in an offer.
    Column("person", JSONB, nullable=False),
    Column("service_type", String(30), nullable=False),
    Column("urgency", String(20), nullable=False),
    Column("weekly_hours", Numeric(10, 2), nullable=False),
    Column("visit_pattern", JSONB, nullable=False),
    Column("outcomes", JSONB, nullable=False),
    Column("budget", JSONB, nullable=True),
    Column("payment_basis", String(30), nullable=False),
    Column("funding", JSONB, nullable=False),
    Column("client_contribution", JSONB, nullable=True),
    Column("start_date", Date, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    # The referral's flow: events about the package from requests and sweeps carry it, so it can be traced.
    Column("correlation_id", String(100), nullable=True),
    # Each (re-)offer of the package is a new cascade; rounds count within it (0 is a manual round).
    Column("cascade", Integer, nullable=False, server_default=text("0")),
    Column("current_round", Integer, nullable=True),
    Column("round_deadline", DateTime(timezone=True), nullable=True),
    Column("provider_id", UUID(as_uuid=True), nullable=True),
    Column("hourly_rate", Numeric(10, 2), nullable=True),
    Column("ongoing_hourly_rate", Numeric(10, 2), nullable=True),
    Column("awarded_at", DateTime(timezone=True), nullable=True),
    Column("award_method", String(10), nullable=True),
    Column("award_reason", Text, nullable=True),
    Column("unplaced_reason", Text, nullable=True),
    Column("suspended_from", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The deadline sweeper's scan: only packages with a round open.
    Index("ix_package_round_deadline", "round_deadline", postgresql_where=text("status = 'offering'")),
    Index("ix_package_provider", "provider_id", postgresql_where=text("status = 'awarded'")),
    # A zone's placed hours, read whenever a round opens or closes.
    Index("ix_package_zone_awarded", "zone_id", postgresql_where=text("status = 'awarded'")),
    Index("ix_package_status", "status"),
)

offer = Table(
    "offer",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("package_id", UUID(as_uuid=True), ForeignKey(package.c.id), nullable=False),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("cascade", Integer, nullable=False),
    Column("round", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("offered_at", DateTime(timezone=True), nullable=False),
    Column("deadline", DateTime(timezone=True), nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=True),
    Column("bid", Numeric(10, 2), nullable=True),
    Column("decline_reason", String(50), nullable=True),
    Column("decline_note", Text, nullable=True),
    Index("ix_offer_provider_status", "provider_id", "status"),
    Index("ix_offer_package_round", "package_id", "cascade", "round"),
)

round_skip = Table(
    "round_skip",
    metadata,
    Column("package_id", UUID(as_uuid=True), ForeignKey(package.c.id), nullable=False),
    Column("cascade", Integer, nullable=False),
    Column("round", Integer, nullable=False),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("package_id", "cascade", "round", "provider_id"),
)

handback = Table(
    "handback",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("package_id", UUID(as_uuid=True), ForeignKey(package.c.id), nullable=False),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("notice_date", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_handback_package", "package_id"),
)

webhook_delivery = Table(
    "webhook_delivery",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("body", Text, nullable=False),  # the exact bytes signed and sent
    # pending -> delivered, or failed once the 24-hour window is spent.
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("last_attempt_at", DateTime(timezone=True), nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Index("ix_webhook_delivery_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    Index("ix_webhook_delivery_provider", "provider_id", "created_at"),
)
