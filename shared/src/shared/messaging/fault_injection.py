"""A test-only switch that makes a service's consumers fail on one event type, so the soak test and
the fault tests can watch events go to the dead-letter topic and come back with ``homecare dlq replay``.

Set ``HOMECARE_TEST_FAIL_EVENT`` to ``<consumer group>:<event type>`` (e.g.
``payments:monitoring.visit.completed``) in a service process's environment; restart the process
without it to "fix" the consumer. Nothing sets it in production, and with it unset (or naming another
group) the handlers are used as they are.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.messaging.consumer import AnyHandler
from shared.messaging.envelope import Envelope

FAIL_EVENT_ENV = "HOMECARE_TEST_FAIL_EVENT"


class InjectedFault(RuntimeError):
    """The failure the switch injects: not an outage, so the consumer retries, then dead-letters."""


async def _fail(session: AsyncSession, event: Envelope[Any]) -> None:
    raise InjectedFault(f"{FAIL_EVENT_ENV} makes this consumer fail on {event.type}")


def with_injected_failure(
    group_id: str, handlers: Mapping[str, AnyHandler], environ: Mapping[str, str] = os.environ
) -> dict[str, AnyHandler]:
    """The group's handlers, with the one for the switched event type (if any) replaced by one that fails."""
    group, _, chosen = environ.get(FAIL_EVENT_ENV, "").partition(":")
    if group != group_id:
        return dict(handlers)
    return {event_type: _fail if event_type == chosen else handler for event_type, handler in handlers.items()}
