"""The rules across a referral's fields. Each check returns every fault, never just the first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from referrals.domain.commands import (
    AmendmentIn,
    BudgetIn,
    ClientContributionIn,
    FundingIn,
    OutcomeIn,
    PersonIn,
    ReferralIn,
    ReviewIn,
    VisitIn,
)
from referrals.domain.errors import FieldError
from referrals.domain.identifiers import is_valid_nhs_number, is_valid_postcode
from referrals.domain.pattern import hours_agreement_errors, pattern_errors

MAX_AGE_YEARS = 125
# A package may be planned up to a year ahead; further is a typo in the year.
MAX_START_AHEAD = timedelta(days=366)
# Referrals are sometimes recorded after an out-of-hours hospital discharge has started care.
MAX_START_BEHIND = timedelta(days=28)
MAX_ENABLEMENT_WEEKS = 6
MAX_WEEKLY_HOURS = Decimal(336)  # 24 hours a day, 7 days, two carers


def _is_pennies(amount: Decimal) -> bool:
    return amount.is_finite() and amount == amount.quantize(Decimal("0.01"))


def person_errors(person: PersonIn, today: date) -> list[FieldError]:
    """NHS number check digit, postcode format and a birth date in the past."""
    errors: list[FieldError] = []
    if not is_valid_nhs_number(person.nhs_number):
        errors.append(FieldError("person.nhs_number",
                                 "Not a valid NHS number (10 digits with a modulus-11 check digit).",
                                 "nhs_number"))
    if not is_valid_postcode(person.postcode):
        errors.append(FieldError("person.postcode", "Not a UK postcode.", "postcode"))
    dob = person.date_of_birth
    if dob >= today:
        errors.append(FieldError("person.date_of_birth", "The date of birth must be in the past.", "date"))
    elif dob < today.replace(year=today.year - MAX_AGE_YEARS):
        errors.append(FieldError("person.date_of_birth",
                                 f"A date of birth over {MAX_AGE_YEARS} years ago is not plausible.", "date"))
    return errors


def outcome_errors(outcomes: Sequence[OutcomeIn], field: str = "outcomes") -> list[FieldError]:
    """At least one outcome, each code once."""
    if not outcomes:
        return [FieldError(field, "At least one outcome is needed.", "required")]
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, outcome in enumerate(outcomes):
        if outcome.code in seen:
            errors.append(FieldError(f"{field}.{i}.code", f"Outcome code {outcome.code!r} is repeated.",
                                     "duplicate"))
        seen.add(outcome.code)
    return errors


def budget_errors(budget: BudgetIn, service_type: str, field: str = "budget") -> list[FieldError]:
    """A positive amount to the penny; a total needs its weeks; enablement lasts at most 6 weeks."""
    errors: list[FieldError] = []
    if budget.amount <= 0 or not _is_pennies(budget.amount):
        errors.append(FieldError(f"{field}.amount", "The amount must be positive and to the penny.", "money"))
    if budget.weeks is not None and budget.weeks < 1:
        errors.append(FieldError(f"{field}.weeks", "Weeks must be at least 1.", "out_of_range"))
    elif budget.weeks is None and (budget.period == "total" or service_type == "enablement"):
        why = "an enablement budget" if service_type == "enablement" else "a total budget"
        errors.append(FieldError(f"{field}.weeks", f"Weeks are required for {why}.", "required"))
    elif service_type == "enablement" and budget.weeks is not None and budget.weeks > MAX_ENABLEMENT_WEEKS:
        errors.append(FieldError(f"{field}.weeks",
                                 f"Enablement lasts at most {MAX_ENABLEMENT_WEEKS} weeks.", "out_of_range"))
    return errors


def funding_errors(funding: FundingIn) -> list[FieldError]:
    """Each share between 0 and 1, and the shares summing to exactly 1."""
    errors: list[FieldError] = []
    for name, share in (("council", funding.council), ("nhs", funding.nhs)):
        if not share.is_finite() or not 0 <= share <= 1:
            errors.append(FieldError(f"funding.{name}", "A share is between 0 and 1.", "out_of_range"))
    if not errors and funding.council + funding.nhs != 1:
        errors.append(FieldError("funding", "The council and NHS shares must sum to 1.", "sum"))
    return errors


def contribution_errors(contribution: ClientContributionIn) -> list[FieldError]:
    """A weekly contribution of zero or more, to the penny."""
    if contribution.weekly_amount < 0 or not _is_pennies(contribution.weekly_amount):
        return [FieldError("client_contribution.weekly_amount",
                           "The contribution must be zero or more and to the penny.", "money")]
    return []


def weekly_hours_errors(
    pattern: Sequence[VisitIn], hours: Decimal, field: str = "weekly_hours"
) -> list[FieldError]:
    """Hours in range and, when there is a pattern, agreeing with it within a minute."""
    if not hours.is_finite() or not 0 < hours <= MAX_WEEKLY_HOURS:
        message = f"Weekly hours are above 0 and at most {MAX_WEEKLY_HOURS}."
        return [FieldError(field, message, "out_of_range")]
    if not _is_pennies(hours):
        # Two places are a third of a minute: finer than the one-minute agreement needs.
        return [FieldError(field, "Weekly hours have at most two decimal places.", "precision")]
    return hours_agreement_errors(pattern, hours, field)


def basis_errors(referral: ReferralIn) -> list[FieldError]:
    """Enablement implies payment on outcomes; budget bases need a budget; time and task a pattern."""
    errors: list[FieldError] = []
    enablement = referral.service_type == "enablement"
    basis = referral.payment_basis
    if enablement and basis != "enablement_outcomes":
        errors.append(FieldError("payment_basis", "An enablement package is paid on enablement_outcomes.",
                                 "basis"))
    if not enablement and basis == "enablement_outcomes":
        errors.append(FieldError("payment_basis", "enablement_outcomes is only for enablement packages.",
                                 "basis"))
    if (enablement or basis in ("budget", "enablement_outcomes")) and referral.budget is None:
        errors.append(FieldError("budget", "A budget is required for budget and enablement packages.",
                                 "required"))
    if basis == "time_and_task" and not referral.visit_pattern:
        errors.append(FieldError("visit_pattern", "A time and task package needs a visit pattern.",
                                 "required"))
    return errors


def start_date_errors(start: date, date_of_birth: date, today: date) -> list[FieldError]:
    """A start within a year ahead, at most four weeks behind, and after the birth."""
    if start > today + MAX_START_AHEAD:
        return [FieldError("start_date", "The start date is more than a year ahead.", "date")]
    if start <= date_of_birth:
        return [FieldError("start_date", "The start date is before the date of birth.", "date")]
    if start < today - MAX_START_BEHIND:
        return [FieldError("start_date", "The start date is more than four weeks in the past.", "date")]
    return []


def referral_errors(referral: ReferralIn, today: date) -> list[FieldError]:
    """Every fault of a new referral, each named by its field path."""
    errors = person_errors(referral.person, today)
    errors += outcome_errors(referral.outcomes)
    errors += pattern_errors(referral.visit_pattern)
    errors += weekly_hours_errors(referral.visit_pattern, referral.weekly_hours)
    errors += basis_errors(referral)
    if referral.budget is not None:
        errors += budget_errors(referral.budget, referral.service_type)
    errors += funding_errors(referral.funding)
    if referral.client_contribution is not None:
        errors += contribution_errors(referral.client_contribution)
    errors += start_date_errors(referral.start_date, referral.person.date_of_birth, today)
    return errors


def amendment_errors(
    amendment: AmendmentIn,
    *,
    service_type: str,
    current_pattern: Sequence[VisitIn],
    current_hours: Decimal,
    start_date: date,
) -> list[FieldError]:
    """Every fault of an amendment; the pattern and hours it leaves must still agree."""
    changes = (amendment.visit_pattern, amendment.weekly_hours, amendment.budget, amendment.outcomes)
    if all(change is None for change in changes):
        message = "An amendment changes the pattern, hours, budget or outcomes."
        return [FieldError("body", message, "required")]
    errors: list[FieldError] = []
    if amendment.effective_from < start_date:
        errors.append(FieldError("effective_from", "An amendment cannot take effect before the start date.",
                                 "date"))
    pattern = amendment.visit_pattern if amendment.visit_pattern is not None else current_pattern
    hours = amendment.weekly_hours if amendment.weekly_hours is not None else current_hours
    if amendment.visit_pattern is not None:
        errors += pattern_errors(amendment.visit_pattern)
    errors += weekly_hours_errors(pattern, hours)
    if amendment.budget is not None:
        errors += budget_errors(amendment.budget, service_type)
    if amendment.outcomes is not None:
        errors += outcome_errors(amendment.outcomes)
    return errors


def review_errors(
    review: ReviewIn, *, outcome_codes: Sequence[str], start_date: date, today: date
) -> list[FieldError]:
    """A review dated between the start and today covering each agreed outcome exactly once."""
    errors: list[FieldError] = []
    if review.review_date < start_date or review.review_date > today:
        message = "A review is dated between the start date and today."
        errors.append(FieldError("review_date", message, "date"))
    known = set(outcome_codes)
    seen: set[str] = set()
    for i, item in enumerate(review.outcomes):
        if item.code not in known:
            message = f"{item.code!r} is not one of the referral's outcomes."
            errors.append(FieldError(f"outcomes.{i}.code", message, "unknown"))
        elif item.code in seen:
            errors.append(FieldError(f"outcomes.{i}.code", f"{item.code!r} is reviewed twice.", "duplicate"))
        seen.add(item.code)
    missing = sorted(known - seen)
    if missing:
        errors.append(FieldError("outcomes", f"Every outcome needs a result; missing: {', '.join(missing)}.",
                                 "required"))
    return errors


def dated_after_start_errors(field: str, day: date, start_date: date) -> list[FieldError]:
    """A suspension, resumption or end dated before the care starts makes no sense."""
    if day < start_date:
        return [FieldError(field, "The date is before the package's start date.", "date")]
    return []
