"""Finance export and provider remittances (CSV and a readable HTML page)."""

from __future__ import annotations

import csv
import html
import io
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from shared.auth import Principal, require_roles
from shared.db.session import SessionDep
from shared.errors import NotFound
from sqlalchemy import select

from payments.db import period_repository as periods
from payments.db.tables import adjustment, line

router = APIRouter(prefix="/v1", tags=["remittances"])

Finance = Annotated[Principal, Depends(require_roles("payments_staff", "payments_approver", "admin"))]
RemittanceReader = Annotated[
    Principal, Depends(require_roles("provider", "payments_staff", "payments_approver", "admin"))
]
COLUMNS = (
    "service_date", "package_id", "ledger_key", "rule", "status", "visit_ids", "minutes", "hourly_rate",
    "carers", "multiplier", "amount", "council_amount", "nhs_amount", "note",
)  # fmt: skip


def _csv(header: tuple[str, ...], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@router.get("/periods/{period_id}/export.csv", response_class=Response)
async def export_csv(
    period_id: uuid.UUID, session: SessionDep, who: Finance, funder: Literal["council", "nhs"] | None = None
) -> Response:
    """One row per provider and funder, for the finance system; ``funder`` gives one funder's export."""
    row = await periods.get_period(session, period_id)
    if row is None:
        raise NotFound(f"no period {period_id}")
    rows = [
        [period_id, row["start_date"], row["end_date"], row["status"], t["provider_id"], t["funder"], t["amount"]]
        for t in await periods.provider_funder_totals(session, period_id, funder)
    ]
    body = _csv(("period_id", "start_date", "end_date", "status", "provider_id", "funder", "amount"), rows)
    name = f"payments-{row['start_date']}" + (f"-{funder}" if funder else "")
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/periods/{period_id}/remittances/{provider_id}", response_class=Response)
async def remittance(
    period_id: uuid.UUID,
    provider_id: uuid.UUID,
    session: SessionDep,
    who: RemittanceReader,
    format: Literal["csv", "html"] = "html",
) -> Response:
    """What a provider is paid for, visit by visit. A provider sees only its own."""
    if who.role == "provider" and not who.serves(provider_id):
        # Someone else's remittance does not exist as far as this caller can tell.
        raise NotFound(f"no remittance for provider {provider_id} in period {period_id}")
    period = await periods.get_period(session, period_id)
    if period is None:
        raise NotFound(f"no period {period_id}")
    lines = (
        await session.execute(
            select(line)
            .where(line.c.period_id == period_id, line.c.provider_id == provider_id)
            .order_by(line.c.service_date, line.c.package_id, line.c.ledger_key)
        )
    ).mappings()
    rows = [[" ".join(str(v) for v in r[c]) if c == "visit_ids" else r[c] for c in COLUMNS] for r in lines]
    adjustments = (
        await session.execute(
            select(adjustment)
            .where(adjustment.c.period_id == period_id, adjustment.c.provider_id == provider_id)
            .order_by(adjustment.c.created_at, adjustment.c.adjustment_id)
        )
    ).mappings()
    for a in adjustments:
        rows.append(
            [period["end_date"], a["package_id"] or "", a["ledger_key"] or f"adjustment:{a['adjustment_id']}",
             "adjustment", "payable", "", "", "", "", "", a["amount"],
             a["amount"] if a["funder"] == "council" else 0, a["amount"] if a["funder"] == "nhs" else 0,
             a["reason"]]
        )  # fmt: skip
    if format == "csv":
        return Response(_csv(COLUMNS, rows), media_type="text/csv")
    return HTMLResponse(_html(period, provider_id, rows))


def _html(period: Any, provider_id: uuid.UUID, rows: list[list[Any]]) -> str:
    paid = sum(r[COLUMNS.index("amount")] for r in rows if r[COLUMNS.index("status")] == "payable")
    held = sum(r[COLUMNS.index("amount")] for r in rows if r[COLUMNS.index("status")] == "held")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in rows)
    title = f"Remittance {period['start_date']} to {period['end_date']}"
    # Late payment is what providers complain of most: a held line never holds up the rest.
    hold = "<p>Paid with hold: held lines are paid once reviewed; the rest is paid now.</p>" if held else ""
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>Provider {provider_id}; period {html.escape(period['status'])}</p>"
        f"<p>Paid: £{paid:.2f}. Held for review: £{held:.2f}.</p>{hold}"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"
    )
