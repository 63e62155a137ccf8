"""Checks we can run without Docker: the compose stack is wired, services never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml
from console.settings import ConsoleSettings
from shared.devstack.services import SERVICES

ROOT = Path(__file__).resolve().parents[1]


def test_compose_wires_every_service_with_its_port_healthcheck_and_environment() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    assert "healthcheck" in services["postgres"]
    assert "healthcheck" in services["kafka"]
    assert services["migrate"]["command"] == ["homecare", "migrate"]
    for svc in SERVICES:
        spec = services[svc.name]
        assert spec["command"][:2] == ["uvicorn", svc.app_path], svc.name
        assert spec["command"][-1] == str(svc.default_port)
        assert spec["ports"] == [f"{svc.default_port}:{svc.default_port}"]
        assert f":{svc.default_port}/readyz" in " ".join(spec["healthcheck"]["test"])
        assert spec["build"]["dockerfile"] == "deploy/Dockerfile"
        env = spec["environment"]
        if svc.schema is None:
            continue  # the console: wired to the services below, no database or broker of its own
        assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["KAFKA_ENABLE_IDEMPOTENCE"] == "true"  # real Kafka accepts the idempotent producer
        assert spec["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert (ROOT / "deploy" / "Dockerfile").exists()


def test_compose_points_the_console_at_each_service_it_reads() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    console = compose["services"]["console"]
    env = console["environment"]
    for setting, service in (("BROKERAGE", "brokerage"), ("MONITORING", "electronic-monitoring"),
                             ("PAYMENTS", "payments"), ("QUALITY", "quality")):  # fmt: skip
        port = next(s.default_port for s in SERVICES if s.name == service)
        assert env[f"CONSOLE_{setting}_URL"] == f"http://{service}:{port}"
        assert console["depends_on"][service]["condition"] == "service_healthy"
        assert f"{setting.lower()}_url" in ConsoleSettings.model_fields
    assert env["CONSOLE_SESSION_SECRET"].startswith("${CONSOLE_SESSION_SECRET:?")
    assert "DATABASE_URL" not in env


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_services_import_only_shared_never_each_other() -> None:
    packages = {s.package for s in SERVICES}
    for svc in SERVICES:
        src = ROOT / "services" / svc.name / "src" / svc.package
        assert src.is_dir(), f"{svc.name} has no package at {src}"
        for path in src.rglob("*.py"):
            others = (_imports(path) & packages) - {svc.package}
            assert not others, f"{path.relative_to(ROOT)} imports {others}"


def test_shared_imports_no_service() -> None:
    packages = {s.package for s in SERVICES}
    for path in (ROOT / "shared" / "src" / "shared").rglob("*.py"):
        assert not (_imports(path) & packages), path
