"""The thresholds a council may change, with the defaults from the monitoring issue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class MonitoringRules:
    """Every threshold of visit monitoring in one place, so a council can override any of them."""

    late_after: timedelta = timedelta(minutes=30)
    missed_after: timedelta = timedelta(hours=2)
    match_window: timedelta = timedelta(hours=2)
    short_ratio: Decimal = Decimal("0.75")
    # Ethical Care Charter: personal care visits should not be this short.
    under_minutes: int = 15
    geofence_metres: float = 200.0
    clock_skew: timedelta = timedelta(minutes=5)
    max_visit_length: timedelta = timedelta(hours=24)
    # A cancellation at least this long before the planned start counts as "with notice".
    cancellation_notice: timedelta = timedelta(hours=24)
    # A weekly rota may draw on hours left unused in this many complete weeks before it.
    banking_window_weeks: int = 4
    max_batch_events: int = 5000
    max_batch_bytes: int = 10 * 1024 * 1024


DEFAULT_RULES = MonitoringRules()
