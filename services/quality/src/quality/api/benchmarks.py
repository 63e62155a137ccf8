"""The published league table, JSON or CSV."""

from __future__ import annotations

import contextlib
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from shared.db.session import SessionDep
from shared.errors import NotFound
from shared.web.openapi import problem_responses

from quality.api.deps import KpiReader, PeriodLabel, read_period
from quality.api.schemas import BenchmarkOut
from quality.db import records_repository as records
from quality.db import results_repository as results
from quality.domain.benchmark import ProviderResult, league_table, to_csv

router = APIRouter(prefix="/v1", tags=["benchmarks"])


@router.get(
    "/benchmarks",
    response_model=BenchmarkOut,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **problem_responses(404)},
)
async def get_benchmark(
    period: PeriodLabel,
    session: SessionDep,
    _: KpiReader,
    format: Annotated[Literal["json", "csv"], Query(description="json (default) or csv")] = "json",
) -> Any:
    """The league table of an evaluated period, named or anonymised as the council chose."""
    config = await records.load_config(session)
    chosen = read_period(period, config.kpis.period_anchor)
    stored = await results.scores_of_period(session, chosen.label)
    if not stored:
        raise NotFound(f"{chosen.label} has not been evaluated yet.")
    names = await records.provider_names(session)
    rows = league_table(
        [
            ProviderResult(
                provider_id=s["provider_id"],
                name=names.get(s["provider_id"], str(s["provider_id"])),
                score=s["score"],
                band=s["band"],
                kpis=_flat(s["kpis"]),
            )
            for s in stored
        ],
        named=config.benchmark_named,
    )
    if format == "csv":
        return Response(
            to_csv(rows, chosen.label),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="benchmark-{chosen.label}.csv"'},
        )
    return {"period": chosen.label, "named": config.benchmark_named, "rows": rows}


def _flat(kpis: dict[str, Any]) -> dict[str, Decimal | None]:
    # Stored KPI groups (visits, offers, ...) flattened to name -> single figure; JSON keeps
    # Decimals as strings, so they come back exact.
    out: dict[str, Decimal | None] = {}
    for group in kpis.values():
        for name, value in group.items():
            if value is None:
                out[name] = None
            elif isinstance(value, str | int) and not isinstance(value, bool):
                with contextlib.suppress(InvalidOperation):
                    out[name] = Decimal(value)
    return out
