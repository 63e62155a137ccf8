"""A package's lines for a period, replaying earlier periods when something about them arrived late."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from payments.domain.budget import Banked, budget_period, budget_weeks
from payments.domain.contributions import contribution_lines
from payments.domain.enablement import enablement_lines
from payments.domain.lines import ZERO, PaymentLine
from payments.domain.retainer import retainer_lines
from payments.domain.rules import PaymentRules
from payments.domain.settlement import Owner, Paid, settle
from payments.domain.suspensions import Suspension
from payments.domain.terms import Approvals, Basis, PackageTerms, Visit
from payments.domain.time_and_task import price_visit, visit_key


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
class PackageState:
    """What happened to a package apart from its visits, and what the ledger holds for it."""

    suspensions: tuple[Suspension, ...] = ()
    end_date: date | None = None
    enablement_weeks: int | None = None
    all_met: bool | None = None
    review_date: date | None = None
    review_events: tuple[uuid.UUID, ...] = ()
    # The bank at the start of the first period worked out (the first replayed one, if any).
    opening_bank: tuple[Banked, ...] = ()
    # What the ledger holds per settled key, as far back as corrections reach.
    paid: Mapping[str, Paid] = field(default_factory=dict)
    # Approved periods before this one to work out again, oldest first: something about them
    # (a visit of a budget, a stay, an amendment, an end) arrived after they were calculated.
    replay: tuple[Period, ...] = ()
    # Visits dated in approved periods that changed, arrived or were released after them.
    late_visits: frozenset[uuid.UUID] = frozenset()


@dataclass(frozen=True)
class PackageResult:
    """A package's lines for a period and the budget it banks for the next."""

    lines: list[PaymentLine]
    closing_bank: tuple[Banked, ...] = ()
    # A budget's bank at the end of each period worked out, replayed ones included: (as of, bank).
    banks: tuple[tuple[date, tuple[Banked, ...]], ...] = ()


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

    ``visits`` are the package's visits dated in the period, late ones from earlier periods, and
    for a budget being replayed every visit of the replayed periods. The replayed periods are
    worked out again in order, carrying the bank through them, as if everything had arrived in
    time; :func:`settle` then leaves out what was paid and pays or recovers only differences.
    """
    periods = (*state.replay, period)
    by_period: dict[Period, list[Visit]] = {p: [] for p in periods}
    for visit in visits:
        if terms.basis is not Basis.BUDGET:
            by_period[period].append(visit)
            continue
        # A budget week is paid as a whole: a visit of an earlier week comes with its period's replay.
        home = next((p for p in periods if p.contains(visit.service_day())), None)
        if home is None:
            raise ValueError(f"visit {visit.visit_id} of budget package {terms.package_id} is outside the periods")
        by_period[home].append(visit)
    bank = state.opening_bank
    banks: list[tuple[date, tuple[Banked, ...]]] = []
    lines: list[PaymentLine] = []
    for each in periods:
        current = each is period
        part = _one_period(terms, by_period[each], each, rules, approvals, state, bank, current=current)
        lines += part.lines
        bank = part.closing_bank
        if terms.basis is Basis.BUDGET:
            banks.append((each.end, bank))
    owner = Owner(terms.package_id, terms.provider_id, terms.basis.value, terms.council_share)
    settled = settle(
        lines,
        state.paid,
        period.start,
        owner,
        late_visits=state.late_visits,
        replayed_from=state.replay[0].start if state.replay else None,
    )
    return PackageResult(sorted(settled, key=lambda line: line.ledger_key), bank, tuple(banks))


def _one_period(
    terms: PackageTerms,
    visits: list[Visit],
    period: Period,
    rules: PaymentRules,
    approvals: Approvals,
    state: PackageState,
    bank: tuple[Banked, ...],
    *,
    current: bool,
) -> PackageResult:
    """One period's lines before settlement; visit rules only for the current period."""
    last = min(period.end, state.end_date) if state.end_date else period.end
    dated = [v for v in visits if v.service_day() <= last]
    lines: list[PaymentLine] = []
    closing = bank
    if terms.basis is Basis.BUDGET:
        weeks = budget_weeks(terms, period.start, period.end, active_until=last, suspensions=state.suspensions)
        budget = budget_period(terms, dated, weeks, rules, approvals, bank)
        lines += budget.lines
        closing = budget.closing_bank
    elif current:
        lines += _visit_lines(terms, dated, rules, approvals, state)
    for stay in state.suspensions:
        if stay.hospital:
            lines += retainer_lines(terms, rules, stay, period_start=period.start, period_end=last)
    lines += contribution_lines(
        terms, rules, first_day=max(period.start, terms.start_date), last_day=last, suspensions=state.suspensions
    )
    return PackageResult(lines, closing)


def _visit_lines(
    terms: PackageTerms, visits: list[Visit], rules: PaymentRules, approvals: Approvals, state: PackageState
) -> list[PaymentLine]:
    """Time and task, or enablement and then ongoing support at the winning bid's rate."""
    if terms.basis is not Basis.ENABLEMENT_OUTCOMES or state.enablement_weeks is None:
        return [price_visit(v, terms, rules, approvals) for v in visits]
    enablement_end = terms.start_date + timedelta(weeks=state.enablement_weeks)
    enabling = [v for v in visits if v.service_day() < enablement_end]
    ongoing = [v for v in visits if v.service_day() >= enablement_end]
    return enablement_lines(
        terms,
        enabling,
        rules,
        approvals,
        all_met=state.all_met,
        paid_before=_enablement_paid_before(terms, enabling, state),
        review_date=state.review_date,
        review_events=state.review_events,
    ) + [price_visit(v, terms, rules, approvals) for v in ongoing]


def _enablement_paid_before(terms: PackageTerms, enabling: list[Visit], state: PackageState) -> Decimal:
    """What earlier periods paid towards the enablement budget, leaving out what is worked out now.

    The whole-budget line is left out, being worked out again; so are visits worked out again
    one by one (outcomes not met), whose new figures take their old ones' place in the budget.
    """
    again = {f"enablement-outcomes:{terms.package_id}"}
    if not state.all_met:
        again |= {visit_key(v) for v in enabling}
    return sum(
        (p.amount for key, p in state.paid.items() if p.rule.startswith("enablement") and key not in again), ZERO
    )
