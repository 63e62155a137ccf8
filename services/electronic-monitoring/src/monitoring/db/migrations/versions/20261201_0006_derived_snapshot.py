"""Derivation of just the visits new events change

- ``package.derived_snapshot``: the transaction snapshot (``pg_current_snapshot()``, as text) of
  the package's last successful derivation. An event its snapshot cannot see (by the event row's
  ``xmin``) is one the stored visits were not derived from, so a derivation queued by events alone
  can tell exactly which events are new and recompute only the visits they change. NULL (never
  derived since this revision) recomputes the whole window.

Revision ID: monitoring_0006
Revises: monitoring_0005
Create Date: 2026-12-01 11:00:00
"""

from alembic import op

revision = "monitoring_0006"
down_revision = "monitoring_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column; every package's next derivation recomputes its whole window, as before."""
    op.execute("ALTER TABLE monitoring.package ADD COLUMN derived_snapshot TEXT")


def downgrade() -> None:
    """Drop the column."""
    op.execute("ALTER TABLE monitoring.package DROP COLUMN derived_snapshot")
