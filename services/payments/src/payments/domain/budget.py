"""Budget-based ongoing support: delivered care paid up to the weekly budget, with banked time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shared.money import round_pennies

from payments.domain.days import is_bank_holiday, week_start
from payments.domain.lines import ZERO, LineStatus, PaymentLine, make_line
from payments.domain.minutes import nearest_minute
from payments.domain.rules import PaymentRules
from payments.domain.suspensions import Suspension, suspended_on
from payments.domain.terms import Approvals, PackageTerms, Visit, VisitOutcome
from payments.domain.time_and_task import price_visit, visit_events


@dataclass(frozen=True)
class Banked:
    """Budget left unused in the week starting ``week``; usable in the following weeks of the window."""

    week: date
    amount: Decimal


@dataclass(frozen=True)
class BudgetWeek:
    """A payment week and the budget it brings."""

    start: date
    budget: Decimal
    # How the budget was made up, when it is not simply the weekly budget.
    note: str = ""
    event_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class BudgetResult:
    """A period's budget lines and the bank carried into the next period."""

    lines: tuple[PaymentLine, ...]
    closing_bank: tuple[Banked, ...]


def budget_weeks(
    terms: PackageTerms,
    first_day: date,
    last_day: date,
    *,
    active_until: date,
    suspensions: tuple[Suspension, ...] = (),
) -> list[BudgetWeek]:
    """The weeks from ``first_day`` to ``last_day`` (counted from ``first_day``) and their budgets.

    Each day brings a seventh of the weekly budget in force on it, so an amendment takes effect from
    its own day; a day before the start, after ``active_until`` (the end) or while care is
    suspended brings nothing. A week's budget is rounded half-up to the penny once. Weeks that
    bring nothing are left out.
    """
    weeks: list[BudgetWeek] = []
    start = first_day
    while start <= last_day:
        end = min(start + timedelta(days=6), last_day)
        days: dict[Decimal, int] = {}
        for i in range((end - start).days + 1):
            day = start + timedelta(days=i)
            if day < terms.start_date or day > active_until or (suspensions and suspended_on(suspensions, day)):
                continue
            weekly = terms.weekly_budget_on(day)
            if weekly is None:
                raise ValueError(f"package {terms.package_id} is paid by budget but has no weekly budget on {day}")
            days[weekly] = days.get(weekly, 0) + 1
        if days:
            whole = list(days.values()) == [7]
            overlapping = (s for s in suspensions if s.start <= end and (s.resumed is None or s.resumed > start))
            events = terms.events_on(end) + tuple(e for s in overlapping for e in s.event_ids)
            weeks.append(
                BudgetWeek(
                    start,
                    round_pennies(sum((b * n for b, n in days.items()), ZERO) / 7),
                    "" if whole else "budget " + " + ".join(f"{n}/7 of {b}" for b, n in sorted(days.items())),
                    events,
                )
            )
        start += timedelta(days=7)
    return weeks


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
    weeks: list[BudgetWeek],
    rules: PaymentRules,
    approvals: Approvals,
    opening_bank: tuple[Banked, ...] = (),
) -> BudgetResult:
    """Pay each week's delivered care up to its budget, then from the bank, oldest first.

    Money banked in week ``s`` can be used in weeks ``s+1`` to ``s+window``; after that it lapses.
    Care beyond budget and bank is held as exceptional unless the package's excess is approved. A
    visit in a week that brings no budget (care suspended or ended) is paid from the bank or held.
    """
    lines: list[PaymentLine] = []
    bank = list(opening_bank)
    known = {w.start: w for w in weeks}
    by_week: dict[date, list[Visit]] = {w.start: [] for w in weeks}
    for visit in sorted(visits, key=lambda v: (v.anchor(), str(v.visit_id))):
        payable = visit.outcome is VisitOutcome.COMPLETED and (
            visit.verified or visit.visit_id in approvals.unverified_visits
        )
        if not payable:
            # Missed visits are shown as not paid, unverified ones as held, exactly as for time and task.
            lines.append(price_visit(visit, terms, rules, approvals))
            continue
        anchor = weeks[0].start if weeks else visit.service_day()
        by_week.setdefault(week_start(visit.service_day(), anchor), []).append(visit)

    def line(
        key: str,
        rule: str,
        week: date,
        status: LineStatus,
        amount: Decimal,
        ids: tuple[Visit, ...] = (),
        note: str = "",
        events: tuple[uuid.UUID, ...] = (),
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
                event_ids=visit_events(ids) + events,
            )
        )

    for week in sorted(by_week):
        this = known.get(week, BudgetWeek(week, ZERO, "no budget this week: care not active"))
        budget, made_of, events = this.budget, f"; {this.note}" if this.note else "", this.event_ids
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
            f"delivered {delivered} against budget {budget}{made_of}",
            events,
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
            note = f"delivered {delivered} against budget {budget}; {drawn} from the bank"
            line("budget-bank", "budget_bank_used", week, LineStatus.PAYABLE, drawn, week_visits, note, events)
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
                events,
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
