"""monitoring schema: packages, plans, visit events, visits, corrections, outbox

Revision ID: monitoring_0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op
from shared.db.platform_tables import create_platform_tables, drop_platform_tables

revision = "monitoring_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "monitoring"


def upgrade() -> None:
    create_platform_tables(SCHEMA)
    op.execute(
        """
        CREATE TABLE monitoring.package (
            package_id UUID NOT NULL,
            provider_id UUID NOT NULL,
            start_date DATE NOT NULL,
            weekly_hours NUMERIC(8, 2) NOT NULL,
            banked_hours NUMERIC(8, 2) DEFAULT 0 NOT NULL,
            home_lat FLOAT,
            home_lon FLOAT,
            geofence_enabled BOOLEAN DEFAULT true NOT NULL,
            ended_at TIMESTAMP WITH TIME ZONE,
            next_check_at TIMESTAMP WITH TIME ZONE,
            updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            CONSTRAINT pk_package PRIMARY KEY (package_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_package_next_check_at ON monitoring.package (next_check_at)")
    op.execute(
        """
        CREATE TABLE monitoring.pattern_period (
            package_id UUID NOT NULL,
            effective_from DATE NOT NULL,
            entries JSONB NOT NULL,
            CONSTRAINT pk_pattern_period PRIMARY KEY (package_id, effective_from),
            CONSTRAINT fk_pattern_period_package_id_package FOREIGN KEY(package_id) REFERENCES monitoring.package (package_id) ON DELETE CASCADE
        )
        """
    )
    op.execute(
        """
        CREATE TABLE monitoring.suspension (
            package_id UUID NOT NULL,
            starts_at TIMESTAMP WITH TIME ZONE NOT NULL,
            ends_at TIMESTAMP WITH TIME ZONE,
            CONSTRAINT pk_suspension PRIMARY KEY (package_id, starts_at),
            CONSTRAINT fk_suspension_package_id_package FOREIGN KEY(package_id) REFERENCES monitoring.package (package_id) ON DELETE CASCADE
        )
        """
    )
    op.execute(
        """
        CREATE TABLE monitoring.rota (
            package_id UUID NOT NULL,
            iso_year INTEGER NOT NULL,
            iso_week INTEGER NOT NULL,
            visits JSONB NOT NULL,
            planned_hours NUMERIC(8, 2) NOT NULL,
            over_allowance BOOLEAN NOT NULL,
            submitted_by VARCHAR(200) NOT NULL,
            submitted_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            CONSTRAINT pk_rota PRIMARY KEY (package_id, iso_year, iso_week),
            CONSTRAINT fk_rota_package_id_package FOREIGN KEY(package_id) REFERENCES monitoring.package (package_id) ON DELETE CASCADE
        )
        """
    )
    op.execute(
        """
        CREATE TABLE monitoring.visit_event (
            vendor_id UUID NOT NULL,
            event_id VARCHAR(128) NOT NULL,
            type VARCHAR(16) NOT NULL,
            occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
            package_id UUID NOT NULL,
            provider_id UUID NOT NULL,
            carer_id VARCHAR(128) NOT NULL,
            method VARCHAR(16) NOT NULL,
            lat FLOAT,
            lon FLOAT,
            accuracy_m FLOAT,
            device_id VARCHAR(128),
            received_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            CONSTRAINT pk_visit_event PRIMARY KEY (vendor_id, event_id)
        )
        """
    )
    op.execute(
        """
        CREATE INDEX ix_visit_event_package_carer_time ON monitoring.visit_event (package_id, carer_id, occurred_at)
        """
    )
    op.execute(
        """
        CREATE TABLE monitoring.pending_derivation (
            package_id UUID NOT NULL,
            requested_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            CONSTRAINT pk_pending_derivation PRIMARY KEY (package_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE monitoring.visit (
            visit_id UUID NOT NULL,
            package_id UUID NOT NULL,
            provider_id UUID NOT NULL,
            revision INTEGER NOT NULL,
            status VARCHAR(20) NOT NULL,
            state JSONB NOT NULL,
            updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            CONSTRAINT pk_visit PRIMARY KEY (visit_id)
        )
        """
    )
    op.execute(
        """
        CREATE INDEX ix_monitoring_visit_package_id ON monitoring.visit (package_id)
        """
    )
    op.execute(
        """
        CREATE TABLE monitoring.cancellation (
            visit_id UUID NOT NULL,
            package_id UUID NOT NULL,
            notified_at TIMESTAMP WITH TIME ZONE NOT NULL,
            recorded_by VARCHAR(200) NOT NULL,
            CONSTRAINT pk_cancellation PRIMARY KEY (visit_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE monitoring.correction (
            correction_id UUID NOT NULL,
            visit_id UUID NOT NULL,
            package_id UUID NOT NULL,
            reason VARCHAR(40) NOT NULL,
            note TEXT,
            check_in_at TIMESTAMP WITH TIME ZONE NOT NULL,
            check_out_at TIMESTAMP WITH TIME ZONE NOT NULL,
            made_by VARCHAR(200) NOT NULL,
            made_at TIMESTAMP WITH TIME ZONE NOT NULL,
            rejected_by VARCHAR(200),
            rejected_at TIMESTAMP WITH TIME ZONE,
            rejection_note TEXT,
            CONSTRAINT pk_correction PRIMARY KEY (correction_id)
        )
        """
    )
    op.execute(
        """
        CREATE INDEX ix_monitoring_correction_visit_id ON monitoring.correction (visit_id)
        """
    )


def downgrade() -> None:
    op.drop_table("correction", schema=SCHEMA)
    op.drop_table("cancellation", schema=SCHEMA)
    op.drop_table("visit", schema=SCHEMA)
    op.drop_table("pending_derivation", schema=SCHEMA)
    op.drop_table("visit_event", schema=SCHEMA)
    op.drop_table("rota", schema=SCHEMA)
    op.drop_table("suspension", schema=SCHEMA)
    op.drop_table("pattern_period", schema=SCHEMA)
    op.drop_table("package", schema=SCHEMA)
    drop_platform_tables(SCHEMA)
