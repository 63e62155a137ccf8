"""Quality: the league table, a provider's KPIs over time, the visit-length histogram, recommendations."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.domain.charts import bar_chart, line_chart
from console.domain.formatting import LONDON, long_date
from console.domain.quality import CHARTED, length_histogram, series, target_of
from console.pages.common import Api, FormErrors, field_errors, form_errors, provider_names, render
from console.upstream import ApiError, StaffApi

router = APIRouter(prefix="/quality")
HISTORY = 13
NOTICES = {
    "evaluated": "The period was scored. Its league table is below.",
    "confirmed": "The recommendation is confirmed. Brokerage has been told.",
    "rejected": "The recommendation is rejected. Nothing changes for the provider.",
}


def _this_week() -> str:
    iso = datetime.now(LONDON).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def _histogram(chart_id: str, title: str, kpis: dict[str, Any]) -> dict[str, Any]:
    bands = length_histogram(kpis)
    labels, counts = [b for b, _ in bands], [c for _, c in bands]
    return {"title": title, "svg": bar_chart(chart_id, title, labels, counts), "bands": bands}


@router.get("", response_class=HTMLResponse)
async def league_page(
    request: Request,
    api: Api,
    period: str | None = None,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    """The league table of an evaluated period, and the council's visit lengths in it."""
    periods = await api.get("quality", "/v1/periods")
    chosen = period or (periods[0]["period"] if periods else None)
    table = None
    histogram = None
    if chosen:
        table, council = await asyncio.gather(
            api.get("quality", "/v1/benchmarks", period=chosen), api.get("quality", "/v1/kpis", period=chosen)
        )
        histogram = _histogram(
            "council-lengths", f"Planned visit lengths across the council, {chosen}", council["kpis"]
        )
    context = {
        "section": "quality",
        "periods": periods,
        "period_options": [
            (p["period"], f"{p['period']}: {long_date(p['period_start'])} to {long_date(p['period_end'])}")
            for p in periods
        ],
        "chosen": chosen,
        "table": table,
        "histogram": histogram,
        "notice": NOTICES.get(request.query_params.get("done", "")),
        "errors": errors,
        "values": values or {"period": _this_week()},
    }
    return render(request, "quality/league.html", context, errors.status if errors else 200)


@router.post("/evaluations", response_class=HTMLResponse)
async def evaluate(request: Request, api: Api, period: Annotated[str, Form()] = "") -> Response:
    """Score every provider for a period now (the service also does it by itself when a period closes)."""
    label = period.strip()
    if not label:
        return await league_page(request, api, None, field_errors("evaluate", {"period": "Enter a period"}), {})
    try:
        await api.post("quality", f"/v1/periods/{label}/evaluation")
    except ApiError as exc:
        errors = form_errors("evaluate", exc, {"period": "period"})
        return await league_page(request, api, None, errors, {"period": label})
    return RedirectResponse(f"/quality?period={label}&done=evaluated", status_code=303)


async def _latest_kpis(api: StaffApi, provider_id: str, rows: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    period = rows[-1]["period"] if rows else _this_week()
    found = await api.get("quality", "/v1/kpis", period=period, provider_id=provider_id)
    return period, found["kpis"]


@router.get("/providers/{provider_id}", response_class=HTMLResponse)
async def provider_page(request: Request, provider_id: str, api: Api) -> HTMLResponse:
    """A provider's score and key KPIs over its latest evaluated periods, as charts and tables."""
    scores = api.get("quality", f"/v1/providers/{provider_id}/scores", limit=HISTORY)
    rows, names = await asyncio.gather(scores, provider_names(api))
    labels = [r["period"] for r in rows]
    charts = []
    for kpi in CHARTED:
        values = series(rows, kpi.name)
        target = target_of(rows[-1], kpi.name) if rows else None
        svg = line_chart(f"chart-{kpi.name}", kpi.title, labels, values, kind=kpi.kind, target=target)
        charts.append({"kpi": kpi, "svg": svg, "points": list(zip(labels, values, strict=True)), "target": target})
    period, kpis = await _latest_kpis(api, provider_id, rows)
    context = {
        "section": "quality",
        "provider_id": provider_id,
        "provider_name": names.get(provider_id),
        "rows": rows,
        "charts": charts,
        "histogram": _histogram("provider-lengths", f"Planned visit lengths, {period}", kpis),
    }
    return render(request, "quality/provider.html", context)


@router.get("/recommendations", response_class=HTMLResponse)
async def recommendations_page(
    request: Request, api: Api, errors: FormErrors | None = None, values: dict[str, str] | None = None
) -> HTMLResponse:
    """Open recommendations to confirm or reject with a reason, then the latest decided."""
    open_, confirmed, rejected, names = await asyncio.gather(
        api.get("quality", "/v1/recommendations", status="open", limit=200),
        api.get("quality", "/v1/recommendations", status="confirmed", limit=50),
        api.get("quality", "/v1/recommendations", status="rejected", limit=50),
        provider_names(api),
    )
    decided = sorted(confirmed["items"] + rejected["items"], key=lambda r: r["decided_at"] or "", reverse=True)
    context = {
        "section": "quality",
        "open": open_["items"],
        "decided": decided,
        "names": names,
        "notice": NOTICES.get(request.query_params.get("done", "")),
        "errors": errors,
        "values": values or {},
    }
    return render(request, "quality/recommendations.html", context, errors.status if errors else 200)


@router.post("/recommendations/{recommendation_id}", response_class=HTMLResponse)
async def decide(
    request: Request,
    recommendation_id: str,
    api: Api,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Confirm or reject a recommendation with the officer's reason."""
    form = f"decide-{recommendation_id}"
    values = {"form": form, "reason": reason}
    if decision not in ("confirm", "reject"):
        return await recommendations_page(
            request, api, field_errors(form, {"reason": "Choose confirm or reject"}), values
        )
    if not reason.strip():
        errors = field_errors(form, {"reason": f"Enter why you {decision} this recommendation"})
        return await recommendations_page(request, api, errors, values)
    try:
        await api.post("quality", f"/v1/recommendations/{recommendation_id}/{decision}", {"reason": reason})
    except ApiError as exc:
        return await recommendations_page(request, api, form_errors(form, exc, {"reason": "reason"}), values)
    return RedirectResponse(f"/quality/recommendations?done={decision}ed", status_code=303)


@router.get("/benchmarks.csv")
async def league_csv(api: Api, period: str) -> Response:
    """The league table as CSV, as the service publishes it."""
    upstream = await api.send("quality", "GET", "/v1/benchmarks", params={"period": period, "format": "csv"})
    # The service names the file from the period it validated.
    disposition = upstream.headers.get("content-disposition", "attachment")
    return Response(
        upstream.content, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition}
    )
