"""``homecare``: run the stack, migrate, manage API clients, replay dead letters, write the contract
documents, trace a flow through the logs."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.db.engine import create_engine

app = typer.Typer(help="homecare: home care commissioning for councils", no_args_is_help=True)
clients_app = typer.Typer(help="API clients and their keys", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead-letter topics", no_args_is_help=True)
contracts_app = typer.Typer(help="The AsyncAPI, event JSON Schema and OpenAPI documents in docs/", no_args_is_help=True)
app.add_typer(clients_app, name="clients")
app.add_typer(dlq_app, name="dlq")
app.add_typer(contracts_app, name="contracts")

DocsOption = Annotated[Path, typer.Option(help="The docs folder of the repository")]


@app.command()
def up(
    wait: Annotated[float, typer.Option(help="Seconds to wait for every /readyz")] = 60.0,
) -> None:
    """Start the embedded Postgres and broker, migrate, run the five services and the console in the background."""
    from shared.devstack.services import SERVICES
    from shared.devstack.stack import down as stack_down
    from shared.devstack.stack import stack_home, wait_ready
    from shared.devstack.stack import up as stack_up

    record = stack_up()
    ready = asyncio.run(wait_ready(SERVICES, timeout=wait))
    home = stack_home()
    typer.echo(f"database  {record.database_url}")
    typer.echo(f"broker    {record.kafka_bootstrap_servers}")
    for svc in SERVICES:
        mark = "ready" if ready[svc.name] else "NOT READY"
        url = f"http://127.0.0.1:{svc.port}"
        about = "sign in with a staff API key" if svc.schema is None else f"docs {url}/docs"
        typer.echo(f"{svc.name:<22} {url}  {about}  {mark}")
    typer.echo(f"logs      {home / 'logs'}")
    if not all(ready.values()):
        typer.echo("some services did not become ready; see the logs. Stopping.", err=True)
        stack_down()
        raise typer.Exit(1)


def _stack_client_maker():  # type: ignore[no-untyped-def]
    """Create API clients in the running stack's auth schema, as ``homecare clients create`` does."""
    from shared.auth.clients import client_maker
    from shared.devstack.stack import resolve_urls

    return client_maker(resolve_urls()[0])


def _run_simulation(  # type: ignore[no-untyped-def]
    scale: float, seed: int, speed: float, show_progress: bool, poll_seconds: float
):
    from rich.console import Console

    from shared.devstack.services import SERVICES
    from shared.simulate import PeriodTaken, SimulationOptions, simulate

    urls: dict[str, object] = {svc.package: f"http://127.0.0.1:{svc.port}" for svc in SERVICES}
    options = SimulationOptions(
        scale=scale, seed=seed, speed=speed, show_progress=show_progress, poll_seconds=poll_seconds
    )
    console = Console(stderr=True)
    try:
        return asyncio.run(simulate(urls, _stack_client_maker(), options, console=console)).report  # type: ignore[arg-type]
    except PeriodTaken as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(3) from exc


