"""monitoring.early_referral_event: referral changes that arrived before the package's award, held
until the award comes (referrals' and brokerage's topics are not ordered with each other)

Revision ID: monitoring_0007
Revises: monitoring_0006
Create Date: 2026-12-01 11:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "monitoring_0007"
down_revision: str | Sequence[str] | None = "monitoring_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema: the held events, in arrival order per package."""
    op.create_table(
        "early_referral_event",
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("package_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_early_referral_event")),
        schema="monitoring",
    )
    op.create_index(
        "ix_early_referral_event_package", "early_referral_event", ["package_id", "seq"], schema="monitoring"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_early_referral_event_package", table_name="early_referral_event", schema="monitoring")
    op.drop_table("early_referral_event", schema="monitoring")
