"""The council's quality configuration: targets, weights, thresholds, bands, rules, publication."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from shared.audit import record_audit
from shared.clock import utcnow
from shared.db.session import SessionDep

from quality.api.deps import Officer, Writer
from quality.db import records_repository as records
from quality.domain.config import QualityConfig

router = APIRouter(prefix="/v1/config", tags=["config"])

_EXAMPLE = QualityConfig().model_dump(mode="json")


@router.get("", response_model=QualityConfig)
async def get_config(session: SessionDep, _: Officer) -> Any:
    """The configuration in force (the published county contract's defaults until changed)."""
    return await records.load_config(session)


@router.put("", response_model=QualityConfig)
async def put_config(
    session: SessionDep,
    who: Writer,
    body: QualityConfig = Body(openapi_examples={"defaults": {"value": _EXAMPLE}}),
) -> Any:
    """Replace the configuration; it applies to every evaluation from now on."""
    await records.save_config(session, body, utcnow())
    await record_audit(session, who, "config.replace", "config", details=body.model_dump(mode="json"))
    return body
