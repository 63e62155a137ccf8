"""The brokerage schema: the DPS (pricing, zones, providers, rules), packages and offers, webhooks."""

from __future__ import annotations

from shared.db.base import make_metadata
from shared.db.platform_tables import add_platform_tables
from sqlalchemy import (
    Boolean,
    CheckConstraint,
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

SCHEMA = "brokerage"
metadata = make_metadata(SCHEMA)
outbox_event, processed_event = add_platform_tables(metadata)


def _timestamps() -> list[Column[object]]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


pricing_level = Table(
    "pricing_level",
    metadata,
    Column("id", String(50), primary_key=True),
    Column("name", String(200), nullable=False),
    *_timestamps(),
)

rate = Table(
    "rate",
    metadata,
    Column("pricing_level_id", String(50), ForeignKey(pricing_level.c.id, ondelete="CASCADE"), nullable=False),
    Column("service_type", String(30), nullable=False),
    Column("from_date", Date, nullable=False),
    Column("hourly_rate", Numeric(10, 2), nullable=False),
    PrimaryKeyConstraint("pricing_level_id", "service_type", "from_date"),
)

zone = Table(
    "zone",
    metadata,
    Column("id", String(50), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("pricing_level_id", String(50), ForeignKey(pricing_level.c.id), nullable=False),
    # The zone's predicted weekly demand: the market-share cap's denominator in a young zone.
    Column("planned_weekly_hours", Numeric(12, 2), nullable=True),
    *_timestamps(),
)

zone_coverage = Table(
    "zone_coverage",
    metadata,
    Column("zone_id", String(50), ForeignKey(zone.c.id, ondelete="CASCADE"), nullable=False),
    # A postcode district ("PL25") or sector ("PL25 5"); looked up by exact match.
    Column("entry", String(10), nullable=False),
    PrimaryKeyConstraint("zone_id", "entry"),
    Index("ix_zone_coverage_entry", "entry"),
)

provider = Table(
    "provider",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("cqc_location_id", String(50), nullable=False),
    Column("cqc_rating", String(30), nullable=False),
    Column("weekly_capacity_hours", Numeric(10, 2), nullable=False),
    Column("enablement_allowed", Boolean, nullable=False),
    Column("ethical_care_charter", Boolean, nullable=False),
    Column("webhook_url", Text, nullable=True),
    Column("webhook_secret", Text, nullable=True),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("quality_score", Numeric(6, 2), nullable=True),
    Column("quality_scored_for", Date, nullable=True),
    *_timestamps(),
)

provider_zone = Table(
    "provider_zone",
    metadata,
    Column("provider_id", UUID(as_uuid=True), ForeignKey(provider.c.id, ondelete="CASCADE"), nullable=False),
    Column("zone_id", String(50), ForeignKey(zone.c.id), nullable=False),
    Column("status", String(20), nullable=False),
    PrimaryKeyConstraint("provider_id", "zone_id"),
    CheckConstraint("status IN ('prime', 'supplementary')", name="status"),
    Index("ix_provider_zone_zone", "zone_id"),
)

council_rules = Table(
    "council_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rules", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("id = 1", name="single_row"),
)
