"""Zone lookup from a postcode: a sector match beats a district match."""

import pytest
from brokerage.domain.zones import (
    InvalidPostcodeError,
    ZoneCoverage,
    find_zone,
    normalise_coverage,
    parse_postcode,
)

ZONES = [
    ZoneCoverage("st-austell", frozenset({"PL25", "PL26"})),
    ZoneCoverage("st-austell-east", frozenset({"PL25 5"})),
    ZoneCoverage("leeds-central", frozenset({"LS1", "LS2 7"})),
    ZoneCoverage("london-ec", frozenset({"EC1A"})),
]


@pytest.mark.parametrize(
    ("postcode", "zone"),
    [
        ("PL25 5AB", "st-austell-east"),  # sector beats the district another zone covers
        ("pl255ab", "st-austell-east"),  # case and spacing do not matter
        ("PL25 4XY", "st-austell"),  # district only
        ("PL26 8QQ", "st-austell"),
        ("LS2 7HJ", "leeds-central"),  # sector only, no district entry
        ("LS2 8HJ", None),  # district LS2 not covered, only its sector 7
        ("EC1A 1BB", "london-ec"),  # district with a trailing letter
        ("TR1 1AA", None),
    ],
)
def test_find_zone(postcode: str, zone: str | None) -> None:
    assert find_zone(postcode, ZONES) == zone


def test_overlapping_zones_resolve_to_the_lowest_id_whatever_the_order() -> None:
    zones = [ZoneCoverage("b", frozenset({"PL25"})), ZoneCoverage("a", frozenset({"PL25"}))]
    assert find_zone("PL25 1AA", zones) == "a"
    assert find_zone("PL25 1AA", reversed(zones)) == "a"


@pytest.mark.parametrize(
    ("raw", "district", "sector", "formatted"),
    [
        ("PL25 5AB", "PL25", "PL25 5", "PL25 5AB"),
        (" m1 1ae ", "M1", "M1 1", "M1 1AE"),
        ("EC1A1BB", "EC1A", "EC1A 1", "EC1A 1BB"),
    ],
)
def test_parse_postcode(raw: str, district: str, sector: str, formatted: str) -> None:
    parsed = parse_postcode(raw)
    assert (parsed.district, parsed.sector, parsed.formatted) == (district, sector, formatted)


@pytest.mark.parametrize("raw", ["", "PL25", "12345", "PL25 5A", "not a postcode"])
def test_parse_postcode_rejects(raw: str) -> None:
    with pytest.raises(InvalidPostcodeError):
        parse_postcode(raw)


@pytest.mark.parametrize(
    ("entry", "normalised"),
    [("pl25", "PL25"), ("pl25  5", "PL25 5"), ("EC1A 1", "EC1A 1"), ("M1", "M1")],
)
def test_normalise_coverage(entry: str, normalised: str) -> None:
    assert normalise_coverage(entry) == normalised


@pytest.mark.parametrize("entry", ["PL25 5AB", "", "5", "PL25 X"])
def test_normalise_coverage_rejects(entry: str) -> None:
    with pytest.raises(InvalidPostcodeError):
        normalise_coverage(entry)
