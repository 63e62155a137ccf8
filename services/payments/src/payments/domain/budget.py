"""Budget-based ongoing support: delivered care paid up to the weekly budget, with banked time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shared.money import round_pennies

from payments.domain.days import is_bank_holiday, week_start
from payments.domain.lines import ZERO, LineStatus, PaymentLine, make_line
from payments.domain.minutes import nearest_minute
from payments.domain.rules import PaymentRules
from payments.domain.terms import Approvals, PackageTerms, Visit, VisitOutcome
from payments.domain.time_and_task import price_visit


@dataclass(frozen=True)
class Banked:
    """Budget left unused in the week starting ``week``; usable in the following weeks of the window."""

    week: date
    amount: Decimal


@dataclass(frozen=True)
class BudgetResult:
    """A period's budget lines and the bank carried into the next period."""

    lines: tuple[PaymentLine, ...]
    closing_bank: tuple[Banked, ...]


def delivered_value(visit: Visit, terms: PackageTerms, rules: PaymentRules) -> Decimal:
    """A visit's value against the budget, unrounded: a flexible rota has no plan to cap it at."""
    day = visit.service_day()
    multiplier = rules.bank_holiday_multiplier if is_bank_holiday(day) else Decimal(1)
    carers = max(1, min(visit.carers_attended, visit.carers_required))
    minutes = nearest_minute(visit.actual_seconds())
    return Decimal(minutes) * terms.rates.rate_on(day) * carers * multiplier / 60


def budget_period(
    terms: PackageTerms,
    visits: list[Visit],
    weeks: list[date],
    rules: PaymentRules,
    approvals: Approvals,
    opening_bank: tuple[Banked, ...] = (),
) -> BudgetResult:
    """Pay each week's delivered care up to its budget, then from the bank, oldest first.

    Money banked in week ``s`` can be used in weeks ``s+1`` to ``s+window``; after that it lapses.
    Care beyond budget and bank is held as exceptional unless the package's excess is approved.
    """
    if terms.weekly_budget is None:
        raise ValueError(f"package {terms.package_id} is paid by budget but has no weekly budget")
    budget = terms.weekly_budget
    lines: list[PaymentLine] = []
    bank = list(opening_bank)
    by_week: dict[date, list[Visit]] = {w: [] for w in weeks}
    for visit in sorted(visits, key=lambda v: (v.anchor(), str(v.visit_id))):
        payable = visit.outcome is VisitOutcome.COMPLETED and (
            visit.verified or visit.visit_id in approvals.unverified_visits
        )
        if not payable:
            # Missed visits are shown as not paid, unverified ones as held, exactly as for time and task.
            lines.append(price_visit(visit, terms, rules, approvals))
            continue
        by_week.setdefault(week_start(visit.service_day(), terms.start_date), []).append(visit)

    def line(
        key: str,
        rule: str,
        week: date,
        status: LineStatus,
        amount: Decimal,
        ids: tuple[Visit, ...] = (),
        note: str = "",
    ) -> None:
        lines.append(
            make_line(
                ledger_key=f"{key}:{terms.package_id}:{week}",
                rule=rule,
                package_id=terms.package_id,
                provider_id=terms.provider_id,
                basis=terms.basis.value,
                service_date=week,
                status=status,
                amount=amount,
                council_share=terms.council_share,
                visit_ids=tuple(v.visit_id for v in ids),
                note=note,
            )
        )

    for week in sorted(by_week):
        for entry in [b for b in bank if week >= b.week + timedelta(weeks=rules.banking_window_weeks + 1)]:
            bank.remove(entry)
            line(
                f"budget-lapsed:{entry.week}",
                "budget_bank_lapsed",
                week,
                LineStatus.NOT_PAYABLE,
                entry.amount,
                note=f"banked in week of {entry.week}, window {rules.banking_window_weeks} weeks",
            )
        week_visits = tuple(by_week[week])
        delivered = round_pennies(sum((delivered_value(v, terms, rules) for v in week_visits), ZERO))
        from_budget = min(delivered, budget)
        line(
            "budget",
            "budget_week",
            week,
            LineStatus.PAYABLE,
            from_budget,
            week_visits,
            f"delivered {delivered} against budget {budget}",
        )
        over = delivered - from_budget
        drawn = ZERO
        while over > drawn and bank:
            take = min(bank[0].amount, over - drawn)
            drawn += take
            if take == bank[0].amount:
                bank.pop(0)
            else:
                bank[0] = Banked(bank[0].week, bank[0].amount - take)
        if drawn:
            line("budget-bank", "budget_bank_used", week, LineStatus.PAYABLE, drawn, week_visits)
        excess = over - drawn
        if excess:
            approved = terms.package_id in approvals.exceptional_packages
            line(
                "budget-excess",
                "budget_exceptional_excess",
                week,
                LineStatus.PAYABLE if approved else LineStatus.HELD,
                excess,
                week_visits,
                "approved as exceptional" if approved else "over budget and bank: held unless approved",
            )
        if budget > delivered:
            bank.append(Banked(week, budget - delivered))
            line(
                "budget-banked",
                "budget_banked",
                week,
                LineStatus.NOT_PAYABLE,
                budget - delivered,
                note="unused budget banked for later weeks",
            )
    return BudgetResult(tuple(lines), tuple(bank))
