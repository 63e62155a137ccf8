"""The ``monitoring`` schema: packages and their plans, raw visit events, visits, corrections."""

from __future__ import annotations

from shared.db.base import make_metadata
from shared.db.platform_tables import add_platform_tables
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
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

SCHEMA = "monitoring"
metadata = make_metadata(SCHEMA)
outbox_event, processed_event = add_platform_tables(metadata)

# An awarded package as monitoring needs it: who delivers it, where the home is, its hours.
package = Table(
    "package",
    metadata,
    Column("package_id", UUID(as_uuid=True), primary_key=True),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("weekly_hours", Numeric(8, 2), nullable=False),
    Column("home_lat", Float, nullable=True),
    Column("home_lon", Float, nullable=True),
    Column("geofence_enabled", Boolean, nullable=False, server_default=text("true")),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    # When the missed-visit scan should next recompute this package (its next visit due to be missed).
    Column("next_check_at", DateTime(timezone=True), nullable=True),
    # The snapshot (pg_snapshot as text) of the last derivation: events it cannot see are new.
    Column("derived_snapshot", Text, nullable=True),
    # The flow of the referral (from the award): visit events derived later carry it, so they can be traced.
    Column("correlation_id", String(100), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_package_next_check_at", "next_check_at"),
)

# The case-management client that referred each package (from ``referrals.referral`` submitted, which
# comes before the award): a case-management client sees and acts on its own referrals' packages only.
referral_client = Table(
    "referral_client",
    metadata,
    Column("package_id", UUID(as_uuid=True), primary_key=True),
    Column("client_id", UUID(as_uuid=True), nullable=False),
)

# Who delivers the package from each day: the award, then each re-award after a handback. The
# visits of a day belong to (and are paid to) the provider of that day.
package_provider = Table(
    "package_provider",
    metadata,
    Column("package_id", ForeignKey("package.package_id", ondelete="CASCADE"), nullable=False),
    Column("from_date", Date, nullable=False),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    PrimaryKeyConstraint("package_id", "from_date"),
)

# The visit pattern in force from each day: the award, then each amendment.
pattern_period = Table(
    "pattern_period",
    metadata,
    Column("package_id", ForeignKey("package.package_id", ondelete="CASCADE"), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("entries", JSONB, nullable=False),
    PrimaryKeyConstraint("package_id", "effective_from"),
)

suspension = Table(
    "suspension",
    metadata,
    Column("package_id", ForeignKey("package.package_id", ondelete="CASCADE"), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("package_id", "starts_at"),
)

rota = Table(
    "rota",
    metadata,
    Column("package_id", ForeignKey("package.package_id", ondelete="CASCADE"), nullable=False),
    Column("iso_year", Integer, nullable=False),
    Column("iso_week", Integer, nullable=False),
    Column("visits", JSONB, nullable=False),
    Column("planned_hours", Numeric(8, 2), nullable=False),
    Column("over_allowance", Boolean, nullable=False),
    # The bank the rota was checked against (unused hours of recent weeks), kept to explain the flag.
    Column("banked_hours", Numeric(8, 2), nullable=False, server_default=text("0")),
    Column("submitted_by", String(200), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("package_id", "iso_year", "iso_week"),
)

# Raw ETMS events, never updated: the evidence. Event ids are unique per vendor.
visit_event = Table(
    "visit_event",
    metadata,
    Column("vendor_id", UUID(as_uuid=True), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("type", String(16), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("package_id", UUID(as_uuid=True), nullable=False),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("carer_id", String(128), nullable=False),
    Column("method", String(16), nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("accuracy_m", Float, nullable=True),
    Column("device_id", String(128), nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("vendor_id", "event_id"),
    Index("ix_visit_event_package_carer_time", "package_id", "carer_id", "occurred_at"),
)

# Packages whose visits must be recomputed; written in the ingest transaction, so a restart
# loses no work, and drained by the derivation worker.
pending_derivation = Table(
    "pending_derivation",
    metadata,
    Column("package_id", UUID(as_uuid=True), primary_key=True),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The earliest time whose visits may have changed; NULL recomputes the whole window.
    Column("affected_from", DateTime(timezone=True), nullable=True),
)

# Referral changes that arrived before the package's award (the two topics are not ordered with each
# other): held in arrival order and applied when the award comes.
early_referral_event = Table(
    "early_referral_event",
    metadata,
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("seq", BigInteger, Identity(always=True), nullable=False),
    Column("package_id", UUID(as_uuid=True), nullable=False),
    Column("envelope", JSONB, nullable=False),
    Index("ix_early_referral_event_package", "package_id", "seq"),
)

# The latest published state of each visit and its revision.
visit = Table(
    "visit",
    metadata,
    Column("visit_id", UUID(as_uuid=True), primary_key=True),
    Column("package_id", UUID(as_uuid=True), nullable=False),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("state", JSONB, nullable=False),
    # Where the visit sits in time (planned start, else its first event): derivation finds a
    # range's stored visits by it.
    Column("anchor_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_visit_package_anchor", "package_id", "anchor_at"),
)

cancellation = Table(
    "cancellation",
    metadata,
    Column("visit_id", UUID(as_uuid=True), primary_key=True),
    Column("package_id", UUID(as_uuid=True), nullable=False),
    Column("notified_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(200), nullable=False),
)

correction = Table(
    "correction",
    metadata,
    Column("correction_id", UUID(as_uuid=True), primary_key=True),
    Column("visit_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("package_id", UUID(as_uuid=True), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("note", Text, nullable=True),
    Column("check_in_at", DateTime(timezone=True), nullable=False),
    Column("check_out_at", DateTime(timezone=True), nullable=False),
    Column("made_by", String(200), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Column("rejected_by", String(200), nullable=True),
    Column("rejected_at", DateTime(timezone=True), nullable=True),
    Column("rejection_note", Text, nullable=True),
)
