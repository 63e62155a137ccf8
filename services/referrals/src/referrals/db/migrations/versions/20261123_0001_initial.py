"""referrals, amendments, reviews, idempotency keys

Revision ID: referrals_0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from shared.db.platform_tables import create_platform_tables, drop_platform_tables
from sqlalchemy.dialects import postgresql

revision = "referrals_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "referrals"
UUID = postgresql.UUID(as_uuid=True)
JSONB = postgresql.JSONB()


def upgrade() -> None:
    create_platform_tables(SCHEMA)
    op.create_table(
        "referral",
        sa.Column("id", UUID, nullable=False),
        sa.Column("client_id", UUID, nullable=False),
        sa.Column("external_ref", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("person", JSONB, nullable=False),
        sa.Column("service_type", sa.String(30), nullable=False),
        sa.Column("outcomes", JSONB, nullable=False),
        sa.Column("visit_pattern", JSONB, nullable=False),
        sa.Column("weekly_hours", sa.Numeric(10, 4), nullable=False),
        sa.Column("budget", JSONB, nullable=True),
        sa.Column("payment_basis", sa.String(30), nullable=False),
        sa.Column("funding", JSONB, nullable=False),
        sa.Column("client_contribution", JSONB, nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("urgency", sa.String(10), nullable=False),
        sa.Column("provider_id", UUID, nullable=True),
        sa.Column("care_start_date", sa.Date(), nullable=True),
        sa.Column("suspension_reason", sa.String(30), nullable=True),
        sa.Column("suspended_from", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(30), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_referral"),
        sa.UniqueConstraint("client_id", "external_ref", name="uq_referral_client_id_external_ref"),
        schema=SCHEMA,
    )
    op.create_index("ix_referral_client_updated", "referral", ["client_id", "updated_at", "id"], schema=SCHEMA)
    op.create_table(
        "amendment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", UUID, nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("changes", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], [f"{SCHEMA}.referral.id"], name="fk_amendment_referral_id_referral"),
        sa.PrimaryKeyConstraint("id", name="pk_amendment"),
        schema=SCHEMA,
    )
    op.create_index("ix_referrals_amendment_referral_id", "amendment", ["referral_id"], schema=SCHEMA)
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", UUID, nullable=False),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("outcomes", JSONB, nullable=False),
        sa.Column("all_met", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], [f"{SCHEMA}.referral.id"], name="fk_review_referral_id_referral"),
        sa.PrimaryKeyConstraint("id", name="pk_review"),
        schema=SCHEMA,
    )
    op.create_index("ix_referrals_review_referral_id", "review", ["referral_id"], schema=SCHEMA)
    op.create_table(
        "idempotency_key",
        sa.Column("client_id", UUID, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("response", JSONB, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "key", name="pk_idempotency_key"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("idempotency_key", schema=SCHEMA)
    op.drop_table("review", schema=SCHEMA)
    op.drop_table("amendment", schema=SCHEMA)
    op.drop_table("referral", schema=SCHEMA)
    drop_platform_tables(SCHEMA)
