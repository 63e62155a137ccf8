"""brokerage.package.correlation_id: the flow of the package, from the referral's submission, so its later events and logs can be traced

Revision ID: brokerage_0002
Revises: brokerage_0001
Create Date: 2026-12-01 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "brokerage_0002"
down_revision: str | Sequence[str] | None = "brokerage_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("package", sa.Column("correlation_id", sa.String(length=100), nullable=True), schema="brokerage")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("package", "correlation_id", schema="brokerage")
