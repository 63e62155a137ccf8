"""Derivation by affected range, visit anchors, and the rota's bank

- ``pending_derivation.affected_from``: the earliest time whose visits a change may have moved, so
  derivation recomputes from there rather than the whole 28-day window (NULL: the whole window).
- ``visit.anchor_at``: the time a visit is placed at (planned start, else its first event), so a
  derivation can find the stored visits of the range it recomputes and withdraw the ones the plan
  no longer holds (a rota replacing a week, an amendment, a suspension).
- ``package.banked_hours`` goes: the bank is derived from delivered visits when a rota is checked,
  and ``rota.banked_hours`` keeps the bank each rota was checked against.

Revision ID: monitoring_0003
Revises: monitoring_0002
Create Date: 2026-12-01
"""

from alembic import op

revision = "monitoring_0003"
down_revision = "monitoring_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE monitoring.pending_derivation ADD COLUMN affected_from TIMESTAMP WITH TIME ZONE")
    op.execute("ALTER TABLE monitoring.visit ADD COLUMN anchor_at TIMESTAMP WITH TIME ZONE")
    op.execute(
        """
        UPDATE monitoring.visit SET anchor_at = coalesce(
            (state->>'planned_start')::timestamptz, (state->>'actual_start')::timestamptz, updated_at
        )
        """
    )
    op.execute("ALTER TABLE monitoring.visit ALTER COLUMN anchor_at SET NOT NULL")
    op.execute("DROP INDEX monitoring.ix_monitoring_visit_package_id")
    op.execute("CREATE INDEX ix_visit_package_anchor ON monitoring.visit (package_id, anchor_at)")
    op.execute("ALTER TABLE monitoring.package DROP COLUMN banked_hours")
    op.execute("ALTER TABLE monitoring.rota ADD COLUMN banked_hours NUMERIC(8, 2) DEFAULT 0 NOT NULL")


def downgrade() -> None:
    op.execute("ALTER TABLE monitoring.rota DROP COLUMN banked_hours")
    op.execute("ALTER TABLE monitoring.package ADD COLUMN banked_hours NUMERIC(8, 2) DEFAULT 0 NOT NULL")
    op.execute("DROP INDEX monitoring.ix_visit_package_anchor")
    op.execute("CREATE INDEX ix_monitoring_visit_package_id ON monitoring.visit (package_id)")
    op.execute("ALTER TABLE monitoring.visit DROP COLUMN anchor_at")
    op.execute("ALTER TABLE monitoring.pending_derivation DROP COLUMN affected_from")
