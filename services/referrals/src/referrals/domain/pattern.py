"""The visit pattern: its rules and the weekly carer hours it adds up to."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from referrals.domain.commands import VisitIn
from referrals.domain.errors import FieldError

MIN_VISIT_MINUTES = 15
MAX_VISIT_MINUTES = 240
# NICE NG21 sets 30 minutes as the least for a home care visit; shorter ones need a reason.
SHORT_VISIT_MINUTES = 30
HOURS_TOLERANCE_MINUTES = Decimal(1)


def weekly_minutes(pattern: Sequence[VisitIn]) -> int:
    """Carer minutes a week: a double-handed visit counts twice, as each carer is paid."""
    return sum(v.duration_minutes * len(set(v.days)) * v.carers for v in pattern)


def weekly_hours(pattern: Sequence[VisitIn]) -> Decimal:
    """Carer hours a week, exact (minutes / 60 to two places would lose a third of a minute)."""
    return Decimal(weekly_minutes(pattern)) / 60


def pattern_errors(pattern: Sequence[VisitIn], field: str = "visit_pattern") -> list[FieldError]:
    """Every fault of each visit entry, named by its index (``visit_pattern.2.duration_minutes``)."""
    errors: list[FieldError] = []
    for i, visit in enumerate(pattern):
        at = f"{field}.{i}"
        if not visit.days:
            errors.append(FieldError(f"{at}.days", "At least one day is needed.", "required"))
        elif len(set(visit.days)) != len(visit.days):
            errors.append(FieldError(f"{at}.days", "A day is listed twice.", "duplicate"))
        minutes = visit.duration_minutes
        if not MIN_VISIT_MINUTES <= minutes <= MAX_VISIT_MINUTES:
            errors.append(FieldError(
                f"{at}.duration_minutes",
                f"A visit lasts between {MIN_VISIT_MINUTES} and {MAX_VISIT_MINUTES} minutes.",
                "out_of_range",
            ))
        elif minutes < SHORT_VISIT_MINUTES and not (visit.short_visit_reason or "").strip():
            errors.append(FieldError(
                f"{at}.short_visit_reason",
                f"A visit under {SHORT_VISIT_MINUTES} minutes needs a short_visit_reason "
                "(e.g. a medication prompt).",
                "required",
            ))
    return errors


def hours_agreement_errors(
    pattern: Sequence[VisitIn], hours: Decimal, field: str = "weekly_hours"
) -> list[FieldError]:
    """An error when the stated weekly hours differ from the pattern's by more than a minute."""
    if not pattern:
        return []
    stated_minutes = hours * 60
    derived = weekly_minutes(pattern)
    if abs(stated_minutes - derived) > HOURS_TOLERANCE_MINUTES:
        return [FieldError(
            field,
            f"The visit pattern adds up to {derived} carer minutes a week "
            f"({weekly_hours(pattern):.2f} hours), not {hours} hours.",
            "mismatch",
        )]
    return []


def tidy_hours(hours: Decimal) -> Decimal:
    """Hours to two places, or to as many as the stated figure had (storage pads them to four)."""
    two_places = hours.quantize(Decimal("0.01"))
    return two_places if two_places == hours else hours.normalize()
