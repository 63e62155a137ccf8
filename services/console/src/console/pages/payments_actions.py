"""Payments: held items to release, adjustments with reasons, and the finance and remittance downloads."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.domain.formatting import short_id
from console.domain.payments import release_for
from console.pages.common import Api, FormErrors, field_errors, form_errors, provider_names, render
from console.pages.payments import (
    ADJUST_FIELDS,
    RELEASE_FIELDS,
    line_page,
    notice,
    period_url,
    provider_context,
    provider_lines_page,
)
from console.upstream import ApiError, StaffApi

router = APIRouter(prefix="/payments")
MAX_HELD = 1000


async def _held_lines(api: StaffApi, period_id: str) -> list[dict[str, Any]]:
    page = await api.get("payments", f"/v1/periods/{period_id}/lines", status="held", limit=MAX_HELD)
    items: list[dict[str, Any]] = page["items"]
    return items


@router.get("/periods/{period_id}/held", response_class=HTMLResponse)
async def held_page(
    request: Request,
    period_id: str,
    api: Api,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    """What is held for review, each with what would release it."""
    period, lines, names = await asyncio.gather(
        api.get("payments", f"/v1/periods/{period_id}"), _held_lines(api, period_id), provider_names(api)
    )
    context = {
        "section": "payments",
        "period": period,
        "held": [(line, release_for(line)) for line in lines],
        "names": names,
        "notice": notice(request),
        "errors": errors,
        "values": values or {},
    }
    return render(request, "payments/held.html", context, errors.status if errors else 200)


async def _release(api: StaffApi, kind: str, subject_id: str, reason: str, form: str) -> FormErrors | None:
    if not reason.strip():
        return field_errors(form, {"reason": "Enter why it is released"})
    try:
        await api.post("payments", "/v1/approvals", {"kind": kind, "subject_id": subject_id, "reason": reason})
    except ApiError as exc:
        return form_errors(form, exc, RELEASE_FIELDS)
    return None


@router.post("/periods/{period_id}/held", response_class=HTMLResponse)
async def release_held(
    request: Request,
    period_id: str,
    api: Api,
    kind: Annotated[str, Form()] = "",
    subject_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Release a held item from the list."""
    form = f"release-{short_id(subject_id)}"
    errors = await _release(api, kind, subject_id, reason, form)
    if errors is not None:
        return await held_page(request, period_id, api, errors, {"form": form, "reason": reason})
    return RedirectResponse(period_url(period_id, "/held", done="released"), status_code=303)


