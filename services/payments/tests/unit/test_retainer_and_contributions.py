"""Hospital retainer weeks, and net or gross contributions (none while no care is delivered)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from payments.domain.contributions import contribution_lines
from payments.domain.lines import LineStatus
from payments.domain.period import PackageState, Period, package_lines
from payments.domain.retainer import retainer_lines
from payments.domain.rules import HospitalContribution, PaymentRules
from payments.domain.suspensions import Suspension
from payments.domain.terms import Approvals, PatternEntry
from payments.domain.totals import grand_total, provider_totals

from .builders import pence, terms

# 7 x 60 min single-handed + 3 x 30 min double-handed = 420 + 180 = 600 carer minutes = 10 hours;
# at £18.52 the planned weekly cost is £185.20.
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PATTERN = (
    PatternEntry(EVERY_DAY, 60, 1),
    PatternEntry(("mon", "wed", "fri"), 30, 2),
)
TERMS = terms(pattern=PATTERN)
ADMITTED = date(2026, 11, 2)


def test_four_weeks_of_retainer_at_the_planned_weekly_cost() -> None:
    lines = retainer_lines(
        TERMS,
        PaymentRules(),
        Suspension(ADMITTED),
        period_start=date(2026, 11, 2),
        period_end=date(2026, 11, 29),
    )
    assert [(line.status, pence(line.amount)) for line in lines] == [(LineStatus.PAYABLE, 18520)] * 4


def test_week_five_is_not_paid() -> None:
    lines = retainer_lines(
        TERMS,
        PaymentRules(),
        Suspension(ADMITTED),
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
        Suspension(ADMITTED, resumed),
        period_start=date(2026, 11, 2),
        period_end=date(2026, 11, 29),
    )
    assert [pence(line.amount) for line in lines] == expected


def test_a_retainer_week_split_by_a_period_boundary_is_paid_once_in_parts() -> None:
    # Admitted on a Thursday: week 1 runs Thu 5 - Wed 11; a period ending Sun 8 cuts it 4 + 3 days.
    first = retainer_lines(
        TERMS,
        PaymentRules(),
        Suspension(date(2026, 11, 5)),
        period_start=date(2026, 10, 12),
        period_end=date(2026, 11, 8),
    )
    second = retainer_lines(
        TERMS,
        PaymentRules(),
        Suspension(date(2026, 11, 5)),
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
    lines = contribution_lines(t, PaymentRules(), first_day=date(2026, 11, 2), last_day=last_day)
    assert [(line.status, pence(line.amount)) for line in lines] == expected
    # The contribution is the council's: never split with the NHS.
    assert all(line.nhs_amount == 0 for line in lines)


# The person's contribution while in hospital. 7 hours a week at £20 (a planned £140) with a £35 a week
# contribution (£5 a day); in hospital from Thursday 12 November, home again on Monday 23 November.
# Retainer: stay week 1 (12-18 Nov) 140.00, stay week 2 (19-22 Nov, 4 days) 80.00.
# Per week the contribution is charged for the days not waived, in sevenths.
HOME_AGAIN = date(2026, 11, 23)
STAY = Suspension(date(2026, 11, 12), HOME_AGAIN)
CHARGED_WHILE_RETAINED = PaymentRules(hospital_contribution=HospitalContribution.CHARGED_WHILE_RETAINED)


@pytest.mark.parametrize(
    ("description", "rules", "stay", "collection", "share", "contributions", "retainers", "council", "nhs"),
    [
        # Waived (the default): week 2 charges Mon-Wed (15.00), week 3 nothing, weeks 1 and 4 in full.
        ("net, waived in hospital", PaymentRules(), STAY, "net", "1",
         [-3500, -1500, 0, -3500], [14000, 8000], 13500, 0),
        # Gross: the council collects it, so the provider's payment is the retainer alone.
        ("gross, waived in hospital", PaymentRules(), STAY, "gross", "1",
         [3500, 1500, 0, 3500], [14000, 8000], 22000, 0),
        # Councils that charge while they pay a retainer: every week charged in full.
        ("net, charged while retained", CHARGED_WHILE_RETAINED, STAY, "net", "1",
         [-3500, -3500, -3500, -3500], [14000, 8000], 8000, 0),
        # ... but not beyond the retainer: with a one-week retainer, 19-22 Nov are waived (3/7 charged).
        ("net, charged while retained, one-week retainer",
         replace(CHARGED_WHILE_RETAINED, retainer_max_weeks=1), STAY, "net", "1",
         [-3500, -3500, -1500, -3500], [14000], 2000, 0),
        # Respite pays no retainer, and is never charged.
        ("net, respite", CHARGED_WHILE_RETAINED, replace(STAY, reason="respite"), "net", "1",
         [-3500, -1500, 0, -3500], [], -8500, 0),
        # Half NHS-funded: the retainer splits 110.00 / 110.00; the contribution is the council's alone.
        ("net, half NHS", PaymentRules(), STAY, "net", "0.5",
         [-3500, -1500, 0, -3500], [14000, 8000], 2500, 11000),
    ],
)  # fmt: skip
def test_no_contribution_while_no_care_is_delivered(
    description: str,
    rules: PaymentRules,
    stay: Suspension,
    collection: str,
    share: str,
    contributions: list[int],
    retainers: list[int],
    council: int,
    nhs: int,
) -> None:
    t = terms(rate="20.00", pattern=(PatternEntry(EVERY_DAY, 60),), contribution=("35.00", collection),
              council_share=share)  # fmt: skip
    period = Period(date(2026, 11, 2), date(2026, 11, 29))
    lines = package_lines(t, [], period, rules, Approvals(), PackageState(suspensions=(stay,)))
    weekly = [x for x in lines if x.rule.startswith("client_contribution")]
    assert [pence(x.amount) for x in weekly] == contributions, description
    assert [pence(x.amount) for x in lines if x.rule == "retainer"] == retainers, description
    totals = {t.funder: pence(t.paid) for t in provider_totals(lines)}
    assert (totals.get("council", 0), totals.get("nhs", 0)) == (council, nhs), description
    assert pence(grand_total(lines)) == council + nhs, description
    waived = [x for x in weekly if x.rule == "client_contribution_waived"]
    assert all(x.status is LineStatus.NOT_PAYABLE and "not charged" in x.note for x in waived), description
