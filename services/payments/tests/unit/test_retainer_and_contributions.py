"""Hospital retainer weeks and net or gross contributions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from payments.domain.contributions import contribution_lines
from payments.domain.lines import LineStatus
from payments.domain.retainer import retainer_lines
from payments.domain.rules import PaymentRules
from payments.domain.terms import PatternEntry

from .builders import pence, terms

# 7 x 60 min single-handed + 3 x 30 min double-handed = 420 + 180 = 600 carer minutes = 10 hours;
# at £18.52 the planned weekly cost is £185.20.
PATTERN = (
    PatternEntry(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), 60, 1),
    PatternEntry(("mon", "wed", "fri"), 30, 2),
)
TERMS = terms(pattern=PATTERN)
ADMITTED = date(2026, 11, 2)


def test_four_weeks_of_retainer_at_the_planned_weekly_cost() -> None:
    lines = retainer_lines(
        TERMS,
        PaymentRules(),
        admitted=ADMITTED,
        resumed=None,
        period_start=date(2026, 11, 2),
        period_end=date(2026, 11, 29),
    )
    assert [(line.status, pence(line.amount)) for line in lines] == [(LineStatus.PAYABLE, 18520)] * 4


def test_week_five_is_not_paid() -> None:
    lines = retainer_lines(
        TERMS,
        PaymentRules(),
        admitted=ADMITTED,
        resumed=None,
        period_start=date(2026, 11, 30),
        period_end=date(2026, 12, 6),
    )
    assert [(line.rule, line.status) for line in lines] == [("retainer_expired", LineStatus.NOT_PAYABLE)]
    assert "week 5" in lines[0].note


@pytest.mark.parametrize(
    ("share", "resumed", "expected"),
    [
        # 80% of 185.20 = 148.16 a week
        ("0.8", None, [14816] * 4),
        # resumed on Thursday of week 1: Mon-Wed, 185.20 x 3/7 = 79.3714 -> 79.37
        ("1", date(2026, 11, 5), [7937]),
    ],
)
def test_retainer_share_and_part_weeks(share: str, resumed: date | None, expected: list[int]) -> None:
    lines = retainer_lines(
        TERMS,
        PaymentRules(retainer_share=Decimal(share)),
        admitted=ADMITTED,
        resumed=resumed,
        period_start=date(2026, 11, 2),
        period_end=date(2026, 11, 29),
    )
    assert [pence(line.amount) for line in lines] == expected


def test_a_retainer_week_split_by_a_period_boundary_is_paid_once_in_parts() -> None:
    # Admitted on a Thursday: week 1 runs Thu 5 - Wed 11; a period ending Sun 8 cuts it 4 + 3 days.
    first = retainer_lines(
        TERMS,
        PaymentRules(),
        admitted=date(2026, 11, 5),
        resumed=None,
        period_start=date(2026, 10, 12),
        period_end=date(2026, 11, 8),
    )
    second = retainer_lines(
        TERMS,
        PaymentRules(),
        admitted=date(2026, 11, 5),
        resumed=None,
        period_start=date(2026, 11, 9),
        period_end=date(2026, 12, 6),
    )
    # 185.20 x 4/7 = 105.8285 -> 105.83 and 185.20 x 3/7 = 79.3714 -> 79.37
    assert pence(first[0].amount) == 10583
    assert pence(second[0].amount) == 7937
    assert first[0].ledger_key != second[0].ledger_key


@pytest.mark.parametrize(
    ("collection", "last_day", "expected"),
    [
        # net: the provider collects £35.50 a week, so the council pays that much less
        ("net", date(2026, 11, 29), [(LineStatus.PAYABLE, -3550)] * 4),
        # a part week of 3 days: 35.50 x 3/7 = 15.2142 -> 15.21
        ("net", date(2026, 11, 11), [(LineStatus.PAYABLE, -3550), (LineStatus.PAYABLE, -1521)]),
        # gross: the council collects; shown, not deducted
        ("gross", date(2026, 11, 8), [(LineStatus.NOT_PAYABLE, 3550)]),
    ],
)
def test_contributions(collection: str, last_day: date, expected: list[tuple[LineStatus, int]]) -> None:
    t = terms(contribution=("35.50", collection), council_share="0.5")
    lines = contribution_lines(t, first_day=date(2026, 11, 2), last_day=last_day)
    assert [(line.status, pence(line.amount)) for line in lines] == expected
    # The contribution is the council's: never split with the NHS.
    assert all(line.nhs_amount == 0 for line in lines)
