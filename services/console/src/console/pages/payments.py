"""Payments: periods, a period's totals, a provider's lines, a line with its visits; calculate and approve."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.domain.payments import release_for, totals_by_provider
from console.pages.common import Api, FormErrors, form_errors, provider_names, render
from console.upstream import ApiError, StaffApi

router = APIRouter(prefix="/payments")
NOTICES = {
    "created": "The period was opened. Calculate it when its visits are in.",
    "calculating": "The calculation has started. Refresh this page to follow it.",
    "approved": "The period is approved. Its payments are final and finance has been told.",
    "released": "Released. The next calculation of the period pays it.",
    "adjusted": "The adjustment was recorded. It is in the totals now.",
}
PERIOD_FIELDS = {"start_date": "start_date", "days": "days"}
ADJUST_FIELDS = {"amount": "amount", "reason": "reason", "funder": "funder", "ledger_key": "amount",
                 "provider_id": "amount"}  # fmt: skip
RELEASE_FIELDS = {"reason": "reason", "kind": "reason", "subject_id": "reason"}


def notice(request: Request) -> str | None:
    """The message for the action just done (``?done=...``)."""
    return NOTICES.get(request.query_params.get("done", ""))


def period_url(period_id: str, tail: str = "", **query: str) -> str:
    """A page of a period."""
    return f"/payments/periods/{period_id}{tail}" + (f"?{urlencode(query)}" if query else "")


@router.get("", response_class=HTMLResponse)
async def periods_page(
    request: Request, api: Api, errors: FormErrors | None = None, values: dict[str, str] | None = None
) -> HTMLResponse:
    """The latest periods, and the form to open the next."""
    periods = await api.get("payments", "/v1/periods", limit=50)
    context = {"section": "payments", "periods": periods, "notice": notice(request), "values": values or {}}
    return render(request, "payments/periods.html", {**context, "errors": errors}, errors.status if errors else 200)


@router.post("/periods", response_class=HTMLResponse)
async def open_period(
    request: Request, api: Api, start_date: Annotated[str, Form()] = "", days: Annotated[str, Form()] = "28"
) -> Response:
    """Open a draft period."""
    values = {"start_date": start_date, "days": days}
    try:
        created = await api.post("payments", "/v1/periods", {"start_date": start_date or None, "days": int(days)})
    except ApiError as exc:
        return await periods_page(request, api, form_errors("open", exc, PERIOD_FIELDS), values)
    return RedirectResponse(period_url(created["period_id"], done="created"), status_code=303)


async def _period_context(api: StaffApi, period_id: str) -> dict[str, Any]:
    period, totals, held, adjustments, names = await asyncio.gather(
        api.get("payments", f"/v1/periods/{period_id}"),
        api.get("payments", f"/v1/periods/{period_id}/totals"),
        api.get("payments", f"/v1/periods/{period_id}/lines", status="held", limit=1000),
        api.get("payments", f"/v1/periods/{period_id}/adjustments"),
        provider_names(api),
    )
    return {
        "section": "payments",
        "period": period,
        "totals": totals,
        "by_provider": totals_by_provider(totals["totals"]),
        "held_count": len(held["items"]),
        "adjustment_count": len(adjustments),
        "names": names,
    }


@router.get("/periods/{period_id}", response_class=HTMLResponse)
async def period_page(request: Request, period_id: str, api: Api, errors: FormErrors | None = None) -> HTMLResponse:
    """A period: where it stands, its totals by provider and funder, and what can be done next."""
    context = await _period_context(api, period_id)
    status = errors.status if errors else 200
    return render(request, "payments/period.html", {**context, "errors": errors, "notice": notice(request)}, status)


@router.post("/periods/{period_id}/calculate", response_class=HTMLResponse)
async def calculate(request: Request, period_id: str, api: Api) -> Response:
    """Start (or restart) the calculation."""
    try:
        await api.post("payments", f"/v1/periods/{period_id}/calculate")
    except ApiError as exc:
        return await period_page(request, period_id, api, form_errors("calculate", exc, {}))
    return RedirectResponse(period_url(period_id, done="calculating"), status_code=303)


@router.post("/periods/{period_id}/approve", response_class=HTMLResponse)
async def approve(request: Request, period_id: str, api: Api) -> Response:
    """Approve the period: the service refuses whoever calculated or adjusted it."""
    try:
        await api.post("payments", f"/v1/periods/{period_id}/approve")
    except ApiError as exc:
        problem = form_errors("approve", exc, {})
        for item in problem.items:
            item.text = f"You cannot approve this period: {item.text}"
        return await period_page(request, period_id, api, problem)
    return RedirectResponse(period_url(period_id, done="approved"), status_code=303)


@router.get("/periods/{period_id}/providers/{provider_id}", response_class=HTMLResponse)
async def provider_lines_page(
    request: Request,
    period_id: str,
    provider_id: str,
    api: Api,
    cursor: str | None = None,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    """A provider's lines in the period, a page at a time, each with its rule."""
    page, top = await asyncio.gather(
        api.get("payments", f"/v1/periods/{period_id}/lines", provider_id=provider_id, cursor=cursor, limit=100),
        provider_context(api, period_id, provider_id),
    )
    context = {
        **top,
        # The API pages by package and ledger key; within a page, each package's lines read by date.
        "lines": sorted(page["items"], key=lambda x: (x["package_id"], x["service_date"], x["ledger_key"])),
        "next_cursor": page["next_cursor"],
        "notice": notice(request),
        "values": values or {"funder": "council"},
        "errors": errors,
    }
    return render(request, "payments/provider_lines.html", context, errors.status if errors else 200)


