"""The composite score of a provider for a period, and the band it falls in.

A score is the weighted mean of the points (0 to 100) each configured KPI earns. KPIs with nothing
to measure this period are left out and the weights of the rest re-normalised, so a provider with
no enablement work is neither rewarded nor punished for it. The score is rounded to the hundredth
and the contributions are apportioned so that the breakdown always adds up to it exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from quality.domain.config import Band, ScoreComponent

HUNDREDTH = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ComponentScore:
    """One KPI's part of a score: its value, the points it earned and what they added."""

    kpi: str
    value: Decimal | None
    points: Decimal | None
    weight: Decimal
    contribution: Decimal


@dataclass(frozen=True)
class Score:
    """A composite score, its band, and the inputs it is made of."""

    score: Decimal | None
    band: str | None
    components: tuple[ComponentScore, ...]

    @property
    def missing(self) -> list[str]:
        """KPIs left out for want of data."""
        return [c.kpi for c in self.components if c.value is None]


def points(value: Decimal, component: ScoreComponent) -> Decimal:
    """0 to 100 points, linear from ``zero_at`` to ``full_at``, clamped, to the hundredth."""
    fraction = (value - component.zero_at) / (component.full_at - component.zero_at)
    clamped = min(Decimal(1), max(Decimal(0), fraction))
    return (clamped * HUNDRED).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def band_of(score: Decimal, bands: Sequence[Band]) -> str:
    """The highest band whose minimum the score reaches."""
    for band in sorted(bands, key=lambda b: b.min_score, reverse=True):
        if score >= band.min_score:
            return band.name
    raise ValueError("no band starts at 0")


def composite_score(
    values: Mapping[str, Decimal | None],
    components: Sequence[ScoreComponent],
    bands: Sequence[Band],
) -> Score:
    """Score KPI values with the council's components and bands."""
    present = [c for c in components if values.get(c.kpi) is not None]
    if not present:
        empty = tuple(ComponentScore(c.kpi, None, None, c.weight, Decimal("0.00")) for c in components)
        return Score(score=None, band=None, components=empty)
    total_weight = sum((c.weight for c in present), Decimal(0))
    earned = {c.kpi: points(values[c.kpi] or Decimal(0), c) for c in present}
    exact = {c.kpi: earned[c.kpi] * c.weight / total_weight for c in present}
    score = sum(exact.values(), Decimal(0)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    shares = _apportion(exact, score)
    parts = tuple(
        ComponentScore(c.kpi, values.get(c.kpi), earned.get(c.kpi), c.weight, shares.get(c.kpi, Decimal("0.00")))
        for c in components
    )
    return Score(score=score, band=band_of(score, bands), components=parts)


def _apportion(exact: Mapping[str, Decimal], total: Decimal) -> dict[str, Decimal]:
    """Round each contribution to the hundredth so that they add up to ``total`` exactly.

    Largest remainder: every part is rounded down, then the hundredths still missing go to the
    parts that lost most (ties to the earlier component), so a perfect provider scores 100.00,
    not 99.99, and the breakdown always adds up.
    """
    floors = {k: v.quantize(HUNDREDTH, rounding=ROUND_FLOOR) for k, v in exact.items()}
    missing = int((total - sum(floors.values(), Decimal(0))) / HUNDREDTH)
    order = sorted(exact, key=lambda k: exact[k] - floors[k], reverse=True)
    for kpi in order[:missing]:
        floors[kpi] += HUNDREDTH
    return floors