@router.post("/periods/{period_id}/line/release", response_class=HTMLResponse)
async def release_line(
    request: Request,
    period_id: str,
    api: Api,
    key: Annotated[str, Form()] = "",
    package: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    subject_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Release a line (or approve its minutes over planned) from its own page."""
    errors = await _release(api, kind, subject_id, reason, "release")
    if errors is not None:
        return await line_page(request, period_id, api, key, package, errors, {"reason": reason, "funder": "council"})
    return RedirectResponse(period_url(period_id, "/line", key=key, package=package, done="released"), 303)


async def _adjust(api: StaffApi, period_id: str, body: dict[str, Any]) -> FormErrors | None:
    missing = {}
    if not str(body.get("amount") or "").strip():
        missing["amount"] = "Enter the amount, for example -12.50 to take money back"
    if not str(body.get("reason") or "").strip():
        missing["reason"] = "Enter the reason for the adjustment"
    if missing:
        return field_errors("adjust", missing)
    try:
        await api.post("payments", f"/v1/periods/{period_id}/adjustments", body)
    except ApiError as exc:
        return form_errors("adjust", exc, ADJUST_FIELDS)
    return None


Funder = Literal["council", "nhs"]
AgainPage = Callable[[FormErrors, dict[str, str]], Awaitable[Response]]


async def _adjusted(
    api: StaffApi, period_id: str, target: dict[str, str], form: dict[str, str], again: AgainPage, done: str
) -> Response:
    """Record an adjustment of ``target`` (a line's key or a provider); on refusal show the form again."""
    body = {**target, **form, "amount": form["amount"].strip().replace("£", "")}
    errors = await _adjust(api, period_id, body)
    if errors is not None:
        return await again(errors, form)
    return RedirectResponse(done, status_code=303)


@router.post("/periods/{period_id}/providers/{provider_id}/adjustments", response_class=HTMLResponse)
async def adjust_provider(
    request: Request,
    period_id: str,
    provider_id: str,
    api: Api,
    amount: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    funder: Annotated[Funder, Form()] = "council",
) -> Response:
    """Adjust a provider's payment as a whole."""

    async def again(errors: FormErrors, values: dict[str, str]) -> Response:
        return await provider_lines_page(request, period_id, provider_id, api, None, errors, values)

    form = {"amount": amount, "reason": reason, "funder": funder}
    done = period_url(period_id, f"/providers/{provider_id}", done="adjusted")
    return await _adjusted(api, period_id, {"provider_id": provider_id}, form, again, done)


@router.post("/periods/{period_id}/line/adjustments", response_class=HTMLResponse)
async def adjust_line(
    request: Request,
    period_id: str,
    api: Api,
    key: Annotated[str, Form()] = "",
    package: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    funder: Annotated[Funder, Form()] = "council",
) -> Response:
    """Adjust one line."""

    async def again(errors: FormErrors, values: dict[str, str]) -> Response:
        return await line_page(request, period_id, api, key, package, errors, values)

    form = {"amount": amount, "reason": reason, "funder": funder}
    done = period_url(period_id, "/line", key=key, package=package, done="adjusted")
    return await _adjusted(api, period_id, {"ledger_key": key}, form, again, done)


@router.get("/periods/{period_id}/adjustments", response_class=HTMLResponse)
async def adjustments_page(request: Request, period_id: str, api: Api) -> HTMLResponse:
    """Every adjustment of the period with its reason and who made it."""
    period, adjustments, names = await asyncio.gather(
        api.get("payments", f"/v1/periods/{period_id}"),
        api.get("payments", f"/v1/periods/{period_id}/adjustments"),
        provider_names(api),
    )
    context = {
        "section": "payments",
        "period": period,
        "adjustments": adjustments,
        "names": names,
    }
    return render(request, "payments/adjustments.html", context)


def _download(upstream: Any, filename: str) -> Response:
    return Response(
        upstream.content,
        media_type=upstream.headers.get("content-type", "text/csv"),
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/periods/{period_id}/export.csv")
async def export_csv(period_id: str, api: Api) -> Response:
    """The finance export: one row per provider and funder."""
    period = await api.get("payments", f"/v1/periods/{period_id}")
    upstream = await api.send("payments", "GET", f"/v1/periods/{period_id}/export.csv")
    return _download(upstream, f"payments-{period['start_date']}.csv")


async def _remittance(api: StaffApi, period_id: str, provider_id: str) -> Any:
    path = f"/v1/periods/{period_id}/remittances/{provider_id}"
    return await api.send("payments", "GET", path, params={"format": "csv"})


@router.get("/periods/{period_id}/remittances/{provider_id}.csv")
async def remittance_csv(period_id: str, provider_id: str, api: Api) -> Response:
    """A provider's remittance, visit by visit, as CSV."""
    period = await api.get("payments", f"/v1/periods/{period_id}")
    upstream = await _remittance(api, period_id, provider_id)
    return _download(upstream, f"remittance-{period['start_date']}-{short_id(provider_id)}.csv")


@router.get("/periods/{period_id}/remittances/{provider_id}", response_class=HTMLResponse)
async def remittance_page(request: Request, period_id: str, provider_id: str, api: Api) -> HTMLResponse:
    """A provider's remittance as the provider receives it, as a page."""
    upstream, top = await asyncio.gather(
        _remittance(api, period_id, provider_id), provider_context(api, period_id, provider_id)
    )
    context = {
        **top,
        "rows": list(csv.DictReader(io.StringIO(upstream.text))),
    }
    return render(request, "payments/remittance.html", context)
