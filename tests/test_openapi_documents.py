"""Each committed docs/openapi/<service>.json is what the running service serves at /openapi.json.

Every service of shared/devstack/services.py is started (its lifespan running against the test
database and broker), so a service added to that list is checked without changing this test.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from shared.contract_docs.asyncapi import REFRESH_COMMAND
from shared.contract_docs.files import openapi_path
from shared.devstack.services import SERVICES
from shared.testing.apps import running_app
from shared.testing.stack import PostgresHandle, migrated_database

pytestmark = pytest.mark.asyncio(loop_scope="session")

DOCS = Path(__file__).resolve().parents[1] / "docs"


async def test_each_committed_openapi_document_is_what_the_running_service_serves(
    pg: PostgresHandle, bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", await migrated_database(pg))
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", bootstrap)
    checked = []
    for svc in SERVICES:
        if not svc.installed():
            continue
        main = importlib.import_module(svc.app_path.partition(":")[0])
        if main.app.openapi_url is None:
            continue
        committed_path = DOCS / openapi_path(svc.name)
        assert committed_path.exists(), f"{committed_path} is missing: run `{REFRESH_COMMAND}`"
        committed = json.loads(committed_path.read_text())
        validate(committed)
        async with running_app(main.create_app()) as running:
            served = await running.client.get("/openapi.json")
        assert served.status_code == 200, served.text
        assert served.json() == committed, f"{svc.name} serves another OpenAPI document: run `{REFRESH_COMMAND}`"
        checked.append(svc.name)
    assert checked == [s.name for s in SERVICES if s.installed() and s.schema is not None]
    assert len(checked) >= 5