@app.command()
def simulate(
    scale: Annotated[float, typer.Option(help="1 = Cornwall: 2,700 council and 680 NHS packages, 34,000 h/week")] = 0.1,
    seed: Annotated[int, typer.Option(help="Same seed, same county")] = 1,
    speed: Annotated[
        float, typer.Option(help="Replay the four weeks of device events this many times real time (0: flat out)")
    ] = 0.0,
    json_path: Annotated[str | None, typer.Option("--json", help="Also write the report as JSON here")] = None,
    progress: Annotated[bool, typer.Option(help="A progress bar per stage")] = True,
    poll_seconds: Annotated[
        float, typer.Option(help="How often providers without a webhook read their open offers")
    ] = 5.0,
) -> None:
    """Simulate a whole county through the running stack's public APIs and print the report.

    The county's care is the four weeks just past (so every visit is due and missed visits are
    detected); the payment period covering them is calculated, approved and shown with the KPIs.
    Needs a stack that has not simulated those weeks already (payments allows one period over them).
    """
    from rich.console import Console

    from shared.devstack.stack import stack_home
    from shared.simulate.report import render

    report = _run_simulation(scale, seed, speed, progress, poll_seconds)
    path = stack_home() / "simulation-report.json"
    text = json.dumps(report, indent=2, default=str)
    path.write_text(text)
    if json_path:
        Path(json_path).write_text(text)
    render(report, Console())
    typer.echo(f"report (with every role's API key): {json_path or path}")


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Same seed, same council")] = 1,
) -> None:
    """A small simulated county (scale 0.01) for a newcomer to look at: what ``make up`` runs."""
    from shared.devstack.services import by_name
    from shared.devstack.stack import stack_home

    # A small county on a quiet stack: providers can afford to look for offers every second.
    report = _run_simulation(0.01, seed, 0.0, False, 1.0)
    path = stack_home() / "demo-report.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    p, v, m, q = report["packages"], report["visits"], report["money"], report["quality"]
    top = ", ".join(f"{r['rank']}. {r['provider']} {r['score']}" for r in q["league_table"][:3])
    period = report["period"]
    typer.echo(f"demo county ({period['start']} to {period['end']}, simulated in {report['elapsed_seconds']} s):")
    typer.echo(f"  packages  {p['submitted']} referred, {p['placed']} placed, {p['unplaced']} unplaced; "
               f"{p['by_basis']}")
    typer.echo(f"  visits    {v['planned']} planned, {v['attended']} attended; {v['by_state']}")
    typer.echo(f"  events    {v['events']['posted']} posted: {v['events'].get('accepted', 0)} accepted, "
               f"{v['events'].get('duplicate', 0)} duplicates, {v['events'].get('rejected', 0)} rejected")
    typer.echo(f"  paid      £{m['paid']} (held £{m['held']}) by funder {m['by_funder']}, period approved")
    typer.echo(f"  league    {q['week']}: {top}")
    typer.echo(f"API keys for each role and where each figure is: {path}")
    console = by_name("console")
    typer.echo(f"console: http://127.0.0.1:{console.port} (sign in with a staff key from `clients` in that file)")


