"""monitoring.referral_client: the case-management client that referred each package, so such a
client sees only its own packages' visits

Revision ID: monitoring_0005
Revises: monitoring_0004
Create Date: 2026-12-01 10:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "monitoring_0005"
down_revision: str | Sequence[str] | None = "monitoring_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema. Packages referred before this have no row: no case-management client sees
    their visits (officers still do) until the referral events are replayed."""
    op.create_table(
        "referral_client",
        sa.Column("package_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("client_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.PrimaryKeyConstraint("package_id", name=op.f("pk_referral_client")),
        schema="monitoring",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("referral_client", schema="monitoring")
