"""A package's lines for a period, and what changes once earlier periods are closed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from payments.domain.budget import Banked, budget_period
from payments.domain.contributions import contribution_lines
from payments.domain.days import week_start
from payments.domain.enablement import enablement_lines
from payments.domain.lines import LineStatus, PaymentLine, make_line
from payments.domain.retainer import retainer_lines
from payments.domain.rules import PaymentRules
from payments.domain.terms import Approvals, Basis, PackageTerms, Visit
from payments.domain.time_and_task import price_visit


@dataclass(frozen=True)
class Period:
    """A payment period, both days inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period cannot end before it starts")

    def contains(self, day: date) -> bool:
        """True when ``day`` is in the period."""
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Stay:
    """A hospital admission: suspended from ``admitted``, resumed on ``resumed`` (exclusive)."""

    admitted: date
    resumed: date | None = None


@dataclass(frozen=True)
class PackageState:
    """What happened to a package apart from its visits."""

    stays: tuple[Stay, ...] = ()
    end_date: date | None = None
    enablement_weeks: int | None = None
    all_met: bool | None = None
    review_date: date | None = None
    enablement_paid_before: Decimal = Decimal("0.00")
    opening_bank: tuple[Banked, ...] = ()
    # Ledger keys paid in earlier (approved) periods, with the total paid under each including any
    # earlier adjustments of it, so a second correction pays only the new difference.
    paid: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class PackageResult:
    """A package's lines for a period and the budget it banks for the next."""

    lines: list[PaymentLine]
    closing_bank: tuple[Banked, ...] = ()


def package_lines(
    terms: PackageTerms,
    visits: list[Visit],
    period: Period,
    rules: PaymentRules,
    approvals: Approvals,
    state: PackageState,
) -> list[PaymentLine]:
    """Just the lines of :func:`calculate_package`."""
    return calculate_package(terms, visits, period, rules, approvals, state).lines


def calculate_package(
    terms: PackageTerms,
    visits: list[Visit],
    period: Period,
    rules: PaymentRules,
    approvals: Approvals,
    state: PackageState,
) -> PackageResult:
    """Every line of one package for a period, sorted by ledger key for byte-identical reruns.

    ``visits`` are the package's visits dated in the period plus late ones from earlier periods;
    anything already paid is left out or, if its figure changed, adjusted by the difference.
    """
    last = min(period.end, state.end_date) if state.end_date else period.end
    in_hospital = [(s.admitted, s.resumed) for s in state.stays]
    dated = [v for v in visits if v.service_day() <= last]
    enablement_end = (
        terms.start_date + timedelta(weeks=state.enablement_weeks) if state.enablement_weeks is not None else None
    )
    lines: list[PaymentLine] = []
    closing_bank: tuple[Banked, ...] = ()
    if terms.basis is Basis.ENABLEMENT_OUTCOMES and enablement_end is not None:
        enabling = [v for v in dated if v.service_day() < enablement_end]
        ongoing = [v for v in dated if v.service_day() >= enablement_end]
        lines += enablement_lines(
            terms,
            enabling,
            rules,
            approvals,
            all_met=state.all_met,
            paid_before=state.enablement_paid_before,
            review_date=state.review_date,
        )
        lines += [price_visit(v, terms, rules, approvals) for v in ongoing]
    elif terms.basis is Basis.BUDGET:
        active = _days(max(period.start, terms.start_date), last)
        weeks = sorted({week_start(d, terms.start_date) for d in active})
        budget = budget_period(terms, dated, weeks, rules, approvals, state.opening_bank)
        lines += budget.lines
        closing_bank = budget.closing_bank
    else:
        lines += [price_visit(v, terms, rules, approvals) for v in dated]
    for admitted, resumed in in_hospital:
        lines += retainer_lines(
            terms, rules, admitted=admitted, resumed=resumed, period_start=period.start, period_end=last
        )
    lines += contribution_lines(terms, first_day=max(period.start, terms.start_date), last_day=last)
    settled = mark_prior_period(settle_against_ledger(lines, state.paid, terms.council_share), period)
    return PackageResult(sorted(settled, key=lambda line: line.ledger_key), closing_bank)


def settle_against_ledger(
    lines: list[PaymentLine], paid: Mapping[str, Decimal], council_share: Decimal
) -> list[PaymentLine]:
    """Drop what the ledger already paid; turn a changed figure into a prior-period adjustment.

    A correction arriving after its period was approved is paid (or recovered) as the difference,
    under a key naming the original, so the original line is never silently changed.
    """
    settled: list[PaymentLine] = []
    for line in lines:
        if line.ledger_key not in paid:
            settled.append(line)
            continue
        if line.status is not LineStatus.PAYABLE:
            # Paid before and now held or unpayable: recovering money is an officer's adjustment.
            continue
        difference = line.amount - paid[line.ledger_key]
        if difference:
            settled.append(
                make_line(
                    ledger_key=f"{line.ledger_key}:adjusted:{line.amount}",
                    rule=f"prior_period_adjustment:{line.rule}",
                    package_id=line.package_id,
                    provider_id=line.provider_id,
                    basis=line.basis,
                    service_date=line.service_date,
                    status=LineStatus.PAYABLE,
                    amount=difference,
                    council_share=council_share,
                    visit_ids=line.visit_ids,
                    minutes=line.minutes,
                    hourly_rate=line.hourly_rate,
                    carers=line.carers,
                    multiplier=line.multiplier,
                    note=f"was {paid[line.ledger_key]}, now {line.amount}",
                )
            )
    return settled


def mark_prior_period(lines: list[PaymentLine], period: Period) -> list[PaymentLine]:
    """Label late lines dated before the period as prior-period adjustments, keeping their keys."""
    return [
        replace(line, rule=f"prior_period:{line.rule}")
        if line.service_date < period.start and not line.rule.startswith("prior_period")
        else line
        for line in lines
    ]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
