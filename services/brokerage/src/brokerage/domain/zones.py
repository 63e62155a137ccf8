"""Finding a package's zone from a postcode: a sector match beats a district match."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Outward code (area + district, e.g. "PL25", "EC1A") then inward code (sector digit + unit, "5AB").
_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d)([A-Z]{2})$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")
_SECTOR = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) (\d)$")


class InvalidPostcodeError(ValueError):
    """A string that is not a full UK postcode, or a coverage entry that is neither district nor sector."""


@dataclass(frozen=True, slots=True)
class Postcode:
    """A parsed full UK postcode."""

    district: str
    sector: str
    unit: str

    @property
    def formatted(self) -> str:
        """The postcode written the usual way, e.g. ``PL25 5AB``."""
        return f"{self.sector}{self.unit}"


def parse_postcode(raw: str) -> Postcode:
    """Parse a full postcode, tolerant of case and spacing."""
    compact = re.sub(r"\s+", "", raw).upper()
    match = _POSTCODE.match(compact)
    if match is None:
        raise InvalidPostcodeError(f"not a UK postcode: {raw!r}")
    district, sector_digit, unit = match.groups()
    return Postcode(district=district, sector=f"{district} {sector_digit}", unit=unit)


def normalise_coverage(entry: str) -> str:
    """A zone coverage entry as a district (``PL25``) or a sector (``PL25 5``)."""
    cleaned = " ".join(entry.upper().split())
    # Without a space "PL25" is a district; a sector is always written with its space ("PL2 5").
    if " " not in cleaned and _DISTRICT.match(cleaned):
        return cleaned
    sector = _SECTOR.match(cleaned) if " " in cleaned else None
    if sector is None:
        raise InvalidPostcodeError(f"not a postcode district or sector: {entry!r}")
    return f"{sector.group(1)} {sector.group(2)}"


@dataclass(frozen=True, slots=True)
class ZoneCoverage:
    """The districts and sectors one zone covers (entries already normalised)."""

    zone_id: str
    entries: frozenset[str]


def find_zone(postcode: str, zones: Iterable[ZoneCoverage]) -> str | None:
    """The zone covering ``postcode``: the one naming its sector if any, else its district, else None.

    A sector is the finer division, so a council can carve a sector out of a district that
    another zone covers. Overlaps at the same level resolve to the lowest zone id, so the
    answer never depends on storage order.
    """
    parsed = parse_postcode(postcode)
    zones = list(zones)
    by_sector = sorted(z.zone_id for z in zones if parsed.sector in z.entries)
    if by_sector:
        return by_sector[0]
    by_district = sorted(z.zone_id for z in zones if parsed.district in z.entries)
    return by_district[0] if by_district else None
