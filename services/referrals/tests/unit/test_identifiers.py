"""NHS number modulus 11 and UK postcode format."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from referrals.domain.identifiers import (
    is_valid_nhs_number,
    is_valid_postcode,
    nhs_number_check_digit,
    normalise_nhs_number,
    normalise_postcode,
)


@pytest.mark.parametrize(
    ("first_nine", "expected"),
    [
        # 9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299; 299 % 11 = 2; 11 - 2 = 9
        ("943476591", 9),
        # 4*10+0+1*8+0+2*6+3*5+2*4+1*3+3*2 = 92; 92 % 11 = 4; 11 - 4 = 7
        ("401023213", 7),
        # 0*10 ... all zero: sum 0, remainder 0, 11 - 0 = 11 -> 0
        ("000000000", 0),
        # 1*10 = 10 with the rest zero: 10 % 11 = 10; 11 - 10 = 1
        ("100000000", 1),
        # 1*9 = 9: 11 - 9 = 2
        ("010000000", 2),
        # 1*2 = 2 in the ninth place: 11 - 2 = 9
        ("000000001", 9),
        # 1*10 + 1*9... 10+9 = 19 % 11 = 8; 11 - 8 = 3
        ("110000000", 3),
        # 1*10 = 10, with 1 in the last place: 10 + 2 = 12 % 11 = 1; 11 - 1 = 10: no valid digit
        ("100000001", None),
    ],
)
def test_check_digit_hand_worked(first_nine: str, expected: int | None) -> None:
    assert nhs_number_check_digit(first_nine) == expected


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("9434765919", True),
        ("943 476 5919", True),
        ("943-476-5919", True),
        ("4010232137", True),
        ("9434765918", False),  # wrong check digit
        ("943476591", False),  # nine digits
        ("94347659190", False),  # eleven digits
        ("943476591X", False),
        ("1000000010", False),  # check digit would be 10
        ("", False),
        ("٩٤٣٤٧٦٥٩١٩", False),  # Arabic-Indic digits are digits to Python, not to the NHS
    ],
)
def test_nhs_number_validity(raw: str, valid: bool) -> None:
    assert is_valid_nhs_number(raw) is valid


def test_nhs_number_normalised_without_separators() -> None:
    assert normalise_nhs_number("943 476-5919") == "9434765919"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 8), st.integers(1, 9))
def test_any_single_digit_change_is_caught(first_nine: str, position: int, shift: int) -> None:
    check = nhs_number_check_digit(first_nine)
    if check is None:
        assert not is_valid_nhs_number(first_nine + "0")
        return
    number = first_nine + str(check)
    assert is_valid_nhs_number(number)
    changed = str((int(number[position]) + shift) % 10)
    assert not is_valid_nhs_number(number[:position] + changed + number[position + 1:])


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("LS6 2QT", True),
        ("ls62qt", True),
        ("M1 1AE", True),
        ("B33 8TH", True),
        ("CR2 6XH", True),
        ("DN55 1PT", True),
        ("W1A 0AX", True),
        ("EC1A 1BB", True),
        ("GIR 0AA", True),
        ("LS6", False),  # outward code only
        ("LS6 2Q", False),
        ("QS6 2QT", False),  # Q never starts a postcode
        ("LS6 2QC", False),  # C is never in the inward letters
        ("12345", False),
        ("LS6 2QT X", False),
        ("", False),
    ],
)
def test_postcode_format(raw: str, valid: bool) -> None:
    assert is_valid_postcode(raw) is valid


@pytest.mark.parametrize(("raw", "expected"), [("ls62qt", "LS6 2QT"), (" ec1a  1bb ", "EC1A 1BB")])
def test_postcode_normalised(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected
