"""audit log of administrative actions, append-only

Revision ID: auth_0002
Revises: auth_0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "auth_0002"
down_revision = "auth_0001"
branch_labels = None
depends_on = None

# The services' database roles should also be granted only INSERT and SELECT on this table; the
# trigger holds even for a role that owns it, short of dropping the trigger (itself a logged DDL).
REFUSE = (
    """CREATE FUNCTION auth.audit_entry_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'auth.audit_entry is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$""",
    """CREATE TRIGGER audit_entry_no_update_or_delete BEFORE UPDATE OR DELETE ON auth.audit_entry
    FOR EACH ROW EXECUTE FUNCTION auth.audit_entry_is_append_only()""",
    """CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON auth.audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION auth.audit_entry_is_append_only()""",
)


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("actor_client_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(40), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("resource", sa.String(300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("correlation_id", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entry"),
        schema="auth",
    )
    op.create_index("ix_audit_entry_service_id", "audit_entry", ["service", "id"], schema="auth")
    for statement in REFUSE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE auth.audit_entry")
    op.execute("DROP FUNCTION auth.audit_entry_is_append_only()")
