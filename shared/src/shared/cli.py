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


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Same seed, same council")] = 1,
) -> None:
    """Seed a small demo council into the running stack through its public APIs; prints the report."""
    from shared.auth.clients import create_client
    from shared.demo import seed_demo_council
    from shared.devstack.services import SERVICES
    from shared.devstack.stack import resolve_urls, stack_home

    db, _ = resolve_urls()
    urls = {svc.package: f"http://127.0.0.1:{svc.port}" for svc in SERVICES}

    async def make_client(name: str, role: str, provider_ids: list[uuid.UUID]) -> dict[str, str]:
        engine = create_engine(db, pool_size=1)
        try:
            async with engine.begin() as conn:
                issued = await create_client(conn, name=name, role=role, provider_ids=provider_ids)
        finally:
            await engine.dispose()
        return {"id": str(issued.id), "key": issued.key}

    report = asyncio.run(seed_demo_council(urls, make_client, seed=seed))
    path = stack_home() / "demo-report.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    typer.echo(f"demo council: packages {json.dumps(report['packages'], default=str)}")
    typer.echo(f"              visits {json.dumps(report['visits'], default=str)}")
    typer.echo(f"API keys for each role and where to look: {path}")
    console = next((svc for svc in SERVICES if svc.name == "console"), None)
    if console is not None:
        typer.echo(f"console: http://127.0.0.1:{console.port} (sign in with a key from clients.staff in that file)")


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
