"""What the quality pages chart: KPIs picked out of stored scores, and the visit-length bands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from console.domain.charts import Kind


@dataclass(frozen=True)
class Charted:
    """A KPI the provider page charts over time."""

    name: str
    title: str
    kind: Kind


CHARTED = (
    Charted("score", "Composite score", "score"),
    Charted("punctuality", "Visits on time", "share"),
    Charted("missed_share", "Visits missed", "share"),
    Charted("duration_compliance", "Care time delivered against planned", "share"),
    Charted("verified_share", "Visits verified in the home", "share"),
)

LENGTH_BANDS = {
    "up_to_15": "15 min or less",
    "16_to_30": "16 to 30 min",
    "31_to_45": "31 to 45 min",
    "46_to_60": "46 to 60 min",
    "over_60": "Over 60 min",
}


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def kpi_value(row: Mapping[str, Any], name: str) -> Decimal | None:
    """A KPI of a stored score (``score`` itself, or a KPI in any of its groups)."""
    if name == "score":
        return _decimal(row.get("score"))
    for group in (row.get("kpis") or {}).values():
        if isinstance(group, dict) and name in group:
            return _decimal(group[name])
    return None


def target_of(row: Mapping[str, Any], name: str) -> Decimal | None:
    """The contract target on a KPI in a stored score, if it has one."""
    for target in row.get("targets") or []:
        if target.get("kpi") == name:
            return _decimal(target.get("target"))
    return None


def series(rows: Sequence[Mapping[str, Any]], name: str) -> list[Decimal | None]:
    """A KPI over a provider's stored scores, in their order."""
    return [kpi_value(r, name) for r in rows]


def length_histogram(kpis: Mapping[str, Any]) -> list[tuple[str, int]]:
    """Planned visits by length band, in band order, from a KPI report."""
    found = (kpis.get("visits") or {}).get("length_histogram") or {}
    return [(label, int(found.get(band, 0))) for band, label in LENGTH_BANDS.items()]
