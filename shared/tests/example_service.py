"""A minimal service built on the platform, as the services are: used by the platform's tests
and the worked example in PLATFORM.md.

"notes" are written through the API with an event in the same transaction; a consumer in a
second service (another schema) counts the notes it has seen.
"""

from __future__ import annotations

import uuid
from typing import Annotated, ClassVar

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from shared.auth import Principal, require_roles
from shared.db.base import make_metadata
from shared.db.platform_tables import add_platform_tables
from shared.db.session import SessionDep
from shared.errors import Conflict, NotFound
from shared.messaging.consumer import Batched
from shared.messaging.envelope import Envelope, EventData
from shared.settings import ServiceSettings
from shared.web import ConsumerSpec, RuntimeDep, ServiceDefinition, create_service_app
from sqlalchemy import Column, Integer, String, Table, insert, select
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession


class NoteWritten(EventData):
    """Test-only event type."""

    topic: ClassVar[str] = "example.note"
    name: ClassVar[str] = "written"
    note_id: uuid.UUID
    text: str


class ExampleSettings(ServiceSettings):
    """Settings with a prefix, as each service has."""

    model_config = ServiceSettings.model_config | {"env_prefix": "EXAMPLE_"}


def writer_metadata(schema: str) -> tuple[object, Table]:
    md = make_metadata(schema)
    add_platform_tables(md)
    note = Table("note", md, Column("id", UUID(as_uuid=True), primary_key=True), Column("text", String, nullable=False))
    return md, note


def counter_metadata(schema: str) -> tuple[object, Table]:
    md = make_metadata(schema)
    add_platform_tables(md)
    seen = Table(
        "seen", md, Column("note_id", UUID(as_uuid=True), primary_key=True), Column("times", Integer, nullable=False)
    )
    return md, seen


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": "hello"}]})
    text: str = Field(min_length=1, max_length=200)


def writer_app(schema: str, settings: ServiceSettings) -> tuple[object, Table]:
    md, note = writer_metadata(schema)
    router = APIRouter(prefix="/v1")

    @router.post("/notes", status_code=201)
    async def create_note(
        body: NoteIn,
        session: SessionDep,
        runtime: RuntimeDep,
        who: Annotated[Principal, Depends(require_roles("admin"))],
    ) -> dict[str, str]:
        if body.text == "conflict":
            raise Conflict("that note conflicts")
        nid = uuid.uuid4()
        await session.execute(insert(note).values(id=nid, text=body.text))
        await runtime.outbox.publish(session, NoteWritten(note_id=nid, text=body.text), subject=str(nid))
        return {"id": str(nid)}

    @router.get("/notes/{note_id}")
    async def read_note(note_id: uuid.UUID, who: Annotated[Principal, Depends(require_roles("admin"))]) -> None:
        raise NotFound(f"no note {note_id}")

    defn = ServiceDefinition(
        name=f"writer-{schema}",
        title="Writer",
        description="example",
        settings=settings,
        metadata=md,  # type: ignore[arg-type]
        source="/example/writer",
        routers=[router],
    )
    return create_service_app(defn), note


def counter_app(
    schema: str, settings: ServiceSettings, *, fail_on: str | None = None, batched: bool = False
) -> tuple[object, Table]:
    md, seen = counter_metadata(schema)

    async def on_notes(session: AsyncSession, envs: list[Envelope[NoteWritten]]) -> None:
        if fail_on is not None and any(env.data.text == fail_on for env in envs):
            raise ValueError(f"cannot handle {fail_on}")
        stmt = pg_insert(seen)
        await session.execute(
            stmt.on_conflict_do_update(index_elements=[seen.c.note_id], set_={"times": seen.c.times + 1}),
            [{"note_id": env.data.note_id, "times": 1} for env in envs],
        )

    async def on_note(session: AsyncSession, env: Envelope[NoteWritten]) -> None:
        await on_notes(session, [env])

    defn = ServiceDefinition(
        name=f"counter-{schema}",
        title="Counter",
        description="example",
        settings=settings,
        metadata=md,  # type: ignore[arg-type]
        source="/example/counter",
        consumers=[
            ConsumerSpec(
                group_id=f"counter-{schema}",
                handlers={NoteWritten.event_type(): Batched(on_notes) if batched else on_note},
            )
        ],
    )
    return create_service_app(defn), seen


async def count_seen(session: AsyncSession, seen: Table) -> dict[uuid.UUID, int]:
    rows = (await session.execute(select(seen.c.note_id, seen.c.times))).all()
    return {r.note_id: r.times for r in rows}


__all__ = ["ExampleSettings", "NoteWritten", "count_seen", "counter_app", "writer_app"]
