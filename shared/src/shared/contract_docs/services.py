"""What the contract documents need to know of each service, read from the services themselves.

Each service's app is imported by its path in ``shared.devstack.services`` (as uvicorn does), never
by a static import, so a service added to that list is documented without changing this module.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from shared.devstack.services import SERVICES, ServiceInfo


@dataclass(frozen=True)
class ServiceContracts:
    """A service's app and, if it is a platform service, the events it produces and consumes."""

    info: ServiceInfo
    app: FastAPI
    source: str | None
    consumers: dict[str, list[str]]  # consumer group -> event types it handles

    @property
    def serves_openapi(self) -> bool:
        """Whether the service publishes an API description (the console serves pages, not an API)."""
        return self.app.openapi_url is not None

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document the running service serves at ``/openapi.json``."""
        return self.app.openapi()


def load_app(info: ServiceInfo) -> FastAPI:
    """The service's module-level ASGI app (``<package>.main:app``)."""
    module_name, _, attribute = info.app_path.partition(":")
    app: FastAPI = getattr(importlib.import_module(module_name), attribute)
    return app


def service_contracts(services: tuple[ServiceInfo, ...] = SERVICES) -> list[ServiceContracts]:
    """Every installed service, in the order of the services list."""
    found = []
    for info in services:
        if not info.installed():
            continue
        app = load_app(info)
        definition = getattr(app.state, "definition", None)
        consumers = {c.group_id: sorted(c.handlers) for c in definition.consumers} if definition else {}
        found.append(ServiceContracts(info, app, definition.source if definition else None, consumers))
    return found
