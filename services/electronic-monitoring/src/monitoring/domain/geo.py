"""Distances on the Earth's surface for the geofence check."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Mean Earth radius (IUGG); the error against WGS84 is well under a metre at a 200 m fence.
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Point:
    """A WGS84 position in decimal degrees."""

    lat: float
    lon: float


def coordinates_in_range(lat: float, lon: float) -> bool:
    """True when latitude and longitude are real WGS84 values (NaN and infinities are not)."""
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def haversine_metres(a: Point, b: Point) -> float:
    """Great-circle distance between two points in metres."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlambda = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