async def provider_context(api: StaffApi, period_id: str, provider_id: str) -> dict[str, Any]:
    """What a page about one provider in one period shows at its top."""
    names, period = await asyncio.gather(provider_names(api), api.get("payments", f"/v1/periods/{period_id}"))
    return {
        "section": "payments",
        "period": period,
        "provider_id": provider_id,
        "provider_name": names.get(provider_id),
    }


async def find_line(api: StaffApi, period_id: str, key: str, package_id: str) -> dict[str, Any] | None:
    """A line by its ledger key: by its visit when it is a visit's, else among its package's lines."""
    if key.startswith("visit:"):
        page = await api.get("payments", f"/v1/periods/{period_id}/lines", visit_id=key.removeprefix("visit:"))
        return next((x for x in page["items"] if x["ledger_key"] == key), None)
    cursor = None
    while True:
        page = await api.get(
            "payments", f"/v1/periods/{period_id}/lines", package_id=package_id, cursor=cursor, limit=1000
        )
        found = next((x for x in page["items"] if x["ledger_key"] == key), None)
        if found is not None or page["next_cursor"] is None:
            return found
        cursor = page["next_cursor"]


async def _visits(api: StaffApi, visit_ids: list[str]) -> tuple[list[dict[str, Any]], str | None]:
    try:
        visits = await asyncio.gather(*(api.get("monitoring", f"/v1/visits/{v}") for v in visit_ids[:50]))
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            return [], "Electronic monitoring does not show these visits to your key."
        raise
    return list(visits), None


@router.get("/periods/{period_id}/line", response_class=HTMLResponse)
async def line_page(
    request: Request,
    period_id: str,
    api: Api,
    key: str = "",
    package: str = "",
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    """One line: the rule that produced it, its inputs, and the visits behind it as monitoring recorded them."""
    period, line, names = await asyncio.gather(
        api.get("payments", f"/v1/periods/{period_id}"), find_line(api, period_id, key, package), provider_names(api)
    )
    if line is None:
        raise ApiError(404, "Not found", "This period has no such line.", "payments")
    visits, visits_note = await _visits(api, [str(v) for v in line["visit_ids"]])
    context = {
        "section": "payments",
        "period": period,
        "line": line,
        "release": release_for(line),
        "visits": visits,
        "visits_note": visits_note,
        "provider_name": names.get(line["provider_id"]),
        "notice": notice(request),
        "values": values or {"funder": "council"},
        "errors": errors,
    }
    return render(request, "payments/line.html", context, errors.status if errors else 200)
