"""Brokerage: the queue of unplaced packages, the offers each had, why providers were skipped; award by hand."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.pages.common import Api, FormErrors, field_errors, form_errors, provider_names, render
from console.upstream import ApiError

router = APIRouter(prefix="/brokerage")
AWARD_FIELDS = {"provider_id": "provider_id", "reason": "reason", "hourly_rate": "hourly_rate", "zone_id": "zone_id"}


@router.get("", response_class=HTMLResponse)
async def queue_page(request: Request, api: Api) -> HTMLResponse:
    """Every package waiting for staff, with its offers and skips."""
    queue, names = await asyncio.gather(api.get("brokerage", "/v1/queue", limit=200), provider_names(api))
    context = {
        "section": "brokerage",
        "queue": queue,
        "names": names,
        "notice": "The package is awarded. The provider and case management have been told."
        if request.query_params.get("done") == "awarded"
        else None,
    }
    return render(request, "brokerage/queue.html", context)


@router.get("/packages/{package_id}", response_class=HTMLResponse)
async def package_page(
    request: Request,
    package_id: str,
    api: Api,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    """A queued package: who it was offered to and why others were passed over; the form to award it."""
    package, offers, skips, zones, names = await asyncio.gather(
        api.get("brokerage", f"/v1/packages/{package_id}"),
        api.get("brokerage", f"/v1/packages/{package_id}/offers"),
        api.get("brokerage", f"/v1/packages/{package_id}/skips"),
        api.get("brokerage", "/v1/zones"),
        provider_names(api),
    )
    context: dict[str, Any] = {
        "section": "brokerage",
        "package": package,
        "offers": offers,
        "skips": skips,
        "zone_options": [(z["id"], z["name"]) for z in zones],
        "names": names,
        "providers": sorted(names.items(), key=lambda kv: kv[1]),
        "errors": errors,
        "values": values or {"zone_id": package.get("zone_id") or ""},
    }
    return render(request, "brokerage/package.html", context, errors.status if errors else 200)


@router.post("/packages/{package_id}/award", response_class=HTMLResponse)
async def award(
    request: Request,
    package_id: str,
    api: Api,
    provider_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    hourly_rate: Annotated[str, Form()] = "",
    zone_id: Annotated[str, Form()] = "",
) -> Response:
    """Award the package by hand to a provider, with the reason."""
    values = {"provider_id": provider_id, "reason": reason, "hourly_rate": hourly_rate, "zone_id": zone_id}
    missing = {}
    if not provider_id:
        missing["provider_id"] = "Choose the provider to award the package to"
    if not reason.strip():
        missing["reason"] = "Enter why the package is awarded by hand"
    if missing:
        return await package_page(request, package_id, api, field_errors("award", missing), values)
    body = {
        "provider_id": provider_id,
        "reason": reason,
        "hourly_rate": hourly_rate.strip().replace("£", "") or None,
        "zone_id": zone_id or None,
    }
    try:
        await api.post("brokerage", f"/v1/packages/{package_id}/award", body)
    except ApiError as exc:
        return await package_page(request, package_id, api, form_errors("award", exc, AWARD_FIELDS), values)
    return RedirectResponse("/brokerage?done=awarded", status_code=303)
