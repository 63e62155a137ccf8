"""payments.referral_state.enablement_budget: an amended total budget of an enablement package

Revision ID: payments_0004
Revises: payments_0003
Create Date: 2026-12-01 10:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "payments_0004"
down_revision: str | Sequence[str] | None = "payments_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "referral_state", sa.Column("enablement_budget", sa.Numeric(12, 2), nullable=True), schema="payments"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("referral_state", "enablement_budget", schema="payments")
