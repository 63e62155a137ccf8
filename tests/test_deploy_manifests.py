"""Checks we can run without a cluster or Docker: the Kubernetes manifests wire every service (ports,
probes, configuration, secrets, roles, replicas within the partitions), and the Dockerfile builds
an image holding every service and the ``homecare`` command."""

from __future__ import annotations

import re
import tomllib
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from shared.devstack.services import SERVICES, ServiceInfo, by_name
from shared.settings import UNPREFIXED_VARIABLES, ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
ROLES = set(typing.get_args(ServiceSettings.model_fields["process_role"].annotation))
SERVING, CONSUMING = {"api", "all"}, {"worker", "all"}


def kustomization(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A kustomization and the objects of its own resource files (not of the bases it includes)."""
    kust = yaml.safe_load((folder / "kustomization.yaml").read_text())
    objects = []
    for resource in kust["resources"]:
        path = folder / resource
        assert path.exists(), f"{folder.name}/kustomization.yaml names {resource}, which does not exist"
        if path.is_file():
            objects += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return kust, objects


@pytest.fixture(scope="module")
def base() -> dict[tuple[str, str], dict[str, Any]]:
    kust, objects = kustomization(K8S / "base")
    listed = set(kust["resources"])
    assert {p.name for p in (K8S / "base").glob("*.yaml")} - {"kustomization.yaml"} == listed
    found = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    assert len(found) == len(objects), "two objects share a kind and name"
    return found


def deployments_of(base: dict[tuple[str, str], dict[str, Any]], svc: ServiceInfo) -> list[dict[str, Any]]:
    return [
        o
        for (kind, _), o in base.items()
        if kind == "Deployment" and o["metadata"]["labels"]["app.kubernetes.io/name"] == svc.name
    ]


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    c: dict[str, Any] = containers[0]
    return c


def env(c: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c.get("env", [])}


def role(deployment: dict[str, Any]) -> str:
    value: str = env(container(deployment))["PROCESS_ROLE"]
    return value


def database_from_secret(c: dict[str, Any]) -> None:
    assert env(c)["DATABASE_URL"] == {"secretKeyRef": {"name": "homecare-secrets", "key": "DATABASE_URL"}}
    assert {"configMapRef": {"name": "homecare-config"}} in c["envFrom"]


def test_configuration_reaches_the_services(base: dict[tuple[str, str], dict[str, Any]]) -> None:
    config = base[("ConfigMap", "homecare-config")]["data"]
    assert set(config) <= set(UNPREFIXED_VARIABLES.values()), "a key no service reads"
    assert config["KAFKA_ENABLE_IDEMPOTENCE"] == "true"
    assert int(config["KAFKA_TOPIC_REPLICATION_FACTOR"]) >= 3
    assert int(config["KAFKA_TOPIC_PARTITIONS"]) >= 3
    assert "DATABASE_URL" not in config, "the database URL holds a password: it belongs in the Secret"
    secret = base[("Secret", "homecare-secrets")]
    assert secret["stringData"]["DATABASE_URL"].startswith("postgresql+asyncpg://")


def test_migrations_run_as_a_job(base: dict[tuple[str, str], dict[str, Any]]) -> None:
    job = base[("Job", "homecare-migrate")]
    c = job["spec"]["template"]["spec"]["containers"][0]
    assert c["command"] == ["homecare", "migrate"]
    database_from_secret(c)
    assert job["spec"]["template"]["spec"]["restartPolicy"] in ("OnFailure", "Never")


PLATFORM = [s for s in SERVICES if s.schema is not None]


@pytest.mark.parametrize("svc", PLATFORM, ids=[s.name for s in PLATFORM])
def test_each_service_is_deployed_probed_configured_and_exposed(
    base: dict[tuple[str, str], dict[str, Any]], svc: ServiceInfo
) -> None:
    deployments = deployments_of(base, svc)
    assert deployments, f"{svc.name} has no Deployment"
    partitions = int(base[("ConfigMap", "homecare-config")]["data"]["KAFKA_TOPIC_PARTITIONS"])
    for d in deployments:
        name = d["metadata"]["name"]
        spec = d["spec"]
        assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items(), name
        c = container(d)
        assert c["image"] == "homecare:latest"
        assert c["command"][:2] == ["uvicorn", svc.app_path], name
        assert c["command"][c["command"].index("--port") + 1] == str(svc.default_port)
        assert c["ports"] == [{"name": "http", "containerPort": svc.default_port}]
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= c["resources"][kind].keys(), name
        assert c["securityContext"]["runAsNonRoot"] is True
        database_from_secret(c)
        assert role(d) in ROLES, name
        waits = spec["template"]["spec"]["initContainers"][0]
        assert "homecare migrate --check" in " ".join(waits["command"]), name
        database_from_secret(waits)
        if role(d) in CONSUMING:
            # Each partition is read by one member of a group: members beyond the partitions idle.
            assert spec["replicas"] <= partitions, name
        if spec["replicas"] == 1 and role(d) in CONSUMING:
            assert spec.get("strategy", {}).get("type") == "Recreate", f"{name}: a rollout would run two"
    assert {role(d) for d in deployments} in ({"api", "worker"}, {"all"}), "every part runs somewhere, once"
    service = base[("Service", svc.name)]
    assert service["spec"]["ports"] == [{"name": "http", "port": svc.default_port, "targetPort": "http"}]
    selector = service["spec"]["selector"].items()
    served = [d for d in deployments if selector <= d["spec"]["template"]["metadata"]["labels"].items()]
    assert served, f"the {svc.name} Service reaches no pod"
    services = [o for (kind, _), o in base.items() if kind == "Service"]
    for d in deployments:
        labels = d["spec"]["template"]["metadata"]["labels"].items()
        selecting = [s["metadata"]["name"] for s in services if s["spec"]["selector"].items() <= labels]
        assert len(selecting) == 1, f"{d['metadata']['name']} is behind {selecting}: one Service per Deployment"
    assert all(role(d) in SERVING for d in served), f"the {svc.name} Service must reach only pods serving the API"


def test_the_console_reaches_every_service_it_shows_and_seals_sessions_with_a_shared_secret(
    base: dict[tuple[str, str], dict[str, Any]],
) -> None:
    console = by_name("console")
    [deployment] = deployments_of(base, console)
    c = container(deployment)
    assert c["command"][:2] == ["uvicorn", console.app_path]
    assert c["ports"] == [{"name": "http", "containerPort": console.default_port}]
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["securityContext"]["runAsNonRoot"] is True
    settings = env(c)
    assert settings["CONSOLE_SESSION_SECRET"] == {
        "secretKeyRef": {"name": "homecare-secrets", "key": "CONSOLE_SESSION_SECRET"}
    }
    assert "CONSOLE_SESSION_SECRET" in base[("Secret", "homecare-secrets")]["stringData"]
    assert settings["CONSOLE_COOKIE_SECURE"] == "true"
    shown = [svc for svc in PLATFORM if svc.name != "referrals"]  # the console has no referrals pages
    for svc in shown:
        assert settings[f"CONSOLE_{svc.package.upper()}_URL"] == f"http://{svc.name}:{svc.default_port}", svc.name
    service = base[("Service", "console")]
    assert service["spec"]["ports"] == [{"name": "http", "port": console.default_port, "targetPort": "http"}]


def test_the_work_that_must_not_run_twice_runs_once(base: dict[tuple[str, str], dict[str, Any]]) -> None:
    singletons = {
        "brokerage": "brokerage-worker",  # webhooks: one delivery per provider in flight, per process
        "electronic-monitoring": "electronic-monitoring-worker",  # derivation of one package at a time
        "payments": "payments-all",  # calculations resumed at start-up
    }
    for name in singletons.values():
        spec = base[("Deployment", name)]["spec"]
        assert (spec["replicas"], spec["strategy"]["type"]) == (1, "Recreate"), name


def test_the_local_overlay_wires_its_own_kafka_and_postgres(base: dict[tuple[str, str], dict[str, Any]]) -> None:
    kust, objects = kustomization(K8S / "local")
    assert "../base" in kust["resources"]
    found = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    kafka = container(found[("StatefulSet", "kafka")])
    kafka_env = env(kafka)
    assert kafka_env["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    assert kafka_env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    bootstrap = base[("ConfigMap", "homecare-config")]["data"]["KAFKA_BOOTSTRAP_SERVERS"]
    assert kafka_env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{bootstrap}"
    assert ("Service", "kafka") in found
    assert ("Service", "postgres") in found
    patches = {p["target"]["name"]: yaml.safe_load(p["patch"]) for p in kust["patches"]}
    assert patches["homecare-config"] == [
        {"op": "replace", "path": "/data/KAFKA_TOPIC_REPLICATION_FACTOR", "value": "1"}  # one broker
    ]
    url = patches["homecare-secrets"][0]["value"]
    postgres = env(container(found[("StatefulSet", "postgres")]))
    assert url == (
        f"postgresql+asyncpg://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}@postgres:5432/"
        f"{postgres['POSTGRES_DB']}"
    )


def test_the_dockerfile_builds_every_service_and_the_homecare_command() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, flags=re.MULTILINE)
    assert stages
    assert all(s.startswith("python:3.11") for s in stages)
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.MULTILINE)
    sources = {part for line in copied for part in line.split()}
    assert {"pyproject.toml", "uv.lock", "shared/", "services/"} <= sources
    sync = next(line for line in dockerfile.splitlines() if "uv sync" in line)
    assert all(flag in sync for flag in ("--frozen", "--all-packages", "--no-dev", "--no-editable"))
    assert re.search(r"^COPY --from=build /app/.venv /app/.venv$", dockerfile, flags=re.MULTILINE)
    assert 'PATH="/app/.venv/bin:$PATH"' in dockerfile
    assert re.search(r"^USER \d+", dockerfile, flags=re.MULTILINE), "numeric, so runAsNonRoot can be checked"
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert root["tool"]["uv"]["workspace"]["members"] == ["shared", "services/*"]
    for svc in SERVICES:
        member = ROOT / "services" / svc.name
        project = tomllib.loads((member / "pyproject.toml").read_text())["project"]
        assert (member / "src" / svc.package / "main.py").exists(), svc.name
        assert project["name"] in root["project"]["dependencies"], f"{svc.name} is not installed by uv sync"
    shared = tomllib.loads((ROOT / "shared" / "pyproject.toml").read_text())["project"]
    assert shared["scripts"]["homecare"] == "shared.cli:app"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", ".homecare"} <= set(ignored)
