"""brokerage.package: an index of awarded packages by zone, so a zone's placed hours (read at every
round's start and close) are summed over that zone's packages, not over every awarded package

Revision ID: brokerage_0003
Revises: brokerage_0002
Create Date: 2026-12-01 11:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "brokerage_0003"
down_revision: str | Sequence[str] | None = "brokerage_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index(
        "ix_package_zone_awarded",
        "package",
        ["zone_id"],
        unique=False,
        schema="brokerage",
        postgresql_where=sa.text("status = 'awarded'"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(
        "ix_package_zone_awarded",
        table_name="package",
        schema="brokerage",
        postgresql_where=sa.text("status = 'awarded'"),
    )