@app.command()
def down() -> None:
    """Stop exactly the processes `homecare up` started."""
    from shared.devstack.stack import down as stack_down

    stopped = stack_down()
    typer.echo("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


@app.command()
def migrate(
    check: Annotated[bool, typer.Option("--check", help="Change nothing; exit 1 unless all are at head")] = False,
) -> None:
    """Apply every schema's migrations to DATABASE_URL (or the running stack's database)."""
    from shared.devstack.migrate import migrate_all_sync, pending_schemas
    from shared.devstack.stack import resolve_urls

    db, _ = resolve_urls()
    if check:
        pending = asyncio.run(pending_schemas(db))
        typer.echo("not migrated: " + ", ".join(pending) if pending else "every schema is at head")
        raise typer.Exit(1 if pending else 0)
    done = migrate_all_sync(db)
    typer.echo("migrated: " + ", ".join(done))


async def _with_connection(fn):  # type: ignore[no-untyped-def]
    from shared.devstack.stack import resolve_urls

    db, _ = resolve_urls()
    engine = create_engine(db, pool_size=1)
    try:
        async with engine.begin() as conn:
            return await fn(conn)
    finally:
        await engine.dispose()


@clients_app.command("create")
def clients_create(
    name: Annotated[str, typer.Option(help="Who the client is")],
    role: Annotated[
        str,
        typer.Option(
            help="case_management, provider, etms_vendor, payments_staff, payments_approver, quality_officer or admin"
        ),
    ],
    provider_id: Annotated[str | None, typer.Option(help="For role provider: its provider id")] = None,
    provider_ids: Annotated[str | None, typer.Option(help="For role etms_vendor: comma-separated provider ids")] = None,
) -> None:
    """Create an API client; prints its id and key as JSON (the key is shown only once)."""
    from shared.auth.clients import create_client

    ids = [uuid.UUID(p) for p in ([provider_id] if provider_id else [])]
    ids += [uuid.UUID(p.strip()) for p in (provider_ids.split(",") if provider_ids else []) if p.strip()]

    async def run(conn: AsyncConnection) -> dict[str, object]:
        return (await create_client(conn, name=name, role=role, provider_ids=ids)).as_json()

    try:
        out = asyncio.run(_with_connection(run))
    except ValueError as exc:
        typer.echo(json.dumps({"error": str(exc)}), err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(out))


ReasonOption = Annotated[str | None, typer.Option(help="Why, for the audit log")]


@clients_app.command("rotate")
def clients_rotate(client_id: str, reason: ReasonOption = None) -> None:
    """Issue a new key for a client; the old key stops working at once."""
    from shared.auth.clients import rotate_key

    async def run(conn: AsyncConnection) -> str:
        return await rotate_key(conn, uuid.UUID(client_id), reason=reason)

    typer.echo(json.dumps({"id": client_id, "key": asyncio.run(_with_connection(run))}))


@clients_app.command("revoke")
def clients_revoke(client_id: str, reason: ReasonOption = None) -> None:
    """Revoke a client; its key stops working at once."""
    from shared.auth.clients import revoke

    async def run(conn: AsyncConnection) -> None:
        await revoke(conn, uuid.UUID(client_id), reason=reason)

    asyncio.run(_with_connection(run))
    typer.echo(json.dumps({"id": client_id, "revoked": True}))


@clients_app.command("list")
def clients_list() -> None:
    """Every client (never their keys)."""
    from shared.auth.clients import list_clients

    typer.echo(json.dumps(asyncio.run(_with_connection(list_clients)), default=str, indent=2))


@dlq_app.command("replay")
def dlq_replay(
    topic: Annotated[str, typer.Option(help="The original topic, e.g. monitoring.visit")],
) -> None:
    """Re-publish every message of <topic>.dlq to <topic>; consumers that applied it already skip it."""
    from shared.devstack.stack import resolve_urls
    from shared.messaging.dlq import replay_dead_letters

    _, bootstrap = resolve_urls()
    count = asyncio.run(replay_dead_letters(bootstrap, topic))
    typer.echo(json.dumps({"topic": topic, "replayed": count}))


@contracts_app.command("write")
def contracts_write(docs: DocsOption = Path("docs")) -> None:
    """Generate docs/asyncapi.yaml, docs/events/<type>.json and docs/openapi/<service>.json from the code."""
    from shared.contract_docs.files import render, write

    changed = write(docs, render())
    typer.echo("\n".join(changed) if changed else "the contract documents are up to date")


@contracts_app.command("check")
def contracts_check(docs: DocsOption = Path("docs")) -> None:
    """Exit 1 if the committed contract documents differ from what the code generates."""
    from shared.contract_docs.files import differences, render, stale_message

    diffs = differences(docs, render())
    if diffs:
        typer.echo(stale_message(diffs), err=True)
        raise typer.Exit(1)
    typer.echo("the contract documents are up to date")


@app.command("trace")
def trace_command(
    correlation_id: str,
    logs: Annotated[Path | None, typer.Option(help="Folder of JSON logs; default <HOMECARE_HOME>/logs")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The matching log lines as JSON lines")] = False,
) -> None:
    """Print the timeline of one flow (a referral from submission to payment) across every service's logs."""
    from shared.devstack.stack import stack_home
    from shared.tracing import format_line, log_files, trace

    folder = logs or stack_home() / "logs"
    lines = trace(log_files(folder), correlation_id)
    if not lines:
        typer.echo(f"no log line in {folder} carries correlation id {correlation_id}", err=True)
        raise typer.Exit(1)
    for line in lines:
        typer.echo(json.dumps(line) if as_json else format_line(line, correlation_id))


def main() -> None:
    """Entry point."""
    app(prog_name="homecare")


if __name__ == "__main__":
    main()
