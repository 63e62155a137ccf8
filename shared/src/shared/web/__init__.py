"""The FastAPI app factory every service uses."""

from shared.web.app import ConsumerSpec, ServiceDefinition, create_service_app
from shared.web.runtime import RuntimeDep, ServiceRuntime

__all__ = ["ConsumerSpec", "RuntimeDep", "ServiceDefinition", "ServiceRuntime", "create_service_app"]
