"""The published league table of providers for a period, named or anonymised, as rows or CSV."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

# The KPIs a league table shows beside the score, in column order.
BENCHMARK_KPIS: tuple[str, ...] = (
    "punctuality",
    "missed_per_1000",
    "duration_compliance",
    "under_15_share",
    "verified_share",
    "continuity_median_carers",
    "accepted_within_window_share",
    "enablement_outcomes_met_share",
    "offer_acceptance_rate",
    "complaints",
    "safeguarding",
    "cqc_points",
)


@dataclass(frozen=True)
class ProviderResult:
    """One provider's score and KPIs for the period, as the league table reads them."""

    provider_id: uuid.UUID
    name: str
    score: Decimal | None
    band: str | None
    kpis: Mapping[str, Decimal | None]


@dataclass(frozen=True)
class LeagueRow:
    """A line of the published table; ``provider_id`` is None when anonymised."""

    rank: int | None
    provider: str
    provider_id: uuid.UUID | None
    score: Decimal | None
    band: str | None
    kpis: dict[str, Decimal | None]


def anonymous_label(index: int) -> str:
    """``Provider A`` .. ``Provider Z``, ``Provider AA`` .. : spreadsheet-style letters from 0."""
    letters = ""
    n = index + 1
    while n:
        n, remainder = divmod(n - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return f"Provider {letters}"


def league_table(results: Sequence[ProviderResult], *, named: bool) -> list[LeagueRow]:
    """Rank by score, highest first; equal scores share a rank; unscored providers come last unranked.

    Anonymised labels follow table order, so a label says nothing a reader could not see from the rank.
    """
    scored = sorted((r for r in results if r.score is not None), key=lambda r: (-(r.score or 0), r.name))
    unscored = sorted((r for r in results if r.score is None), key=lambda r: r.name)
    rows: list[LeagueRow] = []
    previous: Decimal | None = None
    rank = 0
    for position, result in enumerate([*scored, *unscored]):
        if result.score is None:
            shown_rank = None
        else:
            if result.score != previous:
                rank = position + 1
                previous = result.score
            shown_rank = rank
        rows.append(
            LeagueRow(
                rank=shown_rank,
                provider=result.name if named else anonymous_label(position),
                provider_id=result.provider_id if named else None,
                score=result.score,
                band=result.band,
                kpis={k: result.kpis.get(k) for k in BENCHMARK_KPIS},
            )
        )
    return rows


def to_csv(rows: Sequence[LeagueRow], period_label: str) -> str:
    """The table as CSV, one line per provider; empty cells where a figure is not measurable."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["period", "rank", "provider", "score", "band", *BENCHMARK_KPIS])
    for row in rows:
        writer.writerow(
            [
                period_label,
                "" if row.rank is None else row.rank,
                _safe_cell(row.provider),
                "" if row.score is None else format(row.score, "f"),
                row.band or "",
                *("" if row.kpis[k] is None else format(row.kpis[k], "f") for k in BENCHMARK_KPIS),
            ]
        )
    return buffer.getvalue()


def _safe_cell(text: str) -> str:
    # A provider name starting with = + - @ would run as a formula when the CSV is opened in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
