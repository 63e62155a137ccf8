"""Request and response bodies of the payments API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from shared.money import Money


class PeriodIn(BaseModel):
    """A new payment period."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"start_date": "2026-11-30", "days": 28}]}
    )

    start_date: date
    # Four-weekly by default; seven where the council pays weekly.
    days: Literal[7, 28] | None = None


class PeriodOut(BaseModel):
    """A period and the progress of its calculation."""

    period_id: uuid.UUID
    start_date: date
    end_date: date
    status: str
    packages_done: int
    packages_total: int
    error: str | None
    calculated_by: str | None
    # The API clients: separation of duties compares these and the names (domain.separation).
    calculated_by_client: uuid.UUID | None
    calculated_at: datetime | None
    approved_by: str | None
    approved_by_client: uuid.UUID | None
    approved_at: datetime | None


class TotalOut(BaseModel):
    """What a funder pays a provider under one basis, and what is held for review."""

    provider_id: uuid.UUID
    funder: str
    basis: str
    paid: Money
    held: Money


class TotalsOut(BaseModel):
    """A period's totals; ``paid`` is the sum of ``totals[].paid``."""

    period_id: uuid.UUID
    status: str
    paid: Money
    held: Money
    totals: list[TotalOut]


class LineOut(BaseModel):
    """A line with the rule that produced it and the inputs that explain it."""

    ledger_key: str
    rule: str
    package_id: uuid.UUID
    provider_id: uuid.UUID
    basis: str
    service_date: date
    status: str
    amount: Money
    council_amount: Money
    nhs_amount: Money
    visit_ids: list[uuid.UUID]
    minutes: int | None
    hourly_rate: Money | None
    carers: int | None
    multiplier: Decimal | None
    note: str
    # The events behind the line: visit revisions, the award, amendments, suspensions, the review.
    event_ids: list[uuid.UUID]


class LinesPage(BaseModel):
    """A page of lines; pass ``next_cursor`` back as ``cursor`` for the next."""

    items: list[LineOut]
    next_cursor: str | None


class AdjustmentIn(BaseModel):
    """A manual adjustment with its reason: against a line, or a provider's payment as a whole."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "amount": "-9.26",
                    "ledger_key": "visit:6f1c1f9e-3c55-4a4e-9a44-0d3c1b1f2a10",
                    "funder": "council",
                    "reason": "visit disputed by the family; recovered pending review",
                }
            ]
        },
    )

    amount: Money = Field(max_digits=12, decimal_places=2)
    reason: str = Field(min_length=3, max_length=2000)
    ledger_key: str | None = Field(default=None, max_length=200)
    provider_id: uuid.UUID | None = None
    funder: Literal["council", "nhs"] = "council"


class AdjustmentOut(BaseModel):
    """A recorded adjustment."""

    adjustment_id: uuid.UUID
    period_id: uuid.UUID
    provider_id: uuid.UUID
    amount: Money
    funder: str


class AdjustmentRecord(BaseModel):
    """An adjustment as recorded: what it adjusts, by how much, why and who made it."""

    adjustment_id: uuid.UUID
    period_id: uuid.UUID
    provider_id: uuid.UUID
    package_id: uuid.UUID | None
    ledger_key: str | None
    funder: str
    amount: Money
    reason: str
    created_by: str
    created_at: datetime


class ApprovalIn(BaseModel):
    """An officer releases a held visit, a visit's excess minutes, or a package's exceptional excess."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "unverified_visit",
                    "subject_id": "6f1c1f9e-3c55-4a4e-9a44-0d3c1b1f2a10",
                    "reason": "carer's phone failed; the family confirmed the visit",
                }
            ]
        },
    )

    kind: Literal["unverified_visit", "excess_visit", "exceptional_package"]
    subject_id: uuid.UUID
    reason: str = Field(min_length=3, max_length=2000)


class ApprovalOut(BaseModel):
    """An approval; it takes effect at the next calculation."""

    kind: str
    subject_id: uuid.UUID
    created: bool
