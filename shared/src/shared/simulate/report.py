"""The simulation's report: what was placed, what the devices recorded, what is paid to whom, the
league table, and the API address of every figure; as JSON and as a few tables for a terminal."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from shared.simulate.api import Api
from shared.simulate.referrals import Placed
from shared.simulate.scenario import Scenario, weekly_carer_minutes
from shared.simulate.visits import DeviceVisit


def _spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values) or [0.0]
    return {"p50": ordered[len(ordered) // 2], "p95": ordered[int(len(ordered) * 0.95)], "max": ordered[-1]}


def packages_section(scenario: Scenario, placed: list[Placed], changes: Counter[str]) -> dict[str, Any]:
    """Packages sent, placed and unplaced, by basis and funder, with the changes sent later."""
    ok = [p for p in placed if p.provider_key is not None]
    hours = sum((Decimal(weekly_carer_minutes(p.spec.pattern)) for p in placed), Decimal(0)) / 60
    return {
        "submitted": len(placed),
        "placed": len(ok),
        "unplaced": len(placed) - len(ok),
        "council_funded": sum(1 for p in placed if not p.spec.nhs_funded),
        "nhs_funded": sum(1 for p in placed if p.spec.nhs_funded),
        "urgent": sum(1 for p in placed if p.spec.urgent),
        "by_basis": dict(sorted(Counter(p.spec.basis for p in placed).items())),
        "weekly_hours_referred": str(hours.quantize(Decimal("1"))),
        "weekly_hours_placed": str(
            (sum((Decimal(weekly_carer_minutes(p.spec.pattern)) for p in ok), Decimal(0)) / 60).quantize(Decimal("1"))
        ),
        "placement_seconds": _spread([p.seconds for p in placed]),
        "unplaced_by_zone": dict(sorted(Counter(p.spec.zone_id for p in placed if p.provider_key is None).items())),
        "changes": dict(sorted(changes.items())),
        "zones": len(scenario.zones),
        "providers": len(scenario.providers),
    }


def visits_section(visits: list[DeviceVisit], stream: Any, corrections: int) -> dict[str, Any]:
    """Visits by what happened at them, and the events the vendors posted and monitoring answered."""
    kinds: Counter[str] = Counter()
    for v in visits:
        kinds.update(v.kinds or {"as_planned"})
    return {
        "planned": len(visits),
        "attended": sum(1 for v in visits if not v.missed),
        "by_state": dict(sorted(kinds.items())),
        "provider_corrections": corrections,
        "events": {
            "posted": stream.posted,
            "batches": stream.batches,
            **dict(sorted(stream.results.items())),
            "rejected_by_reason": dict(sorted(stream.rejected.items())),
        },
    }


def money_section(totals: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Paid and held by funder, by basis and by provider, from the period's totals."""
    by_funder: dict[str, Decimal] = {}
    by_basis: dict[str, Decimal] = {}
    by_provider: dict[str, dict[str, Decimal]] = {}
    for t in totals["totals"]:
        paid, held = Decimal(t["paid"]), Decimal(t["held"])
        by_funder[t["funder"]] = by_funder.get(t["funder"], Decimal(0)) + paid
        by_basis[t["basis"]] = by_basis.get(t["basis"], Decimal(0)) + paid
        name = names.get(t["provider_id"], t["provider_id"])
        row = by_provider.setdefault(name, {"paid": Decimal(0), "held": Decimal(0)})
        row["paid"] += paid
        row["held"] += held
    providers = sorted(by_provider.items(), key=lambda kv: (-kv[1]["paid"], kv[0]))
    return {
        "paid": totals["paid"],
        "held": totals["held"],
        "by_funder": {k: str(v) for k, v in sorted(by_funder.items())},
        "by_basis": {k: str(v) for k, v in sorted(by_basis.items())},
        "by_provider": [{"provider": n, "paid": str(r["paid"]), "held": str(r["held"])} for n, r in providers],
    }


def where_section(api: Api, period_id: str, week: str) -> dict[str, str]:
    """The API address of each figure (with the role whose key reads it)."""
    return {
        "packages (case_management)": api.url("referrals", "/v1/referrals?status=active"),
        "unplaced queue (admin)": api.url("brokerage", "/v1/queue"),
        "offers (provider)": api.url("brokerage", "/v1/offers"),
        "a visit and its corrections (etms_vendor, provider, officers)": api.url("monitoring", "/v1/visits/{visit_id}"),
        "period (payments_staff)": api.url("payments", f"/v1/periods/{period_id}"),
        "money by provider, funder and basis (payments_staff)": api.url("payments", f"/v1/periods/{period_id}/totals"),
        "every line with its rule (payments_staff)": api.url("payments", f"/v1/periods/{period_id}/lines"),
        "remittance CSV/HTML (payments_staff)": api.url(
            "payments", f"/v1/periods/{period_id}/remittances/{{provider_id}}"
        ),
        "council KPIs (quality_officer)": api.url("quality", f"/v1/kpis?period={week}"),
        "league table (quality_officer, provider)": api.url("quality", f"/v1/benchmarks?period={week}"),
    }


def render(report: dict[str, Any], console: Console) -> None:
    """The report as a few short tables."""
    p, v, m, q = report["packages"], report["visits"], report["money"], report["quality"]
    console.rule(f"Simulated county: seed {report['seed']}, scale {report['scale']}, "
                 f"{report['period']['start']} to {report['period']['end']}")
    console.print(
        f"packages: {p['submitted']} referred ({p['council_funded']} council, {p['nhs_funded']} NHS; "
        f"{p['weekly_hours_referred']} h/week), {p['placed']} placed, {p['unplaced']} unplaced; "
        f"changes {p['changes']}"
    )
    events = v["events"]
    console.print(
        f"visits: {v['planned']} planned, {v['attended']} attended; {v['by_state']}; "
        f"{v['provider_corrections']} corrected by providers"
    )
    console.print(
        f"events: {events['posted']} posted in {events['batches']} batches, {events.get('accepted', 0)} accepted, "
        f"{events.get('duplicate', 0)} duplicates, {events.get('rejected', 0)} rejected {events['rejected_by_reason']}"
    )
    money = Table(title=f"Paid £{m['paid']} (held £{m['held']}) by funder {m['by_funder']}", show_lines=False)
    for col in ("provider", "paid £", "held £"):
        money.add_column(col, justify="right" if col != "provider" else "left")
    for row in m["by_provider"][:10]:
        money.add_row(row["provider"], row["paid"], row["held"])
    if len(m["by_provider"]) > 10:
        money.add_row(f"... {len(m['by_provider']) - 10} more", "", "")
    console.print(money)
    league = Table(title=f"League table {q['week']}")
    for col in ("rank", "provider", "score", "band"):
        league.add_column(col)
    for row in q["league_table"][:10]:
        league.add_row(str(row.get("rank", "")), str(row.get("provider", "")), str(row.get("score", "")),
                       str(row.get("band", "")))
    console.print(league)
    where = Table(title="Where each figure is in the APIs")
    where.add_column("figure")
    where.add_column("GET")
    for what, url in report["where"].items():
        where.add_row(what, url)
    console.print(where)
    console.print(f"took {report['elapsed_seconds']} s: {report['stage_seconds']}")
