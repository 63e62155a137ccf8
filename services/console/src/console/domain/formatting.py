"""How figures, dates and codes read on a page (GOV.UK style: 5 March 2026, £1,234.56)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

ROLE_NAMES = {
    "payments_staff": "payments staff",
    "payments_approver": "payments approver",
    "quality_officer": "quality officer",
    "admin": "brokerage and DPS administrator",
    "case_management": "case-management system",
    "provider": "provider",
    "etms_vendor": "monitoring vendor",
}

SKIP_REASONS = {
    "not_serving_zone": "does not serve the zone",
    "barred_from_enablement": "not allowed to provide enablement",
    "no_capacity": "no weekly capacity left",
    "over_share_cap": "over the council's market share cap",
    "already_offered": "already offered in an earlier round",
    "handed_back": "handed this package back",
}


METHODS = {
    "nfc": "NFC tag in the home",
    "gps": "GPS",
    "telephony": "Telephone from the home",
    "manual": "Entered by hand",
}


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def money(value: object) -> str:
    """An amount the API gives as a string of pounds: -2.5 reads -£2.50."""
    amount = _decimal(value)
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def share(value: object, places: int = 1) -> str:
    """A share (0.9123) as a percentage (91.2%); empty when there was nothing to measure."""
    amount = _decimal(value)
    if amount is None:
        return "No data"
    return f"{amount * 100:.{places}f}%"


def number(value: object, places: int = 2) -> str:
    """A figure with at most ``places`` decimals, trailing zeros dropped."""
    amount = _decimal(value)
    if amount is None:
        return "No data"
    text = f"{amount:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def long_date(value: object) -> str:
    """An ISO date (or a date) as 5 March 2026."""
    if value is None or value == "":
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.day} {day:%B %Y}"


def short_date(value: object) -> str:
    """An ISO date as 5 Mar 2026, for tables."""
    if value is None or value == "":
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.day} {day:%b %Y}"


def when(value: object) -> str:
    """An ISO timestamp as London wall-clock time: 5 March 2026 at 2:05pm."""
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    local = moment.astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{long_date(local.date())} at {hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def humanise(code: object) -> str:
    """A code (time_and_task:nearest_minute+capped_at_planned) in words, first letter capital."""
    text = str(code or "").replace("_", " ").replace(":", ": ").replace("+", ", ").replace("-", " ")
    return text[:1].upper() + text[1:]


def role_name(role: str) -> str:
    """A role as staff say it."""
    return ROLE_NAMES.get(role, humanise(role).lower())


def skip_reason(code: str) -> str:
    """Why brokerage passed a provider over, in words."""
    return SKIP_REASONS.get(code, humanise(code).lower())


def method(code: object) -> str:
    """How a carer checked in, in words."""
    return METHODS.get(str(code or ""), humanise(code) or "None")


def short_id(value: object) -> str:
    """The first block of a UUID: enough to tell records apart on a page."""
    return str(value or "").split("-")[0]
