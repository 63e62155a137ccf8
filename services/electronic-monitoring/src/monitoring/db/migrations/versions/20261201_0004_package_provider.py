"""monitoring.package_provider: who delivers a package from which day, so a re-award after a
handback leaves the earlier provider's visits its own

Revision ID: monitoring_0004
Revises: monitoring_0003
Create Date: 2026-12-01 10:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "monitoring_0004"
down_revision: str | Sequence[str] | None = "monitoring_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema: one row per package from its current award."""
    op.create_table(
        "package_provider",
        sa.Column("package_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("provider_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["monitoring.package.package_id"],
            name=op.f("fk_package_provider_package_id_package"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("package_id", "from_date", name=op.f("pk_package_provider")),
        schema="monitoring",
    )
    op.execute(
        "INSERT INTO monitoring.package_provider (package_id, from_date, provider_id) "
        "SELECT package_id, start_date, provider_id FROM monitoring.package"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("package_provider", schema="monitoring")
