"""quality schema: facts from events, officers' records, scores, recommendations, outbox

Revision ID: quality_0001
Revises:
Create Date: 2026-11-23 13:54:37.214293

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from shared.db.platform_tables import create_platform_tables, drop_platform_tables
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "quality_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    create_platform_tables("quality")
    op.create_table(
        "assessment",
        sa.Column("assessment_id", sa.UUID(), nullable=False),
        sa.Column("provider_id", sa.UUID(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("ratings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("assessment_id", name=op.f("pk_assessment")),
        schema="quality",
    )
    op.create_index(
        "ix_assessment_provider", "assessment", ["provider_id", "assessed_on"], unique=False, schema="quality"
    )
    op.create_table(
        "correction",
        sa.Column("correction_id", sa.UUID(), nullable=False),
        sa.Column("visit_id", sa.UUID(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("correction_id", name=op.f("pk_correction")),
        schema="quality",
    )
    op.create_index("ix_correction_visit", "correction", ["visit_id"], unique=False, schema="quality")
    op.create_table(
        "council_config",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("config", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_council_config_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_config")),
        schema="quality",
    )
    op.create_table(
        "cqc_rating",
        sa.Column("provider_id", sa.UUID(), nullable=False),
        sa.Column("rated_on", sa.Date(), nullable=False),
        sa.Column("rating", sa.String(length=32), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("provider_id", "rated_on", name=op.f("pk_cqc_rating")),
        schema="quality",
    )
    op.create_table(
        "handback",
        sa.Column("package_id", sa.UUID(), nullable=False),
        sa.Column("provider_id", sa.UUID(), nullable=False),
        sa.Column("handed_back_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("package_id", "handed_back_at", name=op.f("pk_handback")),
        schema="quality",
    )
    op.create_table(
        "incident",
        sa.Column("incident_id", sa.UUID(), nullable=False),
        sa.Column("provider_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("zone_id", sa.String(length=100), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('complaint', 'compliment', 'safeguarding')", name=op.f("ck_incident_kind")),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident")),
        schema="quality",
    )
    op.create_index(
        "ix_incident_provider_day", "incident", ["provider_id", "occurred_on"], unique=False, schema="quality"
    )
    op.create_table(
        "offer",
        sa.Column("offer_id", sa.UUID(), nullable=False),
        sa.Column("package_id", sa.UUID(), nullable=False),
        sa.Column("provider_id", sa.UUID(), nullable=False),
        sa.Column("zone_id", sa.String(length=100), nullable=True),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_offer")),
        schema="quality",
    )
    op.create_index("ix_offer_offered_at", "offer", ["offered_at"], unique=False, schema="quality")
    op.create_table(
        "package",
        sa.Column("package_id", sa.UUID(), nullable=False),
        sa.Column("service_type", sa.String(length=20), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("zone_id", sa.String(length=100), nullable=True),
        sa.Column("provider_id", sa.UUID(), nullable=True),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("all_outcomes_met", sa.Boolean(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("package_id", name=op.f("pk_package")),
        schema="quality",
    )
    op.create_index("ix_package_provider", "package", ["provider_id"], unique=False, schema="quality")
    op.create_table(
        "provider",
        sa.Column("provider_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enablement_allowed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider_id", name=op.f("pk_provider")),
        schema="quality",
    )
    op.create_table(
        "provider_zone",
        sa.Column("provider_id", sa.UUID(), nullable=False),
        sa.Column("zone_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint("status IN ('prime', 'supplementary')", name=op.f("ck_provider_zone_status")),
        sa.PrimaryKeyConstraint("provider_id", "zone_id", name=op.f("pk_provider_zone")),
        schema="quality",
    )
    op.create_table(
        "recommendation",
        sa.Column("recommendation_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("provider_id", sa.UUID(), nullable=False),
        sa.Column("zone_id", sa.String(length=100), server_default="", nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('open', 'confirmed', 'rejected')", name=op.f("ck_recommendation_status")),
        sa.PrimaryKeyConstraint("recommendation_id", name=op.f("pk_recommendation")),
        sa.UniqueConstraint(
            "kind",
            "provider_id",
            "zone_id",
            "period",
            name=op.f("uq_recommendation_kind_provider_id_zone_id_period"),
        ),
        schema="quality",
    )
    op.create_table(
        "score",
        sa.Column("provider_id", sa.UUID(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("score", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("band", sa.String(length=40), nullable=True),
        sa.Column("components", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("kpis", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("targets", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider_id", "period", name=op.f("pk_score")),
        schema="quality",
    )
    op.create_table(
        "visit",
        sa.Column("visit_id", sa.UUID(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.UUID(), nullable=False),
        sa.Column("provider_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("planned_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("planned_minutes", sa.Integer(), nullable=True),
        sa.Column("carers_required", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("actual_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("carer_ids", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("unverified_reason", sa.String(length=40), nullable=True),
        sa.CheckConstraint("status IN ('completed', 'missed', 'cancelled')", name=op.f("ck_visit_status")),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("visit_id", name=op.f("pk_visit")),
        schema="quality",
    )
    op.create_index("ix_visit_day", "visit", ["day"], unique=False, schema="quality")
    op.create_index("ix_visit_changed_at", "visit", ["changed_at"], unique=False, schema="quality")
    op.create_index("ix_visit_package", "visit", ["package_id"], unique=False, schema="quality")


def downgrade() -> None:
    """Downgrade schema."""
    drop_platform_tables("quality")
    op.drop_index("ix_visit_package", table_name="visit", schema="quality")
    op.drop_index("ix_visit_day", table_name="visit", schema="quality")
    op.drop_table("visit", schema="quality")
    op.drop_table("score", schema="quality")
    op.drop_table("recommendation", schema="quality")
    op.drop_table("provider_zone", schema="quality")
    op.drop_table("provider", schema="quality")
    op.drop_index("ix_package_provider", table_name="package", schema="quality")
    op.drop_table("package", schema="quality")
    op.drop_index("ix_offer_offered_at", table_name="offer", schema="quality")
    op.drop_table("offer", schema="quality")
    op.drop_index("ix_incident_provider_day", table_name="incident", schema="quality")
    op.drop_table("incident", schema="quality")
    op.drop_table("handback", schema="quality")
    op.drop_table("cqc_rating", schema="quality")
    op.drop_table("council_config", schema="quality")
    op.drop_index("ix_correction_visit", table_name="correction", schema="quality")
    op.drop_table("correction", schema="quality")
    op.drop_index("ix_assessment_provider", table_name="assessment", schema="quality")
    op.drop_table("assessment", schema="quality")
