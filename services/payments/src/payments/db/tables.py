"""The payments schema: package terms and visits taken from events, periods, lines and the ledger.

The ledger's primary key on ``ledger_key`` is what makes paying a visit, a retainer week or a budget
week twice impossible: a second insert of the same key fails in the database, whatever the code does.
"""

from __future__ import annotations

from shared.db.base import make_metadata
from shared.db.platform_tables import add_platform_tables
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

SCHEMA = "payments"
metadata = make_metadata(SCHEMA)
outbox_event, processed_event = add_platform_tables(metadata)

MONEY = Numeric(12, 2)
SHARE = Numeric(6, 5)
# The transaction that last wrote a row. A row a period's calculation could not see (not visible
# in its snapshot) arrived late for that period: the next period settles it.
CURRENT_XID = text("(pg_current_xact_id()::text)::bigint")


def written_xid() -> Column[int]:
    """The column holding the transaction that last wrote the row."""
    return Column("written_xid", BigInteger, nullable=False, server_default=CURRENT_XID)


package = Table(
    "package",
    metadata,
    Column("package_id", UUID(as_uuid=True), primary_key=True),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("basis", String(32), nullable=False),
    Column("hourly_rate", MONEY, nullable=False),
    Column("ongoing_hourly_rate", MONEY),
    Column("enablement_weeks", Integer),
    Column("council_share", SHARE, nullable=False),
    Column("contribution_weekly", MONEY),
    Column("contribution_collection", String(8)),
    Column("weekly_budget", MONEY),
    Column("enablement_budget", MONEY),
    # The visit pattern as awarded or last amended: [{days, start, duration_minutes, carers}].
    Column("pattern", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("start_date", Date, nullable=False),
    # The flow of the referral (from the award): each period's lines of the package are logged under it.
    Column("correlation_id", String(100), nullable=True),
    # The award event, behind every line of the package that is not a single visit's.
    Column("event_id", UUID(as_uuid=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # An award arriving after a period was calculated brings that period's visits late.
    written_xid(),
    CheckConstraint("basis IN ('time_and_task', 'budget', 'enablement_outcomes')", name="basis"),
    CheckConstraint("council_share >= 0 AND council_share <= 1", name="council_share"),
)

# What referrals said about a package. Kept apart from the award because the two topics are not
# ordered with each other: a review or an end may arrive before the award it belongs to.
referral_state = Table(
    "referral_state",
    metadata,
    Column("package_id", UUID(as_uuid=True), primary_key=True),
    Column("end_date", Date),
    Column("all_met", Boolean),
    Column("review_date", Date),
    Column("review_event_id", UUID(as_uuid=True)),
    # An amended total budget of an enablement package; over the award's when set.
    Column("enablement_budget", MONEY),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # An end dated in a period calculated before it arrived replays that period.
    written_xid(),
)

# Amendments of the visit pattern or weekly budget, each in force from its own day (a later one on
# the same day fills in or replaces fields; unset fields are unchanged).
package_amendment = Table(
    "package_amendment",
    metadata,
    Column("package_id", UUID(as_uuid=True), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("pattern", JSONB),
    Column("weekly_budget", MONEY),
    Column("event_id", UUID(as_uuid=True)),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # An amendment dated in a period calculated before it arrived replays that period.
    written_xid(),
    PrimaryKeyConstraint("package_id", "effective_from"),
)

package_rate = Table(
    "package_rate",
    metadata,
    Column("package_id", ForeignKey("package.package_id", ondelete="CASCADE"), nullable=False),
    Column("from_date", Date, nullable=False),
    Column("hourly_rate", MONEY, nullable=False),
    PrimaryKeyConstraint("package_id", "from_date"),
)

# Care paused from from_date until resumed (exclusive): a hospital admission pays a retainer; any
# suspension stops the budget and the person's contribution.
suspension = Table(
    "suspension",
    metadata,
    Column("package_id", UUID(as_uuid=True), nullable=False),
    Column("from_date", Date, nullable=False),
    Column("resumed", Date),
    Column("reason", String(32), nullable=False, server_default=text("'hospital_admission'")),
    Column("suspended_event_id", UUID(as_uuid=True)),
    Column("resumed_event_id", UUID(as_uuid=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # A change dated in a period calculated before it arrived replays that period.
    written_xid(),
    PrimaryKeyConstraint("package_id", "from_date"),
)

visit = Table(
    "visit",
    metadata,
    Column("visit_id", UUID(as_uuid=True), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("package_id", UUID(as_uuid=True), nullable=False),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("outcome", String(16), nullable=False),
    # London day the visit counts on: a period's visits are one index range scan.
    Column("day", Date, nullable=False),
    Column("planned_start", DateTime(timezone=True)),
    Column("planned_minutes", Integer),
    Column("actual_start", DateTime(timezone=True)),
    Column("actual_end", DateTime(timezone=True)),
    Column("carers_required", Integer, nullable=False),
    Column("carers_attended", Integer, nullable=False),
    Column("verified", Boolean, nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # A revision the period's calculation could not see is a late visit or a correction to settle.
    written_xid(),
    CheckConstraint("outcome IN ('completed', 'missed', 'cancelled')", name="outcome"),
    Index("ix_visit_day", "day"),
    Index("ix_visit_package_day", "package_id", "day"),
    # Finds what was written since a calculation without reading a year of visits.
    Index("ix_visit_written_xid", "written_xid"),
)

period = Table(
    "period",
    metadata,
    Column("period_id", UUID(as_uuid=True), primary_key=True),
    Column("start_date", Date, nullable=False, unique=True),
    Column("end_date", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("packages_total", Integer, nullable=False, server_default=text("0")),
    Column("packages_done", Integer, nullable=False, server_default=text("0")),
    Column("error", Text),
    # Who, by name (the person) and by API client: separation of duties compares both (domain.separation).
    Column("created_by", String(200), nullable=False),
    Column("created_by_client", UUID(as_uuid=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("calculated_by", String(200)),
    Column("calculated_by_client", UUID(as_uuid=True)),
    Column("calculated_at", DateTime(timezone=True)),
    Column("approved_by", String(200)),
    Column("approved_by_client", UUID(as_uuid=True)),
    Column("approved_at", DateTime(timezone=True)),
    # The calculation's snapshot (pg_snapshot as text): what it could see, so what came after is late.
    Column("snapshot", Text),
    CheckConstraint("end_date >= start_date", name="dates"),
    CheckConstraint("status IN ('draft', 'calculating', 'calculated', 'failed', 'approved')", name="status"),
)

line = Table(
    "line",
    metadata,
    Column("period_id", ForeignKey("period.period_id", ondelete="CASCADE"), nullable=False),
    Column("ledger_key", String(200), nullable=False),
    Column("rule", String(120), nullable=False),
    Column("package_id", UUID(as_uuid=True), nullable=False),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("basis", String(32), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("council_amount", MONEY, nullable=False),
    Column("nhs_amount", MONEY, nullable=False),
    Column("visit_ids", ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'")),
    Column("minutes", Integer),
    Column("hourly_rate", MONEY),
    Column("carers", Integer),
    Column("multiplier", Numeric(6, 4)),
    Column("note", Text, nullable=False, server_default=text("''")),
    # The events behind the line: visit revisions, the award, amendments, suspensions, the review.
    Column("event_ids", ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'")),
    # One index serves lookups by provider and package and the API's ordering; a key is unique
    # within its package, and across periods the ledger is what forbids paying it twice.
    PrimaryKeyConstraint("period_id", "provider_id", "package_id", "ledger_key"),
    CheckConstraint("council_amount + nhs_amount = amount", name="funders_add_up"),
    CheckConstraint("status IN ('payable', 'held', 'not_payable')", name="status"),
)

adjustment = Table(
    "adjustment",
    metadata,
    Column("adjustment_id", UUID(as_uuid=True), primary_key=True),
    Column("period_id", ForeignKey("period.period_id", ondelete="CASCADE"), nullable=False),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("package_id", UUID(as_uuid=True)),
    Column("ledger_key", String(200)),
    Column("funder", String(8), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_by_client", UUID(as_uuid=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("funder IN ('council', 'nhs')", name="funder"),
)

approval = Table(
    "approval",
    metadata,
    Column("kind", String(24), nullable=False),
    Column("subject_id", UUID(as_uuid=True), nullable=False),
    Column("reason", Text, nullable=False),
    Column("approved_by", String(200), nullable=False),
    Column("approved_by_client", UUID(as_uuid=True)),
    Column("approved_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # A release after a period's calculation is paid in the next period.
    written_xid(),
    PrimaryKeyConstraint("kind", "subject_id"),
    CheckConstraint("kind IN ('unverified_visit', 'excess_visit', 'exceptional_package')", name="kind"),
)

ledger = Table(
    "ledger",
    metadata,
    # The unique key: one payment per visit, retainer week part, budget week or adjustment.
    Column("ledger_key", String(200), primary_key=True),
    # What the key settles (the key before any ':adjusted:' suffix), to total what was paid for it.
    Column("settles", String(200), nullable=False),
    Column("period_id", ForeignKey("period.period_id"), nullable=False),
    Column("package_id", UUID(as_uuid=True), nullable=False),
    Column("rule", String(120), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("paid_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_ledger_settles", "settles"),
    Index("ix_ledger_package", "package_id", "service_date"),
)

bank_balance = Table(
    "bank_balance",
    metadata,
    # A budget's bank as a calculation (period_id) left it at the end of a day (as_of): the end of
    # its own period, and of every earlier period it replayed. The latest approved statement of a
    # day is the bank a later period opens with (or replays from); an empty bank is a row of 0.
    Column("period_id", ForeignKey("period.period_id", ondelete="CASCADE"), nullable=False),
    Column("package_id", UUID(as_uuid=True), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("week", Date, nullable=False),
    Column("amount", MONEY, nullable=False),
    PrimaryKeyConstraint("period_id", "package_id", "as_of", "week"),
    Index("ix_bank_balance_package_as_of", "package_id", "as_of"),
)
