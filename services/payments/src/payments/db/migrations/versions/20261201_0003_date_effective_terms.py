"""Date-effective amendments, every kind of suspension, client ids for separation of duties, and
the events behind each line.

Revision ID: payments_0003
Revises: payments_0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "payments_0003"
down_revision: str | Sequence[str] | None = "payments_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "payments"
CURRENT_XID = "(pg_current_xact_id()::text)::bigint"
WRITTEN = ("visit", "suspension", "package_amendment", "referral_state", "approval", "package")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "package_amendment",
        sa.Column("package_id", sa.UUID(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("pattern", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("weekly_budget", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("event_id", sa.UUID(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("package_id", "effective_from", name=op.f("pk_package_amendment")),
        schema=SCHEMA,
    )
    # Amendments kept before this revision had no date: they applied to the whole package, and still do.
    op.execute(
        "INSERT INTO payments.package_amendment (package_id, effective_from, pattern, weekly_budget) "
        "SELECT package_id, date '1900-01-01', pattern, weekly_budget FROM payments.referral_state "
        "WHERE pattern IS NOT NULL OR weekly_budget IS NOT NULL"
    )
    op.drop_column("referral_state", "pattern", schema=SCHEMA)
    op.drop_column("referral_state", "weekly_budget", schema=SCHEMA)
    op.add_column("referral_state", sa.Column("review_event_id", sa.UUID(), nullable=True), schema=SCHEMA)

    op.rename_table("hospital_stay", "suspension", schema=SCHEMA)
    op.execute("ALTER TABLE payments.suspension RENAME CONSTRAINT pk_hospital_stay TO pk_suspension")
    op.alter_column("suspension", "admitted", new_column_name="from_date", schema=SCHEMA)
    op.add_column(
        "suspension",
        sa.Column("reason", sa.String(length=32), server_default=sa.text("'hospital_admission'"), nullable=False),
        schema=SCHEMA,
    )
    op.add_column("suspension", sa.Column("suspended_event_id", sa.UUID(), nullable=True), schema=SCHEMA)
    op.add_column("suspension", sa.Column("resumed_event_id", sa.UUID(), nullable=True), schema=SCHEMA)
    op.add_column(
        "suspension",
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        schema=SCHEMA,
    )

    op.add_column("package", sa.Column("event_id", sa.UUID(), nullable=True), schema=SCHEMA)
    for column in ("created_by_client", "calculated_by_client", "approved_by_client"):
        op.add_column("period", sa.Column(column, sa.UUID(), nullable=True), schema=SCHEMA)
    op.add_column("adjustment", sa.Column("created_by_client", sa.UUID(), nullable=True), schema=SCHEMA)
    op.add_column("approval", sa.Column("approved_by_client", sa.UUID(), nullable=True), schema=SCHEMA)
    op.add_column(
        "line",
        sa.Column("event_ids", postgresql.ARRAY(sa.UUID()), server_default=sa.text("'{}'"), nullable=False),
        schema=SCHEMA,
    )
    # The transaction that last wrote a row, against a calculation's snapshot: rows from before this
    # revision count as seen (0), new writes record their transaction.
    for table in WRITTEN:
        op.add_column(
            table, sa.Column("written_xid", sa.BigInteger(), server_default="0", nullable=False), schema=SCHEMA
        )
        op.alter_column(table, "written_xid", server_default=sa.text(CURRENT_XID), schema=SCHEMA)
    op.create_index("ix_visit_written_xid", "visit", ["written_xid"], unique=False, schema=SCHEMA)
    # Written by a transaction the snapshot could not see. Inlined by the planner, so the first
    # condition finds the candidates by index and the second decides.
    op.execute(
        """CREATE FUNCTION payments.unseen(written bigint, seen pg_snapshot) RETURNS boolean
           LANGUAGE sql IMMUTABLE PARALLEL SAFE
           AS $$ SELECT written >= pg_snapshot_xmin(seen)::text::bigint
                        AND NOT pg_visible_in_snapshot(written::text::xid8, seen) $$"""
    )
    op.add_column("period", sa.Column("snapshot", sa.Text(), nullable=True), schema=SCHEMA)

    # Banks are stated as of a day, so a replay of earlier periods can restate them.
    op.add_column("bank_balance", sa.Column("as_of", sa.Date(), nullable=True), schema=SCHEMA)
    op.execute(
        "UPDATE payments.bank_balance b SET as_of = p.end_date FROM payments.period p WHERE p.period_id = b.period_id"
    )
    op.alter_column("bank_balance", "as_of", nullable=False, schema=SCHEMA)
    op.drop_constraint("pk_bank_balance", "bank_balance", schema=SCHEMA)
    op.create_primary_key(
        "pk_bank_balance", "bank_balance", ["period_id", "package_id", "as_of", "week"], schema=SCHEMA
    )
    op.create_index("ix_bank_balance_package_as_of", "bank_balance", ["package_id", "as_of"], schema=SCHEMA)


def downgrade() -> None:
    """Downgrade schema (amendments go back to one undated set per package: the latest)."""
    op.drop_index("ix_bank_balance_package_as_of", table_name="bank_balance", schema=SCHEMA)
    op.drop_constraint("pk_bank_balance", "bank_balance", schema=SCHEMA)
    op.execute(
        "DELETE FROM payments.bank_balance b USING payments.period p "
        "WHERE p.period_id = b.period_id AND (b.as_of <> p.end_date OR b.amount = 0)"
    )
    op.create_primary_key("pk_bank_balance", "bank_balance", ["period_id", "package_id", "week"], schema=SCHEMA)
    op.drop_column("bank_balance", "as_of", schema=SCHEMA)
    op.drop_column("period", "snapshot", schema=SCHEMA)
    op.execute("DROP FUNCTION payments.unseen(bigint, pg_snapshot)")
    op.drop_index("ix_visit_written_xid", table_name="visit", schema=SCHEMA)
    for table in WRITTEN:
        op.drop_column(table, "written_xid", schema=SCHEMA)
    op.drop_column("line", "event_ids", schema=SCHEMA)
    op.drop_column("approval", "approved_by_client", schema=SCHEMA)
    op.drop_column("adjustment", "created_by_client", schema=SCHEMA)
    for column in ("created_by_client", "calculated_by_client", "approved_by_client"):
        op.drop_column("period", column, schema=SCHEMA)
    op.drop_column("package", "event_id", schema=SCHEMA)

    op.drop_column("suspension", "updated_at", schema=SCHEMA)
    op.drop_column("suspension", "resumed_event_id", schema=SCHEMA)
    op.drop_column("suspension", "suspended_event_id", schema=SCHEMA)
    op.execute("DELETE FROM payments.suspension WHERE reason <> 'hospital_admission'")
    op.drop_column("suspension", "reason", schema=SCHEMA)
    op.alter_column("suspension", "from_date", new_column_name="admitted", schema=SCHEMA)
    op.execute("ALTER TABLE payments.suspension RENAME CONSTRAINT pk_suspension TO pk_hospital_stay")
    op.rename_table("suspension", "hospital_stay", schema=SCHEMA)

    op.drop_column("referral_state", "review_event_id", schema=SCHEMA)
    op.add_column("referral_state", sa.Column("pattern", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
                  schema=SCHEMA)  # fmt: skip
    op.add_column("referral_state", sa.Column("weekly_budget", sa.Numeric(precision=12, scale=2), nullable=True),
                  schema=SCHEMA)  # fmt: skip
    op.execute(
        """INSERT INTO payments.referral_state (package_id, pattern, weekly_budget)
            SELECT DISTINCT ON (package_id) package_id,
                   (SELECT a2.pattern FROM payments.package_amendment a2 WHERE a2.package_id = a.package_id
                      AND a2.pattern IS NOT NULL ORDER BY a2.effective_from DESC LIMIT 1),
                   (SELECT a2.weekly_budget FROM payments.package_amendment a2 WHERE a2.package_id = a.package_id
                      AND a2.weekly_budget IS NOT NULL ORDER BY a2.effective_from DESC LIMIT 1)
            FROM payments.package_amendment a
            ON CONFLICT (package_id) DO UPDATE SET pattern = excluded.pattern, weekly_budget = excluded.weekly_budget"""
    )
    op.drop_table("package_amendment", schema=SCHEMA)
