"""Haversine distances and coordinate ranges."""

from __future__ import annotations

import math

import pytest
from monitoring.domain.geo import EARTH_RADIUS_M, Point, coordinates_in_range, haversine_metres

ONE_DEGREE_M = 2 * math.pi * EARTH_RADIUS_M / 360  # 111,195.08 m


@pytest.mark.parametrize(
    ("a", "b", "metres"),
    [
        (Point(50.0, -5.0), Point(50.0, -5.0), 0.0),
        (Point(50.0, -5.0), Point(51.0, -5.0), ONE_DEGREE_M),
        # Along the equator a degree of longitude is the same arc as one of latitude.
        (Point(0.0, 0.0), Point(0.0, 1.0), ONE_DEGREE_M),
        # 0.0018 degrees of latitude is 200.15 m: just outside a 200 m geofence.
        (Point(50.2660, -5.0527), Point(50.2678, -5.0527), 200.151),
        # London (Charing Cross) to Paris (Notre-Dame): about 343.5 km.
        (Point(51.5074, -0.1278), Point(48.8530, 2.3499), 343_500.0),
    ],
)
def test_haversine(a: Point, b: Point, metres: float) -> None:
    assert haversine_metres(a, b) == pytest.approx(metres, rel=2e-3, abs=0.01)


@pytest.mark.parametrize(
    ("lat", "lon", "ok"),
    [
        (90.0, 180.0, True),
        (-90.0, -180.0, True),
        (90.1, 0.0, False),
        (0.0, -180.5, False),
        (math.nan, 0.0, False),
    ],
)
def test_coordinates_in_range(lat: float, lon: float, ok: bool) -> None:
    assert coordinates_in_range(lat, lon) is ok
