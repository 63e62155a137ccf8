"""Events of the payments service, topic ``payments.period`` keyed by period id."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import AwareDatetime

from shared.contracts.common import ContractModel
from shared.contracts.topics import PAYMENT_PERIOD
from shared.messaging.envelope import EventData
from shared.money import Money

SOURCE = "/homecare/payments"


class ProviderFunderTotal(ContractModel):
    """What one funder pays one provider in a period."""

    provider_id: uuid.UUID
    funder: str
    amount: Money


class PeriodApproved(EventData):
    """A payment period was approved: it is final and goes to finance."""

    topic = PAYMENT_PERIOD
    name = "approved"
    period_id: uuid.UUID
    start_date: date
    end_date: date
    approved_by: str
    approved_at: AwareDatetime
    totals: list[ProviderFunderTotal]
