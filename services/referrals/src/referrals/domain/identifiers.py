"""NHS numbers and UK postcodes: the two identifiers a referral's person carries."""

from __future__ import annotations

import re

# Royal Mail's format (BS 7666), including the single non-geographic GIR 0AA; the letter sets
# exclude the characters Royal Mail never uses in each position.
_POSTCODE = re.compile(
    r"^(GIR0AA|"
    r"(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_nhs_number(raw: str) -> str:
    """The NHS number without the spaces or hyphens people write it with (``943 476 5919``)."""
    return re.sub(r"[\s-]", "", raw)


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of nine digits, or None when no digit fits (remainder 10).

    Weights run 10 down to 2; the digit is 11 minus the remainder, with 11 meaning 0.
    """
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(raw: str) -> bool:
    """Ten digits whose last is the modulus-11 check digit of the first nine."""
    number = normalise_nhs_number(raw)
    if len(number) != 10 or not number.isascii() or not number.isdigit():
        return False
    return nhs_number_check_digit(number[:9]) == int(number[9])


def normalise_postcode(raw: str) -> str:
    """Upper case with one space before the three-character inward code (``ls1 4ap`` -> ``LS1 4AP``)."""
    compact = re.sub(r"\s", "", raw).upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def is_valid_postcode(raw: str) -> bool:
    """Whether the text is a UK postcode in Royal Mail's format (spacing and case are forgiven)."""
    return _POSTCODE.match(re.sub(r"\s", "", raw).upper()) is not None
