"""Each KPI against its contract target."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from quality.domain.config import Direction, Target


@dataclass(frozen=True)
class TargetResult:
    """A KPI, its target, and whether it was met (None when there was nothing to measure)."""

    kpi: str
    direction: Direction
    target: Decimal
    value: Decimal | None
    met: bool | None


def evaluate_targets(values: Mapping[str, Decimal | None], targets: Sequence[Target]) -> list[TargetResult]:
    """Every target, judged against the KPI values of one report."""
    results = []
    for target in targets:
        value = values.get(target.kpi)
        met: bool | None = None
        if value is not None:
            met = value >= target.value if target.direction == "at_least" else value <= target.value
        results.append(TargetResult(target.kpi, target.direction, target.value, value, met))
    return results
