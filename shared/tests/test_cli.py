"""The ``homecare`` command as scripts use it: migrate, and clients printed as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from shared.devstack.migrate import pending_schemas
from shared.testing.stack import PostgresHandle, migrated_database

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _homecare(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


async def test_migrate_then_create_rotate_revoke_clients(pg: PostgresHandle) -> None:
    url = await pg.create_database()
    assert (await pending_schemas(url))[:2] == ["auth", "referrals"]
    migrated = _homecare(url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "auth" in migrated.stdout
    assert "referrals" in migrated.stdout
    after = _homecare(url, "migrate", "--check")
    assert (after.returncode, after.stdout.strip()) == (0, "every schema is at head"), after.stderr

    vendor = _homecare(
        url,
        "clients",
        "create",
        "--name",
        "CallMonitor",
        "--role",
        "etms_vendor",
        "--provider-ids",
        "6f1c2d1e-0000-4000-8000-000000000001,6f1c2d1e-0000-4000-8000-000000000002",
    )
    assert vendor.returncode == 0, vendor.stderr
    issued = json.loads(vendor.stdout)
    assert issued["role"] == "etms_vendor"
    assert issued["key"].startswith("hc_")
    assert len(issued["provider_ids"]) == 2

    listed = json.loads(_homecare(url, "clients", "list").stdout)
    assert [c["name"] for c in listed] == ["CallMonitor"]
    assert "key_hash" not in listed[0]
    assert issued["key"] not in json.dumps(listed)

    rotated = json.loads(_homecare(url, "clients", "rotate", issued["id"]).stdout)
    assert rotated["key"] != issued["key"]
    assert json.loads(_homecare(url, "clients", "revoke", issued["id"]).stdout)["revoked"] is True


async def test_a_provider_client_must_name_its_provider(pg: PostgresHandle) -> None:
    url = await migrated_database(pg, services=())
    bad = _homecare(url, "clients", "create", "--name", "Acme", "--role", "provider")
    assert bad.returncode == 2
    assert "exactly one provider id" in bad.stderr
    unknown = _homecare(url, "clients", "create", "--name", "X", "--role", "superuser")
    assert unknown.returncode == 2
    assert "unknown role" in unknown.stderr
