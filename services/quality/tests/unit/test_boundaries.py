"""The quality package imports no other service: it shares only ``shared`` and the event contracts."""

from __future__ import annotations

import ast
from pathlib import Path

import quality

OTHER_SERVICES = {"referrals", "brokerage", "monitoring", "payments"}
PURE = ("sqlalchemy", "fastapi", "aiokafka", "asyncpg", "httpx", "quality.db", "quality.api", "quality.events")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _sources() -> list[Path]:
    return sorted(Path(quality.__file__).parent.rglob("*.py"))


def test_no_other_service_is_imported() -> None:
    assert len(_sources()) > 20
    offending = {
        (str(path), name) for path in _sources() for name in _imports(path) if name.split(".")[0] in OTHER_SERVICES
    }
    assert offending == set()


def test_the_domain_does_no_io() -> None:
    domain = [p for p in _sources() if "domain" in p.parts]
    assert domain
    offending = {(p.name, n) for p in domain for n in _imports(p) if n.startswith(PURE)}
    assert offending == set()
