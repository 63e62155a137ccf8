"""Rendering the contract documents to files under ``docs/``, and checking the committed ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from shared.contract_docs.asyncapi import REFRESH_COMMAND, asyncapi_document, event_contracts, event_json_schema
from shared.contract_docs.services import ServiceContracts, service_contracts

ASYNCAPI_FILE = "asyncapi.yaml"
EVENTS_DIR = "events"
OPENAPI_DIR = "openapi"
GENERATED = (ASYNCAPI_FILE, EVENTS_DIR, OPENAPI_DIR)


def to_json(document: Any) -> str:
    """Stable, reviewable JSON: two-space indent, key order as built, a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_yaml(document: Any) -> str:
    """Stable YAML in the order the document was built."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)


def openapi_path(service: str) -> str:
    """Where a service's OpenAPI document goes, relative to docs/."""
    return f"{OPENAPI_DIR}/{service}.json"


def render(services: list[ServiceContracts] | None = None) -> dict[str, str]:
    """Every generated file's path (relative to docs/) and text."""
    services = service_contracts() if services is None else services
    files = {ASYNCAPI_FILE: to_yaml(asyncapi_document(services))}
    for contract in event_contracts():
        files[f"{EVENTS_DIR}/{contract.event_type}.json"] = to_json(event_json_schema(contract))
    for svc in services:
        if svc.serves_openapi:
            files[openapi_path(svc.info.name)] = to_json(svc.openapi())
    return files


def _existing(docs: Path) -> set[str]:
    found = {ASYNCAPI_FILE} if (docs / ASYNCAPI_FILE).exists() else set()
    for folder in (EVENTS_DIR, OPENAPI_DIR):
        found |= {p.relative_to(docs).as_posix() for p in (docs / folder).glob("*.json")}
    return found


def write(docs: Path, files: dict[str, str]) -> list[str]:
    """Write the files and delete generated ones no longer produced; returns what changed."""
    changed = []
    for stale in sorted(_existing(docs) - set(files)):
        (docs / stale).unlink()
        changed.append(f"deleted {stale}")
    for rel, text in files.items():
        path = docs / rel
        if path.exists() and path.read_text() == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        changed.append(f"wrote {rel}")
    return changed


def differences(docs: Path, files: dict[str, str]) -> list[str]:
    """What differs between the committed files and freshly generated ones (empty when in step)."""
    out = [f"{rel} is not generated any more" for rel in sorted(_existing(docs) - set(files))]
    for rel, text in files.items():
        path = docs / rel
        if not path.exists():
            out.append(f"{rel} is missing")
        elif path.read_text() != text:
            out.append(f"{rel} differs from the code")
    return out


def stale_message(diffs: list[str]) -> str:
    """The message a check fails with: what is stale and the command that refreshes it."""
    return "The contract documents in docs/ are out of date:\n  " + "\n  ".join(diffs) + (
        f"\nRun `{REFRESH_COMMAND}` and commit docs/."
    )
