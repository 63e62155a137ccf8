"""The quality schema: facts taken from other services' events, officers' records, and results.

Facts are keyed by the id of what they describe and overwritten only by a later revision, so KPIs
computed from them never count a redelivered or superseded event twice. Each fact row keeps when it
was last written (``changed_at``), with no shared row to contend for, so late changes are found.
"""

from __future__ import annotations

from shared.db.base import make_metadata
from shared.db.platform_tables import add_platform_tables
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

SCHEMA = "quality"
metadata = make_metadata(SCHEMA)
outbox_event, processed_event = add_platform_tables(metadata)


def _uuid(name: str, **kw: object) -> Column[object]:
    return Column(name, UUID(as_uuid=True), **kw)  # type: ignore[arg-type]


def _ts(name: str, nullable: bool = True) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


def _changed_at() -> Column[object]:
    # When the fact was last written: a scored period with a fact changed since is re-scored.
    return Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now())


visit = Table(
    "visit",
    metadata,
    _uuid("visit_id", primary_key=True),
    Column("revision", Integer, nullable=False),
    _uuid("package_id", nullable=False),
    _uuid("provider_id", nullable=False),
    Column("status", String(16), nullable=False),
    # London calendar day the visit counts on, kept so a period's visits are one index range scan.
    Column("day", Date, nullable=False),
    _ts("planned_start"),
    Column("planned_minutes", Integer),
    Column("carers_required", Integer, nullable=False, server_default=text("1")),
    _ts("actual_start"),
    _ts("actual_end"),
    Column("carer_ids", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("verified", Boolean, nullable=False),
    Column("unverified_reason", String(40)),
    _changed_at(),
    CheckConstraint("status IN ('completed', 'missed', 'cancelled')", name="status"),
    Index("ix_visit_day", "day"),
    Index("ix_visit_package", "package_id"),
    Index("ix_visit_changed_at", "changed_at"),
)

correction = Table(
    "correction",
    metadata,
    _uuid("correction_id", primary_key=True),
    _uuid("visit_id", nullable=False),
    Column("revision", Integer, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("applied", Boolean, nullable=False),
    _changed_at(),
    Index("ix_correction_visit", "visit_id"),
)

# One row per package (== referral): what referrals and brokerage said about it, column by column.
package = Table(
    "package",
    metadata,
    _uuid("package_id", primary_key=True),
    Column("service_type", String(20)),
    _ts("submitted_at"),
    Column("start_date", Date),
    Column("zone_id", String(100)),
    _uuid("provider_id"),
    _ts("awarded_at"),
    Column("reviewed_on", Date),
    Column("all_outcomes_met", Boolean),
    _changed_at(),
    Index("ix_package_provider", "provider_id"),
)

offer = Table(
    "offer",
    metadata,
    _uuid("offer_id", primary_key=True),
    _uuid("package_id", nullable=False),
    _uuid("provider_id", nullable=False),
    Column("zone_id", String(100)),
    _ts("offered_at", nullable=False),
    # accepted / declined / expired / withdrawn, or null while open.
    Column("answer", String(16)),
    _ts("answered_at"),
    _changed_at(),
    Index("ix_offer_offered_at", "offered_at"),
)

handback = Table(
    "handback",
    metadata,
    _uuid("package_id", nullable=False),
    _uuid("provider_id", nullable=False),
    _ts("handed_back_at", nullable=False),
    Column("reason", Text, nullable=False),
    _changed_at(),
    PrimaryKeyConstraint("package_id", "handed_back_at"),
)

provider = Table(
    "provider",
    metadata,
    _uuid("provider_id", primary_key=True),
    Column("name", String(200), nullable=False),
    Column("enablement_allowed", Boolean, nullable=False),
    _ts("updated_at", nullable=False),
)

provider_zone = Table(
    "provider_zone",
    metadata,
    _uuid("provider_id", nullable=False),
    Column("zone_id", String(100), nullable=False),
    Column("status", String(16), nullable=False),
    PrimaryKeyConstraint("provider_id", "zone_id"),
    CheckConstraint("status IN ('prime', 'supplementary')", name="status"),
)

incident = Table(
    "incident",
    metadata,
    _uuid("incident_id", primary_key=True),
    _uuid("provider_id", nullable=False),
    Column("kind", String(16), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("zone_id", String(100)),
    Column("summary", Text, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    _ts("recorded_at", nullable=False),
    _changed_at(),
    CheckConstraint("kind IN ('complaint', 'compliment', 'safeguarding')", name="kind"),
    Index("ix_incident_provider_day", "provider_id", "occurred_on"),
)

assessment = Table(
    "assessment",
    metadata,
    _uuid("assessment_id", primary_key=True),
    _uuid("provider_id", nullable=False),
    Column("assessed_on", Date, nullable=False),
    Column("ratings", JSONB, nullable=False),
    Column("evidence", JSONB, nullable=False),
    _changed_at(),
    Column("recorded_by", String(200), nullable=False),
    _ts("recorded_at", nullable=False),
    Index("ix_assessment_provider", "provider_id", "assessed_on"),
)

cqc_rating = Table(
    "cqc_rating",
    metadata,
    _uuid("provider_id", nullable=False),
    Column("rated_on", Date, nullable=False),
    Column("rating", String(32), nullable=False),
    _changed_at(),
    Column("recorded_by", String(200), nullable=False),
    PrimaryKeyConstraint("provider_id", "rated_on"),
)

score = Table(
    "score",
    metadata,
    _uuid("provider_id", nullable=False),
    Column("period", String(16), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("score", Numeric(6, 2)),
    Column("band", String(40)),
    Column("components", JSONB, nullable=False),
    Column("kpis", JSONB, nullable=False),
    Column("targets", JSONB, nullable=False),
    _ts("computed_at", nullable=False),
    PrimaryKeyConstraint("provider_id", "period"),
)

recommendation = Table(
    "recommendation",
    metadata,
    _uuid("recommendation_id", primary_key=True),
    Column("kind", String(40), nullable=False),
    _uuid("provider_id", nullable=False),
    # '' for provider-wide decisions, so the unique key below treats them as equal.
    Column("zone_id", String(100), nullable=False, server_default=""),
    Column("period", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("decided_by", String(200)),
    _ts("decided_at"),
    Column("decision_reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("kind", "provider_id", "zone_id", "period"),
    CheckConstraint("status IN ('open', 'confirmed', 'rejected')", name="status"),
)

council_config = Table(
    "council_config",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("config", JSONB, nullable=False),
    _ts("updated_at", nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)
